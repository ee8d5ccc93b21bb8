/**
 * bench/ledger-scale — the embedded ledger as history grows: loads N objects through the real contract
 * (PublishBundle, bundles of 40: incidents with the alert extension, indicators, locations and sightings over
 * 22 sites in Spain and Portugal, signed by the four demo agencies), reports the load rate in each tenth of the
 * load and the process's RSS, then closes and reopens the ledger (snapshot + chain check) and times it.
 * Baseline, in the same run: the load rate of the first tenth; the ratio last tenth / first tenth shows whether
 * loading slows down as the state grows (1.0 = no decay). A second baseline: reopening with the snapshot
 * removed, which verifies and replays every block (what every reopen did before the snapshot), at `--full-replay`.
 *
 * Targets (2 cores): ≥ 1,000 objects/s in every tenth; reopen ≤ 30 s and RSS ≤ 2 GiB at 1M objects.
 *   node bench/dist/ledger-scale.js [--objects 100000] [--concurrency 16] [--no-fsync] [--full-replay] [--keep DIR]
 */
import '@popart/node/quiet-contract-logs';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ThreatExchangeContract } from '@popart/chaincode';
import { AGENCIES, alertFixture, indicatorFixture, sightingFixture } from '@popart/chaincode/testing';
import { EmbeddedLedger, signProposal, type OrgMembership } from '@popart/node/ledger';
import { TLP, type StixObject } from '@popart/schemas';
import { benchArgs, pool, progress, reportHeader } from './bench-kit.js';

const { values, number } = benchArgs('Usage: npm run bench:ledger-scale -- [--objects N] [--concurrency C] [--no-fsync] [--full-replay] [--keep DIR]\n' +
    '  --objects N      objects to load, in bundles of 40 (default 100000)\n' +
    '  --concurrency C  submits in flight (default 16)\n' +
    '  --no-fsync       let the OS flush the block log (default: fdatasync every block)\n' +
    '  --full-replay    also reopen without the snapshot (verifies and replays every block: slow at large N)\n' +
    '  --keep DIR       load into DIR and keep it (default: a temporary directory, removed at the end)\n' +
    '  --reopen DIR     load nothing: reopen the ledger kept in DIR, sealed (after a close) and unsealed (as after a crash)\n', {
  objects: { type: 'string', default: '100000' },
  concurrency: { type: 'string', default: '16' },
  'no-fsync': { type: 'boolean', default: false },
  'full-replay': { type: 'boolean', default: false },
  keep: { type: 'string' },
  reopen: { type: 'string' },
});
const BUNDLE = 40;
const objects = Math.max(BUNDLE, number('objects'));
const bundles = Math.ceil(objects / BUNDLE);
const concurrency = number('concurrency');

/** 22 sites (stadiums, squares) in Spain and Portugal. */
const SITES: [string, number, number][] = [
  ['Santiago Bernabéu', 40.4531, -3.6883], ['Metropolitano', 40.4362, -3.5995], ['Camp Nou', 41.3809, 2.1228],
  ['Mestalla', 39.4746, -0.3583], ['Sánchez-Pizjuán', 37.3840, -5.9705], ['San Mamés', 43.2642, -2.9494],
  ['Anoeta', 43.3015, -1.9737], ['La Cartuja', 37.4167, -6.0069], ['Balaídos', 42.2118, -8.7397],
  ['La Rosaleda', 36.7340, -4.4268], ['Puerta del Sol', 40.4169, -3.7035], ['Plaza de Cibeles', 40.4193, -3.6931],
  ['Plaça de Catalunya', 41.3870, 2.1700], ['Estádio da Luz', 38.7527, -9.1847], ['Estádio José Alvalade', 38.7612, -9.1608],
  ['Estádio do Dragão', 41.1618, -8.5839], ['Estádio Municipal de Braga', 41.5625, -8.4298], ['Praça do Comércio', 38.7078, -9.1366],
  ['Avenida dos Aliados', 41.1485, -8.6110], ['Estádio Cidade de Coimbra', 40.2027, -8.4070], ['Estádio Algarve', 37.0714, -7.9981],
  ['Rossio', 38.7139, -9.1394],
];

