#!/usr/bin/env node
// Prints the compiled test files (*.test.js) of the given workspaces (default: all), one per line.
// Node 20's test runner takes no globs, so the test script lists the files with this.
// Tests on the real Fabric network (*.fabric.test.js) are listed only with --fabric, and only they: each brings a
// network up, so scripts/test.sh runs them one at a time in a stage of their own.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const fabric = process.argv.includes('--fabric');
const args = process.argv.slice(2).filter((a) => a !== '--fabric');
const workspaces = args.length > 0
  ? args
  : ['schemas', 'chaincode', 'detection', 'policies', 'node', 'portal', 'network-config'];

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.js') && name.endsWith('.fabric.test.js') === fabric) out.push(path);
  }
}

const files = [];
for (const ws of workspaces) {
  const dist = join(ws, 'dist');
  if (existsSync(dist)) walk(dist, files);
}
process.stdout.write(files.sort().join('\n') + (files.length ? '\n' : ''));
