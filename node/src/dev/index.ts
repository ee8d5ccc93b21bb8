/** Dev tooling (not in the package's public index): the OpenBao server tests, benchmarks and `npm run vault:dev` start. */
export { OpenBaoServer, type OpenBaoServerOptions } from './openbao-server.js';
/** Read-model rows as the listener stores them (benchmarks fill a read model directly). */
export { rowFromObject } from '../modules/threat/threat-row.js';
