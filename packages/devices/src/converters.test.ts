import { describe, expect, it } from 'vitest';
import { Matrix } from '@txsim/core';
import { pluginContext, randomMatrix, readContext } from '@txsim/core/testing';
import { adc } from './adc.js';
import { dac } from './dac.js';
import { senseAmp } from './sense-amp.js';
import { txsimUpdate } from './txsim-update.js';

describe('dac', () => {
  it('quantises each vector to 2^(bits−1)−1 levels per sign of its largest magnitude', () => {
    const d = dac.create(pluginContext(), dac.meta.params.parse({ bits: 3, vRead: '0.5 V' }));
    const src = Float32Array.from([0.9, -0.3, 0.2, 0, 4, -2, 1, 0]);
    const dst = new Float32Array(8);
    const scales = new Float32Array(2);
    d.convert(src, dst, 2, 4, scales);
    // 3 bits: levels ±{0, 1/3, 2/3, 1} of full scale 0.9 (row 0) and 4 (row 1), times 0.5 V.
    expect(Array.from(dst, (v) => +v.toFixed(4))).toEqual([0.5, -0.1667, 0.1667, 0, 0.5, -0.3333, 0.1667, 0]);
    expect(scales[0]).toBeCloseTo(1.8, 6);
    expect(scales[1]).toBeCloseTo(8, 6);
  });

  it('clips at a fixed range', () => {
    const d = dac.create(pluginContext(), dac.meta.params.parse({ bits: 0, scaling: 'fixed', range: 1, vRead: 1 }));
    const dst = new Float32Array(2);
    d.convert(Float32Array.from([3, -0.5]), dst, 1, 2, new Float32Array(1));
    expect(Array.from(dst)).toEqual([1, -0.5]);
  });

  it('error shrinks as bits grow', () => {
    const x = randomMatrix(16, 64, 'x');
    const err = [4, 6, 8, 10].map((bits) => {
      const d = dac.create(pluginContext(), dac.meta.params.parse({ bits }));
      const v = new Float32Array(x.data.length);
      const s = new Float32Array(16);
      d.convert(x.data, v, 16, 64, s);
      return Math.max(...x.data.map((xv, k) => Math.abs(xv - v[k]! * s[Math.floor(k / 64)]!)));
    });
    for (let i = 1; i < err.length; i++) expect(err[i]!).toBeLessThan(err[i - 1]! * 0.3);
  });
});

