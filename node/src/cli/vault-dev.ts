#!/usr/bin/env node
/**
 * `npm run vault:dev`: a local OpenBao server for trying the node on the vault (`POPART_KEYS=vault npm start`).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OpenBaoServer } from '../dev/openbao-server.js';
import { createLogger } from '../log.js';

const HELP = `Usage: npm run vault:dev -- [options]

Starts a local OpenBao server (the open-source Vault) on 127.0.0.1 for the POP-ART demo: integrated storage
in a folder, initialised and unsealed, kept across restarts. Prints the two lines to export in the terminal
where you then run  POPART_KEYS=vault npm start  (which provisions transit, KV v2 and one AppRole per agency).
For development only: the unseal key and root token are kept in <dir>/init.json.

Options:
  --dir DIR     where OpenBao keeps its data (default: ~/.cache/popart/openbao-dev)
  --port PORT   API port on 127.0.0.1 (default: 8200)
  -h, --help    show this help

Environment:
  POPART_BAO    the bao executable (set by: eval "$(bash scripts/tools.sh)", which npm run vault:dev does)
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { dir: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const binary = process.env.POPART_BAO;
  if (!binary) throw new Error('POPART_BAO is not set: run through `npm run vault:dev`, or eval "$(bash scripts/tools.sh)" first');
  const port = Number(values.port ?? 8200);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port must be a port number, not "${values.port}"`);
  const dir = resolve(values.dir ?? join(homedir(), '.cache', 'popart', 'openbao-dev'));
  const server = await OpenBaoServer.start({ binary, dir, port, log: createLogger('openbao') });
  process.stdout.write([
    '',
    `OpenBao is running at ${server.url} (data in ${dir}).`,
    'In the terminal where you start the demo:',
    `  export VAULT_ADDR=${server.url}`,
    `  export VAULT_TOKEN=${server.rootToken}`,
    '  POPART_KEYS=vault npm start -- --data-dir .popart/demo-vault',
    'On Fabric (npm run network:up), each agency once: popart-node fabric-enroll --config <agency>.json',
    '  (imports the organisation\'s CA into the agency\'s PKI mount; README: "On Fabric, with the key in the vault").',
    '',
    'Ctrl-C stops OpenBao; its data stays in the folder.',
    '',
  ].join('\n'));
  const stop = (): void => {
    server.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`vault:dev: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
