import { kernels, NormalStream, type ActiveCells, type DeviceModel, type NormalStreamState, type PluginContext, type Polarity, type Rng } from '@txsim/core';
import { pulsedKernels, rngBlock, type PulsedExports } from '../kernels.js';
import { sampleHidden, type Batch, type PulsedHidden, type UpdateKernel } from './hidden.js';
import type { PulsedParams } from './pulsed-base.js';
import { addWriteOffsets, redrawWriteNoise, resetDevices, settleDevices, type WeightScale } from './processes.js';

/** What a pulsed device file supplies: its extra per-device arrays and its update-once. */
export interface PulsedModel<H extends PulsedHidden> {
  /** Adds the device's own per-device arrays to the shared ones (drawn right after them, per polarity). */
  extend(rng: Rng, base: PulsedHidden): H;
  readonly kernel: UpdateKernel<H>;
  /**
   * The same update-once in packages/devices/assembly/pulsed.ts (pulseRound), bit for bit: its family and
   * constants. Without it (or without the compiled module, or with operands outside kernel memory) pulses
   * run through `kernel` in TypeScript, which is the reference the tests compare the kernels with.
   */
  readonly compiled?: CompiledStep;
}

/**
 * A device family of the compiled pulse rounds: 0 constant, 1 linear (noise multiplies the step), 2 linear
 * (additive noise), 3 piecewise (nodes: up then down), 4 exp (nodes: aUp, aDown, gammaUp, gammaDown, a, b,
 * dwMinStdAdd, dwMinStdSlope, complex 0/1), 5 pow.
 */
export interface CompiledStep {
  readonly family: 0 | 1 | 2 | 3 | 4 | 5;
  readonly nodes?: Float64Array;
}

interface PulsedState {
  /** The cycle-to-cycle normal stream. */
  stream: NormalStreamState;
  /** Write-noise offsets, when the device has write noise. */
  plus?: number[];
  minus?: number[];
}

/**
 * The device hooks shared by every aihwkit pulsed device: per-device arrays for both polarities (each
 * polarity is its own set of physical devices), pulse trains applied one pulse index at a time over the
 * whole array, analog requests as one fractional update-once, write noise, decay, diffusion and reset.
 *
 * State is kept in conductance by the tile and converted to weight units cell by cell:
 * w = wMin + (g − gmin)/s with s = (gmax − gmin)/(wMax − wMin) siemens per weight unit.
 */
