#!/usr/bin/env node
/**
 * Reads `opa test --coverage --format json` on stdin and fails unless the policy files (not the
 * *_test.rego files) are covered at least at the given percentage (default 90).
 */
import { readFileSync } from 'node:fs';

const minimum = Number(process.argv[2] ?? 90);
const report = JSON.parse(readFileSync(0, 'utf8'));
let covered = 0;
let total = 0;
const lines = [];
for (const [file, f] of Object.entries(report.files ?? {})) {
  if (file.endsWith('_test.rego')) continue;
  const c = f.covered_lines ?? 0;
  const n = c + (f.not_covered_lines ?? 0);
  covered += c;
  total += n;
  lines.push(`  ${file}: ${(n ? (100 * c) / n : 100).toFixed(1)} % of ${n} lines`);
}
const pct = total ? (100 * covered) / total : 0;
console.log(`policies coverage: ${pct.toFixed(1)} % of ${total} policy lines (minimum ${minimum} %)\n${lines.join('\n')}`);
if (!(pct >= minimum)) process.exit(1);
