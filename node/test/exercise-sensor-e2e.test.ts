/**
 * Exercise sensor steps across the demo nodes: a recording (the shipped scenarios' Remote ID capture and gunshot
 * recording) replayed through the detection pipeline gives alerts that reach the participating agencies as exercise
 * objects only — never a real alert feed, query, export or CAP Actual message — that the scripted responses and the
 * report cover, and that removing the exercise takes away.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ALERT_EXTENSION_ID, EXERCISE_LABEL } from '@popart/schemas';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { gatherReport, runExercise } from '../src/modules/exercise/exercise-runner.js';
import { loadScenario } from '../src/modules/exercise/scenario.js';
import { gql, login, subscribe, tempDir, wsClient } from './support.js';
import { alert, bundle, IDENTITIES } from './stix-fixtures.js';

type Key = 'pn' | 'pj' | 'mad';
type Stix = Record<string, unknown> & { extensions?: Record<string, Record<string, unknown>> };
const PURPOSE = 'exercise sensor test';

describe('exercise sensor steps', () => {
  let cluster: DemoCluster;
  const dir = tempDir('popart-exercise-sensor-');
  const tokens: Record<string, string> = {};
  const url = (key: Key) => cluster.nodes[key].url;
  const nodes = () => ({ pn: url('pn'), pj: url('pj'), mad: url('mad') });
  const threats = async (key: Key, user: string, filter: Record<string, unknown> = {}): Promise<Stix[]> => {
    const r = await gql<{ threats: { edges: { node: { stix: Stix } }[] } }>(url(key),
      `query($f: ThreatFilter) { threats(filter: $f, first: 200, purpose: "${PURPOSE}") { edges { node { stix } } } }`, { f: filter }, tokens[user]);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    return r.data!.threats.edges.map((e) => e.node.stix);
  };
  /** Publishes a real alert and waits for its block on pn and mad: everything published before is in their read models. */
  const realAlert = async (): Promise<string> => {
    const real = alert({ by: IDENTITIES.pn, name: 'Real drone over Sol' });
    const r = await gql<{ publishBundle: { blockNumber: number } }>(url('pn'), 'mutation($b: JSON!) { publishBundle(bundle: $b) { blockNumber } }', { b: bundle(real) }, tokens['pn-analyst']);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    for (const key of ['pn', 'mad'] as const) await cluster.nodes[key].listener.waitForBlock(r.data!.publishBundle.blockNumber);
    return real.id as string;
  };

  before(async () => {
    cluster = await startDemo({ dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false });
    for (const [user, key] of [['pn-analyst', 'pn'], ['pn-auditor', 'pn'], ['pn-supervisor', 'pn'], ['mad-operator', 'mad'], ['mad-supervisor', 'mad']] as const) {
      tokens[user] = await login(url(key), user);
    }
  });

  after(async () => {
    await cluster?.stop();
    dir.remove();
  });

  test('a Remote ID capture replayed: its alert reaches the agencies as an exercise object only, the report covers it, removal takes it away', async () => {
    const exercise = 'stadium-drone-sensor';
    const client = wsClient(url('mad'), tokens['mad-operator']!);
    const plain = subscribe<{ alerts: { id: string } }>(client, 'subscription { alerts { id } }');
    const training = subscribe<{ alerts: { id: string } }>(client, `subscription { alerts(exercise: "${exercise}") { id } }`);
    await new Promise((r) => setTimeout(r, 300));
    const lines: string[] = [];
    const run = await runExercise({ nodes: nodes(), password: () => 'demo', scenario: await loadScenario('stadium-drone'), exercise, speed: 60, log: (l) => lines.push(l) });
    const raised = run.sensorAlerts.get('rid-bernabeu-north') ?? [];
    assert.equal(raised.length, 1, `one incursion, one alert: ${lines.join('\n')}`);
    const alertId = raised[0]!;
    assert.ok(lines.some((l) => /sensor rid-bernabeu-north \(remoteid\) replays bernabeu-drone\.pcap/.test(l)));
    assert.ok(lines.some((l) => /bernabeu-drone\.pcap replayed, \d+ event\(s\), [1-9]\d* alert version\(s\) published, 0 filtered, 0 refused/.test(l)), lines.join('\n'));

    const realId = await realAlert();
    assert.equal((await plain.next(10_000)).alerts.id, realId, 'the real feed works, and got the real alert first');
    assert.ok(training.events.some((e) => e.alerts.id === alertId), 'the exercise console got the sensor\'s alert');
    await plain.stop();
    await training.stop();
    await client.dispose();

    // At mad, asked for the exercise: the detection pipeline's alert from pn's receiver, marked.
    const atMad = await threats('mad', 'mad-supervisor', { exercise });
    const sensorAlert = atMad.find((o) => o.id === alertId);
    const ext = sensorAlert?.extensions?.[ALERT_EXTENSION_ID];
    assert.equal(ext?.category, 'drone');
    assert.equal(ext?.sensor_kind, 'remote-id');
    assert.equal(ext?.venue, 'Estadio Santiago Bernabéu');
    assert.equal(sensorAlert!.created_by_ref, IDENTITIES.pn);
    assert.ok(atMad.some((o) => o.type === 'indicator' && String(o.pattern).includes('60:60:1f:a3:5c:21')), 'the drone\'s MAC address as an indicator');
    for (const o of atMad) {
      assert.equal(o.x_popart_exercise, exercise, `${String(o.id)} marked`);
      assert.ok((o.labels as string[]).includes(EXERCISE_LABEL));
    }
    // Never among real data: queries, export, CAP Actual.
    for (const [key, user] of [['pn', 'pn-analyst'], ['mad', 'mad-operator']] as const) {
      const real = (await threats(key, user)).map((o) => o.id);
      assert.ok(real.includes(realId) && !real.includes(alertId), `${user}: real data only`);
    }
    const exported = await gql(url('pn'), `{ exportBundle(purpose: "${PURPOSE}") }`, {}, tokens['pn-analyst']);
    assert.ok(!JSON.stringify(exported.data).includes(alertId), 'the export holds no exercise object');
    const cap = async (query: string) => (await fetch(`${url('mad').replace(/\/graphql$/, '')}/cap/alerts.atom?purpose=dispatch${query}`,
      { headers: { authorization: `Bearer ${tokens['mad-operator']}` } })).text();
    assert.ok(!(await cap('')).includes(alertId), 'the real CAP feed has no exercise alert');
    const message = (await cap(`&exercise=${exercise}`)).split('<entry>').find((e) => e.includes(alertId)) ?? '';
    assert.match(message, /<status>Exercise<\/status>/);

    // The report covers the alert the sensor raised: received live, acknowledged, on scene, resolved, as scripted.
    const report = await gatherReport({ nodes: nodes(), password: () => 'demo' }, exercise, { pn: 'pn-auditor', mad: 'mad-supervisor' });
    const timeline = report.find((a) => a.alertId === alertId);
    // Each new version of the alert is delivered again; the report lists each user's first delivery only.
    const steps = timeline?.events.map((e) => `${e.kind} ${e.who}`);
    assert.deepEqual(steps, ['published pn', 'received mad-operator', 'acknowledged mad-operator',
      'acknowledged pn-operator', 'on-scene mad-operator', 'resolved mad-operator']);
    assert.equal(report.length, 2, 'the sensor\'s alert and the prepared one (the pilot located)');

    for (const [key, user] of [['pn', 'pn-supervisor'], ['mad', 'mad-supervisor']] as const) {
      const r = await gql<{ removeExercise: { removed: number } }>(url(key), `mutation { removeExercise(exercise: "${exercise}") { removed } }`, {}, tokens[user]);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      assert.ok(r.data!.removeExercise.removed >= atMad.length, `${key}: ${r.data!.removeExercise.removed} removed`);
    }
    assert.deepEqual(await threats('mad', 'mad-supervisor', { exercise }), []);
    assert.deepEqual(await threats('pn', 'pn-analyst', { exercise }), []);
    assert.ok((await threats('mad', 'mad-operator')).some((o) => o.id === realId), 'real data untouched');
  });

  test('a gunshot recording replayed through the microphone pipeline; a second run publishes its own alert', async () => {
    const scenario = await loadScenario('demonstration-gunshot');
    const runs = [];
    for (const exercise of ['gunshot-run-1', 'gunshot-run-2']) {
      runs.push(await runExercise({ nodes: nodes(), password: () => 'demo', scenario, exercise, speed: 100, log: () => undefined }));
    }
    await realAlert();
    const [first, second] = runs.map((r) => r.sensorAlerts.get('mic-sol-correos') ?? []);
    assert.equal(first?.length, 1);
    assert.equal(second?.length, 1);
    assert.notEqual(first![0], second![0], 'each run its own alert');
    const [shot] = (await threats('mad', 'mad-operator', { exercise: 'gunshot-run-1' })).filter((o) => o.id === first![0]);
    const ext = shot?.extensions?.[ALERT_EXTENSION_ID];
    assert.equal(ext?.category, 'gunshot');
    assert.equal(ext?.sensor_kind, 'microphone');
    assert.deepEqual(ext?.area, { shape: 'circle', latitude: 40.41689, longitude: -3.70346, radius_m: 150 });
    assert.equal(shot!.x_popart_exercise, 'gunshot-run-1');
    assert.ok(!(await threats('mad', 'mad-operator')).some((o) => o.id === first![0] || o.id === second![0]));
  });
});
