/**
 * One validated configuration object per agency node: a JSON file overlaid by environment variables,
 * loaded once in main(). Every field is described here; an invalid value is refused with its path.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { capConfigSchema, webhooksConfigSchema } from './cap-config.js';
import { correlationConfigSchema } from './correlation-config.js';
import { detectionConfigSchema } from './detection-config.js';
import { importsConfigSchema } from './imports-config.js';
import { ConfigError } from '../errors.js';
import { authorityLevels, roles } from '../identity.js';

const authorityLevel = z.enum(authorityLevels).describe(
  'Kind of authority: national LEA, partner LEA of another country, regional or local authority',
);

const user = z.object({
  username: z.string().min(1).describe('Login name, unique within the node'),
  displayName: z.string().min(1).describe('Name shown in the portal and audit log'),
  role: z.enum(roles).describe('What the user does: analyst, operator (field), supervisor, auditor'),
  minSeverity: z.enum(['low', 'medium', 'high', 'critical']).default('low').describe('Operators and supervisors are sent alerts of at least this severity'),
  passwordHash: z.string().regex(/^scrypt\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/, 'must be "scrypt$<salt b64>$<hash b64>" (see popart-node hash-password)')
    .describe('scrypt hash of the password'),
});

const apiKey = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2-63 lowercase letters, digits or "-", e.g. "misp-gnr"')
    .describe('Key id: the partner\'s name in the audit log, and its HTTP Basic user name; unique among keys and users'),
  name: z.string().min(1).describe('The partner system, e.g. "MISP of the Guardia Nacional Republicana"'),
  role: z.enum(roles).describe('The role the partner acts with (what it may see and whether it may publish), as a user of this agency'),
  purpose: z.string().trim().min(1).describe('Why the partner consults data (LED Art. 25): recorded with every response, and what lets it receive TLP:AMBER or stricter data'),
  minSeverity: z.enum(['low', 'medium', 'high', 'critical']).default('low').describe('With role operator or supervisor: alerts routed to it have at least this severity'),
  secretHash: z.string().regex(/^sha256\$[0-9a-f]{64}$/, 'must be "sha256$<64 hex digits>" (see popart-node api-key)')
    .describe('SHA-256 of the key\'s secret; the secret itself is given to the partner once and never stored'),
});

const ledger = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('embedded').describe('In-process ledger: same contract, hash-chained block log on disk'),
    dir: z.string().min(1).describe('Directory of the block log, shared by the nodes attached to it'),
  }),
  z.object({
    kind: z.literal('fabric').describe('Hyperledger Fabric network through the Fabric Gateway of the agency\'s own peer'),
    connection: z.string().min(1).describe('The network\'s connection file (written by `npm run network:up`: .popart/fabric/connection.json): channel, chaincode, the agency\'s peer and TLS CA'),
    identity: z.object({
      certPath: z.string().min(1).describe('PEM certificate issued by the agency\'s CA'),
      keyPath: z.string().min(1).optional().describe('PEM PKCS#8 private key of that certificate (not with keystore.kind "vault")'),
    }).optional().describe('Who the node signs as; default: the agency\'s client user in the connection file. With keystore.kind "vault" the transit key signs and the certificate is issued by the agency\'s CA in the vault (fabric-enroll); this then gives only a certificate to use instead'),
  }),
]);

const readModel = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('pglite').describe('Embedded PostgreSQL (WASM); data under dataDir/read-model') }),
  z.object({ kind: z.literal('postgres'), url: z.string().url().describe('postgres://user:pass@127.0.0.1:5432/db') }),
]);

const policy = z.discriminatedUnion('runtime', [
  z.object({
    runtime: z.literal('wasm').describe('Rego compiled to wasm (policies/build), evaluated in process'),
    workers: z.number().int().min(0).max(64).optional()
      .describe('worker threads for batches of more than 250 objects (exports, large pages); 0 = none; default 2 when the machine has 2 cores or more'),
  }),
  z.object({
    runtime: z.literal('opa-server').describe('An OPA server with the policies as a bundle, decision logs on'),
    url: z.string().url().optional().describe('URL of a running OPA server; when absent the node starts one on 127.0.0.1'),
    opaBinary: z.string().optional().describe('opa executable used to start the server (default: $POPART_OPA, then "opa" on PATH)'),
  }),
]);

export const nodeConfigSchema = z.object({
  agency: z.object({
    key: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'must be a short lowercase key such as "pn"').describe('Short key of the agency'),
    name: z.string().min(1).describe('Official name, e.g. "Policía Nacional"; becomes the STIX identity name'),
    mspId: z.string().regex(/^[A-Za-z][A-Za-z0-9]*MSP$/, 'must look like "PnMSP"').describe('Ledger organisation (MSP id)'),
    level: authorityLevel,
    country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code').describe('Country of the agency'),
    identityUuid: z.string().uuid().describe('UUID of the agency\'s STIX identity (identity--<uuid>), fixed for the agency\'s lifetime'),
  }),
  listen: z.object({
    host: z.string().default('127.0.0.1').describe('Address the GraphQL API listens on'),
    port: z.number().int().min(0).max(65535).describe('Port of the GraphQL API (0 = any free port)'),
  }),
  dataDir: z.string().min(1).describe('Directory for this node\'s state: read model, keys, outbox, checkpoint'),
  ledger,
  readModel: readModel.default({ kind: 'pglite' }),
  policy: policy.default({ runtime: 'wasm' }),
  queryWorkers: z.number().int().min(0).max(32).optional()
    .describe('worker threads that execute read-only GraphQL queries (HTTP), off the thread that delivers alerts; 0 = on that thread; default 1 on a machine with 2 cores or more, else 0'),
  queryWorkerNice: z.number().int().min(0).max(19).default(10)
    .describe('nice value of the query workers\' threads (Linux): under load, the threads that store and deliver alerts get the cores first; 0 = the node\'s own priority'),
  keystore: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('file').describe('Encrypted file keystore in <dataDir>/keys (embedded default)'),
      passphraseEnv: z.string().default('POPART_KEYSTORE_PASSPHRASE').describe('Environment variable holding the keystore passphrase'),
    }),
    z.object({
      kind: z.literal('vault').describe('OpenBao / HashiCorp Vault: transit signs, KV v2 keeps secrets; the key never leaves the vault'),
      address: z.string().url().describe('Vault address, e.g. http://127.0.0.1:8200 (env VAULT_ADDR)'),
      signingKey: z.string().regex(/^[a-z0-9-]+$/).optional().describe('Transit key name (default popart-<agency key>-signing)'),
      secretsPath: z.string().optional().describe('KV v2 path of the node\'s secrets (default popart/<agency key>)'),
      transitMount: z.string().default('transit'),
      kvMount: z.string().default('secret'),
      timeoutMs: z.number().int().positive().default(5000).describe('Deadline of one vault call'),
      pkiMount: z.string().regex(/^[a-z0-9-]+$/).optional().describe('PKI mount of the agency\'s CA, which issues its Fabric certificate (default pki-<agency key>)'),
      pkiRole: z.string().regex(/^[a-z0-9-]+$/).default('fabric-client').describe('PKI role issuing the node\'s Fabric client certificate'),
      certificateTtl: z.string().regex(/^\d+[smh]$/).default('720h').describe('Lifetime of each Fabric certificate; renewed after two thirds of it'),
    }),
  ]).default({ kind: 'file' }),
  users: z.array(user).min(1).describe('Users of this node'),
  apiKeys: z.array(apiKey).default([]).describe('API keys of partner systems (TAXII, feeds), each with its own role and purpose'),
  sessionHours: z.number().positive().max(24).default(8).describe('Lifetime of a login token'),
  detection: detectionConfigSchema.default({ sources: [] }),
  cap: capConfigSchema.default({}),
  correlation: correlationConfigSchema.default({}),
  webhooks: webhooksConfigSchema,
  imports: importsConfigSchema,
}).superRefine((c, ctx) => {
  const names = new Set(c.users.map((u) => u.username));
  for (const [i, k] of c.apiKeys.entries()) {
    if (names.has(k.id)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['apiKeys', i, 'id'], message: `"${k.id}" is already a user name (a key id is also its HTTP Basic user name)` });
    names.add(k.id);
  }
});

export type NodeConfig = z.infer<typeof nodeConfigSchema>;

/** Environment overlay: variable → config path. Values are parsed as JSON when they look like it. */
export const envOverlay: Record<string, string[]> = {
  POPART_LISTEN_HOST: ['listen', 'host'],
  POPART_LISTEN_PORT: ['listen', 'port'],
  POPART_DATA_DIR: ['dataDir'],
  POPART_LEDGER: ['ledger', 'kind'],
  POPART_LEDGER_DIR: ['ledger', 'dir'],
  POPART_FABRIC_CONNECTION: ['ledger', 'connection'],
  POPART_PG_URL: ['readModel', 'url'],
  POPART_POLICY: ['policy', 'runtime'],
  POPART_OPA_URL: ['policy', 'url'],
  POPART_POLICY_WORKERS: ['policy', 'workers'],
  POPART_QUERY_WORKERS: ['queryWorkers'],
  POPART_QUERY_WORKER_NICE: ['queryWorkerNice'],
  POPART_KEYS: ['keystore', 'kind'],
  VAULT_ADDR: ['keystore', 'address'],
};

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let cursor = target;
  for (const part of path.slice(0, -1)) {
    const next = cursor[part];
    if (typeof next !== 'object' || next === null) cursor[part] = {};
    cursor = cursor[part] as Record<string, unknown>;
  }
  cursor[path[path.length - 1] as string] = value;
}

export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = {}): NodeConfig {
  const merged = structuredClone(raw ?? {}) as Record<string, unknown>;
  for (const [name, path] of Object.entries(envOverlay)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    setPath(merged, path, /^-?\d+$/.test(value) ? Number(value) : value);
  }
  if (env.POPART_PG_URL) setPath(merged, ['readModel', 'kind'], 'postgres');
  // Workers alone mean the default (wasm) runtime.
  const policy = merged.policy as Record<string, unknown> | undefined;
  if (env.POPART_POLICY_WORKERS && policy && policy.runtime === undefined) policy.runtime = 'wasm';
  const result = nodeConfigSchema.safeParse(merged);
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({
      objectIndex: null, objectId: null, property: i.path.join('.'), message: i.message,
    }));
    throw new ConfigError(
      `invalid node configuration: ${issues.map((i) => `${i.property || '(root)'}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  return result.data;
}

export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<NodeConfig> {
  let text: string;
  try {
    text = await readFile(resolve(path), 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read config file ${path}: ${(cause as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(cause as Error).message}`);
  }
  return parseConfig(raw, env);
}
