export { readPcap, PcapFormatError, MAX_RECORD_BYTES, type PcapRecord, type PcapReadOptions, type PcapReadSummary } from './pcap-reader.js';
export { PcapWriter, pcapBytes, type PacketToWrite, type PcapWriteOptions } from './pcap-writer.js';
export { LINKTYPE, linkTypeName } from './link-types.js';
