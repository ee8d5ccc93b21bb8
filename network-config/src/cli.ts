#!/usr/bin/env node
/**
 * popart-network up | down | status: the native Fabric network of the four demo agencies.
 * Run through npm: `npm run network:up`, `npm run network:down`, `npm run network:status` (each takes --help).
 */
import { down, memoryKb, status, up } from './network.js';
import { resolveOptions, type NetworkOptions } from './options.js';

const COMMON = `
Environment (defaults in brackets):
  POPART_FABRIC_HOME            state folder [<repo>/.popart/fabric]
  POPART_FABRIC_INSTALL         Fabric install [\${POPART_CACHE:-~/.cache/popart}/fabric-3.1.5]
  POPART_FABRIC_PORT_BASE       first port [17000]: orderer i at base+10i (+1 admin, +2 operations),
                                peer j (pn, pj, mad, crm) at base+100+10j (+1 chaincode, +2 operations, +3 chaincode server)`;

const HELP: Record<string, string> = {
  up: `Usage: npm run network:up -- [--raft] [--block-to-live N] [--batch-timeout D] [--max-message-count N] [--help]

Brings up the native Fabric 3.1.5 network: 4 orderers (SmartBFT; 3 Raft with --raft), one peer per agency
(pn, pj, mad, crm), TLS everywhere, all on 127.0.0.1; channel "popart" joined by osnadmin; the ThreatExchange
chaincode as a service (one server per agency) approved by every agency and committed; waits until gossip is
complete and the chaincode answers on every peer, then writes <state>/connection.json. Idempotent: starts only
what is not running. Settings are fixed when the state is first generated (network:down --clean to change them).

  --raft                  Raft with 3 orderers instead of BFT with 4   (POPART_FABRIC_CONSENSUS=raft)
  --block-to-live N       private data kept for N blocks, 0 = forever [0] (POPART_PDC_BLOCK_TO_LIVE)
  --batch-timeout D       block cutting: longest wait for a block [200ms] (POPART_FABRIC_BATCH_TIMEOUT)
  --max-message-count N   block cutting: transactions per block at most [100] (POPART_FABRIC_MAX_MESSAGE_COUNT)
${COMMON}`,
  down: `Usage: npm run network:down -- [--clean] [--help]

Stops every process network:up started (chaincode servers, peers, orderers), by the pids in <state>/pids.
The ledgers stay, and network:up starts them again; --clean also removes the state folder.
${COMMON}`,
  status: `Usage: npm run network:status -- [--json] [--help]

Reports each process (pid, /healthz), each orderer's and peer's height on the channel, each peer's gossip
membership and whether the chaincode answers through it. Exit code 0 only if everything is up and ready.

  --json    print the status as JSON
${COMMON}`,
};

function usage(): string {
  return `Usage: popart-network <up|down|status> [options]   (--help after a command for its options)\n`;
}

function value(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  args.splice(i, 2);
  return v;
}

function flag(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i < 0) return false;
  args.splice(i, 1);
  return true;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const args = [...rest];
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(usage() + Object.values(HELP).map((h) => '\n' + h).join('\n'));
    return command === undefined ? 2 : 0;
  }
  const help = HELP[command];
  if (!help) {
    process.stderr.write(`unknown command ${command}\n${usage()}`);
    return 2;
  }
  if (flag(args, '--help') || flag(args, '-h')) {
    process.stdout.write(help + '\n');
    return 0;
  }
  const env = { ...process.env };
  if (flag(args, '--raft')) env.POPART_FABRIC_CONSENSUS = 'raft';
  const btl = value(args, '--block-to-live');
  if (btl !== undefined) env.POPART_PDC_BLOCK_TO_LIVE = btl;
  const bt = value(args, '--batch-timeout');
  if (bt !== undefined) env.POPART_FABRIC_BATCH_TIMEOUT = bt;
  const mmc = value(args, '--max-message-count');
  if (mmc !== undefined) env.POPART_FABRIC_MAX_MESSAGE_COUNT = mmc;
  const clean = flag(args, '--clean');
  const json = flag(args, '--json');
  if (args.length > 0) {
    process.stderr.write(`unknown argument(s) ${args.join(' ')}\n\n${help}\n`);
    return 2;
  }
  const options: NetworkOptions = resolveOptions({}, env);
  const log = (line: string) => process.stderr.write(`[network] ${line}\n`);

  if (command === 'up') {
    const result = await up(options, log);
    const mem = memoryKb(options);
    const total = Object.values(mem).reduce((a, b) => a + b, 0);
    log(`memory (RSS) of the network's processes: ${(total / 1024).toFixed(0)} MiB`);
    process.stdout.write(`${result.connectionFile}\n`);
    return 0;
  }
  if (command === 'down') {
    await down(options, { clean }, log);
    log('down: nothing of the network is running');
    return 0;
  }
  const s = await status(options);
  if (json) {
    process.stdout.write(JSON.stringify({ ...s, memoryKb: memoryKb(options) }, null, 2) + '\n');
  } else if (!s.generated) {
    process.stdout.write(`no network in ${s.home} (npm run network:up)\n`);
  } else {
    const mem = memoryKb(options);
    process.stdout.write(`network in ${s.home}\n`);
    for (const p of s.processes) {
      const parts = [p.name.padEnd(14), p.running ? `pid ${String(p.pid).padEnd(8)}` : 'not running'.padEnd(12)];
      if (p.healthy !== undefined) parts.push(p.healthy ? 'healthy' : 'UNHEALTHY');
      if (p.height !== undefined) parts.push(`height ${p.height}`);
      if (p.gossipPeersKnown !== undefined) parts.push(`gossip peers ${p.gossipPeersKnown}`);
      if (p.chaincode !== undefined) parts.push(p.chaincode ? 'chaincode ready' : 'chaincode NOT READY');
      if (mem[p.name] !== undefined) parts.push(`${Math.round((mem[p.name] as number) / 1024)} MiB`);
      process.stdout.write(`  ${parts.join('  ')}\n`);
    }
    process.stdout.write(s.ok ? 'ready\n' : 'NOT READY\n');
  }
  return s.ok ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error: unknown) => {
  process.stderr.write(`[network] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
