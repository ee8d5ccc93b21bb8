#!/usr/bin/env node
/**
 * `npm start`: the four-agency demo on embedded defaults (embedded ledger, PGlite, file keystore).
 */
import './quiet-contract-logs.js';
import { resolve } from 'node:path';
import { readFile, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startDemo, type DemoOptions } from '../demo/demo-cluster.js';
import { demoAgencies, DEMO_PASSWORD } from '../demo/demo-agencies.js';
import { seedScenario } from '../demo/scenario.js';

const HELP = `Usage: npm start -- [options]     (or: popart-demo [options])

Starts the POP-ART demo: four agencies (pn, pj, mad, crm) in one process, sharing one embedded
ledger, each with its own read model and GraphQL API, and seeds a small scenario.

Options:
  --data-dir DIR   where the ledger, keys and read models live (default: ./.popart/demo)
  --reset          delete the data directory first and start from an empty ledger
  --no-seed        do not publish the demo scenario
  --policy RUNTIME wasm (default: the Rego policies compiled to wasm, in process) or
                   opa-server (one OPA server started on 127.0.0.1 with the policies as a bundle)
  --keys KIND      file (default: encrypted key files in the data dir) or vault (every agency's
                   signing key in OpenBao/Vault transit, secrets in KV v2, one AppRole per agency;
                   needs VAULT_ADDR and an admin VAULT_TOKEN: \`npm run vault:dev\` starts one)
  --detection FILE detection sources per agency, JSON: { "pn": [ <source>, … ], "mad": [ … ] } where each
                   source is as in a node's detection.sources (README, Configuration); their alerts
                   are published by that agency as the sources run
  -h, --help       show this help

Environment:
  POPART_KEYSTORE_PASSPHRASE   passphrase of the agencies' key files (demo default if unset)
  POPART_POLICY                same as --policy
  POPART_KEYS                  same as --keys
  VAULT_ADDR, VAULT_TOKEN      the vault for --keys vault (the token provisions engines, policies, AppRoles)
  POPART_OPA                   the opa executable for --policy opa-server (default: opa on PATH)
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      reset: { type: 'boolean', default: false },
      'no-seed': { type: 'boolean', default: false },
      policy: { type: 'string' },
      keys: { type: 'string' },
      detection: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const dataDir = resolve(values['data-dir'] ?? '.popart/demo');
  if (values.reset) await rm(dataDir, { recursive: true, force: true });
  let passphrase = process.env.POPART_KEYSTORE_PASSPHRASE;
  if (!passphrase) {
    passphrase = 'popart-demo-passphrase';
    process.stderr.write('note: POPART_KEYSTORE_PASSPHRASE is not set; using the demo passphrase (never do this with real keys)\n');
  }
  const policy = values.policy ?? process.env.POPART_POLICY ?? 'wasm';
  if (policy !== 'wasm' && policy !== 'opa-server') throw new Error(`--policy must be wasm or opa-server, not "${policy}"`);
  const keysKind = values.keys ?? process.env.POPART_KEYS ?? 'file';
  if (keysKind !== 'file' && keysKind !== 'vault') throw new Error(`--keys must be file or vault, not "${keysKind}"`);
  let keys: DemoOptions['keys'] = { kind: 'file' };
  if (keysKind === 'vault') {
    const address = process.env.VAULT_ADDR;
    const adminToken = process.env.VAULT_TOKEN;
    if (!address || !adminToken) throw new Error('--keys vault needs VAULT_ADDR and VAULT_TOKEN (run `npm run vault:dev` in another terminal and paste the two export lines it prints)');
    keys = { kind: 'vault', address, adminToken };
  }
  let detection: DemoOptions['detection'];
  if (values.detection) {
    try {
      detection = JSON.parse(await readFile(values.detection, 'utf8')) as DemoOptions['detection'];
    } catch (err) {
      throw new Error(`--detection ${values.detection}: ${(err as Error).message}`);
    }
    const unknown = Object.keys(detection ?? {}).filter((k) => !demoAgencies.some((a) => a.key === k));
    if (typeof detection !== 'object' || detection === null || Array.isArray(detection) || unknown.length) {
      throw new Error(`--detection ${values.detection}: must map agency keys (pn, pj, mad, crm) to lists of sources${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
    }
  }
  const cluster = await startDemo({ dataDir, passphrase, policy, keys, ...(detection ? { detection } : {}) });
  if (!values['no-seed']) {
    const seeded = await seedScenario(cluster);
    process.stderr.write(`scenario: ${seeded}\n`);
  }
  const lines = [
    '',
    `POP-ART demo is running (embedded ledger, PGlite read models, keys: ${keysKind === 'vault' ? `OpenBao/Vault at ${process.env.VAULT_ADDR}` : 'file keystores'}, policies: ${policy}).`,
    `Data: ${dataDir}`,
    '',
    'Portal (open in a browser; each agency has its own):',
    ...demoAgencies.map((a) => `  ${a.key.padEnd(4)} ${a.name.padEnd(30)} ${cluster.nodes[a.key].url.replace(/graphql$/, '')}`),
    '',
    'GraphQL endpoints:',
    ...demoAgencies.map((a) => `  ${a.key.padEnd(4)} ${a.name.padEnd(30)} ${cluster.nodes[a.key].url}`),
    '',
    `Users (password "${DEMO_PASSWORD}"):`,
    ...demoAgencies.flatMap((a) => a.users.map((u) => `  ${u.username.padEnd(14)} ${u.role.padEnd(9)} ${a.name}`)),
    '',
    'Try:',
    `  curl -s ${cluster.nodes.pj.url} -H 'content-type: application/json' \\`,
    `    -d '{"query":"mutation { login(username: \\"pj-analyst\\", password: \\"demo\\") { token } }"}'`,
    '  then query { threats { edges { node { id type name agency { name } provenance { transactionId blockNumber signatureVerified } } } } }',
    '  with the header  Authorization: Bearer <token>',
    '',
    'Ctrl-C stops the demo; start it again and everything is still there.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\nstopping…\n');
    cluster.stop().then(() => process.exit(0), (err: unknown) => {
      process.stderr.write(`error while stopping: ${(err as Error).message}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  const e = err as Error & { blockNumber?: number };
  process.stderr.write(`popart-demo: ${e.name}: ${e.message}\n`);
  if (e.name === 'LedgerIntegrityError') {
    process.stderr.write('The block log on disk does not verify: the demo refuses to start on a tampered ledger.\n' +
      'Restore the data directory from a backup, or start over with --reset (this deletes all demo data).\n');
  }
  process.exit(1);
});
