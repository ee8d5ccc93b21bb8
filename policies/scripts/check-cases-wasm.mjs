#!/usr/bin/env node
/**
 * Runs every case of test/cases.json through the compiled policies (build/policy.wasm and
 * build/data.json, or the folder given as the first argument) with the OPA wasm SDK the node
 * uses, and fails unless each result equals the expected one. This catches a built-in that the
 * wasm runtime lacks as well as a stale build.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { loadPolicy } from '@open-policy-agent/opa-wasm';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const dir = process.argv[2] ?? join(here, 'build');
const policy = await loadPolicy(readFileSync(join(dir, 'policy.wasm')));
policy.setData(JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8')));
const cases = JSON.parse(readFileSync(join(here, 'test/cases.json'), 'utf8'));
let failed = 0;
for (const c of cases) {
  let actual;
  try {
    actual = policy.evaluate(c.input, c.entrypoint)[0]?.result;
  } catch (err) {
    actual = `error: ${err.message}`;
  }
  if (!isDeepStrictEqual(actual, c.expected)) {
    failed += 1;
    console.error(`not ok - ${c.name}\n  expected ${JSON.stringify(c.expected)}\n  wasm     ${JSON.stringify(actual)}`);
  }
}
console.log(`policies wasm: ${cases.length - failed} of ${cases.length} cases agree`);
process.exit(failed ? 1 : 0);
