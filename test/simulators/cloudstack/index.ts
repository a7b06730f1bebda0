// CloudStack API simulator for tests: signature verification as the management server does it,
// realistic envelopes and errors, async jobs, a root CA behind listCaCertificate/issueCertificate.
export { CloudStackSimulator, type JobPlan, type SimCall, type SimulatorOptions } from './simulator.js';
export { ApiError, COMMANDS, type SimState, type SimVm } from './commands.js';
export { SimCa, type IssueRequest, type Issued } from './ca.js';
export { javaUrlEncoderEncode, parseExpires, parseParameters, serverStringToSign, verifyRequest, type SimUser, type VerifyOptions, type VerifyResult } from './verify.js';
