import { DetectionError } from '../../errors.js';

/** A camera configuration that cannot be used: every problem, each naming the field (and its line in the YAML file). */
export type ConfigPath = readonly (string | number)[];

export interface ConfigIssue {
  /** e.g. `zones[1].polygon` */
  path: string;
  message: string;
  /** 1-based line in the YAML file, when known. */
  line?: number;
}

export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out || '(top level)';
}

export class CameraConfigError extends DetectionError<'CONFIG_INVALID'> {
  override readonly name = 'CameraConfigError';

  constructor(readonly issues: readonly ConfigIssue[], readonly file?: string) {
    const where = file ? `${file}: ` : '';
    const lines = issues.map((i) => `  ${i.path}${i.line ? ` (line ${i.line})` : ''}: ${i.message}`);
    super('CONFIG_INVALID', `${where}invalid camera configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
  }
}
