import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { exerciseOf, validateBundle } from '@popart/schemas';
import { exerciseIdFor, listScenarios, loadScenario, materialise, SCENARIO_DIR } from './scenario.js';

const PN = 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01';

describe('exercise scenarios', () => {
  test('the three shipped scenarios give valid STIX, every object marked, fresh ids, responses to published alerts', async () => {
    assert.deepEqual(await listScenarios(), ['demonstration-gunshot', 'gate-crowding', 'stadium-drone']);
    for (const name of await listScenarios()) {
      const scenario = await loadScenario(name);
      const exercise = exerciseIdFor(scenario, new Date('2026-12-06T12:03:00Z'));
      assert.equal(exercise, `${name}-20261206T120300`);
      const ids = new Map<string, string>();
      const published = new Set<string>();
      for (const step of scenario.steps) {
        if ('publish' in step) {
          const objects = materialise(step.publish, { exercise, ids, identity: PN, now: new Date() });
          const checked = validateBundle({ type: 'bundle', id: 'bundle--6f1d2c3b-4a5e-4f6a-8b7c-9d0e1f2a3b4c', objects });
          assert.ok(checked.ok, `${name}: ${JSON.stringify(!checked.ok && checked.errors)}`);
          for (const [i, o] of objects.entries()) {
            assert.equal(exerciseOf(o), exercise);
            assert.notEqual(o.id, step.publish[i]!.id, 'a fresh id');
            published.add(String(step.publish[i]!.id));
          }
        } else if ('sensor' in step) {
          published.add(`sensor:${step.sensor.id}`);
          assert.ok(step.sensor.input.startsWith(SCENARIO_DIR), `${name}: the recording is resolved, inside node/scenarios`);
        } else {
          assert.ok(published.has(step.respond.alert), `${name}: responds to an alert published earlier`);
        }
      }
      // A relationship's refs follow its objects' new ids.
      for (const [from, to] of ids) assert.ok(to.startsWith(from.slice(0, from.indexOf('--'))));
    }
  });

  test('a bad scenario is refused naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'popart-scenario-'));
    try {
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify({ name: 'Bad Name', title: 't', description: 'd', steps: [{ at: -1, agency: 'pn', user: 'x', publish: [] }] }));
      await assert.rejects(loadScenario(file), (err: Error & { issues?: { property: string }[] }) => {
        const props = (err.issues ?? []).map((i) => i.property);
        return props.includes('name') && props.some((p) => p.startsWith('steps.0'));
      });
      await assert.rejects(loadScenario('no-such-scenario'), /shipped: demonstration-gunshot, gate-crowding, stadium-drone/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
