// Shared by the linux-frr lab suites and scripts: the appliance context CloudStack would send for
// the lab appliance under dictionaries/linux-frr.yaml (vtysh user + root shell login), the loaded
// dictionary, and CloudStack-style rule ids.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadDictionaryFile, requireValid, type ApplianceContext, type LoadedDictionary } from '../../src/dictionary/index.js';
import type { LabInfo } from '../lab/lab.js';
import { labAppliance } from '../transport/lab-broker.js';

export const LINUX_FRR_PATH = 'dictionaries/linux-frr.yaml';

export async function loadLinuxFrr(): Promise<LoadedDictionary> {
  return requireValid(await loadDictionaryFile(LINUX_FRR_PATH, { strict: true }));
}

export interface LinuxFrrContextOptions {
  id?: string;
  /** vtysh user (default the lab's vnfadmin, key auth) */
  username?: string;
  /** log the vtysh user in with this password instead of its key */
  password?: string;
  /** extra cs_data (bootstrap_password, new_password, private_interface ...) */
  csData?: Record<string, unknown>;
}

/** The lab appliance as linux-frr expects it: vtysh user in credentials, root login in cs_data. */
export function linuxFrrAppliance(info: LabInfo, o: LinuxFrrContextOptions = {}): ApplianceContext {
  const a = labAppliance(info, { id: o.id ?? `lab-linux-frr-${process.pid}`, ...(o.password !== undefined ? { password: o.password } : {}) });
  if (o.username !== undefined) a.credentials.username = o.username;
  a.cs_data = {
    shell_username: info.appliance.root.username,
    shell_private_key: readFileSync(info.appliance.root.key.privateKeyPath, 'utf8'),
    ...o.csData,
  };
  return a;
}

/** A CloudStack rule uuid (lower-case v4, as CloudStack prints them). */
export const ruleId = (): string => randomUUID();
