// Netmiko and Ansible `network_cli` baselines for the DESIGN §5 config task, through the lab's jump
// host (ProxyCommand `ssh -W` over the lab's OpenSSH config). Debian packages: python3-netmiko (2.4.2)
// and ansible (frr.frr + ansible.netcommon collections); when missing, the baseline is skipped with
// the reason. Netmiko: one long-lived Python process holding a ConnectHandler (warm), one task per
// request line on stdin. Ansible: one `ansible-playbook` run per task (cli_command per line over the persistent
// network_cli connection, then show running-config), as an operator would run it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { LabInfo } from '../../lab/lab.js';
import { run } from '../../lab/proc.js';
import { CONFIG_LINES } from '../api-fixture.js';

export interface PythonBaselines {
  netmiko?: { child: ChildProcess; lines: Interface };
  ansible?: { dir: string; env: NodeJS.ProcessEnv };
  skipped: string[];
  stop(): Promise<void>;
}

// configure terminal / end are what Netmiko's send_config_set adds itself
const BODY = CONFIG_LINES.slice(1, -2);

/** Debian's interpreter (python3-netmiko), not whatever python3 comes first in PATH (pyenv) */
const PYTHON = '/usr/bin/python3';

const NETMIKO = String.raw`
import json, sys
from netmiko import ConnectHandler
a = json.loads(sys.argv[1])
conn = ConnectHandler(device_type='cisco_ios', host=a['host'], port=a['port'], username=a['user'], use_keys=True,
                      key_file=a['key'], allow_agent=False, ssh_config_file=a['ssh_config'], timeout=20)
print('ready', flush=True)
for line in sys.stdin:
    if line.strip() != 'run':
        break
    conn.send_config_set(a['lines'])
    out = conn.send_command('show running-config')
    print('ok' if 'ip route 198.51.100.169/32 Null0' in out else 'bad ' + json.dumps(out[-300:]), flush=True)
conn.disconnect()
`;

function proxyConfig(info: LabInfo, dir: string): string {
  const file = join(dir, 'ssh_config_proxy');
  writeFileSync(file, `Host ${info.appliance.host}\n  ProxyCommand ssh -F ${info.sshConfigPath} -W %h:%p jump1\n`);
  return file;
}

