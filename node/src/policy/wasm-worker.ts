/**
 * A worker thread of the wasm policy pool: its own instance of the compiled policies, evaluating the
 * batches the node's main thread sends it. Input arrives as JSON bytes (an ArrayBuffer the main thread
 * transfers), the policy's result goes back as it came out of the entrypoint.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { loadPolicy } from '@open-policy-agent/opa-wasm';

export interface WorkerRequest { id: number; entrypoint: string; input: ArrayBuffer }
export type WorkerReply = { id: number; result: unknown } | { id: number; error: string };

const { dir } = workerData as { dir: string };
const policy = await loadPolicy(readFileSync(join(dir, 'policy.wasm')));
policy.setData(JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8')) as object);

const port = parentPort;
if (!port) throw new Error('wasm-worker.js runs as a worker thread of WasmPolicy');
port.on('message', (req: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const results = policy.evaluate(req.input, req.entrypoint) as { result?: unknown }[];
    reply = { id: req.id, result: results[0]?.result };
  } catch (err) {
    reply = { id: req.id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });
