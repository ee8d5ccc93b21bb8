export type { DetectionEvent, Evidence, RemoteIdInfo } from './events.js';
export * from './audio/index.js';
