/**
 * bench/audio — speed of the audio pipeline as × real time on one core, against decoding alone measured
 * in the same run, plus peak memory over a 10-minute input.
 *
 * The input is the small audio evaluation set (gunshots, explosions, drones, sirens, speech in pink,
 * brown, babble and crowd noise; detection/audio-eval) played twice end to end: ~10 minutes, encoded as AAC in
 * an .m4a file as a camera or phone would record it. Three runs:
 *   decode only   — ffmpeg → 16 kHz mono frames, nothing done with them (the baseline)
 *   pipeline      — decode + every detector (Silero VAD with voice reports, impulsive, rotor, siren)
 *   detectors     — the same detectors on frames already in memory (no ffmpeg)
 * The process re-runs itself under `taskset -c 0` (when available) so node, its onnxruntime thread and
 * ffmpeg share one core. Target: pipeline ≥ 50× real time.
 *   node bench/dist/audio.js [--minutes 10] [--no-pin]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AudioIngest, AudioPipeline, ffmpegPath, readMicrophoneConfig, runAudio, type AudioFrame } from '@popart/detection';
import { decodeFile, ensureEvalSet, EVAL_CONFIG, writeWav } from '@popart/detection/audio-eval';
import { benchArgs } from './bench-kit.js';

const { values, number } = benchArgs('Usage: npm run bench:audio -- [--minutes N] [--no-pin]\n', {
  minutes: { type: 'string', default: '10' },
  'no-pin': { type: 'boolean', default: false },
});

// One core: run again under taskset, unless already pinned or told not to.
if (!values['no-pin'] && !process.env.POPART_BENCH_PINNED && spawnSync('taskset', ['-V']).status === 0) {
  const child = spawn('taskset', ['-c', '0', process.execPath, ...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, POPART_BENCH_PINNED: '1' },
  });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  await main();
}

async function main(): Promise<void> {
  const minutes = number('minutes');
  const log = (s: string): void => void process.stderr.write(s + '\n');
  const pinned = process.env.POPART_BENCH_PINNED ? 'pinned to core 0 (taskset)' : 'not pinned';
  const tmp = mkdtempSync(join(tmpdir(), 'popart-bench-audio-'));
  try {
    const { dir, manifest } = await ensureEvalSet({ seed: 20261124, subset: 'small', log });
    const clips: Float32Array[] = [];
    for (const c of manifest.clips) clips.push(await decodeFile(join(dir, c.file)));
    const total = Math.round(minutes * 60 * 16000);
    const pcm = new Float32Array(total);
    for (let at = 0, i = 0; at < total; i++) {
      const clip = clips[i % clips.length]!;
      pcm.set(clip.subarray(0, Math.min(clip.length, total - at)), at);
      at += clip.length;
    }
    const wav = join(tmp, 'input.wav');
    await writeWav(wav, pcm);
    const input = join(tmp, 'input.m4a');
    const enc = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-i', wav, '-c:a', 'aac', '-b:a', '96k', input]);
    if (enc.status !== 0) throw new Error(`ffmpeg could not encode the input: ${enc.stderr.toString()}`);
    const audioS = total / 16000;
    log(`[bench:audio] input: ${(audioS / 60).toFixed(1)} min of AAC (${manifest.clips.length} evaluation clips repeated), ${pinned}`);

    // Baseline: decode only.
    let t0 = performance.now();
    let frames = 0;
    for await (const f of new AudioIngest({ input })) frames += f.samples.length > 0 ? 1 : 0;
    const decodeS = (performance.now() - t0) / 1000;

    // Whole pipeline.
    const config = readMicrophoneConfig(EVAL_CONFIG);
    const pipeline = await AudioPipeline.fromConfig(config, { startTime: new Date(0) });
    const ingest = new AudioIngest({ input });
    const counts: Record<string, number> = {};
    t0 = performance.now();
    await runAudio(ingest, pipeline, {
      onEvent: (e) => {
        const k = e.category === 'other' ? String(e.measurements.sound) : e.category;
        counts[k] = (counts[k] ?? 0) + 1;
      },
    });
    const pipelineS = (performance.now() - t0) / 1000;
    await pipeline.close();
    const rssMiB = process.resourceUsage().maxRSS / 1024;

    // Detectors alone on frames in memory.
    const inMemory: AudioFrame[] = [];
    for (let s = 0; s + 512 <= pcm.length; s += 512) {
      const samples = pcm.subarray(s, s + 512);
      inMemory.push({ samples, pcm16: new Int16Array(0), startSample: s, mediaTimeS: s / 16000 });
    }
    const bare = await AudioPipeline.fromConfig(config, { startTime: new Date(0) });
    t0 = performance.now();
    await runAudio(inMemory, bare, { onEvent: () => {} });
    const detectorsS = (performance.now() - t0) / 1000;
    await bare.close();

    const x = (s: number): string => `${(audioS / s).toFixed(0)}×`;
    const rows = [
      ['decode only (baseline)', decodeS, `${frames} frames`],
      ['pipeline: decode + all detectors', pipelineS, Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')],
      ['detectors alone (frames in memory)', detectorsS, ''],
    ] as const;
    process.stdout.write(`\nbench:audio — ${(audioS / 60).toFixed(1)} min of audio, ${pinned}\n\n`);
    process.stdout.write('| run | wall time | × real time | notes |\n|---|---|---|---|\n');
    for (const [name, s, note] of rows) process.stdout.write(`| ${name} | ${s.toFixed(2)} s | ${x(s)} | ${note} |\n`);
    const ratio = decodeS / pipelineS;
    process.stdout.write(
      `\npipeline / decode-only speed ratio: ${ratio.toFixed(2)} (the pipeline runs at ${(ratio * 100).toFixed(0)} % of bare decoding speed)\n` +
        `peak RSS over the run: ${rssMiB.toFixed(0)} MiB; ingest queue peak ${ingest.stats.maxQueued} frames, ${ingest.stats.dropped} dropped\n` +
        `target ≥ 50× real time: ${audioS / pipelineS >= 50 ? 'met' : 'NOT met'}\n`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
