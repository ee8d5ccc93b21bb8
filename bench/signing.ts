/**
 * bench/signing — what keeping the agency key in the vault costs.
 *  1. Signatures/s and latency p50/p99 through OpenBao transit (prehashed ECDSA P-256, low-S normalised, the
 *     node's VaultKeyService) against the in-process key of the encrypted file keystore, same data, same run,
 *     sequential and with concurrent callers.
 *  2. The publish path: bundles published through pn's GraphQL API on the four-agency demo with file keys and
 *     with every key in OpenBao (same bundles, same concurrency), objects/s and publish latency p50/p99.
 * Starts its own OpenBao (POPART_BAO, set by scripts/tools.sh; `npm run bench:signing` does it).
 *   node bench/dist/signing.js [--signatures 2000] [--publishes 400] [--concurrency 8]
 */
import '@popart/node/quiet-contract-logs';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKeystore, provisionVault, VaultKeyService, type KeyService } from '@popart/node';
import { OpenBaoServer } from '@popart/node/dev';
import { startDemo, type DemoOptions } from '@popart/node/demo';
import { benchArgs, percentile, pool } from './bench-kit.js';

const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const PN_IDENTITY = 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01';

const { number } = benchArgs('Usage: npm run bench:signing -- [--signatures N] [--publishes N] [--concurrency C]\n', {
  signatures: { type: 'string', default: '2000' },
  publishes: { type: 'string', default: '400' },
  concurrency: { type: 'string', default: '8' },
});
const signatures = number('signatures');
const publishes = number('publishes');
const concurrency = number('concurrency');
const bin = process.env.POPART_BAO;
if (!bin) throw new Error('POPART_BAO is not set: run `npm run bench:signing` (it installs OpenBao through scripts/tools.sh)');

const ms = (n: number): string => n.toFixed(2).padStart(8);

async function run(count: number, parallel: number, one: (i: number) => Promise<void>): Promise<{ perSecond: number; p50: number; p99: number }> {
  const r = await pool(count, parallel, one);
  if (r.failures.length) throw new Error(r.failures[0]);
  return { perSecond: count / r.seconds, p50: percentile(r.latencies, 50), p99: percentile(r.latencies, 99) };
}

function progress(label: string): void {
  process.stderr.write(`[bench] ${label}\n`);
}

async function signingRound(keys: KeyService, parallel: number): Promise<{ perSecond: number; p50: number; p99: number }> {
  const data = Buffer.from(JSON.stringify({ txId: randomUUID(), fn: 'PublishBundle', args: ['x'.repeat(2000)] }));
  for (let i = 0; i < 20; i++) await keys.sign(data); // warm-up
  return run(signatures, parallel, async () => { await keys.sign(data); });
}

async function publishRound(keys: DemoOptions['keys'], dir: string): Promise<{ perSecond: number; p50: number; p99: number }> {
  const demo = await startDemo({ dataDir: dir, passphrase: 'bench-passphrase', randomPorts: true, logLevel: 'error', fsync: false, ...(keys ? { keys } : {}) });
  try {
    const url = demo.nodes.pn.url;
    const loginRes = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'mutation { login(username: "pn-analyst", password: "demo") { token } }' }) });
    const token = ((await loginRes.json()) as { data: { login: { token: string } } }).data.login.token;
    const publishOne = async (n: number): Promise<void> => {
      const now = new Date().toISOString();
      const id = `indicator--${randomUUID()}`;
      const bundle = { type: 'bundle', id: `bundle--${randomUUID()}`, objects: [{
        type: 'indicator', spec_version: '2.1', id, created: now, modified: now, created_by_ref: PN_IDENTITY, name: `signing bench ${n}`,
        indicator_types: ['malicious-activity'], pattern: `[ipv4-addr:value = '10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}']`,
        pattern_type: 'stix', valid_from: now, object_marking_refs: [GREEN],
      }] };
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'mutation($b: JSON!) { publishBundle(bundle: $b) { status } }', variables: { b: bundle } }) });
      const body = (await res.json()) as { data?: { publishBundle: { status: string } }; errors?: unknown };
      if (body.data?.publishBundle.status !== 'COMMITTED') throw new Error(`publish ${n} failed: ${JSON.stringify(body.errors)}`);
    };
    for (let i = 0; i < 20; i++) await publishOne(1_000_000 + i);
    return await run(publishes, concurrency, publishOne);
  } finally {
    await demo.stop();
  }
}

