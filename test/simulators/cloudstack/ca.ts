// The simulator's root CA, like CloudStack's RootCAProvider: a self-signed CA (CN=ca.cloudstack.apache.org)
// that issues certificates from CSRs (subject from the CSR; SANs = CSR SANs + domain + ipaddress) or
// with a generated key. Keys are made with node:crypto, certificates built and signed with node-forge.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

export class SimCaError extends Error {
  constructor(readonly errorcode: number, message: string) { super(message); }
}

interface AltName { type: number; value?: string; ip?: string }

export interface IssueRequest {
  csr?: string;
  domains: string[];
  ips: string[];
  days: number;
}

export interface Issued {
  certificate: string;
  privatekey?: string;
  cacertificates: string;
}

function rsaKeys(bits = 2048): { pub: forge.pki.rsa.PublicKey; priv: forge.pki.rsa.PrivateKey; privPem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const priv = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { priv, pub: forge.pki.setRsaPublicKey(priv.n, priv.e), privPem: privateKey };
}

const serial = (): string => `01${randomBytes(15).toString('hex')}`;

export class SimCa {
  readonly certificatePem: string;
  private readonly cert: forge.pki.Certificate;
  private readonly key: forge.pki.rsa.PrivateKey;

  constructor(cn = 'ca.cloudstack.apache.org') {
    const { pub, priv } = rsaKeys();
    const cert = forge.pki.createCertificate();
    cert.publicKey = pub;
    cert.serialNumber = serial();
    cert.validity.notBefore = new Date(Date.now() - 60_000);
    cert.validity.notAfter = new Date(Date.now() + 30 * 365 * 86_400_000);
    const subject = [{ name: 'commonName', value: cn }];
    cert.setSubject(subject);
    cert.setIssuer(subject);
    cert.setExtensions([
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ]);
    cert.sign(priv, forge.md.sha256.create());
    this.cert = cert;
    this.key = priv;
    this.certificatePem = forge.pki.certificateToPem(cert);
  }

  /** issueCertificate: with a CSR no private key is returned; without one the CA makes the key. */
  issue(req: IssueRequest): Issued {
    let subject: forge.pki.CertificateField[];
    let publicKey: forge.pki.rsa.PublicKey;
    let privatekey: string | undefined;
    const altNames: AltName[] = [];
    if (req.csr) {
      let csr: ReturnType<typeof forge.pki.certificationRequestFromPem>;
      try {
        csr = forge.pki.certificationRequestFromPem(req.csr);
      } catch {
        throw new SimCaError(530, 'Failed to parse the certificate signing request');
      }
      if (!csr.verify()) throw new SimCaError(530, 'The CSR signature does not verify');
      subject = csr.subject.attributes;
      publicKey = csr.publicKey as forge.pki.rsa.PublicKey;
      const ext = csr.getAttribute({ name: 'extensionRequest' }) as { extensions?: { name: string; altNames?: AltName[] }[] } | null;
      for (const e of ext?.extensions ?? []) if (e.name === 'subjectAltName') altNames.push(...(e.altNames ?? []));
    } else {
      if (req.domains.length === 0) throw new SimCaError(431, 'Please provide a CSR or a list of domains');
      const keys = rsaKeys();
      subject = [{ name: 'commonName', value: req.domains[0] }];
      publicKey = keys.pub;
      privatekey = keys.privPem;
    }
    for (const d of req.domains) altNames.push({ type: 2, value: d });
    for (const ip of req.ips) {
      if (!isIP(ip)) throw new SimCaError(431, `Invalid IP address: ${ip}`);
      altNames.push({ type: 7, ip });
    }
    const cert = forge.pki.createCertificate();
    cert.publicKey = publicKey;
    cert.serialNumber = serial();
    cert.validity.notBefore = new Date(Date.now() - 60_000);
    cert.validity.notAfter = new Date(Date.now() + req.days * 86_400_000);
    cert.setSubject(subject);
    cert.setIssuer(this.cert.subject.attributes);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
    ]);
    cert.sign(this.key, forge.md.sha256.create());
    return { certificate: forge.pki.certificateToPem(cert), cacertificates: this.certificatePem, ...(privatekey ? { privatekey } : {}) };
  }
}
