import type { Rng } from '@txsim/core';
import type { PulsedParams } from './pulsed-base.js';

/**
 * The per-device ("hidden") parameters every pulsed device draws at construction, one value per cell,
 * in weight units (aihwkit's `PulsedRPUDevice::populate`, peers.md b.2).
 */
export interface PulsedHidden {
  /** The device's own weight bounds. */
  readonly bmin: Float64Array;
  readonly bmax: Float64Array;
  /** Mean step of one potentiating (Δ⁺) and one depressing (Δ⁻) pulse, both ≥ 0 with enforceConsistency. */
  readonly dUp: Float64Array;
  readonly dDown: Float64Array;
  /** Per mini-batch retention 1 − δ with δ = 1/lifetime_ij (1: no decay; 0 where lifetime_ij ≤ 1). */
  readonly retention: Float64Array;
  /** Diffusion rate ρ (weight units per mini-batch). */
  readonly diffusion: Float64Array;
  /** Reset (and decay target) weight b. */
  readonly resetBias: Float64Array;
}

const normals = (rng: Rng, n: number, on: boolean): Float64Array => {
  const a = new Float64Array(n);
  if (on) rng.fillNormal(a);
  return a;
};

/**
 * Draws the shared per-device arrays for n cells. Draws whose spread is zero are skipped (their ξ would
 * be multiplied by 0), so adding noise to one parameter changes no other parameter's draws.
 */
export function sampleHidden(rng: Rng, p: PulsedParams, n: number): PulsedHidden {
  const xiMax = normals(rng, n, p.wMaxDtod > 0);
  const xiMin = normals(rng, n, p.wMinDtod > 0);
  const xiGain = normals(rng, n, p.dwMinDtod > 0);
  const xiR = normals(rng, n, p.upDownDtod > 0);
  const bmin = new Float64Array(n);
  const bmax = new Float64Array(n);
  const dUp = new Float64Array(n);
  const dDown = new Float64Array(n);
  // A positive up/down shrinks depressing steps, a negative one potentiating steps.
  const upBias = Math.min(p.upDown, 0);
  const downBias = -Math.max(p.upDown, 0);
  for (let k = 0; k < n; k++) {
    let hi = p.wMax * (1 + p.wMaxDtod * xiMax[k]!);
    let lo = p.wMin * (1 + p.wMinDtod * xiMin[k]!);
    const gain = p.dwMinDtodLogNormal ? Math.exp(p.dwMinDtod * xiGain[k]!) : 1 + p.dwMinDtod * xiGain[k]!;
    const r = p.upDownDtod * xiR[k]!;
    let up = (gain + r + upBias) * p.dwMin;
    let down = (gain - r + downBias) * p.dwMin;
    if (p.enforceConsistency) {
      up = Math.abs(up);
      down = Math.abs(down);
      if (lo > hi) [lo, hi] = [hi, lo];
      hi = Math.abs(hi);
      lo = -Math.abs(lo);
    } else if (lo > hi) {
      // Inverted bounds: the device is held at their midpoint.
      lo = hi = (lo + hi) / 2;
    }
    bmin[k] = lo;
    bmax[k] = hi;
    dUp[k] = up;
    dDown[k] = down;
  }
  if (p.corruptDevicesProb > 0) corrupt(rng, p, bmin, bmax, dUp, dDown);

  const diffusion = normals(rng, n, p.diffusion !== 0 && p.diffusionDtod > 0);
  for (let k = 0; k < n; k++) diffusion[k] = Math.abs(p.diffusion * (1 + p.diffusionDtod * diffusion[k]!));
  const resetBias = normals(rng, n, p.resetDtod > 0);
  for (let k = 0; k < n; k++) resetBias[k] = p.reset + p.resetDtod * resetBias[k]!;
  const retention = normals(rng, n, p.lifetime > 0 && p.lifetimeDtod > 0);
  for (let k = 0; k < n; k++) {
    const t = p.lifetime * (1 + p.lifetimeDtod * retention[k]!);
    retention[k] = p.lifetime > 0 ? (t > 1 ? 1 - 1 / t : 0) : 1;
  }
  return { bmin, bmax, dUp, dDown, retention, diffusion, resetBias };
}

/** Stuck devices: both bounds collapse to one uniform value within ±range (and their own bounds); no steps. */
function corrupt(rng: Rng, p: PulsedParams, bmin: Float64Array, bmax: Float64Array, dUp: Float64Array, dDown: Float64Array): void {
  const n = bmin.length;
  const hit = rng.fillUniform(new Float64Array(n));
  const where = rng.fillUniform(new Float64Array(n));
  const range = Math.abs(p.corruptDevicesRange);
  for (let k = 0; k < n; k++) {
    if (!(p.corruptDevicesProb > hit[k]!)) continue;
    const lo = Math.max(Math.min(bmin[k]!, bmax[k]!), -range);
    const hi = Math.min(Math.max(bmin[k]!, bmax[k]!), range);
    bmin[k] = bmax[k] = lo + (hi - lo) * where[k]!;
    dUp[k] = dDown[k] = 0;
  }
}

/** The work of one update-once over a set of cells (parallel arrays, `count` entries used). */
export interface Batch {
  /** Cell indices. */
  readonly idx: Int32Array;
  /** +1: potentiate (weight up; aihwkit's sign < 0); −1: depress. */
  readonly sgn: Int8Array;
  /** Pulses this update-once stands for: 1 for a pulse, |Δ|/pulseStep for an analog request. */
  readonly n: Float64Array;
  /** Cycle-to-cycle noise √n·ξ (0 when the device's dwMinStd is 0). */
  readonly xi: Float64Array;
  count: number;
}

/**
 * A device's update-once, applied to every cell of a batch in one call (a loop over the batch, never a
 * call per cell): updates w[idx[i]] in weight units and clips it to the cell's own bounds.
 */
export type UpdateKernel<H extends PulsedHidden> = (w: Float64Array, h: H, b: Batch) => void;
