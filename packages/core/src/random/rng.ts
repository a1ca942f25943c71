import seedrandom from 'seedrandom';

/** A stream's whole state as plain JSON: the xoshiro128** words and the polar method's cached spare. */
export interface RngState {
  readonly s: readonly [number, number, number, number];
  /** The cached second normal of the polar method, or null when none is pending. */
  readonly spare: number | null;
}

/**
 * One seeded random stream. seedrandom (alea) derives the state from a path string; the bulk fills
 * run xoshiro128** inline because seedrandom's per-call generators are ~5× slower, and a layer's
 * noise draws are hundreds of thousands of samples per step.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare = 0;
  private hasSpare = false;

  constructor(readonly seed: string) {
    const alea = seedrandom.alea(seed);
    const word = () => (alea.int32() >>> 0) || 0x9e3779b9; // an all-zero xoshiro state never leaves zero
    this.s0 = word();
    this.s1 = word();
    this.s2 = word();
    this.s3 = word();
  }

  /** The current state; `restore` of it continues the identical sequence. */
  snapshot(): RngState {
    return { s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spare: this.hasSpare ? this.spare : null };
  }

  restore(state: RngState): void {
    [this.s0, this.s1, this.s2, this.s3] = state.s.map((w) => w | 0) as [number, number, number, number];
    this.hasSpare = state.spare !== null;
    this.spare = state.spare ?? 0;
  }

  /**
   * Writes the state into a kernel's 32-byte block (words s0..s3, then hasSpare at word 4 and the spare as
   * f64 at byte 24: `words` and `floats` view the same block), so a compiled kernel can draw from this
   * stream; `loadBlock` takes the advanced state back. Together they let kernels continue the exact sequence.
   */
  storeBlock(words: Uint32Array, floats: Float64Array): void {
    words[0] = this.s0;
    words[1] = this.s1;
    words[2] = this.s2;
    words[3] = this.s3;
    words[4] = this.hasSpare ? 1 : 0;
    floats[3] = this.spare;
  }

  loadBlock(words: Uint32Array, floats: Float64Array): void {
    this.s0 = words[0]! | 0;
    this.s1 = words[1]! | 0;
    this.s2 = words[2]! | 0;
    this.s3 = words[3]! | 0;
    this.hasSpare = words[4] !== 0;
    this.spare = floats[3]!;
  }

  /** Next 32-bit unsigned integer (xoshiro128**). */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextU32() * 2.3283064365386963e-10;
  }

  /** Standard normal (Marsaglia polar method, which needs no trigonometry). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    this.hasSpare = true;
    return u * f;
  }

  fillUniform(out: Float32Array | Float64Array, lo = 0, hi = 1): typeof out {
    const w = hi - lo;
    for (let i = 0; i < out.length; i++) out[i] = lo + w * this.next();
    return out;
  }

  fillNormal(out: Float32Array | Float64Array, mean = 0, std = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Fisher–Yates shuffle of an index array, in place. */
  shuffle(a: Uint32Array | Int32Array | number[]): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
