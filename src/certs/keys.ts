// RSA key pairs with node:crypto (PKCS#8 / SPKI PEM), and the one-way hand-over to node-forge,
// which only needs keys to build and sign certificates and CSRs (DESIGN.md §6).
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { VnfError } from '../errors.js';

export type RsaKeyBits = 2048 | 3072 | 4096;

export const DEFAULT_KEY_BITS: RsaKeyBits = 2048;

export interface KeyPairPem {
  /** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
  privateKeyPem: string;
  /** SPKI PEM (`-----BEGIN PUBLIC KEY-----`). */
  publicKeyPem: string;
}

/** Generates an RSA key pair off the event loop (node-forge's X.509 support is RSA-only). */
export async function generateRsaKeyPair(bits: RsaKeyBits = DEFAULT_KEY_BITS): Promise<KeyPairPem> {
  if (bits !== 2048 && bits !== 3072 && bits !== 4096) {
    throw new VnfError('VNF_ERR_CERT_INVALID', `unsupported RSA key size ${String(bits)} (2048, 3072 or 4096)`);
  }
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', {
      modulusLength: bits,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    }, (error, publicKeyPem, privateKeyPem) => {
      if (error) reject(new VnfError('VNF_ERR_CERT_INVALID', 'RSA key generation failed', { cause: error }));
      else resolve({ privateKeyPem, publicKeyPem });
    });
  });
}

/** Parses a private key PEM (PKCS#8 or PKCS#1); never echoes key material in errors. */
export function loadPrivateKey(pem: string, what = 'private key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new VnfError('VNF_ERR_CERT_INVALID', `${what} is not a readable unencrypted PEM private key`, { cause: scrub(error) });
  }
  requireRsa(key, what);
  return key;
}

export function loadPublicKey(pem: string, what = 'public key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new VnfError('VNF_ERR_CERT_INVALID', `${what} is not a readable PEM public key`, { cause: scrub(error) });
  }
  requireRsa(key, what);
  return key;
}

function requireRsa(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new VnfError('VNF_ERR_CERT_INVALID',
      `${what} is ${key.asymmetricKeyType ?? 'unknown'}; certificates here are built with node-forge, which supports RSA keys only`);
  }
}

export function privateKeyToPkcs8Pem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** SPKI PEM of a public key, or of the public half of a private key. */
export function publicKeyToSpkiPem(key: KeyObject): string {
  return (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'pem' }).toString();
}

/** node:crypto → forge, for signing only. PKCS#1 is the form forge reads most directly. */
export function toForgePrivateKey(key: KeyObject): forge.pki.rsa.PrivateKey {
  return forge.pki.privateKeyFromPem(key.export({ type: 'pkcs1', format: 'pem' }).toString());
}

export function toForgePublicKey(key: KeyObject): forge.pki.rsa.PublicKey {
  return forge.pki.publicKeyFromPem(publicKeyToSpkiPem(key)) as forge.pki.rsa.PublicKey;
}

/** Keeps library error text (which may quote input) out of anything we report. */
function scrub(error: unknown): Error {
  const code = (error as { code?: unknown } | null)?.code;
  return new Error(typeof code === 'string' ? code : 'key parse error');
}
