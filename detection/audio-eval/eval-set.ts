/**
 * The labelled audio evaluation set. Deterministic for a seed: synthetic impulses and rotor combs from
 * synth.ts, sirens, tones and noise beds from sox, speech and crowd babble from espeak-ng, plus CC0
 * impact recordings (Sonic Pi's freesound samples, npm supersonic-scsynth-samples), each mixed into a
 * noise bed (pink, brown, babble, or crowd = babble + pink) at a set SNR. Written to a cache folder
 * (never committed) with a manifest of labels.
 *
 * SNR: RMS of the target over its active span (within 35 dB of its loudest 20 ms) against the RMS of
 * the noise bed.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { activeSpan, clap, doorSlam, explosion, fade, gunshot, mulberry32, normalisePeak, rms, rotor, uniform, type Rng } from './synth.js';
import { run } from './tools.js';
import { decodeFile, SR, writeWav } from './wav.js';

export const GENERATOR_VERSION = 5;
export const EVAL_CLASSES = ['gunshot', 'explosion', 'drone', 'siren', 'voice'] as const;
export type EvalClass = (typeof EVAL_CLASSES)[number];

export interface EvalLabel {
  cls: EvalClass;
  startS: number;
  endS: number;
}

export interface EvalClip {
  file: string;
  /** What was put in the noise: a class, or a distractor (clap, door, tone, chirp, cc0-…). */
  kind: string;
  noise: NoiseKind;
  snrDb: number;
  durationS: number;
  labels: EvalLabel[];
  /** For CC0 recordings: the sample's name and licence. */
  source?: string;
  /** The noise bed itself holds voices (babble, crowd): voice detections outside labels are not false alarms. */
  speechInNoise: boolean;
}

export interface EvalManifest {
  version: number;
  seed: number;
  subset: EvalSubset;
  clips: EvalClip[];
}

export type NoiseKind = 'pink' | 'brown' | 'babble' | 'crowd';
export type EvalSubset = 'full' | 'small';

const NOISES: NoiseKind[] = ['pink', 'brown', 'babble', 'crowd'];
const CLIP_S = 10;
const NOISE_RMS = 0.03;

/**
 * CC0 recordings (Sonic Pi samples from freesound.org, CC0 1.0, npm supersonic-scsynth-samples 0.84.2)
 * and what they are. None is a gunshot or an explosion: they are the hard negatives (sharp, loud, short
 * impacts). The package has no explosion recording: its cinematic boom swells over ~2 s, which is not
 * an impulsive blast, so it is a negative too.
 */
export const CC0_SAMPLES: { name: string; cls: EvalClass | undefined; what: string }[] = [
  { name: 'perc_door', cls: undefined, what: 'door knock/slam' },
  { name: 'perc_snap', cls: undefined, what: 'finger snap' },
  { name: 'perc_snap2', cls: undefined, what: 'finger snap' },
  { name: 'drum_snare_hard', cls: undefined, what: 'snare drum' },
  { name: 'drum_heavy_kick', cls: undefined, what: 'kick drum' },
  { name: 'perc_impact1', cls: undefined, what: 'percussive impact' },
  { name: 'perc_impact2', cls: undefined, what: 'percussive impact' },
  { name: 'misc_cineboom', cls: undefined, what: 'cinematic boom swelling over ~2 s' },
];

const SENTENCES = [
  'Please move away from the north gate and follow the stewards.',
  'The match will start in ten minutes, find your seats now.',
  'Has anyone seen a small child in a red jacket near the stand?',
  'We are going to the station after the concert tonight.',
  'Tickets are checked at the entrance on the left side.',
  'I think the bus leaves from the other side of the square.',
  'Keep the emergency exits clear at all times, thank you.',
  'Meet me by the big screen when the second half begins.',
];
const VOICES = ['en-us', 'en+f3', 'en+m3', 'es', 'fr', 'de', 'pt', 'it'];

export function defaultEvalDir(seed: number, subset: EvalSubset): string {
  const cache = process.env.POPART_CACHE ?? join(homedir(), '.cache', 'popart');
  return join(cache, 'audio-eval', `v${GENERATOR_VERSION}-seed${seed}-${subset}`);
}

/** Loads the set from `dir` when it is complete and current, else generates it there. */
export async function ensureEvalSet(opts: { seed: number; subset: EvalSubset; dir?: string; log?: (line: string) => void }): Promise<{ dir: string; manifest: EvalManifest }> {
  const dir = opts.dir ?? defaultEvalDir(opts.seed, opts.subset);
  const manifestPath = join(dir, 'manifest.json');
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as EvalManifest;
    if (manifest.version === GENERATOR_VERSION && manifest.seed === opts.seed && manifest.clips.every((c) => existsSync(join(dir, c.file)))) return { dir, manifest };
  }
  // Built beside and renamed into place, so that a run reading the set never sees half of it.
  const building = `${dir}.building-${process.pid}`;
  const manifest = await generateEvalSet({ ...opts, dir: building });
  await rm(dir, { recursive: true, force: true });
  await rename(building, dir);
  return { dir, manifest };
}

export async function generateEvalSet(opts: { seed: number; subset: EvalSubset; dir: string; log?: (line: string) => void }): Promise<EvalManifest> {
  const { seed, subset, dir } = opts;
  const log = opts.log ?? (() => {});
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'parts'), { recursive: true });
  const rng = mulberry32(seed);
  const parts = new Parts(join(dir, 'parts'), log);
  const beds: Record<NoiseKind, Float32Array> = {
    pink: await parts.sox('pink', ['synth', '60', 'pinknoise']),
    brown: await parts.sox('brown', ['synth', '60', 'brownnoise']),
    babble: await parts.babble(),
    crowd: new Float32Array(0),
  };
  beds.crowd = mix(beds.babble, beds.pink, 0.7, 0.5);

  const snrs = subset === 'full' ? [20, 10, 5, 0] : [20, 10];
  const perClass = subset === 'full' ? 3 : 2;
  const plans: { kind: string; snr: number; noise: NoiseKind }[] = [];
  let noiseTurn = 0;
  for (const snr of snrs) {
    for (const cls of EVAL_CLASSES) {
      for (let v = 0; v < perClass; v++) plans.push({ kind: cls, snr, noise: NOISES[noiseTurn++ % NOISES.length]! });
    }
    const negatives = subset === 'full' ? ['clap', 'door', 'tone', 'chirp', 'clap', 'door'] : ['clap', 'door', 'tone', 'chirp'];
    for (const kind of negatives) plans.push({ kind, snr, noise: NOISES[noiseTurn++ % NOISES.length]! });
    const cc0 = subset === 'full' ? CC0_SAMPLES : CC0_SAMPLES.filter((s) => ['drum_snare_hard', 'perc_door', 'misc_cineboom'].includes(s.name));
    if (subset === 'full' || snr === 10) for (const s of cc0) plans.push({ kind: `cc0:${s.name}`, snr, noise: NOISES[noiseTurn++ % NOISES.length]! });
  }

  const clips: EvalClip[] = [];
  for (const [i, plan] of plans.entries()) {
    const clipRng = mulberry32(Math.floor(rng() * 2 ** 32));
    const bed = beds[plan.noise];
    const start = Math.floor(clipRng() * (bed.length - CLIP_S * SR));
    const noise = Float32Array.from(bed.subarray(start, start + CLIP_S * SR));
    const nr = rms(noise);
    for (let k = 0; k < noise.length; k++) noise[k]! *= NOISE_RMS / nr;
    const { labels, layers, source } = await makeContent(plan.kind, clipRng, parts);
    const target = NOISE_RMS * 10 ** (plan.snr / 20);
    for (const layer of layers) {
      const [a, b] = activeSpan(layer.signal);
      const gain = target / Math.max(rms(layer.signal, a, b), 1e-9);
      const at = Math.round(layer.atS * SR);
      for (let k = 0; k < layer.signal.length && at + k < noise.length; k++) noise[at + k]! += gain * layer.signal[k]!;
    }
    let peak = 0;
    for (const v of noise) peak = Math.max(peak, Math.abs(v));
    if (peak > 0.99) for (let k = 0; k < noise.length; k++) noise[k]! *= 0.99 / peak;
    const file = `${String(i).padStart(3, '0')}-${plan.kind.replace(/[^a-z0-9]+/gi, '_')}-${plan.noise}-snr${plan.snr}.wav`;
    await writeWav(join(dir, file), noise);
    const clip: EvalClip = { file, kind: plan.kind, noise: plan.noise, snrDb: plan.snr, durationS: CLIP_S, labels, speechInNoise: plan.noise === 'babble' || plan.noise === 'crowd' };
    if (source) clip.source = source;
    clips.push(clip);
    if (i % 10 === 0) log(`[eval-set] ${i + 1}/${plans.length} ${file}`);
  }
  const manifest: EvalManifest = { version: GENERATOR_VERSION, seed, subset, clips };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  await rm(join(dir, 'parts'), { recursive: true, force: true });
  return manifest;
}

