#!/usr/bin/env node
// vnf-broker command-line entry point: dispatches subcommands (DESIGN.md §3.1).
// Each subcommand lives in commands/<name>.ts and is loaded only when used.
import { EXIT_USAGE, printErr, reportError, type CommandHandler } from './io.js';

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandHandler> }> = {
  audit: { summary: 'verify the audit hash chain / show audit records for auditors', load: async () => (await import('./commands/audit.js')).default },
  bootstrap: { summary: 'run the bootstrap section (initial actions, then the ready test) against an appliance', load: async () => (await import('./commands/bootstrap.js')).default },
  certs: { summary: 'dev CA, server/client certificates and CSRs: init-ca | issue | csr | enroll (through CloudStack issueCertificate)', load: async () => (await import('./commands/certs.js')).default },
  cloudstack: { summary: 'sign a CloudStack API request / make a signed CloudStack API call', load: async () => (await import('./commands/cloudstack.js')).default },
  firstboot: { summary: 'configure the broker from the CloudStack config drive / user data (first boot; idempotent)', load: async () => (await import('./commands/firstboot.js')).default },
  healthcheck: { summary: 'run every health check of a dictionary against an appliance', load: async () => (await import('./commands/healthcheck.js')).default },
  render: { summary: 'dry run: print the commands/requests an operation would send (secrets redacted)', load: async () => (await import('./commands/render.js')).default },
  run: { summary: 'execute one service operation against an appliance; prints the parsed result', load: async () => (await import('./commands/run.js')).default },
  serve: { summary: 'run the mTLS API (--config FILE, or --dev for a first run with a dev CA)', load: async () => (await import('./commands/serve.js')).default },
  validate: { summary: 'check provider dictionaries (--strict: seed syntax is an error)', load: async () => (await import('./commands/validate.js')).default },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)}${c.summary}`);
  return `usage: vnf-broker <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    printErr(`vnf-broker: unknown command '${name}'\n${usage()}`);
    return EXIT_USAGE;
  }
  const handler = await command.load();
  return handler(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => { process.exitCode = reportError(error); },
);
