/** A small TAXII 2.1 HTTP client for the node's tests: Basic, bearer and API-key credentials, JSON bodies, headers. */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TAXII = 'application/taxii+json;version=2.1';
export const PURPOSE = 'taxii test: checking what partners receive';

export type Json = Record<string, unknown>;

export function basic(user: string, password = 'demo'): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export interface TaxiiResponse { status: number; headers: Headers; body: Json }

/** One request; `purpose` false sends no X-Popart-Purpose header. */
export async function taxii(url: string, auth: string | null, o: { method?: string; body?: string; headers?: Record<string, string>; purpose?: string | false } = {}): Promise<TaxiiResponse> {
  const res = await fetch(url, {
    method: o.method ?? 'GET',
    headers: {
      accept: TAXII, ...(auth ? { authorization: auth } : {}), ...(o.purpose === false ? {} : { 'x-popart-purpose': o.purpose ?? PURPOSE }),
      ...(o.body !== undefined ? { 'content-type': TAXII } : {}), ...o.headers,
    },
    ...(o.body !== undefined ? { body: o.body } : {}),
  });
  const text = await res.text();
  let body: Json = {};
  try {
    body = text ? (JSON.parse(text) as Json) : {};
  } catch {
    body = { text };
  }
  return { status: res.status, headers: res.headers, body };
}

/** Every id an object refers to (any `*_ref`/`*_refs` at any depth, and its extension definitions). */
export function refsOf(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) refsOf(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'extensions') for (const e of Object.keys(v as Json)) if (e.startsWith('extension-definition--')) out.add(e);
      if (k.endsWith('_ref') && typeof v === 'string') out.add(v);
      else if (k.endsWith('_refs') && Array.isArray(v)) for (const r of v) out.add(String(r));
      else refsOf(v, out);
    }
  }
  return out;
}

/** Every page of a paged TAXII endpoint (following `next`), with each page's date_added headers. */
export async function allPages(url: string, auth: string, key: 'objects' | 'versions' = 'objects', purpose?: string | false): Promise<{ items: Json[]; pages: { items: Json[]; first: string | null; last: string | null }[] }> {
  const pages: { items: Json[]; first: string | null; last: string | null }[] = [];
  let next: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const u = new URL(url);
    if (next) u.searchParams.set('next', next);
    const r = await taxii(u.toString(), auth, purpose === undefined ? {} : { purpose });
    if (r.status !== 200) throw new Error(`${u}: ${r.status} ${JSON.stringify(r.body)}`);
    pages.push({ items: (r.body[key] as Json[] | undefined) ?? [], first: r.headers.get('x-taxii-date-added-first'), last: r.headers.get('x-taxii-date-added-last') });
    if (!r.body.more) return { items: pages.flatMap((p) => p.items), pages };
    next = r.body.next as string;
    if (!next) throw new Error(`${u}: more without next`);
  }
  throw new Error(`${url}: more than 1000 pages`);
}

/**
 * Runs node/test/taxii2-client-check.py with the pinned OASIS taxii2-client (POPART_TAXII2_CLIENT_PYTHON, installed by
 * scripts/tools.sh) and returns what it printed.
 */
export async function runTaxii2Client(discovery: string, user: string, password: string, objectId: string, envelope: Json, dir: string): Promise<Json> {
  const python = process.env.POPART_TAXII2_CLIENT_PYTHON;
  if (!python) throw new Error('POPART_TAXII2_CLIENT_PYTHON is not set: run the suite with `npm test`, or eval "$(bash scripts/tools.sh)" first');
  const file = join(dir, 'envelope.json');
  writeFileSync(file, JSON.stringify(envelope));
  const script = fileURLToPath(new URL('../../test/taxii2-client-check.py', import.meta.url));
  // Asynchronously: the node under test answers in this process.
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(python, [script, discovery, user, password, objectId, file], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, out, errText) => {
      if (err) reject(new Error(`taxii2-client check failed: ${err.message}\n${errText}`));
      else resolve(out);
    });
  });
  return JSON.parse(stdout) as Json;
}
