// CloudStack API client: request signing exactly as the management server verifies it, signed calls
// with envelope/error mapping, async-job polling, and the dictionaries' `cloudstack-api` callback.
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
