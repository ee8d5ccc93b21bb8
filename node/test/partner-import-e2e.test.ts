/**
 * Partner feeds in: pj pulls a partner's TAXII 2.1 collection and a MISP feed (small servers in the test, behind HTTP Basic)
 * and publishes it as its agency. The imported objects keep their original creator, those without a TLP marking get
 * the import's default (so they are not counted AMBER), and each agency sees what the TLP allows; a second pull
 * imports nothing new, objects already on the ledger in that version are skipped, an invalid object and one spoofing
 * a registered agency are refused alone with the reason while the others import, and a partner that fails leaves
 * the node up with the error in its status (and in /healthz).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { tlpMarkingRef } from '@popart/schemas';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { gql, login, tempDir, until } from './support.js';
import { IDENTITIES, indicator } from './stix-fixtures.js';
import { basic } from './taxii-support.js';

type Json = Record<string, unknown>;
const PASSWORD_ENV = 'POPART_TEST_PARTNER_PASSWORD';
const PASSWORD = `partner-${randomUUID()}`;
const COLLECTION = 'ec3-indicators';
const THREAT = 'query($id: ID!, $p: String) { threat(id: $id, purpose: $p) { id stix agency { key } } }';
const PURPOSE = 'partner import test';

/** A partner's TAXII 2.1 collection: objects with their date_added, paged by an offset in `next`. */
class PartnerTaxii {
  readonly entries: { added: string; object: Json }[] = [];
  readonly requests: URL[] = [];
  failing = false;
  private server: Server | null = null;
  url = '';

  add(...objects: Json[]): void {
    for (const object of objects) {
      const last = this.entries.at(-1)?.added;
      let added = new Date().toISOString();
      if (last && added <= last) added = new Date(Date.parse(last) + 1).toISOString();
      this.entries.push({ added, object });
    }
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://partner');
      this.requests.push(url);
      const send = (status: number, body: Json, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/taxii+json;version=2.1', ...headers });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== basic('pj-import', PASSWORD)) return send(401, { title: 'Unauthorized' }, { 'www-authenticate': 'Basic realm="partner"' });
      if (this.failing) return send(503, { title: 'Service unavailable' });
      if (url.pathname !== `/api1/collections/${COLLECTION}/objects/`) return send(404, { title: 'Not found' });
      const after = url.searchParams.get('added_after');
      const limit = Number(url.searchParams.get('limit') ?? '100');
      const offset = Number(url.searchParams.get('next') ?? '0');
      const matching = this.entries.filter((e) => !after || e.added > after);
      const page = matching.slice(offset, offset + limit);
      const more = offset + limit < matching.length;
      if (!page.length) return send(200, { more: false });
      return send(200, { more, ...(more ? { next: String(offset + limit) } : {}), objects: page.map((e) => e.object) },
        { 'x-taxii-date-added-first': page[0]!.added, 'x-taxii-date-added-last': page.at(-1)!.added });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api1/`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/** A partner's MISP feed: manifest.json and one {uuid}.json per event, behind the same Basic credentials. */
function mispFeed(events: Map<string, Json>, requests: string[]): { start(): Promise<string>; stop(): Promise<void> } {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://misp').pathname;
    requests.push(path);
    const send = (status: number, body: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
    if (req.headers.authorization !== basic('pj-import', PASSWORD)) return send(401, { message: 'Unauthorized' });
    if (path === '/feed/manifest.json') {
      return send(200, Object.fromEntries([...events].map(([uuid, e]) => [uuid, { info: (e.Event as Json).info, timestamp: (e.Event as Json).timestamp }])));
    }
    const event = events.get(path.replace(/^\/feed\/|\.json$/g, ''));
    return event ? send(200, event) : send(404, { message: 'Not found' });
  });
  return {
    start: () => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/feed/`))),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function unmarked(o: Json): Json {
  const { object_marking_refs: _, ...rest } = o;
  return rest;
}

