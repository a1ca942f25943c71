import { defineNonideality, params, quantity } from '@txsim/core';

/**
 * Read conductance at a chip temperature T other than the one the devices were programmed at. A
 * metallic conductive filament's resistance rises linearly with temperature, R(T) = R(T₀)·(1 + α(T − T₀)),
 * so every cell reads G(T) = G(T₀) / (1 + α(T − T₀)). The stored state does not change; only reads see it.
 */
export const thermalTcr = defineNonideality({
  meta: {
    name: 'thermal-tcr',
    description: 'Conductance read at temperature T through a linear temperature coefficient of resistance.',
    phases: ['forward', 'backward'],
    params: params({
      temperature: quantity('K', { description: 'Chip temperature during reads.', default: 300, neutral: 300, min: 0, exclusiveMin: true }),
      reference: quantity('K', { description: 'Temperature the conductances were programmed (and are quoted) at, T₀.', default: 300, min: 0, exclusiveMin: true }),
      tcr: quantity('1/K', { description: 'Temperature coefficient of resistance α.', default: 1e-3, neutral: 0 }),
    }).refine((p) => 1 + p.tcr * (p.temperature - p.reference) > 0, {
      message: '1 + tcr·(temperature − reference) must stay > 0 (a resistance cannot reach zero)',
      path: ['tcr'],
    }),
    references: ['Walczyk et al., IEEE TED 58(9), 2011: filament resistance of HfO₂ RRAM rising linearly with temperature in the on state.'],
  },
  create: (_ctx, p) => {
    // One factor for the whole array: the temperature is uniform over a tile.
    const factor = 1 / (1 + p.tcr * (p.temperature - p.reference));
    return {
      conductance(src, dst) {
        for (let k = 0; k < src.length; k++) dst[k] = src[k]! * factor;
      },
    };
  },
});
