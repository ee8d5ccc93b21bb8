/**
 * The demo on Fabric as a new user runs it (`npm start -- --ledger fabric`): on a real network (network-config's
 * up, its own ports and temporary state), the four agencies as four `popart-node run --config` processes, each
 * with its own data dir and port; the scenario is seeded over GraphQL; pn publishes and pj, mad and crm see what
 * the policies give them; Ctrl-C stops the demo and leaves no node process running.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SCENARIO_IDS } from '../src/demo/scenario.js';
import { testNetwork } from './fabric-network.js';
import { gql, login, tempDir } from './support.js';
import { alert, bundle, IDENTITIES } from './stix-fixtures.js';

const base = Number(process.env.POPART_FABRIC_TEST_PORT_BASE ?? 27000);
const network = testNetwork(base + 4000);
const demoPortBase = base + 4500;
const DEMO = fileURLToPath(new URL('../src/cli/demo.js', import.meta.url));
type Key = 'pn' | 'pj' | 'mad' | 'crm';
const KEYS: Key[] = ['pn', 'pj', 'mad', 'crm'];
const USERS: Record<Key, string> = { pn: 'pn-analyst', pj: 'pj-analyst', mad: 'mad-operator', crm: 'crm-analyst' };
const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status transactionId blockNumber } }';
const THREAT = 'query($id: ID!) { threat(id: $id, purpose: "fabric demo test") { id provenance { transactionId signatureVerified } } }';

/** Command lines of the running processes that mention `text`. */
function processesMentioning(text: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(text)) out.push(`${pid}: ${cmd}`);
    } catch { /* gone */ }
  }
  return out;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('npm start -- --ledger fabric: four agencies, four processes', { timeout: 600_000 }, () => {
  const data = tempDir('popart-fabric-demo-');
  let demo: ChildProcess;
  let stdout = '';
  let stderr = '';
  let exited: Promise<number | null>;
  const urls = {} as Record<Key, string>;
  const pids = {} as Record<Key, number>;
  const tokens = {} as Record<Key, string>;

  before(async () => {
    const connection = await network.start();
    demo = spawn(process.execPath, [DEMO, '--ledger', 'fabric', '--connection', connection, '--data-dir', data.path, '--port-base', String(demoPortBase)], {
      env: { ...process.env, POPART_KEYSTORE_PASSPHRASE: 'fabric-demo-test' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout!.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
    demo.stderr!.on('data', (c: Buffer) => { stderr += c.toString('utf8'); if (process.env.POPART_TEST_FABRIC_LOG) process.stderr.write(c); });
    exited = new Promise((resolve) => demo.on('exit', (code) => resolve(code)));
    await Promise.race([
      waitFor('the demo banner', async () => (stdout.includes('Ctrl-C stops the demo') ? true : undefined), 300_000),
      exited.then((code) => { throw new Error(`the demo exited (${code}) before it was running:\n${stderr.slice(-3000)}`); }),
    ]);
    for (const key of KEYS) {
      const m = new RegExp(`^  ${key}\\s+.+\\s(http://127\\.0\\.0\\.1:\\d+/graphql)$`, 'm').exec(stdout);
      assert.ok(m, `${key}'s GraphQL URL in the banner:\n${stdout}`);
      urls[key] = m[1] as string;
      const p = new RegExp(`\\b${key} (\\d+)\\b`).exec(/Node processes.*$/m.exec(stdout)?.[0] ?? '');
      assert.ok(p, `${key}'s pid in the banner`);
      pids[key] = Number(p[1]);
    }
    for (const key of KEYS) tokens[key] = await login(urls[key], USERS[key]);
  }, { timeout: 540_000 });

  after(async () => {
    if (demo.exitCode === null && demo.signalCode === null) {
      demo.kill('SIGTERM');
      await exited;
    }
    await network.stop();
    data.remove();
  }, { timeout: 120_000 });

  it('runs each agency as its own popart-node process, on its own port and data dir, and prints the URLs and users', () => {
    assert.deepEqual(KEYS.map((k) => urls[k]), KEYS.map((_, i) => `http://127.0.0.1:${demoPortBase + i + 1}/graphql`));
    assert.equal(new Set(Object.values(pids)).size, 4);
    for (const key of KEYS) {
      const cmd = readFileSync(`/proc/${pids[key]}/cmdline`, 'utf8').split('\0').filter(Boolean);
      assert.deepEqual(cmd.slice(-3), ['run', '--config', join(data.path, 'config', `${key}.json`)]);
      const config = JSON.parse(readFileSync(join(data.path, 'config', `${key}.json`), 'utf8')) as { ledger: { kind: string }; dataDir: string };
      assert.equal(config.ledger.kind, 'fabric');
      assert.equal(config.dataDir, join(data.path, key));
      assert.ok(existsSync(join(data.path, key, 'keys')), `${key} has its own data dir`);
    }
    for (const u of ['pn-analyst', 'pn-operator', 'pn-auditor', 'pj-analyst', 'mad-operator', 'crm-analyst']) assert.match(stdout, new RegExp(`^  ${u}\\s`, 'm'));
    assert.match(stderr, /^pn {2}\| .*node ready at/m, 'child output is prefixed with the agency key');
    assert.match(stderr, /scenario: drone alert by pn/);
  });

  it('seeded the scenario over GraphQL: pj reads pn\'s alert and mad\'s sighting, with verified signatures', async () => {
    for (const id of [SCENARIO_IDS.alert, SCENARIO_IDS.sighting]) {
      const r = await gql<{ threat: { id: string; provenance: { signatureVerified: boolean } } | null }>(urls.pj, THREAT, { id }, tokens.pj);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      assert.equal(r.data?.threat?.id, id);
      assert.equal(r.data?.threat?.provenance.signatureVerified, true);
    }
  });

  it('pn publishes; pj, mad and crm see what the policies give them', async () => {
    const green = alert({ by: IDENTITIES.pn, tlp: 'green', name: 'GREEN drone over the fan zone' });
    const amberPj = alert({ by: IDENTITIES.pn, tlp: 'amber', audience: [IDENTITIES.pj], name: 'AMBER for pj' });
    const red = alert({ by: IDENTITIES.pn, tlp: 'red', name: 'RED informant report' });
    for (const o of [red, amberPj, green]) {
      const r = await gql<{ publishBundle: { status: string } }>(urls.pn, PUBLISH, { b: bundle(o) }, tokens.pn);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      // COMMITTED, or QUEUED in pn's outbox when the ledger asks to try again (then it goes out shortly)
      assert.match(r.data?.publishBundle.status ?? '', /^(COMMITTED|QUEUED)$/);
    }
    const visible = async (key: Key, id: unknown): Promise<boolean> => {
      const r = await gql<{ threat: { id: string } | null }>(urls[key], THREAT, { id }, tokens[key]);
      assert.equal(r.errors, undefined, `${key}: ${JSON.stringify(r.errors)}`);
      return r.data?.threat !== null && r.data?.threat !== undefined;
    };
    const outboxLines = (): string => stderr.split('\n').filter((l) => /outbox|queued|WARN|ERROR/i.test(l)).slice(-8).join('\n');
    const reaches = async (key: Key, o: Record<string, unknown>): Promise<void> => {
      await waitFor(`${String(o.name)} at ${key}\n${outboxLines()}`, async () => ((await visible(key, o.id)) ? true : undefined), 60_000);
    };
    for (const key of KEYS) await reaches(key, green);
    await reaches('pn', red);
    await reaches('pn', amberPj);
    await reaches('pj', amberPj);
    // a last GREEN object, published once the others are committed: when mad and crm show it, they have processed every block before it
    const sentinel = alert({ by: IDENTITIES.pn, tlp: 'green', name: 'GREEN sentinel' });
    assert.equal((await gql(urls.pn, PUBLISH, { b: bundle(sentinel) }, tokens.pn)).errors, undefined);
    for (const key of KEYS) await reaches(key, sentinel);
    const seen = Object.fromEntries(await Promise.all(KEYS.map(async (k) => [k, [await visible(k, amberPj.id), await visible(k, red.id)]] as const)));
    assert.deepEqual(seen, { pn: [true, true], pj: [true, false], mad: [false, false], crm: [false, false] });
  });

  it('Ctrl-C stops the four nodes, waits for them and exits; no node process is left', async () => {
    demo.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000))]);
    assert.equal(code, 0, stderr.slice(-2000));
    for (const key of KEYS) assert.match(stderr, new RegExp(`^${key.padEnd(3)} \\| stopped \\(pid ${pids[key]}, (exit code 0|signal SIGINT)\\)`, 'm'));
    assert.deepEqual(processesMentioning(join(data.path, 'config')), []);
  });
});
