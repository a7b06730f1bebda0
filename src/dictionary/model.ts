// The canonical, normalised provider dictionary: what the loader produces after schema checks and
// seed-variant normalisation, and what templates, workflows and the API consume. Templates here are
// canonical handlebars source ({{get_data.x}}, {{get_cs_data.y}}, {{#if ...}}), not yet compiled.

import type { TemplateLanding } from '../template/landing.js';

export type { TemplateLanding };

export const DATA_TYPES = ['string', 'integer', 'boolean', 'ip', 'cidr', 'port', 'enum', 'secret'] as const;
export type DataType = (typeof DATA_TYPES)[number];

export interface DataField {
  type: DataType;
  required: boolean;
  description?: string;
  /** enum only */
  values?: string[];
  default?: string | number | boolean;
  /** optional extra constraint for strings (regex source, checked for ReDoS at load) */
  pattern?: string;
  /** integer/port bounds */
  min?: number;
  max?: number;
}

export type ConnectionType = 'ssh' | 'http' | 'https';

/** A prompt the CLI may show mid-command (confirmation, password) and what to answer. */
export interface PromptedInput {
  pattern: string;
  /** template; may reference secrets (then it is redacted in audit) */
  response: string;
  /** answer at most this many times per command (default 1) */
  max?: number;
}

export interface Connection {
  name: string;
  type: ConnectionType;
  /** template */
  host: string;
  port: number;
  username?: string;
  password?: string;
  private_key?: string;
  /** https: false = pin the certificate (TOFU or context pin) instead of CA-verify; never "don't verify" */
  verify_ssl: boolean;
  /** seconds */
  timeout: number;
  /** ssh: 'shell' (PTY, prompt-driven, default) or 'exec' (one channel per command) */
  mode?: 'shell' | 'exec';
  /** ssh: end-anchored prompt regex source */
  prompt?: string;
  /** ssh: commands sent once when a shell opens (paging off ...) */
  on_open?: string[];
  /** ssh: regex sources; output matching any is a command failure */
  error_patterns?: string[];
  /** ssh: prompted input declared by the dictionary */
  prompts?: PromptedInput[];
  /** ssh shell: a step's commands are typed ahead in groups, not one prompt at a time */
  pipeline?: boolean;
  /** http(s): default headers (templates) */
  headers?: Record<string, string>;
  /** http(s): how credentials are sent when username/password are set */
  auth?: 'basic' | 'none';
}

export interface HealthCheck {
  name: string;
  type: 'http' | 'ssh' | 'tcp';
  connection?: string;
  /** http */
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  body?: string;
  expected_status?: number;
  /** ssh */
  command?: string;
  /** regex source or literal substring match on output/body */
  expected_output?: string;
  /** tcp: port (host comes from the connection or management address) */
  port?: number;
  /** seconds */
  timeout?: number;
  retries: number;
  /** seconds */
  interval: number;
}

export interface InitialAction {
  service: string;
  action: string;
  /** templates allowed in string leaves */
  parameters: Record<string, unknown> | unknown[];
}

export interface ReadyTest {
  connection?: string;
  command?: string;
  method?: string;
  url?: string;
  expected_output?: string;
  expected_status?: number;
  retries: number;
  /** seconds */
  interval: number;
  /** seconds; overall deadline of the polling */
  timeout?: number;
}

export interface Bootstrap {
  network_init?: 'config_drive' | 'dhcp';
  userdata?: string;
  initial_connection?: {
    method: ConnectionType;
    port?: number;
    username?: string;
    password?: string;
    /** name of the connection whose host/port/settings it overrides (defaults to the first of that type) */
    connection?: string;
  };
  initial_actions: InitialAction[];
  ready_test?: ReadyTest;
}

export interface Callback {
  /** 'http' (rendered request over a direct connection) or 'cloudstack-api' (signed CloudStack call) */
  action: 'http' | 'cloudstack-api';
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  body?: string;
  /** cloudstack-api: command + parameters (templates) */
  parameters?: Record<string, string>;
}

