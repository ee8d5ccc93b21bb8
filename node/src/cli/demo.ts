#!/usr/bin/env node
/**
 * `npm start`: the four-agency demo on embedded defaults (embedded ledger, PGlite, file keystore), or with
 * `--ledger fabric` (POPART_LEDGER=fabric) the four agencies as four `popart-node` processes on the Fabric network.
 */
import './quiet-contract-logs.js';
import { resolve } from 'node:path';
import { readFile, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startDemo, type DemoOptions } from '../demo/demo-cluster.js';
import { demoAgencies, DEMO_PASSWORD, type DemoAgency } from '../demo/demo-agencies.js';
import { startProcessDemo } from '../demo/process-demo.js';
import { seedScenario, seedScenarioOverGraphql } from '../demo/scenario.js';
import { openDemoReadModel, type DemoReadModel } from '../demo/demo-read-model.js';

const HELP = `Usage: npm start -- [options]     (or: popart-demo [options])

Starts the POP-ART demo: four agencies (pn, pj, mad, crm) in one process, sharing one embedded
ledger, each with its own read model and GraphQL API, and seeds a small scenario.
With --ledger fabric the four agencies run as four \`popart-node run --config <file>\` processes on the
Fabric network of \`npm run network:up\`, each through its own agency's peer, with its own data dir,
read model and port; their output is shown with the agency key in front of each line.

Options:
  --ledger KIND    embedded (default: one embedded ledger in the data dir) or fabric (the network of
                   the connection file; start it first with \`npm run network:up\`)
  --connection FILE
                   network-config's connection file for --ledger fabric
                   (default: ./.popart/fabric/connection.json)
  --data-dir DIR   where the ledger, keys and read models live (default: ./.popart/demo; with
                   --ledger fabric ./.popart/demo-fabric, the node configs in DIR/config/<key>.json)
  --port-base N    agencies listen on N+1 … N+4 (default 4000: 4001–4004)
  --reset          delete the data directory first and start from an empty ledger
  --no-seed        do not publish the demo scenario
  --read-model KIND
                   pglite (default: PostgreSQL as WASM in process, in each agency's data dir) or postgres
                   (one database per agency on a PostgreSQL server: the one of --pg-url, else a server the
                   demo starts on 127.0.0.1 with its cluster in DATA-DIR/postgres, stopped with the demo;
                   needs the PostgreSQL server binaries: POPART_PG_BIN or pg_config on PATH)
  --pg-url URL     a PostgreSQL server of yours for --read-model postgres (implies it), e.g.
                   postgres://popart@127.0.0.1:5432/popart: the demo creates (if missing) and uses the
                   databases popart_pn, popart_pj, popart_mad, popart_crm (<database>_<agency>); with
                   --reset it drops them first. The user needs CREATEDB.
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
  POPART_LEDGER                same as --ledger
  POPART_FABRIC_CONNECTION     same as --connection
  POPART_KEYSTORE_PASSPHRASE   passphrase of the agencies' key files (demo default if unset)
  POPART_READ_MODEL            same as --read-model
  POPART_PG_URL                same as --pg-url
  POPART_POLICY                same as --policy
  POPART_KEYS                  same as --keys
  POPART_QUERY_WORKERS         query workers of each node (read-only GraphQL queries off the thread that
                               delivers alerts; default 1 with 2 cores or more, 0 = none)
  POPART_QUERY_WORKER_NICE     nice value of the query workers' threads (Linux; default 10: under load the
                               threads that store and deliver alerts get the cores first; 0 = the node's own)
  VAULT_ADDR, VAULT_TOKEN      the vault for --keys vault (the token provisions engines, policies, AppRoles)
  POPART_OPA                   the opa executable for --policy opa-server (default: opa on PATH)
`;

