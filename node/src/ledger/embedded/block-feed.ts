/**
 * Delivery of committed blocks: live listeners, and per-consumer iterators that replay committed
 * blocks from disk and then continue live. Each iterator registers for live blocks at the height it
 * starts from, replays exactly the blocks below that height, then drains its own buffer, so the
 * replay→live transition neither misses nor repeats a block; a slow consumer only grows its own buffer.
 */
import type { Block } from './block.js';

/** Blocks [from, to) read back from the durable log. */
export type ReplaySource = (from: number, to: number) => AsyncIterable<Block>;

export class BlockFeed {
  private readonly listeners = new Set<(block: Block) => void>();
  private readonly consumers = new Set<BlockConsumer>();
  private ended = false;

  /** Calls the listener with every block published from now on. Returns the unsubscribe function. */
  onBlock(listener: (block: Block) => void): () => void {
    if (this.ended) return () => undefined;
    const wrapped = (block: Block): void => listener(block);
    this.listeners.add(wrapped);
    return () => { this.listeners.delete(wrapped); };
  }

  /** An iterable of blocks from `from` on: those below `height` replayed by `replay`, then live ones. */
  iterate(from: number, height: () => number, replay: ReplaySource, unavailable: () => Error): AsyncIterable<Block> {
    return {
      [Symbol.asyncIterator]: (): AsyncIterator<Block> => {
        if (this.ended) return { next: () => Promise.reject(unavailable()), return: async () => ({ done: true, value: undefined }) };
        const liveFrom = height();
        const start = Math.max(0, Math.floor(from));
        const consumer = new BlockConsumer(start, start < liveFrom ? replay(start, liveFrom) : null, () => this.consumers.delete(consumer));
        this.consumers.add(consumer);
        return consumer;
      },
    };
  }

  /** Delivers a durable block to every listener and iterator (listener errors are reported, never thrown). */
  publish(block: Block): void {
    for (const listener of this.listeners) {
      try {
        listener(block);
      } catch (err) {
        process.emitWarning(`embedded ledger: a block listener threw on block ${block.number}: ${(err as Error).message}`, 'LedgerListenerWarning');
      }
    }
    for (const consumer of this.consumers) consumer.push(block);
  }

  /** The ledger closed: listeners are dropped, iterators end after the blocks they already hold. */
  end(): void {
    this.ended = true;
    this.listeners.clear();
    for (const consumer of this.consumers) consumer.end();
    this.consumers.clear();
  }

  get consumerCount(): number { return this.consumers.size; }
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

class BlockConsumer implements AsyncIterator<Block> {
  private readonly buffer: Block[] = [];
  private waiter: ((r: IteratorResult<Block>) => void) | null = null;
  private replay: AsyncIterator<Block> | null;
  /** Number of the next block this consumer should deliver (guards against repeats). */
  private nextNumber: number;
  private ended = false;
  private finished = false;

  constructor(from: number, replay: AsyncIterable<Block> | null, private readonly onFinish: () => void) {
    this.nextNumber = from;
    this.replay = replay ? replay[Symbol.asyncIterator]() : null;
  }

  push(block: Block): void {
    if (this.finished || block.number < this.nextNumber) return;
    if (this.waiter && this.replay === null && this.buffer.length === 0) {
      const resolve = this.waiter;
      this.waiter = null;
      this.nextNumber = block.number + 1;
      resolve({ done: false, value: block });
    } else {
      this.buffer.push(block);
    }
  }

  end(): void {
    this.ended = true;
    if (this.waiter && this.buffer.length === 0) {
      const resolve = this.waiter;
      this.waiter = null;
      this.finish();
      resolve(DONE);
    }
  }

  async next(): Promise<IteratorResult<Block>> {
    if (this.finished) return DONE;
    while (this.replay) {
      if (this.ended) {
        // Closed while replaying from disk: the blocks held since follow on only if the replay got up to them.
        void this.replay.return?.();
        this.replay = null;
        if (this.buffer[0]?.number !== this.nextNumber) return this.finishNow();
        break;
      }
      const r = await this.replay.next();
      if (this.finished) return DONE;
      if (r.done) {
        this.replay = null;
        break;
      }
      if (r.value.number < this.nextNumber) continue;
      this.nextNumber = r.value.number + 1;
      return r;
    }
    for (let block = this.buffer.shift(); block; block = this.buffer.shift()) {
      if (block.number < this.nextNumber) continue;
      this.nextNumber = block.number + 1;
      return { done: false, value: block };
    }
    if (this.ended) return this.finishNow();
    return new Promise((resolve) => { this.waiter = resolve; });
  }

  async return(): Promise<IteratorResult<Block>> {
    const replay = this.replay;
    this.replay = null;
    this.buffer.length = 0;
    this.finish();
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = null;
      resolve(DONE);
    }
    await replay?.return?.();
    return DONE;
  }

  private finishNow(): IteratorResult<Block> {
    this.finish();
    return DONE;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.onFinish();
  }
}
