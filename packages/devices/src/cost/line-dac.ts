import { defineCost, params } from '@txsim/core';
import { amount, arrays, GATE_CAP, isRead, readSteps, TRANSISTOR_AREA, VDD, ZERO } from './shared.js';

/**
 * The input driver of one line: a DAC switching one gate per bit. NeuroSim drives 1-bit inputs through
 * its word-line switch matrix and has no multi-bit DAC, so the preset's per-bit energy is an estimate:
 * one 4F-wide gate of NeuroSim's 32 nm HP technology charged to vdd per bit, C·vdd². Lines of a read
 * are driven in parallel: one conversion time per input pass.
 */
export const lineDac = defineCost({
  meta: {
    name: 'line-dac',
    component: 'dac',
    description: 'Input DAC per line: energy per bit converted, one conversion time per read.',
    phases: ['forward', 'backward'],
    params: params({
      energyPerBit: amount('J', 'Energy per bit of one conversion (estimate: 4F gate at 32 nm HP × vdd², 0.9 V).', GATE_CAP * VDD * VDD),
      latency: amount('s', 'Settling time of one conversion (estimate: one 2 GHz clock, MLP_NeuroSim_V3.0 Param.cpp clkFreq).', 0.5e-9),
      areaPerBit: amount('m^2', 'Area per bit of one DAC (estimate: two transistors).', 2 * TRANSISTOR_AREA),
    }),
    references: ['NeuroSim Technology.cpp (32 nm HP: vdd, capIdealGate, capFringe); Param.cpp clkFreq.'],
  },
  create: (_ctx, p) => ({
    cost(a, layer, phase) {
      if (!isRead(phase) || !a.dacConversions) return ZERO;
      // Streaming DACs drive a few bits per pass; their conversions are counted per pass already.
      const bits = Math.max(1, layer.dacBits[phase] || 8) / layer.passes[phase];
      return { energyJ: a.dacConversions * Math.max(1, Math.round(bits)) * p.energyPerBit, latencyS: readSteps(a, layer) * p.latency };
    },
    area(layer) {
      const g = layer.geometry;
      const bits = (dir: 'forward' | 'backward') => Math.max(1, layer.dacBits[dir] || 8);
      return arrays(layer) * p.areaPerBit * (g.tileRows * bits('forward') + g.tileCols * bits('backward'));
    },
  }),
});