interface Org extends OrgMembership { privateKey: KeyObject; identity: string }
const orgs: Org[] = Object.values(AGENCIES).map((a) => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { mspId: a.mspId, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey, identity: a.identity.id as string };
});

function proposal(org: Org, fn: string, args: string[], timestamp: string): ReturnType<typeof signProposal> {
  return signProposal({ txId: randomUUID(), mspId: org.mspId, clientId: `x509::CN=${org.mspId}-node`, timestamp, fn, args }, org.privateKey);
}

/** Bundle `n`: 10 alerts, 10 indicators, 10 locations, 10 sightings of the indicators, by one agency. */
function bundleOf(n: number, org: Org): string {
  const at = new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
  const green = [TLP.green.id];
  const out: StixObject[] = [];
  for (let i = 0; i < BUNDLE / 4; i++) {
    const [name, lat, lon] = SITES[(n * 7 + i) % SITES.length] as [string, number, number];
    const jitter = ((n * 31 + i * 17) % 100) / 10_000;
    out.push(alertFixture({ uuid: randomUUID(), createdBy: org.identity, latitude: lat + jitter, longitude: lon - jitter, modified: at, severity: 'high' }));
    const indicator = { ...indicatorFixture({ uuid: randomUUID(), createdBy: org.identity, created: at, name: `Drone controller near ${name}`,
      mac: `02:${[n >> 16, n >> 8, n, i].map((b) => (b & 255).toString(16).padStart(2, '0')).join(':')}:01` }), object_marking_refs: green };
    out.push(indicator);
    out.push({ type: 'location', spec_version: '2.1', id: `location--${randomUUID()}`, created: at, modified: at, created_by_ref: org.identity,
      name, latitude: lat + jitter, longitude: lon - jitter, object_marking_refs: green });
    out.push({ ...sightingFixture({ uuid: randomUUID(), sightedId: indicator.id as string, createdBy: org.identity, modified: at, count: 1 + (i % 3) }), object_marking_refs: green });
  }
  return JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, objects: out });
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** RSS, and its part in pages of mapped files (LMDB's data file: page cache the kernel reclaims under pressure). */
function rss(): { total: number; file: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  const total = process.memoryUsage().rss;
  return { total, file: kib('RssFile') };
}
const showRss = (r: { total: number; file: number }): string => `${mib(r.total)} (${Number.isNaN(r.file) ? '?' : mib(r.file)} mapped file)`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Bytes of the files under `dir`. */
function du(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath ?? dir, entry.name)).size;
  }
  return total;
}

