// Shared pieces of the fake RESTCONF API: replies, the ietf-restconf:errors envelope, RFC 8040
// data-resource paths (`/restconf/data/Cisco-IOS-XE-native:native/ip/route/list=K1,K2`, keys
// percent-decoded after splitting, module prefixes optional below the top node) and request bodies
// that must carry exactly one namespace-qualified instance.

export const YANG_JSON = 'application/yang-data+json';

export interface Reply { status: number; body?: unknown; headers?: Record<string, string> }

export class RestconfError extends Error {
  constructor(
    readonly status: number, readonly tag: string, readonly text: string, readonly path?: string,
    readonly headers: Record<string, string> = {}, readonly type: 'protocol' | 'application' = 'application',
  ) { super(text); }

  reply(): Reply {
    return {
      status: this.status, headers: this.headers,
      body: { 'ietf-restconf:errors': { error: [{ 'error-type': this.type, 'error-tag': this.tag, ...(this.path ? { 'error-path': this.path } : {}), 'error-message': this.text }] } },
    };
  }
}

export const notFound = (path: string): RestconfError => new RestconfError(404, 'invalid-value', 'uri keypath not found', path);
export const missing = (path: string): RestconfError => new RestconfError(404, 'data-missing', 'resource not found', path);
export const exists = (path: string): RestconfError => new RestconfError(409, 'data-exists', 'object already exists', path);
export const badValue = (leaf: string, path?: string): RestconfError => new RestconfError(400, 'invalid-value', `invalid value for: ${leaf}`, path);
/** what IOS-XE answers when the configuration it generated from the request is refused */
export const refused = (path?: string): RestconfError => new RestconfError(400, 'invalid-value', 'inconsistent value: Device refused one or more commands', path);

export interface Segment { name: string; keys?: string[] }

/** `/restconf/data/...` → segments; undefined for other paths. */
export function dataPath(path: string): Segment[] | undefined {
  const m = /^\/restconf\/data\/(.+)$/.exec(path);
  if (!m) return undefined;
  try {
    return m[1]!.split('/').map((part) => {
      const eq = part.indexOf('=');
      const name = decodeURIComponent(eq < 0 ? part : part.slice(0, eq)).replace(/^[\w-]+:/, '');
      return eq < 0 ? { name } : { name, keys: part.slice(eq + 1).split(',').map(decodeURIComponent) };
    });
  } catch {
    throw new RestconfError(400, 'malformed-message', 'invalid URI encoding');
  }
}

/** The segments' names joined ("native/ip/route/ip-route-interface-forwarding-list"), for matching. */
export const shape = (segs: Segment[]): string => segs.map((s) => s.name).join('/');

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The body's one member, named `module:name`; a list member must hold exactly one entry (RFC 8040 §4.4.1). */
export function single(body: unknown, qualified: string, list: boolean): Record<string, unknown> {
  if (!isObj(body) || Object.keys(body).length !== 1) throw new RestconfError(400, 'malformed-message', `expected one ${qualified}`);
  const [key, value] = Object.entries(body)[0]!;
  if (key !== qualified) throw new RestconfError(400, 'unknown-element', `unknown element: ${key}`);
  const entry = list ? (Array.isArray(value) && value.length === 1 ? value[0] : undefined) : value;
  if (!isObj(entry)) throw new RestconfError(400, 'malformed-message', `${qualified} must be ${list ? 'a list with one entry' : 'a container'}`);
  return entry;
}

export const obj = (v: unknown): Record<string, unknown> | undefined => (isObj(v) ? v : undefined);
/** a YANG `empty` leaf in JSON: [null] */
export const isEmptyLeaf = (v: unknown): boolean => Array.isArray(v) && v.length === 1 && v[0] === null;