describe('partner TAXII 2.1 feed imported by pj', () => {
  const dir = tempDir('popart-import-');
  const partner = new PartnerTaxii();
  let cluster: DemoCluster;
  const tokens: Record<string, string> = {};
  const t = new Date().toISOString();
  const producer: Json = { type: 'identity', spec_version: '2.1', id: `identity--${randomUUID()}`, created: t, modified: t, name: 'Partner CERT (test)', identity_class: 'organization' };
  const green = unmarked(indicator(producer.id as string, 'Partner indicator without marking'));
  const amber = indicator(producer.id as string, 'Partner indicator AMBER', 'amber');
  const red = indicator(producer.id as string, 'Partner indicator RED', 'red');
  const invalid: Json = { ...unmarked(indicator(producer.id as string, 'Partner indicator with a broken pattern')), pattern: 'not a pattern [' };
  const spoofed = unmarked(indicator(IDENTITIES.pn, 'Claims to be Policía Nacional\'s'));

  const org = randomUUID();
  const [eventId, ipAttr, hashAttr, brokenEvent] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const mispEvents = new Map<string, Json>([
    [eventId, { Event: {
      uuid: eventId, info: 'Drone controllers near the border', date: '2026-11-30', timestamp: '1764806400', publish_timestamp: '1764806400',
      distribution: '3', Orgc: { name: 'Partner MISP org (test)', uuid: org }, Tag: [{ name: 'tlp:green' }],
      Attribute: [
        { uuid: ipAttr, type: 'ip-dst', category: 'Network activity', value: '198.51.100.9', to_ids: true, timestamp: '1764806400', distribution: '5' },
        { uuid: hashAttr, type: 'sha256', category: 'Payload delivery', value: 'b'.repeat(64), to_ids: true, timestamp: '1764806400', distribution: '1' },
      ],
    } }],
    [brokenEvent, { Event: { uuid: brokenEvent, info: 'no creator', timestamp: '1764806401' } }],
  ]);
  const mispRequests: string[] = [];
  const misp = mispFeed(mispEvents, mispRequests);

  before(async () => {
    process.env[PASSWORD_ENV] = PASSWORD;
    const mispUrl = await misp.start();
    partner.add(producer, green, invalid, amber, spoofed, red);
    await partner.start();
    cluster = await startDemo({
      dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false,
      imports: { pj: [{ id: 'partner', kind: 'taxii', url: partner.url, collection: COLLECTION, auth: { username: 'pj-import', passwordEnv: PASSWORD_ENV }, intervalSeconds: 3600, defaultTlp: 'green', pageSize: 2 },
        { id: 'misp', kind: 'misp', url: mispUrl, auth: { username: 'pj-import', passwordEnv: PASSWORD_ENV }, intervalSeconds: 3600, defaultTlp: 'amber' }] },
    });
    for (const [user, node] of [['pj-analyst', 'pj'], ['pn-analyst', 'pn'], ['crm-analyst', 'crm']] as const) tokens[user] = await login(cluster.nodes[node].url, user);
  });
  after(async () => {
    await cluster?.stop();
    await partner.stop();
    await misp.stop();
    dir.remove();
  });

  const seen = async (user: 'pj-analyst' | 'pn-analyst' | 'crm-analyst', id: unknown): Promise<Json | null> => {
    const node = cluster.nodes[user.split('-')[0] as 'pj' | 'pn' | 'crm'];
    const r = await gql<{ threat: { stix: Json; agency: { key: string } } | null }>(node.url, THREAT, { id, p: PURPOSE }, tokens[user]);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    return r.data?.threat ? { ...r.data.threat.stix, publisher: r.data.threat.agency.key } : null;
  };

  test('the first pull pages through the collection, imports the valid objects and refuses the bad ones alone', async () => {
    const status = await cluster.nodes.pj.imports!.runNow('partner');
    assert.equal(status.lastError, null);
    assert.deepEqual([status.imported, status.skipped, status.refused], [4, 0, 2]);
    assert.equal(status.addedAfter, partner.entries.at(-1)!.added);
    assert.ok(partner.requests.some((u) => u.searchParams.get('next') === '2'), 'the second page is asked for with next');
    assert.ok(partner.requests.every((u) => u.searchParams.get('limit') === '2'));
    assert.equal(await seen('pj-analyst', invalid.id), null);
    assert.equal(await seen('pj-analyst', spoofed.id), null);
  });

  test('imported objects keep their creator; those without a marking get the default TLP and are shared as it allows', async () => {
    const g = await seen('pj-analyst', green.id);
    assert.equal(g?.created_by_ref, producer.id);
    assert.equal(g?.publisher, 'pj');
    assert.deepEqual(g?.object_marking_refs, [tlpMarkingRef('green')]);
    assert.deepEqual((await seen('pj-analyst', producer.id))?.object_marking_refs, [tlpMarkingRef('green')]);
    assert.equal((await seen('crm-analyst', green.id))?.created_by_ref, producer.id, 'TLP:GREEN reaches the other agencies');
    assert.equal((await seen('pn-analyst', green.id))?.name, green.name);
    // The partner's own markings are kept: RED and AMBER stay with pj.
    assert.deepEqual((await seen('pj-analyst', red.id))?.object_marking_refs, [tlpMarkingRef('red')]);
    assert.deepEqual((await seen('pj-analyst', amber.id))?.object_marking_refs, [tlpMarkingRef('amber')]);
    for (const user of ['pn-analyst', 'crm-analyst'] as const) {
      assert.equal(await seen(user, red.id), null, `${user} never sees the partner's TLP:RED object`);
    }
  });

  test('each import is recorded with its source in the audit log', async () => {
    const rows = await until('the audit records of the import', async () => {
      const r = await cluster.nodes.pj.database.query<{ actor: string; object_ids: string[]; details: Json }>(
        `SELECT actor, object_ids, details FROM audit_log WHERE action = 'collection' AND details->>'import' = 'partner'`);
      return r.rows.length ? r.rows : null;
    });
    const ids = rows.flatMap((r) => r.object_ids);
    for (const o of [producer, green, amber, red]) assert.ok(ids.includes(o.id as string), `${String(o.id)} recorded`);
    assert.ok(!ids.includes(invalid.id as string) && !ids.includes(spoofed.id as string));
    assert.equal(rows[0]!.actor, 'import:partner');
    assert.equal(rows[0]!.details.source, `${partner.url}collections/${COLLECTION}/objects/`);
    assert.equal(rows[0]!.details.collection, COLLECTION);
  });

  test('a second pull asks for objects added after the last one and imports nothing new', async () => {
    const before = partner.requests.length;
    const status = await cluster.nodes.pj.imports!.runNow('partner');
    assert.deepEqual([status.imported, status.skipped, status.refused, status.lastError], [4, 0, 2, null]);
    assert.equal(partner.requests.length, before + 1);
    assert.equal(partner.requests.at(-1)!.searchParams.get('added_after'), partner.entries.at(-1)!.added);
  });

  test('objects already on the ledger in that version are skipped; a new one is imported', async () => {
    // As if the partner ignored added_after: the cursor is forgotten and the whole collection comes again.
    await cluster.nodes.pj.database.query(`UPDATE partner_imports SET added_after = NULL WHERE import_id = 'partner'`);
    const fresh = indicator(producer.id as string, 'Partner indicator added later', 'clear');
    partner.add(fresh);
    const status = await cluster.nodes.pj.imports!.runNow('partner');
    assert.deepEqual([status.imported, status.skipped, status.refused], [5, 4, 4]);
    assert.equal((await seen('crm-analyst', fresh.id))?.name, fresh.name);
  });

  test('a partner that fails leaves the node up, with the error in its status and in /healthz', async () => {
    partner.failing = true;
    try {
      const status = await cluster.nodes.pj.imports!.runNow('partner');
      assert.match(status.lastError ?? '', /HTTP 503/);
      assert.equal(status.imported, 5);
      const health = await (await fetch(new URL('/healthz', cluster.nodes.pj.url))).json() as { status: string; imports: { id: string; lastError: string }[] };
      assert.equal(health.status, 'ok');
      assert.match(health.imports[0]!.lastError, /HTTP 503/);
    } finally {
      partner.failing = false;
    }
    const recovered = await cluster.nodes.pj.imports!.runNow('partner');
    assert.equal(recovered.lastError, null);
  });

  test('a MISP feed: every object carries the event\'s TLP and its creator organisation; a broken event is refused alone', async () => {
    const status = await cluster.nodes.pj.imports!.runNow('misp');
    assert.equal(status.lastError, null);
    assert.deepEqual([status.imported, status.refused], [4, 1]);
    assert.equal(status.addedAfter, '1764806401');
    const ip = await seen('crm-analyst', `indicator--${ipAttr}`);
    assert.equal(ip?.created_by_ref, `identity--${org}`);
    assert.equal(ip?.pattern, "[ipv4-addr:value = '198.51.100.9']");
    assert.deepEqual(ip?.object_marking_refs, [tlpMarkingRef('green')], 'the event TLP, not AMBER');
    assert.equal((await seen('crm-analyst', `report--${eventId}`))?.name, 'Drone controllers near the border');
    // The hash was shared with "this community only" (AMBER): pj has it, crm does not.
    assert.deepEqual((await seen('pj-analyst', `indicator--${hashAttr}`))?.object_marking_refs, [tlpMarkingRef('amber')]);
    assert.equal(await seen('crm-analyst', `indicator--${hashAttr}`), null);
    const fetched = mispRequests.length;
    const again = await cluster.nodes.pj.imports!.runNow('misp');
    assert.deepEqual([again.imported, again.refused], [4, 1], 'nothing new on the second pull');
    assert.deepEqual(mispRequests.slice(fetched), ['/feed/manifest.json'], 'only the manifest is read again');
  });
});
