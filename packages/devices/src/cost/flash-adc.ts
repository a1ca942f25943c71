import { defineCost, integer, params } from '@txsim/core';
import { amount, arrays, isRead, readSteps, sensedLines, TRANSISTOR_AREA, ZERO, conversionsInSequence } from './shared.js';

/**
 * A flash ADC: 2^bits − 1 comparators decide at once, so a conversion takes one cycle but its energy
 * and area grow as 2^bits, where a SAR's grow with bits (one comparator, bits + 1 cycles). The defaults
 * are estimates, not NeuroSim constants: a comparator decision of 10 fJ (about what NeuroSim's 32 nm SAR
 * fit spends per cycle) and 20 transistors per comparator. Pick it for the `adc` slot to compare types.
 */
export const flashAdc = defineCost({
  meta: {
    name: 'flash-adc',
    component: 'adc',
    description: 'Flash ADC per group of multiplexed lines: 2^bits − 1 comparators, one cycle per conversion.',
    phases: ['forward', 'backward'],
    params: params({
      bits: integer({ description: 'Resolution; 0 takes the crossbar ADC\'s bits (or 8 when it is unquantised).', default: 0, min: 0, max: 12, unit: 'bits' }),
      columnsPerAdc: integer({ description: 'Lines sharing one ADC.', default: 16, min: 1 }),
      comparatorEnergy: amount('J', 'Energy of one comparator decision (estimate).', 10e-15),
      cycle: amount('s', 'Time of one conversion.', 1e-9),
      comparatorArea: amount('m^2', 'Area of one comparator (estimate: 20 transistors of 30 F²).', 20 * TRANSISTOR_AREA),
    }),
    references: ['Flash architecture: 2^N − 1 parallel comparators (e.g. Razavi, Principles of Data Conversion System Design, 1995).'],
  },
  create: (_ctx, p) => {
    const comparators = (b: number) => 2 ** (p.bits || b || 8) - 1;
    return {
      cost(a, layer, phase) {
        if (!isRead(phase) || !a.adcConversions) return ZERO;
        return {
          energyJ: a.adcConversions * comparators(layer.adcBits[phase]) * p.comparatorEnergy,
          latencyS: readSteps(a, layer) * conversionsInSequence(layer, phase, p.columnsPerAdc) * p.cycle,
        };
      },
      area(layer) {
        const per = (dir: 'forward' | 'backward') => Math.ceil(sensedLines(layer, dir) / p.columnsPerAdc) * comparators(layer.adcBits[dir]) * p.comparatorArea;
        return arrays(layer) * (per('forward') + per('backward'));
      },
    };
  },
});
