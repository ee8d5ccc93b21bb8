/**
 * Test utilities shared by the chaincode's tests and the node's: run one transaction of the contract
 * against a MemoryState, decode what it wrote and emitted, and chain transactions in a tiny ledger.
 * Fixtures: the four demo agencies and a few STIX objects, as plain STIX JSON.
 *
 * Not used by the contract itself (nothing here runs on a peer).
 */
import { ALERT_EXTENSION_ID, TLP, tlpMarkingRef, type StixObject } from '@popart/schemas';
import { parseContractError, type ParsedContractError } from './errors.js';
import type { ObjectsEventPayload } from './records.js';
import type { ThreatExchangeContract } from './threat-exchange-contract.js';
import { isPrivateObject } from './private-marking.js';
import { HASHED_PREFIX, MemoryPrivateState, MemoryState, SimulatedTxContext, type RwSet, type TxInfo } from './tx-context.js';

export type TransactionName =
  | 'RegisterAgency' | 'ListAgencies' | 'GetAgency' | 'PublishBundle' | 'RecordSighting' | 'RevokeObject'
  | 'ReadObject' | 'GetHistory' | 'GetSightings' | 'QueryObjects' | 'AnchorAuditLog' | 'ListAuditAnchors'
  | 'StorePrivateObjects' | 'PublishBundleWithPrivate';

/** A written key and its decoded value (null for a delete; the hex SHA-256 for the hash of a private value). */
export interface DecodedWrite { key: string; value: unknown }

export interface RunResult {
  /** The transaction's return value (a JSON document), when it succeeded. */
  result: string | undefined;
  /** What was thrown, when it failed. */
  error: Error | undefined;
  /** `error.message` parsed as a contract error, when it is one. */
  contractError: ParsedContractError | undefined;
  rwSet: RwSet;
  writes: DecodedWrite[];
  /** Name and decoded payload of the transaction's event, if any. */
  event: { name: string; payload: ObjectsEventPayload } | null;
}

const decoder = new TextDecoder();

export function decodeValue(bytes: Uint8Array | null): unknown {
  return bytes === null ? null : JSON.parse(decoder.decode(bytes)) as unknown;
}

/** Composite keys with their \0 separators shown as '/', for readable assertions. */
export function showKey(key: string): string {
  return key.split('\u0000').join('/');
}

export interface RunOptions {
  txId?: string;
  clientId?: string;
  /** Transient data (text values), as a client sends it with a proposal. */
  transient?: Record<string, string>;
  /** The organisations' private data (default: none, no collection exists). */
  privateState?: MemoryPrivateState;
}

/** Runs one transaction in a fresh simulated context; never throws, nothing is applied to `state`. */
export async function run(
  contract: ThreatExchangeContract,
  state: MemoryState,
  mspId: string,
  fn: TransactionName,
  args: readonly string[],
  time: Date | string,
  options: RunOptions = {},
): Promise<RunResult> {
  const tx: TxInfo = {
    txId: options.txId ?? 'tx-0001',
    timestamp: typeof time === 'string' ? new Date(time) : time,
    mspId,
    clientId: options.clientId ?? `x509::CN=analyst::O=${mspId}`,
  };
  if (options.transient) tx.transient = new Map(Object.entries(options.transient).map(([k, v]) => [k, new TextEncoder().encode(v)]));
  const ctx = new SimulatedTxContext(state, tx, options.privateState);
  const method = (contract as unknown as Record<TransactionName, (c: SimulatedTxContext, ...a: string[]) => Promise<string>>)[fn];
  let result: string | undefined;
  let error: Error | undefined;
  try {
    result = await method.call(contract, ctx, ...args);
  } catch (err) {
    error = err instanceof Error ? err : new Error(String(err));
  }
  const rwSet = ctx.stub.rwSet();
  return {
    result,
    error,
    contractError: error ? parseContractError(error.message) : undefined,
    rwSet,
    writes: error ? [] : rwSet.writes.map((w) => ({
      key: w.key,
      // The hash of a private value: shown as hex.
      value: w.key.startsWith(HASHED_PREFIX) && w.value ? Buffer.from(w.value).toString('hex') : decodeValue(w.value),
    })),
    event: !error && rwSet.event
      ? { name: rwSet.event.name, payload: decodeValue(rwSet.event.payload) as ObjectsEventPayload }
      : null,
  };
}

