/**
 * What the detection runner consumes: a source of DetectionEvents. The sensor sources (camera, microphone, Remote ID)
 * are @popart/detection's, as its command line uses them; each kind has one factory here, registered in an explicit
 * map (no import side effects), that reads the node's configuration of it.
 */
import type { ReconnectOptions } from '@popart/detection';
import type { Logger } from '../../log.js';

export { BoundedQueue, type SensorEvent as SourceEvent, type SensorSource as EventSource } from '@popart/detection';

export interface SourceContext {
  /** Where this source writes its evidence: <dataDir>/evidence/<source id>. */
  evidenceDir: string;
  log: Logger;
  /** How a live input (camera, microphone) is reconnected: the source's `restart`, the one retry level of its input. */
  reconnect?: ReconnectOptions;
}

/** Sleeps, waking early (without error) when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
