/**
 * The TAXII 2.1 server of the four-agency demo, end to end: discovery, API root, collections; objects paged with limit
 * and next and continued with added_after; the match[...] filters and versions; an object by id, its versions, the
 * manifest; POST and status; every error path (401, 403, 404, 405, 406, 415, 400, 413, 422, 429); Basic, bearer and
 * partner API keys; the audit records; the pinned OASIS taxii2-client against the node. And the security check: none of
 * pn's TLP:RED or TLP:AMBER+STRICT objects reaches pj, mad or crm users, nor a partner's API key, through any TAXII
 * endpoint.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { secretHash } from '../src/auth/api-keys.js';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { gql, login, recordEmittedBundle, tempDir } from './support.js';
import { alert, bundle, IDENTITIES, indicator } from './stix-fixtures.js';
import { allPages, basic, refsOf, PURPOSE, runTaxii2Client, taxii, TAXII, type Json } from './taxii-support.js';

const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status blockNumber ids } }';
const KEYS = { pj: randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, ''), mad: randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, '') };
const KEY_PURPOSE = 'partner exchange of public-space threats (test agreement)';

describe('TAXII 2.1 server of the demo nodes', () => {
  const dir = tempDir('popart-taxii-');
  let cluster: DemoCluster;
  const base = (agency: 'pn' | 'pj' | 'mad' | 'crm'): string => cluster.nodes[agency].url.replace(/\/graphql$/, '/taxii2');
  const coll = (agency: 'pn' | 'pj' | 'mad' | 'crm', alias: string): string => `${base(agency)}/popart/collections/${alias}`;
  const tag = `taxii${randomUUID().slice(0, 8)}`;
  const greens = Array.from({ length: 12 }, (_, i) => indicator(IDENTITIES.pn, `${tag} green ${i}`, 'green'));
  const t0 = new Date(Date.now() - 60_000).toISOString();
  const v1: Json = { ...indicator(IDENTITIES.pn, `${tag} versioned`, 'green'), created: t0, modified: t0, valid_from: t0 };
  const v2: Json = { ...v1, modified: new Date().toISOString(), name: `${tag} versioned, second` };
  const greenAlert = alert({ by: IDENTITIES.pn, name: `${tag} green alert`, tlp: 'green' });
  const amberPj = alert({ by: IDENTITIES.pn, name: `${tag} amber for pj`, tlp: 'amber', audience: [IDENTITIES.pj] });
  const secrets = [
    alert({ by: IDENTITIES.pn, name: `${tag} red alert`, tlp: 'red' }), alert({ by: IDENTITIES.pn, name: `${tag} strict alert`, tlp: 'amber+strict' }),
    indicator(IDENTITIES.pn, `${tag} red indicator`, 'red'), indicator(IDENTITIES.pn, `${tag} strict indicator`, 'amber+strict'),
  ];
  const secretIds = secrets.map((s) => s.id as string);

  before(async () => {
    cluster = await startDemo({
      dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false,
      apiKeys: {
        pj: [{ id: 'misp-pj', name: 'MISP of the Polícia Judiciária', role: 'analyst', purpose: KEY_PURPOSE, secretHash: secretHash(KEYS.pj) }],
        mad: [{ id: 'dispatch-mad', name: 'Dispatch of Madrid', role: 'operator', purpose: KEY_PURPOSE, secretHash: secretHash(KEYS.mad) }],
      },
    });
    const token = await login(cluster.nodes.pn.url, 'pn-analyst');
    let block = 0;
    for (const b of [bundle(v1, ...greens, greenAlert, amberPj, ...secrets), bundle(v2)]) {
      const r = await gql<{ publishBundle: { status: string; blockNumber: number } }>(cluster.nodes.pn.url, PUBLISH, { b }, token);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      block = Math.max(block, r.data!.publishBundle.blockNumber);
    }
    for (const key of ['pn', 'pj', 'mad', 'crm'] as const) await cluster.nodes[key].listener.waitForBlock(block);
  });

  after(async () => {
    await cluster?.stop();
    dir.remove();
  });

  test('discovery, the API root and the collections', async () => {
    const d = await taxii(`${base('pn')}/`, basic('pn-analyst'));
    assert.equal(d.status, 200);
    assert.equal(d.headers.get('content-type'), TAXII);
    assert.deepEqual(d.body.api_roots, [`${base('pn')}/popart/`]);
    assert.equal(d.body.default, `${base('pn')}/popart/`);
    const root = await taxii(`${base('pn')}/popart/`, basic('pn-analyst'));
    assert.deepEqual(root.body.versions, [TAXII]);
    assert.equal(typeof root.body.max_content_length, 'number');
    const cs = await taxii(`${base('pn')}/popart/collections/`, basic('pn-analyst'));
    const list = cs.body.collections as Json[];
    assert.deepEqual(list.map((c) => [c.alias, c.can_read, c.can_write]), [['alerts', true, false], ['indicators', true, false], ['all', true, true]]);
    for (const c of list) assert.deepEqual(c.media_types, ['application/stix+json;version=2.1']);
    const auditor = await taxii(`${base('pn')}/popart/collections/`, basic('pn-auditor'));
    assert.deepEqual((auditor.body.collections as Json[]).map((c) => c.can_write), [false, false, false], 'an auditor may not publish');
    const one = await taxii(`${base('pn')}/popart/collections/${list[1]!.id as string}/`, basic('pn-analyst'));
    assert.deepEqual(one.body, list[1]);
    assert.deepEqual((await taxii(`${coll('pn', 'indicators')}/`, basic('pn-analyst'))).body, list[1], 'the alias names the collection too');
  });

  test('objects: limit and next page through the collection once, in date_added order; added_after continues from X-TAXII-Date-Added-Last', async () => {
    const { items, pages } = await allPages(`${coll('pn', 'indicators')}/objects/?limit=8`, basic('pn-analyst'));
    const own = items.filter((o) => o.type === 'indicator');
    const ids = own.map((o) => o.id as string);
    assert.equal(new Set(ids).size, ids.length, 'no indicator twice');
    for (const o of [...greens, v1, ...secrets.filter((s) => s.type === 'indicator')]) assert.ok(ids.includes(o.id as string), `${o.name as string} is in the indicators collection`);
    assert.ok(pages.length > 2 && pages.every((p) => p.items.length <= 8 && p.items.some((o) => o.type === 'indicator')), `${pages.length} pages of at most 8 objects, each with indicators`);
    // Each page carries what its indicators refer to (their creator, its marking, the TLP definitions) within the limit.
    for (const p of pages) {
      const refs = new Set(p.items.flatMap((o) => [...refsOf(o)]));
      for (const o of p.items.filter((x) => x.type !== 'indicator')) assert.ok(refs.has(o.id as string), `${o.id as string} is referred to by its page`);
      assert.ok(p.items.some((o) => o.id === IDENTITIES.pn), 'pn\'s identity comes with every page of pn\'s indicators');
    }
    const stamps = pages.flatMap((p) => [p.first, p.last]).filter((s): s is string => s !== null);
    assert.deepEqual([...stamps].sort(), stamps, 'date_added ascending across pages');
    const first = pages[0]!;
    const rest = await allPages(`${coll('pn', 'indicators')}/objects/?added_after=${first.last}`, basic('pn-analyst'));
    const firstOwn = first.items.filter((o) => o.type === 'indicator').length;
    assert.deepEqual(rest.items.filter((o) => o.type === 'indicator').map((o) => o.id), ids.slice(firstOwn), 'added_after the first page\'s last date_added gives the rest');
    assert.equal(v2.modified, items.find((o) => o.id === v1.id)?.modified, 'the last version by default');
  });

  test('companions: a page of one object carries all it needs even past limit; match[type] and match[id] apply to them; the manifest lists them; an object by id comes alone', async () => {
    const auth = basic('pn-analyst');
    const one = await taxii(`${coll('pn', 'alerts')}/objects/?limit=1&match[id]=${greenAlert.id as string}`, auth);
    assert.deepEqual((one.body.objects as Json[]).map((o) => o.id), [greenAlert.id], 'match[id] names the objects wanted: nothing else');
    const page = await taxii(`${coll('pn', 'alerts')}/objects/?limit=1`, auth);
    const objects = page.body.objects as Json[];
    const alerts = objects.filter((o) => o.type === 'incident');
    assert.equal(alerts.length, 1, 'limit 1: one alert per page');
    assert.ok(objects.length > 1 && page.body.more === true, 'with its creator, markings, extension definition and standard objects');
    const types = new Set(objects.map((o) => o.type));
    for (const t of ['identity', 'marking-definition', 'extension-definition', 'report', 'location', 'note']) assert.ok(types.has(t), `a ${t} comes with the alert`);
    const at = objects.findIndex((o) => o.type === 'incident');
    assert.ok(objects.slice(0, at).every((o) => !['report', 'location', 'note'].includes(o.type as string)), 'referred objects first, the alert\'s standard objects after it');
    const second = await taxii(`${coll('pn', 'alerts')}/objects/?limit=1&next=${page.body.next as string}`, auth);
    assert.notEqual((second.body.objects as Json[]).find((o) => o.type === 'incident')?.id, alerts[0]!.id, 'next moves past the alert, not its companions');
    const typed = await allPages(`${coll('pn', 'alerts')}/objects/?match[type]=incident,identity`, auth);
    assert.ok(typed.items.some((o) => o.type === 'identity') && typed.items.every((o) => o.type === 'incident' || o.type === 'identity'), 'match[type] filters companions');
    const manifest = await taxii(`${coll('pn', 'alerts')}/manifest/?limit=1`, auth);
    const records = manifest.body.objects as Json[];
    assert.deepEqual(records.map((r) => r.id), objects.map((o) => o.id), 'the manifest lists the page\'s objects, companions included');
    assert.ok(records.every((r) => r.date_added === manifest.headers.get('x-taxii-date-added-first')), 'companions have the date_added of the object that brought them');
    const byId = await taxii(`${coll('pn', 'alerts')}/objects/${greenAlert.id as string}/`, auth);
    assert.deepEqual((byId.body.objects as Json[]).map((o) => o.id), [greenAlert.id]);
  });

  test('filters: match[type], match[id], match[version] (first, last, all, a timestamp), match[spec_version]; alerts hold only alerts', async () => {
    const auth = basic('pn-analyst');
    const incidents = await allPages(`${coll('pn', 'all')}/objects/?match[type]=incident`, auth);
    assert.ok(incidents.items.length >= 4 && incidents.items.every((o) => o.type === 'incident'));
    const two = await taxii(`${coll('pn', 'all')}/objects/?match[id]=${greens[0]!.id as string},${greenAlert.id as string}`, auth);
    assert.deepEqual((two.body.objects as Json[]).map((o) => o.id).sort(), [greens[0]!.id, greenAlert.id].sort());
    const versions = async (v: string): Promise<unknown[]> =>
      ((await taxii(`${coll('pn', 'indicators')}/objects/?match[id]=${v1.id as string}&match[version]=${v}`, auth)).body.objects as Json[]).map((o) => o.modified);
    assert.deepEqual(await versions('all'), [v1.modified, v2.modified]);
    assert.deepEqual(await versions('first'), [v1.modified]);
    assert.deepEqual(await versions('last'), [v2.modified]);
    assert.deepEqual(await versions(v1.modified as string), [v1.modified]);
    assert.deepEqual(await versions('first,last'), [v1.modified, v2.modified]);
    const old = await taxii(`${coll('pn', 'all')}/objects/?match[spec_version]=2.0`, auth);
    assert.equal(old.status, 200);
    assert.equal(old.body.objects, undefined);
    assert.equal(old.body.more, false);
    const alerts = await allPages(`${coll('pn', 'alerts')}/objects/`, auth);
    assert.ok(alerts.items.some((o) => o.id === greenAlert.id));
    const companionTypes = ['identity', 'marking-definition', 'extension-definition', 'report', 'location', 'note'];
    assert.ok(alerts.items.every((o) => o.type === 'incident' || companionTypes.includes(o.type as string)), 'alerts and what they need, nothing else');
  });

  test('an object by id, its versions, and the manifest', async () => {
    const auth = basic('pn-analyst');
    const one = await taxii(`${coll('pn', 'indicators')}/objects/${v1.id as string}/`, auth);
    assert.equal(one.status, 200);
    assert.deepEqual((one.body.objects as Json[]).map((o) => o.modified), [v2.modified]);
    assert.ok(one.headers.get('x-taxii-date-added-first'));
    const all = await taxii(`${coll('pn', 'indicators')}/objects/${v1.id as string}/?match[version]=all`, auth);
    assert.deepEqual((all.body.objects as Json[]).map((o) => o.name), [v1.name, v2.name]);
    const vs = await taxii(`${coll('pn', 'indicators')}/objects/${v1.id as string}/versions/`, auth);
    assert.deepEqual(vs.body.versions, [v1.modified, v2.modified]);
    assert.equal((await taxii(`${coll('pn', 'alerts')}/objects/${v1.id as string}/`, auth)).status, 404, 'an indicator is not in the alerts collection');
    const manifest = await allPages(`${coll('pn', 'indicators')}/manifest/?limit=7`, auth);
    const record = manifest.items.find((r) => r.id === v1.id)!;
    assert.equal(record.version, v2.modified);
    assert.equal(record.media_type, 'application/stix+json;version=2.1');
    assert.match(record.date_added as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });

  test('POST objects publishes through publishBundle\'s path; the status reports each object; the ledger\'s refusals and bad envelopes are clear', async () => {
    const auth = basic('pn-analyst');
    const fresh = indicator(IDENTITIES.pn, `${tag} posted`, 'green');
    const posted = await taxii(`${coll('pn', 'all')}/objects/`, auth, { method: 'POST', body: JSON.stringify({ objects: [fresh] }) });
    assert.equal(posted.status, 202, JSON.stringify(posted.body));
    assert.equal(posted.body.status, 'complete');
    assert.equal(posted.body.success_count, 1);
    assert.deepEqual((posted.body.successes as Json[]).map((s) => [s.id, s.version]), [[fresh.id, fresh.modified]]);
    const status = await taxii(`${base('pn')}/popart/status/${posted.body.id as string}/`, auth);
    assert.deepEqual(status.body, posted.body);
    assert.equal((await taxii(`${base('pn')}/popart/status/${posted.body.id as string}/`, basic('pn-operator'))).status, 404, 'only the poster sees a status');
    assert.equal((await taxii(`${coll('pn', 'indicators')}/objects/${fresh.id as string}/`, auth)).status, 200, 'the posted object is served');
    const spoofed = await taxii(`${coll('pn', 'all')}/objects/`, auth, { method: 'POST', body: JSON.stringify({ objects: [indicator(IDENTITIES.pj, 'spoofed')] }) });
    assert.equal(spoofed.status, 202);
    assert.equal(spoofed.body.failure_count, 1);
    assert.match(((spoofed.body.failures as Json[])[0]!.message) as string, /SPOOFED_CREATOR/);
    const bad = await taxii(`${coll('pn', 'all')}/objects/`, auth, { method: 'POST', body: JSON.stringify({ objects: [{ ...fresh, id: `indicator--${randomUUID()}`, pattern_type: undefined }] }) });
    assert.equal(bad.status, 422, JSON.stringify(bad.body));
    assert.match(bad.body.description as string, /pattern_type/);
    assert.equal(bad.body.http_status, '422');
    assert.equal((await taxii(`${coll('pn', 'all')}/objects/`, auth, { method: 'POST', body: '{"objects": [' })).status, 400);
    assert.equal((await taxii(`${coll('pn', 'all')}/objects/`, auth, { method: 'POST', body: '{"objects": []}' })).status, 422);
    const many = await taxii(`${coll('pn', 'all')}/objects/`, auth, { method: 'POST', body: JSON.stringify({ objects: Array.from({ length: 2001 }, () => ({})) }) });
    assert.equal(many.status, 413);
    assert.equal((many.body.details as Json).property, 'objects');
    const xml = await taxii(`${coll('pn', 'all')}/objects/`, auth, { method: 'POST', body: JSON.stringify({ objects: [fresh] }), headers: { 'content-type': 'application/xml' } });
    assert.equal(xml.status, 415);
    assert.equal((await taxii(`${coll('pn', 'alerts')}/objects/`, auth, { method: 'POST', body: JSON.stringify({ objects: [fresh] }) })).status, 403, 'alerts are read-only');
    assert.equal((await taxii(`${coll('pn', 'all')}/objects/`, basic('pn-auditor'), { method: 'POST', body: JSON.stringify({ objects: [fresh] }) })).status, 403, 'an auditor may not publish');
  });

  test('errors: 401 with WWW-Authenticate, 404, 405, 406, 400 naming the parameter, 403 without a purpose for restricted data', async () => {
    const none = await taxii(`${base('pn')}/`, null);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /Basic realm=/);
    assert.equal(none.body.http_status, '401');
    assert.equal((await taxii(`${base('pn')}/`, basic('pn-analyst', 'wrong'))).status, 401);
    assert.equal((await taxii(`${base('pn')}/`, 'Bearer forged.token')).status, 401);
    const auth = basic('pn-analyst');
    assert.equal((await taxii(`${base('pn')}/popart/collections/nope/`, auth)).status, 404);
    assert.equal((await taxii(`${coll('pn', 'all')}/objects/indicator--${randomUUID()}/`, auth)).status, 404);
    assert.equal((await taxii(`${base('pn')}/elsewhere/`, auth)).status, 404);
    assert.equal((await taxii(`${coll('pn', 'all')}/objects/%E0%A4%A/`, auth)).status, 400, 'a malformed object id in the path');
    assert.equal((await taxii(`${coll('pn', 'all')}/manifest/`, auth, { method: 'DELETE' })).status, 405);
    assert.equal((await taxii(`${base('pn')}/`, auth, { headers: { accept: 'application/xml' } })).status, 406);
    assert.equal((await taxii(`${base('pn')}/`, auth, { headers: { accept: 'application/taxii+json;version=2.0' } })).status, 406);
    for (const [param, value] of [['limit', '0'], ['added_after', 'yesterday'], ['next', 'garbage'], ['match[version]', 'newest'], ['match[id]', 'not-an-id']]) {
      const r = await taxii(`${coll('pn', 'all')}/objects/?${param}=${value}`, auth);
      assert.equal(r.status, 400, `${param}=${value}`);
      assert.match(r.body.description as string, new RegExp(param!.replace(/[[\]]/g, '\\$&')));
    }
    const unstated = await taxii(`${coll('pj', 'alerts')}/objects/`, basic('pj-analyst'), { purpose: false });
    assert.equal(unstated.status, 403, 'pj holds an AMBER alert for it: a purpose is needed');
    assert.match(unstated.body.description as string, /X-Popart-Purpose/);
    assert.equal((await taxii(`${coll('pj', 'alerts')}/objects/?purpose=${encodeURIComponent(PURPOSE)}`, basic('pj-analyst'), { purpose: false })).status, 200);
  });

  test('bearer tokens and partner API keys (bearer or Basic) authenticate; wrong guesses are locked out like sign-ins (429)', async () => {
    const token = await login(cluster.nodes.pj.url, 'pj-analyst');
    assert.equal((await taxii(`${base('pj')}/`, `Bearer ${token}`)).status, 200);
    assert.equal((await taxii(`${base('pj')}/`, `Bearer popart_misp-pj_${KEYS.pj}`, { purpose: false })).status, 200);
    assert.equal((await taxii(`${base('pj')}/`, basic('misp-pj', KEYS.pj))).status, 200);
    assert.equal((await taxii(`${base('pj')}/`, `Bearer popart_misp-pj_${'f'.repeat(64)}`)).status, 401, 'a wrong key secret');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await taxii(`${base('pj')}/`, basic('intruder', `guess${i}`))).status);
    assert.deepEqual(statuses.slice(0, 4), [401, 401, 401, 401]);
    const locked = await taxii(`${base('pj')}/`, basic('intruder', 'guess6'));
    assert.equal(locked.status, 429, `the name is locked after 5 wrong passwords, as for GraphQL login (${statuses.join(', ')})`);
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
  });

  test('security: none of pn\'s RED or AMBER+STRICT objects reaches pj, mad or crm users or a partner key through any TAXII endpoint', async () => {
    const callers = [
      { agency: 'pj', auth: basic('pj-analyst'), name: 'pj-analyst' }, { agency: 'mad', auth: basic('mad-operator'), name: 'mad-operator' },
      { agency: 'crm', auth: basic('crm-analyst'), name: 'crm-analyst' }, { agency: 'mad', auth: `Bearer popart_dispatch-mad_${KEYS.mad}`, name: 'dispatch-mad' },
    ] as const;
    for (const c of callers) {
      const received: Json[] = [];
      for (const alias of ['alerts', 'indicators', 'all']) {
        received.push(...(await allPages(`${coll(c.agency, alias)}/objects/?match[version]=all&limit=50`, c.auth)).items);
        const manifest = await allPages(`${coll(c.agency, alias)}/manifest/?match[version]=all`, c.auth);
        for (const id of secretIds) assert.ok(!manifest.items.some((r) => r.id === id), `${c.name}: ${id} not in the ${alias} manifest`);
        for (const id of secretIds) {
          assert.equal((await taxii(`${coll(c.agency, alias)}/objects/${id}/?match[version]=all`, c.auth)).status, 404, `${c.name}: ${id} by id in ${alias}`);
          assert.equal((await taxii(`${coll(c.agency, alias)}/objects/${id}/versions/`, c.auth)).status, 404, `${c.name}: versions of ${id} in ${alias}`);
        }
      }
      const ids = new Set(received.map((o) => o.id as string));
      for (const id of secretIds) assert.ok(!ids.has(id), `${c.name} never received ${id}`);
      assert.ok(ids.has(greenAlert.id as string), `${c.name} received pn's GREEN alert (the check is not vacuous)`);
      assert.ok(!JSON.stringify(received).includes(`${tag} red`) && !JSON.stringify(received).includes(`${tag} strict`));
      recordEmittedBundle(`taxii-${c.name}`, bundle(...received.filter((o, i) => received.findIndex((x) => x.id === o.id && x.modified === o.modified) === i)));
    }
    const pj = await allPages(`${coll('pj', 'alerts')}/objects/`, basic('misp-pj', KEYS.pj), 'objects', false);
    assert.ok(pj.items.some((o) => o.id === amberPj.id), 'the key\'s configured purpose lets it receive the AMBER alert meant for pj');
    assert.equal(pj.items.find((o) => o.id === greenAlert.id)?.x_popart_operator_position, undefined);
  });

  test('every response that hands out objects is audited: a consultation by a user, a disclosure to a partner key with its purpose', async () => {
    const log = cluster.nodes.pj.audit.log;
    const disclosure = (await log.query({ actor: 'misp-pj', action: 'disclosure' }, 50)).entries;
    assert.ok(disclosure.length > 0);
    assert.ok(disclosure.every((e) => e.purpose === KEY_PURPOSE && e.recipients.includes('misp-pj') && e.details.channel === 'taxii'));
    assert.ok(disclosure.some((e) => e.objectIds.includes(amberPj.id as string)));
    const consultation = (await log.query({ actor: 'pj-analyst', action: 'consultation' }, 200)).entries.filter((e) => e.details.channel === 'taxii');
    assert.ok(consultation.some((e) => e.purpose === PURPOSE && e.details.resource === 'taxii:objects'));
  });

  test('the OASIS taxii2-client (PyPI, pinned) reads, pages, filters and posts with Basic auth', async () => {
    const fresh = indicator(IDENTITIES.pj, `${tag} posted by taxii2-client`, 'green');
    const out = await runTaxii2Client(`${base('pj')}/`, 'pj-analyst', 'demo', v1.id as string, { objects: [fresh] }, dir.path);
    assert.match(out.title as string, /Polícia Judiciária/);
    assert.deepEqual(out.versions, [TAXII]);
    assert.deepEqual((out.collections as Json[]).map((c) => [c.alias, c.can_write]), [['alerts', false], ['indicators', false], ['all', true]]);
    const pages = out.pages as string[][];
    assert.ok(pages.length > 1 && pages.every((p) => p.length <= 10), 'as_pages followed next');
    const indicators = (out.objects as Json[]).filter((o) => o.type === 'indicator').map((o) => o.id as string);
    assert.equal(new Set(indicators).size, indicators.length, 'no indicator twice');
    const ids = pages.flat();
    for (const g of greens) assert.ok(ids.includes(g.id as string));
    assert.ok(ids.includes(IDENTITIES.pn), 'the creator comes with the pages');
    for (const id of secretIds) assert.ok(!ids.includes(id));
    assert.deepEqual([...new Set((out.manifest as Json[]).map((r) => r.id))].sort(), [...new Set(ids)].sort(), 'the manifest lists the same objects');
    assert.deepEqual((out.by_id as Json[]).map((o) => o.modified), [v2.modified]);
    assert.deepEqual(out.object_versions, [v1.modified, v2.modified]);
    assert.deepEqual((out.all_versions as Json[]).map((o) => o.modified), [v1.modified, v2.modified]);
    const status = out.status as Json;
    assert.deepEqual([status.status, status.total_count, status.success_count, status.failure_count], ['complete', 1, 1, 0]);
    recordEmittedBundle('taxii-taxii2-client', bundle(...(out.objects as Json[])));
  });
});
