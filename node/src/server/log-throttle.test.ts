import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../log.js';
import { LogThrottle } from './log-throttle.js';

test('a flood of the same refusal writes one line per interval, the next one counting those left out', () => {
  const lines: string[] = [];
  let now = 0;
  const throttled = new LogThrottle(createLogger('t', 'info', (l) => lines.push(l)), 10_000, () => now);
  for (let i = 0; i < 1000; i++) throttled.warn('websocket connection closed for a protocol fault', { i });
  throttled.warn('another kind of line');
  assert.equal(lines.length, 2);
  now = 10_000;
  throttled.warn('websocket connection closed for a protocol fault', { i: 1000 });
  assert.equal(lines.length, 3);
  assert.match(lines[2] as string, /"suppressedSinceLast":999/);
});
