import { defineKernel, kernels } from '@txsim/core';
import { pulsedKernels, resident } from '../kernels.js';
import { pulsedCells } from './exp-curve.js';
import { FractionalPulses } from './fractional-pulses.js';
import type { Lut } from './lut-file.js';

/**
 * Applies pulses through a measured table, for a whole device array: cell k follows the table of
 * measured device `assign[k]` (or of device 0 when `assign` is empty). Each pulse adds the mean change
 * interpolated linearly in G at the cell's current state (the state is held to the table's g range
 * for the lookup); a fractional count's last pulse adds that fraction of a step. up/down pulses
 * interleave (one up, one down, … then the rest of the larger count).
 *
 * Noise: each pulse's change has the table's spread at the state it acts on; the sum of the
 * per-pulse variances along the mean path (a fraction f of a pulse counts f times) is drawn once per
 * pulsed cell from `xi` (in cell order; cells without pulses draw nothing) — exact for one pulse, and for several it neglects how the noise shifts the states
 * the later pulses act on. The result is kept within the cell's device range.
 */
export function lutPulses(
  g: Float64Array, up: ArrayLike<number>, down: ArrayLike<number>, dst: Float64Array,
  lut: Lut, assign: Uint16Array, xi: Float64Array | undefined, noiseScale: number,
): void {
  const { offsets, g: knots, dgUp, dgDown, sdUp, sdDown } = lut;
  let draw = 0;
  for (let k = 0; k < g.length; k++) {
    let nu = up[k]!;
    let nd = down[k]!;
    if (nu === 0 && nd === 0) {
      dst[k] = g[k]!;
      continue;
    }
    const d = assign.length ? assign[k]! : 0;
    const first = offsets[d]!;
    const last = offsets[d + 1]! - 1;
    const lo = knots[first]!;
    const hi = knots[last]!;
    let s = g[k]!;
    let variance = 0;
    const pairs = Math.floor(nu < nd ? nu : nd);
    // Steps alternate up (even t) and down (odd t) for the pairs, then run one direction.
    const total = 2 * pairs + Math.ceil(nu - pairs) + Math.ceil(nd - pairs);
    nu -= pairs;
    nd -= pairs;
    for (let t = 0; t < total; t++) {
      let goingUp: boolean;
      let f = 1;
      if (t < 2 * pairs) goingUp = (t & 1) === 0;
      else if (nu > 0) {
        goingUp = true;
        f = nu >= 1 ? 1 : nu;
        nu -= f;
      } else {
        goingUp = false;
        f = nd >= 1 ? 1 : nd;
        nd -= f;
      }
      const x = s < lo ? lo : s > hi ? hi : s;
      // Largest j in [first, last − 1] with knots[j] ≤ x.
      let a = first;
      let b = last;
      while (b - a > 1) {
        const m = (a + b) >> 1;
        if (knots[m]! <= x) a = m;
        else b = m;
      }
      const w = (x - knots[a]!) / (knots[a + 1]! - knots[a]!);
      const mean = goingUp ? dgUp[a]! + w * (dgUp[a + 1]! - dgUp[a]!) : dgDown[a]! + w * (dgDown[a + 1]! - dgDown[a]!);
      const sd = goingUp ? sdUp[a]! + w * (sdUp[a + 1]! - sdUp[a]!) : sdDown[a]! + w * (sdDown[a + 1]! - sdDown[a]!);
      s += f * mean;
      variance += f * sd * sd;
    }
    if (xi) s += noiseScale * Math.sqrt(variance) * xi[draw++]!;
    dst[k] = s < lo ? lo : s > hi ? hi : s;
  }
}

/**
 * The pulse counts of one write: float32 counts (a pulse rule), or an analog request Δ split by the step,
 * Δ = factor·delta[k] (the tile's share of the pair's change, formed per cell first; default 1).
 */
export type LutRequest =
  | { readonly up: Float32Array; readonly down: Float32Array }
  | { readonly delta: Float64Array; readonly step: number; readonly factor?: number };

/** Floats per row of lutRows' table (the layout lutRespond in packages/devices/assembly/pulsed.ts reads). */
const ROW = 12;

/**
 * The per-row quantities of a table, formed once so that a lookup is a row guess, one in-row test and
 * contiguous loads: row a holds knots[a], the next knot (+∞ on a device's last row, where the state may
 * reach the top knot), knots[a+1] − knots[a], a spare, then dgUp[a], dgUp[a+1] − dgUp[a], sdUp[a],
 * sdUp[a+1] − sdUp[a] and the same four for down. The differences are those the reference forms per pulse
 * (the same subtraction, so the same bits). And per device: lo, hi, the row-guess factor, first and last row.
 */
