import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// A process that loads the contract (a node on the embedded ledger, the chaincode server, a test) must still stop on
// an error nothing handles: fabric-shim's logger would otherwise log it and carry on (see fabric.ts).
const contract = fileURLToPath(new URL('./index.js', import.meta.url));

function runAfterLoading(code: string): { status: number | null; stderr: string } {
  const script = `await import(${JSON.stringify(contract)}); ${code}; setTimeout(() => console.log(['still', 'running'].join('-')), 300);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, CORE_CHAINCODE_LOGGING_LEVEL: 'WARNING' } });
  return { status: r.status, stderr: r.stderr + r.stdout };
}

describe('a process that loads the contract', () => {
  it('exits with an error on an uncaught exception', () => {
    const r = runAfterLoading(`setTimeout(() => { throw new Error('boom-uncaught'); }, 10)`);
    assert.notEqual(r.status, 0, r.stderr);
    assert.match(r.stderr, /boom-uncaught/);
    assert.doesNotMatch(r.stderr, /still-running/);
  });

  it('exits with an error on an unhandled rejection', () => {
    const r = runAfterLoading(`void Promise.reject(new Error('boom-rejected'))`);
    assert.notEqual(r.status, 0, r.stderr);
    assert.match(r.stderr, /boom-rejected/);
    assert.doesNotMatch(r.stderr, /still-running/);
  });
});
