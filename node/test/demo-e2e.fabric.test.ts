/**
 * The foundation's end-to-end suite (demo-e2e-suite.ts) on a real Fabric 3.1.5 network: four orderers with
 * SmartBFT, one peer per agency, the contract as a service; each node through its own agency's peer.
 */
import { demoE2eSuite } from './demo-e2e-suite.js';
import { testNetwork } from './fabric-network.js';

demoE2eSuite({ backend: 'PGlite', policy: 'wasm', fabric: testNetwork(Number(process.env.POPART_FABRIC_TEST_PORT_BASE ?? 27000) + 1000), visibleWithinMs: 3000 });
