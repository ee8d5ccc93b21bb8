/**
 * `popart audio <file|url>`: runs the acoustic detectors (gunshot/explosion, drone rotor, siren, voice) on
 * an audio or video file or a live stream. Events go to stdout as JSON lines; a progress bar (files)
 * and a summary go to stderr.
 */
import { AudioIngest, isLiveUrl } from '../audio/ingest.js';
import { defaultMicrophoneConfig, loadMicrophoneConfig, MICROPHONE_FIELDS, type MicrophoneConfig } from '../audio/config.js';
import { AudioPipeline, runAudio } from '../audio/pipeline.js';
import { AUDIO_DETECTORS, AUDIO_DETECTOR_TYPES, type AudioDetectorType } from '../audio/registry.js';
import { AudioConfigError, AudioError } from '../audio/errors.js';
import { readMicrophoneConfig } from '../audio/config.js';
import { parseCommandLine, ProgressBar } from './command-line.js';

function usage(): string {
  const lines = [
    'usage: popart audio <file|url> [--config mic.yaml] [options]',
    '',
    'Decodes any audio/video file or live stream (rtsp, http, udp, tcp, srt, rtmp) with ffmpeg to 16 kHz mono and',
    'runs the acoustic detectors. Events are printed as JSON lines on stdout (DetectionEvent, sensorKind',
    '"microphone"); progress and a summary go to stderr.',
    '',
    'options:',
    '  --config <file>       microphone id, position and detectors (YAML or JSON), see below',
    `  --detectors <list>    run only these detectors, comma-separated (${AUDIO_DETECTOR_TYPES.join(', ')})`,
    "  --report-voice        also report speech segments (category 'other', measurements.sound = voice)",
    '  --live / --file       treat the input as a live source (reopened with backoff) or a file; default: URLs are live',
    '  --start-time <iso>    wall-clock time of the start of the file, for startedAt/observedAt (default: now)',
    '  --no-progress         no progress bar',
    '  -h, --help            this help',
    '',
    'detectors:',
    ...Object.values(AUDIO_DETECTORS).map((p) => `  ${p.type.padEnd(10)} ${p.summary}`),
    '',
    'config file fields:',
    ...Object.entries(MICROPHONE_FIELDS).map(([k, v]) => `  ${k}: ${v}`),
    ...Object.values(AUDIO_DETECTORS).flatMap((p) => [`  detectors[type=${p.type}]:`, ...Object.entries(p.fields).map(([k, v]) => `    ${k}: ${v}`)]),
    '',
    'exit status: 0 done, 1 the input could not be read, 2 bad usage or configuration.',
  ];
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine('audio', argv, {
    config: { type: 'string' },
    detectors: { type: 'string' },
    'report-voice': { type: 'boolean' },
    live: { type: 'boolean' },
    file: { type: 'boolean' },
    'start-time': { type: 'string' },
    'no-progress': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, usage());
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    process.stderr.write(`popart audio: expected one input (file or URL), got ${positionals.length}\n\n${usage()}\n`);
    return 2;
  }
  const input = positionals[0]!;
  let startTime = new Date();
  if (values['start-time'] !== undefined) {
    startTime = new Date(values['start-time']);
    if (Number.isNaN(startTime.getTime())) {
      process.stderr.write(`popart audio: --start-time: not an ISO 8601 time: "${values['start-time']}"\n`);
      return 2;
    }
  }

  let config: MicrophoneConfig;
  try {
    config = values.config ? await loadMicrophoneConfig(values.config) : defaultMicrophoneConfig();
    config = applyOverrides(config, values.detectors, values['report-voice'] ?? false);
  } catch (err) {
    process.stderr.write(`popart audio: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }

  const live = values.live ? true : values.file ? false : isLiveUrl(input);
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const progress = new ProgressBar(!live && !values['no-progress'], { intervalMs: 100 });
  let durationS: number | undefined;
  let events = 0;
  const showProgress = (t: number): void => {
    if (durationS === undefined) return;
    const speed = t / Math.max((performance.now() - started) / 1000, 1e-3);
    progress.update(t / durationS, `${t.toFixed(1)}/${durationS.toFixed(1)} s  ${speed.toFixed(0)}× real time  ${events} events`);
  };
  const ingest = new AudioIngest({
    input,
    live,
    signal: controller.signal,
    onDuration: (d) => { durationS = d; },
    onReconnect: ({ attempt, delayMs, reason }) => process.stderr.write(`popart audio: ${reason}; reconnecting in ${delayMs} ms (attempt ${attempt})\n`),
  });
  let pipeline: AudioPipeline | undefined;
  const started = performance.now();
  try {
    pipeline = await AudioPipeline.fromConfig(config, { startTime, live });
    await runAudio(ingest, pipeline, {
      signal: controller.signal,
      onEvent: (e) => {
        events++;
        progress.clear();
        process.stdout.write(JSON.stringify(e) + '\n');
      },
      onProgress: showProgress,
    });
    progress.done();
    const seconds = (performance.now() - started) / 1000;
    const audioS = ingest.stats.samples / 16000;
    const cats = Object.entries(pipeline.stats.byCategory).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
    process.stderr.write(
      `popart audio: ${audioS.toFixed(1)} s of audio in ${seconds.toFixed(1)} s (${(audioS / Math.max(seconds, 1e-3)).toFixed(0)}× real time); ` +
        `${pipeline.stats.events} events (${cats})` +
        (ingest.stats.dropped ? `; ${ingest.stats.dropped} frames dropped (consumer behind)` : '') +
        (ingest.stats.reconnects ? `; ${ingest.stats.reconnects} reconnects` : '') +
        '\n',
    );
    return 0;
  } catch (err) {
    progress.clear();
    const code = err instanceof AudioConfigError ? 2 : 1;
    process.stderr.write(`popart audio: ${err instanceof AudioError ? `${err.message} [${err.code}]` : err instanceof Error ? err.message : String(err)}\n`);
    return code;
  } finally {
    ingest.close();
    await pipeline?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** --detectors and --report-voice on top of the file (or default) configuration. */
function applyOverrides(config: MicrophoneConfig, detectors: string | undefined, reportVoice: boolean): MicrophoneConfig {
  let entries = config.detectors;
  if (detectors !== undefined) {
    const wanted = detectors.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = wanted.filter((w) => !(AUDIO_DETECTOR_TYPES as string[]).includes(w));
    if (unknown.length > 0 || wanted.length === 0) {
      throw new AudioConfigError([{ path: '--detectors', message: `must list some of ${AUDIO_DETECTOR_TYPES.join(', ')}, got "${detectors}"` }]);
    }
    const byType = new Map(entries.map((e) => [e.type, e]));
    const defaults = readMicrophoneConfig({}).detectors;
    entries = (wanted as AudioDetectorType[]).map((t) => byType.get(t) ?? defaults.find((d) => d.type === t)!);
  }
  if (reportVoice) {
    const defaults = readMicrophoneConfig({}).detectors;
    const voice = entries.find((e) => e.type === 'voice') ?? defaults.find((d) => d.type === 'voice')!;
    entries = [{ type: 'voice', config: { ...(voice.config as object), report: true } }, ...entries.filter((e) => e.type !== 'voice')];
  }
  entries = [...entries].sort((a, b) => AUDIO_DETECTOR_TYPES.indexOf(a.type) - AUDIO_DETECTOR_TYPES.indexOf(b.type));
  return { ...config, detectors: entries };
}

