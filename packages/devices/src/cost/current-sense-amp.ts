import { defineCost, params } from '@txsim/core';
import { amount, arrays, isRead, readSteps, sensedLines, ZERO } from './shared.js';

/**
 * A sense amplifier per sensed line, in front of the ADC. NeuroSim's SAR ADC model already includes
 * the column current it senses (the R_col term of its power fit), so the preset prices it at zero;
 * a pack or spec can give it its own energy, time and area.
 */
export const currentSenseAmp = defineCost({
  meta: {
    name: 'current-sense-amp',
    component: 'sense-amp',
    description: 'Sense amplifier per sensed line: energy per sensed value, one sensing time per read.',
    phases: ['forward', 'backward'],
    params: params({
      energy: amount('J', 'Energy per sensed value (0: included in the ADC, as NeuroSim\'s SAR model does).', 0),
      latency: amount('s', 'Sensing time per read (0: included in the ADC).', 0),
      area: amount('m^2', 'Area per sense amplifier (0: included in the ADC).', 0),
    }),
    references: ['DNN_NeuroSim V1.4 NeuroSIM/SarADC.cpp: the column term of GetColumnPower.'],
  },
  create: (_ctx, p) => ({
    cost(a, layer, phase) {
      if (!isRead(phase)) return ZERO;
      return { energyJ: a.adcConversions * p.energy, latencyS: readSteps(a, layer) * p.latency };
    },
    area: (layer) => arrays(layer) * p.area * (sensedLines(layer, 'forward') + sensedLines(layer, 'backward')),
  }),
});
