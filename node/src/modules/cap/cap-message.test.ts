import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ALERT_EXTENSION_ID, validateObject, type StixObject } from '@popart/schemas';
import { alert, IDENTITIES } from '../../../test/stix-fixtures.js';
import { capParameter, capText, capTexts, feedAlerts, recordCapMessage } from '../../../test/cap-support.js';
import { redact } from '../threat/egress.js';
import { atomFeed } from './cap-feed.js';
import { capMessage, capTime, type CapContext } from './cap-message.js';

const CTX: CapContext = { sender: IDENTITIES.pn, senderName: 'Policía Nacional', exercise: false, language: 'es-ES', versions: [] };
const EXT = `extensions.${ALERT_EXTENSION_ID}`;

function drone(extra: Record<string, unknown> = {}, tlp: 'clear' | 'green' | 'amber' | 'red' = 'green'): StixObject {
  const o = { ...alert({ by: IDENTITIES.pn, tlp, created: '2026-06-01T18:30:00.250Z' }), ...extra } as StixObject;
  const v = validateObject(o);
  assert.ok(v.ok, `the test alert is valid STIX: ${JSON.stringify(v.ok ? [] : v.errors)}`);
  return o;
}

function ext(o: StixObject): Record<string, unknown> {
  return o.extensions![ALERT_EXTENSION_ID] as Record<string, unknown>;
}

