// Turning a PTY byte stream into text the prompt logic can trust: ANSI/VT100 escapes removed,
// "\r\n" normalised, carriage-return overwrite and backspace applied, split sequences carried over.

/* eslint-disable no-control-regex -- terminal control sequences are what this file removes */
// CSI, OSC, charset selection, and two-byte escapes
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()*+][0-9A-Za-z]|\x1b[@-Z\\-_=>78]/g;
const COMPLETE_AT_START = /^(?:\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()*+][0-9A-Za-z]|\x1b[@-Z\\-_=>78])/;
// other C0 controls except \t \n \r \b
const CONTROLS = /[\x00-\x07\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]/g;
/* eslint-enable no-control-regex */

export const stripAnsi = (s: string): string => s.replace(ANSI, '');

/** Incremental cleaner: feed chunks, get the updated buffer back. */
export class TerminalText {
  private carry = '';

  /** Appends a chunk to `buf` as a terminal would display it. */
  append(buf: string, chunk: string): string {
    let s = this.carry + chunk;
    this.carry = '';
    // hold back an escape sequence or a "\r" cut by the chunk boundary
    const esc = s.lastIndexOf('\x1b');
    if (esc >= 0 && s.length - esc < 64 && !COMPLETE_AT_START.test(s.slice(esc))) {
      this.carry = s.slice(esc);
      s = s.slice(0, esc);
    }
    if (s.endsWith('\r')) {
      const m = /\r+$/.exec(s);
      const n = m ? m[0].length : 1;
      this.carry = s.slice(-n) + this.carry;
      s = s.slice(0, -n);
    }
    s = s.replace(ANSI, '').replace(/\r+\n/g, '\n').replace(/\n\r(?!\n)/g, '\n').replace(CONTROLS, '');
    if (!s.includes('\r') && !s.includes('\b')) return buf + s;
    return applyOverwrites(buf, s);
  }
}

/** "\r" returns to the start of the line (the rest is overwritten); "\b" deletes one character. */
function applyOverwrites(buf: string, s: string): string {
  let out = buf;
  let lineStart = out.lastIndexOf('\n') + 1;
  let run = '';
  for (const ch of s) {
    if (ch !== '\r' && ch !== '\b') {
      run += ch;
      if (ch === '\n') {
        out += run;
        run = '';
        lineStart = out.length;
      }
      continue;
    }
    out += run;
    run = '';
    if (ch === '\r') out = out.slice(0, lineStart);
    else if (out.length > lineStart) out = out.slice(0, -1);
  }
  return out + run;
}

export const lastLine = (buf: string): string => buf.slice(buf.lastIndexOf('\n') + 1);

/** Default prompt: host-ish word, optional (mode), then # > $ or %, optional space, at the end. */
export const DEFAULT_PROMPT = String.raw`[\w.@:/~\[\]-]+(?:\([\w./:~-]+\))? ?[#>$%] ?$`;
export const DEFAULT_PAGER = String.raw`(?:-+ ?\(?[Mm]ore\b.*-+|<--- More --->|--More--|Press any key to continue.*)\s*$`;

/**
 * The command output between the echo and the prompt. The echo is the first line when it ends
 * with the command (devices may reprint the prompt before it); the prompt is the last line.
 */
export function extractOutput(buf: string, command: string, promptLine: string, echo: boolean): string {
  let out = buf.endsWith(promptLine) ? buf.slice(0, buf.length - promptLine.length) : buf;
  if (echo) {
    const nl = out.indexOf('\n');
    const first = nl < 0 ? out : out.slice(0, nl);
    if (first.trimEnd().endsWith(command.trim())) out = nl < 0 ? '' : out.slice(nl + 1);
  }
  return out.replace(/\n$/, '');
}
