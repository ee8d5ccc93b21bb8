/** Remote ID (ASTM F3411-19/-20/-22a, ASD-STAN EN 4709-002): decoding, encoding, tracking, zones, live feed. */
export * from './messages.js';
export { decodeMessage, decodePayload, type MessageResult, type PayloadResult } from './decode-message.js';
export { encodeMessage, encodeMessagePack } from './encode-message.js';
export { REJECT_REASONS, type RejectReason, type Rejection } from './rejection.js';
export { RemoteIdError } from './errors.js';
export { TRANSPORTS, type Transport, type RawPayload, type FrameScan } from './transport.js';
export {
  scanAdvertisingData, scanAdvertisingPdu, scanLinkLayerPacket, bleCrc24, buildServiceData, buildLegacyAdvertisingPdu,
  buildExtendedAdvertisingPdu, buildLinkLayerPacket, ADVERTISING_ACCESS_ADDRESS,
} from './bluetooth.js';
export { scanWifiFrame, buildBeaconFrame, buildNanActionFrame, withRadiotap, wifiFcs, ODID_NAN_SERVICE_ID } from './wifi.js';
export { scanPacket, scanFeedDatagram, SUPPORTED_LINK_TYPES, type ScanOptions } from './link-layer.js';
export { FEED_KINDS, FEED_PORT, FEED_MAX_DATAGRAM, encodeFeedDatagram, type FeedKind } from './feed-format.js';
export { listenFeed, parseFeedUrl, type FeedListener, type FeedListenOptions } from './feed.js';
export { DroneTracker, type DroneTrack, type OperatorState, type AuthenticationState, type TrackUpdate } from './tracker.js';
export { loadZones, parseZones, zoneContains, distanceM, type RestrictedZone, type ZoneShape } from './zones.js';
export { IncursionMonitor, remoteIdInfo, type IncursionOptions } from './incursions.js';
export { RemoteIdReceiver, type ReceiverOptions, type ReceiverOutput, type ReceiverStats, type RejectionSample } from './receiver.js';
export { simulateFlight, flightMessages, locationAt, flightDurationS, withBlePhdr, type FlightPlan, type SimulatedPacket } from './simulate.js';