export function pulsedDevice<H extends PulsedHidden>(ctx: PluginContext, p: PulsedParams, model: PulsedModel<H>): DeviceModel {
  const { rng } = ctx;
  const n = ctx.geometry.paddedRows * ctx.geometry.paddedCols;
  const hidden = {} as Record<Polarity, H>;
  for (const polarity of ['plus', 'minus'] as const) hidden[polarity] = model.extend(rng, sampleHidden(rng, p, n));

  // Cycle-to-cycle draws of pulse trains: the SIMD normal stream, seeded after the per-device arrays.
  const normals = new NormalStream(rng);

  const s = (p.gmax - p.gmin) / (p.wMax - p.wMin);
  const invS = 1 / s;
  const toW = (g: number) => p.wMin + (g - p.gmin) * invS;
  const toG = (w: number) => p.gmin + (w - p.wMin) * s;
  const noisy = p.dwMinStd > 0;
  // Write noise lives in siemens: what reads add to the stored (persistent) conductance.
  const writeStd = p.writeNoiseStd * p.dwMin * s;
  // In kernel memory, where the compiled redraws and reads work on them in place.
  const zeros = () => {
    const a = kernels.float64(n);
    a.fill(0);
    return a;
  };
  const offsets: Record<Polarity, Float64Array> | undefined = writeStd > 0 ? { plus: zeros(), minus: zeros() } : undefined;
  const scale: WeightScale = { wMin: p.wMin, gmin: p.gmin, s, invS };

  const w = new Float64Array(n);
  const touched = kernels.int32(n);
  // The redraw's cell list (reused: no object per step).
  const written: { idx: Int32Array; count: number } = { idx: touched, count: 0 };
  // xi lives in the kernels' memory, where the normal stream writes without a copy.
  const batch: Batch = { idx: new Int32Array(n), sgn: new Int8Array(n), n: new Float64Array(n), xi: kernels.float64(n), count: 0 };

  // Dense copies of the touched cells' per-device values: every per-cell array of the device except the
  // ones only decay, diffusion and reset use (the kernel never reads those). The values never change
  // after create, so each polarity keeps them interleaved per cell (`packed`, cell k at k·F): gathering a
  // cell then touches one cache line instead of F.
  const engineOnly = new Set<string>(['retention', 'diffusion', 'resetBias']);
  const keys = Object.keys(hidden.plus).filter((key) => !engineOnly.has(key));
  const F = keys.length;
  const packed = {} as Record<Polarity, Float64Array>;
  for (const polarity of ['plus', 'minus'] as const) {
    const fields = hidden[polarity] as unknown as Record<string, Float64Array>;
    const a = new Float64Array(n * F);
    keys.forEach((key, f) => {
      const from = fields[key]!;
      for (let k = 0; k < n; k++) a[k * F + f] = from[k]!;
    });
    packed[polarity] = a;
  }
  let compact = { h: {} as H, fields: [] as Float64Array[], up: new Float32Array(0), down: new Float32Array(0) };
  /** The dense buffers, grown to hold `count` cells. */
  const reserve = (count: number) => {
    if (compact.up.length < count) {
      const size = Math.min(n, Math.max(count, 2 * compact.up.length, 1024));
      const h: Record<string, Float64Array> = { ...(hidden.plus as unknown as Record<string, Float64Array>) };
      const fields = keys.map((key) => (h[key] = new Float64Array(size)));
      compact = { h: h as unknown as H, fields, up: new Float32Array(size), down: new Float32Array(size) };
    }
    return compact;
  };
  const bminField = keys.indexOf('bmin');
  const bmaxField = keys.indexOf('bmax');
  const fast = model.compiled && pulsedKernels.api ? compiledPulses(model.compiled, packed, keys, n) : undefined;

  /** Loads cell k's weight, clipped to its own bounds as aihwkit clips weights when they are set. */
  const load = (g: Float64Array, h: H, k: number) => {
    const v = toW(g[k]!);
    w[k] = v < h.bmin[k]! ? h.bmin[k]! : v > h.bmax[k]! ? h.bmax[k]! : v;
  };

  /** Redraws the write noise of the touched cells (they were just written). */
  const redrawTouchedOf = (cells: Int32Array, polarity: Polarity, count: number) => {
    if (!offsets || count === 0) return;
    written.idx = cells;
    written.count = count;
    redrawWriteNoise(offsets[polarity], writeStd, rng, written);
  };
  const redrawTouched = (polarity: Polarity, count: number) => redrawTouchedOf(touched, polarity, count);

  /** Writes the touched cells back as conductances (w indexed by cell) and redraws their write noise. */
  const store = (dst: Float64Array, polarity: Polarity, count: number) => {
    for (let i = 0; i < count; i++) {
      const k = touched[i]!;
      dst[k] = toG(w[k]!);
    }
    redrawTouched(polarity, count);
  };

  /** Redraws the write noise of every cell (after processes that move every device). */
  const redrawAll = (polarity: Polarity) => {
    if (offsets) redrawWriteNoise(offsets[polarity], writeStd, rng);
  };

  /**
   * An analog request of factor·delta[k] siemens per cell (the product formed first, as the tile's scale pass
   * would): see `respond`. Each cell is read before it is written, so dst may be g. Compiled (pulsedRespond)
   * when the operands are in kernel memory; the loop below is its reference, bit for bit (respond.test.ts).
   */
  const respondScaled = (g: Float64Array, delta: Float64Array, factor: number, dst: Float64Array, { polarity }: { polarity: Polarity }) => {
    if (dst !== g) dst.set(g);
    // Compiled when every operand is in kernel memory (the tile's are; a test's plain arrays run below).
    const done = fast ? fast.respond(pulsedKernels.api!, g, delta, factor, dst, polarity, rng, noisy, p, s, invS, touched) : -1;
    if (done >= 0) {
      redrawTouched(polarity, done);
      return;
    }
    const h = hidden[polarity];
    const { idx, sgn, xi } = batch;
    const pulseStep = p.dwMin * s;
    let count = 0;
    for (let k = 0; k < n; k++) {
      const dk = factor === 1 ? delta[k]! : factor * delta[k]!;
      if (dk === 0) continue;
      const m = Math.abs(dk) / pulseStep;
      idx[count] = k;
      touched[count] = k;
      sgn[count] = dk > 0 ? 1 : -1;
      batch.n[count] = m;
      xi[count++] = noisy ? Math.sqrt(m) * rng.normal() : 0;
      load(g, h, k);
    }
    batch.count = count;
    if (count > 0) model.kernel(w, h, batch);
    store(dst, polarity, count);
  };

  const device: DeviceModel = {
    gmin: p.gmin,
    gmax: p.gmax,
    pulseStep: p.dwMin * s,
    clipsItself: true,

    pulsesInPlace: true,

    pulse(g, up, down, dst, { polarity, active }) {
      if (dst !== g) dst.set(g);
      // Compiled when every operand is in kernel memory (the tile's are; a test's plain arrays run below).
      const done = fast ? fast.pulse(pulsedKernels.api!, g, up, down, dst, polarity, active, normals, noisy, p, s, invS) : -1;
      if (done >= 0) {
        redrawTouchedOf(fast!.touched, polarity, done);
        return;
      }
      // The touched cells are few and scattered over arrays far larger than the cache, so each is
      // gathered once (weight, counts, the kernel's per-device values) into dense arrays, the pulses run
      // there, and the weights are scattered back: one cache miss per array and cell, not per pulse.
      // (The loops are module functions: small, monomorphic, optimised once.)
      const listed = active && active.count >= 0 ? active : undefined;
      const c = reserve(listed ? listed.count : n);
      const cells: Cells = {
        g, up, down, packed: packed[polarity], F, fields: c.fields, bmin: bminField, bmax: bmaxField,
        cUp: c.up, cDown: c.down, w, touched, idx: batch.idx, wMin: p.wMin, gmin: p.gmin, invS,
      };
      const total = listed ? gather(cells, listed.idx, listed.count) : gather(cells, null, n);
      if (total === 0) return;
      const { idx, sgn, xi } = batch;
      batch.n.fill(1, 0, total);
      let count = total;
      // Pulse index t: every cell with more than t pulses gets its t-th one. Up and down pulses alternate
      // (up first) while both remain, then the rest come in one direction.
      for (let t = 0; count > 0; t++) {
        pulseSigns(t, count, idx, c.up, c.down, sgn);
        // One bulk fill per pulse index: the cells' cycle-to-cycle draws, in cell order.
        if (noisy) normals.fill(xi.subarray(0, count));
        else xi.fill(0, 0, count);
        batch.count = count;
        model.kernel(w, c.h, batch);
        count = survivors(t, count, idx, c.up, c.down);
      }
      // w is dense here (slot i holds cell touched[i]).
      for (let i = 0; i < total; i++) dst[touched[i]!] = toG(w[i]!);
      redrawTouched(polarity, total);
    },

    // An analog request of delta siemens is |delta|/pulseStep (fractional) pulses in one direction, applied
    // as ONE update-once at the present state: the mean step scales by that count and the cycle-to-cycle
    // noise by its square root (the spread of a sum of independent pulses). The device's non-linearity is
    // thus evaluated once per request, not per pulse.
    respond(g, delta, dst, ctx) {
      respondScaled(g, delta, 1, dst, ctx);
    },
    respondScaled,

    // Only a device that decays or diffuses has side processes: without `settle` the tile knows a pulse
    // update changed only the pulsed cells (and rebuilds only those for the next reads).
    ...(p.lifetime > 0 || p.diffusion !== 0 ? {
      settle(g: Float64Array, { polarity }: { polarity: Polarity }) {
        settleDevices(g, hidden[polarity], p.lifetime > 0, p.diffusion !== 0, rng, scale);
        redrawAll(polarity);
      },
    } : {}),

    reset(g, { polarity }) {
      resetDevices(g, hidden[polarity], p.resetStd, rng, scale);
      redrawAll(polarity);
    },
  };

  // The per-device arrays are redrawn identically from the plugin's stream at create (which runs before
  // the tile restores the stream's position); the normal stream and write-noise draws change in training.
  if (!offsets) {
    return {
      ...device,
      snapshot: (): PulsedState => ({ stream: normals.snapshot() }),
      restore: (state) => normals.restore((state as PulsedState).stream),
    };
  }
  return {
    ...device,
    read(src, dst, { polarity }) {
      addWriteOffsets(src, offsets[polarity], dst);
    },
    snapshot: (): PulsedState => ({ stream: normals.snapshot(), plus: Array.from(offsets.plus), minus: Array.from(offsets.minus) }),
    restore(state) {
      const saved = state as PulsedState;
      normals.restore(saved.stream);
      offsets.plus.set(saved.plus!);
      offsets.minus.set(saved.minus!);
    },
  };
}

