/**
 * A real Fabric network for a test file: network-config's `up` in a temporary state folder on the test's own
 * ports, torn down (and removed) after. Fabric must be installed (scripts/tools.sh does it): a missing install
 * is a failure, never a skip.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { down, paths, resolveOptions, stopProcess, up, type NetworkOptions } from '@popart/network-config';
import type { FabricForSuite } from './demo-e2e-suite.js';

export interface TestNetwork extends FabricForSuite {
  readonly options: NetworkOptions;
  /** Stops one of the network's processes by name (orderer1…4, peer-pn, peer-pj, …, chaincode-pn, …). */
  stopProcess(name: string): Promise<void>;
  /** Starts whatever is not running (network-config's idempotent up). */
  restart(): Promise<void>;
}

export function testNetwork(portBase: number): TestNetwork {
  const options = resolveOptions({ home: mkdtempSync(join(tmpdir(), 'popart-fabric-e2e-')), portBase, consensus: 'bft' });
  if (!existsSync(join(options.fabricHome, 'bin', 'peer'))) {
    throw new Error(`Fabric is not installed in ${options.fabricHome}: scripts/tools.sh (run by npm test) installs it`);
  }
  const log = (line: string): void => {
    if (process.env.POPART_TEST_FABRIC_LOG) process.stderr.write(`${line}\n`);
  };
  const restart = async (): Promise<void> => {
    await up(options, log);
  };
  return {
    options,
    async start() {
      return (await up(options, log)).connectionFile;
    },
    async stop() {
      await down(options, { clean: true }, log);
      rmSync(options.home, { recursive: true, force: true });
    },
    async stopProcess(name) {
      await stopProcess(paths(options).pids, name);
    },
    restart,
    async stopPublisherPeer() {
      await stopProcess(paths(options).pids, 'peer-pn');
    },
    startPublisherPeer: restart,
  };
}
