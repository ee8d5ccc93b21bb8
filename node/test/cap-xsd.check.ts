/**
 * Validates every CAP message the other tests left in POPART_CAP_OUT (what the node's feed, single reads and webhooks
 * produced, and the converter's unit tests) against the OASIS CAP 1.2 XML schema with xmllint. `npm test` runs this
 * after the rest of the suite; scripts/tools.sh installs xmllint (Debian libxml2-utils) and finds the schema
 * (POPART_XMLLINT, POPART_CAP_XSD).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from './support.js';

const xmllint = process.env.POPART_XMLLINT;
const xsd = process.env.POPART_CAP_XSD;
const outDir = process.env.POPART_CAP_OUT;

function validate(files: string[]): { status: number | null; output: string } {
  assert.ok(xmllint, 'POPART_XMLLINT is not set: run `npm test`, which installs xmllint (libxml2-utils)');
  assert.ok(xsd, 'POPART_CAP_XSD is not set: run `npm test`; scripts/tools.sh finds the OASIS CAP 1.2 schema');
  const r = spawnSync(xmllint, ['--noout', '--nonet', '--schema', xsd, ...files], { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

test('xmllint reports a message the CAP 1.2 schema does not allow (the check can fail)', () => {
  const dir = tempDir();
  try {
    const bad = join(dir.path, 'bad.xml');
    // a "Z" time zone (CAP requires -00:00) and a status outside the enumeration
    writeFileSync(bad, '<?xml version="1.0" encoding="UTF-8"?>\n<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier>' +
      '<sender>y</sender><sent>2026-06-01T18:30:00Z</sent><status>Real</status><msgType>Alert</msgType><scope>Public</scope></alert>\n');
    const r = validate([bad]);
    assert.notEqual(r.status, 0, r.output);
    assert.match(r.output, /fails to validate/);
    assert.match(r.output, /sent/);
  } finally {
    dir.remove();
  }
});

test('every CAP message the tests produced is valid against the OASIS CAP 1.2 schema', () => {
  assert.ok(outDir, 'POPART_CAP_OUT is not set: run `npm test`');
  const files = readdirSync(outDir).filter((f) => f.endsWith('.xml')).map((f) => join(outDir, f)).sort();
  assert.ok(files.length >= 20, `expected the suite to leave at least 20 CAP messages in ${outDir}, found ${files.length}`);
  assert.ok(files.some((f) => f.includes('e2e-webhook')) && files.some((f) => f.includes('e2e-pn-feed')), 'messages of the feed and of webhooks are among them');
  const r = validate(files);
  const failed = r.output.split('\n').filter((l) => /fails to validate|error/i.test(l));
  assert.deepEqual(failed, [], `xmllint found errors:\n${r.output}`);
  assert.equal(r.status, 0, r.output);
});
