import { defineDevice, params, quantity } from '@txsim/core';
import { respondKernel } from './arrhenius-kernel.js';

const BOLTZMANN = 1.380649e-23; // J/K, exact (SI 2019)

/**
 * A ReRAM cell whose switching is thermally activated: the conductance change one programming
 * request achieves scales with the Arrhenius factor exp(−Ea/k·(1/T − 1/T₀)) relative to the reference
 * temperature at which the update was calibrated. Hot chips switch more per pulse, cold ones less.
 */
export const arrheniusReram = defineDevice({
  meta: {
    name: 'arrhenius-reram',
    description: 'A device whose conductance change per request follows an Arrhenius law in temperature.',
    phases: ['forward', 'backward', 'update'],
    params: params({
      gmin: quantity('S', { description: 'Lowest conductance.', default: 1e-6, min: 0 }),
      gmax: quantity('S', { description: 'Highest conductance.', default: 1e-5, min: 0, exclusiveMin: true }),
      temperature: quantity('K', { description: 'Chip temperature while programming.', default: 300, neutral: 300, min: 0, exclusiveMin: true }),
      reference: quantity('K', { description: 'Temperature the update was calibrated at, T₀.', default: 300, min: 0, exclusiveMin: true }),
      activation: quantity('J', { description: 'Activation energy of switching, Ea (e.g. "0.3 eV").', default: 0.3 * 1.602176634e-19, min: 0 }),
    }).refine((p) => p.gmax > p.gmin, { message: 'gmax must exceed gmin', path: ['gmax'] }),
    references: ['Ielmini, Semicond. Sci. Technol. 31, 063002 (2016): thermally activated ion migration in resistive switching.'],
  },
  create: (_ctx, p) => {
    const factor = Math.exp((-p.activation / BOLTZMANN) * (1 / p.temperature - 1 / p.reference));
    return {
      gmin: p.gmin,
      gmax: p.gmax,
      // The per-cell loop runs in the pack's own WASM kernel (arrhenius-kernel.ts).
      respond(g, delta, dst) {
        respondKernel(g, delta, dst, factor, p.gmin, p.gmax);
      },
    };
  },
});
