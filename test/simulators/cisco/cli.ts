// The fake IOS-XE CLI (an ssh2 shell handler): exec/privileged/config modes with their prompts,
// keyword abbreviations, `enable`, `terminal length 0` paging, `| include/section/begin` filters,
// config commands changing the shared IosState, and IOS's exact error lines ("% Invalid input
// detected at '^' marker.", "% Incomplete command.", "%No matching route to delete").
import type { ServerChannel } from 'ssh2';
import type { FakeSsh } from '../../helpers/ssh-fakes.js';
import { isIpv4, isMask, network, type IosState } from './state.js';

type Mode = 'user' | 'enable' | 'config' | 'config-if' | 'config-router';
const SUFFIX: Record<Mode, string> = { user: '>', enable: '#', config: '(config)#', 'config-if': '(config-if)#', 'config-router': '(config-router)#' };
const CONFIG_MODES: ReadonlySet<Mode> = new Set(['config', 'config-if', 'config-router']);

/** A token matches a keyword when it is a prefix of it at least `min` long (IOS abbreviations). */
const kw = (token: string | undefined, word: string, min = 1): boolean =>
  token !== undefined && token.length >= min && word.startsWith(token.toLowerCase());

class Reject extends Error {
  constructor(readonly kind: 'invalid' | 'incomplete' | 'text', readonly at = 0, readonly text = '') { super(kind); }
}
const invalid = (tokens: string[], index: number): Reject => new Reject('invalid', tokens.slice(0, index).join(' ').length + (index > 0 ? 1 : 0));

