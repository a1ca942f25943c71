import { NormalStream, roundUp8 } from './normal-stream.js';
import { jumpBlocks } from './stream-jump.js';
import { chunkCount, elementwisePool, Job, MAX_CHUNKS, rowChunkCount, type ElementwisePool } from './threads.js';
import { elementwiseModule, type ElementwiseModule, type ResidentArray } from './wasm.js';

/**
 * Fused element-wise loops of the crossbar pipeline. Each runs in the WASM SIMD module when it is available
 * (operands copied in and out with set(), into reused memory) and otherwise as the TypeScript loop in
 * `reference`, which is also what the tests compare the WASM kernels with. Deterministic kernels agree with
 * their reference to floating-point rounding (the quantisers exactly); random ones draw from a NormalStream.
 */
export const kernels = {
  /**
   * dst = src = 0 ? src : src + scale·√(range·|src|)·ξ (write noise). One ξ per non-zero cell, in cell
   * order: the stream advances ceil(nonzero/8) rounds, so cells without a change cost no draws.
   */
  writeNoise(stream: NormalStream, src: Float64Array, dst: Float64Array, scale: number, range: number): void {
    const w = elementwiseModule();
    if (!w) return reference.writeNoise(stream, src, dst, scale, range);
    const tmp = normalsBuffer(src.length + 8);
    const m = w.begin();
    m.api.writeNoise(m.inout(stream.state), m.in(src), m.out(dst), src.length, scale, range, tmp);
    m.end();
  },

  /**
   * The common update chain in one pass, in place on g: u = f·d, then update non-linearity (`nonlinear`,
   * see updateNonlinearity), then write noise (`noise`, see writeNoise), then g = clip(g + u, lo, hi).
   * Bit-identical to scale → updateNonlinearity → writeNoise → addClip run one after another.
   */
  updateChain(g: Float64Array, d: Float64Array, f: number, chain: UpdateChain, lo: number, hi: number): void {
    const w = elementwiseModule();
    if (!w) return reference.updateChain(g, d, f, chain, lo, hi);
    const nl = chain.nonlinear;
    const nz = chain.noise;
    const chunks = chunkCount(g.length);
    const pool = chunks > 1 ? elementwisePool(w) : null;
    if (pool) return threadedUpdate(w, pool, chunks, g, d, f, chain, lo, hi);
    const tmp = nz ? normalsBuffer(g.length + 8) : 0;
    const m = w.begin();
    m.api.updateChain(nz ? m.inout(nz.stream.state) : 0, m.in(d), m.inout(g), g.length, f, nl ? 1 : 0, nl?.gmin ?? 0, nl?.gmax ?? 0, nl?.w0 ?? 0, nl?.k ?? 0,
      nz ? 1 : 0, nz?.scale ?? 0, nz?.range ?? 0, lo, hi, tmp);
    m.end();
  },

  /**
   * The common read chain in one pass: levels (`chain.levels`) → ×factors → series resistance, each step
   * optional. Bit-identical to levels → multiply → series run one after another.
   */
  readChain(src: Float64Array, dst: Float64Array, chain: ReadChain): void {
    const m = elementwiseModule()?.begin();
    if (!m) return reference.readChain(src, dst, chain);
    const l = chain.levels;
    const chunks = chunkCount(src.length);
    const pool = chunks > 1 ? elementwisePool(m) : null;
    if (pool) {
      const a = pool.ints;
      a[0] = m.in(src);
      a[1] = m.out(dst);
      a[2] = chain.factors ? m.in(chain.factors) : 0;
      a[3] = chain.resistance ? m.in(chain.resistance) : 0;
      a[4] = l ? 1 : 0;
      const x = pool.floats;
      x[0] = l?.gmin ?? 0;
      x[1] = l?.step ?? 0;
      x[2] = l ? 1 / l.step : 0;
      x[3] = l?.steps ?? 0;
      pool.run(m.api, Job.read, src.length, chunks);
      m.end();
      return;
    }
    m.api.readChain(m.in(src), m.out(dst), src.length, l ? 1 : 0, l?.gmin ?? 0, l?.step ?? 0, l ? 1 / l.step : 0, l?.steps ?? 0,
      chain.factors ? m.in(chain.factors) : 0, chain.resistance ? m.in(chain.resistance) : 0);
    m.end();
  },

  /**
   * out (f32) = readChain(plus, chainPlus) − readChain(minus, chainMinus) per cell, in one pass without storing
   * the effective conductances: bit-identical to both read chains then `combine` (untransposed). The two
   * chains must quantise alike (the same levels or none); factors and resistance may differ per polarity.
   */
  readCombine(out: Float32Array, plus: Float64Array, minus: Float64Array, chainPlus: ReadChain, chainMinus: ReadChain): void {
    const l = chainPlus.levels;
    const lm = chainMinus.levels;
    if (!!l !== !!lm || (l && lm && (l.gmin !== lm.gmin || l.step !== lm.step || l.steps !== lm.steps))) {
      throw new RangeError('readCombine: the two read chains quantise differently');
    }
    const m = elementwiseModule()?.begin();
    if (!m) return reference.readCombine(out, plus, minus, chainPlus, chainMinus);
    const n = plus.length;
    const args = [m.in(plus), m.in(minus), m.out(out), chainPlus.factors ? m.in(chainPlus.factors) : 0, chainMinus.factors ? m.in(chainMinus.factors) : 0,
      chainPlus.resistance ? m.in(chainPlus.resistance) : 0, chainMinus.resistance ? m.in(chainMinus.resistance) : 0] as const;
    const chunks = chunkCount(n);
    const pool = chunks > 1 ? elementwisePool(m) : null;
    if (pool) {
      const a = pool.ints;
      for (let i = 0; i < 7; i++) a[i] = args[i]!;
      a[7] = l ? 1 : 0;
      const x = pool.floats;
      x[0] = l?.gmin ?? 0;
      x[1] = l?.step ?? 0;
      x[2] = l ? 1 / l.step : 0;
      x[3] = l?.steps ?? 0;
      pool.run(m.api, Job.readCombine, n, chunks);
      m.end();
      return;
    }
    m.api.readCombine(args[0], args[1], args[2], n, l ? 1 : 0, l?.gmin ?? 0, l?.step ?? 0, l ? 1 / l.step : 0, l?.steps ?? 0, args[3], args[4], args[5], args[6]);
    m.end();
  },

  /** dst (C×R) = the transpose of src (R×C), float32. */
  transpose(src: Float32Array, dst: Float32Array, R: number, C: number): void {
    const m = elementwiseModule()?.begin();
    if (!m) return reference.transpose(src, dst, R, C);
    const chunks = chunkCount(R * C);
    const pool = chunks > 1 ? elementwisePool(m) : null;
    if (pool) {
      const a = pool.ints;
      a[0] = m.in(src);
      a[1] = m.out(dst);
      a[2] = C;
      pool.run(m.api, Job.transpose, R, chunks);
      m.end();
      return;
    }
    m.api.transposeRows(m.in(src), m.out(dst), R, C, 0, R);
    m.end();
  },

  /** dst = f·src. */
  scale(src: Float64Array, f: number, dst: Float64Array): void {
    const m = elementwiseModule()?.begin();
    if (!m) return reference.scale(src, f, dst);
    m.api.scale(m.in(src), m.out(dst), src.length, f);
    m.end();
  },

  /** dst = clip(g + d, lo, hi). */
  addClip(g: Float64Array, d: Float64Array, dst: Float64Array, lo: number, hi: number): void {
    const m = elementwiseModule()?.begin();
    if (!m) return reference.addClip(g, d, dst, lo, hi);
    m.api.addClip(m.in(g), m.in(d), m.out(dst), g.length, lo, hi);
    m.end();
  },

  /** g = clip(g + f·want, lo, hi), in place. */
  stepClip(g: Float64Array, want: Float64Array, f: number, lo: number, hi: number): void {
    const m = elementwiseModule()?.begin();
    if (!m) return reference.stepClip(g, want, f, lo, hi);
    const chunks = chunkCount(g.length);
    const pool = chunks > 1 ? elementwisePool(m) : null;
    if (pool) {
      const a = pool.ints;
      a[0] = m.inout(g);
      a[1] = m.in(want);
      const x = pool.floats;
      x[0] = f;
      x[1] = lo;
      x[2] = hi;
      pool.run(m.api, Job.stepClip, g.length, chunks);
      m.end();
      return;
    }
    m.api.stepClip(m.inout(g), m.in(want), g.length, f, lo, hi);
    m.end();
  },

  /**
   * Sign-split routing and one update chain on each device of the pair, bit-identical to signSplit(plus, minus,
   * want, cP, cM), then updateChain(plus, cP, f, chain, lo, hi), then updateChain(minus, cM, f, chain, lo, hi):
   * the same states, and the stream drawing the plus cells' normals, then the minus cells'. In two passes
   * (splitPrepare, splitApply) that run the non-linearity and the noise's square root once per weight, on the
   * device that changes, instead of on every cell of both arrays. Operands outside kernel memory take the
   * three kernels one after another. Returns countNonzero(want) (the update's activity count), counted in the
   * first pass.
   */
  splitChain(plus: Float64Array, minus: Float64Array, want: Float64Array, f: number, chain: UpdateChain, lo: number, hi: number): number {
    const w = elementwiseModule();
    if (!w || !(w.resident(plus) && w.resident(minus) && w.resident(want))) {
      reference.splitChain(plus, minus, want, f, chain, lo, hi, kernels);
      return kernels.countNonzero(want);
    }
    const n = want.length;
    const chunks = chunkCount(n);
    const pool = chunks > 1 ? elementwisePool(w) : null;
    const parts = pool ? chunks : 1;
    const nl = chain.nonlinear;
    const nz = chain.noise;
    const b = splitBuffers(n, parts);
    const counts = b.counts;
    // The pooled jobs' shared arguments (set before each job: a pooled normal fill between them uses the same block).
    const stage = (a: Int32Array) => {
      a[0] = plus.byteOffset;
      a[1] = minus.byteOffset;
      a[2] = want.byteOffset;
      a[3] = b.uP.byteOffset;
      a[4] = b.uM.byteOffset;
      a[6] = counts.byteOffset;
    };
    if (pool) {
      const a = pool.ints;
      stage(a);
      a[5] = nl ? 1 : 0;
      chainFloats(pool.floats, f, chain, lo, hi);
      pool.run(w.api, Job.splitPrepare, n, chunks);
    } else {
      w.api.splitPrepare(plus.byteOffset, minus.byteOffset, want.byteOffset, b.uP.byteOffset, b.uM.byteOffset, n, f, nl ? 1 : 0,
        nl?.gmin ?? 0, nl?.gmax ?? 0, nl?.w0 ?? 0, nl?.k ?? 0, counts.byteOffset);
    }
    // Each part's counts become where its normals start: the plus cells' and the minus cells' before it.
    let usedP = 0;
    let usedM = 0;
    let requests = 0;
    for (let t = 0; t < parts; t++) {
      const cp = counts[4 * t]!;
      const cm = counts[4 * t + 1]!;
      counts[4 * t] = usedP;
      counts[4 * t + 1] = usedM;
      usedP += cp;
      usedM += cm;
      requests += counts[4 * t + 2]!;
    }
    if (nz) {
      // The plus call's draws, then the minus call's: each advances the stream by its whole rounds.
      nz.stream.fillCountF32(b.xiP, usedP);
      nz.stream.fillCountF32(b.xiM, usedM);
    }
    if (pool) {
      const a = pool.ints;
      stage(a);
      a[5] = nz ? 1 : 0;
      a[7] = b.xiP.byteOffset;
      a[8] = b.xiM.byteOffset;
      chainFloats(pool.floats, f, chain, lo, hi);
      pool.run(w.api, Job.splitApply, n, chunks);
      return requests;
    }
    w.api.splitApply(plus.byteOffset, minus.byteOffset, b.uP.byteOffset, b.uM.byteOffset, n, nz ? 1 : 0, nz?.scale ?? 0, nz?.range ?? 0, lo, hi,
      b.xiP.byteOffset, b.xiM.byteOffset, counts.byteOffset);
    return requests;
  },

  /** Sign-split routing: see reference.signSplit. */
  signSplit(plus: Float64Array, minus: Float64Array, want: Float64Array, outPlus: Float64Array, outMinus: Float64Array): void {
    const m = elementwiseModule()?.begin();
    if (!m) return reference.signSplit(plus, minus, want, outPlus, outMinus);
    const chunks = chunkCount(want.length);
    const pool = chunks > 1 ? elementwisePool(m) : null;
    if (pool) {
      const a = pool.ints;
      a[0] = m.in(plus);
      a[1] = m.in(minus);
      a[2] = m.in(want);
      a[3] = m.out(outPlus);
      a[4] = m.out(outMinus);
      pool.run(m.api, Job.signSplit, want.length, chunks);
      m.end();
      return;
    }
    m.api.signSplit(m.in(plus), m.in(minus), m.in(want), m.out(outPlus), m.out(outMinus), want.length);
    m.end();
  },

  /** Asymmetric update non-linearity: see reference.updateNonlinearity. */
  updateNonlinearity(d: Float64Array, g: Float64Array, dst: Float64Array, gmin: number, gmax: number, w0: number, k: number): void {
    const m = elementwiseModule()?.begin();
    if (!m) return reference.updateNonlinearity(d, g, dst, gmin, gmax, w0, k);
    m.api.updateNonlinearity(m.in(d), m.in(g), m.out(dst), d.length, gmin, gmax, w0, k);
    m.end();
  },

  /** Nearest of steps + 1 levels gmin + l·step (stored states within [gmin, gmax]). */
  levels(src: Float64Array, dst: Float64Array, gmin: number, step: number, steps: number): void {
    const m = elementwiseModule()?.begin();
    if (!m) return reference.levels(src, dst, gmin, step, steps);
    m.api.levels(m.in(src), m.out(dst), src.length, gmin, step, 1 / step, steps);
    m.end();
  },

  /** dst = src·f. */
  multiply(src: Float64Array, f: Float64Array, dst: Float64Array): void {
    const m = elementwiseModule()?.begin();
    if (!m) return reference.multiply(src, f, dst);
    m.api.multiply(m.in(src), m.in(f), m.out(dst), src.length);
    m.end();
  },

  /** dst = g > 0 ? g/(1 + g·r) : g (a resistance r in series with each conductance). */
  series(src: Float64Array, r: Float64Array, dst: Float64Array): void {
    const m = elementwiseModule()?.begin();
    if (!m) return reference.series(src, r, dst);
    m.api.series(m.in(src), m.in(r), m.out(dst), src.length);
    m.end();
  },

  /** out = plus − minus (or plus² + minus²), R×C, or transposed to C×R. */
  combine(out: Float32Array, plus: Float64Array, minus: Float64Array, R: number, C: number, transposed: boolean, squared: boolean): void {
    const m = elementwiseModule()?.begin();
    if (!m) return reference.combine(out, plus, minus, R, C, transposed, squared);
    const chunks = chunkCount(R * C);
    const pool = chunks > 1 ? elementwisePool(m) : null;
    if (pool) {
      const a = pool.ints;
      a[0] = m.in(plus);
      a[1] = m.in(minus);
      a[2] = m.out(out);
      a[3] = C;
      a[4] = transposed ? 1 : 0;
      a[5] = squared ? 1 : 0;
      pool.run(m.api, Job.combine, R, chunks);
      m.end();
      return;
    }
    m.api.combine(m.in(plus), m.in(minus), m.out(out), R, C, transposed ? 1 : 0, squared ? 1 : 0);
    m.end();
  },

  /** The number of non-zero elements. */
  countNonzero(src: Float64Array): number {
    const m = elementwiseModule()?.begin();
    if (!m) return reference.countNonzero(src);
    return m.api.countNonzero(m.in(src), src.length);
  },

  /** dst[b, i] = src[b, start + i] for i < used and 0 up to `lines`: one block's slice of a read's batch × srcWidth inputs. */
  gather(src: Float32Array, dst: Float32Array, batch: number, srcWidth: number, start: number, used: number, lines: number): void {
    const m = elementwiseModule()?.begin();
    if (!m) return reference.gather(src, dst, batch, srcWidth, start, used, lines);
    // Rows are independent: large blocks run on the worker pool in chunks of whole rows.
    const chunks = rowChunkCount(batch, lines);
    const pool = chunks > 1 ? elementwisePool(m) : null;
    if (pool) {
      const a = pool.ints;
      a[0] = m.in(src);
      a[1] = m.out(dst);
      a[2] = srcWidth;
      a[3] = start;
      a[4] = used;
      a[5] = lines;
      pool.run(m.api, Job.gather, batch, chunks);
      m.end();
      return;
    }
    m.api.gather(m.in(src), m.out(dst), batch, srcWidth, start, used, lines);
    m.end();
  },

  /**
   * acc[b, j] += cur[b, j]·scales[b] for j < accWidth (default width), cur rows holding `width` values and
   * acc rows accWidth (a read's digital sum of one block; the padding columns past accWidth are dropped).
   * `fresh` starts from zero instead of acc's contents: exactly zero-filling acc first, one pass fewer.
   */
  accumulate(acc: Float64Array, cur: Float32Array, scales: Float32Array, batch: number, width: number, accWidth = width, fresh = false): void {
    const m = elementwiseModule()?.begin();
    if (!m) return reference.accumulate(acc, cur, scales, batch, width, accWidth, fresh);
    const chunks = rowChunkCount(batch, width);
    const pool = chunks > 1 ? elementwisePool(m) : null;
    if (pool) {
      const a = pool.ints;
      a[0] = fresh ? m.out(acc) : m.inout(acc);
      a[1] = m.in(cur);
      a[2] = m.in(scales);
      a[3] = width;
      a[4] = accWidth;
      a[5] = fresh ? 1 : 0;
      pool.run(m.api, Job.accumulate, batch, chunks);
      m.end();
      return;
    }
    m.api.accumulate(fresh ? m.out(acc) : m.inout(acc), m.in(cur), m.in(scales), batch, width, accWidth, fresh ? 1 : 0);
    m.end();
  },

  /** True when `a` lives in the kernels' memory (kernels then read it in place, without a copy). */
  resident(a: ResidentArray): boolean {
    return elementwiseModule()?.resident(a) ?? false;
  },

  /**
   * Collects garbage and takes back the kernel memory of arrays no longer referenced (see
   * ElementwiseModule.reclaim); returns the bytes taken back (0 without the WASM module).
   */
  reclaim(): number {
    return elementwiseModule()?.reclaim() ?? 0;
  },

  /** out[b, j] = acc[b, j]·f for the first outWidth of each row of `width` accumulators (to f32). */
  narrow(acc: Float64Array, out: Float32Array, batch: number, width: number, outWidth: number, f: number): void {
    const m = elementwiseModule()?.begin();
    if (!m) return reference.narrow(acc, out, batch, width, outWidth, f);
    const chunks = rowChunkCount(batch, width);
    const pool = chunks > 1 ? elementwisePool(m) : null;
    if (pool) {
      const a = pool.ints;
      a[0] = m.in(acc);
      a[1] = m.out(out);
      a[2] = width;
      a[3] = outWidth;
      pool.floats[0] = f;
      pool.run(m.api, Job.narrow, batch, chunks);
      m.end();
      return;
    }
    m.api.narrow(m.in(acc), m.out(out), batch, width, outWidth, f);
    m.end();
  },

  /**
   * accumulate (fresh) then narrow in one pass, for a read of one block and one pass: out[b, j] =
   * f32((0 + cur[b, j]·scales[b])·f) for j < outWidth, cur rows `width` apart. Bit-identical to the two.
   */
  accumulateNarrow(cur: Float32Array, scales: Float32Array, out: Float32Array, batch: number, width: number, outWidth: number, f: number): void {
    const m = elementwiseModule()?.begin();
    if (!m) return reference.accumulateNarrow(cur, scales, out, batch, width, outWidth, f);
    const chunks = rowChunkCount(batch, width);
    const pool = chunks > 1 ? elementwisePool(m) : null;
    if (pool) {
      const a = pool.ints;
      a[0] = m.in(cur);
      a[1] = m.in(scales);
      a[2] = m.out(out);
      a[3] = width;
      a[4] = outWidth;
      pool.floats[0] = f;
      pool.run(m.api, Job.accumulateNarrow, batch, chunks);
      m.end();
      return;
    }
    m.api.accumulateNarrow(m.in(cur), m.in(scales), m.out(out), batch, width, outWidth, f);
    m.end();
  },

  /** dst = f·src, float32 to float64. */
  widen(src: Float32Array, f: number, dst: Float64Array): void {
    const m = elementwiseModule()?.begin();
    if (!m) return reference.widen(src, f, dst);
    const chunks = chunkCount(src.length);
    const pool = chunks > 1 ? elementwisePool(m) : null;
    if (pool) {
      const a = pool.ints;
      a[0] = m.in(src);
      a[1] = m.out(dst);
      pool.floats[0] = f;
      pool.run(m.api, Job.widen, src.length, chunks);
      m.end();
      return;
    }
    m.api.widen(m.in(src), m.out(dst), src.length, f);
    m.end();
  },

  /** A Float64Array the kernels use in place (in WASM memory when available); keep the returned view alive while in use. */
  float64(n: number): Float64Array {
    return elementwiseModule()?.float64(n) ?? new Float64Array(n);
  },

  /** A Float32Array the kernels use in place; see float64. */
  float32(n: number): Float32Array {
    return elementwiseModule()?.float32(n) ?? new Float32Array(n);
  },

  /** An Int32Array the kernels use in place; see float64. */
  int32(n: number): Int32Array {
    return elementwiseModule()?.int32(n) ?? new Int32Array(n);
  },

  /** A Uint16Array the kernels use in place; see float64. */
  uint16(n: number): Uint16Array {
    return elementwiseModule()?.uint16(n) ?? new Uint16Array(n);
  },
};

