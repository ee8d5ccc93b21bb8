/**
 * A real-input FFT (radix 2, written for this project): the N real samples are packed into N/2 complex
 * values, transformed in place, then split into the spectrum of the even and odd samples. Twiddles and
 * the bit-reversal table are computed once per size.
 */

export class RealFft {
  readonly size: number;
  private readonly half: number;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly rev: Uint32Array;
  /** cos/sin of -2πk/(N/2) for the half-size transform. */
  private readonly cosHalf: Float64Array;
  private readonly sinHalf: Float64Array;
  /** cos/sin of -2πk/N for the final split. */
  private readonly cosFull: Float64Array;
  private readonly sinFull: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
      throw new RangeError(`FFT size must be a power of two ≥ 4, got ${size}`);
    }
    this.size = size;
    const half = size / 2;
    this.half = half;
    this.re = new Float64Array(half);
    this.im = new Float64Array(half);
    this.rev = new Uint32Array(half);
    const bits = Math.log2(half);
    for (let i = 0; i < half; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
    this.cosHalf = new Float64Array(half / 2);
    this.sinHalf = new Float64Array(half / 2);
    for (let k = 0; k < half / 2; k++) {
      this.cosHalf[k] = Math.cos((-2 * Math.PI * k) / half);
      this.sinHalf[k] = Math.sin((-2 * Math.PI * k) / half);
    }
    this.cosFull = new Float64Array(half + 1);
    this.sinFull = new Float64Array(half + 1);
    for (let k = 0; k <= half; k++) {
      this.cosFull[k] = Math.cos((-2 * Math.PI * k) / size);
      this.sinFull[k] = Math.sin((-2 * Math.PI * k) / size);
    }
  }

  /**
   * Power spectrum |X[k]|² for k = 0..N/2 of `input` (length N) into `out` (length N/2 + 1).
   * `window` (length N) multiplies the input when given.
   */
  power(input: ArrayLike<number>, out: Float64Array, window?: Float64Array): Float64Array {
    const { half, re, im, rev } = this;
    if (input.length !== this.size) throw new RangeError(`FFT input must have ${this.size} samples, got ${input.length}`);
    if (out.length !== half + 1) throw new RangeError(`FFT output must have ${half + 1} bins, got ${out.length}`);
    for (let m = 0; m < half; m++) {
      const j = rev[m]!;
      const a = input[2 * m]!;
      const b = input[2 * m + 1]!;
      re[j] = window ? a * window[2 * m]! : a;
      im[j] = window ? b * window[2 * m + 1]! : b;
    }
    this.transformInPlace();
    // Split: X[k] = E[k] + W^k O[k], E = (Z[k] + conj Z[M-k]) / 2, O = (Z[k] - conj Z[M-k]) / 2i.
    for (let k = 0; k <= half; k++) {
      const k1 = k === half ? 0 : k;
      const k2 = k === 0 ? 0 : half - k;
      const zr = re[k1]!;
      const zi = im[k1]!;
      const cr = re[k2]!;
      const ci = -im[k2]!;
      const er = (zr + cr) / 2;
      const ei = (zi + ci) / 2;
      // (z - conj)/2i = (dr + i di) / 2i = (di - i dr) / 2
      const dr = zr - cr;
      const di = zi - ci;
      const or = di / 2;
      const oi = -dr / 2;
      const wr = this.cosFull[k]!;
      const wi = this.sinFull[k]!;
      const xr = er + wr * or - wi * oi;
      const xi = ei + wr * oi + wi * or;
      out[k] = xr * xr + xi * xi;
    }
    return out;
  }

  private transformInPlace(): void {
    const { half, re, im, cosHalf, sinHalf } = this;
    for (let len = 2; len <= half; len <<= 1) {
      const step = half / len;
      const h = len >> 1;
      for (let start = 0; start < half; start += len) {
        for (let j = 0; j < h; j++) {
          const wr = cosHalf[j * step]!;
          const wi = sinHalf[j * step]!;
          const a = start + j;
          const b = a + h;
          const br = re[b]!;
          const bi = im[b]!;
          const tr = wr * br - wi * bi;
          const ti = wr * bi + wi * br;
          re[b] = re[a]! - tr;
          im[b] = im[a]! - ti;
          re[a] = re[a]! + tr;
          im[a] = im[a]! + ti;
        }
      }
    }
  }
}

/** A periodic Hann window of length n. */
export function hannWindow(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}
