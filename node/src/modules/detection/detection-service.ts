/** Detection sources as the API shows them: the runner's status, the input's credentials hidden. */
import type { DetectionRunner } from '../../detection/detection-runner.js';

export interface DetectionSourceView {
  id: string;
  kind: 'REMOTEID' | 'AUDIO' | 'VIDEO';
  input: string;
  state: string;
  events: number;
  published: number;
  merged: number;
  filtered: number;
  refused: number;
  restarts: number;
  lastError: string | null;
  lastPublishedAt: string | null;
  counters: Record<string, number>;
}

/** Hides the user:password part of every URL in a text. */
export function hideCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@');
}

export class DetectionService {
  constructor(private readonly runner: DetectionRunner) {}

  sources(): DetectionSourceView[] {
    return this.runner.status().map((s) => ({
      ...s,
      kind: s.kind.toUpperCase() as DetectionSourceView['kind'],
      state: s.state.toUpperCase(),
      input: hideCredentials(s.input),
      lastError: s.lastError === null ? null : hideCredentials(s.lastError),
    }));
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }
}