/**
 * One recognisable answer (all given conditions must hold): an HTTP status, JSONPath → scalar
 * equalities over a JSON body, a regex over the body or CLI output.
 */
export interface ResponseMatch {
  /** HTTP statuses (any of) */
  status?: number[];
  /** JSONPath → expected string/number/boolean (compared like eq: 22 and "22" are the same) */
  json?: Record<string, string | number | boolean>;
  /** regex source over the response body or CLI output */
  output?: string;
}

export interface ResponseSpec {
  format: 'json' | 'cli' | 'text';
  /** http(s): statuses that are success (absent = any 2xx) */
  expected_status?: number[];
  /**
   * Answers that mean "already in the desired state" (RESTCONF 409 data-exists, a duplicate error):
   * the step succeeds with the result {already: true} instead of failing; checked before the status.
   */
  already?: ResponseMatch[];
  success_pattern?: string;
  error_pattern?: string;
  /** field -> JSONPath ($.a.b), or a built-in parser name for cli/text output, or a regex with named groups */
  transform?: Record<string, string>;
  callback?: Callback;
}

/** Re-sends a step while the appliance answers "busy" (a config lock), waiting between attempts. */
export interface RetrySpec {
  /** HTTP statuses that mean "try again" */
  on_status?: number[];
  /** regex source over the body / CLI output that means "try again" */
  on_output?: string;
  /** total attempts, the first included (default 3) */
  attempts: number;
  /** seconds between attempts (default 2); waits end early when the run is cancelled or out of time */
  interval: number;
}

/** One use of one connection: CLI commands, or one HTTP request. */
export interface Step {
  /** the step's parsed result is available to later steps as {{steps.NAME.FIELD}} */
  save_as?: string;
  /**
   * condition (the inside of {{#if ...}}: a value, or a helper call such as
   * `version_lt steps.ver.version '26.7'`); false → the step is skipped (reported as skipped)
   */
  when?: string;
  retry?: RetrySpec;
  /**
   * compensation: steps run (in order) when a later step of the operation fails after this one
   * succeeded; compensations of several steps run newest first. Best effort: their failures are
   * reported, the operation's error stays the original one.
   */
  on_failure?: Step[];
  connection: string;
  /** resolved from the connection's type */
  transport: ConnectionType;
  /** ssh */
  commands?: string[];
  /** http(s) */
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  body?: string;
  response?: ResponseSpec;
}

export interface Operation {
  name: string;
  description?: string;
  /** data field names the operation uses (after normalising the seed's template strings) */
  get_data: string[];
  steps: Step[];
}

export interface Service {
  name: string;
  description?: string;
  data: Record<string, DataField>;
  operations: Record<string, Operation>;
}

export interface GeneralInfo {
  version?: string;
  vendor?: string;
  author?: string;
  debug: boolean;
}

export interface Dictionary {
  name: string;
  description?: string;
  general_info: GeneralInfo;
  connections: Record<string, Connection>;
  healthchecks: HealthCheck[];
  bootstrap?: Bootstrap;
  services: Record<string, Service>;
}

/** A problem found while loading, located in the source file. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  file: string;
  line: number;
  col: number;
  message: string;
  /** stable machine code, e.g. 'duplicate-key', 'seed-variant', 'unknown-connection' */
  rule: string;
}


/**
 * One template string in the canonical dictionary, with the source position it came from, so that
 * compile errors and "undeclared data field" warnings point at the user's file.
 */
export interface TemplateSite {
  /** JSON pointer into the canonical Dictionary, e.g. /services/Routing/operations/add/steps/0/commands/2 */
  pointer: string;
  /** canonical handlebars source */
  source: string;
  landing: TemplateLanding;
  /** service whose data declaration applies (absent for connections/healthchecks/bootstrap) */
  service?: string;
  line: number;
  col: number;
}

export interface LoadedDictionary {
  dictionary: Dictionary;
  /** every template string of the canonical dictionary (strings containing "{{") */
  templateSites: TemplateSite[];
  /** the original YAML text */
  source: string;
  file: string;
  diagnostics: Diagnostic[];
}
