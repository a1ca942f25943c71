import { defineCost, integer, params } from '@txsim/core';
import { amount, arrays, GATE_CAP, isRead, TRANSISTOR_AREA, VDD, ZERO } from './shared.js';

/** Energy of one full-adder bit: an estimate, 14 switched gates of NeuroSim's 32 nm HP node at half activity. */
const BIT_ADD = 0.5 * 14 * GATE_CAP * VDD * VDD;

/**
 * The digital logic around the arrays: shift-and-add of every converted value into the layer's sums,
 * the activation (or its derivative) per output, the weight gradient xᵀ·δ (txsim computes it digitally,
 * one MAC per weight and example), and the update logic that turns each programmed cell's change into
 * pulses. Energies are per bit-addition; a MAC of b-bit operands is b² + 2b bit-additions (an array
 * multiplier and an accumulator). Reads overlap their shift-and-add with the next conversion, so only
 * the weight gradient and the update logic add latency: operations / (units · clock).
 */
export const digitalPeriphery = defineCost({
  meta: {
    name: 'digital-periphery',
    component: 'digital',
    description: 'Shift-add, accumulation, activation, weight-gradient MACs and update logic, priced per bit-addition.',
    phases: ['forward', 'backward', 'update'],
    params: params({
      bitAddEnergy: amount('J', 'Energy of one full-adder bit (estimate: 14 gates of 32 nm HP, 0.9 V, activity 0.5).', BIT_ADD),
      accumulatorBits: integer({ description: 'Width of the partial-sum accumulators (bits).', default: 16, min: 1, unit: 'bits' }),
      operandBits: integer({ description: 'Width of x and δ in the weight-gradient MACs (bits).', default: 8, min: 1, unit: 'bits' }),
      activationAdds: integer({ description: 'Bit-additions per activation (or derivative) evaluated.', default: 32, min: 0 }),
      updateAdds: integer({ description: 'Bit-additions of update logic per programming event.', default: 16, min: 0 }),
      macUnits: integer({ description: 'Parallel MAC units per layer for the weight gradient.', default: 64, min: 1 }),
      clock: amount('Hz', 'Digital clock (MLP_NeuroSim_V3.0 Param.cpp clkFreq: 2 GHz).', 2e9),
      transistorArea: amount('m^2', 'Footprint of one transistor (estimate: 30 F² at 32 nm).', TRANSISTOR_AREA),
    }),
    references: ['NeuroSim Technology.cpp (32 nm HP); MLP_NeuroSim_V3.0 Param.cpp clkFreq; NeuroSim Adder.cpp / ShiftAdd.cpp structure.'],
  },
  create: (_ctx, p) => {
    const macAdds = p.operandBits * p.operandBits + 2 * p.operandBits;
    return {
      cost(a, layer, phase) {
        if (isRead(phase)) return { energyJ: (a.adcConversions * p.accumulatorBits + a.outputs * p.activationAdds) * p.bitAddEnergy, latencyS: 0 };
        if (phase === 'weightGradient') {
          return { energyJ: a.macs * macAdds * p.bitAddEnergy, latencyS: a.macs / (p.macUnits * p.clock) };
        }
        if (!a.updatePulses) return ZERO;
        // One event per clock per array, arrays in parallel.
        return { energyJ: a.updatePulses * p.updateAdds * p.bitAddEnergy, latencyS: a.updatePulses / (arrays(layer) * p.clock) };
      },
      area(layer) {
        // 28 transistors per full-adder bit: one accumulator per sensed line group, plus the MAC units.
        const adders = arrays(layer) * (layer.geometry.tileCols + layer.geometry.tileRows) * p.accumulatorBits;
        return (adders + p.macUnits * macAdds) * 28 * p.transistorArea;
      },
    };
  },
});