export function lutRows(lut: Lut, rows: Float64Array, params: Float64Array): void {
  const { offsets, g, dgUp, dgDown, sdUp, sdDown } = lut;
  for (let d = 0; d + 1 < offsets.length; d++) {
    const first = offsets[d]!;
    const last = offsets[d + 1]! - 1;
    params.set([g[first]!, g[last]!, (last - first) / (g[last]! - g[first]!), first, last], 5 * d);
    for (let a = first; a < last; a++) {
      const r = a * ROW;
      rows[r] = g[a]!;
      rows[r + 1] = a + 1 === last ? Infinity : g[a + 1]!;
      rows[r + 2] = g[a + 1]! - g[a]!;
      rows[r + 4] = dgUp[a]!;
      rows[r + 5] = dgUp[a + 1]! - dgUp[a]!;
      rows[r + 6] = sdUp[a]!;
      rows[r + 7] = sdUp[a + 1]! - sdUp[a]!;
      rows[r + 8] = dgDown[a]!;
      rows[r + 9] = dgDown[a + 1]! - dgDown[a]!;
      rows[r + 10] = sdDown[a]!;
      rows[r + 11] = sdDown[a + 1]! - sdDown[a]!;
    }
  }
}

/** A table's arrays in kernel memory, with its row table (lutRows), made once per table. */
interface ResidentLut extends Lut {
  readonly rows: Float64Array;
  readonly params: Float64Array;
}
const residentTables = new WeakMap<Lut, ResidentLut>();
function residentLut(lut: Lut): ResidentLut {
  let r = residentTables.get(lut);
  if (!r) {
    const rows = kernels.float64(ROW * lut.g.length);
    const params = kernels.float64(5 * (lut.offsets.length - 1));
    lutRows(lut, rows, params);
    r = {
      ...lut, offsets: resident(lut.offsets), g: resident(lut.g), dgUp: resident(lut.dgUp), dgDown: resident(lut.dgDown),
      sdUp: resident(lut.sdUp), sdDown: resident(lut.sdDown), rows, params,
    };
    residentTables.set(lut, r);
  }
  return r;
}

const fractional = new FractionalPulses();

/** The cells a request pulses: how many noise draws its write takes. */
export const lutPulsedCells = defineKernel(
  pulsedKernels,
  (api, memory, request: LutRequest): number => {
    const m = memory.begin();
    const isDelta = 'delta' in request;
    const n = isDelta ? request.delta.length : request.up.length;
    return api.lutPulsedCells(isDelta ? 0 : m.in(request.up), isDelta ? 0 : m.in(request.down), isDelta ? m.in(request.delta) : 0, isDelta ? request.step : 1, isDelta ? (request.factor ?? 1) : 1, n);
  },
  (request) => {
    const { up, down } = 'delta' in request ? fractional.split(request.delta, request.step, request.factor) : request;
    return pulsedCells(up, down);
  },
);

/**
 * A lookup-table write over a whole device array: dst = the states after the request's pulses (dst may be
 * g: each cell is read before it is written), with
 * `xi` one standard normal per pulsed cell in cell order (null: no noise). Compiled in packages/devices/
 * assembly/pulsed.ts, bit for bit the reference (the same f64 arithmetic in the same order).
 */
export const lutWrite = defineKernel(
  pulsedKernels,
  (api, memory, g: Float64Array, request: LutRequest, dst: Float64Array, lut: Lut, assign: Uint16Array, xi: Float64Array | null, noiseScale: number): void => {
    const t = residentLut(lut);
    const a = assign.length ? resident(assign) : null;
    const m = memory.begin();
    if ('delta' in request) {
      // An analog request: the two-cells-at-a-time kernel over the row table (in place when dst is g).
      const at = g === dst ? m.inout(g) : m.in(g);
      api.lutRespond(
        at, m.in(request.delta), request.step, request.factor ?? 1, g === dst ? at : m.out(dst), g.length, t.g.byteOffset, t.dgUp.byteOffset, t.dgDown.byteOffset,
        t.sdUp.byteOffset, t.sdDown.byteOffset, a ? a.byteOffset : 0, t.rows.byteOffset, t.params.byteOffset, xi ? m.in(xi) : 0, noiseScale,
      );
      m.end();
      return;
    }
    api.lutPulses(
      m.in(g), m.in(request.up), m.in(request.down), 0, 1,
      m.out(dst), g.length, t.g.byteOffset, t.dgUp.byteOffset, t.dgDown.byteOffset, t.sdUp.byteOffset, t.sdDown.byteOffset,
      t.offsets.byteOffset, a ? a.byteOffset : 0, xi ? m.in(xi) : 0, noiseScale,
    );
    m.end();
  },
  (g, request, dst, lut, assign, xi, noiseScale) => {
    const { up, down } = 'delta' in request ? fractional.split(request.delta, request.step, request.factor) : request;
    lutPulses(g, up, down, dst, lut, assign, xi ?? undefined, noiseScale);
  },
);