/** The hidden arrays of a device instance, for tests: the same draws `pulsedDevice` makes at create. */
export function drawHidden<H extends PulsedHidden>(rng: Rng, p: PulsedParams, n: number, model: PulsedModel<H>): Record<Polarity, H> {
  const plus = model.extend(rng, sampleHidden(rng, p, n));
  const minus = model.extend(rng, sampleHidden(rng, p, n));
  return { plus, minus };
}

/** What gathering the pulsed cells reads and writes (see `pulse`). */
interface Cells {
  readonly g: Float64Array;
  readonly up: Float32Array;
  readonly down: Float32Array;
  /** The per-device values, F per cell; fields[f] receives value f of each gathered cell. */
  readonly packed: Float64Array;
  readonly F: number;
  readonly fields: Float64Array[];
  /** Which fields are the bounds. */
  readonly bmin: number;
  readonly bmax: number;
  readonly cUp: Float32Array;
  readonly cDown: Float32Array;
  readonly w: Float64Array;
  readonly touched: Int32Array;
  readonly idx: Int32Array;
  readonly wMin: number;
  readonly gmin: number;
  readonly invS: number;
}

/** Cells per block of the field-by-field gather: a block's cache lines of `packed` (≤ 64 KiB) stay in L2. */
const GATHER_BLOCK = 1024;

