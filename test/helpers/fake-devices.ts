// Fake CLI devices for the ssh fakes: an IOS-like router (banner with # and >, modes, echo,
// --More-- paging until "terminal length 0", chunked output split mid-prompt, [confirm],
// "% Invalid input", ANSI codes), a device that never prompts, and one that dies mid-command.
import type { ServerChannel } from 'ssh2';
import { lineShell, type FakeSsh, type ShellHandler } from './ssh-fakes.js';

export interface IosOptions {
  hostname?: string;
  enablePassword?: string;
  /** lines of "show version" */
  versionLines?: number;
}

type Mode = 'user' | 'enable' | 'config' | 'config-if';
const SUFFIX: Record<Mode, string> = { user: '>', enable: '#', config: '(config)#', 'config-if': '(config-if)#' };

export function iosDevice(o: IosOptions = {}): ShellHandler {
  const hostname = o.hostname ?? 'Router';
  const enablePassword = o.enablePassword ?? 'en-secret';
  const versionLines = o.versionLines ?? 40;
  return (stream: ServerChannel, fake: FakeSsh) => {
    let mode: Mode = 'user';
    let paging = true;
    let ready = false;
    let awaiting: 'password' | 'confirm' | 'more' | 'hang' | undefined;
    let moreRest: string[] = [];
    let pending = '';
    const timers = new Set<NodeJS.Timeout>();
    const later = (ms: number, fn: () => void): void => {
      const t = setTimeout(() => { timers.delete(t); if (stream.writable) fn(); }, ms);
      timers.add(t);
    };
    stream.on('close', () => { for (const t of timers) clearTimeout(t); });
    stream.on('error', () => undefined);
    const paused = (): boolean => awaiting === 'more';
    const prompt = (): string => `${hostname}${SUFFIX[mode]}`;
    const show = (text: string): void => { stream.write(text + prompt()); };

    const page = (lines: string[]): void => {
      if (!paging || lines.length <= 24) return show(lines.map((l) => `${l}\r\n`).join(''));
      stream.write(lines.slice(0, 24).map((l) => `${l}\r\n`).join('') + ' --More-- ');
      moreRest = lines.slice(24);
      awaiting = 'more';
    };

    const command = (line: string): void => {
      const cmd = line.trim();
      if (cmd === '') return show('');
      if (cmd === 'enable') {
        awaiting = 'password';
        return void stream.write('Password: ');
      }
      if (cmd === 'terminal length 0') { paging = false; return show(''); }
      if (cmd === 'show version') {
        const lines = Array.from({ length: versionLines }, (_, i) => (i === 0 ? '\x1b[1mCisco IOS Software\x1b[0m, Version 15.9(3)M' : `line ${i} of version output`));
        return page(lines);
      }
      if (cmd === 'show slow') {
        // pieces arrive 120 ms apart; the prompt itself is split in two
        const parts = ['slow part 1\r\n', 'slow part 2\r\n', 'slow part 3\r\n', 'slow part 4\r\n', 'done\r\n'];
        parts.forEach((p, i) => later(120 * (i + 1), () => stream.write(p)));
        later(120 * parts.length + 60, () => stream.write(prompt().slice(0, 3)));
        return later(120 * parts.length + 120, () => stream.write(prompt().slice(3)));
      }
      if (cmd === 'show hang') { awaiting = 'hang'; return; }
      if (cmd === 'show crash') {
        stream.write('partial output\r\n');
        return later(20, () => stream.close());
      }
      if (cmd === 'show run | include #') return show('hostname Router\r\n! end #\r\n');
      if (cmd === 'reload') {
        awaiting = 'confirm';
        return void stream.write('Proceed with reload? [confirm]');
      }
      if (cmd === 'configure terminal' && mode === 'enable') {
        mode = 'config';
        return show('Enter configuration commands, one per line.  End with CNTL/Z.\r\n');
      }
      if (/^interface \S+$/.test(cmd) && mode !== 'user' && mode !== 'enable') { mode = 'config-if'; return show(''); }
      if (/^(description|ip address) /.test(cmd) && mode === 'config-if') return show('');
      if (cmd === 'exit') { mode = mode === 'config-if' ? 'config' : mode === 'config' ? 'enable' : mode; return show(''); }
      if (cmd === 'end') { if (mode !== 'user') mode = 'enable'; return show(''); }
      return show(`${' '.repeat(hostname.length + 1)}^\r\n% Invalid input detected at '^' marker.\r\n\r\n`);
    };

    stream.on('data', (d: Buffer) => {
      const s = d.toString('utf8');
      if (awaiting === 'more') {
        awaiting = undefined;
        // IOS erases the pager with backspaces, then continues
        stream.write('\b'.repeat(10) + ' '.repeat(10) + '\b'.repeat(10));
        const rest = moreRest;
        moreRest = [];
        return page(rest);
      }
      pending += s;
      let i: number;
      while (!paused() && (i = pending.search(/[\r\n]/)) >= 0) {
        const line = pending.slice(0, i);
        pending = pending.slice(i + 1).replace(/^\n/, '');
        if (!ready) { pending = `${line}\n${pending}`; break; } // typed ahead of the banner: handled after the prompt
        fake.stats.lines.push(line);
        if (awaiting === 'hang') continue;
        if (awaiting === 'password') {
          awaiting = undefined;
          stream.write('\r\n'); // no echo for passwords
          if (line === enablePassword) { mode = 'enable'; show(''); } else show('% Access denied\r\n\r\n');
          continue;
        }
        if (awaiting === 'confirm') {
          awaiting = undefined;
          stream.write('\r\n');
          show(line.trim().toLowerCase().startsWith('n') ? '% Reload aborted\r\n' : 'Reload scheduled in 5 minutes (simulated)\r\n');
          continue;
        }
        stream.write(`${line}\r\n`); // echo
        command(line);
      }
    });

    // banner: contains # and >, and the first chunk ends on a prompt-looking "logged #"
    stream.write('\r\n\x1b[2J\x1b[H*** Authorised access only > all sessions are logged #');
    later(60, () => {
      stream.write('\r\n*** Disconnect now if you are not authorised ***\r\n\r\n');
      stream.write(prompt());
      ready = true;
      if (/[\r\n]/.test(pending)) stream.emit('data', Buffer.alloc(0));
    });
  };
}

/** Prints a banner and then nothing, ever. */
export const silentDevice: ShellHandler = (stream) => {
  stream.on('error', () => undefined);
  stream.on('data', () => undefined);
  stream.write('Welcome\r\n');
};

/** A Linux-style shell prompt with exec support through the default handler. */
export function linuxShell(prompt = 'admin@appliance:~$ '): ShellHandler {
  return (stream, fake) => {
    lineShell(stream, fake, (line) => stream.write(`${line.startsWith('echo ') ? `${line.slice(5)}\r\n` : ''}${prompt}`));
    stream.write(`Last login: today\r\n${prompt}`);
  };
}
