import { choice, defineKernel, defineUpdateRule, integer, kernels, params, type ActiveCells } from '@txsim/core';
import { pulsedKernels } from '../kernels.js';

/**
 * NeuroSim's update: each cell's wanted weight change Δw = −η·∇W becomes a whole number of pulses,
 * n = round(|Δw|·siemensPerWeight / coincidenceStep) — one pulse on each device of a mid-range pair changes
 * G+ − G− by 2·pulseStep, on the one device of a sign-split pair by pulseStep — raising the weight when Δw > 0 and lowering it otherwise. DNN+NeuroSim
 * V2.0 rounds to the nearest count (`torch.round(gradient/2·numLevel)` in its QG); the stochastic
 * option rounds up with probability equal to the fraction, so the expected count is exact.
 */
export const pulseCount = defineUpdateRule({
  meta: {
    name: 'pulse-count',
    description: 'Each cell gets the rounded number of pulses that best matches its SGD weight change (NeuroSim, XBTorch).',
    phases: ['update'],
    params: params({
      rounding: choice(['nearest', 'stochastic'] as const, {
        description: 'nearest: round half away from zero (NeuroSim); stochastic: floor(n + u), u uniform in [0, 1).',
        default: 'nearest',
      }),
      maxPulses: integer({ description: 'Most pulses per cell and step; 0: no cap.', default: 0, neutral: 0, min: 0 }),
    }),
    references: [
      'Peng, Huang, Luo, Yu, DNN+NeuroSim V2.0, IEEE TCAD 40(11), 2021: ΔP = round(η·g/2·P_max) (utee/wage_quantizer.py).',
      'Chen, Peng, Yu, NeuroSim: A Circuit-Level Macro Model for Benchmarking Neuro-Inspired Architectures in Online Learning, IEEE TCAD 37(12), 2018.',
    ],
  },
  create: (ctx, p) => {
    // Compile the device package's kernels while the network is built, not inside the first training step.
    void pulsedKernels.api;
    let u = kernels.float64(0);
    const cap = p.maxPulses > 0 ? p.maxPulses : Infinity;
    return {
      update(inputs, { up, down, active, zeroed }) {
        const { learningRate, siemensPerWeight, coincidenceStep, geometry, x, d } = inputs;
        const n = geometry.paddedRows * geometry.paddedCols;
        // Pulses per unit of −∇W: η · (siemens per weight) / (siemens per pulse pair).
        const f = (-learningRate * siemensPerWeight) / coincidenceStep;
        let uniforms: Float64Array | null = null;
        if (p.rounding === 'stochastic') {
          if (u.length < n) u = kernels.float64(n);
          uniforms = ctx.rng.fillUniform(u.subarray(0, n)) as Float64Array;
        }
        // Listing the pulsed cells spares the tile and the device a pass over every cell: at batch 1 (NeuroSim's
        // task) most rows see a zero input and get no pulse.
        // Batch 1 (NeuroSim's task) on zeroed targets: the counts straight from x and δ, visiting only the
        // rows of a non-zero input; the gradient (a GEMM and a pass over every cell) is never formed.
        if (zeroed && active && x.rows === 1 && pulseCountsOuter(x.data, d.data, geometry.paddedCols, f, uniforms, cap, up, down, active)) {
          return 'pulses';
        }
        pulseCounts(inputs.grad, f, uniforms, cap, up, down, active);
        return 'pulses';
      },
    };
  },
});

/**
 * The counts of one step: want = f·grad, count = round(|want|) or floor(|want| + u), capped; up where want
 * > 0, down elsewhere; with `list`, the cells of non-zero count listed there (ascending, `list.count` set).
 * Compiled in assembly/pulsed.ts (pulseCounts), bit for bit this loop.
 */
export const pulseCounts = defineKernel(
  pulsedKernels,
  (api, memory, grad: Float32Array, f: number, u: Float64Array | null, cap: number, up: Float32Array, down: Float32Array, list?: ActiveCells): void => {
    // A list outside kernel memory is not filled (count stays −1: allowed, the tile then scans every cell).
    const into = list && memory.resident(list.idx) ? list : undefined;
    const m = memory.begin();
    const listed = api.pulseCounts(m.in(grad), grad.length, f, u ? m.in(u) : 0, cap, m.out(up), m.out(down), into ? into.idx.byteOffset : 0);
    m.end();
    if (into) into.count = listed;
  },
  (grad: Float32Array, f: number, u: Float64Array | null, cap: number, up: Float32Array, down: Float32Array, list?: ActiveCells) => {
    let listed = 0;
    for (let k = 0; k < grad.length; k++) {
      const want = f * grad[k]!;
      const a = Math.abs(want);
      let count = u ? Math.floor(a + u[k]!) : Math.round(a);
      if (count > cap) count = cap;
      up[k] = want > 0 ? count : 0;
      down[k] = want > 0 ? 0 : count;
      if (list && count !== 0) list.idx[listed++] = k;
    }
    if (list) list.count = listed;
  },
);

/**
 * pulseCounts of a batch of one from its operands, grad[i·paddedCols + j] = x_i·δ_j in float32 (what the
 * K = 1 GEMM forms), on targets that are zero on entry: only the cells with a count are written and listed
 * (ascending). Returns false, writing nothing, when f or an operand is not finite or a buffer is outside
 * kernel memory (the caller then forms the gradient and takes pulseCounts). Compiled in assembly/pulsed.ts
 * (pulseCountsOuter), bit for bit this loop.
 */
export const pulseCountsOuter = defineKernel(
  pulsedKernels,
  (api, memory, x: Float32Array, d: Float32Array, paddedCols: number, f: number, u: Float64Array | null, cap: number,
    up: Float32Array, down: Float32Array, list: ActiveCells): boolean => {
    if (!memory.resident(list.idx) || !memory.resident(up) || !memory.resident(down)) return false;
    const m = memory.begin();
    const listed = api.pulseCountsOuter(m.in(x), x.length, m.in(d), d.length, paddedCols, f, u ? m.in(u) : 0, cap, m.out(up), m.out(down), list.idx.byteOffset);
    m.end();
    if (listed < 0) return false;
    list.count = listed;
    return true;
  },
  (x: Float32Array, d: Float32Array, paddedCols: number, f: number, u: Float64Array | null, cap: number,
    up: Float32Array, down: Float32Array, list: ActiveCells): boolean => {
    const finite = (a: Float32Array) => a.every((v) => Number.isFinite(v));
    if (!Number.isFinite(f) || !finite(x) || !finite(d)) return false;
    let listed = 0;
    for (let i = 0; i < x.length; i++) {
      if (x[i] === 0) continue;
      for (let j = 0; j < d.length; j++) {
        const k = i * paddedCols + j;
        const want = f * Math.fround(x[i]! * d[j]!);
        const a = Math.abs(want);
        let count = u ? Math.floor(a + u[k]!) : Math.round(a);
        if (count > cap) count = cap;
        if (count === 0) continue;
        up[k] = want > 0 ? count : 0;
        down[k] = want > 0 ? 0 : count;
        list.idx[listed++] = k;
      }
    }
    list.count = listed;
    return true;
  },
);