/** The URLs and users table printed once the demo runs. */
function banner(what: string, dataDir: string, urls: Record<DemoAgency['key'], string>, extra: string[] = []): string {
  return [
    '',
    `POP-ART demo is running (${what}).`,
    `Data: ${dataDir}`,
    ...extra,
    '',
    'Portal (open in a browser; each agency has its own):',
    ...demoAgencies.map((a) => `  ${a.key.padEnd(4)} ${a.name.padEnd(30)} ${urls[a.key].replace(/graphql$/, '')}`),
    '',
    'GraphQL endpoints:',
    ...demoAgencies.map((a) => `  ${a.key.padEnd(4)} ${a.name.padEnd(30)} ${urls[a.key]}`),
    '',
    `Users (password "${DEMO_PASSWORD}"):`,
    ...demoAgencies.flatMap((a) => a.users.map((u) => `  ${u.username.padEnd(14)} ${u.role.padEnd(9)} ${a.name}`)),
    '',
    'Try:',
    `  curl -s ${urls.pj} -H 'content-type: application/json' \\`,
    `    -d '{"query":"mutation { login(username: \\"pj-analyst\\", password: \\"demo\\") { token } }"}'`,
    '  then query { threats { edges { node { id type name agency { name } provenance { transactionId blockNumber signatureVerified } } } } }',
    '  with the header  Authorization: Bearer <token>',
    '',
    'Ctrl-C stops the demo; start it again and everything is still there.',
    '',
  ].join('\n');
}