describe('an alert as a CAP 1.2 message', () => {
  test('the fields of a first version: identifier, sender, times, mapped severity/urgency/certainty, guidance, circle in km', () => {
    const o = drone({ description: 'A DJI drone hovering over the stage' });
    const m = capMessage(o, { ...CTX, versions: [o.modified as string], web: `https://pn.example/cap/alerts/${o.id}.xml` });
    recordCapMessage('unit-first-version', m.document);
    assert.equal(m.msgType, 'Alert');
    assert.equal(capText(m.document, 'identifier'), `${o.id}/2026-06-01T18:30:00.250Z`);
    assert.equal(capText(m.document, 'sender'), IDENTITIES.pn);
    assert.equal(capText(m.document, 'sent'), '2026-06-01T18:30:00-00:00');
    assert.equal(capText(m.document, 'status'), 'Actual');
    assert.equal(capText(m.document, 'msgType'), 'Alert');
    assert.equal(capText(m.document, 'scope'), 'Restricted');
    assert.match(capText(m.document, 'restriction') ?? '', /^TLP:GREEN/);
    assert.equal(capText(m.document, 'references'), undefined, 'a first version references nothing');
    assert.equal(capText(m.document, 'incidents'), o.id);
    assert.equal(capText(m.document, 'language'), 'es-ES');
    assert.equal(capText(m.document, 'category'), 'Security');
    assert.equal(capText(m.document, 'event'), 'Unauthorised drone');
    assert.equal(capText(m.document, 'urgency'), 'Immediate', 'high severity: act now');
    assert.equal(capText(m.document, 'severity'), 'Severe');
    assert.equal(capText(m.document, 'certainty'), 'Likely', 'detection confidence 80');
    assert.equal(capText(m.document, 'expires'), '2026-06-01T19:30:00-00:00');
    assert.equal(capText(m.document, 'senderName'), 'Policía Nacional');
    assert.equal(capText(m.document, 'headline'), 'Drone over the fan zone');
    assert.equal(capText(m.document, 'description'), 'A DJI drone hovering over the stage');
    assert.equal(capText(m.document, 'instruction'), ext(o).guidance);
    assert.equal(capText(m.document, 'web'), `https://pn.example/cap/alerts/${o.id}.xml`);
    assert.equal(capText(m.document, 'areaDesc'), 'Puerta del Sol fan zone');
    assert.equal(capText(m.document, 'circle'), '40.4168,-3.7038 0.3', 'lat,lon and the radius in km');
    assert.equal(capText(m.document, 'polygon'), undefined);
    assert.equal(capParameter(m.document, 'POPART:tlp'), 'green');
    assert.equal(capParameter(m.document, 'POPART:detection_confidence'), '80');
    assert.match(m.document, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">/);
  });

  test('severity, urgency and certainty follow the documented table; TLP:CLEAR is Public; an exercise says so', () => {
    const cases: [string, number, string, string, string][] = [
      ['critical', 95, 'Extreme', 'Immediate', 'Observed'], ['high', 51, 'Severe', 'Immediate', 'Likely'],
      ['medium', 50, 'Moderate', 'Expected', 'Possible'], ['low', 0, 'Minor', 'Expected', 'Unlikely'],
    ];
    for (const [severity, confidence, capSeverity, urgency, certainty] of cases) {
      const o = drone({}, 'clear');
      Object.assign(ext(o), { severity, detection_confidence: confidence, category: 'crowd-density' });
      const m = capMessage(o, { ...CTX, exercise: severity === 'low' });
      recordCapMessage(`unit-severity-${severity}`, m.document);
      assert.equal(capText(m.document, 'severity'), capSeverity, severity);
      assert.equal(capText(m.document, 'urgency'), urgency, severity);
      assert.equal(capText(m.document, 'certainty'), certainty, `confidence ${confidence}`);
      assert.equal(capText(m.document, 'category'), 'Safety');
      assert.equal(capText(m.document, 'scope'), 'Public');
      assert.equal(capText(m.document, 'restriction'), undefined);
      assert.equal(capText(m.document, 'status'), severity === 'low' ? 'Exercise' : 'Actual');
    }
    const labelled = capMessage(drone({ labels: ['exercise'] }), CTX);
    assert.equal(labelled.status, 'Exercise', 'an alert labelled "exercise" is an Exercise on any node');
  });

  test('a new version is an Update and a revoked one a Cancel, each referencing the earlier versions', () => {
    const v1 = drone();
    const v2 = { ...v1, modified: '2026-06-01T18:35:00.000Z' } as StixObject;
    const v3 = { ...v1, modified: '2026-06-01T18:40:00.000Z', revoked: true } as StixObject;
    const versions = [v1.modified, v2.modified, v3.modified] as string[];
    const ref = (v: StixObject): string => `${IDENTITIES.pn},${v.id}/${v.modified as string},${capTime(v.modified as string)}`;
    const update = capMessage(v2, { ...CTX, versions });
    const cancel = capMessage(v3, { ...CTX, versions });
    recordCapMessage('unit-update', update.document);
    recordCapMessage('unit-cancel', cancel.document);
    assert.equal(update.msgType, 'Update');
    assert.equal(capText(update.document, 'references'), ref(v1), 'a later version does not reference itself or what came after');
    assert.equal(cancel.msgType, 'Cancel');
    assert.equal(capText(cancel.document, 'references'), `${ref(v1)} ${ref(v2)}`);
    assert.equal(capText(cancel.document, 'urgency'), 'Past');
    assert.notEqual(update.identifier, cancel.identifier);
    assert.equal(capMessage(v2, { ...CTX, versions }).identifier, update.identifier, 'the identifier is stable for a version');
  });

  test('a polygon becomes lat,lon pairs, first equal to last', () => {
    const o = drone();
    ext(o).area = { shape: 'polygon', vertices: [[-3.70, 40.41], [-3.69, 40.41], [-3.69, 40.42], [-3.70, 40.41]] };
    const m = capMessage(o, CTX);
    recordCapMessage('unit-polygon', m.document);
    assert.equal(capText(m.document, 'polygon'), '40.41,-3.7 40.41,-3.69 40.42,-3.69 40.41,-3.7');
    assert.equal(capText(m.document, 'circle'), undefined);
  });

  test('what the gate redacted is not in the message: removed area and venue leave no area; coarsened coordinates stay coarse', () => {
    const o = drone();
    const removed = capMessage(redact(o, [`${EXT}.area`, `${EXT}.venue`]), CTX);
    recordCapMessage('unit-redacted-area', removed.document);
    assert.doesNotMatch(removed.document, /<area>|<circle>|40\.4168|Puerta del Sol/);
    const coarse = capMessage(redact(o, [], [{ path: `${EXT}.area.latitude`, decimals: 2 }, { path: `${EXT}.area.longitude`, decimals: 2 }]), CTX);
    recordCapMessage('unit-coarsened-area', coarse.document);
    assert.equal(capText(coarse.document, 'circle'), '40.42,-3.7 0.3');
  });

  test('text is escaped, and characters XML cannot carry are replaced', () => {
    // set after the validity check: the node refuses such text, but the writer must not depend on it
    const o = Object.assign(drone(), { name: 'Drone <b>&</b> "crowd"', description: 'bell\u0007 and \ud800 lone surrogate' });
    ext(o).guidance = 'Stay > 50 m away & call 112';
    const m = capMessage(o, CTX);
    recordCapMessage('unit-escaping', m.document);
    assert.equal(capText(m.document, 'headline'), 'Drone <b>&</b> "crowd"');
    assert.equal(capText(m.document, 'instruction'), 'Stay > 50 m away & call 112');
    assert.equal(capText(m.document, 'description'), 'bell\ufffd and \ufffd lone surrogate');
    assert.doesNotMatch(m.document, /<b>/);
  });
});

describe('the Atom feed of CAP messages', () => {
  test('one entry per message, carrying the message inline and linking to it; newest update time', () => {
    const a = drone();
    const b = { ...drone(), modified: '2026-06-01T19:00:00.000Z' } as StixObject;
    const entries = [b, a].map((o) => ({ message: capMessage(o, CTX), title: String(o.name), link: `https://pn.example/cap/alerts/${o.id}.xml` }));
    const feed = atomFeed({ id: 'urn:popart:cap:pn:alerts', title: 'Alerts', self: 'https://pn.example/cap/alerts.atom?purpose=a&b', author: 'Policía Nacional', entries, now: new Date() });
    assert.match(feed, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom">/);
    assert.equal(capTexts(feed, 'updated')[0], '2026-06-01T19:00:00Z');
    assert.match(feed, /href="https:\/\/pn.example\/cap\/alerts.atom\?purpose=a&amp;b"/);
    const alerts = feedAlerts(feed);
    assert.equal(alerts.length, 2);
    assert.equal(capText(alerts[0] as string, 'identifier'), entries[0]!.message.identifier);
    for (const x of alerts) recordCapMessage('unit-feed-entry', x);
    assert.equal(capTexts(feed, 'id').filter((id) => id.startsWith('urn:popart:cap:incident--')).length, 2);
  });
});