/** The kernels reference.splitChain composes: the reference loops, or `kernels` (the operands outside kernel memory). */
export interface SplitKernels {
  signSplit(plus: Float64Array, minus: Float64Array, want: Float64Array, outPlus: Float64Array, outMinus: Float64Array): void;
  updateChain(g: Float64Array, d: Float64Array, f: number, chain: UpdateChain, lo: number, hi: number): void;
}

/** The stages of kernels.updateChain; an absent stage is skipped. */
export interface UpdateChain {
  /** Update non-linearity (kernels.updateNonlinearity's parameters). */
  readonly nonlinear?: { readonly gmin: number; readonly gmax: number; readonly w0: number; readonly k: number };
  /** Write noise (kernels.writeNoise's parameters and stream). */
  readonly noise?: { readonly stream: NormalStream; readonly scale: number; readonly range: number };
}

/** The stages of kernels.readChain; an absent stage is skipped. */
export interface ReadChain {
  /** Nearest of steps + 1 levels gmin + l·step (kernels.levels). */
  readonly levels?: { readonly gmin: number; readonly step: number; readonly steps: number };
  /** Per-device factors (kernels.multiply). */
  readonly factors?: Float64Array;
  /** Per-device series resistance (kernels.series). */
  readonly resistance?: Float64Array;
}