/** --ledger fabric: the four agencies as four node processes; returns when they have all stopped. */
async function runOnFabric(o: {
  dataDir: string; passphrase: string; policy: 'wasm' | 'opa-server'; connection: string; seed: boolean; portBase?: number; detection?: DemoOptions['detection'];
  vault?: { address: string; adminToken: string }; readModel: DemoReadModel;
}): Promise<void> {
  const starting = new AbortController();
  let stopSignal: NodeJS.Signals = 'SIGTERM';
  let stopNow: (signal: NodeJS.Signals) => void = (signal) => {
    stopSignal = signal;
    starting.abort();
  };
  process.on('SIGINT', () => stopNow('SIGINT'));
  process.on('SIGTERM', () => stopNow('SIGTERM'));
  const demo = await startProcessDemo({
    dataDir: o.dataDir, passphrase: o.passphrase, connection: o.connection, policy: o.policy, signal: starting.signal,
    ...(o.portBase !== undefined ? { portBase: o.portBase } : {}), ...(o.detection ? { detection: o.detection } : {}),
    ...(o.vault ? { vault: o.vault } : {}), ...(o.readModel.pgUrls ? { pgUrls: o.readModel.pgUrls } : {}),
  }).catch((err: unknown) => {
    o.readModel.stop();
    if (starting.signal.aborted) {
      process.stderr.write(`stopped (${stopSignal}) while the nodes were starting\n`);
      process.exit(130);
    }
    throw err;
  });
  let failed = false;
  let stopping: Promise<void> | null = null;
  const stop = (signal: NodeJS.Signals): Promise<void> => {
    stopping ??= (async () => {
      process.stderr.write(`\nstopping the four nodes (${signal})…\n`);
      const exits = await demo.stop(signal);
      for (const e of exits) process.stderr.write(`${e.key.padEnd(3)} | stopped (pid ${e.pid}, ${e.signal ? `signal ${e.signal}` : `exit code ${e.code}`})\n`);
      if (exits.some((e) => e.code !== 0 && e.signal === null)) failed = true;
      o.readModel.stop();
    })();
    return stopping;
  };
  const finished = new Promise<void>((resolve) => {
    stopNow = (signal) => { void stop(signal).then(resolve); };
  });
  demo.onUnexpectedExit((e) => {
    failed = true;
    process.stderr.write(`\n${e.key} (pid ${e.pid}) stopped: ${e.reason}\nThe other agencies keep running; Ctrl-C stops them.\n`);
  });
  if (o.seed) {
    try {
      const identities = Object.fromEntries(demoAgencies.map((a) => [a.key, `identity--${a.identityUuid}`])) as Record<DemoAgency['key'], string>;
      process.stderr.write(`scenario: ${await seedScenarioOverGraphql(demo.urls, identities, { password: DEMO_PASSWORD })}\n`);
    } catch (err) {
      process.stderr.write(`scenario: not seeded: ${(err as Error).message}\n`);
    }
  }
  const pids = demoAgencies.map((a) => `${a.key} ${demo.pids[a.key]}`).join(', ');
  process.stdout.write(banner(`Fabric network of ${o.connection}, one process per agency, ${o.readModel.description}, file keystores, policies: ${o.policy}`, o.dataDir, demo.urls,
    [`Node processes (popart-node run --config ${o.dataDir}/config/<key>.json): ${pids}`]));
  await finished;
  process.exit(failed ? 1 : 0);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      reset: { type: 'boolean', default: false },
      'no-seed': { type: 'boolean', default: false },
      policy: { type: 'string' },
      keys: { type: 'string' },
      detection: { type: 'string' },
      ledger: { type: 'string' },
      connection: { type: 'string' },
      'port-base': { type: 'string' },
      'read-model': { type: 'string' },
      'pg-url': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const ledger = values.ledger ?? process.env.POPART_LEDGER ?? 'embedded';
  if (ledger !== 'embedded' && ledger !== 'fabric') throw new Error(`--ledger must be embedded or fabric, not "${ledger}"`);
  let portBase: number | undefined;
  if (values['port-base'] !== undefined) {
    portBase = Number(values['port-base']);
    if (!Number.isInteger(portBase) || portBase < 1024 || portBase > 65530) throw new Error(`--port-base must be an integer from 1024 to 65530, not "${values['port-base']}"`);
  }
  const dataDir = resolve(values['data-dir'] ?? (ledger === 'fabric' ? '.popart/demo-fabric' : '.popart/demo'));
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
  const pgUrl = values['pg-url'] ?? (process.env.POPART_PG_URL || undefined);
  const readModelKind = values['read-model'] ?? (process.env.POPART_READ_MODEL || (pgUrl ? 'postgres' : 'pglite'));
  if (readModelKind !== 'pglite' && readModelKind !== 'postgres') throw new Error(`--read-model must be pglite or postgres, not "${readModelKind}"`);
  const readModel = await openDemoReadModel({ kind: readModelKind, dataDir, reset: values.reset, ...(pgUrl ? { pgUrl } : {}) });
  if (ledger === 'fabric') {
    const connection = resolve(values.connection ?? process.env.POPART_FABRIC_CONNECTION ?? '.popart/fabric/connection.json');
    await runOnFabric({
      dataDir, passphrase, policy, connection, seed: !values['no-seed'], ...(portBase !== undefined ? { portBase } : {}), ...(detection ? { detection } : {}),
      ...(keys.kind === 'vault' ? { vault: { address: keys.address, adminToken: keys.adminToken } } : {}), readModel,
    });
    return;
  }
  const cluster = await startDemo({
    dataDir, passphrase, policy, keys, ...(portBase !== undefined ? { portBase } : {}), ...(detection ? { detection } : {}),
    ...(readModel.pgUrls ? { pgUrls: readModel.pgUrls } : {}),
  }).catch((err: unknown) => {
    readModel.stop();
    throw err;
  });
  if (!values['no-seed']) {
    const seeded = await seedScenario(cluster);
    process.stderr.write(`scenario: ${seeded}\n`);
  }
  const urls = Object.fromEntries(demoAgencies.map((a) => [a.key, cluster.nodes[a.key].url])) as Record<DemoAgency['key'], string>;
  process.stdout.write(banner(`embedded ledger, ${readModel.description}, keys: ${keysKind === 'vault' ? `OpenBao/Vault at ${process.env.VAULT_ADDR}` : 'file keystores'}, policies: ${policy}`, dataDir, urls));
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\nstopping…\n');
    cluster.stop().then(() => {
      readModel.stop();
      process.exit(0);
    }, (err: unknown) => {
      readModel.stop();
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
    const what = / of private\//.test(e.message) ? 'An organisation\'s private log or store' : 'The block log on disk';
    process.stderr.write(`${what} does not verify: the demo refuses to start on a tampered ledger.\n` +
      'Restore the data directory from a backup, or start over with --reset (this deletes all demo data).\n');
  }
  process.exit(1);
});
