// Shared CLI plumbing: exit codes, JSON on stdout, human messages on stderr, and the one place
// where thrown errors become a message and an exit status (never a stack trace).
import { isVnfError, type VnfError } from '../errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export type CommandHandler = (argv: string[]) => Promise<number>;

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printErr(message: string): void {
  process.stderr.write(message.endsWith('\n') ? message : `${message}\n`);
}

/** Exit status for an error: usage/unreadable input is 2, everything else 1. */
export function exitCodeFor(error: VnfError): number {
  return error.code === 'VNF_ERR_CLI_USAGE' || error.code === 'VNF_ERR_INPUT_UNREADABLE' ? EXIT_USAGE : EXIT_FAILED;
}

/** Reports an error on stderr; returns the exit status to use. Unknown errors print no details. */
export function reportError(error: unknown): number {
  if (isVnfError(error)) {
    printErr(`vnf-broker: ${error.code}: ${error.message}`);
    return exitCodeFor(error);
  }
  printErr('vnf-broker: VNF_ERR_BROKER_INTERNAL: internal error (set VNF_BROKER_DEBUG=1 for details)');
  if (process.env.VNF_BROKER_DEBUG === '1') printErr(String(error instanceof Error ? error.stack : error));
  return EXIT_FAILED;
}
