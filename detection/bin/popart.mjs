#!/usr/bin/env node
// `popart`: the detection command line (src/cli/popart.ts). This launcher is committed so that `npm ci` links it
// as a bin on a fresh clone (npm links no bin whose file is missing, and dist/ is only built later): on the first run
// after an install it builds detection/ (`tsc --build`, with its references), then runs the compiled command line.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/src/cli/popart.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('popart: building detection/ first (once after an install)\n');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const build = spawnSync(process.execPath, [tsc, '--build', fileURLToPath(new URL('..', import.meta.url))], { stdio: ['ignore', 2, 2] });
  if (build.status !== 0) {
    process.stderr.write('popart: the build failed (above); fix it, or run npx tsc --build from the repository root\n');
    process.exit(1);
  }
}
await import(cli.href);
