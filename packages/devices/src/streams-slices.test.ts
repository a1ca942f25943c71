import { describe, expect, it } from 'vitest';
import { defineNonideality, Matrix, params, ReferenceBackend, tileGeometry, TiledCrossbar, type CrossbarComponents, type StackEntry } from '@txsim/core';
import { pluginContext, randomMatrix } from '@txsim/core/testing';
import { adc } from './adc.js';
import { dac } from './dac.js';
import { levels } from './levels.js';
import { senseAmp } from './sense-amp.js';
import { txsimUpdate } from './txsim-update.js';

// Bit-streamed inputs and per-slice converters through a real tile, against references written out plainly.

const geometry = tileGeometry(40, 24, 16, 8); // 3×3 grid, rows padded
const backend = new ReferenceBackend();
const VREAD = 0.2;

type Opt = Record<string, unknown>;

/** An identity hook on the outputs and the conductances: it keeps the pipeline from merging reads. */
const passThrough = defineNonideality({
  meta: { name: 'pass-through', description: 'Identity output and conductance hooks.', phases: ['forward', 'backward'], params: params({}) },
  create: () => ({ output: (src, dst) => dst.set(src), conductance: (src, dst) => dst.set(src) }),
});
const hook: StackEntry = { name: 'pass-through', hooks: passThrough.create(pluginContext(), {}), phases: new Set(['forward', 'backward']) };

function crossbar(o: { dac?: Opt; adc?: Opt; device?: Opt; hooked?: boolean }, w: Matrix): TiledCrossbar {
  const ctx = pluginContext('streams', geometry, backend);
  const read = () => ({
    dac: dac.create(ctx, dac.meta.params.parse({ vRead: VREAD, ...o.dac })),
    senseAmp: senseAmp.create(ctx, senseAmp.meta.params.parse({})),
    adc: adc.create(ctx, adc.meta.params.parse({ bits: 0, ...o.adc })),
  });
  const components: CrossbarComponents = {
    device: levels.create(ctx, levels.meta.params.parse({ bits: 2, ...o.device })),
    updateRule: txsimUpdate.create(ctx, txsimUpdate.meta.params.parse({})),
    read: { forward: read(), backward: read() },
    stack: o.hooked ? [hook] : [],
    wMax: 1,
    scheme: 'mid-range',
  };
  return new TiledCrossbar('fc', geometry, components, backend, w);
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, k) => Math.abs(v - b[k]!)));
const peak = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));
const roundAway = (r: number) => Math.sign(r) * Math.round(Math.abs(r));

/** Sign-magnitude DAC codes of a row, abs-max scaled to 2^(bits−1) − 1 levels. */
function codes(row: number[], bits: number): { q: number[]; scale: number } {
  const full = Math.max(...row.map(Math.abs));
  const top = 2 ** (bits - 1) - 1;
  return { q: row.map((v) => roundAway((v / full) * top)), scale: full / top };
}

/** The level read of a stored state (levels^slices even steps), as a level index. */
function levelIndex(g: number, gmin: number, gmax: number, steps: number): number {
  return Math.min(steps, Math.max(0, Math.floor(((g - gmin) / (gmax - gmin)) * steps + 0.5)));
}

/**
 * Forward read of xb computed cell by cell: inputs as 1-bit sign-split streams (or one unquantised drive),
 * the stored level split into base-2^bits slice digits, one column current per (stream, slice, tile block),
 * each through a signed ADC of full scale `full` (per tile-column group, calibrated if `full` is 0 from that
 * read's own stream outputs), then shift-added.
 */