interface Layer {
  signal: Float32Array;
  atS: number;
}

async function makeContent(kind: string, rng: Rng, parts: Parts): Promise<{ labels: EvalLabel[]; layers: Layer[]; source?: string }> {
  const labels: EvalLabel[] = [];
  const layers: Layer[] = [];
  switch (kind) {
    case 'gunshot': {
      const shots = 1 + Math.floor(rng() * 3);
      let t = uniform(rng, 1, 3);
      for (let s = 0; s < shots; s++) {
        layers.push({ signal: gunshot(rng), atS: t });
        labels.push({ cls: 'gunshot', startS: t, endS: t + 0.3 });
        t += uniform(rng, 0.4, 2.5);
      }
      break;
    }
    case 'explosion': {
      const t = uniform(rng, 1, 5);
      const sig = explosion(rng);
      layers.push({ signal: sig, atS: t });
      labels.push({ cls: 'explosion', startS: t, endS: t + 1.5 });
      break;
    }
    case 'drone': {
      const dur = uniform(rng, 4, 7);
      const t = uniform(rng, 0.5, CLIP_S - dur - 0.2);
      layers.push({ signal: rotor(rng, dur, uniform(rng, 90, 400)), atS: t });
      labels.push({ cls: 'drone', startS: t, endS: t + dur });
      break;
    }
    case 'siren': {
      const dur = uniform(rng, 6, 8.5);
      const t = uniform(rng, 0.3, CLIP_S - dur - 0.1);
      const sig = await parts.siren(rng, dur);
      layers.push({ signal: sig, atS: t });
      labels.push({ cls: 'siren', startS: t, endS: t + dur });
      break;
    }
    case 'voice': {
      const speech = await parts.speech(rng);
      const [a, b] = activeSpan(speech, 40);
      const t = uniform(rng, 0.5, Math.max(0.6, CLIP_S - speech.length / SR - 0.3));
      layers.push({ signal: speech, atS: t });
      labels.push({ cls: 'voice', startS: t + a / SR, endS: t + b / SR });
      break;
    }
    case 'clap': {
      let t = uniform(rng, 1, 3);
      for (let s = 0; s < 2 + Math.floor(rng() * 3); s++) {
        layers.push({ signal: clap(rng), atS: t });
        t += uniform(rng, 0.3, 1.5);
      }
      break;
    }
    case 'door': {
      layers.push({ signal: doorSlam(rng), atS: uniform(rng, 1, 4) });
      if (rng() < 0.5) layers.push({ signal: doorSlam(rng), atS: uniform(rng, 5, 8) });
      break;
    }
    case 'tone': {
      const f = uniform(rng, 250, 1500);
      layers.push({ signal: fade(await parts.sox(`tone-${f.toFixed(0)}`, ['synth', '5', 'sine', f.toFixed(1)]), 0.05), atS: uniform(rng, 0.5, 4) });
      break;
    }
    case 'chirp': {
      const lo = uniform(rng, 500, 900);
      const hi = uniform(rng, 1200, 1800);
      layers.push({ signal: fade(await parts.sox(`chirp-${lo.toFixed(0)}-${hi.toFixed(0)}`, ['synth', '1', 'sine', `${lo.toFixed(0)}:${hi.toFixed(0)}`]), 0.05), atS: uniform(rng, 1, 7) });
      break;
    }
    default: {
      if (!kind.startsWith('cc0:')) throw new Error(`unknown evaluation content "${kind}"`);
      const name = kind.slice(4);
      const spec = CC0_SAMPLES.find((s) => s.name === name);
      if (!spec) throw new Error(`unknown CC0 sample "${name}"`);
      const sig = await parts.cc0(name);
      const t = uniform(rng, 1, Math.max(1.1, CLIP_S - Math.min(sig.length / SR, 6) - 0.5));
      layers.push({ signal: sig.subarray(0, Math.min(sig.length, Math.round((CLIP_S - t) * SR))), atS: t });
      if (spec.cls) {
        const [a] = activeSpan(sig);
        labels.push({ cls: spec.cls, startS: t + a / SR, endS: t + a / SR + 1.5 });
      }
      return { labels, layers, source: `${name}.flac (${spec.what}), Sonic Pi sample from freesound.org, CC0 1.0, npm supersonic-scsynth-samples 0.84.2` };
    }
  }
  return { labels, layers };
}