async function main(): Promise<void> {
  const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'popart-ledger-scale-'));
  const fsync = !values['no-fsync'];
  const open = (): Promise<EmbeddedLedger> => EmbeddedLedger.open({ dir, orgs: orgs.map(({ mspId, publicKeyPem }) => ({ mspId, publicKeyPem })), contract: new ThreatExchangeContract(), fsync });
  try {
    let ledger = await open();
    for (const [i, org] of orgs.entries()) {
      const agency = Object.values(AGENCIES)[i];
      await ledger.submit(proposal(org, 'RegisterAgency', [JSON.stringify(agency?.identity)], '2026-01-01T00:00:00.000Z'));
    }
    const tenth = Math.max(1, Math.floor(bundles / 10));
    const slices: { objects: number; rate: number; rss: { total: number; file: number } }[] = [];
    let sliceStart = performance.now();
    let done = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const r = await pool(bundles, concurrency, async (n) => {
      const org = orgs[n % orgs.length] as Org;
      await ledger.submit(proposal(org, 'PublishBundle', [bundleOf(n, org)], new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString()));
      done++;
      if (done % tenth === 0 || done === bundles) {
        const now = performance.now();
        const sliceBundles = done % tenth === 0 ? tenth : done % tenth;
        slices.push({ objects: done * BUNDLE, rate: (sliceBundles * BUNDLE) / ((now - sliceStart) / 1000), rss: rss() });
        sliceStart = now;
        progress('loading', done, bundles);
      }
    });
    if (r.failures.length) throw new Error(`${r.failures.length} submits failed, first: ${r.failures[0]}`);
    const loadSeconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const height = ledger.height();
    await ledger.close();

    const reopenStart = performance.now();
    ledger = await open();
    const reopenMs = performance.now() - reopenStart;
    const rssAfterReopen = rss();
    const agencies = JSON.parse(await ledger.evaluate('PjMSP', 'ListAgencies', [])) as unknown[];
    if (ledger.height() !== height || agencies.length !== 4) throw new Error('the reopened ledger does not hold what was loaded');
    await ledger.close();

    let fullMs: number | null = null;
    if (values['full-replay']) {
      await rm(join(dir, 'state'), { recursive: true, force: true });
      const fullStart = performance.now();
      ledger = await open();
      fullMs = performance.now() - fullStart;
      await ledger.close();
    }

    const first = slices[0] as { rate: number };
    const last = slices[slices.length - 1] as { rate: number };
    const lines = [
      reportHeader('ledger-scale', `${bundles * BUNDLE} objects in ${bundles} bundles of ${BUNDLE}, ${concurrency} in flight, fsync ${fsync ? 'on' : 'off'}`),
      '  objects loaded | objects/s in this tenth | RSS',
      ...slices.map((s) => `  ${String(s.objects).padStart(14)} | ${s.rate.toFixed(0).padStart(23)} | ${showRss(s.rss)}`),
      `  load: ${(bundles * BUNDLE / loadSeconds).toFixed(0)} objects/s overall (${loadSeconds.toFixed(1)} s, ${height} blocks); slowest tenth ${Math.min(...slices.map((s) => s.rate)).toFixed(0)} objects/s`,
      `  CPU: ${cpuSeconds.toFixed(1)} s for the load, ${(bundles * BUNDLE / cpuSeconds).toFixed(0)} objects per CPU-second (load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores at the end)`,
      `  ratio last tenth / first tenth (baseline): ${(last.rate / first.rate).toFixed(2)} (1.00 = no slow-down as the state grows)`,
      `  reopen (snapshot + chain check): ${seconds(reopenMs)}; RSS after reopen ${showRss(rssAfterReopen)}; ` +
        `largest RSS seen ${mib(Math.max(...slices.map((s) => s.rss.total), rssAfterReopen.total))}; on disk ${mib(du(dir))}`,
      fullMs === null ? '  reopen without the snapshot: not run (--full-replay)' : `  reopen without the snapshot (every block verified and replayed): ${seconds(fullMs)}; ratio ${(fullMs / reopenMs).toFixed(1)}×`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** Opens the ledger in `dir`; wall and CPU seconds, and the RSS after. */
async function timedOpen(dir: string, opts: { removeSeal: boolean }): Promise<string> {
  if (opts.removeSeal) await rm(join(dir, 'state', 'snapshot.json'), { force: true });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const ledger = await EmbeddedLedger.open({ dir, contract: new ThreatExchangeContract() });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const after = rss();
  const height = ledger.height();
  const closeStart = performance.now();
  await ledger.close();
  return `${seconds(wall)} (CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s), ${height} blocks, RSS after ${showRss(after)}; close + seal ${seconds(performance.now() - closeStart)}`;
}

async function reopenOnly(dir: string): Promise<void> {
  const sealed = await timedOpen(dir, { removeSeal: false });
  const unsealed = await timedOpen(dir, { removeSeal: true });
  process.stdout.write([
    reportHeader('ledger-scale', `reopening the ledger in ${dir} (${mib(du(dir))} on disk)`),
    `  sealed snapshot (after a close): ${sealed}`,
    `  unsealed snapshot (as after a crash: every entry hashed): ${unsealed}`,
    `  load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores`,
  ].join('\n') + '\n');
}

if (values.reopen) await reopenOnly(values.reopen);
else await main();
