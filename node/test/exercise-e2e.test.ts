/**
 * Exercise mode across the demo nodes: objects marked as exercise (x_popart_exercise + label) never reach a real alert
 * feed, query, export, CAP message (as Actual), TAXII collection or MISP feed; they are shown, marked, only where the
 * exercise is asked for; the report gives who received and acknowledged each alert and when; removal leaves real data
 * untouched and keeps the exercise out of the read model for good.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { markedForExercise } from '@popart/schemas';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { gatherReport, reportText, runExercise } from '../src/modules/exercise/exercise-runner.js';
import { loadScenario } from '../src/modules/exercise/scenario.js';
import { gql, login, subscribe, tempDir, wsClient } from './support.js';
import { alert, bundle, IDENTITIES } from './stix-fixtures.js';

const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status blockNumber } }';
const EXERCISE = 'stadium-drone-t1';
const PURPOSE = 'exercise test';
type Key = 'pn' | 'pj' | 'mad';

describe('exercise mode', () => {
  let cluster: DemoCluster;
  const dir = tempDir('popart-exercise-');
  const tokens: Record<string, string> = {};
  const url = (key: Key) => cluster.nodes[key].url;
  const base = (key: Key) => url(key).replace(/\/graphql$/, '');
  const drill = markedForExercise(alert({ by: IDENTITIES.pn, name: 'EXERCISE drone over the Bernabéu', severity: 'critical' }), EXERCISE);
  const real = alert({ by: IDENTITIES.pn, name: 'Real drone over Sol' });
  const drillId = drill.id as string;
  const realId = real.id as string;

  const publish = async (...objects: Record<string, unknown>[]): Promise<void> => {
    const r = await gql<{ publishBundle: { blockNumber: number } }>(url('pn'), PUBLISH, { b: bundle(...objects) }, tokens['pn-analyst']);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    for (const key of ['pn', 'pj', 'mad'] as const) await cluster.nodes[key].listener.waitForBlock(r.data!.publishBundle.blockNumber);
  };
  const ids = async (key: Key, user: string, filter: Record<string, unknown> = {}): Promise<string[]> => {
    const r = await gql<{ threats: { edges: { node: { id: string } }[] } }>(url(key), 'query($f: ThreatFilter) { threats(filter: $f, first: 200, purpose: "exercise test") { edges { node { id } } } }', { f: filter }, tokens[user]);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    return r.data!.threats.edges.map((e) => e.node.id);
  };

  before(async () => {
    cluster = await startDemo({ dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false });
    for (const [user, key] of [['pn-analyst', 'pn'], ['pn-auditor', 'pn'], ['pn-supervisor', 'pn'], ['pj-analyst', 'pj'], ['mad-operator', 'mad'], ['mad-supervisor', 'mad']] as const) {
      tokens[user] = await login(url(key), user);
    }
  });

  after(async () => {
    await cluster?.stop();
    dir.remove();
  });

  test('an exercise mark without the label is refused, naming labels', async () => {
    const { labels: _labels, ...unlabelled } = markedForExercise(alert({ by: IDENTITIES.pn }), EXERCISE);
    const r = await gql(url('pn'), PUBLISH, { b: bundle(unlabelled) }, tokens['pn-analyst']);
    assert.equal(r.errors?.[0]?.extensions?.code, 'INVALID_BUNDLE');
    assert.ok((r.errors?.[0]?.extensions?.issues as { property: string }[]).some((i) => i.property === 'labels'));
  });

  test('exercise alerts reach only who asks for the exercise: live, queries, exports, CAP, TAXII, MISP feed', async () => {
    const client = wsClient(url('mad'), tokens['mad-operator']!);
    const plain = subscribe<{ alerts: { id: string } }>(client, 'subscription { alerts { id } }');
    const training = subscribe<{ alerts: { id: string; stix: { labels: string[] } } }>(client, `subscription { alerts(exercise: "${EXERCISE}") { id stix } }`);
    await new Promise((r) => setTimeout(r, 300));
    await publish(drill);
    await publish(real);
    assert.equal((await plain.next()).alerts.id, realId, 'the real feed gets the real alert, never the exercise one');
    const first = await training.next();
    assert.equal(first.alerts.id, drillId, 'the exercise subscription gets the exercise alert, marked');
    assert.ok(first.alerts.stix.labels.includes('exercise'));
    assert.equal((await training.next()).alerts.id, realId, 'and still the real ones');
    assert.ok(!plain.events.some((e) => e.alerts.id === drillId));
    await plain.stop();
    await training.stop();
    await client.dispose();

    for (const [key, user] of [['pn', 'pn-analyst'], ['pj', 'pj-analyst'], ['mad', 'mad-operator']] as const) {
      const seen = await ids(key, user);
      assert.ok(seen.includes(realId) && !seen.includes(drillId), `${user}: real alerts only`);
      assert.deepEqual(await ids(key, user, { exercise: EXERCISE }), [drillId], `${user}: the exercise when asked`);
    }
    const one = await gql<{ threat: unknown }>(url('pn'), 'query($id: ID!) { threat(id: $id, purpose: "x") { id } }', { id: drillId }, tokens['pn-analyst']);
    assert.equal(one.data!.threat, null);
    const asked = await gql<{ threat: { id: string } }>(url('pn'), `query($id: ID!) { threat(id: $id, exercise: "${EXERCISE}") { id } }`, { id: drillId }, tokens['pn-analyst']);
    assert.equal(asked.data!.threat.id, drillId);
    const badId = await gql(url('pn'), '{ threats(filter: { exercise: "no spaces please" }) { edges { cursor } } }', {}, tokens['pn-analyst']);
    assert.match(badId.errors?.[0]?.message ?? '', /^filter\.exercise: /);

    const exported = await gql<{ exportBundle: { objects: { id: string }[] } }>(url('pn'), `{ exportBundle(purpose: "${PURPOSE}") }`, {}, tokens['pn-analyst']);
    assert.ok(!JSON.stringify(exported.data!.exportBundle).includes(drillId), 'the export holds no exercise object');

    const capFeed = await fetch(`${base('mad')}/cap/alerts.atom?purpose=dispatch`, { headers: { authorization: `Bearer ${tokens['mad-operator']}` } });
    const capText = await capFeed.text();
    assert.equal(capFeed.status, 200);
    assert.ok(capText.includes(realId) && !capText.includes(drillId), 'the real CAP feed has no exercise alert');
    const drillFeed = await (await fetch(`${base('mad')}/cap/alerts.atom?purpose=dispatch&exercise=${EXERCISE}`, { headers: { authorization: `Bearer ${tokens['mad-operator']}` } })).text();
    const drillMessage = drillFeed.split('<entry>').find((e) => e.includes(drillId)) ?? '';
    assert.match(drillMessage, /<status>Exercise<\/status>/, 'asked for, the exercise alert is a CAP Exercise');
    assert.doesNotMatch(drillMessage, /<status>Actual<\/status>/);

    const basic = `Basic ${Buffer.from('pn-analyst:demo').toString('base64')}`;
    const taxii = await (await fetch(`${base('pn')}/taxii2/popart/collections/all/objects/?limit=1000`, {
      headers: { authorization: basic, accept: 'application/taxii+json;version=2.1', 'x-popart-purpose': PURPOSE },
    })).text();
    assert.ok(taxii.includes(realId) && !taxii.includes(drillId), 'TAXII: no exercise object');
    const misp = await (await fetch(`${base('pn')}/misp-feed/manifest.json`, { headers: { authorization: basic, 'x-popart-purpose': PURPOSE } })).text();
    assert.ok(!misp.includes(drillId.slice('incident--'.length)), 'MISP feed: no exercise event');
  });

  test('responses are marked too; the report says who received and acknowledged it, and when', async () => {
    const RESPOND = 'mutation($id: ID!, $e: ID) { respondToAlert(alertId: $id, status: ACKNOWLEDGED, exercise: $e) { id blockNumber } }';
    const refused = await gql(url('mad'), RESPOND, { id: drillId }, tokens['mad-operator']);
    assert.equal(refused.errors?.[0]?.extensions?.code, 'NOT_FOUND', 'not among real alerts, so not answerable as one');
    const ack = await gql<{ respondToAlert: { id: string; blockNumber: number } }>(url('mad'), RESPOND, { id: drillId, e: EXERCISE }, tokens['mad-operator']);
    assert.equal(ack.errors, undefined, JSON.stringify(ack.errors));
    await cluster.nodes.pn.listener.waitForBlock(ack.data!.respondToAlert.blockNumber);
    const response = await gql<{ threat: { stix: Record<string, unknown> } }>(url('pn'), `query($id: ID!) { threat(id: $id, exercise: "${EXERCISE}") { stix } }`,
      { id: ack.data!.respondToAlert.id }, tokens['pn-analyst']);
    assert.equal(response.data!.threat.stix.x_popart_exercise, EXERCISE);

    const REPORT = `{ exerciseReport(exercise: "${EXERCISE}") { exercise agency alerts { alertId publisher events { kind who agency afterSeconds } } } }`;
    type Report = { exerciseReport: { agency: string; alerts: { alertId: string; publisher: string; events: { kind: string; who: string; agency: string; afterSeconds: number }[] }[] } };
    const mad = await gql<Report>(url('mad'), REPORT, {}, tokens['mad-supervisor']);
    assert.equal(mad.errors, undefined, JSON.stringify(mad.errors));
    const [timeline] = mad.data!.exerciseReport.alerts;
    assert.equal(timeline?.alertId, drillId);
    assert.deepEqual(timeline!.events.map((e) => [e.kind, e.who, e.agency]), [
      ['published', 'pn', 'pn'], ['received', 'mad-operator', 'mad'], ['acknowledged', 'mad-operator', 'mad'],
    ]);
    assert.ok(timeline!.events.every((e, i, all) => e.afterSeconds >= 0 && (i === 0 || e.afterSeconds >= all[i - 1]!.afterSeconds)));
    const pn = await gql<Report>(url('pn'), REPORT, {}, tokens['pn-auditor']);
    assert.deepEqual(pn.data!.exerciseReport.alerts[0]!.events.map((e) => e.kind), ['published', 'acknowledged'], 'pn: no pn user received it live');
  });

  test('a scripted run of a shipped scenario, and its report: who received, acknowledged and acted on each alert, when', async () => {
    const scenario = await loadScenario('gate-crowding');
    const exercise = 'gate-crowding-run';
    const client = wsClient(url('mad'), tokens['mad-operator']!);
    const console = subscribe<{ alerts: { id: string } }>(client, `subscription { alerts(exercise: "${exercise}") { id } }`);
    await new Promise((r) => setTimeout(r, 300));
    const lines: string[] = [];
    const nodes = { pn: url('pn'), pj: url('pj'), mad: url('mad') };
    const run = await runExercise({ nodes, password: () => 'demo', scenario, exercise, speed: 100, log: (l) => lines.push(l) });
    assert.equal(lines.length, scenario.steps.length + 2, 'a line per step, a first and a last');
    assert.match(lines[1]!, /^\[1\/8\] \+0 s \(\d+\.\d s\) pn-analyst@pn published 1 object\(s\) COMMITTED in block \d+: gate 7 camera/);
    await console.next();
    await console.next();
    await console.stop();
    await client.dispose();
    // One more block, waited for on both nodes: every response of the run is in their read models.
    const last = (await gql<{ publishBundle: { blockNumber: number } }>(url('pn'), PUBLISH, { b: bundle(alert({ by: IDENTITIES.pn })) }, tokens['pn-analyst'])).data!;
    await cluster.nodes.pn.listener.waitForBlock(last.publishBundle.blockNumber);
    await cluster.nodes.mad.listener.waitForBlock(last.publishBundle.blockNumber);

    const report = await gatherReport({ nodes, password: () => 'demo' }, exercise, { pn: 'pn-auditor', mad: 'mad-supervisor' });
    const [c1, c2] = ['incident--3f9a0c1e-0002-4a5b-9c8d-000000000001', 'incident--3f9a0c1e-0002-4a5b-9c8d-000000000002'].map((id) => run.ids.get(id));
    assert.deepEqual(report.map((a) => a.alertId), [c1, c2]);
    const steps = (i: number) => report[i]!.events.map((e) => `${e.kind} ${e.who}`);
    assert.deepEqual(steps(0), ['published pn', 'received mad-operator', 'acknowledged mad-operator', 'resolved mad-operator']);
    assert.deepEqual(steps(1), ['published pn', 'received mad-operator', 'acknowledged pn-operator', 'acknowledged mad-operator',
      'on-scene mad-operator', 'resolved pn-operator']);
    // At ×100 the scenario's 430 s take 4.3 s: the report's delays follow the script, in order.
    const resolved = report[1]!.events.at(-1)!;
    assert.ok(resolved.afterSeconds > 2 && resolved.afterSeconds < 30, String(resolved.afterSeconds));
    assert.match(reportText(exercise, report), /first received after \d+\.\d s, acknowledged after \d+\.\d s, on-scene never, resolved after/);
  });

  test('removal takes the exercise out of the read model and leaves real data untouched', async () => {
    const REAL = `{ threats(first: 200, purpose: "${PURPOSE}") { edges { node { id modified stix } } } }`;
    const before = await gql(url('pn'), REAL, {}, tokens['pn-analyst']);
    const analystRefused = await gql(url('pn'), `mutation { removeExercise(exercise: "${EXERCISE}") { removed } }`, {}, tokens['pn-analyst']);
    assert.equal(analystRefused.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const removed = await gql<{ removeExercise: { removed: number } }>(url('pn'), `mutation { removeExercise(exercise: "${EXERCISE}") { exercise removed } }`, {}, tokens['pn-supervisor']);
    assert.equal(removed.errors, undefined, JSON.stringify(removed.errors));
    assert.equal(removed.data!.removeExercise.removed, 2, 'the alert and the response');
    assert.deepEqual(await gql(url('pn'), REAL, {}, tokens['pn-analyst']), before, 'real data identical');
    assert.deepEqual(await ids('pn', 'pn-analyst', { exercise: EXERCISE }), []);
    // A late object of the ended exercise is not stored again on pn; mad, which has not removed it yet, still holds it.
    const late = markedForExercise(alert({ by: IDENTITIES.pn, name: 'EXERCISE late inject' }), EXERCISE);
    await publish(late);
    assert.deepEqual(await ids('pn', 'pn-analyst', { exercise: EXERCISE }), []);
    assert.ok((await ids('mad', 'mad-operator', { exercise: EXERCISE })).includes(late.id as string));
    assert.ok((await ids('pn', 'pn-analyst')).includes(realId));
  });
});
