/** Public API of @popart/network-config: bring the native Fabric network up and down from code (tests, benchmarks). */
export { up, down, status, memoryKb, type UpResult, type NetworkStatus, type ProcessStatus, type Log } from './network.js';
export { resolveOptions, paths, ORGS, ordererName, ordererCount, ordererPorts, peerPorts, type NetworkOptions, type OrgSpec } from './options.js';
export { readConnectionFile, type ConnectionFile, type AgencyConnection } from './connection.js';
export { startProcess, stopProcess, runningPid, run, type ManagedProcess } from './processes.js';
