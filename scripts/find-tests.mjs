#!/usr/bin/env node
// Prints the compiled test files (*.test.js) of the given workspaces (default: all), one per line.
// Node 20's test runner takes no globs, so the test script lists the files with this.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const workspaces = process.argv.slice(2).length > 0
  ? process.argv.slice(2)
  : ['schemas', 'chaincode', 'detection', 'policies', 'node', 'portal', 'network-config'];

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
}

const files = [];
for (const ws of workspaces) {
  const dist = join(ws, 'dist');
  if (existsSync(dist)) walk(dist, files);
}
process.stdout.write(files.sort().join('\n') + (files.length ? '\n' : ''));
