/**
 * The two policy runtimes give the same decisions: every cross-runtime case of policies/test/cases.json
 * through the wasm build (in process) and through an OPA server serving the bundle of the sources,
 * each compared with the recorded expectation; and the batch gate (`decide`) through both runtimes
 * over a generated grid of object facts, for several viewers.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createLogger } from '../src/log.js';
import {
  OpaServerPolicy, OpaServerProcess, WASM_BATCH, WasmPolicy, opaBinary, policiesBuildDir, policiesBundleDir, policyRevision,
  type Decision, type ObjectFacts,
} from '../src/policy/index.js';
import type { AgencySubject, Viewer } from '../src/identity.js';
import { IDENTITIES } from './stix-fixtures.js';

interface PolicyCase { name: string; entrypoint: string; input: unknown; expected: unknown }

const ALERT_EXT = 'extension-definition--eede3623-5bda-4618-a696-fd5bf0b5744f';

const execFileAsync = promisify(execFile);

function loadCases(): PolicyCase[] {
  const path = join(policiesBuildDir(), '..', 'test', 'cases.json');
  const cases = JSON.parse(readFileSync(path, 'utf8')) as PolicyCase[];
  assert.ok(Array.isArray(cases), `${path} holds a JSON array`);
  return cases;
}

const AGENCIES: Record<'pn' | 'pj' | 'mad' | 'crm', AgencySubject> = {
  pn: { key: 'pn', mspId: 'PnMSP', identityId: IDENTITIES.pn, level: 'national' },
  pj: { key: 'pj', mspId: 'PjMSP', identityId: IDENTITIES.pj, level: 'partner' },
  mad: { key: 'mad', mspId: 'MadMSP', identityId: IDENTITIES.mad, level: 'local' },
  crm: { key: 'crm', mspId: 'CrmMSP', identityId: IDENTITIES.crm, level: 'regional' },
};

const VIEWERS: Viewer[] = [
  { username: 'pn-analyst', displayName: 'pn analyst', role: 'analyst', agency: AGENCIES.pn },
  { username: 'pj-analyst', displayName: 'pj analyst', role: 'analyst', agency: AGENCIES.pj },
  { username: 'mad-operator', displayName: 'mad operator', role: 'operator', agency: AGENCIES.mad },
  { username: 'crm-analyst', displayName: 'crm analyst', role: 'analyst', agency: AGENCIES.crm },
  { username: 'pn-auditor', displayName: 'pn auditor', role: 'auditor', agency: AGENCIES.pn },
];

type Area = ObjectFacts['area'];
const circleBox = (lon: number, lat: number, dLon: number, dLat: number): Area => ({ bbox: [lon - dLon, lat - dLat, lon + dLon, lat + dLat], center: [lon, lat] });
/** Areas: inside Madrid city (Puerta del Sol), outside the city but in the Comunidad (Alcalá de Henares), straddling the city's east edge, none. */
const AREAS: Record<string, Area> = {
  sol: circleBox(-3.7038, 40.4168, 0.0035, 0.0027),
  alcala: circleBox(-3.364, 40.482, 0.0035, 0.0027),
  edge: circleBox(-3.364, 40.482, 0.2956, 0.2248),
  none: null,
};
const TLPS: ObjectFacts['tlp'][] = ['clear', 'green', 'amber', 'amber+strict', 'red', null];
const AUDIENCES: string[][] = [[], [IDENTITIES.pj], [IDENTITIES.mad]];