/**
 * The address of room for n f32 normals in kernel memory, reused across calls (grown as needed; taken
 * before a call stages its operands, since growing it allocates).
 */
function normalsBuffer(n: number): number {
  if (normals.length < n) normals = kernels.float32(Math.max(n, 2 * normals.length));
  return normals.byteOffset;
}
let normals: Float32Array = new Float32Array(0);

/**
 * updateChain on the worker pool, in `chunks` chunks fixed by the array's length. Without write noise the
 * chunks are independent. With it, chunk t must take the normals one call over all cells would give it: each
 * chunk computes its u and counts the cells that draw (u ≠ 0), learns from the chunk before it where its
 * normals start, jumps its own copy of the stream there and draws (threads.ts, updateNoisy). The stream then
 * advances by the rounds all cells took, so state and bits are those of the single-threaded kernel.
 */
function threadedUpdate(w: ElementwiseModule, pool: ElementwisePool, chunks: number, g: Float64Array, d: Float64Array, f: number,
  chain: UpdateChain, lo: number, hi: number): void {
  const nl = chain.nonlinear;
  const nz = chain.noise;
  // Kernel memory is taken before staging (growing it allocates).
  const tmp = nz ? normalsBuffer(g.length + 16 * chunks + 8) : 0;
  const jump = nz ? jumpBlocks(w) : undefined;
  if (nz) uBuffer(g.length);
  const m = w.begin();
  const a = pool.ints;
  a[0] = m.in(d);
  a[1] = m.inout(g);
  a[2] = nl ? 1 : 0;
  chainFloats(pool.floats, f, chain, lo, hi);
  if (!nz || !jump) {
    pool.run(w.api, Job.update, g.length, chunks);
    m.end();
    return;
  }
  a[3] = jump.states.byteOffset;
  a[4] = jump.table.byteOffset;
  a[5] = tmp;
  a[6] = uBuffer(g.length);
  const state = nz.stream.state;
  for (let t = 0; t < chunks; t++) jump.states.set(state, 16 * t);
  pool.resetPrefix(chunks);
  pool.run(w.api, Job.updateNoisy, g.length, chunks);
  m.end();
  // The stream moves on by the whole rounds the cells took, as one call would leave it.
  jump.states.set(state, 0);
  w.api.jumpRounds(jump.states.byteOffset, jump.table.byteOffset, (pool.drawn(chunks) + 7) >> 3);
  state.set(jump.states.subarray(0, 16));
}

