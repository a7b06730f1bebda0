// The fake IOS-XE CLI (an ssh2 shell handler): exec/privileged/config modes with their prompts,
// keyword abbreviations, `enable`, `terminal length 0` paging, `| include/section/begin` filters,
// `show` commands, `write memory`; configuration lines are cli-config.ts. IOS's exact error lines
// ("% Invalid input detected at '^' marker.", "% Incomplete command.").
import type { ServerChannel } from 'ssh2';
import type { FakeSsh } from '../../helpers/ssh-fakes.js';
import { showAccessList } from './acl.js';
import { CONFIG_MODES, Reject, SUFFIX, configLine, invalid, kw, type ConfigCtx } from './cli-config.js';
import type { IosState } from './state.js';

/** `privilege`: the login's level (the ssh fake does not tell the shell who logged in); 15 starts in `Router#`. */
export function iosXeShell(state: IosState, privilege: () => number): (stream: ServerChannel, fake: FakeSsh) => void {
  return (stream, fake) => {
    const ctx: ConfigCtx = { mode: privilege() >= 15 ? 'enable' : 'user' };
    let paging = true;
    let awaiting: 'enable-password' | 'more' | undefined;
    let more: string[] = [];
    let pending = '';
    stream.on('error', () => undefined);

    const paused = (): boolean => awaiting === 'more';
    const prompt = (): string => `${state.hostname}${SUFFIX[ctx.mode]}`;
    const write = (lines: string[]): void => { stream.write(lines.map((l) => `${l}\r\n`).join('') + prompt()); };
    const page = (lines: string[]): void => {
      if (!paging || lines.length <= 23) return write(lines);
      stream.write(`${lines.slice(0, 23).map((l) => `${l}\r\n`).join('')} --More-- `);
      more = lines.slice(23);
      awaiting = 'more';
    };

    const filter = (lines: string[], pipe: string | undefined): string[] => {
      if (pipe === undefined) return lines;
      const m = /^\s*(\S+)\s+(.*)$/.exec(pipe);
      if (!m) throw new Reject('incomplete');
      const re = new RegExp(m[2]!.trim());
      if (kw(m[1], 'include', 1)) return lines.filter((l) => re.test(l));
      if (kw(m[1], 'exclude', 1)) return lines.filter((l) => !re.test(l));
      if (kw(m[1], 'begin', 1)) { const i = lines.findIndex((l) => re.test(l)); return i < 0 ? [] : lines.slice(i); }
      if (kw(m[1], 'section', 1)) {
        const out: string[] = [];
        let inside = false;
        for (const l of lines) {
          if (!l.startsWith(' ')) inside = re.test(l);
          if (inside || (l.startsWith(' ') && re.test(l))) out.push(l);
        }
        return out;
      }
      throw new Reject('invalid');
    };

    const show = (t: string[], pipe: string | undefined): void => {
      let lines: string[];
      if (kw(t[1], 'version', 2)) {
        lines = [`Cisco IOS XE Software, Version ${state.version}`,
          `Cisco IOS Software [Cupertino], Virtual XE Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version ${state.version}, RELEASE SOFTWARE (fc3)`,
          'Technical Support: http://www.cisco.com/techsupport', 'Copyright (c) 1986-2023 by Cisco Systems, Inc.', '',
          `${state.hostname} uptime is 2 hours, 14 minutes`, 'System image file is "bootflash:packages.conf"', '',
          'cisco C8000V (VXE) processor (revision VXE) with 2028465K/3075K bytes of memory.', 'Configuration register is 0x2102', ''];
      } else if (kw(t[1], 'running-config', 2)) {
        lines = state.runningConfig();
      } else if (kw(t[1], 'startup-config', 2)) {
        lines = ['Using 1843 out of 33554432 bytes', ...state.startup];
      } else if (kw(t[1], 'ip', 2) && kw(t[2], 'access-lists', 2) && t.length <= 4) {
        const acls = [...state.acls.values()].filter((a) => t[3] === undefined || a.name === t[3]);
        lines = acls.flatMap(showAccessList);
      } else if (kw(t[1], 'ip', 2) && kw(t[2], 'route', 2) && t.length <= 4) {
        if (t[3] !== undefined && !kw(t[3], 'static', 2)) throw invalid(t, 3);
        lines = state.showIpRoute(t[3] !== undefined);
      } else if (kw(t[1], 'ip', 2) && kw(t[2], 'bgp', 1) && kw(t[3], 'summary', 2)) {
        lines = state.showBgpSummary();
      } else if (kw(t[1], 'ip', 2) && kw(t[2], 'interface', 2) && kw(t[3], 'brief', 1)) {
        lines = state.showIpInterfaceBrief();
      } else {
        throw invalid(t, t[1] === undefined ? 0 : 1);
      }
      page(filter(lines, pipe));
    };

    const exec = (line: string): void => {
      const [cmdPart, pipe] = splitPipe(line);
      let t = cmdPart.trim().split(/\s+/).filter((x) => x !== '');
      if (t.length === 0) return write([]);
      if (CONFIG_MODES.has(ctx.mode) && kw(t[0], 'do', 2)) t = t.slice(1);
      else if (CONFIG_MODES.has(ctx.mode)) {
        if (kw(t[0], 'end', 3)) { Object.assign(ctx, { mode: 'enable', iface: undefined, acl: undefined }); return write([]); }
        if (kw(t[0], 'exit', 3)) { Object.assign(ctx, { mode: ctx.mode === 'config' ? 'enable' : 'config', iface: undefined, acl: undefined }); return write([]); }
        return write(configLine(state, ctx, t));
      }
      if (kw(t[0], 'show', 2)) return show(t, pipe);
      if (kw(t[0], 'terminal', 3) && kw(t[1], 'length', 3)) { paging = t[2] !== '0'; return write([]); }
      if (kw(t[0], 'terminal', 3) && kw(t[1], 'width', 3)) return write([]);
      if (kw(t[0], 'enable', 2)) { awaiting = 'enable-password'; stream.write('Password: '); return; }
      if (kw(t[0], 'disable', 4)) { ctx.mode = 'user'; return write([]); }
      if (kw(t[0], 'exit', 3) || kw(t[0], 'logout', 4)) { stream.close(); return; }
      if (ctx.mode === 'enable' && kw(t[0], 'configure', 4) && (t[1] === undefined || kw(t[1], 'terminal', 1))) {
        ctx.mode = 'config';
        return write(['Enter configuration commands, one per line.  End with CNTL/Z.']);
      }
      if (ctx.mode === 'enable' && kw(t[0], 'write', 2) && (t[1] === undefined || kw(t[1], 'memory', 1))) {
        state.save();
        return write(['Building configuration...', '[OK]']);
      }
      throw invalid(t, 0);
    };

    const onLine = (line: string): void => {
      fake.stats.lines.push(line);
      if (awaiting === 'enable-password') {
        awaiting = undefined;
        stream.write('\r\n');
        if (line === state.enableSecret) ctx.mode = 'enable';
        return write(line === state.enableSecret ? [] : ['% Access denied', '']);
      }
      stream.write(`${line}\r\n`); // echo
      try {
        exec(line);
      } catch (e) {
        if (!(e instanceof Reject)) throw e;
        if (e.kind === 'invalid') write([`${' '.repeat(prompt().length + e.at)}^`, "% Invalid input detected at '^' marker.", '']);
        else if (e.kind === 'incomplete') write(['% Incomplete command.', '']);
        else write([e.text]);
      }
      state.touch();
    };

    stream.on('data', (d: Buffer) => {
      if (awaiting === 'more') {
        awaiting = undefined;
        stream.write(`${'\b'.repeat(9)}${' '.repeat(9)}${'\b'.repeat(9)}`);
        const rest = more;
        more = [];
        return page(rest);
      }
      pending += d.toString('utf8');
      let i: number;
      while (!paused() && (i = pending.search(/[\r\n]/)) >= 0) {
        const line = pending.slice(0, i);
        pending = pending.slice(i + 1).replace(/^\n/, '');
        onLine(line);
      }
    });
    stream.write('\r\n\r\nC8000V router - authorised access only\r\n\r\n');
    stream.write(prompt());
  };
}

function splitPipe(line: string): [string, string | undefined] {
  const i = line.indexOf('|');
  return i < 0 ? [line, undefined] : [line.slice(0, i), line.slice(i + 1)];
}
