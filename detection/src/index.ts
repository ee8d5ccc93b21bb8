export type { DetectionEvent, Evidence, RemoteIdInfo } from './events.js';
export { DetectionError, type DetectionErrorCode } from './errors.js';
export * from './audio/index.js';
export * from './remoteid/index.js';
export * from './pcap/index.js';
export * from './video-ingest/index.js';
export * from './vision/index.js';
export * from './stix/index.js';
export * from './sources/index.js';
