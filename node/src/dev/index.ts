/** Dev tooling (not in the package's public index): the OpenBao server tests, benchmarks and `npm run vault:dev` start. */
export { OpenBaoServer, type OpenBaoServerOptions } from './openbao-server.js';
