/**
 * The signal of a new alert: a short two-tone beep (WebAudio) and a vibration, where the browser
 * allows them. Browsers only let a page make sound after the user has interacted with it, so the
 * console asks the operator to switch the signal on (that click unlocks the audio).
 */
let audio: AudioContext | null = null;

export async function unlockAudio(): Promise<boolean> {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') await audio.resume();
    return audio.state === 'running';
  } catch {
    return false;
  }
}

function tone(ctx: AudioContext, freq: number, start: number, length: number): void {
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.type = 'square';
  osc.frequency.value = freq;
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.25, start + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
  osc.connect(gain).connect(ctx.destination);
  osc.start(start);
  osc.stop(start + length + 0.02);
}

/** Beeps (critical and high alerts twice) and vibrates. */
export function signalAlert(severity: string | null): void {
  const repeats = severity === 'critical' || severity === 'high' ? 2 : 1;
  if (audio && audio.state === 'running') {
    const t0 = audio.currentTime + 0.02;
    for (let r = 0; r < repeats; r++) {
      tone(audio, 880, t0 + r * 0.5, 0.18);
      tone(audio, 660, t0 + r * 0.5 + 0.2, 0.18);
    }
  }
  try {
    navigator.vibrate?.(repeats === 2 ? [200, 100, 200, 100, 400] : [300]);
  } catch {
    // Vibration is not allowed here (no user gesture yet, or not supported).
  }
}
