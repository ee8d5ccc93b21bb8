/**
 * Worker threads that each hold an instance of the compiled policies, so that a large batch (an
 * export, a 10,000-object page) is evaluated on several cores and off the node's event loop: alerts
 * keep flowing to operators while an analyst's big query is filtered. A worker that dies fails only
 * the batches it held, and is replaced. An idle worker does not keep the process alive (a node stopped without
 * closing a policy it shared still exits); a worker with batches in flight does.
 */
import { Worker } from 'node:worker_threads';
import { NodeError } from '../errors.js';
import type { WorkerReply, WorkerRequest } from './wasm-worker.js';

interface Pending { resolve: (value: unknown) => void; reject: (err: Error) => void }

class Slot {
  readonly pending = new Map<number, Pending>();
  readonly ready: Promise<void>;
  private closing = false;

  constructor(readonly worker: Worker, private readonly onDeath: (slot: Slot, why: string) => void) {
    this.ready = new Promise((resolve, reject) => {
      const first = (msg: unknown): void => {
        if ((msg as { ready?: boolean }).ready) {
          worker.off('message', first);
          worker.on('message', (reply: WorkerReply) => this.settle(reply));
          if (this.pending.size === 0) worker.unref();
          resolve();
        }
      };
      worker.on('message', first);
      worker.once('error', (err) => reject(err));
      worker.once('exit', (code) => reject(new Error(`exited with code ${code} while starting`)));
    });
    this.ready.catch(() => undefined);
    worker.on('error', (err) => this.die(`failed: ${err.message}`));
    worker.on('exit', (code) => this.die(`exited with code ${code}`));
  }

  /** Sends a batch; the worker holds the process open until its last batch is answered. */
  send(req: WorkerRequest, pending: Pending): void {
    if (this.pending.size === 0) this.worker.ref();
    this.pending.set(req.id, pending);
    this.worker.postMessage(req, [req.input]);
  }

  private settle(reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if ('error' in reply) p.reject(new NodeError('INTERNAL', `policy evaluation failed in a worker: ${reply.error}`));
    else p.resolve(reply.result);
  }

  private die(why: string): void {
    if (this.closing) return;
    this.closing = true;
    const err = new NodeError('INTERNAL', `a policy worker ${why}; its batches are refused and it is replaced`);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.onDeath(this, why);
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const p of this.pending.values()) p.reject(new NodeError('INTERNAL', 'the policy is closing'));
    this.pending.clear();
    await this.worker.terminate();
  }
}

export class PolicyWorkers {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private turn = 0;
  private closed = false;
  /** Workers replaced after they died (for logs and tests). */
  replaced = 0;

  private constructor(private readonly dir: string) {}

  /** Starts `size` workers on the compiled policies in `dir`, and waits until each has loaded them. */
  static async start(dir: string, size: number): Promise<PolicyWorkers> {
    const pool = new PolicyWorkers(dir);
    for (let i = 0; i < size; i++) pool.slots.push(pool.spawn());
    try {
      await Promise.all(pool.slots.map((s) => s.ready));
    } catch (cause) {
      await pool.close();
      throw new NodeError('CONFIG_INVALID', `cannot start the policy workers on ${dir}: ${(cause as Error).message}`, { cause });
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./wasm-worker.js', import.meta.url), { workerData: { dir: this.dir } });
    return new Slot(worker, (dead) => {
      const i = this.slots.indexOf(dead);
      if (this.closed || i < 0) return;
      this.replaced += 1;
      this.slots[i] = this.spawn();
    });
  }

  /** Evaluates an entrypoint on the next worker in turn; `input` is JSON bytes (transferred, not copied). */
  evaluate(entrypoint: string, input: Uint8Array): Promise<unknown> {
    if (this.closed) return Promise.reject(new NodeError('INTERNAL', 'the policy is closed'));
    const slot = this.slots[this.turn++ % this.slots.length] as Slot;
    const id = this.nextId++;
    const buffer = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength ? input.buffer : input.slice().buffer;
    return new Promise((resolve, reject) => {
      slot.send({ id, entrypoint, input: buffer as ArrayBuffer }, { resolve, reject });
    });
  }

  /** Makes the next worker fail as if it had crashed (for tests of the replacement). */
  async crashOne(): Promise<void> {
    const slot = this.slots[this.turn % this.slots.length] as Slot;
    await slot.worker.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.close()));
  }
}