/**
 * Gathers the pulsed cells (those with a pulse) among a rule's ascending list, or among all `count` cells
 * without a list, into dense slots: counts, weight clipped to the cell's own bounds (as aihwkit clips weights
 * when they are set), and per-device values. Returns how many.
 *
 * The cells are scattered over arrays far larger than the caches, so nearly every access misses. Short
 * separate loops (which cells pulse; their weights; their per-device values, field by field per block)
 * keep many independent misses in flight; one loop doing everything per cell ran ~1.5× slower
 * (12k of 200k cells, cold arrays).
 */
function gather(c: Cells, list: Int32Array | null, count: number): number {
  const { up, down, cUp, cDown, touched, idx, w, g } = c;
  let total = 0;
  for (let j = 0; j < count; j++) {
    const k = list ? list[j]! : j;
    const u = up[k]!;
    const d = down[k]!;
    if (u + d > 0) {
      touched[total] = k;
      cUp[total] = u;
      cDown[total] = d;
      total++;
    }
  }
  for (let i = 0; i < total; i++) w[i] = g[touched[i]!]!;
  const { F, fields, packed } = c;
  for (let s = 0; s < total; s += GATHER_BLOCK) {
    const e = Math.min(total, s + GATHER_BLOCK);
    for (let f = 0; f < F; f++) {
      const dst = fields[f]!;
      for (let i = s; i < e; i++) dst[i] = packed[touched[i]! * F + f]!;
    }
  }
  const lo = fields[c.bmin]!;
  const hi = fields[c.bmax]!;
  const { wMin, gmin, invS } = c;
  for (let i = 0; i < total; i++) {
    const v = wMin + (w[i]! - gmin) * invS;
    w[i] = v < lo[i]! ? lo[i]! : v > hi[i]! ? hi[i]! : v;
    idx[i] = i;
  }
  return total;
}

/** The direction of pulse t of each remaining cell: alternating (up first) while both kinds remain. */
function pulseSigns(t: number, count: number, idx: Int32Array, cUp: Float32Array, cDown: Float32Array, sgn: Int8Array): void {
  for (let j = 0; j < count; j++) {
    const i = idx[j]!;
    const u = cUp[i]!;
    const d = cDown[i]!;
    sgn[j] = t < 2 * Math.min(u, d) ? (t & 1 ? -1 : 1) : u > d ? 1 : -1;
  }
}

/** Keeps the cells that have a pulse after pulse t; returns how many. */
function survivors(t: number, count: number, idx: Int32Array, cUp: Float32Array, cDown: Float32Array): number {
  let kept = 0;
  for (let j = 0; j < count; j++) {
    const i = idx[j]!;
    if (cUp[i]! + cDown[i]! > t + 1) idx[kept++] = i;
  }
  return kept;
}

/**
 * The compiled pulse path of one device instance: its work arrays in kernel memory (the packed per-device
 * values of both polarities, dense slots) and the steps of engine.ts pulse() as three kernels: gather,
 * one pulseRound per pulse index, scatter. The normal stream fills xi per pulse index as in TypeScript.
 */
