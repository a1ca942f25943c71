import { defineKernel, kernels, type ActiveCells, type Rng } from '@txsim/core';
import { pulsedKernels, resident, rngBlock } from '../kernels.js';
import { FractionalPulses } from './fractional-pulses.js';

/**
 * NeuroSim's exponential pulse response, vectorised over a device array.
 *
 * Along one curve the conductance after x pulses from the bottom of the range is
 *   G(x) = gmin + R·(1 − e^(−x/A))/(1 − e^(−P/A)),   R = gmax − gmin, x ∈ [0, P],
 * i.e. NeuroSim's B(1 − e^(−x/A)) + Gmin with B = R/(1 − e^(−P/A)). NeuroSim applies n pulses by
 * inverting the curve (x from G), adding n and evaluating again. With u = (G − gmin)/R, k = 1/A and
 * E = e^(−kP) − 1 that round trip is an affine map of u:
 *   u' = u + (e^(−kn) − 1)·(u + 1/E),
 * so no logarithm is needed, one pulse costs a multiply-add with per-curve constants, and expm1
 * keeps nearly linear curves (|A| ≫ P) exact. Clamping x to [0, P] is clamping u to [0, 1] (G rises
 * with x on every curve, convex ones with A < 0 included).
 */
export interface CurveSet {
  /** Per device (or one shared value, length 1): 1/A of the potentiation (LTP) curve, per pulse. */
  readonly kUp: Float64Array;
  /** 1/(e^(−kUp·pUp) − 1). */
  readonly invEUp: Float64Array;
  /** e^(−kUp) − 1: one potentiating pulse. */
  readonly mUp: Float64Array;
  readonly kDown: Float64Array;
  readonly invEDown: Float64Array;
  /** e^(+kDown) − 1: one depressing pulse (one step back along the LTD curve). */
  readonly mDown: Float64Array;
}

export interface CurveShape {
  readonly gmin: number;
  readonly gmax: number;
  /** Pulses that sweep the LTP curve over the whole range (NeuroSim's maxNumLevelLTP). */
  readonly pUp: number;
  readonly pDown: number;
}

/** A curve set from per-device normalised A values (A/P, signed); one value → shared by every device. */
export function curveSet(aUp: Float64Array, aDown: Float64Array, shape: CurveShape): CurveSet {
  const kUp = aUp.map((a) => 1 / (a * shape.pUp));
  const kDown = aDown.map((a) => 1 / (a * shape.pDown));
  return {
    kUp, invEUp: kUp.map((k) => 1 / Math.expm1(-k * shape.pUp)), mUp: kUp.map((k) => Math.expm1(-k)),
    kDown, invEDown: kDown.map((k) => 1 / Math.expm1(-k * shape.pDown)), mDown: kDown.map((k) => Math.expm1(k)),
  };
}

/**
 * dst[k] = the state of cell k after up[k] potentiating and down[k] depressing pulses, interleaved
 * (one up, one down, … for min(up, down) pairs, then the remaining pulses of the larger count) — on
 * non-linear, asymmetric curves an up/down pair does not cancel, so the order matters. Counts may be
 * fractional (`respond`). Each pulse moves the position along the curve of its direction, clamped to
 * [0, P]; states start from `g` wherever they are (off-curve after noise, like NeuroSim).
 */
export function applyPulses(g: Float64Array, up: ArrayLike<number>, down: ArrayLike<number>, dst: Float64Array, c: CurveSet, s: CurveShape): void {
  const { gmin } = s;
  const range = s.gmax - gmin;
  const inv = 1 / range;
  const shared = c.kUp.length === 1;
  for (let k = 0; k < g.length; k++) {
    let nu = up[k]!;
    let nd = down[k]!;
    if (nu === 0 && nd === 0) {
      dst[k] = g[k]!;
      continue;
    }
    const d = shared ? 0 : k;
    const eu = c.invEUp[d]!;
    const ed = c.invEDown[d]!;
    let u = (g[k]! - gmin) * inv;
    u = u < 0 ? 0 : u > 1 ? 1 : u;
    const pairs = nu < nd ? Math.floor(nu) : Math.floor(nd);
    if (pairs > 0) {
      const mu = c.mUp[d]!;
      const md = c.mDown[d]!;
      for (let j = 0; j < pairs; j++) {
        u += mu * (u + eu);
        if (u > 1) u = 1;
        u += md * (u + ed);
        if (u < 0) u = 0;
      }
      nu -= pairs;
      nd -= pairs;
    }
    if (nu > 0) {
      u += Math.expm1(-c.kUp[d]! * nu) * (u + eu);
      if (u > 1) u = 1;
    }
    if (nd > 0) {
      u += Math.expm1(c.kDown[d]! * nd) * (u + ed);
      if (u < 0) u = 0;
    }
    dst[k] = gmin + range * u;
  }
}

/** The number of cells that get at least one pulse: how many noise draws a write needs. */
export function pulsedCells(up: ArrayLike<number>, down: ArrayLike<number>): number {
  let n = 0;
  for (let k = 0; k < up.length; k++) if (up[k]! + down[k]! !== 0) n++;
  return n;
}