/** 6 TLP × 3 audiences × 4 areas × 2 kinds × 2 publishers = 288 objects. */
function generatedFacts(): ObjectFacts[] {
  const out: ObjectFacts[] = [];
  let n = 0;
  for (const publisher of ['pn', 'crm']) {
    for (const tlp of TLPS) {
      for (const audience of AUDIENCES) {
        for (const area of Object.values(AREAS)) {
          for (const kind of ['alert', 'indicator'] as const) {
            n += 1;
            const id = `${kind === 'alert' ? 'incident' : 'indicator'}--00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
            const alertProps = ['name', 'x_popart_operator_position', 'x_popart_operator_description', 'extensions', `extensions.${ALERT_EXT}`,
              `extensions.${ALERT_EXT}.area`, `extensions.${ALERT_EXT}.area.latitude`, `extensions.${ALERT_EXT}.area.longitude`,
              `extensions.${ALERT_EXT}.area.radius_m`, `extensions.${ALERT_EXT}.severity`];
            out.push({
              id, type: kind === 'alert' ? 'incident' : 'indicator', publisher, tlp, audience,
              category: kind === 'alert' ? 'drone' : null, severity: kind === 'alert' ? 'high' : null,
              // Indicators get areas too: the operator-territory rule judges them by it.
              area,
              properties: kind === 'alert' ? alertProps : ['name', 'pattern', 'valid_from'],
            });
          }
        }
      }
    }
  }
  return out;
}

describe('policy runtimes: wasm and OPA server decide alike', () => {
  const cases = loadCases();
  let wasm: WasmPolicy;
  let server: OpaServerPolicy;

  before(async () => {
    wasm = await WasmPolicy.load();
    const opa = await OpaServerProcess.start({ opaBinary: opaBinary(), bundle: policiesBundleDir(), log: createLogger('opa', 'silent') });
    server = new OpaServerPolicy(opa.url, await policyRevision(), opa);
  });

  after(async () => {
    await server?.close();
    await wasm?.close();
  });

  test('cases.json is non-trivial: at least 50 uniquely named cases over the eight entrypoints', () => {
    assert.ok(cases.length >= 50, `found ${cases.length} cases`);
    assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names are unique');
    assert.deepEqual([...new Set(cases.map((c) => c.entrypoint))].sort(), [
      'popart/gate/decisions', 'popart/gate/subject_fields', 'popart/gate/verdicts', 'popart/redaction/decision', 'popart/redaction/paths',
      'popart/release/decision', 'popart/routing/decision', 'popart/visibility/decision',
    ]);
    for (const c of cases) assert.notEqual(c.expected, undefined, `${c.name}: has an expected result`);
  });

  test('every case on the wasm runtime gives its expected result', async () => {
    assert.equal(wasm.runtime, 'wasm');
    for (const c of cases) {
      const got = await wasm.raw(c.entrypoint, c.input);
      assert.deepEqual(got, c.expected, `wasm, case "${c.name}" (${c.entrypoint})`);
    }
  });

  test('every case on the OPA server gives its expected result', async () => {
    assert.equal(server.runtime, 'opa-server');
    for (const c of cases) {
      const got = await server.raw(c.entrypoint, c.input);
      assert.deepEqual(got, c.expected, `OPA server, case "${c.name}" (${c.entrypoint})`);
    }
  });

  test('both runtimes report the revision of the committed build', async () => {
    const revision = await policyRevision();
    assert.match(revision, /^sha256:[0-9a-f]{16}$/);
    assert.equal(wasm.revision, revision);
    assert.equal(server.revision, revision);
  });

  test('decide() gives identical decisions on both runtimes for a generated batch, for every viewer', async () => {
    const facts = generatedFacts();
    assert.ok(facts.length >= 200, `${facts.length} objects`);
    const now = new Date('2025-06-01T20:00:00Z');
    const seen = { allowed: 0, denied: 0, removed: 0, coarsened: 0 };
    for (const viewer of VIEWERS) {
      const fromWasm: Decision[] = await wasm.decide(viewer, facts, now);
      const fromServer: Decision[] = await server.decide(viewer, facts, now);
      assert.equal(fromWasm.length, facts.length, `${viewer.username}: one wasm decision per object`);
      assert.equal(fromServer.length, facts.length, `${viewer.username}: one server decision per object`);
      for (const [i, f] of facts.entries()) {
        assert.deepEqual(fromServer[i], fromWasm[i], `${viewer.username}, object ${i} (${f.publisher} ${f.type} tlp=${f.tlp} audience=${f.audience.join(',') || '-'} area=${JSON.stringify(f.area?.center ?? null)})`);
        const d = fromWasm[i] as Decision;
        assert.notEqual(d.rule, 'undefined', `${viewer.username}, object ${i}: the policy returned a decision`);
        if (d.allow) seen.allowed += 1;
        else seen.denied += 1;
        if (d.remove.length) seen.removed += 1;
        if (d.coarsen.length) seen.coarsened += 1;
      }
      // Whole arrays too (same order, nothing extra).
      assert.deepEqual(fromServer, fromWasm, `${viewer.username}: identical Decision arrays`);
    }
    // The comparison is not vacuous: the grid exercises allow, deny, removal and coarsening.
    assert.ok(seen.allowed > 0 && seen.denied > 0 && seen.removed > 0 && seen.coarsened > 0, JSON.stringify(seen));
  });

  test('releaseMany() gives, on both runtimes, the decisions release() gives one object at a time, in order', async () => {
    const facts = generatedFacts();
    const now = new Date('2025-06-01T20:00:00Z');
    let allowed = 0;
    let withheld = 0;
    for (const agency of Object.values(AGENCIES)) {
      const one: Decision[] = [];
      for (const f of facts) one.push(await wasm.release(agency, f, now));
      const fromWasm = await wasm.releaseMany(agency, facts, now);
      const fromServer = await server.releaseMany(agency, facts, now);
      assert.deepEqual(fromWasm, one, `${agency.key}: wasm, many at once = one by one`);
      assert.deepEqual(fromServer, one, `${agency.key}: OPA server, many at once = one by one`);
      for (const d of one) {
        assert.notEqual(d.rule, 'undefined', `${agency.key}: the policy returned a decision`);
        if (d.allow) allowed += 1;
        else withheld += 1;
      }
    }
    // Not vacuous: some objects are held and some withheld; an empty batch is no evaluation at all.
    assert.ok(allowed > 0 && withheld > 0, `allowed ${allowed}, withheld ${withheld}`);
    assert.deepEqual(await wasm.releaseMany(AGENCIES.pn, [], now), []);
    assert.deepEqual(await server.releaseMany(AGENCIES.pn, [], now), []);
  });

  test('decide() without reasons gives the same allow, rule and redactions, with no reasons, on both runtimes', async () => {
    const facts = generatedFacts();
    const now = new Date('2025-06-01T20:00:00Z');
    for (const viewer of VIEWERS) {
      const full = await wasm.decide(viewer, facts, now);
      const strip = (ds: Decision[]): Decision[] => ds.map((d) => ({ ...d, reasons: [] }));
      const lean = await wasm.decide(viewer, facts, now, { reasons: false });
      assert.deepEqual(lean, strip(full), `${viewer.username}: wasm verdicts are the decisions without reasons`);
      assert.deepEqual(await server.decide(viewer, facts, now, { reasons: false }), lean, `${viewer.username}: the server's verdicts match`);
      assert.ok(full.every((d) => d.reasons.length > 0), 'the full decisions do carry reasons');
    }
  });

  test('only the paths redaction rules name are passed, and decisions do not change for it', async () => {
    const facts = generatedFacts().slice(0, 60);
    const now = new Date('2025-06-01T20:00:00Z');
    const named = (await wasm.raw('popart/gate/decisions', { now: now.toISOString(), subject: { agency: 'pj', role: 'analyst', username: 'pj-analyst' }, objects: facts })) as { remove: string[] }[];
    const viewer = VIEWERS.find((v) => v.agency.key === 'pj' && v.role === 'analyst') as Viewer;
    const decided = await wasm.decide(viewer, facts, now);
    assert.deepEqual(decided.map((d) => d.remove), named.map((d) => d.remove), 'full property lists and filtered ones give the same removals');
    assert.ok(decided.some((d) => d.remove.length > 0), 'some objects lose properties');
    const paths = (await wasm.raw('popart/redaction/paths', {})) as string[];
    assert.ok(paths.includes('x_popart_operator_position') && !paths.includes('name'), JSON.stringify(paths));
  });

  test('a batch larger than one wasm evaluation gives the same decisions on the worker threads as in process, in order', async () => {
    const grid = generatedFacts();
    // Three times the grid, with distinct ids: more than two chunks of WASM_BATCH, the last one partial.
    const facts = [0, 1, 2].flatMap((k) => grid.map((f) => ({ ...f, id: `${f.id}-${k}` })));
    assert.ok(facts.length > 2 * WASM_BATCH && facts.length % WASM_BATCH !== 0, `${facts.length} objects`);
    const pooled = await WasmPolicy.load(undefined, { workers: 2 });
    try {
      assert.equal(pooled.workerCount, 2);
      const now = new Date('2025-06-01T20:00:00Z');
      for (const viewer of VIEWERS) {
        for (const options of [undefined, { reasons: false }]) {
          const inProcess = await wasm.decide(viewer, facts, now, options);
          const onWorkers = await pooled.decide(viewer, facts, now, options);
          assert.equal(onWorkers.length, facts.length);
          assert.deepEqual(onWorkers, inProcess, `${viewer.username}, reasons ${options?.reasons ?? true}`);
        }
      }
    } finally {
      await pooled.close();
    }
  });

  test('idle policy workers do not keep the process alive, busy ones do: a script that never closes its pool still gets its answer and exits', async () => {
    // The pool is started, asked one question and never closed; the answer is awaited with nothing else alive.
    const script = [
      `import { PolicyWorkers } from ${JSON.stringify(new URL('../src/policy/wasm-pool.js', import.meta.url).href)};`,
      `import { policiesBuildDir } from ${JSON.stringify(new URL('../src/policy/wasm-policy.js', import.meta.url).href)};`,
      'const pool = await PolicyWorkers.start(policiesBuildDir(), 2);',
      `const paths = await pool.evaluate('popart/redaction/paths', new TextEncoder().encode('{}'));`,
      'console.log(JSON.stringify(paths));',
    ].join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'popart-pool-'));
    const file = join(dir, 'never-closes.mjs');
    writeFileSync(file, script);
    const started = Date.now();
    const { stdout } = await execFileAsync(process.execPath, [file], { timeout: 20_000 }).finally(() => rmSync(dir, { recursive: true, force: true }));
    const paths: unknown = JSON.parse(stdout);
    assert.ok(Array.isArray(paths) && paths.length > 0 && paths.every((p) => typeof p === 'string'), `the redaction paths came back: ${stdout}`);
    assert.ok(Date.now() - started < 20_000, 'and the process exited by itself');
  });

  test('a policy worker that dies fails only its batches with a clear error, is replaced, and the next batch is decided', async () => {
    const pooled = await WasmPolicy.load(undefined, { workers: 2 });
    try {
      const viewer = VIEWERS[0] as Viewer;
      const facts = [0, 1, 2].flatMap((k) => generatedFacts().map((f) => ({ ...f, id: `${f.id}-${k}` })));
      const now = new Date('2025-06-01T20:00:00Z');
      const expected = await wasm.decide(viewer, facts, now);
      const pool = pooled.pool;
      assert.ok(pool);
      await pool.crashOne();
      // The crash is seen (exit event) before or while this batch runs: either it is refused with the reason, or
      // it went to the replacement; never a wrong or partial answer.
      await pooled.decide(viewer, facts, now).then(
        (got) => assert.deepEqual(got, expected),
        (err: Error) => assert.match(err.message, /policy worker .*replaced|policy evaluation failed/),
      );
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(pool.replaced, 1, 'the dead worker was replaced');
      assert.equal(pooled.workerCount, 2);
      assert.deepEqual(await pooled.decide(viewer, facts, now), expected, 'decisions after the replacement');
    } finally {
      await pooled.close();
    }
    await assert.rejects(pooled.decide(VIEWERS[0] as Viewer, [0, 1].flatMap((k) => generatedFacts().map((f) => ({ ...f, id: `${f.id}-${k}` }))), new Date()), /closed/);
  });

  test('decisions do not depend on the time the policy is given (kept decisions are not keyed on it)', async () => {
    const fresh = await WasmPolicy.load(undefined, { decisionCache: 0 });
    try {
      const facts = generatedFacts();
      for (const viewer of VIEWERS) {
        for (const options of [undefined, { reasons: false }]) {
          const then = await fresh.decide(viewer, facts, new Date('2025-06-01T20:00:00Z'), options);
          const later = await fresh.decide(viewer, facts, new Date('2035-01-01T03:00:00Z'), options);
          assert.deepEqual(later, then, `${viewer.username}: ten years later, the same decisions`);
        }
      }
      assert.deepEqual(fresh.decisionCacheStats, { size: 0, hits: 0, misses: 0 }, 'nothing kept when the cache is off');
    } finally {
      await fresh.close();
    }
  });

  test('kept decisions: pages decided with them are the decisions made afresh, for every viewer, in any order', async () => {
    const kept = await WasmPolicy.load(undefined, { decisionCache: 10_000 });
    const fresh = await WasmPolicy.load(undefined, { decisionCache: 0 });
    try {
      const grid = generatedFacts();
      const pages = Array.from({ length: Math.ceil(grid.length / 50) }, (_, k) => grid.slice(k * 50, k * 50 + 50));
      const now = new Date('2025-06-01T20:00:00Z');
      // Each viewer twice, pages in a different order the second time, and a second analyst of each agency and role.
      const viewers = [...VIEWERS, ...VIEWERS.map((v) => ({ ...v, username: `${v.username}-2` })), ...[...VIEWERS].reverse()];
      for (const [round, viewer] of viewers.entries()) {
        const order = round % 2 ? [...pages].reverse() : pages;
        for (const page of order) {
          for (const options of [undefined, { reasons: false }]) {
            assert.deepEqual(await kept.decide(viewer, page, now, options), await fresh.decide(viewer, page, now, options),
              `${viewer.username}, round ${round}, reasons ${options?.reasons ?? true}`);
          }
        }
      }
      const stats = kept.decisionCacheStats;
      // Each (entrypoint, agency and role) asked once per object, then only reused: 5 subjects × 2 entrypoints × 288.
      assert.equal(stats.misses, 5 * 2 * grid.length, JSON.stringify(stats));
      assert.equal(stats.hits, (viewers.length - 5) * 2 * grid.length, JSON.stringify(stats));
    } finally {
      await kept.close();
      await fresh.close();
    }
  });

  test('a kept decision never crosses agencies, roles or exercises, and a new version of an object is decided again', async () => {
    const kept = await WasmPolicy.load(undefined, { decisionCache: 100 });
    try {
      const now = new Date('2025-06-01T20:00:00Z');
      const red: ObjectFacts = {
        id: 'incident--00000000-0000-4000-8000-00000000aaaa', type: 'incident', publisher: 'pn', tlp: 'red', audience: [],
        category: 'drone', severity: 'high', area: AREAS.sol as Area, properties: ['name'],
      };
      const pn = VIEWERS.find((v) => v.username === 'pn-analyst') as Viewer;
      const pj = VIEWERS.find((v) => v.username === 'pj-analyst') as Viewer;
      const mad = VIEWERS.find((v) => v.username === 'mad-operator') as Viewer;
      assert.equal((await kept.decide(pn, [red], now))[0]?.allow, true, 'the publishing agency sees its RED object');
      assert.equal((await kept.decide(pj, [red], now))[0]?.allow, false, 'a partner does not, though pn\'s decision is kept');
      assert.equal((await kept.decide(mad, [red], now))[0]?.allow, false, 'nor the city');
      assert.equal((await kept.decide({ ...pn, role: 'auditor', username: 'pn-auditor' }, [red], now))[0]?.allow, false, 'nor an auditor of pn');
      // An exercise object: only to a request that asked for that exercise.
      const drill: ObjectFacts = { ...red, id: 'incident--00000000-0000-4000-8000-00000000bbbb', tlp: 'green', exercise: 'drill-1' };
      assert.equal((await kept.decide({ ...mad, exercise: 'drill-1' }, [drill], now))[0]?.allow, true, 'asked for the exercise');
      assert.equal((await kept.decide(mad, [drill], now))[0]?.allow, false, 'not asked for it');
      // The same id, published again GREEN: the partner now sees it; then revoked to RED again: hidden again.
      const green: ObjectFacts = { ...red, tlp: 'green' };
      assert.equal((await kept.decide(pj, [green], now))[0]?.allow, true, 'new facts, new decision');
      assert.equal((await kept.decide(pj, [red], now))[0]?.allow, false, 'the RED version is still hidden');
      const { hits, misses } = kept.decisionCacheStats;
      assert.equal(misses, 7, 'each of the questions before was a new one');
      assert.equal(hits, 1, 'only the last was asked before');
    } finally {
      await kept.close();
    }
  });

  test('a pool on a folder without compiled policies is refused at start, saying where', async () => {
    await assert.rejects(WasmPolicy.load('/nonexistent-policies', { workers: 1 }), /cannot load the compiled policies from \/nonexistent-policies/);
  });
});