/**
 * A minimal chain of transactions: each successful submit applies its write set to the state at
 * version "<block>:0", as a peer would after ordering and validation.
 */
export class TestLedger {
  readonly state = new MemoryState();
  /** Private data collections `private-<MSP>` of the four fixture agencies, each organisation's copy apart. */
  readonly privateState = MemoryPrivateState.perOrganisation(Object.values(AGENCIES).map((a) => a.mspId));
  private block = 0;

  constructor(readonly contract: ThreatExchangeContract) {}

  async submit(mspId: string, fn: TransactionName, args: readonly string[], time: Date | string, transient?: Record<string, string>): Promise<RunResult> {
    this.block += 1;
    const r = await run(this.contract, this.state, mspId, fn, args, time, {
      txId: `tx-${String(this.block).padStart(4, '0')}`, privateState: this.privateState, ...(transient ? { transient } : {}),
    });
    if (!r.error) {
      this.state.apply(r.rwSet.writes, `${this.block}:0`);
      this.privateState.apply(r.rwSet.privateWrites);
    }
    return r;
  }

  /**
   * Publishes a bundle as the node does: its TLP:RED, AMBER+STRICT and AMBER objects through StorePrivateObjects
   * (transient), then PublishBundleWithPrivate with the rest and the entries. Returns both results.
   */
  async publishSplit(mspId: string, objects: readonly StixObject[], time: Date | string): Promise<{ stored: RunResult; published: RunResult | undefined }> {
    // Without private objects: PublishBundle alone, its result as `stored`.
    const restricted = objects.filter(isPrivateObject);
    const open = objects.filter((o) => !isPrivateObject(o));
    if (restricted.length === 0) return { stored: await this.submit(mspId, 'PublishBundle', [bundleJson(open)], time), published: undefined };
    const stored = await this.submit(mspId, 'StorePrivateObjects', [], time, { bundle: bundleJson(restricted) });
    if (stored.error || stored.result === undefined) return { stored, published: undefined };
    const { entries } = JSON.parse(stored.result) as { entries: unknown[] };
    const published = await this.submit(mspId, 'PublishBundleWithPrivate', [open.length ? bundleJson(open) : '', JSON.stringify(entries)], time);
    return { stored, published };
  }

  /** Submits and throws when the transaction failed. Returns the parsed result. */
  async ok<T = unknown>(mspId: string, fn: TransactionName, args: readonly string[], time: Date | string): Promise<T> {
    const r = await this.submit(mspId, fn, args, time);
    if (r.error || r.result === undefined) throw r.error ?? new Error(`${fn} returned nothing`);
    return JSON.parse(r.result) as T;
  }

  /** Runs a read-only transaction (nothing applied). Returns the parsed result or throws. */
  async evaluate<T = unknown>(mspId: string, fn: TransactionName, args: readonly string[], time: Date | string = '2025-01-01T00:00:00.000Z'): Promise<T> {
    const r = await run(this.contract, this.state, mspId, fn, args, time, { txId: 'query', privateState: this.privateState });
    if (r.error || r.result === undefined) throw r.error ?? new Error(`${fn} returned nothing`);
    return JSON.parse(r.result) as T;
  }
}

// ---------------------------------------------------------------------------------------------
// Fixtures

const FIXTURE_CREATED = '2025-01-01T00:00:00.000Z';

function identity(uuid: string, name: string, description: string): StixObject {
  return {
    type: 'identity',
    spec_version: '2.1',
    id: `identity--${uuid}`,
    created: FIXTURE_CREATED,
    modified: FIXTURE_CREATED,
    name,
    description,
    identity_class: 'organization',
    sectors: ['government-public-services'],
    object_marking_refs: [tlpMarkingRef('clear')],
  };
}

export interface AgencyFixture { mspId: string; identity: StixObject }

