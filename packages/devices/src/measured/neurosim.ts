import { defineDevice, integer, params, quantity, real } from '@txsim/core';
import { pulsedKernels } from '../kernels.js';
import { curveSet, neurosimWrite, type CurveSet, type CurveShape } from './exp-curve.js';
import { MAX_NONLINEARITY, normalisedA } from './neurosim-table.js';

const label = (what: string, dflt: number) =>
  real({ description: `${what} nonlinearity label (NeuroSim's NL, −9…9; sign sets the curvature, 0 ≈ linear).`, default: dflt, min: -MAX_NONLINEARITY, max: MAX_NONLINEARITY });

/**
 * NeuroSim's analog synapse (MLP+NeuroSim V3.0 `RealDevice`, DNN+NeuroSim V2.0): the conductance
 * after x pulses from the bottom of the range is G(x) = B(1 − e^(−x/A)) + Gmin with
 * B = (Gmax − Gmin)/(1 − e^(−P/A)), P = maxLevel, on separate LTP and LTD curves whose A comes from
 * the nonlinearity labels through NeuroSim's table (A = table(NL)·P). A write finds the cell's
 * position x on the curve of its direction, moves it by the pulse count (clamped to [0, P]) and adds
 * cycle-to-cycle noise σ·(Gmax − Gmin)·√pulses. Both curves run from Gmin (x = 0) to Gmax (x = P);
 * as in NeuroSim a negative LTD label gives the convex curve on which depression starts with large
 * steps near Gmax and saturates near Gmin (the LTP curve's mirror image), a positive one the reverse.
 */
export const neurosim = defineDevice({
  meta: {
    name: 'neurosim',
    description: "NeuroSim's exponential pulse response with LTP/LTD nonlinearity labels, finite levels and c2c/d2d variation.",
    phases: ['update'],
    params: params({
      gmin: quantity('S', { description: 'Lowest conductance, the curves\' x = 0 (NeuroSim minConductance).', default: 3.0769e-9, min: 0 }),
      gmax: quantity('S', { description: 'Highest conductance, the curves\' x = P (NeuroSim maxConductance).', default: 3.8462e-8, min: 0, exclusiveMin: true }),
      maxLevel: integer({ description: 'Potentiating pulses from gmin to gmax (NeuroSim maxNumLevelLTP); pulseStep = (gmax − gmin)/maxLevel.', default: 97, min: 1, max: 1e6 }),
      maxLevelLtd: integer({ description: 'Depressing pulses from gmax to gmin (NeuroSim maxNumLevelLTD); 0: same as maxLevel.', default: 100, min: 0, max: 1e6 }),
      nlLtp: label('Potentiation', 2.4),
      nlLtd: label('Depression', -4.88),
      sigmaC2c: real({ description: 'Cycle-to-cycle noise per write, σ·(gmax − gmin)·√pulses (NeuroSim sigmaCtoC as a fraction of the range).', default: 0.035, min: 0, neutral: 0 }),
      sigmaD2d: real({ description: 'Device-to-device spread of both labels: each device gets NL + sigmaD2d·ξ per direction (NeuroSim sigmaDtoD).', default: 0, min: 0, neutral: 0 }),
    }).refine((p) => p.gmax > p.gmin, { message: 'gmax must exceed gmin', path: ['gmax'] }),
    references: [
      'P.-Y. Chen, X. Peng, S. Yu, NeuroSim+: An integrated device-to-algorithm framework for benchmarking synaptic devices and array architectures, IEEE IEDM 2017.',
      'MLP+NeuroSim V3.0 (github.com/neurosim/MLP_NeuroSim_V3.0): Cell.cpp RealDevice (defaults, Write), formula.cpp NonlinearWeight, InvNonlinearWeight, getParamA.',
    ],
  },
  create: (ctx, p) => {
    // Compile the device package's kernels while the network is built, not inside the first training step.
    void pulsedKernels.api;
    const shape: CurveShape = { gmin: p.gmin, gmax: p.gmax, pUp: p.maxLevel, pDown: p.maxLevelLtd || p.maxLevel };
    const cells = ctx.geometry.paddedRows * ctx.geometry.paddedCols;
    const curves = (): CurveSet => {
      // Without d2d spread every device shares one curve pair (length-1 arrays), saving 32 bytes a cell.
      if (p.sigmaD2d === 0) return curveSet(Float64Array.of(normalisedA(p.nlLtp)), Float64Array.of(normalisedA(p.nlLtd)), shape);
      const up = ctx.rng.fillNormal(new Float64Array(cells), p.nlLtp, p.sigmaD2d) as Float64Array;
      const down = ctx.rng.fillNormal(new Float64Array(cells), p.nlLtd, p.sigmaD2d) as Float64Array;
      return curveSet(up.map(normalisedA), down.map(normalisedA), shape);
    };
    // Drawn in a fixed order at create, so a seed fixes every device's curves.
    const set = { plus: curves(), minus: curves() };
    const step = (p.gmax - p.gmin) / p.maxLevel;
    const rng = p.sigmaC2c === 0 ? null : ctx.rng;
    return {
      gmin: p.gmin,
      gmax: p.gmax,
      pulseStep: step,
      clipsItself: true,
      // Each cell is read before it is written, so dst may be g (the tile then skips two array copies).
      pulsesInPlace: true,
      pulse(g, up, down, dst, { polarity, active }) {
        neurosimWrite(g, { up, down }, dst, set[polarity], shape, rng, p.sigmaC2c, active);
      },
      // An analog request is delta/pulseStep pulses, fractional: the same curves, position moved by a
      // non-integer amount, and noise σ·R·√|n|.
      respond(g, delta, dst, { polarity }) {
        neurosimWrite(g, { delta, step }, dst, set[polarity], shape, rng, p.sigmaC2c);
      },
      // The tile's scaled request (±½ per device under mid-range) without its scale pass and copy back: the
      // kernel forms factor·delta per cell, the bits of respond on a scaled copy.
      respondScaled(g, delta, factor, dst, { polarity }) {
        neurosimWrite(g, { delta, step, factor }, dst, set[polarity], shape, rng, p.sigmaC2c);
      },
    };
  },
});
