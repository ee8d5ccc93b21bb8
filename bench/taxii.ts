/**
 * bench/taxii — a partner paging a TAXII 2.1 collection: GET objects/ with limit and next, over HTTP with Basic auth,
 * through the node's whole path (authentication, keyset page of the read model, the egress gate's policy decisions and
 * redactions, each page's companions — creators, markings, definitions —, the audit record of each page), against
 * OASIS medallion (PyPI, memory backend) serving the same `--objects` objects in the same run. Prints objects/s and
 * p50/p99 per page for both, and the ratios.
 *
 * medallion gets the best its memory backend can do (docs/benchmarks.md says why): its data file is written directly
 * (no POST), without a manifest and with each object's date_added in the object (with a manifest, its first page matches
 * every manifest entry against every object: n² timestamp parses), and it is asked with match[spec_version]=2.1 and
 * match[version]=all (its defaults compare every object with every other, and insert into sorted lists). Even so each
 * of its requests deep-copies the whole collection twice (collection_exists and permission_to_read), so a page costs
 * the same at any depth and paging 100,000 objects to the end takes it most of an hour: it pages the first
 * `--medallion-pages` pages (default 5), which measures its rate and page time on the full collection.
 *   node bench/dist/taxii.js [--objects 100000] [--page 1000] [--medallion-pages 5]
 */
import '@popart/node/quiet-contract-logs';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemo } from '@popart/node/demo';
import { benchArgs, progress, reportHeader } from './bench-kit.js';

const { number } = benchArgs('Usage: npm run bench:taxii -- [--objects N] [--page N] [--medallion-pages K]\n' +
    '  pages a collection of N indicators to its end through the node\'s TAXII server, and the first K pages of the same N\n' +
    '  objects on OASIS medallion (POPART_MEDALLION, installed by scripts/tools.sh); prints objects/s, p50/p99 per page and\n' +
    '  the ratios (target >= 10x)\n', {
  objects: { type: 'string', default: '100000' },
  'medallion-pages': { type: 'string', default: '5' },
  page: { type: 'string', default: '1000' },
});
const TOTAL = number('objects');
const MEDALLION_PAGES = number('medallion-pages');
const PAGE = number('page');
const TAXII = 'application/taxii+json;version=2.1';
const PN = 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';

function indicator(i: number, t: string): Record<string, unknown> {
  return {
    type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: t, modified: t, created_by_ref: PN,
    name: `Drone controller ${i}`, indicator_types: ['anomalous-activity'], pattern_type: 'stix', valid_from: t,
    pattern: `[mac-addr:value = '60:60:1f:${(i >> 16 & 255).toString(16).padStart(2, '0')}:${(i >> 8 & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}']`,
    object_marking_refs: [GREEN],
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface Run { objects: number; pages: number; seconds: number; p50: number; p99: number }

/**
 * Pages a collection with limit and next, to its end or for `maxPages` pages; the time of each page. Counts the
 * indicators (the collection's own objects; the node's pages also carry their creator and markings).
 */
async function page(objectsUrl: string, auth: string, expect: number, maxPages = Infinity, query = ''): Promise<Run> {
  const times: number[] = [];
  let next: string | undefined;
  let objects = 0;
  const start = performance.now();
  while (times.length < maxPages) {
    const url = `${objectsUrl}?limit=${PAGE}${query}${next ? `&next=${encodeURIComponent(next)}` : ''}`;
    const t = performance.now();
    // Once more on a connection the server closed while idle (keep-alive timeout during the fill), not counted as a page.
    const res = await fetch(url, { headers: { accept: TAXII, authorization: auth } })
      .catch(() => fetch(url, { headers: { accept: TAXII, authorization: auth } }));
    const body = (await res.json()) as { more?: boolean; next?: string; objects?: { type?: string }[] };
    times.push(performance.now() - t);
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    objects += body.objects?.filter((o) => o.type === 'indicator').length ?? 0;
    progress(objectsUrl.includes('/bench/') ? 'medallion' : 'node', Math.min(times.length, maxPages === Infinity ? Math.ceil(expect / PAGE) : maxPages), maxPages === Infinity ? Math.ceil(expect / PAGE) : maxPages);
    if (!body.more) break;
    next = body.next;
    if (!next) throw new Error(`${url}: more without next`);
  }
  const seconds = (performance.now() - start) / 1000;
  // Paged to the end: every indicator once (a page of the node holds a few fewer than limit: its companions count).
  if (times.length < maxPages && objects !== expect) throw new Error(`${objectsUrl}: ${objects} indicators paged, ${expect} expected`);
  times.sort((a, b) => a - b);
  return { objects, pages: times.length, seconds, p50: pct(times, 50), p99: pct(times, 99) };
}

async function medallion(objects: Record<string, unknown>[], dir: string): Promise<{ url: string; stop: () => void }> {
  const bin = process.env.POPART_MEDALLION;
  if (!bin) throw new Error('POPART_MEDALLION is not set: run npm run bench:taxii (it evaluates scripts/tools.sh)');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const base = `http://127.0.0.1:${port}`;
  const collection = randomUUID();
  const added = Date.now() - objects.length;
  writeFileSync(join(dir, 'data.json'), JSON.stringify({
    '/discovery': { title: 'bench', default: `${base}/bench/`, api_roots: [`${base}/bench/`] },
    bench: {
      information: { title: 'bench', versions: [TAXII], max_content_length: 100 * 1024 * 1024 },
      status: [],
      collections: [{
        id: collection, title: 'indicators', can_read: true, can_write: false, media_types: ['application/stix+json;version=2.1'],
        objects: objects.map((o, i) => ({ ...o, date_added: new Date(added + i).toISOString() })),
      }],
    },
  }));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    // session_timeout: how long a `next` stays valid (default 30 s, less than one of its pages takes at 100,000 objects).
    backend: { module: 'medallion.backends.memory_backend', module_class: 'MemoryBackend', filename: join(dir, 'data.json'), session_timeout: 3600 },
    users: { bench: 'bench' }, taxii: { max_page_size: PAGE },
  }));
  const child = spawn(bin, ['--host', '127.0.0.1', '--port', String(port), '--log-level', 'ERROR', join(dir, 'config.json')], { stdio: 'ignore' });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      const r = await fetch(`${base}/taxii2/`, { headers: { accept: TAXII, authorization: `Basic ${Buffer.from('bench:bench').toString('base64')}` } });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('medallion did not answer within 300 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url: `${base}/bench/collections/${collection}/objects/`, stop: () => child.kill() };
}

