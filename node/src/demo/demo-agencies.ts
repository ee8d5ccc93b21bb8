/**
 * The four agencies of the demo: in one process sharing one embedded ledger, or each on its own peer of the Fabric network.
 * Every demo user's password is "demo".
 */
import { join } from 'node:path';
import { hashPassword } from '../auth/passwords.js';
import { parseConfig, type NodeConfig } from '../config/config.js';
import type { Role } from '../identity.js';

export interface DemoAgency {
  key: 'pn' | 'pj' | 'mad' | 'crm';
  name: string;
  mspId: string;
  level: NodeConfig['agency']['level'];
  country: string;
  identityUuid: string;
  port: number;
  users: { username: string; displayName: string; role: Role }[];
}

export const DEMO_PASSWORD = 'demo';

export const demoAgencies: DemoAgency[] = [
  {
    key: 'pn', name: 'Policía Nacional', mspId: 'PnMSP', level: 'national', country: 'ES',
    identityUuid: '5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01', port: 4001,
    users: [
      { username: 'pn-analyst', displayName: 'Analyst, Policía Nacional', role: 'analyst' },
      { username: 'pn-operator', displayName: 'Field operator, Policía Nacional', role: 'operator' },
      { username: 'pn-auditor', displayName: 'Auditor, Policía Nacional', role: 'auditor' },
      { username: 'pn-supervisor', displayName: 'Supervisor, Policía Nacional', role: 'supervisor' },
    ],
  },
  {
    key: 'pj', name: 'Polícia Judiciária', mspId: 'PjMSP', level: 'partner', country: 'PT',
    identityUuid: '5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a02', port: 4002,
    users: [
      { username: 'pj-analyst', displayName: 'Analyst, Polícia Judiciária', role: 'analyst' },
      { username: 'pj-supervisor', displayName: 'Supervisor, Polícia Judiciária', role: 'supervisor' },
    ],
  },
  {
    key: 'mad', name: 'Policía Municipal de Madrid', mspId: 'MadMSP', level: 'local', country: 'ES',
    identityUuid: '5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a03', port: 4003,
    users: [
      { username: 'mad-operator', displayName: 'Field operator, Policía Municipal de Madrid', role: 'operator' },
      { username: 'mad-supervisor', displayName: 'Supervisor, Policía Municipal de Madrid', role: 'supervisor' },
    ],
  },
  {
    key: 'crm', name: 'Comunidad de Madrid – ASEM112', mspId: 'CrmMSP', level: 'regional', country: 'ES',
    identityUuid: '5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a04', port: 4004,
    users: [
      { username: 'crm-analyst', displayName: 'Analyst, Comunidad de Madrid ASEM112', role: 'analyst' },
      { username: 'crm-supervisor', displayName: 'Supervisor, Comunidad de Madrid ASEM112', role: 'supervisor' },
    ],
  },
];

/** The node configuration of one demo agency under a data directory (port 0 = any free port). */
export async function demoConfig(
  agency: DemoAgency, dataDir: string,
  opts: {
    port?: number; pgUrl?: string; opaUrl?: string; queryWorkers?: number; queryWorkerNice?: number; detectionSources?: unknown[]; fabricConnection?: string; webhooks?: unknown[]; apiKeys?: unknown[]; imports?: unknown[]; correlation?: unknown;
    /** Users besides the agency's own (benchmarks: many analysts), with the same password. */
    extraUsers?: DemoAgency['users'];
  } = {},
): Promise<NodeConfig> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  return parseConfig({
    agency: { key: agency.key, name: agency.name, mspId: agency.mspId, level: agency.level, country: agency.country, identityUuid: agency.identityUuid },
    listen: { host: '127.0.0.1', port: opts.port ?? agency.port },
    dataDir: join(dataDir, agency.key),
    ledger: opts.fabricConnection ? { kind: 'fabric', connection: opts.fabricConnection } : { kind: 'embedded', dir: join(dataDir, 'ledger') },
    readModel: opts.pgUrl ? { kind: 'postgres', url: opts.pgUrl } : { kind: 'pglite' },
    policy: opts.opaUrl ? { runtime: 'opa-server', url: opts.opaUrl } : { runtime: 'wasm' },
    users: [...agency.users, ...(opts.extraUsers ?? [])].map((u) => ({ ...u, passwordHash })),
    ...(opts.detectionSources ? { detection: { sources: opts.detectionSources } } : {}),
    ...(opts.webhooks ? { webhooks: opts.webhooks } : {}),
    ...(opts.apiKeys ? { apiKeys: opts.apiKeys } : {}),
    ...(opts.imports ? { imports: opts.imports } : {}),
    ...(opts.correlation ? { correlation: opts.correlation } : {}),
    ...(opts.queryWorkers === undefined ? {} : { queryWorkers: opts.queryWorkers }),
    ...(opts.queryWorkerNice === undefined ? {} : { queryWorkerNice: opts.queryWorkerNice }),
  });
}