/** Sound parts made with sox and espeak-ng, decoded to 16 kHz floats. */
class Parts {
  private n = 0;
  constructor(
    private readonly dir: string,
    private readonly log: (line: string) => void,
  ) {}

  /** `sox -R -n -r 16000 -c 1 out.wav <effects…>` (-R: repeatable, fixed seed for noise). */
  async sox(name: string, effects: string[]): Promise<Float32Array> {
    const out = join(this.dir, `${name}-${this.n++}.wav`);
    await run('sox', ['-R', '-n', '-r', String(SR), '-c', '1', '-b', '16', out, ...effects]);
    return decodeFile(out);
  }

  async espeak(voice: string, speed: number, pitch: number, text: string): Promise<Float32Array> {
    const out = join(this.dir, `speech-${this.n++}.wav`);
    await run('espeak-ng', ['-v', voice, '-s', String(speed), '-p', String(pitch), '-w', out, text]);
    return decodeFile(out);
  }

  async speech(rng: Rng): Promise<Float32Array> {
    const voice = VOICES[Math.floor(rng() * VOICES.length)]!;
    const text = SENTENCES[Math.floor(rng() * SENTENCES.length)]!;
    return this.espeak(voice, Math.round(uniform(rng, 140, 190)), Math.round(uniform(rng, 30, 70)), text);
  }

  /** Eight talkers (different voices, speeds, pitches) reading the sentences, summed with offsets. */
  async babble(): Promise<Float32Array> {
    this.log('[eval-set] babble: 8 espeak-ng talkers');
    const out = new Float32Array(60 * SR);
    const rng = mulberry32(7);
    for (const [i, voice] of VOICES.entries()) {
      const text = Array.from({ length: 12 }, (_, k) => SENTENCES[(i + k) % SENTENCES.length]).join(' ');
      const talk = normalisePeak(await this.espeak(voice, 150 + i * 8, 35 + i * 5, text));
      const offset = Math.floor(rng() * SR * 3);
      for (let k = 0; k < out.length; k++) out[k]! += 0.4 * talk[(k + offset) % talk.length]!;
    }
    return out;
  }

  /** A siren from sox sweeps: wail (600↔1400 Hz, 1.5–4 s period) or hi-lo (two tones, ~1.2 s period). */
  async siren(rng: Rng, seconds: number): Promise<Float32Array> {
    const wave = rng() < 0.5 ? 'sine' : 'square';
    const out = new Float32Array(Math.round(seconds * SR));
    let pieces: Float32Array[];
    if (rng() < 0.65) {
      const lo = Math.round(uniform(rng, 550, 750));
      const hi = Math.round(uniform(rng, 1200, 1700));
      const half = uniform(rng, 0.75, 2).toFixed(2);
      pieces = [await this.sox('wail-up', ['synth', half, wave, `${lo}:${hi}`]), await this.sox('wail-down', ['synth', half, wave, `${hi}:${lo}`])];
    } else {
      const lo = Math.round(uniform(rng, 550, 700));
      const hi = Math.round(lo * uniform(rng, 1.35, 1.6));
      const half = uniform(rng, 0.45, 0.7).toFixed(2);
      pieces = [await this.sox('hilo-hi', ['synth', half, wave, String(hi)]), await this.sox('hilo-lo', ['synth', half, wave, String(lo)])];
    }
    let k = 0;
    for (let p = 0; k < out.length; p++) {
      const piece = pieces[p % pieces.length]!;
      for (let i = 0; i < piece.length && k < out.length; i++) out[k++] = piece[i]!;
    }
    return fade(out, 0.2);
  }

  async cc0(name: string): Promise<Float32Array> {
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('supersonic-scsynth-samples/package.json'));
    return decodeFile(join(dir, 'samples', `${name}.flac`));
  }
}

function mix(a: Float32Array, b: Float32Array, ga: number, gb: number): Float32Array {
  const n = Math.min(a.length, b.length);
  const ra = rms(a);
  const rb = rms(b);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (ga * a[i]!) / ra + (gb * b[i]!) / rb;
  return out;
}
