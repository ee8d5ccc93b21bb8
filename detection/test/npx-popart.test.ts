/**
 * The command line as the READMEs tell a user to run it after `npm ci`: `npx popart …` from the repository root.
 * npm links a workspace's bin only when its file exists at install time, so the bin is the committed launcher
 * detection/bin/popart.mjs (it builds dist/ on a first run), not a file of dist/.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { PcapWriter, simulateFlight } from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'popart-npx-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

function npx(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('npx', ['--no-install', 'popart', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('npx popart from the repository root', () => {
  it('is linked by npm to the committed launcher', async () => {
    assert.equal(await realpath(join(ROOT, 'node_modules/.bin/popart')), await realpath(join(ROOT, 'detection/bin/popart.mjs')));
  });

  it('--help lists the commands', async () => {
    const r = await npx(['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /usage: popart <command>/);
    assert.match(r.stdout, /remoteid/);
  });

  it('remoteid <capture> prints the drone it heard', async () => {
    const pcap = join(dir, 'capture.pcap');
    const w = await PcapWriter.create(pcap, { format: 'pcap', linkTypes: [127] });
    const serial = 'NPX00000000000000001';
    for (const p of simulateFlight({
      serial, mac: '02:aa:bb:cc:dd:02', from: [40.45, -3.6883], to: [40.452, -3.6883], heightM: 50, speedMps: 10,
      operator: [40.449, -3.69], operatorId: 'NPX-OP-1', startMs: Date.UTC(2025, 2, 1, 18), transports: ['wifi-beacon'], periodS: 1,
    })) await w.write({ timestampMs: p.timestampMs, data: p.data });
    await w.close();
    const r = await npx(['remoteid', pcap, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const finals = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; final?: boolean; drone?: { id: string } })
      .filter((l) => l.kind === 'drone' && l.final);
    assert.deepEqual(finals.map((l) => l.drone?.id), [serial]);
  });
});
