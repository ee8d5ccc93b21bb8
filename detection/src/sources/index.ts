export { BoundedQueue, type SensorEvent, type SensorSource, type SourceContext, type SourceLog } from './sensor-source.js';
export { PacketRing, PcmRing, safeName, writeEvidence } from './evidence.js';
export { cameraVideo, openCameraSource } from './camera-source.js';
export { openMicrophoneSource } from './microphone-source.js';
export { openRemoteIdSource, type RemoteIdSourceOptions } from './remoteid-source.js';
