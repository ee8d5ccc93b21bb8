/**
 * bench/portal — the operator console in a real browser (Debian chromium via playwright-core) on the
 * four-agency embedded demo: pn publishes alerts for Madrid through its GraphQL API and the time
 * until each alert is drawn in mad-operator's console (a DOM node for it exists) is measured, p50/p99
 * over N alerts. Baseline in the same run: the same alerts received by a plain graphql-ws client
 * (no browser) subscribed as the same operator — the difference is the portal's own cost.
 * Also: the size of the built JavaScript, raw and gzip (initial = entry chunk and its static imports;
 * the basemap is loaded on demand).
 *
 * Targets: p99 ≤ 500 ms publish → drawn; initial JS ≤ 300 kB gzip.
 *   npm run bench:portal -- [--alerts 50] [--gap-ms 100]
 */
import '@popart/node/quiet-contract-logs';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startDemo } from '@popart/node/demo';
import { createClient } from 'graphql-ws';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { benchArgs } from './bench-kit.js';

const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const ALERT_EXT = 'extension-definition--eede3623-5bda-4618-a696-fd5bf0b5744f';
const TARGET_P99_MS = 500;
const TARGET_INITIAL_GZIP = 300 * 1024;

const { number } = benchArgs('Usage: npm run bench:portal -- [--alerts N] [--gap-ms MS]\n' +
    'Publishes N alerts as pn-analyst and measures publish → drawn in mad-operator\'s console (chromium at POPART_CHROMIUM or /usr/bin/chromium).\n', {
  alerts: { type: 'string', default: '50' },
  'gap-ms': { type: 'string', default: '100' },
});
const count = number('alerts');
const gap = number('gap-ms');
if (!Number.isInteger(count) || count < 1) throw new Error('--alerts must be a positive integer');

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const build = join(root, 'portal', 'build');

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}
const ms = (n: number): string => `${n.toFixed(0)} ms`;
const kb = (n: number): string => `${(n / 1024).toFixed(1)} kB`;

/** Sizes of the built JS: the entry chunk and its static imports (initial), and everything. */
function jsSizes(): { initialRaw: number; initialGzip: number; totalRaw: number; totalGzip: number; lazy: string[] } {
  const manifest = JSON.parse(readFileSync(join(build, '.vite', 'manifest.json'), 'utf8')) as Record<string, { file: string; isEntry?: boolean; imports?: string[] }>;
  const initial = new Set<string>();
  const visit = (key: string): void => {
    const chunk = manifest[key];
    if (!chunk || initial.has(chunk.file)) return;
    initial.add(chunk.file);
    for (const i of chunk.imports ?? []) visit(i);
  };
  for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);
  const all = new Set(Object.values(manifest).map((c) => c.file).filter((f) => f.endsWith('.js')));
  const size = (files: Iterable<string>): [number, number] => {
    let raw = 0;
    let gz = 0;
    for (const f of files) {
      const bytes = readFileSync(join(build, f));
      raw += bytes.length;
      gz += gzipSync(bytes, { level: 9 }).length;
    }
    return [raw, gz];
  };
  const [initialRaw, initialGzip] = size(initial);
  const [totalRaw, totalGzip] = size(all);
  return { initialRaw, initialGzip, totalRaw, totalGzip, lazy: [...all].filter((f) => !initial.has(f)) };
}

function alertBundle(pnIdentity: string, n: number): { id: string; bundle: unknown } {
  const now = new Date();
  const id = `incident--${randomUUID()}`;
  return {
    id,
    bundle: {
      type: 'bundle', id: `bundle--${randomUUID()}`,
      objects: [{
        type: 'incident', spec_version: '2.1', id, created: now.toISOString(), modified: now.toISOString(), created_by_ref: pnIdentity,
        name: `Bench drone ${n}`, object_marking_refs: [GREEN],
        extensions: {
          [ALERT_EXT]: {
            extension_type: 'property-extension', category: 'drone', severity: 'high', detection_confidence: 90,
            area: { shape: 'circle', latitude: 40.4168 + n * 1e-4, longitude: -3.7038, radius_m: 200 }, sensor_kind: 'remote-id',
            venue: 'Puerta del Sol', expires: new Date(now.getTime() + 3_600_000).toISOString(), guidance: 'Bench alert: no action.',
          },
        },
      }],
    },
  };
}