/**
 * splitChain's work arrays in kernel memory, reused across calls and grown as needed: each polarity's u (n f64),
 * its normals (n + 2 f32: splitApply reads one past the last), and four i32 per part (the plus, minus and request
 * counts; the first two then become offsets).
 */
function splitBuffers(n: number, parts: number): SplitBuffers {
  if (split.uP.length < n) {
    const size = Math.max(n, 2 * split.uP.length);
    split = { ...split, uP: kernels.float64(size), uM: kernels.float64(size), xiP: kernels.float32(size + 2), xiM: kernels.float32(size + 2) };
  }
  if (split.counts.length < 4 * parts) split = { ...split, counts: kernels.int32(4 * MAX_CHUNKS) };
  return split;
}
interface SplitBuffers {
  readonly uP: Float64Array;
  readonly uM: Float64Array;
  readonly xiP: Float32Array;
  readonly xiM: Float32Array;
  readonly counts: Int32Array;
}
let split: SplitBuffers = { uP: new Float64Array(0), uM: new Float64Array(0), xiP: new Float32Array(0), xiM: new Float32Array(0), counts: new Int32Array(0) };

/**
 * The float arguments of the pooled update jobs (update, updateNoisy, splitPrepare, splitApply), in the layout
 * threads.ts reads: f, the non-linearity's gmin, gmax, w0, k, the noise's scale and range, then lo and hi.
 */
