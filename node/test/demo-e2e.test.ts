/**
 * The four-agency demo end to end on the embedded ledger: each port's two implementations run the same suite,
 * read model × policy runtime, paired (the same suite runs on Fabric in demo-e2e.fabric.test.ts).
 */
import { demoE2eSuite } from './demo-e2e-suite.js';

demoE2eSuite({ backend: 'PGlite', policy: 'wasm' });
demoE2eSuite({ backend: 'PostgreSQL', policy: 'opa-server' });