function line(name: string, r: Run): string {
  return `${name.padEnd(34)} ${String(r.objects).padStart(7)} objects  ${String(r.pages).padStart(4)} pages  ${(r.objects / r.seconds).toFixed(0).padStart(8)} objects/s  ` +
    `page p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'popart-bench-taxii-'));
  const cluster = await startDemo({ dataDir: dir, passphrase: 'bench-passphrase', randomPorts: true, logLevel: 'silent', fsync: false });
  const stops: (() => void)[] = [];
  try {
    const node = cluster.nodes.pn;
    const t = new Date(Date.now() - 3_600_000).toISOString();
    type Row = Parameters<typeof node.store.storeRows>[0][number];
    const row = (stix: Record<string, unknown>): Row => ({
      id: stix.id as string, type: 'indicator', modified: t, publisherMsp: 'PnMSP', createdByRef: PN, tlp: 'green', audience: [], category: null,
      severity: null, name: stix.name as string, bbox: null, countries: [], sightingOfRef: null, revoked: false, stix: stix as Row['stix'],
      txId: 'bench', blockNumber: 0, signatureVerified: true,
    });
    const all = Array.from({ length: TOTAL }, (_, i) => indicator(i, t));
    const filled = performance.now();
    for (let i = 0; i < all.length; i += 5000) {
      await node.store.storeRows(all.slice(i, i + 5000).map(row));
      progress('read model', Math.min(i + 5000, TOTAL), TOTAL);
    }
    process.stdout.write(`read model filled with ${TOTAL} indicators in ${((performance.now() - filled) / 1000).toFixed(1)} s (not measured)\n`);
    const objectsUrl = `${node.url.replace(/\/graphql$/, '')}/taxii2/popart/collections/indicators/objects/`;
    const auth = `Basic ${Buffer.from('pn-analyst:demo').toString('base64')}`;
    await page(objectsUrl, auth, TOTAL, 2); // warm-up: policy, database, password check
    const nodeRun = await page(objectsUrl, auth, TOTAL);
    process.stdout.write(`${line('node (egress gate), all pages', nodeRun)}\n`);
    const loaded = performance.now();
    const m = await medallion(all, dir);
    stops.push(m.stop);
    process.stdout.write(`medallion loaded its data file of ${TOTAL} objects in ${((performance.now() - loaded) / 1000).toFixed(1)} s (not measured)\n`);
    const medallionRun = await page(m.url, `Basic ${Buffer.from('bench:bench').toString('base64')}`, TOTAL, MEDALLION_PAGES, '&match[spec_version]=2.1&match[version]=all');
    m.stop();
    process.stdout.write([
      reportHeader('taxii', `GET objects, limit=${PAGE}, Basic auth, pn-analyst; ${TOTAL} GREEN indicators in both`),
      line(`node (egress gate), all pages`, nodeRun),
      line(`medallion 3.0.0 (memory), ${MEDALLION_PAGES} pages`, medallionRun),
      `ratio node / medallion: ${((nodeRun.objects / nodeRun.seconds) / (medallionRun.objects / medallionRun.seconds)).toFixed(1)}x objects/s, ` +
        `p99 per page ${(medallionRun.p99 / nodeRun.p99).toFixed(1)}x lower (target >= 10x)`,
      '',
    ].join('\n'));
  } finally {
    for (const stop of stops) stop();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
