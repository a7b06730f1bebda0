// The API listener's TLS material (server cert/key, client CA bundle, optional CRL): read and checked
// at start and on reload (SIGHUP → server.setSecureContext; open connections keep their context).
import { constants } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { loadCrl } from '../certs/index.js';
import type { BrokerConfig } from '../config/index.js';
import { VnfError, isVnfError } from '../errors.js';

export interface TlsMaterial {
  cert: string;
  key: string;
  ca: string;
  crl?: string;
}

function read(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new VnfError('VNF_ERR_CONFIG_INVALID', `tls.${key}: ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
}

/** Reads every file and proves they form a usable context (key matches cert, CA parses, CRL signed by the CA). */
export function readTlsMaterial(tls: BrokerConfig['tls']): TlsMaterial {
  const material: TlsMaterial = {
    cert: read(tls.cert_file, 'cert_file'),
    key: read(tls.key_file, 'key_file'),
    ca: read(tls.client_ca_file, 'client_ca_file'),
    ...(tls.crl_file !== undefined ? { crl: read(tls.crl_file, 'crl_file') } : {}),
  };
  if (!/-----BEGIN CERTIFICATE-----/.test(material.ca)) {
    throw new VnfError('VNF_ERR_CONFIG_INVALID', `tls.client_ca_file: ${tls.client_ca_file} holds no PEM certificate`);
  }
  if (material.crl !== undefined) {
    try {
      loadCrl(material.crl, { caPem: material.ca });
    } catch (error) {
      if (isVnfError(error)) throw new VnfError(error.code, `tls.crl_file: ${error.message}`, { cause: error });
      throw error;
    }
  }
  try {
    createSecureContext(secureContextOptions(material, tls.min_version));
  } catch (error) {
    throw new VnfError('VNF_ERR_CONFIG_INVALID', `tls: the server certificate, key or client CA cannot be used (${(error as Error).message.slice(0, 200)})`, { cause: error });
  }
  return material;
}

/**
 * TLS 1.2 renegotiation is refused: a connection's client certificate, checked and mapped to a
 * principal at the handshake, stays the one the requests on it are authorised with.
 */
export function secureContextOptions(material: TlsMaterial, minVersion: BrokerConfig['tls']['min_version']): SecureContextOptions {
  return {
    cert: material.cert,
    key: material.key,
    ca: material.ca,
    ...(material.crl !== undefined ? { crl: material.crl } : {}),
    minVersion,
    secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
  };
}
