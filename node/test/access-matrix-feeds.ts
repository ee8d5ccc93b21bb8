/**
 * The access matrix's checks of the partner feeds, registered inside the matrix's describe block of each policy runtime:
 * for every demo user, the CAP feed, TAXII 2.1 (collection, by id, versions, manifest) and the MISP feed (manifest,
 * hashes, event files) hold exactly the objects the matrix's table says the user sees, redacted as it says; pn's RED and
 * AMBER+STRICT objects reach pn's webhook and none of the other agencies'. What each user gets is added to `received`, which the matrix's last test checks for pn's RED and AMBER+STRICT objects.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALERT_EXTENSION_ID } from '@popart/schemas';
import { capShape } from '../src/modules/cap/cap-message.js';
import { recordEmittedBundle, until } from './support.js';
import { bundle } from './stix-fixtures.js';
import { capText, feedAlerts, recordCapMessage, type WebhookReceiver } from './cap-support.js';
import { allPages, basic, taxii } from './taxii-support.js';
import { AGENCY_KEYS, type AgencyKey, codeOf, expectedFor, type Json, type Published, PURPOSE, type Username, USERS } from './access-matrix-table.js';

export interface FeedContext {
  policy: string;
  published: Published[];
  byId: Map<string, Published>;
  received: Record<Username, Set<string>>;
  visibleTo(user: Username): Published[];
  urlOf(user: Username): string;
  token(user: Username): string;
  /** Each agency's webhook receiver, registered for every alert and object its analysts may see. */
  hooks: Partial<Record<AgencyKey, WebhookReceiver>>;
}

