/** The external programs the evaluation set is made with: sox and espeak-ng (Debian packages, see scripts/tools.sh). */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const ENV: Record<string, string> = { sox: 'POPART_SOX', 'espeak-ng': 'POPART_ESPEAK_NG' };

export function toolPath(name: 'sox' | 'espeak-ng'): string {
  const override = process.env[ENV[name]!];
  if (override) return override;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  throw new Error(`${name} is needed to build the audio evaluation set and was not found on PATH: run "bash scripts/tools.sh" (installs the Debian packages sox and espeak-ng) or set ${ENV[name]}`);
}

export function run(name: 'sox' | 'espeak-ng', args: string[]): Promise<void> {
  const bin = toolPath(name);
  return new Promise((resolve, reject) => {
    execFile(bin, args, { maxBuffer: 1 << 20 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${name} ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}
