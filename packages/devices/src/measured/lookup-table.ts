import { defineDevice, file, kernels, NormalStream, params, real, type NormalStreamState } from '@txsim/core';
import { BUNDLED_LUT, loadLut, lutProblem } from './lut-file.js';
import { lutPulsedCells, lutWrite, type LutRequest } from './lut-kernel.js';

/**
 * A device driven by measured data: the mean conductance change of one potentiating and of one
 * depressing pulse as a function of the present conductance, read from a CSV table and interpolated
 * linearly in G (the "jump table" of Burr et al., CrossSim's DG_LOOKUP, aihwkit's PiecewiseStep).
 * Cycle-to-cycle noise comes from the table's measured spread (sd_up, sd_down); a table of several
 * measured devices gives device-to-device variation by assigning each cell one of them at random,
 * as CrossSim's multi-LUT mode does. Format and the CrossSim mapping: docs/devices-measured.md.
 */
export const lookupTable = defineDevice({
  meta: {
    name: 'lookup-table',
    description: 'A device whose per-pulse conductance change, mean and spread, is interpolated from a measured table.',
    phases: ['update'],
    params: params({
      file: file({
        description: 'CSV table g,dg_up,dg_down[,sd_up,sd_down][,device] in siemens (a relative path is taken from the spec file\'s folder; empty: the bundled NeuroSim Ag:a-Si table).',
        default: '',
        empty: BUNDLED_LUT,
        check: lutProblem,
      }),
      noiseScale: real({ description: 'Factor on the measured per-pulse spread (1: as measured, 0: mean response only).', default: 1, min: 0, neutral: 0 }),
    }),
    references: [
      'G. W. Burr et al., Experimental demonstration and tolerancing of a large-scale neural network (165 000 synapses) using phase-change memory as the synaptic weight element, IEEE TED 62(11), 2015 — conductance-dependent jump tables.',
      'CrossSim v2.0 (github.com/sandialabs/cross-sim), DG_LOOKUP update model with single or multiple measured lookup tables.',
    ],
  },
  create: (ctx, p) => {
    const lut = loadLut(p.file);
    const cells = ctx.geometry.paddedRows * ctx.geometry.paddedCols;
    const many = lut.devices.length > 1;
    // One measured device per cell and polarity, drawn at create (d2d); none needed for a single device.
    const pick = () => {
      const a = new Uint16Array(many ? cells : 0);
      if (many) {
        const u = ctx.rng.fillUniform(new Float64Array(cells)) as Float64Array;
        for (let k = 0; k < cells; k++) a[k] = Math.min(Math.floor(u[k]! * lut.devices.length), lut.devices.length - 1);
      }
      return a;
    };
    const assign = { plus: pick(), minus: pick() };
    let gmin = Infinity;
    let gmax = -Infinity;
    let dgSum = 0;
    for (let d = 0; d < lut.devices.length; d++) {
      gmin = Math.min(gmin, lut.g[lut.offsets[d]!]!);
      gmax = Math.max(gmax, lut.g[lut.offsets[d + 1]! - 1]!);
    }
    for (const v of lut.dgUp) dgSum += v;
    const noisy = p.noiseScale > 0 && (lut.sdUp.some((v) => v > 0) || lut.sdDown.some((v) => v > 0));
    // The nominal step: the table's mean potentiating change (what pulse update rules size trains with).
    const step = dgSum / lut.dgUp.length > 0 ? dgSum / lut.dgUp.length : (gmax - gmin) / 1000;
    // Noise: one draw per written cell, in cell order (sparse updates cost little noise), from the device's
    // own SIMD normal stream (seeded from its plugin stream at create; part of its snapshot).
    const normals = noisy ? new NormalStream(ctx.rng) : null;
    let xi = kernels.float64(0);
    const draws = (request: LutRequest): Float64Array | null => {
      if (!normals) return null;
      const count = lutPulsedCells(request);
      if (xi.length < count) xi = kernels.float64(Math.max(count, 2 * xi.length));
      normals.fillCount(xi, count);
      return xi;
    };
    return {
      gmin,
      gmax,
      pulseStep: step,
      clipsItself: true,
      pulse(g, up, down, dst, { polarity }) {
        const request = { up, down };
        lutWrite(g, request, dst, lut, assign[polarity], draws(request), p.noiseScale);
      },
      // An analog request is delta/pulseStep pulses, the last one fractional.
      respond(g, delta, dst, { polarity }) {
        const request = { delta, step };
        lutWrite(g, request, dst, lut, assign[polarity], draws(request), p.noiseScale);
      },
      // The same for factor·delta, in place when dst is g (each cell is read before it is written).
      respondScaled(g, delta, factor, dst, { polarity }) {
        const request = { delta, step, factor };
        lutWrite(g, request, dst, lut, assign[polarity], draws(request), p.noiseScale);
      },
      snapshot: (): NormalStreamState | null => normals?.snapshot() ?? null,
      restore(state) {
        if (normals && state) normals.restore(state as NormalStreamState);
      },
    };
  },
});