const root = mkdtempSync(join(tmpdir(), 'popart-bench-signing-'));
const bao = await OpenBaoServer.start({ binary: bin, dir: join(root, 'openbao') });
try {
  const [cred] = await provisionVault(bao.url, bao.rootToken, ['bench']);
  const vault = await VaultKeyService.open({ address: bao.url, appRole: { roleId: cred!.roleId, secretId: cred!.secretId }, signingKey: cred!.signingKey, secretsPath: cred!.secretsPath });
  const file = await FileKeystore.open(join(root, 'file-keys'), 'bench-passphrase');
  const rows: [string, { perSecond: number; p50: number; p99: number }][] = [];
  for (const parallel of [1, concurrency]) {
    progress(`${signatures} signatures, ${parallel} caller(s): in-process key`);
    rows.push([`in-process key, ${parallel} caller(s)`, await signingRound(file, parallel)]);
    progress(`${signatures} signatures, ${parallel} caller(s): OpenBao transit`);
    rows.push([`OpenBao transit, ${parallel} caller(s)`, await signingRound(vault, parallel)]);
  }
  await vault.close();
  progress(`${publishes} publishes through GraphQL, file keys`);
  const pubFile = await publishRound(undefined, join(root, 'demo-file'));
  progress(`${publishes} publishes through GraphQL, every key in OpenBao`);
  const pubVault = await publishRound({ kind: 'vault', address: bao.url, adminToken: bao.rootToken }, join(root, 'demo-vault'));

  const lines = [
    '',
    `bench/signing (OpenBao 2.7.2 on 127.0.0.1, ECDSA P-256, ${signatures} signatures per row; ${publishes} publishes at concurrency ${concurrency})`,
    '',
    'signatures                              sig/s    p50 ms    p99 ms',
    ...rows.map(([name, r]) => `  ${name.padEnd(34)} ${r.perSecond.toFixed(0).padStart(7)} ${ms(r.p50)}  ${ms(r.p99)}`),
  ];
  for (let i = 0; i < rows.length; i += 2) {
    const base = rows[i]![1];
    const v = rows[i + 1]![1];
    lines.push(`  ratio transit / in-process (${rows[i]![0].split(', ')[1]}): throughput ${(v.perSecond / base.perSecond).toFixed(3)}, +${(v.p50 - base.p50).toFixed(2)} ms per signature at p50`);
  }
  lines.push(
    '',
    'publish path (pn GraphQL → embedded ledger → visible at pn)   obj/s    p50 ms    p99 ms',
    `  file keystore                                           ${pubFile.perSecond.toFixed(0).padStart(7)} ${ms(pubFile.p50)}  ${ms(pubFile.p99)}`,
    `  OpenBao transit                                         ${pubVault.perSecond.toFixed(0).padStart(7)} ${ms(pubVault.p50)}  ${ms(pubVault.p99)}`,
    `  ratio vault / file: throughput ${(pubVault.perSecond / pubFile.perSecond).toFixed(3)}, publish p50 +${(pubVault.p50 - pubFile.p50).toFixed(2)} ms, p99 +${(pubVault.p99 - pubFile.p99).toFixed(2)} ms`,
    '',
  );
  process.stdout.write(lines.join('\n'));
} finally {
  await bao.stop();
  rmSync(root, { recursive: true, force: true });
}