describe('adc', () => {
  const ctx = (m: Matrix) => ({ ...readContext('forward', m), width: m.cols, groupWidth: 4, block: 0 });

  it('calibrates full scale per tile group from observed outputs, then clips beyond it', () => {
    const a = adc.create(pluginContext(), adc.meta.params.parse({ bits: 4, calibrationReads: 1 }));
    const first = Matrix.from([[1, -0.5, 0.25, 0, 10, 5, -2, 1]]);
    const out = new Float32Array(8);
    a.convert(first.data, out, ctx(first));
    // Group 0 full scale 1 → step 1/7; group 1 full scale 10 → step 10/7; halves round away from zero.
    expect(Array.from(out, (v) => +v.toFixed(4))).toEqual([1, -0.5714, 0.2857, 0, 10, 5.7143, -1.4286, 1.4286]);
    const later = Matrix.from([[3, 0, 0, 0, 20, 0, 0, 0]]);
    a.convert(later.data, out, ctx(later));
    expect(out[0]).toBe(1);
    expect(out[4]).toBe(10);
  });

  it('converts only the summed columns when the read names them, still calibrating on every column', () => {
    const make = () => adc.create(pluginContext(), adc.meta.params.parse({ bits: 4, calibrationReads: 2 }));
    const [all, summed] = [make(), make()];
    // Columns 6 and 7 are padding (summed: 6), and they carry group 1's largest outputs while calibrating.
    const reads = [
      Matrix.from([[1, -0.5, 0.25, 0, 1, 2, -9, 0.5]]),
      Matrix.from([[0.3, 0.2, -0.1, 0.1, 1, 2, 3, 12]]),
      Matrix.from([[5, -3, 1, 2, 7, 8, -9, 0.5]]),
    ];
    const got = new Float32Array(8);
    for (const m of reads) {
      const want = new Float32Array(8);
      got.fill(-1);
      all.convert(m.data, want, { ...ctx(m), groupWidth: 4 });
      summed.convert(m.data, got, { ...ctx(m), groupWidth: 4, summed: 6 });
      expect(Array.from(got.subarray(0, 6))).toEqual(Array.from(want.subarray(0, 6)));
      expect(Array.from(got.subarray(6))).toEqual([-1, -1]);
    }
    // Group 1's step came from the padding: 12/7, so 8 reads as 5 steps (not clipped at a full scale of 2).
    expect(got[5]).toBeCloseTo(60 / 7, 5);
  });

  it('sees the tile padding until each block has been read and calibrated, then only its summed columns', () => {
    const calibrating = adc.create(pluginContext(), adc.meta.params.parse({ bits: 4, calibrationReads: 2 }));
    const fixed = adc.create(pluginContext(), adc.meta.params.parse({ bits: 4, fullScale: '1 uA' }));
    const m = Matrix.from([[1, -0.5, 0.25, 0, 1, 2, -9, 0.5]]);
    const out = new Float32Array(8);
    const seen = (a: typeof fixed) => [0, 1].map((b) => a.seesPadding!(b));
    expect(seen(calibrating)).toEqual([true, true]);
    expect(seen(fixed)).toEqual([true, true]);
    for (let read = 1; read <= 2; read++) {
      calibrating.convert(m.data, out, { ...ctx(m), block: 0 });
      fixed.convert(m.data, out, { ...ctx(m), block: 0 });
      // Block 0 calibrates for two reads; a given full scale needs only the first read (its state's shape).
      expect(seen(calibrating)).toEqual([read < 2, true]);
      expect(seen(fixed)).toEqual([false, true]);
    }
  });

  it('uses a given full scale', () => {
    const a = adc.create(pluginContext(), adc.meta.params.parse({ bits: 2, fullScale: '1 uA' }));
    const m = Matrix.from([[2e-6, 0.4e-6, -0.6e-6, 0]]);
    const out = new Float32Array(4);
    a.convert(m.data, out, { ...ctx(m), groupWidth: 4 });
    expect(Array.from(out, (v) => +(v * 1e6).toFixed(6))).toEqual([1, 0, -1, 0]);
  });
});

describe('sense-amp and txsim-update', () => {
  it('applies gain and offset, and adds noise of the given rms', () => {
    const s = senseAmp.create(pluginContext(), senseAmp.meta.params.parse({ gain: 2, offset: '1 uA' }));
    const out = new Float32Array(2);
    s.amplify(Float32Array.from([1e-6, -3e-6]), out, readContext('forward', new Matrix(1, 2)));
    expect(Array.from(out, (v) => +(v * 1e6).toFixed(5))).toEqual([4, -4]);
    const n = senseAmp.create(pluginContext(), senseAmp.meta.params.parse({ noise: '2 nA' }));
    const big = new Float32Array(100_000);
    n.amplify(new Float32Array(big.length), big, readContext('forward', new Matrix(1, 2)));
    const rms = Math.sqrt(big.reduce((a, v) => a + v * v, 0) / big.length);
    expect(rms / 2e-9).toBeCloseTo(1, 1);
  });

  it('turns a gradient into ΔG = −η·s·∇W', () => {
    const u = txsimUpdate.create(pluginContext(), txsimUpdate.meta.params.parse({ gain: 2 }));
    const out = new Float64Array(2);
    const geometry = { rows: 1, cols: 2, tileRows: 1, tileCols: 2, gridRows: 1, gridCols: 1, paddedRows: 1, paddedCols: 2 };
    const inputs = { grad: Float32Array.from([1, -0.5]), x: new Matrix(1, 1), d: new Matrix(1, 2), learningRate: 0.1, siemensPerWeight: 1e-6, pulseStep: 1e-8, coincidenceStep: 2e-8, geometry };
    expect(u.update(inputs, { want: out, up: new Float32Array(2), down: new Float32Array(2) })).toBe('analog');
    expect(out[0]).toBeCloseTo(-2e-7, 20);
    expect(out[1]).toBeCloseTo(1e-7, 20);
  });
});
