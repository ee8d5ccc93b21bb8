export type { DetectionEvent, Evidence, RemoteIdInfo } from './events.js';