async function main(): Promise<void> {
  if (!existsSync(join(build, 'index.html'))) throw new Error(`the portal is not built (${build}): run npm run build`);
  const chromiumPath = process.env.POPART_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) throw new Error(`no chromium at ${chromiumPath}: run scripts/tools.sh`);
  const sizes = jsSizes();

  const dir = mkdtempSync(join(tmpdir(), 'popart-bench-portal-'));
  const cluster = await startDemo({ dataDir: dir, passphrase: 'bench-passphrase', randomPorts: true, logLevel: 'warn' });
  const browser = await chromium.launch({
    executablePath: chromiumPath, headless: true,
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const pnUrl = cluster.nodes.pn.url;
    const madUrl = cluster.nodes.mad.url;
    const post = async (url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<Record<string, unknown>> => {
      const r = await fetch(url, {
        method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await r.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data ?? {};
    };
    const login = async (url: string, u: string): Promise<string> =>
      ((await post(url, 'mutation($u: String!) { login(username: $u, password: "demo") { token } }', { u })).login as { token: string }).token;
    const pnToken = await login(pnUrl, 'pn-analyst');
    const madToken = await login(madUrl, 'mad-operator');

    // Baseline: a plain graphql-ws subscriber as the same operator.
    const received = new Map<string, number>();
    const ws = createClient({ url: madUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${madToken}` }, retryAttempts: 0 });
    const stop = ws.subscribe<{ alerts: { id: string } }>({ query: 'subscription { alerts { id } }' }, {
      next: (v) => { if (v.data) received.set(v.data.alerts.id, Date.now()); },
      error: (e) => process.stderr.write(`\nbaseline subscription error: ${JSON.stringify(e, ['code', 'reason', 'message'])}\n`),
      complete: () => undefined,
    });

    // The console on a phone-sized page; a MutationObserver stamps when each alert's card appears.
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(madUrl.replace(/graphql$/, ''));
    await page.locator('input[name="username"]').fill('mad-operator');
    await page.locator('input[name="password"]').fill('demo');
    await page.locator('.sign-in button[type="submit"]').click();
    await page.waitForURL(/\/console$/);
    await page.locator('.live-dot.on').first().waitFor();
    // Functions run in the page (this program is compiled without the DOM library: minimal shapes).
    interface PageGlobals {
      __drawn: Record<string, number>;
      document: { body: unknown };
      MutationObserver: new (cb: (records: { addedNodes: Iterable<{ dataset?: Record<string, string | undefined> }> }[]) => void) => {
        observe(target: unknown, options: { childList: boolean; subtree: boolean }): void;
      };
    }
    await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      const drawn: Record<string, number> = {};
      g.__drawn = drawn;
      new g.MutationObserver((records) => {
        const t = Date.now();
        for (const r of records) {
          for (const n of r.addedNodes) {
            const id = n.dataset?.alertId;
            if (id && !(id in drawn)) drawn[id] = t;
          }
        }
      }).observe(g.document.body, { childList: true, subtree: true });
    });
    await new Promise((r) => setTimeout(r, 300));

    const drawnMs: number[] = [];
    const baseMs: number[] = [];
    const commitMs: number[] = [];
    for (let n = 0; n < count; n++) {
      const { id, bundle } = alertBundle(cluster.nodes.pn.agency.identityId, n);
      const t0 = Date.now();
      await post(pnUrl, 'mutation($b: JSON!) { publishBundle(bundle: $b) { status } }', { b: bundle }, pnToken);
      commitMs.push(Date.now() - t0);
      const h = await page.waitForFunction((alertId) => (globalThis as unknown as PageGlobals).__drawn[alertId], id, { timeout: 10_000, polling: 10 });
      const drawnAt = (await h.jsonValue()) as number;
      drawnMs.push(drawnAt - t0);
      const deadline = Date.now() + 5000;
      while (!received.has(id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      const got = received.get(id);
      if (got !== undefined) baseMs.push(got - t0);
      process.stderr.write(`\ralerts ${n + 1}/${count}`);
      if (gap > 0) await new Promise((r) => setTimeout(r, gap));
    }
    process.stderr.write('\n');
    stop();
    await ws.dispose();
    await context.close();

    const s = (a: number[]): number[] => [...a].sort((x, y) => x - y);
    const d = s(drawnMs);
    const b = s(baseMs);
    const c = s(commitMs);
    const p99 = quantile(d, 0.99);
    const lines = [
      `bench/portal: ${count} alerts published by pn-analyst (GraphQL), drawn in mad-operator's console (chromium, 360 px)`,
      `  publish → drawn in the console     p50 ${ms(quantile(d, 0.5))}  p99 ${ms(p99)}  max ${ms(d.at(-1) ?? NaN)}`,
      `  baseline: publish → graphql-ws     p50 ${ms(quantile(b, 0.5))}  p99 ${ms(quantile(b, 0.99))}  (${b.length} received, no browser)`,
      `  publish mutation answered (commit) p50 ${ms(quantile(c, 0.5))}  p99 ${ms(quantile(c, 0.99))}`,
      `  portal's own cost (drawn − baseline, p50) ${ms(quantile(d, 0.5) - quantile(b, 0.5))}`,
      `  ratio p99 / target (${TARGET_P99_MS} ms): ${(p99 / TARGET_P99_MS).toFixed(2)} ${p99 <= TARGET_P99_MS ? '(target met)' : '(target NOT met)'}`,
      `  built JS: initial ${kb(sizes.initialRaw)} raw, ${kb(sizes.initialGzip)} gzip; all ${kb(sizes.totalRaw)} raw, ${kb(sizes.totalGzip)} gzip; on demand: ${sizes.lazy.join(', ') || 'none'}`,
      `  ratio initial gzip / target (300 kB): ${(sizes.initialGzip / TARGET_INITIAL_GZIP).toFixed(2)} ${sizes.initialGzip <= TARGET_INITIAL_GZIP ? '(target met)' : '(target NOT met)'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await browser.close();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/portal: ${(err as Error).message}\n`);
  process.exit(1);
});