/**
 * NeuroSim's cycle-to-cycle noise: σ·R·√(pulses) per write, added once after the pulses (`Cell.cpp:
 * RealDevice::Write`), then the state is kept within [gmin, gmax]. The pulses of cell k are
 * up[k] + down[k]; `xi` holds one standard normal draw per pulsed cell, in cell order (cells without
 * pulses draw nothing and keep their state).
 */
export function addWriteNoise(dst: Float64Array, up: ArrayLike<number>, down: ArrayLike<number>, xi: Float64Array, sigma: number, s: CurveShape): void {
  const scale = sigma * (s.gmax - s.gmin);
  let i = 0;
  for (let k = 0; k < dst.length; k++) {
    const n = up[k]! + down[k]!;
    if (n === 0) continue;
    const v = dst[k]! + scale * Math.sqrt(n) * xi[i++]!;
    dst[k] = v < s.gmin ? s.gmin : v > s.gmax ? s.gmax : v;
  }
}

/** A NeuroSim write's pulse counts: float32 counts (a pulse rule), or an analog request Δ split by the step. */
export type CurveRequest =
  | { readonly up: Float32Array; readonly down: Float32Array }
  | { readonly delta: Float64Array; readonly step: number; /** Scales delta first (default 1): respondScaled. */ readonly factor?: number };

const fractional = new FractionalPulses();
let xiBuffer = new Float64Array(0);

/** A curve set's arrays resident in kernel memory, with e^(∓k·j) − 1 for whole counts j < TABLE when shared. */
interface ResidentCurves extends CurveSet {
  readonly expUp: Float64Array | null;
  readonly expDown: Float64Array | null;
}
const residentCurves = new WeakMap<CurveSet, ResidentCurves>();
/** Whole pulse counts whose remainder factor is precomputed (NeuroSim's rule gives a few per cell and step). */
const TABLE = 256;

function residentSet(c: CurveSet): ResidentCurves {
  let r = residentCurves.get(c);
  if (!r) {
    // The same expressions the kernel would hand the host's expm1, so a table entry equals the call.
    const table = (k: number, sign: number): Float64Array => {
      const t = kernels.float64(TABLE);
      for (let j = 0; j < TABLE; j++) t[j] = Math.expm1(sign * k * j);
      return t;
    };
    const shared = c.kUp.length === 1;
    r = {
      kUp: resident(c.kUp), invEUp: resident(c.invEUp), mUp: resident(c.mUp), kDown: resident(c.kDown), invEDown: resident(c.invEDown), mDown: resident(c.mDown),
      expUp: shared ? table(c.kUp[0]!, -1) : null, expDown: shared ? table(c.kDown[0]!, 1) : null,
    };
    residentCurves.set(c, r);
  }
  return r;
}

/**
 * A NeuroSim write over a device array: applyPulses, then (rng given) addWriteNoise with σ = sigma, the
 * normals drawn from rng as Rng.fillNormal draws them. Compiled in assembly/pulsed.ts (neurosimPulses), bit
 * for bit this (V8's Math.expm1 imported for the fractional remainders). `list` (pulse counts only, with
 * dst === g): a superset of the pulsed cells, ascending; the compiled kernel visits only those, the
 * reference every cell (the others have no pulse, so both give the same state and draws).
 */
export const neurosimWrite = defineKernel(
  pulsedKernels,
  (api, memory, g: Float64Array, request: CurveRequest, dst: Float64Array, c: CurveSet, s: CurveShape, rng: Rng | null, sigma: number, list?: ActiveCells): void => {
    const r = residentSet(c);
    const block = rngBlock(memory);
    const m = memory.begin();
    const st = rng ? block.enter(rng) : 0;
    const isDelta = 'delta' in request;
    const range = s.gmax - s.gmin;
    const listed = !isDelta && list !== undefined && list.count >= 0 && dst === g && memory.resident(list.idx);
    const gAt = dst === g ? m.inout(g) : m.in(g);
    api.neurosimPulses(
      gAt, isDelta ? 0 : m.in(request.up), isDelta ? 0 : m.in(request.down), isDelta ? m.in(request.delta) : 0, isDelta ? request.step : 1,
      dst === g ? gAt : m.out(dst), g.length, r.kUp.byteOffset, r.invEUp.byteOffset, r.mUp.byteOffset, r.kDown.byteOffset, r.invEDown.byteOffset, r.mDown.byteOffset,
      c.kUp.length === 1, s.gmin, s.gmax, range, 1 / range, st, sigma * range,
      listed ? list.idx.byteOffset : 0, listed ? list.count : 0, r.expUp ? r.expUp.byteOffset : 0, r.expDown ? r.expDown.byteOffset : 0, TABLE,
      isDelta ? request.factor ?? 1 : 1,
    );
    m.end();
    if (rng) block.leave(rng);
  },
  (g, request, dst, c, s, rng, sigma, _list?: ActiveCells) => {
    const f = 'delta' in request ? request.factor ?? 1 : 1;
    const { up, down } = 'delta' in request ? fractional.split(f === 1 ? request.delta : request.delta.map((d) => f * d), request.step) : request;
    applyPulses(g, up, down, dst, c, s);
    if (!rng) return;
    if (xiBuffer.length < dst.length) xiBuffer = new Float64Array(dst.length);
    rng.fillNormal(xiBuffer.subarray(0, pulsedCells(up, down)));
    addWriteNoise(dst, up, down, xiBuffer, sigma, s);
  },
);
