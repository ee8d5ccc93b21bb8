/**
 * Runs one transaction function of a fabric-contract-api style contract the way a Fabric peer
 * dispatches it: beforeTransaction, the function (through aroundTransaction when the contract has
 * it), afterTransaction. Only public methods of the contract's own classes are transactions.
 */
import { SimulatedTxContext, type PrivateStateReader, type StateReader, type TxInfo } from '@popart/chaincode';

/** Methods of fabric-contract-api's Contract base class: never callable as transactions. */
const CONTRACT_BASE_METHODS = new Set([
  'constructor', 'beforeTransaction', 'afterTransaction', 'aroundTransaction', 'unknownTransaction', 'createContext', 'getName',
]);

type Method = (...args: unknown[]) => unknown;

/** Names of the contract's transaction functions: prototype methods, not constructor, not `_…`, not Contract's own. */
export function transactionNames(contract: object): Set<string> {
  const names = new Set<string>();
  for (let proto: unknown = Object.getPrototypeOf(contract); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const [name, desc] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (typeof desc.value !== 'function' || name.startsWith('_') || CONTRACT_BASE_METHODS.has(name)) continue;
      names.add(name);
    }
  }
  return names;
}

function resultText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return JSON.stringify(value);
}

/** Simulates `fn(ctx, ...args)` against `state`; returns the result and the context holding the read/write set. */
export async function runTransaction(
  contract: object, state: StateReader, tx: TxInfo, fn: string, args: readonly string[], privateState?: PrivateStateReader,
): Promise<{ result: string; ctx: SimulatedTxContext }> {
  const c = contract as Record<string, unknown>;
  const ctx = new SimulatedTxContext(state, tx, privateState);
  const call = (name: string, ...rest: unknown[]): unknown => {
    const m = c[name];
    return typeof m === 'function' ? (m as Method).call(contract, ctx, ...rest) : undefined;
  };
  await call('beforeTransaction');
  const raw = typeof c.aroundTransaction === 'function'
    ? await call('aroundTransaction', fn, [...args])
    : await call(fn, ...args);
  await call('afterTransaction', raw);
  return { result: resultText(raw), ctx };
}
