import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LINKTYPE } from './link-types.js';
import { PcapFormatError, readPcap, type PcapReadSummary, type PcapRecord } from './pcap-reader.js';
import { pcapBytes, PcapWriter, type PacketToWrite, type PcapWriteOptions } from './pcap-writer.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'popart-pcap-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

const packets: PacketToWrite[] = Array.from({ length: 40 }, (_, i) => ({
  timestampMs: Date.UTC(2025, 5, 1, 12, 0, 0) + i * 100.25 + 0.000123 * i,
  data: Uint8Array.from({ length: 1 + ((i * 37) % 301) }, (_, j) => (i + j) & 0xff),
  interfaceId: i % 2,
}));

async function readAll(path: string, chunk?: number, summary?: PcapReadSummary): Promise<PcapRecord[]> {
  const out: PcapRecord[] = [];
  for await (const r of readPcap(path, chunk ? { highWaterMark: chunk } : {}, summary)) out.push({ ...r, data: Uint8Array.from(r.data) });
  return out;
}

describe('pcap and pcapng', () => {
  const variants: [string, PcapWriteOptions][] = [
    ['pcap little-endian µs', { format: 'pcap', linkTypes: [LINKTYPE.IEEE802_11_RADIOTAP] }],
    ['pcap big-endian ns', { format: 'pcap', linkTypes: [LINKTYPE.BLUETOOTH_LE_LL_WITH_PHDR], bigEndian: true, nanoseconds: true }],
    ['pcapng little-endian, two interfaces', { format: 'pcapng', linkTypes: [LINKTYPE.IEEE802_11_RADIOTAP, LINKTYPE.NORDIC_BLE] }],
    ['pcapng big-endian ns, two interfaces', { format: 'pcapng', linkTypes: [LINKTYPE.IEEE802_11, LINKTYPE.BLUETOOTH_LE_LL], bigEndian: true, nanoseconds: true }],
  ];
  for (const [name, options] of variants) {
    it(`${name}: what is written is read back, across chunk boundaries`, async () => {
      const path = join(dir, `${name.replace(/\W+/g, '-')}.cap`);
      const w = await PcapWriter.create(path, options);
      const pk = options.format === 'pcap' ? packets.map((p) => ({ ...p, interfaceId: 0 })) : packets;
      for (const p of pk) await w.write(p);
      await w.close();
      for (const chunk of [7, 64 * 1024]) {
        const summary: PcapReadSummary = { format: 'unknown', records: 0, truncatedTailBytes: 0, skippedBlocks: 0 };
        const got = await readAll(path, chunk, summary);
        assert.equal(summary.format, options.format);
        assert.equal(got.length, pk.length);
        got.forEach((r, i) => {
          const p = pk[i]!;
          assert.equal(r.index, i);
          assert.deepEqual(r.data, p.data);
          assert.equal(r.originalLength, p.data.length);
          assert.equal(r.linkType, options.linkTypes[p.interfaceId ?? 0]);
          assert.ok(Math.abs(r.timestampMs - p.timestampMs) < (options.nanoseconds ? 1e-5 : 1e-3), `timestamp ${r.timestampMs} vs ${p.timestampMs}`);
        });
      }
    });
  }

  it('a capture cut short in its last record: the whole records are read, the tail is counted', async () => {
    const three = packets.slice(0, 3).map((p) => ({ ...p, interfaceId: 0 }));
    const full = pcapBytes({ format: 'pcapng', linkTypes: [LINKTYPE.IEEE802_11] }, three);
    const path = join(dir, 'cut.pcapng');
    await writeFile(path, full.subarray(0, full.length - 5));
    const summary: PcapReadSummary = { format: 'unknown', records: 0, truncatedTailBytes: 0, skippedBlocks: 0 };
    assert.equal((await readAll(path, undefined, summary)).length, 2);
    assert.ok(summary.truncatedTailBytes > 0);
    const classic = pcapBytes({ format: 'pcap', linkTypes: [LINKTYPE.IEEE802_11] }, three);
    await writeFile(path, classic.subarray(0, classic.length - 1));
    assert.equal((await readAll(path)).length, 2);
  });

  it('not a capture, or a corrupt structure: PcapFormatError with the offset', async () => {
    const path = join(dir, 'bad.cap');
    await writeFile(path, Buffer.from('this is not a capture file'));
    await assert.rejects(readAll(path), (e: unknown) => e instanceof PcapFormatError && e.offset === 0 && /not a pcap or pcapng/.test(e.message));
    const ng = pcapBytes({ format: 'pcapng', linkTypes: [LINKTYPE.IEEE802_11] }, packets.slice(0, 2).map((p) => ({ ...p, interfaceId: 0 })));
    const firstPacket = 28 + 20;
    ng.writeUInt32LE(13, firstPacket + 4); // block length not a multiple of 4
    await writeFile(path, ng);
    await assert.rejects(readAll(path), (e: unknown) => e instanceof PcapFormatError && e.offset === firstPacket && /length 13/.test(e.message));
    const classic = pcapBytes({ format: 'pcap', linkTypes: [LINKTYPE.IEEE802_11] }, packets.slice(0, 2));
    classic.writeUInt32LE(0x7fffffff, 24 + 8);
    await writeFile(path, classic);
    await assert.rejects(readAll(path), /record 0 claims 2147483647 captured bytes/);
    await writeFile(path, Buffer.alloc(0));
    await assert.rejects(readAll(path), PcapFormatError);
  });
});
