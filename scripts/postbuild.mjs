// tsc does not keep the executable bit: make every workspace's bin entry runnable after a build.
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = JSON.parse(readFileSync('package.json', 'utf8'));
for (const ws of root.workspaces) {
  const file = join(ws, 'package.json');
  if (!existsSync(file)) continue;
  const bin = JSON.parse(readFileSync(file, 'utf8')).bin ?? {};
  for (const target of Object.values(bin)) {
    const path = join(ws, target);
    if (existsSync(path)) chmodSync(path, 0o755);
  }
}
