/** Type-specific rules of the STIX 2.1 Cyber-observable Objects (§6). */
import { Checker } from './checker.js';

export function isIpv4(value: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(value);
  if (!m) return false;
  const octetsOk = m.slice(1, 5).every((o) => Number(o) <= 255);
  return octetsOk && (m[5] === undefined || Number(m[5]) <= 32);
}

export function isIpv6(value: string): boolean {
  const [addr, prefix, extra] = value.split('/');
  if (extra !== undefined || addr === undefined) return false;
  if (prefix !== undefined && (!/^\d{1,3}$/.test(prefix) || Number(prefix) > 128)) return false;
  const halves = addr.split('::');
  if (halves.length > 2) return false;
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const parts = halves.flatMap(groups);
  let count = parts.length;
  const last = parts[parts.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!isIpv4(last) || last.includes('/')) return false;
    parts.pop();
    count += 1;
  }
  if (!parts.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

export const MAC_RE = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

function hashes(c: Checker, prop = 'hashes'): void {
  const h = c.dictionary(prop);
  if (!h) return;
  if (Object.keys(h).length === 0) c.error(prop, 'must not be empty');
  for (const [k, v] of Object.entries(h)) if (typeof v !== 'string' || v === '') c.error(`${prop}.${k}`, 'must be a non-empty string');
}

function value(c: Checker, check?: (v: string) => string | undefined): void {
  const v = c.string('value', { required: true });
  if (v === undefined || !check) return;
  const problem = check(v);
  if (problem) c.error('value', problem);
}

const ADDRESS_TYPES = ['ipv4-addr', 'ipv6-addr', 'mac-addr', 'domain-name'];

function atLeastOne(c: Checker, props: string[], what: string): void {
  if (!props.some((p) => c.has(p))) c.error(props[0] as string, `${what} needs at least one of ${props.join(', ')}`);
}

export const SCO_RULES: Readonly<Record<string, (c: Checker) => void>> = {
  artifact: (c) => {
    c.string('mime_type');
    c.string('payload_bin');
    c.string('url');
    hashes(c);
    if (c.has('payload_bin') && c.has('url')) c.error('url', 'must not be present together with payload_bin');
    if (c.has('url') && !c.has('hashes')) c.error('hashes', 'is required when url is present');
  },
  'autonomous-system': (c) => { c.integer('number', 0, 4_294_967_295, true); c.string('name'); },
  directory: (c) => { c.string('path', { required: true }); },
  'domain-name': (c) => {
    value(c);
    c.refList('resolves_to_refs', ['ipv4-addr', 'ipv6-addr', 'domain-name']);
  },
  'email-addr': (c) => { value(c); c.string('display_name'); c.ref('belongs_to_ref', ['user-account']); },
  'email-message': (c) => {
    c.boolean('is_multipart', true);
    c.timestamp('date');
    c.ref('from_ref', ['email-addr']);
    c.ref('sender_ref', ['email-addr']);
    c.refList('to_refs', ['email-addr']);
    c.refList('cc_refs', ['email-addr']);
    c.refList('bcc_refs', ['email-addr']);
    c.ref('raw_email_ref', ['artifact']);
  },
  file: (c) => {
    hashes(c);
    c.integer('size', 0, Number.MAX_SAFE_INTEGER);
    c.string('name');
    c.string('mime_type');
    for (const t of ['ctime', 'mtime', 'atime']) c.timestamp(t);
    c.ref('parent_directory_ref', ['directory']);
    c.ref('content_ref', ['artifact']);
    if (!c.has('name') && !c.has('hashes')) c.error('name', 'a file needs name or hashes');
  },
  'ipv4-addr': (c) => {
    value(c, (v) => (isIpv4(v) ? undefined : `must be an IPv4 address or CIDR block, got ${JSON.stringify(v)}`));
    c.refList('resolves_to_refs', ['mac-addr']);
    c.refList('belongs_to_refs', ['autonomous-system']);
  },
  'ipv6-addr': (c) => {
    value(c, (v) => (isIpv6(v) ? undefined : `must be an IPv6 address or CIDR block, got ${JSON.stringify(v)}`));
    c.refList('resolves_to_refs', ['mac-addr']);
    c.refList('belongs_to_refs', ['autonomous-system']);
  },
  'mac-addr': (c) => {
    value(c, (v) => (MAC_RE.test(v) ? undefined : `must be a lower-case, colon-separated MAC-48 address such as 60:60:1f:a3:5c:21, got ${JSON.stringify(v)}`));
  },
  mutex: (c) => { c.string('name', { required: true }); },
  'network-traffic': (c) => {
    c.timestamp('start');
    c.timestamp('end');
    c.order('start', 'end', false);
    c.boolean('is_active');
    if (c.obj.is_active === true && c.has('end')) c.error('end', 'must not be present when is_active is true');
    c.ref('src_ref', ADDRESS_TYPES);
    c.ref('dst_ref', ADDRESS_TYPES);
    c.integer('src_port', 0, 65535);
    c.integer('dst_port', 0, 65535);
    c.stringList('protocols', true);
    c.ref('src_payload_ref', ['artifact']);
    c.ref('dst_payload_ref', ['artifact']);
    c.refList('encapsulates_refs', ['network-traffic']);
    c.ref('encapsulated_by_ref', ['network-traffic']);
    atLeastOne(c, ['src_ref', 'dst_ref'], 'network traffic');
  },
  process: (c) => {
    c.integer('pid', 0, Number.MAX_SAFE_INTEGER);
    c.timestamp('created_time');
    c.ref('image_ref', ['file']);
    c.ref('parent_ref', ['process']);
    c.refList('child_refs', ['process']);
    c.refList('opened_connection_refs', ['network-traffic']);
    c.ref('creator_user_ref', ['user-account']);
  },
  software: (c) => { c.string('name', { required: true }); c.string('cpe'); c.string('vendor'); c.string('version'); },
  url: (c) => { value(c); },
  'user-account': (c) => {
    c.string('user_id');
    c.string('account_login');
    c.string('display_name');
  },
  'windows-registry-key': (c) => { c.string('key'); c.ref('creator_user_ref', ['user-account']); },
  'x509-certificate': (c) => {
    hashes(c);
    for (const p of ['version', 'serial_number', 'signature_algorithm', 'issuer', 'subject', 'subject_public_key_algorithm']) c.string(p);
    c.timestamp('validity_not_before');
    c.timestamp('validity_not_after');
  },
};
