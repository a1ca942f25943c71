import { defineAdc, defineDac, defineDevice, defineNonideality, defineSenseAmp, defineUpdateRule } from '../plugin/define.js';
import { params, real } from '../plugin/params.js';

/**
 * Minimal lossless slot plugins for core's own tests (core cannot depend on the devices package).
 * They are deliberately the simplest correct models, so a tile test failure points at the tile.
 */
export const testDevice = defineDevice({
  meta: { name: 'test-device', description: 'Lossless device on [0, 1] S.', phases: ['update'], params: params({}) },
  create: () => ({ gmin: 0, gmax: 1 }),
});
export const testDac = defineDac({
  meta: { name: 'test-dac', description: 'Drives each input as its own voltage.', phases: ['forward', 'backward'], params: params({}) },
  create: () => ({
    convert(src, dst, _b, _l, scales) {
      dst.set(src);
      scales.fill(1);
    },
  }),
});
export const testSenseAmp = defineSenseAmp({
  meta: { name: 'test-sense-amp', description: 'Identity sense amplifier.', phases: ['forward', 'backward'], params: params({}) },
  create: () => ({ amplify: (src, dst) => dst.set(src) }),
});
export const testAdc = defineAdc({
  meta: { name: 'test-adc', description: 'Identity ADC.', phases: ['forward', 'backward'], params: params({}) },
  create: () => ({ convert: (src, dst) => dst.set(src) }),
});
export const testUpdate = defineUpdateRule({
  meta: { name: 'test-update', description: 'Plain SGD in conductance units.', phases: ['update'], params: params({}) },
  create: () => ({
    update({ grad, learningRate, siemensPerWeight }, { want }) {
      for (let k = 0; k < grad.length; k++) want[k] = -learningRate * siemensPerWeight * grad[k]!;
      return 'analog';
    },
  }),
});
export const testScale = defineNonideality({
  meta: {
    name: 'test-scale',
    description: 'Multiplies read conductances by a factor.',
    phases: ['forward', 'backward'],
    params: params({ factor: real({ description: 'Factor.', default: 1, neutral: 1 }) }),
  },
  create: (_ctx, p) => ({
    conductance(src, dst) {
      for (let k = 0; k < src.length; k++) dst[k] = src[k]! * p.factor;
    },
  }),
});
