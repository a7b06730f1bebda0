import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { extractBrokerSection, parseKnownHostLines, validateBrokerSection } from '../../../src/cloudstack/index.js';
import { hostKeyLine } from './drive.js';

const CLOUD_CONFIG = '#cloud-config\npackages: [jq]\nvnf_broker:\n  zone: zone-1\n  listen: 0.0.0.0:8443\n';
const buf = (s: string): Buffer => Buffer.from(s, 'utf8');

function mime(parts: { type: string; body: string; base64?: boolean }[]): string {
  const b = '==BOUNDARY==';
  const rendered = parts.map((p) => [
    `--${b}`, `Content-Type: ${p.type}; charset="us-ascii"`, 'MIME-Version: 1.0',
    ...(p.base64 ? ['Content-Transfer-Encoding: base64'] : []), '', p.base64 ? Buffer.from(p.body).toString('base64').replace(/(.{76})/g, '$1\n') : p.body,
  ].join('\n'));
  return [`Content-Type: multipart/mixed; boundary="${b}"`, 'MIME-Version: 1.0', '', ...rendered, `--${b}--`, ''].join('\n');
}

describe('extractBrokerSection', () => {
  it('reads #cloud-config, plain YAML, base64, gzip+base64 and MIME multipart user data', () => {
    const want = { zone: 'zone-1', listen: '0.0.0.0:8443' };
    expect(extractBrokerSection(buf(CLOUD_CONFIG))).toEqual({ section: want, layers: ['cloud-config'] });
    expect(extractBrokerSection(buf('vnf_broker:\n  zone: zone-1\n  listen: 0.0.0.0:8443\n')).section).toEqual(want);
    expect(extractBrokerSection(buf(Buffer.from(CLOUD_CONFIG).toString('base64'))).layers).toEqual(['base64', 'cloud-config']);
    expect(extractBrokerSection(buf(gzipSync(CLOUD_CONFIG).toString('base64'))).layers).toEqual(['base64', 'gzip', 'cloud-config']);
    const multipart = mime([
      { type: 'text/x-shellscript', body: '#!/bin/sh\necho vnf_broker: not yaml\n' },
      { type: 'text/cloud-config', body: CLOUD_CONFIG, base64: true },
    ]);
    expect(extractBrokerSection(buf(multipart))).toEqual({ section: want, layers: ['mime', 'cloud-config'] });
  });

  it('no section, two sections, truncated MIME, binary junk and broken YAML are clear errors that never quote the data', () => {
    const err = (data: Buffer): string => {
      try {
        extractBrokerSection(data);
      } catch (e) {
        expect((e as { code: string }).code).toBe('VNF_ERR_FIRSTBOOT_USER_DATA');
        return (e as Error).message;
      }
      throw new Error('expected an error');
    };
    expect(err(buf('#!/bin/sh\necho hello\n'))).toMatch(/holds no vnf_broker section/);
    expect(err(buf('#cloud-config\npackages: [jq]\n'))).toMatch(/holds no vnf_broker section/);
    expect(err(Buffer.alloc(0))).toMatch(/has no user data/);
    const two = mime([{ type: 'text/cloud-config', body: CLOUD_CONFIG }, { type: 'text/cloud-config', body: CLOUD_CONFIG }]);
    expect(err(buf(two))).toMatch(/2 vnf_broker sections/);
    expect(err(buf(two.slice(0, two.lastIndexOf('--==BOUNDARY==--'))))).toMatch(/truncated \(no closing boundary\)/);
    expect(err(Buffer.from([0xff, 0xfe, 0x00, 0x81]))).toMatch(/not UTF-8/);
    const broken = err(buf('#cloud-config\nvnf_broker:\n  tls:\n    enroll: { secret_key: "s3cr3t-value\n'));
    expect(broken).toMatch(/YAML error \w+ at line \d+, column \d+/);
    expect(broken).not.toContain('s3cr3t');
  });
});

describe('validateBrokerSection', () => {
  it('accepts the documented shape and reports every problem at once, with paths and no values', () => {
    expect(validateBrokerSection({ zone: 'z', tls: { enroll: { endpoint: 'https://cs.example/client/api', api_key: 'k', secret_key: 's' } } }).zone).toBe('z');
    let message = '';
    try {
      validateBrokerSection({ zone: '', tls: { enroll: { endpoint: 'ftp://x', api_key: 'k', secret_key: 'hidden-secret' } }, extra: 1, clients: [{ match: {}, roles: ['root'] }] });
    } catch (e) {
      expect((e as { code: string }).code).toBe('VNF_ERR_FIRSTBOOT_INVALID');
      message = (e as Error).message;
    }
    expect(message).toMatch(/vnf_broker: unknown key 'extra'/);
    expect(message).toMatch(/vnf_broker.zone: must NOT have fewer than 1 characters/);
    expect(message).toMatch(/vnf_broker.tls.enroll.endpoint: has an invalid format/);
    expect(message).toMatch(/vnf_broker.clients\[0\].roles\[0\]: must be one of admin, operator, auditor/);
    expect(message).not.toContain('hidden-secret');
    expect(() => validateBrokerSection({ tls: { certificate: '-----BEGIN CERTIFICATE-----' } })).toThrow(/either enroll .* or all of certificate, private_key and client_ca/);
    expect(() => validateBrokerSection('zone: z')).toThrow(/must be a mapping/);
  });
});

describe('parseKnownHostLines', () => {
  it('keeps valid lines (comments dropped) and refuses markers, hashed names, unknown types and bad blobs', () => {
    const line = hostKeyLine('198.51.100.3');
    expect(parseKnownHostLines([`${line} jump-1`, line.replace('198.51.100.3', '[198.51.100.4]:2222,jump')]).map((l) => l.names))
      .toEqual([['198.51.100.3'], ['[198.51.100.4]:2222', 'jump']]);
    expect(parseKnownHostLines([`${line} comment`])[0]?.line).toBe(line);
    expect(() => parseKnownHostLines([`@cert-authority ${line}`])).toThrow(/markers/);
    expect(() => parseKnownHostLines([`|1|abc= ${line.split(' ').slice(1).join(' ')}`])).toThrow(/hashed/);
    expect(() => parseKnownHostLines([line.replace('ssh-ed25519 ', 'ssh-foo ')])).toThrow(/key type/);
    expect(() => parseKnownHostLines([line.replace('ssh-ed25519 ', 'ssh-rsa ')])).toThrow(/not base64 of a ssh-rsa public key/);
  });
});
