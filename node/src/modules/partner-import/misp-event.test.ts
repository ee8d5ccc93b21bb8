import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tlpMarkingRef, validateBundle } from '@popart/schemas';
import { attributePattern, eventTlp, mispEventToStix } from './misp-event.js';

const ORG = 'aaaaaaaa-1111-4222-8333-444444444444';
const EVENT = 'bbbbbbbb-1111-4222-8333-444444444444';
const A1 = 'cccccccc-1111-4222-8333-444444444444';
const A2 = 'dddddddd-1111-4222-8333-444444444444';
const A3 = 'eeeeeeee-1111-4222-8333-444444444444';

function event(extra: Record<string, unknown> = {}): { Event: Record<string, unknown> } {
  return { Event: {
    uuid: EVENT, info: 'Drone controllers seen at the stadium', date: '2026-11-30', timestamp: '1764806400', publish_timestamp: '1764806400',
    distribution: '3', Orgc: { name: 'GNR', uuid: ORG }, Tag: [{ name: 'tlp:green' }],
    Attribute: [
      { uuid: A1, type: 'ip-dst', category: 'Network activity', value: '198.51.100.7', to_ids: true, timestamp: '1764806400', distribution: '5' },
      { uuid: A2, type: 'comment', category: 'Other', value: 'seen twice', to_ids: false, timestamp: '1764806400', distribution: '5' },
    ],
    Object: [{ Attribute: [{ uuid: A3, type: 'sha256', category: 'Payload delivery', value: 'a'.repeat(64), to_ids: true, timestamp: '1764806400', distribution: '1' }] }],
    ...extra,
  } };
}

test('a MISP event becomes its organisation, a report and an indicator per detectable attribute, every one marked', () => {
  const r = mispEventToStix(event(), 'amber');
  assert.equal(r.unmapped, 1);
  const byType = (t: string) => r.objects.filter((o) => o.type === t);
  assert.deepEqual(byType('identity').map((o) => [o.id, o.name]), [[`identity--${ORG}`, 'GNR']]);
  const [report] = byType('report');
  assert.equal(report!.id, `report--${EVENT}`);
  assert.deepEqual(report!.object_refs, [`indicator--${A1}`, `indicator--${A3}`]);
  assert.deepEqual(report!.object_marking_refs, [tlpMarkingRef('green')]);
  const [ip, hash] = byType('indicator');
  assert.equal(ip!.pattern, "[ipv4-addr:value = '198.51.100.7']");
  assert.equal(ip!.created_by_ref, `identity--${ORG}`);
  assert.deepEqual(ip!.object_marking_refs, [tlpMarkingRef('green')], 'the event TLP on every object');
  assert.deepEqual(hash!.object_marking_refs, [tlpMarkingRef('amber')], 'an attribute shared with this community only is AMBER');
  const checked = validateBundle({ type: 'bundle', id: 'bundle--ffffffff-1111-4222-8333-444444444444', objects: r.objects });
  assert.ok(checked.ok, JSON.stringify(checked.ok ? [] : checked.errors));
});

test('the event TLP is the most restrictive of its tags and distribution; none gives the default', () => {
  assert.equal(eventTlp({ Tag: [{ name: 'tlp:white' }], distribution: '1' }), 'amber');
  assert.equal(eventTlp({ Tag: [{ name: 'TLP:RED' }], distribution: '3' }), 'red');
  assert.equal(eventTlp({ distribution: '0' }), 'amber+strict');
  assert.equal(eventTlp({ Tag: [{ name: 'osint' }] }), undefined);
  const r = mispEventToStix(event({ Tag: [], distribution: undefined }), 'amber');
  assert.deepEqual(r.objects.find((o) => o.type === 'report')!.object_marking_refs, [tlpMarkingRef('amber')]);
});

test('values are quoted safely in patterns; types without a pattern are not mapped', () => {
  assert.equal(attributePattern('url', "http://x.example/a'b\\c"), "[url:value = 'http://x.example/a\\'b\\\\c']");
  assert.equal(attributePattern('ip-src', '2001:db8::1'), "[ipv6-addr:value = '2001:db8::1']");
  assert.equal(attributePattern('text', 'x'), undefined);
});

test('a file that is not a MISP event is refused naming the field', () => {
  assert.throws(() => mispEventToStix({}, 'green'), /^Error: Event: missing/);
  assert.throws(() => mispEventToStix(event({ uuid: 'x' }), 'green'), /Event\.uuid/);
  assert.throws(() => mispEventToStix(event({ Orgc: {} }), 'green'), /Event\.Orgc/);
  assert.throws(() => mispEventToStix(event({ timestamp: 'soon' }), 'green'), /Event\.timestamp/);
});
