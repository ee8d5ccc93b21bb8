import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timestampKey } from './keys.js';

describe('timestampKey', () => {
  it('pads the fraction to nanoseconds so byte order is time order', () => {
    assert.equal(timestampKey('2025-03-01T10:00:00Z'), '2025-03-01T10:00:00.000000000Z');
    assert.equal(timestampKey('2025-03-01T10:00:00.5Z'), '2025-03-01T10:00:00.500000000Z');
    assert.equal(timestampKey('2025-03-01T10:00:00.123456789Z'), '2025-03-01T10:00:00.123456789Z');
    const a = timestampKey('2025-03-01T10:00:00.5Z') ?? '';
    const b = timestampKey('2025-03-01T10:00:00.123Z') ?? '';
    assert.ok(b < a);
  });

  it('rejects what is not a STIX timestamp', () => {
    assert.equal(timestampKey('2025-03-01'), undefined);
    assert.equal(timestampKey('2025-03-01T10:00:00+01:00'), undefined);
    assert.equal(timestampKey('2025-03-01T10:00:00.1234567890Z'), undefined);
  });
});