/** verify: one untimed playbook run first (quick runs skip it: each timed run asserts the read-back). */
export async function pythonBaselines(info: LabInfo, workDir: string, log: (m: string) => void, verify = true): Promise<PythonBaselines> {
  const dir = join(workDir, 'python');
  mkdirSync(dir, { recursive: true });
  const out: PythonBaselines = { skipped: [], stop: () => Promise.resolve() };
  const sshConfig = proxyConfig(info, dir);
  const app = info.appliance;

  if (spawnSync(PYTHON, ['-c', 'import netmiko'], { timeout: 20_000 }).status !== 0) {
    out.skipped.push('Netmiko: python3-netmiko is not installed for /usr/bin/python3 (apt-get install python3-netmiko)');
  } else {
    const args = JSON.stringify({ host: app.host, port: app.port, user: app.admin.username, key: app.admin.key.privateKeyPath, ssh_config: sshConfig, lines: BODY });
    const child = spawn(PYTHON, ['-c', NETMIKO, args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
    const lines = createInterface({ input: child.stdout! });
    const first = await nextLine(lines, 60_000).catch((e: unknown) => `error ${String(e)}`);
    if (first === 'ready') {
      out.netmiko = { child, lines };
      log('Netmiko: connected (cisco_ios driver, ProxyCommand ssh -W through jump1)');
    } else {
      child.kill('SIGKILL');
      out.skipped.push(`Netmiko: could not connect (${first}; ${stderr.trim().split('\n').slice(-2).join(' ')})`);
    }
  }

  const collections = '/usr/lib/python3/dist-packages/ansible_collections';
  if (spawnSync('ansible-playbook', ['--version'], { timeout: 30_000 }).status !== 0) {
    out.skipped.push('Ansible: ansible-playbook is not installed (apt-get install ansible)');
  } else if (!existsSync(join(collections, 'frr', 'frr')) || !existsSync(join(collections, 'ansible', 'netcommon'))) {
    out.skipped.push('Ansible: the frr.frr / ansible.netcommon collections are missing');
  } else {
    const proxy = `ssh -F ${info.sshConfigPath} -W %h:%p jump1`;
    writeFileSync(join(dir, 'inventory.ini'), [
      '[frr]',
      `appliance ansible_host=${app.host} ansible_port=${app.port} ansible_user=${app.admin.username} ansible_ssh_private_key_file=${app.admin.key.privateKeyPath}`,
      '[frr:vars]',
      'ansible_connection=ansible.netcommon.network_cli',
      'ansible_network_os=frr.frr.frr',
      `ansible_ssh_common_args='-o ProxyCommand="${proxy}"'`,
      '',
    ].join('\n'));
    writeFileSync(join(dir, 'config.yml'), [
      '- hosts: frr',
      '  gather_facts: false',
      '  tasks:',
      // every line sent as it is, in order, as the other contenders do: cli_config would diff against
      // the running config first (frr.frr has no diff_match: none) and send nothing on a re-run
      '    - ansible.netcommon.cli_command:',
      '        command: "{{ item }}"',
      `      loop: ${JSON.stringify(CONFIG_LINES.slice(0, -1))}`,
      '    - ansible.netcommon.cli_command:',
      '        command: show running-config',
      '      register: rc',
      '    - ansible.builtin.assert:',
      "        that: \"'ip route 198.51.100.169/32 Null0' in rc.stdout\"",
      '',
    ].join('\n'));
    const env: NodeJS.ProcessEnv = {
      ...process.env, HOME: dir, ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'),
      ANSIBLE_PERSISTENT_CONTROL_PATH_DIR: join(dir, 'pc'), ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: 'False',
      ANSIBLE_PERSISTENT_COMMAND_TIMEOUT: '60', ANSIBLE_PARAMIKO_LOOK_FOR_KEYS: 'False',
    };
    out.ansible = { dir, env };
    if (verify) {
      try {
        await ansibleConfig(out);
        log('Ansible: network_cli playbook works (frr.frr, paramiko, ProxyCommand through jump1)');
      } catch (error) {
        delete out.ansible;
        out.skipped.push(`Ansible: the playbook failed (${String(error).slice(0, 400)})`);
      }
    }
  }

  out.stop = async () => {
    const c = out.netmiko?.child;
    if (c && c.exitCode === null) {
      c.stdin?.end();
      const t = setTimeout(() => c.kill('SIGKILL'), 5_000);
      await new Promise((r) => c.once('exit', r));
      clearTimeout(t);
    }
  };
  return out;
}

function nextLine(lines: Interface, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { lines.off('line', on); reject(new Error(`no answer within ${timeoutMs} ms`)); }, timeoutMs);
    const on = (l: string): void => { clearTimeout(t); lines.off('line', on); resolve(l); };
    lines.on('line', on);
    lines.once('close', () => { clearTimeout(t); reject(new Error('process exited')); });
  });
}

/** One config task over the held Netmiko connection. */
export async function netmikoConfig(py: PythonBaselines): Promise<void> {
  const nm = py.netmiko;
  if (!nm) throw new Error('Netmiko baseline not running');
  const answer = nextLine(nm.lines, 60_000);
  nm.child.stdin?.write('run\n');
  const line = await answer;
  if (line !== 'ok') throw new Error(`Netmiko config task: ${line}`);
}

/** One `ansible-playbook` run of the config task. */
export async function ansibleConfig(py: PythonBaselines): Promise<void> {
  const a = py.ansible;
  if (!a) throw new Error('Ansible baseline not set up');
  const res = await run(['ansible-playbook', '-i', join(a.dir, 'inventory.ini'), join(a.dir, 'config.yml')], { allowFail: true, timeoutMs: 120_000, env: a.env });
  if (res.code !== 0) throw new Error(`ansible-playbook exited ${res.code}: ${(res.stdout + res.stderr).trim().split('\n').slice(-6).join(' | ')}`);
}