function compiledPulses(step: CompiledStep, packed: Record<Polarity, Float64Array>, keys: string[], n: number) {
  const F = keys.length;
  const resident = {} as Record<Polarity, Float64Array>;
  for (const polarity of ['plus', 'minus'] as const) {
    resident[polarity] = kernels.float64(n * F);
    resident[polarity].set(packed[polarity]);
  }
  const nodes = kernels.float64(Math.max(1, step.nodes?.length ?? 0));
  if (step.nodes) nodes.set(step.nodes);
  const m = step.family === 3 && step.nodes ? step.nodes.length / 2 - 1 : 0;
  // Where the kernel finds bmin, bmax, dUp, dDown and the family's own two fields in a cell's packed values.
  const own = keys.filter((k) => !['bmin', 'bmax', 'dUp', 'dDown', 'retention', 'diffusion', 'resetBias'].includes(k));
  const at = kernels.int32(6);
  ['bmin', 'bmax', 'dUp', 'dDown'].forEach((key, i) => (at[i] = keys.indexOf(key)));
  at[4] = own.length > 0 ? keys.indexOf(own[0]!) : 0;
  at[5] = own.length > 1 ? keys.indexOf(own[1]!) : 0;
  let slots = 0;
  let w = kernels.float64(0);
  let cUp = kernels.float32(0);
  let cDown = kernels.float32(0);
  let idx = kernels.int32(0);
  let xi = kernels.float64(0);
  const touched = kernels.int32(n);
  const reserve = (count: number) => {
    if (slots >= count) return;
    slots = Math.min(n, Math.max(count, 2 * slots, 1024));
    w = kernels.float64(slots);
    cUp = kernels.float32(slots);
    cDown = kernels.float32(slots);
    idx = kernels.int32(slots);
    xi = kernels.float64(slots);
  };
  return {
    touched,
    /**
     * respondScaled() in one kernel (pulsedRespond): the requests' pulse counts, their draws from the
     * plugin's Rng (continued in WASM), the update-once and the write-back; the written cells listed in
     * `written`. Returns how many, or −1 when an operand is outside kernel memory.
     */
    respond(api: PulsedExports, g: Float64Array, delta: Float64Array, factor: number, dst: Float64Array, polarity: Polarity,
      rng: Rng, noisy: boolean, p: PulsedParams, s: number, invS: number, written: Int32Array): number {
      if (!(kernels.resident(g) && kernels.resident(delta) && kernels.resident(dst) && kernels.resident(written))) return -1;
      const block = rngBlock(pulsedKernels.memory!);
      const st = block.enter(rng);
      const count = api.pulsedRespond(step.family, g.byteOffset, delta.byteOffset, factor, dst.byteOffset, n, resident[polarity].byteOffset,
        F, at.byteOffset, st, noisy, p.dwMinStd, p.dwMin * s, nodes.byteOffset, m, p.wMin, p.gmin, invS, s, written.byteOffset);
      block.leave(rng);
      return count;
    },
    pulse(api: PulsedExports, g: Float64Array, up: Float32Array, down: Float32Array, dst: Float64Array, polarity: Polarity,
      active: ActiveCells | undefined, normals: NormalStream, noisy: boolean, p: PulsedParams, s: number, invS: number): number {
      const listed = active && active.count >= 0 ? active : undefined;
      const mem = kernels.resident(g) && kernels.resident(up) && kernels.resident(down) && kernels.resident(dst) && (!listed || kernels.resident(listed.idx));
      if (!mem) return -1;
      reserve(listed ? listed.count : n);
      const cells = resident[polarity].byteOffset;
      const total = api.pulsedGather(
        listed ? listed.idx.byteOffset : 0, listed ? listed.count : n, up.byteOffset, down.byteOffset, g.byteOffset,
        cells, F, at[0]!, at[1]!, cUp.byteOffset, cDown.byteOffset, w.byteOffset, touched.byteOffset, idx.byteOffset, p.wMin, p.gmin, invS,
      );
      if (total === 0) return 0;
      let count = total;
      for (let t = 0; count > 0; t++) {
        if (noisy) normals.fillCount(xi, count);
        else xi.fill(0, 0, count);
        count = api.pulseRound(step.family, t, count, idx.byteOffset, cUp.byteOffset, cDown.byteOffset, w.byteOffset, touched.byteOffset,
          cells, F, at.byteOffset, xi.byteOffset, p.dwMinStd, nodes.byteOffset, m);
      }
      api.pulsedScatter(dst.byteOffset, touched.byteOffset, w.byteOffset, total, p.gmin, p.wMin, s);
      return total;
    },
  };
}