/** `privilege`: the login's level (the ssh fake does not tell the shell who logged in); 15 starts in `Router#`. */
export function iosXeShell(state: IosState, privilege: () => number): (stream: ServerChannel, fake: FakeSsh) => void {
  return (stream, fake) => {
    let mode: Mode = privilege() >= 15 ? 'enable' : 'user';
    let iface: string | undefined;
    let paging = true;
    let awaiting: 'enable-password' | 'more' | undefined;
    let more: string[] = [];
    let pending = '';
    stream.on('error', () => undefined);

    const paused = (): boolean => awaiting === 'more';
    const prompt = (): string => `${state.hostname}${SUFFIX[mode]}`;
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

    const config = (t: string[]): string[] => {
      const no = t[0] === 'no';
      const c = no ? t.slice(1) : t;
      const off = no ? 1 : 0;
      if (mode === 'config-if' && iface !== undefined) {
        const i = state.interfaces.get(iface)!;
        if (kw(c[0], 'ip', 2) && kw(c[1], 'address', 2)) {
          if (no) { delete i.ipv4; return []; }
          if (c[2] === undefined || c[3] === undefined) throw new Reject('incomplete');
          if (!isIpv4(c[2])) throw invalid(t, off + 2);
          if (!isMask(c[3])) throw new Reject('text', 0, `Bad mask 0x for address ${c[2]}`);
          i.ipv4 = { address: c[2], mask: c[3] };
          return [];
        }
        if (kw(c[0], 'description', 1)) { if (no) delete i.description; else i.description = c.slice(1).join(' '); return []; }
        if (kw(c[0], 'shutdown', 2)) { i.shutdown = !no; return []; }
      }
      if (mode === 'config-router') {
        if (kw(c[0], 'neighbor', 3) && kw(c[2], 'remote-as', 3)) {
          if (c[1] === undefined || !isIpv4(c[1])) throw invalid(t, off + 1);
          if (c[3] === undefined) throw new Reject('incomplete');
          state.bgp.neighbors = state.bgp.neighbors.filter((n) => n.address !== c[1]);
          if (!no) state.bgp.neighbors.push({ address: c[1], remoteAs: Number(c[3]), state: 'Idle', up: 'never', msgRcvd: 0, msgSent: 0, pfx: 0 });
          return [];
        }
        if (kw(c[0], 'network', 3)) {
          if (c[1] === undefined || !isIpv4(c[1])) throw c[1] === undefined ? new Reject('incomplete') : invalid(t, off + 1);
          const entry = c.slice(1).join(' ');
          state.bgp.networks = state.bgp.networks.filter((n) => n !== entry);
          if (!no) state.bgp.networks.push(entry);
          return [];
        }
      }
      if (kw(c[0], 'interface', 3)) {
        const name = state.interfaceName(c.slice(1).join(''));
        if (!name) throw c[1] === undefined ? new Reject('incomplete') : invalid(t, off + 1);
        if (!state.interfaces.has(name)) {
          if (!name.startsWith('Loopback')) throw invalid(t, off + 1);
          state.interfaces.set(name, { name, shutdown: false, link: true });
        }
        if (no) { state.interfaces.delete(name); return []; }
        mode = 'config-if';
        iface = name;
        return [];
      }
      if (kw(c[0], 'ip', 2) && kw(c[1], 'route', 2)) {
        const [, , prefix, mask, hop] = c;
        if (prefix === undefined || mask === undefined || (!no && hop === undefined)) throw new Reject('incomplete');
        if (!isIpv4(prefix)) throw invalid(t, off + 2);
        if (!isIpv4(mask)) throw invalid(t, off + 3);
        if (!isMask(mask) || network(prefix, mask) !== prefix) throw new Reject('text', 0, '%Inconsistent address and mask');
        if (hop !== undefined && !isIpv4(hop)) throw invalid(t, off + 4);
        if (no) return state.removeRoutes(prefix, mask, hop) === 0 ? ['%No matching route to delete'] : [];
        state.addRoute({ prefix, mask, nextHop: hop! });
        return [];
      }
      if (kw(c[0], 'router', 3) && kw(c[1], 'bgp', 1)) {
        const asn = Number(c[2]);
        if (c[2] === undefined) throw new Reject('incomplete');
        if (!Number.isInteger(asn) || asn < 1) throw invalid(t, off + 2);
        if (no) { state.bgp = { routerId: state.bgp.routerId, neighbors: [], networks: [] }; return []; }
        if (state.bgp.asn !== undefined && state.bgp.asn !== asn) return [`BGP is already running; AS is ${state.bgp.asn}`];
        state.bgp.asn = asn;
        mode = 'config-router';
        return [];
      }
      if (kw(c[0], 'username', 3) && !no) {
        // username NAME privilege N secret [0] PASSWORD
        const name = c[1];
        const pi = c.findIndex((x) => kw(x, 'privilege', 4));
        const si = c.findIndex((x) => kw(x, 'secret', 3) || kw(x, 'password', 4));
        if (!name || si < 0 || c[si + 1] === undefined) throw new Reject('incomplete');
        const password = c[si + 1] === '0' ? c[si + 2] : c[si + 1];
        if (password === undefined) throw new Reject('incomplete');
        const existing = state.user(name);
        const privilege = pi >= 0 ? Number(c[pi + 1]) : existing?.privilege ?? 1;
        if (existing) { existing.password = password; existing.privilege = privilege; } else state.users.push({ username: name, password, privilege });
        return [];
      }
      if (kw(c[0], 'hostname', 3) && c[1]) { state.hostname = c[1]; return []; }
      throw invalid(t, 0);
    };

    const exec = (line: string): void => {
      const [cmdPart, pipe] = splitPipe(line);
      let t = cmdPart.trim().split(/\s+/).filter((x) => x !== '');
      if (t.length === 0) return write([]);
      if (CONFIG_MODES.has(mode) && kw(t[0], 'do', 2)) t = t.slice(1);
      else if (CONFIG_MODES.has(mode)) {
        if (kw(t[0], 'end', 3)) { mode = 'enable'; iface = undefined; return write([]); }
        if (kw(t[0], 'exit', 3)) { mode = mode === 'config' ? 'enable' : 'config'; iface = undefined; return write([]); }
        return write(config(t));
      }
      if (kw(t[0], 'show', 2)) return show(t, pipe);
      if (kw(t[0], 'terminal', 3) && kw(t[1], 'length', 3)) { paging = t[2] !== '0'; return write([]); }
      if (kw(t[0], 'terminal', 3) && kw(t[1], 'width', 3)) return write([]);
      if (kw(t[0], 'enable', 2)) { awaiting = 'enable-password'; stream.write('Password: '); return; }
      if (kw(t[0], 'disable', 4)) { mode = 'user'; return write([]); }
      if (kw(t[0], 'exit', 3) || kw(t[0], 'logout', 4)) { stream.close(); return; }
      if (mode === 'enable' && kw(t[0], 'configure', 4) && (t[1] === undefined || kw(t[1], 'terminal', 1))) {
        mode = 'config';
        return write(['Enter configuration commands, one per line.  End with CNTL/Z.']);
      }
      if (mode === 'enable' && kw(t[0], 'write', 2) && (t[1] === undefined || kw(t[1], 'memory', 1))) return write(['Building configuration...', '[OK]']);
      throw invalid(t, 0);
    };

    const onLine = (line: string): void => {
      fake.stats.lines.push(line);
      if (awaiting === 'enable-password') {
        awaiting = undefined;
        stream.write('\r\n');
        if (line === state.enableSecret) mode = 'enable';
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
