/**
 * The block log file: one canonical-JSON block per line, appended and never rewritten.
 * Reading is streamed in chunks with the byte offset of every line, so a consumer can later replay
 * any run of blocks straight from disk.
 */
import { open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface LogLine {
  /** Byte offset of the line's first byte. */
  offset: number;
  /** Length in bytes, including the newline when there is one. */
  byteLength: number;
  /** The line's bytes without the newline: valid until the next line is read. */
  bytes: Buffer;
  /** The line decoded as UTF-8. */
  readonly text: string;
  /** False for a last line without its newline (a write that did not finish). */
  terminated: boolean;
}

/** Read size: blocks of a busy ledger are hundreds of kB, and fewer of them span two reads (each such line is copied). */
const CHUNK = 4 << 20;

/** The lines of the file between two byte offsets (end exclusive; default: end of file). */
function logLine(offset: number, byteLength: number, bytes: Buffer, terminated: boolean): LogLine {
  return { offset, byteLength, bytes, terminated, get text() { return bytes.toString('utf8'); } };
}

export async function* readLines(path: string, start = 0, end = Infinity): AsyncGenerator<LogLine> {
  const fh = await open(path, 'r');
  try {
    let position = start;
    let pending: Buffer[] = [];
    let pendingLength = 0;
    let lineStart = start;
    const buf = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK, end - start)));
    for (;;) {
      const want = Math.min(CHUNK, end - position);
      if (want <= 0) break;
      const { bytesRead } = await fh.read(buf, 0, want, position);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      position += bytesRead;
      let from = 0;
      for (let nl = chunk.indexOf(0x0a, from); nl !== -1; nl = chunk.indexOf(0x0a, from)) {
        const piece = chunk.subarray(from, nl);
        const bytes = pending.length ? Buffer.concat([...pending, piece]) : piece;
        yield logLine(lineStart, bytes.length + 1, bytes, true);
        lineStart += bytes.length + 1;
        pending = [];
        pendingLength = 0;
        from = nl + 1;
      }
      if (from < chunk.length) {
        pending.push(Buffer.from(chunk.subarray(from)));
        pendingLength += chunk.length - from;
      }
    }
    if (pendingLength > 0) {
      const bytes = Buffer.concat(pending);
      yield logLine(lineStart, bytes.length, bytes, false);
    }
  } finally {
    await fh.close();
  }
}

/** Creates the file with its first line atomically (temp file, fsync, rename, fsync of the directory). */
export async function createLog(path: string, firstLine: string): Promise<void> {
  const tmp = `${path}.creating`;
  const fh = await open(tmp, 'w');
  try {
    await writeAll(fh, Buffer.from(firstLine, 'utf8'));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await syncDirectory(dirname(path));
}

async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch {
    // Some platforms cannot fsync a directory; the rename is then as durable as the platform makes it.
  } finally {
    await fh.close();
  }
}

async function writeAll(fh: FileHandle, bytes: Buffer): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done);
    done += bytesWritten;
  }
}

/** An open block log for appending. `size` is the length of its durable content. */
export class BlockLogWriter {
  private constructor(private readonly fh: FileHandle, public size: number, private readonly fsync: boolean) {}

  static async open(path: string, size: number, fsync: boolean): Promise<BlockLogWriter> {
    const fh = await open(path, 'a');
    return new BlockLogWriter(fh, size, fsync);
  }

  /** Appends bytes (one or more whole lines) and makes them durable; on failure cuts the file back to its last good size. */
  async append(bytes: Buffer): Promise<void> {
    try {
      await writeAll(this.fh, bytes);
      if (this.fsync) await this.fh.datasync();
      this.size += bytes.length;
    } catch (err) {
      await this.fh.truncate(this.size).catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