function referenceForward(xb: TiledCrossbar, x: Matrix, o: { inBits: number; cellBits: number; slices: number; adcBits: number; full: number; headroom?: number }): Float64Array {
  const { rows, cols, tileRows, tileCols, paddedCols: C } = geometry;
  const { gmin, gmax } = xb.components.device;
  const B = 2 ** o.cellBits;
  const steps = B ** o.slices - 1;
  const plus = xb.conductances('plus');
  const minus = xb.conductances('minus');
  // Slice digit s (most significant first) of a cell's level, as that slice cell's conductance.
  const cell = (g: number, s: number) => gmin + ((Math.floor(levelIndex(g, gmin, gmax, steps) / B ** (o.slices - 1 - s)) % B) * (gmax - gmin)) / (B - 1);
  const sliceWeight = (s: number) => (B ** (o.slices - 1 - s) * (B - 1)) / steps;
  const streams = o.inBits ? o.inBits - 1 : 1;
  const top = 2 ** (o.adcBits - 1) - 1;
  const out = new Float64Array(x.rows * cols);
  for (let start = 0; start < rows; start += tileRows) {
    // currents[sign][stream][slice][b][j] for this tile row
    const currents: number[][][][][] = [];
    const drive: number[][][][] = []; // [sign][stream][b][i]
    const scales: number[] = [];
    for (let b = 0; b < x.rows; b++) {
      const row = Array.from({ length: tileRows }, (_, i) => (start + i < rows ? x.get(b, start + i) : 0));
      // The DAC scales each block's slice of an input vector by its own largest magnitude.
      const full = peak(row);
      const code = o.inBits ? codes(row, o.inBits).q : row;
      scales.push(o.inBits ? codes(row, o.inBits).scale / VREAD : full / VREAD);
      for (let sign = 0; sign < 2; sign++) {
        for (let t = 0; t < streams; t++) {
          ((drive[sign] ??= [])[t] ??= [])[b] = code.map((c) => {
            if (!o.inBits) return sign ? 0 : (c / full) * VREAD;
            // Sign-split 1-bit streams: bit t of |code| on its own sign's pass.
            if ((sign === 0) !== (c > 0) || c === 0) return 0;
            return ((Math.abs(c) >> t) & 1) * VREAD;
          });
        }
      }
    }
    for (let sign = 0; sign < 2; sign++) {
      for (let t = 0; t < streams; t++) {
        for (let s = 0; s < o.slices; s++) {
          const I = Array.from({ length: x.rows }, (_, b) => Array.from({ length: cols }, (_, j) => {
            let sum = 0;
            for (let i = 0; i < tileRows; i++) sum += drive[sign]![t]![b]![i]! * (cell(plus[(start + i) * C + j]!, s) - cell(minus[(start + i) * C + j]!, s));
            return sum;
          }));
          (((currents[sign] ??= [])[t] ??= [])[s] = I);
        }
      }
    }
    for (let s = 0; s < o.slices; s++) {
      for (let g = 0; g < cols / tileCols; g++) {
        let full = o.full;
        if (!full) for (const bySign of currents) for (const bySlice of bySign) for (const I of bySlice[s]!.map((r) => r.slice(g * tileCols, (g + 1) * tileCols))) full = Math.max(full, peak(I.flat()));
        const step = (o.full ? 1 : o.headroom ?? 1) * full / top;
        for (let sign = 0; sign < 2; sign++) {
          for (let t = 0; t < streams; t++) {
            for (let b = 0; b < x.rows; b++) {
              for (let j = g * tileCols; j < (g + 1) * tileCols; j++) {
                const I = currents[sign]![t]![s]![b]![j]!;
                const converted = o.adcBits ? Math.max(-top, Math.min(top, roundAway(I / step))) * step : I;
                const passWeight = o.inBits ? (sign ? -1 : 1) * 2 ** t : 1;
                out[b * cols + j]! += converted * passWeight * sliceWeight(s) * scales[b]! / xb.siemensPerWeight;
              }
            }
          }
        }
      }
    }
  }
  return out;
}

