import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { droneCapture, gunshotRecording } from './recordings.js';
import { loadScenario, SCENARIO_DIR } from './scenario.js';
import { EXAMPLE_CONFIG_DIR } from './sensor-step.js';

const ZONES = { zones: [{ name: 'pitch', circle: { latitude: 40.45306, longitude: -3.68835, radius_m: 250 } }] };
const SENSOR = { id: 'rid-1', kind: 'remoteid', input: 'capture.pcap', venue: 'Estadio', config: ZONES };

describe('exercise sensor steps', () => {
  test('the shipped recordings are what recordings.ts makes (made again, same bytes)', () => {
    assert.ok(droneCapture().equals(readFileSync(join(SCENARIO_DIR, 'recordings/bernabeu-drone.pcap'))));
    assert.ok(gunshotRecording().equals(readFileSync(join(SCENARIO_DIR, 'recordings/sol-gunshot.wav'))));
  });

  test('files are resolved against the scenario, a shipped configuration by its name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'popart-sensor-step-'));
    try {
      writeFileSync(join(dir, 'capture.pcap'), droneCapture());
      mkdirSync(join(dir, 'frames'));
      const file = join(dir, 'ok.json');
      writeFileSync(file, JSON.stringify({
        name: 'ok', title: 't', description: 'd', steps: [
          { at: 5, agency: 'pn', user: 'pn-operator', respond: { alert: 'sensor:rid-1', status: 'acknowledged' } },
          { at: 0, agency: 'pn', user: 'pn-analyst', sensor: SENSOR },
          { at: 0, agency: 'pn', user: 'pn-analyst', sensor: { id: 'cam-1', kind: 'video', input: 'frames/%03d.jpg', config: 'camera', venue: 'Gate 7' } },
        ],
      }));
      const scenario = await loadScenario(file);
      const [rid, cam] = scenario.steps.flatMap((s) => ('sensor' in s ? [s.sensor] : []));
      assert.equal(rid?.input, join(dir, 'capture.pcap'));
      assert.deepEqual(rid?.config, ZONES);
      assert.equal(rid?.minSeverity, 'low', 'the node configuration\'s defaults');
      assert.equal(cam?.input, join(dir, 'frames/%03d.jpg'));
      assert.equal(cam?.config, join(EXAMPLE_CONFIG_DIR, 'camera.yaml'));
      assert.ok('respond' in scenario.steps.at(-1)!, 'sorted by time');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a bad sensor step is refused before the run, naming the field and why', async () => {
    const root = mkdtempSync(join(tmpdir(), 'popart-sensor-step-'));
    const dir = join(root, 'scenario');
    mkdirSync(dir);
    try {
      writeFileSync(join(dir, 'capture.pcap'), droneCapture());
      writeFileSync(join(dir, 'mic.wav'), gunshotRecording());
      writeFileSync(join(root, 'beside.pcap'), droneCapture());
      symlinkSync(join(root, 'beside.pcap'), join(dir, 'link.pcap'));
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [{ kind: 'radar' }, 'steps.0.sensor.kind', /remoteid/],
        [{ venue: undefined }, 'steps.0.sensor.venue', /Required/],
        [{ restart: { maxAttempts: 1 } }, 'steps.0.sensor.restart', /is not a sensor field/],
        [{ input: 'missing.pcap' }, 'steps.0.sensor.input', /no such file: .*missing\.pcap/],
        [{ input: '../beside.pcap' }, 'steps.0.sensor.input', /outside the folders a scenario may read/],
        [{ input: 'link.pcap' }, 'steps.0.sensor.input', /beside\.pcap is outside the folders/],
        [{ input: '/etc/hostname' }, 'steps.0.sensor.input', /outside the folders/],
        [{ config: { zones: [{ name: 'p', circle: { latitude: 40, longitude: -3, radius_m: -1 } }] } }, 'steps.0.sensor.config.zones[0].circle.radius_m', /positive/],
        [{ config: undefined }, 'steps.0.sensor.config', /restricted zones/],
        [{ kind: 'video', config: 'no-such-camera' }, 'steps.0.sensor.config', /not a shipped sensor configuration \(camera\)/],
        [{ config: '../beside.pcap' }, 'steps.0.sensor.config', /outside the folders/],
        [{ kind: 'audio', input: 'mic.wav', config: { detectors: [{ type: 'sonar' }] } }, 'steps.0.sensor.config', /sonar|type/],
      ];
      for (const [change, property, why] of cases) {
        const file = join(dir, 'bad.json');
        writeFileSync(file, JSON.stringify({ name: 'bad', title: 't', description: 'd', steps: [{ at: 0, agency: 'pn', user: 'pn-analyst', sensor: { ...SENSOR, ...change } }] }));
        await assert.rejects(loadScenario(file), (err: Error & { issues?: { property: string; message: string }[] }) => {
          const issue = (err.issues ?? []).find((i) => i.property === property || (property.endsWith('.config') && i.property.startsWith(property)));
          assert.ok(issue, `${JSON.stringify(change)}: ${property} in ${JSON.stringify(err.issues)}`);
          assert.match(issue.message, why);
          assert.match(err.message, new RegExp(`^scenario .*bad\\.json: .*${property.replace(/[.[\]]/g, '\\$&')}`));
          return true;
        });
      }
      const respond = (alert: string, at: number) => JSON.stringify({ name: 'bad', title: 't', description: 'd', steps: [
        { at: 10, agency: 'pn', user: 'pn-analyst', sensor: SENSOR }, { at, agency: 'mad', user: 'mad-operator', respond: { alert, status: 'acknowledged' } }] });
      for (const [alert, at, why] of [['sensor:rid-2', 20, /no sensor step of id "rid-2"/], ['sensor:rid-1', 5, /starts at or before this step/], ['sensor rid-1', 20, /or "sensor:ID"/]] as const) {
        writeFileSync(join(dir, 'bad.json'), respond(alert, at));
        await assert.rejects(loadScenario(join(dir, 'bad.json')), (err: Error & { issues?: { property: string; message: string }[] }) =>
          (err.issues ?? []).some((i) => i.property === 'steps.1.respond.alert' && why.test(i.message)));
      }
      // One refusal names every fault: a malformed publish step and a sensor step whose file is missing.
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ name: 'bad', title: 't', description: 'd', steps: [
        { at: 0, agency: 'pn', user: 'pn-analyst', publish: [] }, { at: 1, agency: 'pn', user: 'pn-analyst', sensor: { ...SENSOR, input: 'missing.pcap' } }] }));
      await assert.rejects(loadScenario(join(dir, 'bad.json')), (err: Error & { issues?: { property: string; message: string }[] }) => {
        assert.deepEqual((err.issues ?? []).map((i) => i.property), ['steps.0.publish', 'steps.1.sensor.input'], JSON.stringify(err.issues));
        return true;
      });
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ name: 'bad', title: 't', description: 'd', steps: [{ at: 0, agency: 'pn', user: 'u', replay: {} }] }));
      await assert.rejects(loadScenario(join(dir, 'bad.json')), /steps\.0: a step has one of publish, respond, sensor/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
