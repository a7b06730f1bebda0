// The simulator's API commands: a handful with realistic CloudStack response shapes (lists, the empty
// list {}, single objects, async jobs) and errors (errorcode = HTTP status, cserrorcode, errortext).
import { randomUUID } from 'node:crypto';
import { SimCaError, type SimCa } from './ca.js';
import type { SimUser } from './verify.js';

export type CsObject = Record<string, unknown>;

export class ApiError extends Error {
  constructor(readonly errorcode: number, readonly errortext: string, readonly cserrorcode = 9999) { super(errortext); }
}

export interface SimVm {
  id: string;
  name: string;
  displayname: string;
  state: 'Running' | 'Stopped';
  zoneid: string;
  zonename: string;
  isvnf?: boolean;
  [key: string]: unknown;
}

export interface SimState {
  zone: { id: string; name: string };
  vms: SimVm[];
  annotations: CsObject[];
  ca: SimCa;
}

export interface Ctx {
  command: string;
  /** decoded parameters, first value, names lowercased (CloudStack matches names case-insensitively) */
  params: Map<string, string>;
  user: SimUser;
  state: SimState;
}

/** Sync commands reply with the inner object; async ones with the job's eventual result (or an ApiError). */
export type Reply = { body: CsObject } | { job: () => CsObject; id?: string };

export interface CommandSpec {
  async: boolean;
  cmdClass: string;
  run: (ctx: Ctx) => Reply;
}

function required(ctx: Ctx, name: string): string {
  const v = ctx.params.get(name);
  if (v === undefined || v === '') {
    throw new ApiError(431, `Unable to execute API command ${ctx.command.toLowerCase()} due to missing parameter ${name}`);
  }
  return v;
}

function vmById(ctx: Ctx, id: string): SimVm {
  const vm = ctx.state.vms.find((v) => v.id === id);
  if (!vm) {
    throw new ApiError(431, `Unable to execute API command ${ctx.command.toLowerCase()} due to invalid value. Invalid parameter id value=${id} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`, 4350);
  }
  return vm;
}

/** A list body: {"count":N,"<name>":[...]}, or {} when empty (no count), as the serializer writes it. */
const listBody = (name: string, items: unknown[]): CsObject => (items.length === 0 ? {} : { count: items.length, [name]: items });

const split = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

export const COMMANDS: Record<string, CommandSpec> = {
  listVirtualMachines: {
    async: false, cmdClass: 'org.apache.cloudstack.api.command.user.vm.ListVMsCmd',
    run: (ctx) => {
      const id = ctx.params.get('id');
      const name = ctx.params.get('name');
      const keyword = ctx.params.get('keyword');
      const isvnf = ctx.params.get('isvnf');
      const vms = ctx.state.vms.filter((vm) => (!id || vm.id === id) && (!name || vm.name === name)
        && (!keyword || vm.name.includes(keyword) || vm.displayname.includes(keyword))
        && (isvnf === undefined || String(Boolean(vm.isvnf)) === isvnf.toLowerCase()));
      return { body: listBody('virtualmachine', vms) };
    },
  },
  listZones: {
    async: false, cmdClass: 'org.apache.cloudstack.api.command.user.zone.ListZonesCmd',
    run: (ctx) => ({ body: listBody('zone', [{ id: ctx.state.zone.id, name: ctx.state.zone.name, networktype: 'Advanced', allocationstate: 'Enabled' }]) }),
  },
  addAnnotation: {
    async: false, cmdClass: 'org.apache.cloudstack.api.command.user.annotation.AddAnnotationCmd',
    run: (ctx) => {
      const entityid = required(ctx, 'entityid');
      const entitytype = required(ctx, 'entitytype');
      if (!['VM', 'VR', 'HOST', 'NETWORK', 'VPC', 'ZONE'].includes(entitytype.toUpperCase())) {
        throw new ApiError(431, `Unable to execute API command addannotation due to invalid value. Invalid parameter entitytype value=${entitytype}`, 4350);
      }
      const annotation: CsObject = {
        id: randomUUID(), annotation: ctx.params.get('annotation') ?? '', entityid, entitytype: entitytype.toUpperCase(),
        created: new Date().toISOString().replace(/\.\d{3}Z$/, '+0000'), username: ctx.user.account, adminsonly: ctx.params.get('adminsonly') === 'true',
      };
      ctx.state.annotations.push(annotation);
      return { body: { annotation } };
    },
  },
  listAnnotations: {
    async: false, cmdClass: 'org.apache.cloudstack.api.command.user.annotation.ListAnnotationsCmd',
    run: (ctx) => {
      const entityid = ctx.params.get('entityid');
      return { body: listBody('annotation', ctx.state.annotations.filter((a) => !entityid || a.entityid === entityid)) };
    },
  },
  rebootVirtualMachine: {
    async: true, cmdClass: 'org.apache.cloudstack.api.command.user.vm.RebootVMCmd',
    run: (ctx) => {
      const vm = vmById(ctx, required(ctx, 'id'));
      return {
        job: () => {
          if (vm.state !== 'Running') throw new ApiError(530, `Unable to reboot VM ${vm.name}: it is not in Running state`, 4250);
          return { virtualmachine: { ...vm } };
        },
      };
    },
  },
  listCaCertificate: {
    async: false, cmdClass: 'org.apache.cloudstack.api.command.admin.ca.ListCaCertificateCmd',
    run: (ctx) => ({ body: { cacertificates: { certificate: ctx.state.ca.certificatePem } } }),
  },
  issueCertificate: {
    async: true, cmdClass: 'org.apache.cloudstack.api.command.admin.ca.IssueCertificateCmd',
    run: (ctx) => {
      const csr = ctx.params.get('csr');
      if (csr !== undefined && csr.length > 65535) throw new ApiError(431, 'Unable to execute API command issuecertificate due to invalid value. Value greater than max allowed length 65535 for param: csr');
      const days = Number(ctx.params.get('duration') ?? '365');
      if (!Number.isInteger(days) || days <= 0) throw new ApiError(431, 'Unable to execute API command issuecertificate due to invalid value. Invalid parameter duration');
      const domains = split(ctx.params.get('domain'));
      const ips = split(ctx.params.get('ipaddress'));
      return {
        job: () => {
          try {
            return { certificates: ctx.state.ca.issue({ ...(csr ? { csr } : {}), domains, ips, days }) };
          } catch (error) {
            if (error instanceof SimCaError) throw new ApiError(error.errorcode, error.message, error.errorcode === 431 ? 4350 : 4250);
            throw error;
          }
        },
      };
    },
  },
};
