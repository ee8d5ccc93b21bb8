import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTRACT_ERROR_CODES, ContractError, parseContractError } from './errors.js';

describe('ContractError wire format', () => {
  it('round-trips code, text and details through the message', () => {
    const details = [{ objectIndex: 0, objectId: 'indicator--x', property: 'pattern', message: 'bad | pattern ] "quoted" {' }];
    const err = new ContractError('INVALID_BUNDLE', 'the bundle is not valid', details);
    assert.equal(err.name, 'ContractError');
    assert.equal(err.code, 'INVALID_BUNDLE');
    assert.equal(err.reason, 'the bundle is not valid');
    assert.match(err.message, /^\[POPART:INVALID_BUNDLE\] the bundle is not valid \| \[\{/);
    assert.deepEqual(parseContractError(err.message), { code: 'INVALID_BUNDLE', message: 'the bundle is not valid', details });
  });

  it('writes details as canonical JSON (sorted keys)', () => {
    const err = new ContractError('STALE_VERSION', 'old', { property: 'modified', objectId: 'a' });
    assert.ok(err.message.endsWith('| {"objectId":"a","property":"modified"}'));
  });

  it('keeps the text on one line and free of the separator', () => {
    const err = new ContractError('NOT_FOUND', 'line one\nline two | and more', null);
    assert.equal(err.reason, 'line one line two / and more');
    assert.deepEqual(parseContractError(err.message), { code: 'NOT_FOUND', message: 'line one line two / and more', details: null });
  });

  it('finds the error inside a gateway or peer message, ignoring what follows the details', () => {
    const err = new ContractError('SPOOFED_CREATOR', 'not yours', { objectId: 'indicator--1', property: 'created_by_ref' });
    const wrapped = `10 ABORTED: failed to endorse transaction: chaincode response 500, ${err.message} (peer0.pn)`;
    assert.deepEqual(parseContractError(wrapped), {
      code: 'SPOOFED_CREATOR', message: 'not yours', details: { objectId: 'indicator--1', property: 'created_by_ref' },
    });
  });

  it('keeps the cause', () => {
    const cause = new SyntaxError('Unexpected token');
    assert.equal(new ContractError('MALFORMED_JSON', 'bad', null, { cause }).cause, cause);
  });

  it('round-trips every code', () => {
    for (const code of CONTRACT_ERROR_CODES) {
      assert.equal(parseContractError(new ContractError(code, 'x', { n: 1 }).message)?.code, code);
    }
  });

  it('returns undefined for other messages', () => {
    assert.equal(parseContractError('Expected 2 parameters, but 1 have been supplied'), undefined);
    assert.equal(parseContractError('[POPART:NO_SUCH_CODE] x | null'), undefined);
    assert.equal(parseContractError('[POPART:NOT_FOUND] no details'), undefined);
    assert.equal(parseContractError('[POPART:NOT_FOUND] truncated | {"a":'), undefined);
  });
});
