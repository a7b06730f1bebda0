// Broker configuration: the YAML file's JSON Schema and defaults, load → validate (line numbers) →
// freeze, the embedded `serve --dev` configuration, and listen-address helpers.
export { ROLES, LOG_LEVELS, type BrokerConfig, type ClientMatch, type ClientRule, type ListenAddress, type LogLevel, type Role, type UiConfig } from './model.js';
export { CONFIG_DEFAULTS, CONFIG_SCHEMA } from './schema.js';
export { configFromObject, deepFreeze, devConfig, loadConfig, parseConfigText, type DevConfigOptions } from './load.js';
export { formatListen, isLoopbackHost, parseListen } from './listen.js';
export { MAX_CONFIG_BYTES } from './yaml-source.js';
