import { choice, defineDac, integer, kernels, params, quantity, real } from '@txsim/core';
import { codeStep, dacCodes, dacStreamPlanes } from './converter-kernels.js';

/**
 * A signed DAC. With `abs-max` scaling each input vector is first divided by its largest magnitude
 * (a digital pre-scale undone after the ADC), so small back-propagated errors still use every level.
 *
 * Bit streaming (`streamBits` k > 0): the sign-magnitude code is driven as ceil((bits − 1)/k) passes of k
 * magnitude bits each, least significant first, at digit/(2^k − 1) of the drive voltage; each pass is read
 * and converted separately and the ADC outputs are shift-added with weights 2^(k·s). Negative inputs are
 * sign-split by default: the positive and negative parts run as separate passes, every line driven at 0 or
 * a positive voltage (TxSim's 1-bit DACs drive 0–1 V; PUMA splits multi-bit streams the same way), and the
 * negative passes are subtracted. `signed` drives one pass per stream at ±V, half the reads, but needs
 * bipolar line drivers.
 */
export const dac = defineDac({
  meta: {
    name: 'dac',
    description: 'Input DAC with a bit width, a drive voltage, per-vector or fixed input scaling and optional bit streaming.',
    phases: ['forward', 'backward'],
    params: params({
      bits: integer({ description: 'Resolution including sign; 0 means unquantised.', default: 8, neutral: 0, min: 0, max: 24, unit: 'bits' }),
      vRead: quantity('V', { description: 'Drive voltage at full scale.', default: 0.2, min: 0, exclusiveMin: true }),
      scaling: choice(['abs-max', 'fixed'], { description: 'Full scale per input vector (abs-max) or the fixed `range`.', default: 'abs-max' }),
      range: real({ description: 'Digital value mapped to full scale when scaling is fixed; larger inputs clip.', default: 1, min: 0, exclusiveMin: true }),
      streamBits: integer({ description: 'Magnitude bits per input stream (TxSim: 1); 0 drives each input as one multi-bit voltage.', default: 0, neutral: 0, min: 0, max: 23, unit: 'bits' }),
      streamSign: choice(['split', 'signed'], { description: 'Streamed negative inputs: separate positive and negative passes (split) or ±V drives (signed).', default: 'split' }),
    }).refine((p) => !p.streamBits || (p.bits > 0 && p.bits <= 23), { message: 'bit streaming needs quantised inputs (bits 1 to 23)', path: ['streamBits'] }),
    references: [
      'Rasch et al., aihwkit IOParameters (inp_res, inp_bound, noise management abs_max).',
      'Roy et al., TxSim (arXiv 2002.11151): inputs bit-streamed through 1-bit DACs.',
      'Ankit et al., PUMA (ASPLOS 2019) and Chakraborty et al., GENIEx (DAC 2020): input streams shift-added after the ADC.',
    ],
  },
  create: (_ctx, p) => {
    const levels = p.bits === 0 ? 0 : Math.max(1, 2 ** (p.bits - 1) - 1);
    // Settles now, not in the first read, whether the kernel may multiply by vRead/levels (see codeStep).
    codeStep(levels, p.vRead);
    const convert = (src: Float32Array, dst: Float32Array, batch: number, lines: number, scales: Float32Array) =>
      dacCodes(src, dst, batch, lines, scales, p.scaling === 'abs-max', p.range, levels, p.vRead);
    // Rounds half away from zero so positive and negative inputs quantise symmetrically.
    if (!p.streamBits) return { convert };

    const magnitudeBits = Math.log2(levels + 1);
    const k = Math.min(p.streamBits, magnitudeBits);
    const streams = Math.ceil(magnitudeBits / k);
    const top = 2 ** k - 1;
    const split = p.streamSign === 'split';
    const passes = split ? 2 * streams : streams;
    // Pass (sign, s) carries digit d_s of |code|: its voltage d_s/top·vRead stands for ±d_s·2^(k·s)/levels of full scale.
    const passWeights = Array.from({ length: passes }, (_, q) => (q < streams ? 1 : -1) * top * 2 ** (k * (q % streams)) / levels);
    let quantised: Float32Array = new Float32Array(0);
    return {
      passes,
      passWeights,
      convert(src, dst, batch, lines, scales) {
        const n = batch * lines;
        if (quantised.length < n) quantised = kernels.float32(n);
        const v = quantised.subarray(0, n);
        convert(src, v, batch, lines, scales);
        dacStreamPlanes(v, dst, n, streams, k, split, levels, p.vRead);
      },
    };
  },
});
