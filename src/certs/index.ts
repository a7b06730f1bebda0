// certs/: keys (node:crypto), CA/certificate/CSR building (node-forge, RSA), inspection, CRLs,
// the `serve --dev` TLS bootstrap, and the peer-certificate → principal mapping used for roles.
export { createCa, loadCa, DEFAULT_CA_DAYS, type CaMaterial, type CreateCaOptions } from './ca.js';
export {
  issueCertificate, DEFAULT_LEAF_DAYS, type IssueOptions, type IssuedCertificate, type LeafKind,
} from './issue.js';
export { createCsr, readCsr, signCsr, type CreateCsrOptions, type CsrInfo, type CsrResult, type SignCsrOptions } from './csr.js';
export { describeCertificate, parseCertificate, type CertificateInfo } from './inspect.js';
export {
  matchIdentity, normaliseFingerprint256, principalFromPeerCertificate, type IdentityRule, type Principal,
} from './identity.js';
export {
  ensureDevTls, devTlsFiles, DEV_CLIENT_CN, DEV_HOSTS, type DevTlsFiles, type DevTlsOptions, type DevTlsResult,
} from './dev-tls.js';
export { describeCrl, loadCrl, type CrlInfo } from './crl.js';
export { generateRsaKeyPair, DEFAULT_KEY_BITS, type KeyPairPem, type RsaKeyBits } from './keys.js';
export { parseSan, parseSans, type SanEntry } from './names.js';
export {
  assertAbsent, ensurePrivateDir, readTextFile, writeFileAtomic, CERT_FILE_MODE, KEY_FILE_MODE, PRIVATE_DIR_MODE,
} from './files.js';
