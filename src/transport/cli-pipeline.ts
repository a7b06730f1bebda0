// Pipelined CLI input (a dictionary's `pipeline: true`): several commands typed ahead in one write,
// and the echoing CLI's output split back into one piece per command. A readline-style CLI (FRR
// vtysh) shows each typed-ahead line after the prompt that ends the previous command:
//   <echo 1>\n<output 1>\n<prompt><echo 2>\n<output 2>\n ... <prompt><echo N>\n<output N>\n<prompt>
// so command k ends at the line "<prompt><command k+1>", and the last one at a bare prompt.

/**
 * At most this many bytes are typed ahead at once. They must arrive while the CLI waits at its
 * prompt (raw mode, no kernel echo): a PTY's input buffer holds 4 KiB, and input that arrives later,
 * while the CLI runs a command in cooked mode, is echoed by the kernel out of order (seen with vtysh).
 */
export const PIPELINE_MAX_BYTES = 1024;
export const PIPELINE_MAX_LINES = 64;

/** Consecutive groups of commands, each at most PIPELINE_MAX_LINES lines and PIPELINE_MAX_BYTES bytes. */
export function pipelineChunks(commands: readonly string[], newline: string): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const command of commands) {
    const size = Buffer.byteLength(command + newline, 'utf8');
    if (current.length > 0 && (current.length >= PIPELINE_MAX_LINES || bytes + size > PIPELINE_MAX_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(command);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export interface PipelinedPiece {
  /** output between the command's echo and the prompt that ended it ("\n" line ends) */
  output: string;
  /** that prompt (e.g. "router(config)# ") */
  prompt: string;
}

/**
 * Incremental splitter for one group of typed-ahead commands: feed it the cleaned terminal text
 * (the buffer grows; only its last, incomplete line may still change), ask how many commands are
 * complete. Complete lines are scanned once.
 */
export class PipelineSplitter {
  /** start of the output of command `found` (after its echo line); -1 until command 1's echo is complete */
  private segmentStart = -1;
  /** next complete line to look at */
  private scanFrom = 0;
  private readonly pieces: PipelinedPiece[] = [];
  private finalPrompt: string | undefined;

  constructor(private readonly commands: readonly string[], private readonly promptRe: RegExp) {}

  /** commands whose output is complete */
  get completed(): number {
    return this.pieces.length;
  }

  get done(): boolean {
    return this.finalPrompt !== undefined;
  }

  /** The pieces found so far (all of them once done). */
  results(): readonly PipelinedPiece[] {
    return this.pieces;
  }

  /** Scans what arrived; returns the final prompt once every command's output is complete. */
  scan(buf: string): string | undefined {
    if (this.finalPrompt !== undefined) return this.finalPrompt;
    const n = this.commands.length;
    if (this.segmentStart < 0) {
      const nl = buf.indexOf('\n');
      if (nl < 0) return undefined; // still on the first echo line
      // the first line is command 1's echo (the prompt before it was read with the previous command);
      // anything else there (a device message) stays in its output
      this.segmentStart = buf.slice(0, nl).trimEnd().endsWith((this.commands[0] ?? '').trimEnd()) ? nl + 1 : 0;
      this.scanFrom = this.segmentStart;
    }
    // boundaries: a complete line "<prompt><next command>"
    while (this.pieces.length < n - 1) {
      const nl = buf.indexOf('\n', this.scanFrom);
      if (nl < 0) break;
      const line = buf.slice(this.scanFrom, nl);
      const prompt = this.echoPrompt(line, this.commands[this.pieces.length + 1] ?? '');
      if (prompt !== undefined) {
        this.pieces.push({ output: trimFinalNewline(buf.slice(this.segmentStart, this.scanFrom)), prompt });
        this.segmentStart = nl + 1;
      }
      this.scanFrom = nl + 1;
    }
    if (this.pieces.length < n - 1) return undefined;
    // the last command ends at a bare prompt after its echo line
    const lastStart = buf.lastIndexOf('\n') + 1;
    if (lastStart < this.segmentStart) return undefined;
    const last = buf.slice(lastStart);
    if (!this.promptRe.test(last)) return undefined;
    this.pieces.push({ output: trimFinalNewline(buf.slice(this.segmentStart, lastStart)), prompt: last });
    this.finalPrompt = last;
    return last;
  }

  /** What arrived after the last complete command (the output of the one in progress). */
  pending(buf: string): string {
    return buf.slice(Math.max(0, this.segmentStart));
  }

  /** The prompt part of `line` when it is the prompt followed by the echo of `command`. */
  private echoPrompt(line: string, command: string): string | undefined {
    const text = line.trimEnd();
    const echo = command.trimEnd();
    if (!text.endsWith(echo)) return undefined;
    const prompt = text.slice(0, text.length - echo.length);
    return prompt !== '' && this.promptRe.test(prompt) ? prompt : undefined;
  }
}

const trimFinalNewline = (s: string): string => (s.endsWith('\n') ? s.slice(0, -1) : s);
