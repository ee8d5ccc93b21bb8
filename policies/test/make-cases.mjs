#!/usr/bin/env node
/**
 * Writes test/cases.json: the named cases { name, entrypoint, input, expected } that the node runs
 * through both policy runtimes (wasm and OPA server). Each case below states by hand what decides
 * (allow and rule, the recipients, the paths); the script evaluates the policies once with OPA,
 * refuses to write if any hand-stated fact disagrees, and records the full result (reasons
 * included) as `expected`. test/cases_test.rego then keeps the Rego and the file in step.
 *
 *   node test/make-cases.mjs            (from policies/, with OPA from scripts/tools.sh)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const NOW = '2025-06-01T20:00:00Z';
const EXT = 'extension-definition--eede3623-5bda-4618-a696-fd5bf0b5744f';
const ID = {
  pn: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01',
  pj: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a02',
  mad: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a03',
  crm: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a04',
};
const AREA = {
  bernabeu: { bbox: [-3.6905, 40.4525, -3.6862, 40.4541], center: [-3.68835, 40.4533] },
  alcala: { bbox: [-3.38, 40.47, -3.35, 40.49], center: [-3.365, 40.48] },
  toledo: { bbox: [-4.04, 39.85, -4.0, 39.87], center: [-4.02, 39.86] },
  lisbon: { bbox: [-9.2, 38.69, -9.1, 38.75], center: [-9.15, 38.72] },
  madridEdge: { bbox: [-3.95, 40.4, -3.85, 40.46], center: [-3.9, 40.43] },
  madridCorner: { bbox: [-3.885, 40.615, -3.875, 40.625], center: [-3.88, 40.62] },
};
const ALERT_PROPS = ['name', 'description', 'extensions', `extensions.${EXT}`, `extensions.${EXT}.area`,
  `extensions.${EXT}.area.latitude`, `extensions.${EXT}.area.longitude`, `extensions.${EXT}.area.radius_m`,
  `extensions.${EXT}.severity`, `extensions.${EXT}.guidance`];

let n = 0;
function obj(o) {
  n += 1;
  const type = o.type ?? 'incident';
  const alert = type === 'incident' && o.category !== null;
  return {
    id: `${type}--0b5d8c2e-4f3a-4c1d-9e7b-${String(n).padStart(12, '0')}`,
    type,
    publisher: o.publisher ?? 'pn',
    tlp: o.tlp === undefined ? 'green' : o.tlp,
    audience: (o.audience ?? []).map((k) => ID[k]),
    category: alert ? (o.category ?? 'drone') : null,
    severity: alert ? (o.severity ?? 'high') : null,
    area: o.area === undefined ? AREA.bernabeu : o.area,
    properties: o.properties ?? (alert ? ALERT_PROPS : ['name', 'description']),
  };
}
const subject = (agency, role = 'analyst') => ({ agency, role, username: `${agency}-${role}` });

const cases = [];
const decide = (entrypoint, name, input, facts) => cases.push({ name, entrypoint, input: { now: NOW, ...input }, facts });
const release = (name, agency, o, allow, rule) =>
  decide('popart/release/decision', `release: ${name}`, { subject: subject(agency), object: o }, { allow, rule });
const visibility = (name, agency, role, o, allow, rule) =>
  decide('popart/visibility/decision', `visibility: ${name}`, { subject: subject(agency, role), object: o }, { allow, rule });
const redaction = (name, agency, o, remove, coarsen) =>
  decide('popart/redaction/decision', `redaction: ${name}`, { subject: subject(agency), object: o }, { remove, coarsen });

// Release: TLP x audience x agency level x jurisdiction.
const droneGreen = obj({});
release('TLP:CLEAR reaches a partner LEA', 'pj', obj({ tlp: 'clear', area: null }), true, 'release.clear');
release('TLP:CLEAR outside a local authority\'s territory is not held', 'mad', obj({ tlp: 'clear', area: AREA.lisbon }), false, 'release.jurisdiction');
release('TLP:GREEN reaches a partner LEA', 'pj', droneGreen, true, 'release.green');
release('TLP:GREEN inside Madrid reaches the municipal police', 'mad', droneGreen, true, 'release.green');
release('TLP:GREEN inside the Comunidad reaches the region', 'crm', obj({ area: AREA.alcala }), true, 'release.green');
release('TLP:GREEN in Alcalá is outside Madrid city', 'mad', obj({ area: AREA.alcala }), false, 'release.jurisdiction');
release('TLP:GREEN in Toledo is outside the Comunidad', 'crm', obj({ area: AREA.toledo }), false, 'release.jurisdiction');
release('TLP:GREEN with no area reaches a local authority', 'mad', obj({ area: null }), true, 'release.green');
release('TLP:GREEN straddling Madrid city\'s edge is held by it', 'mad', obj({ area: AREA.madridEdge }), true, 'release.green');
release('TLP:GREEN in Madrid city\'s box but outside its polygon', 'mad', obj({ area: AREA.madridCorner }), false, 'release.jurisdiction');
release('TLP:AMBER named partner under the pn→pj agreement', 'pj', obj({ tlp: 'amber', audience: ['pj', 'mad'] }), true, 'release.amber');
release('TLP:AMBER named local authority', 'mad', obj({ tlp: 'amber', audience: ['pj', 'mad'] }), true, 'release.amber');
release('TLP:AMBER not named', 'crm', obj({ tlp: 'amber', audience: ['pj', 'mad'] }), false, 'release.amber');
release('TLP:AMBER named national agency', 'pn', obj({ publisher: 'mad', tlp: 'amber', audience: ['pn'] }), true, 'release.amber');
release('TLP:AMBER named partner without an agreement', 'pj', obj({ publisher: 'mad', tlp: 'amber', audience: ['pj'] }), false, 'release.partner_agreement');
release('TLP:AMBER named local authority, outside its territory', 'mad', obj({ tlp: 'amber', audience: ['mad'], area: AREA.toledo }), false, 'release.jurisdiction');
release('unmarked is AMBER: named', 'crm', obj({ tlp: null, audience: ['crm'], area: AREA.alcala }), true, 'release.amber');
release('unmarked is AMBER: not named', 'pj', obj({ tlp: null, area: null }), false, 'release.amber');
release('TLP:AMBER+STRICT stays with the publisher', 'pj', obj({ tlp: 'amber+strict', audience: ['pj'] }), false, 'release.amber_strict');
release('TLP:RED stays with the publisher', 'mad', obj({ tlp: 'red', audience: ['mad'] }), false, 'release.red');
release('TLP:RED is held by its publisher', 'pn', obj({ tlp: 'red' }), true, 'release.own');
release('a local authority holds its own objects anywhere', 'mad', obj({ publisher: 'mad', tlp: 'amber', area: AREA.lisbon }), true, 'release.own');
release('an agency missing from the configuration holds nothing', 'xx', obj({ tlp: 'clear' }), false, 'release.unknown_agency');

// Visibility: roles on top of release.
visibility('analyst sees what release allows', 'pj', 'analyst', obj({ tlp: 'amber', audience: ['pj'] }), true, 'visibility.analyst');
visibility('supervisor sees what release allows', 'crm', 'supervisor', obj({ type: 'report', area: null }), true, 'visibility.supervisor');
visibility('analyst is refused what release refuses', 'crm', 'analyst', obj({ tlp: 'amber' }), false, 'release.amber');
visibility('operator receives an alert', 'mad', 'operator', droneGreen, true, 'visibility.operator_alert');
visibility('operator sees a sighting of the territory', 'pn', 'operator', obj({ type: 'sighting', publisher: 'mad' }), true, 'visibility.operator_territory');
visibility('operator does not see a sighting outside the territory', 'pn', 'operator', obj({ type: 'sighting', publisher: 'pj', area: AREA.lisbon }), false, 'visibility.operator_territory');
visibility('operator sees an indicator with no area', 'pj', 'operator', obj({ type: 'indicator', area: null }), true, 'visibility.operator_territory');
visibility('operator does not see reports', 'pn', 'operator', obj({ type: 'report', area: null }), false, 'visibility.operator_role');
visibility('auditor sees no content', 'pn', 'auditor', obj({ tlp: 'clear' }), false, 'visibility.auditor');
visibility('local analyst: outside Madrid city is not shown', 'mad', 'analyst', obj({ area: AREA.alcala }), false, 'release.jurisdiction');
visibility('local operator: alert in Madrid city', 'mad', 'operator', obj({ tlp: 'amber', audience: ['mad'], severity: 'critical' }), true, 'visibility.operator_alert');

// Redaction.
const withOperator = (o) => ({ ...o, properties: [...o.properties, 'x_popart_operator_position', 'x_popart_operator_description', `extensions.${EXT}.operator_position`] });
redaction('partner LEA loses the drone operator\'s position and description', 'pj', withOperator(obj({})),
  ['extensions.' + EXT + '.operator_position', 'x_popart_operator_description', 'x_popart_operator_position'], []);
redaction('national agency gets everything', 'pn', withOperator(obj({ publisher: 'mad' })), [], []);
redaction('local authority, centre inside: precise', 'mad', withOperator(obj({})), [], []);
redaction('local authority, centre outside: alert area coarsened', 'mad', obj({ area: AREA.madridEdge }), [],
  [{ path: `extensions.${EXT}.area.latitude`, decimals: 2 }, { path: `extensions.${EXT}.area.longitude`, decimals: 2 }]);
redaction('local authority, centre outside: location coarsened', 'mad', obj({ type: 'location', publisher: 'crm', area: AREA.madridEdge, properties: ['name', 'latitude', 'longitude'] }), [],
  [{ path: 'latitude', decimals: 2 }, { path: 'longitude', decimals: 2 }]);
redaction('partner LEA: nothing to remove when the paths are absent', 'pj', obj({}), [], []);
redaction('own objects are never redacted', 'pj', withOperator(obj({ publisher: 'pj', area: AREA.lisbon })), [], []);

// Routing.
const operators = [
  { username: 'pn-operator', agency: 'pn', role: 'operator', min_severity: 'medium' },
  { username: 'pn-supervisor', agency: 'pn', role: 'supervisor', min_severity: 'critical' },
  { username: 'pn-analyst', agency: 'pn', role: 'analyst', min_severity: 'low' },
  { username: 'pj-operator', agency: 'pj', role: 'operator', min_severity: 'low' },
  { username: 'mad-operator', agency: 'mad', role: 'operator', min_severity: 'low', position: [-3.69, 40.45] },
  { username: 'crm-operator', agency: 'crm', role: 'operator', min_severity: 'high' },
];
const routing = (name, alert, recipients) =>
  decide('popart/routing/decision', `routing: ${name}`, { alert, operators }, { recipients });
routing('GREEN drone over the Bernabéu', droneGreen, ['pn-operator', 'mad-operator', 'crm-operator']);
routing('AMBER critical alert named to Madrid city', obj({ tlp: 'amber', audience: ['mad'], severity: 'critical' }), ['pn-operator', 'pn-supervisor', 'mad-operator']);
routing('medium alert in Alcalá', obj({ area: AREA.alcala, severity: 'medium' }), ['pn-operator']);
routing('alert in Lisbon published by pj', obj({ publisher: 'pj', area: AREA.lisbon }), ['pj-operator']);
routing('low alert with no area', obj({ area: null, severity: 'low' }), ['pj-operator', 'mad-operator']);

// The batch gate.
const page = [droneGreen, obj({ tlp: 'red' }), withOperator(obj({ tlp: 'amber', audience: ['pj'] })), obj({ publisher: 'mad', tlp: 'amber', audience: ['pj'], area: null })];
const gate = (name, s, objects, facts) => decide('popart/gate/decisions', `gate: ${name}`, { subject: s, objects }, facts);
gate('a page for a partner analyst', subject('pj', 'analyst'), page,
  page.map((o, i) => ({ id: o.id, allow: [true, false, true, false][i], rule: ['visibility.analyst', 'release.red', 'visibility.analyst', 'release.partner_agreement'][i] })));
gate('a page for a municipal operator', subject('mad', 'operator'), [droneGreen, obj({ type: 'report', area: null }), obj({ area: AREA.madridEdge })],
  [{ allow: true, rule: 'visibility.operator_alert' }, { allow: false, rule: 'visibility.operator_role' }, { allow: true, rule: 'visibility.operator_alert' }]);
gate('a page for an auditor', subject('crm', 'auditor'), [droneGreen], [{ allow: false, rule: 'visibility.auditor', remove: [], coarsen: [] }]);
gate('an empty page', subject('pn', 'analyst'), [], []);
// Exercise (training) objects: only to a request that asked for that exercise; real objects unchanged.
const drill = { ...obj({}), exercise: 'stadium-drone-1' };
gate('exercise objects are hidden from a request that did not ask for the exercise', subject('mad', 'operator'), [drill, droneGreen],
  [{ allow: false, rule: 'visibility.exercise' }, { allow: true, rule: 'visibility.operator_alert' }]);
gate('exercise objects are shown to a request that asked for that exercise', { ...subject('mad', 'operator'), exercise: 'stadium-drone-1' }, [drill, droneGreen],
  [{ allow: true, rule: 'visibility.operator_alert' }, { allow: true, rule: 'visibility.operator_alert' }]);
decide('popart/gate/verdicts', 'gate: verdicts for a partner analyst, without reasons', { subject: subject('pj', 'analyst'), objects: page },
  page.map((_, i) => ({ allow: [true, false, true, false][i], rule: ['visibility.analyst', 'release.red', 'visibility.analyst', 'release.partner_agreement'][i] })));
const rules = JSON.parse(readFileSync(join(here, 'src/popart/config/data.json'), 'utf8')).redaction;
decide('popart/redaction/paths', 'redaction: the paths the rules name, once each, sorted', {},
  [...new Set([...rules.remove, ...rules.coarsen].flatMap((r) => r.paths))].sort());
decide('popart/gate/subject_fields', 'gate: the fields of the subject that decisions read', {}, ['agency', 'exercise', 'role']);

// Evaluate every case once with OPA.
const tmp = mkdtempSync(join(tmpdir(), 'popart-cases-'));
let results;
try {
  writeFileSync(join(tmp, 'input.json'), JSON.stringify(cases.map(({ name, entrypoint, input }) => ({ name, entrypoint, input }))));
  const out = execFileSync('bash', [join(here, 'scripts/opa.sh'), 'eval', '--format', 'json', '-d', join(here, 'src'), '-d', join(here, 'test/popart/cases/cases_test.rego'),
    '--input', join(tmp, 'input.json'), 'data.popart.cases_test.results'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  results = JSON.parse(out).result[0].expressions[0].value;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

// The hand-stated facts must hold: every key of `facts` (arrays element by element) in the result.
const holds = (facts, actual) => {
  if (Array.isArray(facts)) return Array.isArray(actual) && facts.length === actual.length && facts.every((f, i) => holds(f, actual[i]));
  if (facts && typeof facts === 'object') return actual && typeof actual === 'object' && Object.entries(facts).every(([k, v]) => holds(v, actual[k]));
  return isDeepStrictEqual(facts, actual);
};
const wrong = [];
const out = cases.map((c) => {
  const r = results.find((x) => x.name === c.name);
  if (!r || !holds(c.facts, r.result)) wrong.push(`${c.name}: stated ${JSON.stringify(c.facts)}, policies say ${JSON.stringify(r?.result)}`);
  return { name: c.name, entrypoint: c.entrypoint, input: c.input, expected: r?.result };
});
if (new Set(cases.map((c) => c.name)).size !== cases.length) wrong.push('case names must be unique');
if (wrong.length) {
  console.error(wrong.join('\n'));
  process.exit(1);
}
writeFileSync(join(here, 'test/cases.json'), JSON.stringify(out, null, 2) + '\n');
console.error(`policies: wrote ${out.length} cases to test/cases.json`);
