/** Detection sources as the API shows them: the runner's status, the input's credentials hidden. */
import type { DetectionRunner, SourceStatus } from './detection-runner.js';

/** A source's status as the API shows it: the runner's status with the kind as a GraphQL enum. */
export type DetectionSourceView = Omit<SourceStatus, 'kind' | 'state'> & { kind: 'REMOTEID' | 'AUDIO' | 'VIDEO'; state: string };

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