describe('bit-streamed DAC', () => {
  it('splits each sign-magnitude code into 1-bit passes per sign that shift-add back to the code', () => {
    const d = dac.create(pluginContext(), dac.meta.params.parse({ bits: 8, vRead: VREAD, streamBits: 1 }));
    expect(d.passes).toBe(14);
    const x = randomMatrix(3, 16, 'x');
    const v = new Float32Array(14 * 3 * 16);
    const scales = new Float32Array(3);
    d.convert(x.data, v, 3, 16, scales);
    for (let b = 0; b < 3; b++) {
      const { q, scale } = codes(Array.from(x.data.subarray(b * 16, (b + 1) * 16)), 8);
      expect(scales[b]! * VREAD).toBeCloseTo(scale * 127, 6);
      for (let i = 0; i < 16; i++) {
        for (let p = 0; p < 14; p++) {
          const t = p % 7;
          const expected = (p < 7) === (q[i]! > 0) && q[i] !== 0 ? ((Math.abs(q[i]!) >> t) & 1) * VREAD : 0;
          expect(v[p * 48 + b * 16 + i]).toBeCloseTo(expected, 7);
        }
        // Σ weight·voltage is the multi-bit drive q/127·vRead.
        const sum = d.passWeights!.reduce((a, w, p) => a + w * v[p * 48 + b * 16 + i]!, 0);
        expect(sum).toBeCloseTo((q[i]! / 127) * VREAD, 6);
      }
    }
  });

  it('drives k-bit streams at digit/(2^k − 1) of vRead, signed when asked, with weights 2^(k·s)', () => {
    const d = dac.create(pluginContext(), dac.meta.params.parse({ bits: 8, vRead: VREAD, streamBits: 3, streamSign: 'signed' }));
    expect(d.passes).toBe(3); // 7 magnitude bits in streams of 3, 3 and 1 bits
    expect(d.passWeights!.map((w) => w * 127)).toEqual([7, 56, 448]);
    const src = Float32Array.from([1, -100 / 127, 0, 5 / 127]);
    const v = new Float32Array(12);
    d.convert(src, v, 1, 4, new Float32Array(1));
    // 127 = 0b1_111_111, 100 = 0b1_100_100, 5 = 0b101.
    const digits = [[7, 4, 0, 5], [7, 4, 0, 0], [1, 1, 0, 0]];
    const signs = [1, -1, 1, 1];
    digits.forEach((row, s) => row.forEach((digit, i) => expect(v[s * 4 + i]).toBeCloseTo((signs[i]! * digit * VREAD) / 7, 7)));
  });

  it('refuses to stream unquantised inputs', () => {
    expect(dac.meta.params.safeParse({ bits: 0, streamBits: 1 }).success).toBe(false);
  });
});

describe('levels device sensed per slice', () => {
  it('writes each level as base-2^bits digits, most significant slice first, weighted back to the combined read', () => {
    const d = levels.create(pluginContext(), levels.meta.params.parse({ bits: 2, slices: 2, sliceAdc: true }));
    const s = d.slices!;
    expect(s.weights).toEqual([12 / 15, 3 / 15]);
    // Level 9 of 15 = digits 2, 1 (9 = 2·4 + 1): cells at 2/3 and 1/3 of the range.
    const g = new Float64Array([d.gmin + (9 / 15) * (d.gmax - d.gmin)]);
    const hi = new Float64Array(1);
    const lo = new Float64Array(1);
    s.read(g, [hi, lo], { polarity: 'plus' });
    expect((hi[0]! - d.gmin) / (d.gmax - d.gmin)).toBeCloseTo(2 / 3, 12);
    expect((lo[0]! - d.gmin) / (d.gmax - d.gmin)).toBeCloseTo(1 / 3, 12);
    const combined = new Float64Array(1);
    d.read!(g, combined, { polarity: 'plus' });
    expect(s.weights[0]! * hi[0]! + s.weights[1]! * lo[0]!).toBeCloseTo(combined[0]!, 18);
    expect(levels.create(pluginContext(), levels.meta.params.parse({ slices: 2 })).slices).toBeUndefined();
  });
});