/** The four demo agencies: MSP id and STIX identity. */
export const AGENCIES = {
  pn: { mspId: 'PnMSP', identity: identity('8a6f2b0c-4d1e-4c3a-9b7e-1f2a3b4c5d01', 'Policía Nacional', 'Spanish national police') },
  pj: { mspId: 'PjMSP', identity: identity('8a6f2b0c-4d1e-4c3a-9b7e-1f2a3b4c5d02', 'Polícia Judiciária', 'Portuguese criminal investigation police') },
  mad: { mspId: 'MadMSP', identity: identity('8a6f2b0c-4d1e-4c3a-9b7e-1f2a3b4c5d03', 'Policía Municipal de Madrid', 'Madrid municipal police') },
  crm: { mspId: 'CrmMSP', identity: identity('8a6f2b0c-4d1e-4c3a-9b7e-1f2a3b4c5d04', 'Comunidad de Madrid – ASEM112', 'Madrid regional emergency services') },
} as const satisfies Record<string, AgencyFixture>;

/** A STIX indicator for a drone's Remote ID MAC address, created by `createdBy` (if given). */
export function indicatorFixture(options: {
  uuid: string;
  createdBy?: string;
  modified?: string;
  created?: string;
  name?: string;
  mac?: string;
}): StixObject {
  const created = options.created ?? FIXTURE_CREATED;
  const object: StixObject = {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${options.uuid}`,
    created,
    modified: options.modified ?? created,
    name: options.name ?? 'Unregistered drone over a public event',
    indicator_types: ['anomalous-activity'],
    pattern: `[mac-addr:value = '${options.mac ?? '60:60:1f:00:00:01'}']`,
    pattern_type: 'stix',
    valid_from: created,
  };
  if (options.createdBy !== undefined) object.created_by_ref = options.createdBy;
  return object;
}

/** A sighting of `sightedId` by `createdBy`. */
export function sightingFixture(options: { uuid: string; sightedId: string; createdBy?: string; modified?: string; count?: number }): StixObject {
  const modified = options.modified ?? '2025-01-02T00:00:00.000Z';
  const object: StixObject = {
    type: 'sighting',
    spec_version: '2.1',
    id: `sighting--${options.uuid}`,
    created: modified,
    modified,
    sighting_of_ref: options.sightedId,
    count: options.count ?? 1,
  };
  if (options.createdBy !== undefined) object.created_by_ref = options.createdBy;
  return object;
}

/**
 * A POP-ART public-space alert (an incident carrying the alert extension): a drone in a circle of
 * `radiusM` metres around (lat, lon), addressed to `audience`, marked TLP:GREEN.
 */
export function alertFixture(options: {
  uuid: string;
  createdBy: string;
  latitude: number;
  longitude: number;
  radiusM?: number;
  audience?: string[];
  modified?: string;
  severity?: 'low' | 'medium' | 'high' | 'critical';
}): StixObject {
  const created = '2025-01-01T12:00:00.000Z';
  const alert: Record<string, unknown> = {
    extension_type: 'property-extension',
    category: 'drone',
    severity: options.severity ?? 'high',
    detection_confidence: 90,
    area: { shape: 'circle', latitude: options.latitude, longitude: options.longitude, radius_m: options.radiusM ?? 500 },
    sensor_kind: 'remote-id',
    venue: 'Estadio Santiago Bernabéu',
    expires: '2025-01-01T18:00:00.000Z',
    guidance: 'Locate the pilot; do not attempt to bring the drone down.',
  };
  if (options.audience) alert.audience_refs = options.audience;
  return {
    type: 'incident',
    spec_version: '2.1',
    id: `incident--${options.uuid}`,
    created,
    modified: options.modified ?? created,
    created_by_ref: options.createdBy,
    name: 'Drone over the stadium',
    object_marking_refs: [TLP.green.id],
    extensions: { [ALERT_EXTENSION_ID]: alert },
  };
}

/** A bundle of the objects, as the JSON string PublishBundle takes. */
export function bundleJson(objects: readonly StixObject[], uuid = '0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f'): string {
  return JSON.stringify({ type: 'bundle', id: `bundle--${uuid}`, objects });
}

/** Registers the given agencies (all four by default) in `ledger`. */
export async function registerAgencies(
  ledger: TestLedger,
  agencies: readonly AgencyFixture[] = Object.values(AGENCIES),
  time = '2025-01-01T00:00:00.000Z',
): Promise<void> {
  for (const a of agencies) await ledger.ok(a.mspId, 'RegisterAgency', [JSON.stringify(a.identity)], time);
}