function chainFloats(x: Float64Array, f: number, chain: UpdateChain, lo: number, hi: number): void {
  const nl = chain.nonlinear;
  x[0] = f;
  x[1] = nl?.gmin ?? 0;
  x[2] = nl?.gmax ?? 0;
  x[3] = nl?.w0 ?? 0;
  x[4] = nl?.k ?? 0;
  x[5] = chain.noise?.scale ?? 0;
  x[6] = chain.noise?.range ?? 0;
  x[7] = lo;
  x[8] = hi;
}

/** The address of room for n f64 (threadedUpdate's u), reused across calls; see normalsBuffer. */
function uBuffer(n: number): number {
  if (us.length < n) us = kernels.float64(Math.max(n, 2 * us.length));
  return us.byteOffset;
}
let us: Float64Array = new Float64Array(0);


/** The TypeScript loops: the fallback without WASM SIMD and the reference in tests. */
export const reference = {
  writeNoise(stream: NormalStream, src: Float64Array, dst: Float64Array, scale: number, range: number): void {
    let nonzero = 0;
    for (let c = 0; c < src.length; c++) if (src[c] !== 0) nonzero++;
    const z = new Float64Array(roundUp8(nonzero));
    stream.referenceNormals(z);
    let j = 0;
    for (let c = 0; c < src.length; c++) {
      const d = src[c]!;
      dst[c] = d === 0 ? d : d + scale * Math.sqrt(range * Math.abs(d)) * z[j++]!;
    }
  },

  /** The unfused chain, step by step through the reference loops. */
  updateChain(g: Float64Array, d: Float64Array, f: number, chain: UpdateChain, lo: number, hi: number): void {
    const u = new Float64Array(g.length);
    reference.scale(d, f, u);
    const nl = chain.nonlinear;
    if (nl) reference.updateNonlinearity(u.slice(), g, u, nl.gmin, nl.gmax, nl.w0, nl.k);
    if (chain.noise) reference.writeNoise(chain.noise.stream, u, u, chain.noise.scale, chain.noise.range);
    reference.addClip(g, u, g, lo, hi);
  },

  /** The unfused chain, step by step through the reference loops. */
  readChain(src: Float64Array, dst: Float64Array, chain: ReadChain): void {
    const l = chain.levels;
    if (l) reference.levels(src, dst, l.gmin, l.step, l.steps);
    else dst.set(src);
    if (chain.factors) reference.multiply(dst, chain.factors, dst);
    if (chain.resistance) reference.series(dst, chain.resistance, dst);
  },

  readCombine(out: Float32Array, plus: Float64Array, minus: Float64Array, chainPlus: ReadChain, chainMinus: ReadChain): void {
    const p = new Float64Array(plus.length);
    const q = new Float64Array(minus.length);
    reference.readChain(plus, p, chainPlus);
    reference.readChain(minus, q, chainMinus);
    for (let k = 0; k < p.length; k++) out[k] = p[k]! - q[k]!;
  },

  transpose(src: Float32Array, dst: Float32Array, R: number, C: number): void {
    for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) dst[j * R + i] = src[i * C + j]!;
  },

  scale(src: Float64Array, f: number, dst: Float64Array): void {
    for (let k = 0; k < src.length; k++) dst[k] = f * src[k]!;
  },

  addClip(g: Float64Array, d: Float64Array, dst: Float64Array, lo: number, hi: number): void {
    for (let k = 0; k < g.length; k++) {
      const v = g[k]! + d[k]!;
      dst[k] = v < lo ? lo : v > hi ? hi : v;
    }
  },

  stepClip(g: Float64Array, want: Float64Array, f: number, lo: number, hi: number): void {
    for (let k = 0; k < g.length; k++) {
      const v = g[k]! + f * want[k]!;
      g[k] = v < lo ? lo : v > hi ? hi : v;
    }
  },

  /**
   * Sign split, then the chain on each device (plus first), through `k`'s kernels (the reference's own loops by
   * default): what kernels.splitChain equals bit for bit.
   */
  splitChain(plus: Float64Array, minus: Float64Array, want: Float64Array, f: number, chain: UpdateChain, lo: number, hi: number,
    kernelsUsed?: SplitKernels): void {
    const k: SplitKernels = kernelsUsed ?? reference;
    const cP = new Float64Array(want.length);
    const cM = new Float64Array(want.length);
    k.signSplit(plus, minus, want, cP, cM);
    k.updateChain(plus, cP, f, chain, lo, hi);
    k.updateChain(minus, cM, f, chain, lo, hi);
  },

  /** Weights v = plus − minus changed by want: plus takes max(v + w, 0) − max(v, 0), minus max(−v − w, 0) − max(−v, 0). */
  signSplit(plus: Float64Array, minus: Float64Array, want: Float64Array, outPlus: Float64Array, outMinus: Float64Array): void {
    for (let k = 0; k < want.length; k++) {
      const v = plus[k]! - minus[k]!;
      const next = v + want[k]!;
      outPlus[k] = (next > 0 ? next : 0) - (v > 0 ? v : 0);
      outMinus[k] = (next < 0 ? -next : 0) - (v < 0 ? -v : 0);
    }
  },

  /** d > 0: (gmin + w0 − g)·(1 − e^(−k·d)); d < 0: (gmax − w0 − g)·(1 − e^(k·d)); d = 0: 0. */
  updateNonlinearity(d: Float64Array, g: Float64Array, dst: Float64Array, gmin: number, gmax: number, w0: number, k: number): void {
    for (let c = 0; c < d.length; c++) {
      const v = d[c]!;
      if (v > 0) dst[c] = (gmin + w0 - g[c]!) * oneMinusExp(k * v);
      else if (v < 0) dst[c] = (gmax - w0 - g[c]!) * oneMinusExp(-k * v);
      else dst[c] = 0;
    }
  },

  levels(src: Float64Array, dst: Float64Array, gmin: number, step: number, steps: number): void {
    const inv = 1 / step;
    for (let k = 0; k < src.length; k++) {
      // Stored states stay within [gmin, gmax] (the tile clips), so +0.5 and truncation round to nearest.
      const level = Math.floor((src[k]! - gmin) * inv + 0.5);
      dst[k] = gmin + (level < 0 ? 0 : level > steps ? steps : level) * step;
    }
  },

  multiply(src: Float64Array, f: Float64Array, dst: Float64Array): void {
    for (let k = 0; k < src.length; k++) dst[k] = src[k]! * f[k]!;
  },

  series(src: Float64Array, r: Float64Array, dst: Float64Array): void {
    for (let k = 0; k < src.length; k++) {
      const g = src[k]!;
      // g/(1 + g·r) is 1/(1/g + r) without dividing by g, so an empty (G = 0) cell stays 0.
      dst[k] = g > 0 ? g / (1 + g * r[k]!) : g;
    }
  },

  combine(out: Float32Array, plus: Float64Array, minus: Float64Array, R: number, C: number, transposed: boolean, squared: boolean): void {
    for (let i = 0; i < R; i++) {
      for (let j = 0; j < C; j++) {
        const p = plus[i * C + j]!;
        const m = minus[i * C + j]!;
        out[transposed ? j * R + i : i * C + j] = squared ? p * p + m * m : p - m;
      }
    }
  },

  countNonzero(src: Float64Array): number {
    let c = 0;
    for (let k = 0; k < src.length; k++) if (src[k] !== 0) c++;
    return c;
  },

  gather(src: Float32Array, dst: Float32Array, batch: number, srcWidth: number, start: number, used: number, lines: number): void {
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < used; i++) dst[b * lines + i] = src[b * srcWidth + start + i]!;
      dst.fill(0, b * lines + used, (b + 1) * lines);
    }
  },

  accumulate(acc: Float64Array, cur: Float32Array, scales: Float32Array, batch: number, width: number, accWidth = width, fresh = false): void {
    for (let b = 0; b < batch; b++) {
      const s = scales[b]!;
      const a = b * accWidth;
      const c = b * width;
      for (let j = 0; j < accWidth; j++) acc[a + j] = (fresh ? 0 : acc[a + j]!) + cur[c + j]! * s;
    }
  },

  widen(src: Float32Array, f: number, dst: Float64Array): void {
    for (let k = 0; k < src.length; k++) dst[k] = f * src[k]!;
  },

  narrow(acc: Float64Array, out: Float32Array, batch: number, width: number, outWidth: number, f: number): void {
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < outWidth; j++) out[b * outWidth + j] = acc[b * width + j]! * f;
    }
  },

  accumulateNarrow(cur: Float32Array, scales: Float32Array, out: Float32Array, batch: number, width: number, outWidth: number, f: number): void {
    for (let b = 0; b < batch; b++) {
      const s = scales[b]!;
      for (let j = 0; j < outWidth; j++) out[b * outWidth + j] = (0 + cur[b * width + j]! * s) * f;
    }
  },
};

/**
 * 1 − e^(−x) for x ≥ 0. Training steps are tiny against the range (x ~ 1e-5 at v = 0.01), where the
 * Taylor series to x⁴ is exact to double precision (next term x⁵/120 < 1e-17·x) and several times
 * cheaper than Math.expm1 in this per-cell loop.
 */
function oneMinusExp(x: number): number {
  if (x < 1e-3) return x * (1 - x * (0.5 - x * (1 / 6 - x * (1 / 24))));
  return -Math.expm1(-x);
}

export { NormalStream };
