import { defineKernels, kernels, RngBlock, type ElementwiseModule } from '@txsim/core';

/** The exports of packages/devices/assembly/pulsed.ts (addresses are byte offsets into the kernel memory). */
export interface PulsedExports {
  logs(src: number, out: number, n: number): void;
  normals(rng: number, out: number, n: number): void;
  lutPulses(g: number, up: number, down: number, delta: number, step: number, dst: number, n: number,
    knots: number, dgUp: number, dgDown: number, sdUp: number, sdDown: number, offsets: number, assign: number,
    xi: number, noiseScale: number): void;
  lutPulsedCells(up: number, down: number, delta: number, step: number, factor: number, n: number): number;
  lutRespond(g: number, delta: number, step: number, factor: number, dst: number, n: number, knots: number, dgUp: number, dgDown: number,
    sdUp: number, sdDown: number, assign: number, rows: number, params: number, xi: number, noiseScale: number): void;
  pulsedGather(list: number, count: number, up: number, down: number, g: number, packed: number, F: number,
    bminAt: number, bmaxAt: number, cUp: number, cDown: number, w: number, touched: number, idx: number, wMin: number, gmin: number, invS: number): number;
  pulsedScatter(dst: number, touched: number, w: number, total: number, gmin: number, wMin: number, s: number): void;
  pulsedRespond(family: number, g: number, delta: number, factor: number, dst: number, n: number, packed: number, F: number, at: number,
    rng: number, noisy: boolean, sigma: number, pulseStep: number, nodes: number, m: number, wMin: number, gmin: number, invS: number,
    s: number, touched: number): number;
  pulseRound(family: number, t: number, count: number, idx: number, cUp: number, cDown: number, w: number, touched: number,
    packed: number, F: number, at: number, xi: number, sigma: number, nodes: number, m: number): number;
  fireDraw(values: number, lines: number, b0: number, b1: number, bl: number, scale: number, rng: number,
    drawnSlot: number, drawnLine: number, drawnSign: number, capacity: number, io: number): number;
  fireBucket(fired: number, slots: number, start: number, drawnSlot: number, drawnLine: number, drawnSign: number, work: number, line: number, sign: number): void;
  walkCoincidences(slots: number, xStart: number, xLine: number, xSign: number, dStart: number, dLine: number, dSign: number,
    paddedCols: number, up: number, down: number, list: number, listed: number): number;
  sortCells(idx: number, count: number, limit: number, buf: number, hist: number): void;
  addDenseCounts(S: number, M: number, rows: number, cols: number, paddedCols: number, up: number, down: number, list: number): number;
  neurosimPulses(g: number, up: number, down: number, delta: number, step: number, dst: number, n: number,
    kUp: number, invEUp: number, mUp: number, kDown: number, invEDown: number, mDown: number, shared: boolean,
    gmin: number, gmax: number, range: number, inv: number, rng: number, scale: number,
    list: number, listCount: number, expUp: number, expDown: number, tableLen: number, factor: number): void;
  pulsedRedraw(cells: number, count: number, off: number, std: number, rng: number, plusZero: boolean): void;
  pulsedSettle(g: number, n: number, resetBias: number, retention: number, diffusion: number, bmin: number, bmax: number,
    decays: boolean, diffuses: boolean, rng: number, wMin: number, gmin: number, invS: number, s: number): void;
  pulsedReset(g: number, n: number, resetBias: number, bmin: number, bmax: number, resetStd: number, rng: number, wMin: number, gmin: number, s: number): void;
  addOffsets(src: number, off: number, dst: number, n: number): void;
  pulseCounts(grad: number, n: number, f: number, u: number, cap: number, up: number, down: number, list: number): number;
  rowAbsMaxes(values: number, rows: number, cols: number, out: number): void;
  exps(src: number, out: number, n: number): void;
  poissons(lambda: number, u: number, out: number, n: number): void;
  sampledProbabilities(values: number, lines: number, width: number, batch: number, scale: number, bl: number,
    signed: number, mag: number, n: number): void;
  sampledCounts(S: number, M: number, rows: number, cols: number, paddedCols: number, rng: number, up: number, down: number, list: number): number;
  pulseCountsOuter(x: number, rows: number, d: number, cols: number, paddedCols: number, f: number, u: number, cap: number,
    up: number, down: number, list: number): number;
}

/** The device package's compiled kernels, on core's shared kernel memory (built by `pnpm build`). */
export const pulsedKernels = defineKernels<PulsedExports>('@txsim/devices/pulsed', new URL('../build/pulsed.wasm', import.meta.url), {
  // V8's own log1p (fdlibm), so train gaps equal the TypeScript draw's; called once per line with rare fires.
  log1p: Math.log1p,
  // And exp and pow for the exp-step and pow-step rounds (once per pulse of those devices).
  exp: Math.exp,
  pow: Math.pow,
  // And expm1 for NeuroSim's fractional pulse remainders.
  expm1: Math.expm1,
});

/** One RngBlock per kernel memory (a process has one). */
let block: RngBlock | undefined;
export function rngBlock(memory: ElementwiseModule): RngBlock {
  return (block ??= new RngBlock(memory));
}

/** A resident copy of an array (kernels read it in place), made once per source array. */
const copies = new WeakMap<object, Float64Array | Int32Array | Uint16Array>();
export function resident<T extends Float64Array | Int32Array | Uint16Array>(a: T): T {
  let c = copies.get(a) as T | undefined;
  if (!c) {
    c = (a instanceof Float64Array ? kernels.float64(a.length) : a instanceof Int32Array ? kernels.int32(a.length) : kernels.uint16(a.length)) as T;
    c.set(a as never);
    copies.set(a, c);
  }
  return c;
}
