import { defineAdc, integer, kernels, params, quantity, real } from '@txsim/core';
import { adcCodes, adcSaturatedRows, groupAbsMax } from './converter-kernels.js';

/**
 * A signed ADC per tile output group. Its full scale is either given, or calibrated per tile from
 * the largest |output| seen over the first `calibrationReads` reads (TxSim sets it from output
 * statistics), then frozen. Outputs beyond full scale clip.
 */
export const adc = defineAdc({
  meta: {
    name: 'adc',
    description: 'Output ADC per tile with a bit width and a given or calibrated full scale.',
    phases: ['forward', 'backward'],
    params: params({
      bits: integer({ description: 'Resolution including sign; 0 means unquantised.', default: 8, neutral: 0, min: 0, max: 24, unit: 'bits' }),
      fullScale: quantity('A', { description: 'Full-scale current; 0 calibrates it from observed outputs.', default: 0, min: 0 }),
      calibrationReads: integer({ description: 'Reads per tile observed before the calibrated full scale is frozen.', default: 10, min: 1 }),
      headroom: real({ description: 'Calibrated full scale = headroom × largest |output| observed.', default: 1, min: 0, exclusiveMin: true }),
    }),
    references: ['Roy et al., TxSim (arXiv 2002.11151) §III: ADC range from output statistics.'],
  },
  create: (_ctx, p) => {
    const levels = p.bits === 0 ? 0 : Math.max(1, 2 ** (p.bits - 1) - 1);
    // Per block (tile row forward, tile column backward) and group (tile within the block).
    const observed = new Map<number, { reads: number; max: Float64Array }>();
    let steps = new Float64Array(0);
    let seen: Float64Array = new Float64Array(0);
    return {
      exact: levels === 0,
      // Calibration reads every sensed column, padding included; once frozen (or with a given full scale)
      // a code depends only on its own column. A block's first read is whole, so its state covers every
      // group of the tile row as it always has (snapshots unchanged).
      seesPadding(block) {
        const cal = observed.get(block);
        return !cal || (!p.fullScale && cal.reads < p.calibrationReads);
      },
      snapshot: () => [...observed].map(([block, cal]) => ({ block, reads: cal.reads, max: Array.from(cal.max) })),
      restore(state) {
        observed.clear();
        for (const c of state as Array<{ block: number; reads: number; max: number[] }>) {
          observed.set(c.block, { reads: c.reads, max: Float64Array.from(c.max) });
        }
      },
      convert(src, dst, ctx) {
        if (!levels) {
          dst.set(src.subarray(0, dst.length));
          return;
        }
        const groups = Math.ceil(ctx.width / ctx.groupWidth);
        let cal = observed.get(ctx.block);
        if (!cal) observed.set(ctx.block, (cal = { reads: 0, max: new Float64Array(groups) }));
        if (!p.fullScale && cal.reads < p.calibrationReads) {
          // max |output| per group, then × headroom: rounding is monotonic, so this is the largest rounded
          // |output|·headroom exactly.
          if (seen.length !== groups) seen = kernels.float64(groups);
          seen.fill(0);
          groupAbsMax(src, seen, ctx.batch, ctx.width, ctx.groupWidth);
          for (let g = 0; g < groups; g++) {
            const v = seen[g]! * p.headroom;
            if (v > cal.max[g]!) cal.max[g] = v;
          }
          cal.reads++;
        }
        if (steps.length !== groups) steps = new Float64Array(groups);
        for (let g = 0; g < groups; g++) steps[g] = (p.fullScale || cal.max[g]!) / levels;
        // Codes round half away from zero and clip to the converter's ±levels. Each code depends on its own
        // output and group step only, so the columns the layer never sums (tile padding) are not converted;
        // the calibration above still sees them, as the hardware's converters would.
        adcCodes(src, dst, ctx.batch, ctx.width, ctx.groupWidth, steps, levels, ctx.summed ?? ctx.width);
      },
      saturated(converted, ctx, hit) {
        if (!levels) return;
        // A code at ±levels is at full scale (clipped or exactly there); codes are exact multiples of the step.
        // A group calibrated on all-zero outputs (full scale 0, e.g. tiles under an image's blank border)
        // converts everything to 0 whatever the drive: no re-read can help it, so it never reports.
        adcSaturatedRows(converted, hit, ctx.batch, ctx.width, ctx.groupWidth, steps, levels, ctx.summed ?? ctx.width);
      },
    };
  },
});
