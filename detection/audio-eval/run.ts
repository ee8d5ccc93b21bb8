#!/usr/bin/env node
/**
 * `npm run eval:audio -w detection [-- --subset small|full --seed N --out file.md]`: builds (or reuses)
 * the labelled audio evaluation set in the cache, runs the pipeline over it and prints precision and
 * recall per class as Markdown (stdout); progress on stderr.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ensureEvalSet, type EvalSubset } from './eval-set.js';
import { evaluate } from './evaluate.js';
import { markdown, report } from './score.js';

const HELP = `usage: node detection/dist/audio-eval/run.js [--subset full|small] [--seed N] [--dir DIR] [--out FILE] [--json FILE]

Generates the labelled audio evaluation set (sox, espeak-ng, CC0 samples; cached under
~/.cache/popart/audio-eval or $POPART_CACHE/audio-eval), runs every audio detector over it and prints
precision / recall per class and per SNR as Markdown. --out also writes the tables to FILE, --json
writes every clip's events and labels.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      subset: { type: 'string', default: 'full' },
      seed: { type: 'string', default: '20261124' },
      dir: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const subset = values.subset as EvalSubset;
  if (subset !== 'full' && subset !== 'small') throw new Error(`--subset must be full or small, got "${values.subset}"`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
  const log = (line: string): void => void process.stderr.write(line + '\n');
  const { dir, manifest } = await ensureEvalSet({ seed, subset, ...(values.dir ? { dir: values.dir } : {}), log });
  log(`[eval] ${manifest.clips.length} clips in ${dir}`);
  const { results, audioS, wallS } = await evaluate(dir, manifest, {
    onClip: (i, n) => {
      if (process.stderr.isTTY) process.stderr.write(`\r[eval] ${i}/${n} clips`);
      else if (i % 20 === 0 || i === n) log(`[eval] ${i}/${n} clips`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  const md = markdown(report(results));
  const head = `Audio evaluation set: ${subset}, seed ${seed}, ${manifest.clips.length} clips, ${audioS.toFixed(0)} s of audio, evaluated in ${wallS.toFixed(1)} s (${(audioS / wallS).toFixed(0)}× real time).\n\n`;
  process.stdout.write(head + md + '\n');
  if (values.out) await writeFile(values.out, head + md + '\n');
  if (values.json) await writeFile(values.json, JSON.stringify(results.map((r) => ({ clip: r.clip, events: r.events })), null, 1));
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`eval: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