export function feedChecks(m: FeedContext): void {
  const { policy, published, byId, received, visibleTo, urlOf } = m;
  for (const { username: user } of USERS) {
      test(`${user}: the CAP feed holds exactly the expected alerts, with the area as redacted for the user`, async () => {
        const res = await fetch(`${urlOf(user).replace(/\/graphql$/, '')}/cap/alerts.atom?limit=500&purpose=${encodeURIComponent(PURPOSE)}`, { headers: { authorization: `Bearer ${m.token(user)}` } });
        assert.equal(res.status, 200, `${user}: the CAP feed answers`);
        const mine = feedAlerts(await res.text()).filter((a) => byId.has(capText(a, 'incidents') ?? ''));
        for (const a of mine) {
          received[user].add(capText(a, 'incidents') as string);
          recordCapMessage(`access-matrix-${policy}-${user}`, a);
        }
        const keys = mine.map((a) => byId.get(capText(a, 'incidents') as string)!.spec.key).sort();
        assert.deepEqual(keys, visibleTo(user).filter((p) => p.spec.kind === 'alert').map((p) => p.spec.key).sort(), `${user}: visible alerts through the CAP feed`);
        for (const a of mine) {
          const p = byId.get(capText(a, 'incidents') as string)!;
          const shape = capShape(((expectedFor(p, user)!.extensions as Json)[ALERT_EXTENSION_ID] as Json).area);
          assert.equal(capText(a, 'circle'), shape && 'circle' in shape ? shape.circle : undefined, `${user}: ${p.spec.key} circle (code ${codeOf(p.spec, user)})`);
          assert.equal(capText(a, 'polygon'), shape && 'polygon' in shape ? shape.polygon : undefined, `${user}: ${p.spec.key} polygon (code ${codeOf(p.spec, user)})`);
        }
      });

      test(`${user}: TAXII 2.1 (Basic auth) serves exactly the expected objects, redacted as expected, in the collection, by id, in versions and the manifest`, async () => {
        const all = `${urlOf(user).replace(/\/graphql$/, '')}/taxii2/popart/collections/all`;
        const auth = basic(user);
        const objects = (await allPages(`${all}/objects/?match[version]=all&limit=200`, auth)).items.filter((o) => byId.has(o.id as string));
        const manifest = (await allPages(`${all}/manifest/?limit=200`, auth)).items.filter((r) => byId.has(r.id as string));
        for (const o of objects) received[user].add(o.id as string);
        for (const r of manifest) received[user].add(r.id as string);
        const expected = visibleTo(user).map((p) => p.spec.key).sort();
        assert.deepEqual(objects.map((o) => byId.get(o.id as string)!.spec.key).sort(), expected, `${user}: visible set through TAXII objects`);
        assert.deepEqual(manifest.map((r) => byId.get(r.id as string)!.spec.key).sort(), expected, `${user}: visible set through the TAXII manifest`);
        for (const o of objects) assert.deepEqual(o, expectedFor(byId.get(o.id as string)!, user), `${user}: ${byId.get(o.id as string)!.spec.key} through TAXII`);
        for (const p of published) {
          const one = await taxii(`${all}/objects/${p.object.id as string}/`, auth);
          const versions = await taxii(`${all}/objects/${p.object.id as string}/versions/`, auth);
          const want = expectedFor(p, user);
          if (want === null) assert.deepEqual([one.status, versions.status], [404, 404], `${user}: ${p.spec.key} by id and its versions over TAXII`);
          else assert.deepEqual([(one.body.objects as Json[])[0], versions.body.versions], [want, [p.object.modified]], `${user}: ${p.spec.key} by id over TAXII`);
        }
        if (objects.length) recordEmittedBundle(`access-matrix-${policy}-taxii-${user}`, bundle(...objects));
      });

      test(`${user}: the MISP feed holds exactly the expected alerts as events, with the area as redacted for the user`, async () => {
        const feed = `${urlOf(user).replace(/\/graphql$/, '')}/misp-feed`;
        const get = (file: string) => fetch(`${feed}/${file}`, { headers: { authorization: `Bearer ${m.token(user)}`, 'x-popart-purpose': PURPOSE } });
        const alerts = published.filter((p) => p.spec.kind === 'alert');
        const byUuid = new Map(alerts.map((p) => [(p.object.id as string).split('--')[1] as string, p]));
        const manifest = (await (await get('manifest.json')).json()) as Json;
        const listed = Object.keys(manifest).filter((uuid) => byUuid.has(uuid)).map((uuid) => byUuid.get(uuid)!);
        for (const p of listed) received[user].add(p.object.id as string);
        const expected = visibleTo(user).filter((p) => p.spec.kind === 'alert').map((p) => p.spec.key).sort();
        assert.deepEqual(listed.map((p) => p.spec.key).sort(), expected, `${user}: visible alerts through the MISP manifest`);
        const hashed = new Set((await (await get('hashes.csv')).text()).trim().split('\n').map((line) => line.split(',')[1]).filter((uuid) => byUuid.has(uuid ?? '')));
        assert.deepEqual([...hashed].map((uuid) => byUuid.get(uuid!)!.spec.key).sort(), expected, `${user}: visible alerts through the MISP hashes`);
        for (const [uuid, p] of byUuid) {
          const res = await get(`${uuid}.json`);
          const want = expectedFor(p, user);
          if (want === null) {
            assert.equal(res.status, 404, `${user}: ${p.spec.key} is no MISP event for the user`);
            continue;
          }
          received[user].add(p.object.id as string);
          const event = ((await res.json()) as { Event: { Object: { name: string; Attribute: { object_relation?: string; value: string }[] }[] } }).Event;
          const geo = event.Object.find((o) => o.name === 'geolocation')!;
          const rel = (r: string) => geo.Attribute.find((a) => a.object_relation === r)?.value;
          const area = ((want.extensions as Json)[ALERT_EXTENSION_ID] as Json).area as Json;
          if (area.shape === 'circle') assert.deepEqual([Number(rel('latitude')), Number(rel('longitude'))], [area.latitude, area.longitude], `${user}: ${p.spec.key} place in MISP`);
          else assert.ok(rel('text')?.includes(JSON.stringify(area.vertices)), `${user}: ${p.spec.key} polygon in MISP`);
        }
      });
  }

  test('webhooks: pn\'s RED and AMBER+STRICT objects reach pn\'s webhook and none registered by pj, mad or crm', async () => {
    const sentinel = published.find((p) => p.spec.key === 'sentinel')!.object.id as string;
    const bodies = (k: AgencyKey): string => m.hooks[k]!.got.map((d) => d.body).join('\n');
    for (const k of AGENCY_KEYS) await until(`${k}'s webhook has the sentinel`, async () => bodies(k).includes(sentinel));
    const secret = published.filter((p) => p.spec.by === 'pn' && (p.spec.tlp === 'red' || p.spec.tlp === 'amber+strict')).map((p) => p.object.id as string);
    for (const id of secret) assert.ok(bodies('pn').includes(id), `pn's own webhook gets ${id} (the check can fail)`);
    for (const k of ['pj', 'mad', 'crm'] as const) {
      assert.ok(published.some((p) => bodies(k).includes(p.object.id as string)), `${k}'s webhook received matrix objects (the check is not vacuous)`);
      for (const id of secret) assert.ok(!bodies(k).includes(id), `${k}'s webhook never receives ${byId.get(id)!.spec.key}`);
    }
    for (const d of m.hooks.mad!.got) if (d.headers['content-type'] === 'application/cap+xml') recordCapMessage(`access-matrix-${policy}-webhook-mad`, d.body);
  });
}
