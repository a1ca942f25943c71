import type { Rng } from '../random/rng.js';
import { jumpBlocks } from './stream-jump.js';
import { chunkCount, elementwisePool, Job } from './threads.js';
import { elementwiseModule, type ElementwiseModule } from './wasm.js';

const TWO_M24 = 2 ** -24;

/** A NormalStream's state as plain JSON: the 16 xoshiro128** words of its four lanes. */
export interface NormalStreamState {
  readonly lanes: readonly number[];
}

/**
 * A fast normal generator for per-cell noise: 4 independent xoshiro128** lanes (stepped together, 128-bit
 * SIMD in the element-wise WASM module) and the Box–Muller transform, r = √(−2 ln u₁), θ uniform on the
 * circle, two normals r·cos θ and r·sin θ per pair of draws. u₁ ∈ (0, 1] has 24 bits (so |ξ| ≤ 5.77, the
 * tail beyond has probability 8e-9), and θ is a quadrant (2 bits) plus 24 bits within it. The WASM
 * transform runs in f32 with polynomial log/sin/cos (relative error ≲ 1e-6 against f64); without WASM
 * SIMD, the TypeScript fallback runs the identical integer stream with Math.log/sin/cos in f64.
 *
 * Seeded from a plugin's own Rng (16 words), so each plugin keeps its own reproducible stream; the state is
 * part of the plugin's snapshot. A call for n normals consumes ceil(n/8) rounds of 8; extras are dropped,
 * so a stream's position depends only on the sequence of call sizes.
 */
export class NormalStream {
  /** Word-major: s0 of lanes 0–3, s1 of lanes 0–3, s2, s3. */
  readonly state = new Uint32Array(16);

  constructor(rng: Rng) {
    for (let i = 0; i < 16; i++) this.state[i] = rng.nextU32();
    for (let lane = 0; lane < 4; lane++) {
      // An all-zero xoshiro state never leaves zero.
      if (!(this.state[lane]! | this.state[4 + lane]! | this.state[8 + lane]! | this.state[12 + lane]!)) this.state[lane] = 0x9e3779b9;
    }
  }

  snapshot(): NormalStreamState {
    return { lanes: Array.from(this.state) };
  }

  restore(s: NormalStreamState): void {
    if (s.lanes.length !== 16) throw new RangeError(`NormalStream: expected 16 state words, got ${s.lanes.length}`);
    this.state.set(s.lanes);
  }

  /** Fills `out` with mean + std·ξ. */
  fill(out: Float64Array, mean = 0, std = 1): Float64Array {
    const m = elementwiseModule();
    if (!m) {
      const z = new Float64Array(roundUp8(out.length));
      this.referenceNormals(z);
      for (let i = 0; i < out.length; i++) out[i] = mean + std * z[i]!;
      return out;
    }
    if (this.pooled(m, out, out.length, mean, std)) return out;
    m.begin();
    m.api.fillNormal(m.inout(this.state), m.out(out), out.length, mean, std);
    m.end();
    return out;
  }

  /**
   * A large fill on the element-wise worker pool: chunk t (bounds fixed by n alone, multiples of 64 normals)
   * jumps its own copy of the state to its first round (jumpRounds) and draws from there, and the stream then
   * moves on by all ceil(n/8) rounds: the values and the state of one call, whatever the thread count.
   * Returns false (nothing done) when the fill is small or there is no pool.
   */
  private pooled(m: ElementwiseModule, out: Float64Array | Float32Array, n: number, mean: number, std: number): boolean {
    const chunks = chunkCount(n);
    const pool = chunks > 1 ? elementwisePool(m) : null;
    if (!pool) return false;
    const jump = jumpBlocks(m);
    m.begin();
    const a = pool.ints;
    a[0] = jump.states.byteOffset;
    a[1] = jump.table.byteOffset;
    a[2] = m.resident(out) ? out.byteOffset : m.out(out.length === n ? out : out.subarray(0, n));
    // f32 output: the generator's own values, unscaled (fillCountF32).
    a[3] = out instanceof Float32Array ? 1 : 0;
    pool.floats[0] = mean;
    pool.floats[1] = std;
    for (let t = 0; t < chunks; t++) jump.states.set(this.state, 16 * t);
    pool.run(m.api, Job.fillNormal, n, chunks);
    m.end();
    jump.states.set(this.state, 0);
    m.api.jumpRounds(jump.states.byteOffset, jump.table.byteOffset, (n + 7) >>> 3);
    this.state.set(jump.states.subarray(0, 16));
    return true;
  }

  /** Fills out[0 .. n) with standard normals, as fill(out.subarray(0, n)) but without a view per call. */
  fillCount(out: Float64Array, n: number): void {
    const m = elementwiseModule();
    if (!m || !m.resident(out)) {
      this.fill(out.subarray(0, n));
      return;
    }
    if (this.pooled(m, out, n, 0, 1)) return;
    m.begin();
    m.api.fillNormal(m.inout(this.state), out.byteOffset, n, 0, 1);
    m.end();
  }

  /**
   * Fills out[0 .. n) with standard normals in f32, the precision the WASM generator makes them in: the values
   * fillCount gives (as f32) and the same stream position after, without the conversion to f64 (about 0.5 ns a
   * normal less). Without WASM SIMD, the f64 reference values rounded to f32.
   */
  fillCountF32(out: Float32Array, n: number): void {
    const m = elementwiseModule();
    if (!m || !m.resident(out)) {
      const z = this.fill(new Float64Array(n));
      for (let i = 0; i < n; i++) out[i] = z[i]!;
      return;
    }
    if (this.pooled(m, out, n, 0, 1)) return;
    m.begin();
    m.api.normalsF32(m.inout(this.state), out.byteOffset, n);
    m.end();
  }

  /**
   * The TypeScript transform of the same integer stream (f64 Math.log/sin/cos): the fallback without WASM
   * SIMD, and the reference the WASM kernel is tested against. Fills whole rounds: z.length must be a
   * multiple of 8.
   */
  referenceNormals(z: Float64Array): void {
    for (let i = 0; i < z.length; i += 8) {
      const wa = this.step();
      const wb = this.step();
      for (let lane = 0; lane < 4; lane++) {
        const u1 = ((wa[lane]! >>> 8) + 1) * TWO_M24;
        const r = Math.sqrt(-2 * Math.log(u1));
        const a = ((wb[lane]! & 0xffffff) * TWO_M24 - 0.5) * (Math.PI / 2);
        const q = wb[lane]! >>> 30;
        let x = Math.cos(a);
        let y = Math.sin(a);
        if (q & 1) [x, y] = [-y, x];
        if (q & 2) [x, y] = [-x, -y];
        z[i + lane] = r * x;
        z[i + 4 + lane] = r * y;
      }
    }
  }

  private readonly words = [new Uint32Array(4), new Uint32Array(4)] as const;
  private flip = 0;

  /** One xoshiro128** step of the four lanes; the result buffer alternates so two steps can be held. */
  private step(): Uint32Array {
    const s = this.state;
    const out = this.words[(this.flip ^= 1)];
    for (let l = 0; l < 4; l++) {
      const s1 = s[4 + l]!;
      out[l] = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
      const t = s1 << 9;
      s[8 + l]! ^= s[l]!;
      s[12 + l]! ^= s[4 + l]!;
      s[4 + l]! ^= s[8 + l]!;
      s[l]! ^= s[12 + l]!;
      s[8 + l]! ^= t;
      s[12 + l] = rotl(s[12 + l]!, 11);
    }
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export function roundUp8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