describe('tile reads with input streams and weight slices', () => {
  const w = randomMatrix(40, 24, 'w', -0.9, 0.9);
  const x = randomMatrix(5, 40, 'x');
  const d = randomMatrix(5, 24, 'd');

  it('with lossless converters equals the single multi-bit read, merged or read stream by stream and slice by slice', () => {
    const single = crossbar({ dac: { bits: 8 }, device: { slices: 2 } }, w);
    for (const hooked of [false, true]) {
      const split = crossbar({ dac: { bits: 8, streamBits: 1 }, device: { slices: 2, sliceAdc: true }, hooked }, w);
      const fwd = single.forward(x);
      const bwd = single.backward(d);
      expect(maxDiff(split.forward(x).data, fwd.data)).toBeLessThan(1e-5 * peak(fwd.data));
      expect(maxDiff(split.backward(d).data, bwd.data)).toBeLessThan(1e-5 * peak(bwd.data));
    }
  });

  it('with a finite ADC converts every 1-bit stream separately, as the cell-by-cell reference does', () => {
    // Currents are multiples of vRead·(level step); this full scale puts none of them on a rounding tie.
    const adcOpt = { bits: 6, fullScale: '6.1 uA' };
    const streamed = crossbar({ dac: { bits: 8, streamBits: 1 }, adc: adcOpt }, w);
    const got = streamed.forward(x);
    const ref = referenceForward(streamed, x, { inBits: 8, cellBits: 2, slices: 1, adcBits: 6, full: 6.1e-6 });
    expect(maxDiff(got.data, ref)).toBeLessThan(1e-5 * peak(ref));
    const single = crossbar({ dac: { bits: 8 }, adc: adcOpt }, w).forward(x);
    expect(maxDiff(got.data, single.data)).toBeGreaterThan(1e-2 * peak(ref));
  });

  it('calibrates the ADC on the stream outputs of its first read', () => {
    // An odd headroom keeps every current off a rounding tie of the calibrated step.
    const streamed = crossbar({ dac: { bits: 8, streamBits: 1 }, adc: { bits: 5, calibrationReads: 1, headroom: 1.0137 } }, w);
    const got = streamed.forward(x);
    const ref = referenceForward(streamed, x, { inBits: 8, cellBits: 2, slices: 1, adcBits: 5, full: 0, headroom: 1.0137 });
    expect(maxDiff(got.data, ref)).toBeLessThan(1e-5 * peak(ref));
  });

  it('with a finite ADC converts every slice separately and shift-adds them, as the reference does', () => {
    const adcOpt = { bits: 5, fullScale: '6 uA' };
    const sliced = crossbar({ dac: { bits: 0 }, adc: adcOpt, device: { bits: 2, slices: 2, sliceAdc: true } }, w);
    const got = sliced.forward(x);
    const ref = referenceForward(sliced, x, { inBits: 0, cellBits: 2, slices: 2, adcBits: 5, full: 6e-6 });
    expect(maxDiff(got.data, ref)).toBeLessThan(1e-5 * peak(ref));
    const combined = crossbar({ dac: { bits: 0 }, adc: adcOpt, device: { bits: 2, slices: 2 } }, w).forward(x);
    expect(maxDiff(got.data, combined.data)).toBeGreaterThan(1e-2 * peak(ref));
  });

  it('counts 14 passes and 2 slices as reads and conversions', () => {
    const xb = crossbar({ dac: { bits: 8, streamBits: 1 }, adc: { bits: 6 }, device: { slices: 2, sliceAdc: true } }, w);
    xb.forward(x);
    const { gridRows, gridCols, tileRows, paddedCols } = geometry;
    const vectors = 5 * 14 * 2;
    expect(xb.activity.forward.tileReads).toBe(vectors * gridRows * gridCols);
    expect(xb.activity.forward.dacConversions).toBe(vectors * gridRows * gridCols * tileRows);
    expect(xb.activity.forward.adcConversions).toBe(vectors * gridRows * paddedCols);
  });
});
