// CloudStack API client: request signing exactly as the management server verifies it, signed calls with
// envelope/error mapping, async jobs, callbacks, CA enrolment, and first boot from the config drive.
export {
  API_KEY_PARAM, SIGNATURE_PARAM, compareJava, formatExpires, hmacSha1Base64, javaUrlEncode, normaliseExpires,
  signRequest, stringToSign, type SignInput, type SignatureVersion, type SignedRequest,
} from './sign.js';
export { CloudStackClient, checkEndpoint, type CallOptions, type CallResult, type CloudStackClientOptions, type OutgoingRequest } from './client.js';
export { waitForJob, type JobOutcome, type JobPollOptions } from './async-job.js';
export {
  codeForStatus, errorFromResponse, normaliseList, scrub, unwrapEnvelope,
  type CsErrorDetails, type CsList, type CsObject,
} from './envelope.js';
export {
  resolveCallbackEndpoint, runCloudStackCallback, splitCallbackParameters,
  type CloudStackCallbackOptions, type CloudStackCallbackResult,
} from './callback.js';
export { ENV_API_KEY, ENV_SECRET_KEY, keysFromEnv, loadKeysFile, type ApiKeys } from './keys.js';
export {
  DEFAULT_ENROLL_DAYS, checkCommonName, enrollCertificate, enrollFiles, fetchCaCertificates, inspectInstalled, requestCertificate, requestedSans,
  type CertificateRequest, type EnrollApi, type EnrollFiles, type EnrollOptions, type EnrollResult, type InstalledState, type IssuedMaterial,
} from './enroll.js';
export { splitPemCertificates, verifyIssuedCertificate, type EnrollKind, type VerifiedCertificate, type VerifyInput } from './enroll-verify.js';
export { installFileSet, type PlannedFile } from './file-set.js';
export {
  CONFIG_DRIVE_DEVICES, CONFIG_DRIVE_LABEL, METADATA_KEYS, USER_DATA_PATHS, locateConfigDrive, readConfigDrive, readMetadataService,
  type ConfigDriveData, type ConfigDriveSource,
} from './config-drive.js';
export { Iso9660Image, type IsoEntry } from './config-drive-iso.js';
export { BROKER_KEY, extractBrokerSection, type BrokerUserData } from './config-drive-user-data.js';
export { BROKER_SECTION_SCHEMA, validateBrokerSection, type BrokerSection, type EnrollSection } from './config-drive-schema.js';
export { parseKnownHostLines, type KnownHostLine } from './config-drive-checks.js';
export {
  DEFAULT_FIRSTBOOT_LISTEN, FIRSTBOOT_RECORD, runFirstBoot, type FirstBootOptions, type FirstBootResult,
} from './config-drive-apply.js';
