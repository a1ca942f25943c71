import { describe, expect, it } from 'vitest';
import { pluginContext } from '@txsim/core/testing';
import { adc } from './adc.js';
import { thresholdDac } from './threshold-dac.js';

describe('threshold-dac', () => {
  it('drives vRead where x ≥ threshold and 0 V elsewhere, a driven line standing for an input of 1', () => {
    const d = thresholdDac.create(pluginContext(), thresholdDac.meta.params.parse({ threshold: 0.5, vRead: '0.25 V' }));
    const src = Float32Array.from([0.2, 0.5, 0.9, -3, 0.49999, 7]);
    const dst = new Float32Array(6);
    const scales = new Float32Array(2);
    d.convert(src, dst, 2, 3, scales);
    expect(Array.from(dst)).toEqual([0, 0.25, 0.25, 0, 0, 0.25]);
    // Digital value = voltage × scale: exactly the binary input.
    expect(Array.from(dst, (v, i) => v * scales[Math.floor(i / 3)]!)).toEqual([0, 1, 1, 0, 0, 1]);
  });

  it('drives x·vRead when binarize is off', () => {
    const d = thresholdDac.create(pluginContext(), thresholdDac.meta.params.parse({ binarize: false, vRead: 0.5 }));
    const dst = new Float32Array(3);
    const scales = new Float32Array(1);
    d.convert(Float32Array.from([0.2, -0.4, 1]), dst, 1, 3, scales);
    [0.1, -0.2, 0.5].forEach((v, i) => expect(dst[i]).toBeCloseTo(v, 7));
    expect(scales[0]).toBe(2);
  });

  it('rejects a threshold at or below 0 (the padding lines would be driven)', () => {
    expect(thresholdDac.meta.params.safeParse({ threshold: 0 }).success).toBe(false);
  });
});

describe('adc saturation report', () => {
  it('flags the rows with an output at full scale, looking only at the summed columns', () => {
    const a = adc.create(pluginContext(), adc.meta.params.parse({ bits: 4, fullScale: 1 }));
    // 3 rows × 4 columns in groups of 2; column 3 is padding (summed 3).
    const src = Float32Array.from([0.5, -0.9, 0.2, 5, 1.2, 0, 0, 0, 0, 0, -4, 0]);
    const dst = new Float32Array(12);
    const ctx = { direction: 'forward' as const, block: 0, batch: 3, width: 4, groupWidth: 2, summed: 3, voltages: undefined as never, squaredConductance: () => undefined as never };
    a.convert(src, dst, ctx);
    const hit = new Uint8Array(3);
    a.saturated!(dst, ctx, hit);
    // Row 0: 0.5 and −0.9 are inside ±1 (7 levels of 1/7: −0.857), the 5 is padding; row 1 clips 1.2; row 2 clips −4.
    expect(Array.from(hit)).toEqual([0, 1, 1]);
  });

  it('never flags a group whose calibrated full scale is 0 (it saw only zeros)', () => {
    const a = adc.create(pluginContext(), adc.meta.params.parse({ bits: 4, calibrationReads: 1 }));
    const ctx = { direction: 'forward' as const, block: 0, batch: 2, width: 4, groupWidth: 2, voltages: undefined as never, squaredConductance: () => undefined as never };
    const dst = new Float32Array(8);
    // Group 0 only ever sees zeros; group 1 calibrates to 0.8 and row 1 reaches it.
    a.convert(Float32Array.from([0, 0, 0.2, 0.1, 0, 0, 0.8, 0]), dst, ctx);
    const hit = new Uint8Array(2);
    a.saturated!(dst, ctx, hit);
    expect(Array.from(hit)).toEqual([0, 1]);
  });
});
