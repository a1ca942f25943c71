import { describe, expect, it } from 'vitest';
import { Matrix } from '../matrix/matrix.js';
import { ReferenceBackend } from '../matrix/reference-backend.js';
import { defineAdc, defineDac, defineDevice, defineSenseAmp } from '../plugin/define.js';
import { params } from '../plugin/params.js';
import type { ReadDirection } from '../plugin/types.js';
import { Rng } from '../random/rng.js';
import { pluginContext } from '../testing/fixtures.js';
import type { CrossbarComponents } from './components.js';
import { emptyActivity, type ActivityCounts } from './counters.js';
import { EffectiveCache } from './effective.js';
import { tileGeometry } from './geometry.js';
import { readLayer } from './read-pipeline.js';
import { Scratch } from './scratch.js';
import { testUpdate } from './test-components.js';

// Plain test plugins (core cannot use the devices package): integer inputs in [−7, 7] streamed as three
// 1-bit passes per sign, a 2-slice device of base-4 digits, and an ADC with a fixed step and no clipping.
const BITS = 3;
const PASS_WEIGHTS = [1, 2, 4, -1, -2, -4];
const SLICE_WEIGHTS = [12 / 15, 3 / 15];
const STEP = 0.5;

/** Voltage of pass p for integer input x: the (p mod 3)-th bit of |x|, on its sign's passes only. */
const bit = (x: number, p: number) => ((p < BITS) === (x > 0) && x !== 0 ? (Math.abs(x) >> (p % BITS)) & 1 : 0);

const streamDac = defineDac({
  meta: { name: 'stream-dac', description: 'Sign-split 1-bit streams of 3-bit integers.', phases: ['forward', 'backward'], params: params({}) },
  create: () => ({
    passes: PASS_WEIGHTS.length,
    passWeights: PASS_WEIGHTS,
    convert(src, dst, batch, lines, scales) {
      const n = batch * lines;
      for (let p = 0; p < PASS_WEIGHTS.length; p++) for (let k = 0; k < n; k++) dst[p * n + k] = bit(src[k]!, p);
      scales.fill(1);
    },
  }),
});

/** Level ℓ = round(15·g) of a [0, 1] S state, as base-4 digits over two slices each at digit/3 S. */
const digits = (g: number) => {
  const level = Math.round(g * 15);
  return [Math.floor(level / 4) / 3, (level % 4) / 3];
};
const slicedDevice = defineDevice({
  meta: { name: 'sliced-device', description: 'Two base-4 slices on [0, 1] S.', phases: ['forward', 'backward'], params: params({}) },
  create: () => ({
    gmin: 0,
    gmax: 1,
    read(src, dst) {
      for (let k = 0; k < src.length; k++) dst[k] = Math.round(src[k]! * 15) / 15;
    },
    slices: {
      count: 2,
      weights: SLICE_WEIGHTS,
      read(src, dst) {
        for (let k = 0; k < src.length; k++) [dst[0]![k], dst[1]![k]] = digits(src[k]!);
      },
    },
  }),
});
const identityAmp = defineSenseAmp({
  meta: { name: 'identity-amp', description: 'Exact sense amplifier.', phases: ['forward', 'backward'], params: params({}) },
  create: () => ({ exact: true, amplify: (src, dst) => dst.set(src) }),
});
const makeAdc = (step: number) => defineAdc({
  meta: { name: 'step-adc', description: 'Rounds to a fixed step (0: exact).', phases: ['forward', 'backward'], params: params({}) },
  create: () => ({
    exact: step === 0,
    convert(src, dst) {
      for (let k = 0; k < dst.length; k++) dst[k] = step ? Math.round(src[k]! / step) * step : src[k]!;
    },
  }),
});

const backend = new ReferenceBackend();
const geometry = tileGeometry(20, 13, 8, 5); // 3×3 grid, both dimensions padded
const n = geometry.paddedRows * geometry.paddedCols;
const rng = new Rng('read-pipeline');
const state = {
  plus: Float64Array.from({ length: n }, () => Math.floor(rng.next() * 16) / 15),
  minus: Float64Array.from({ length: n }, () => Math.floor(rng.next() * 16) / 15),
};
const integers = (rows: number, cols: number) => {
  const m = new Matrix(rows, cols);
  for (let k = 0; k < m.data.length; k++) m.data[k] = Math.floor(rng.next() * 15) - 7;
  return m;
};

function setup(step: number) {
  const ctx = pluginContext();
  const adc = makeAdc(step);
  // The line counts the DAC was asked to convert, per call.
  const driven: number[] = [];
  const dac = () => {
    const inner = streamDac.create(ctx, {});
    return { ...inner, convert: (...args: Parameters<typeof inner.convert>) => (driven.push(args[3]), inner.convert(...args)) };
  };
  const read = () => ({ dac: dac(), senseAmp: identityAmp.create(ctx, {}), adc: adc.create(ctx, {}) });
  const components: CrossbarComponents = {
    device: slicedDevice.create(ctx, {}), updateRule: testUpdate.create(ctx, {}), read: { forward: read(), backward: read() }, stack: [], wMax: 1, scheme: 'mid-range',
  };
  const cache = new EffectiveCache(geometry, components, () => state);
  const activity = emptyActivity();
  const scratch = new Scratch();
  const run = (direction: ReadDirection, input: Matrix, stacked = true, narrow = true, out?: Matrix) =>
    readLayer(direction, input, geometry, components, cache.get(direction), backend, scratch, activity[direction], 1, { stacked, narrow, ...(out ? { out } : {}) });
  return { run, cache, activity, driven };
}

/** Loops over tile blocks, passes and slices in double precision, quantising each converted output. */
function reference(direction: ReadDirection, input: Matrix, step: number): number[] {
  const forward = direction === 'forward';
  const { paddedCols: C, tileRows, tileCols } = geometry;
  const lines = forward ? tileRows : tileCols;
  const outWidth = forward ? geometry.cols : geometry.rows;
  const out: number[] = [];
  for (let b = 0; b < input.rows; b++) {
    for (let o = 0; o < outWidth; o++) {
      let total = 0;
      for (let start = 0; start < input.cols; start += lines) {
        for (let p = 0; p < PASS_WEIGHTS.length; p++) {
          for (let s = 0; s < 2; s++) {
            let current = 0;
            for (let i = start; i < Math.min(start + lines, input.cols); i++) {
              const cell = forward ? i * C + o : o * C + i;
              current += bit(input.get(b, i), p) * (digits(state.plus[cell]!)[s]! - digits(state.minus[cell]!)[s]!);
            }
            const converted = step ? Math.round(current / step) * step : current;
            total += PASS_WEIGHTS[p]! * SLICE_WEIGHTS[s]! * converted;
          }
        }
      }
      out.push(total);
    }
  }
  return out;
}

/** The ideal product x·W (or δ·Wᵀ) of the combined read conductance. */
function ideal(direction: ReadDirection, input: Matrix): number[] {
  const forward = direction === 'forward';
  const C = geometry.paddedCols;
  const read = (g: number) => Math.round(g * 15) / 15;
  const outWidth = forward ? geometry.cols : geometry.rows;
  const out: number[] = [];
  for (let b = 0; b < input.rows; b++) {
    for (let o = 0; o < outWidth; o++) {
      let sum = 0;
      for (let i = 0; i < input.cols; i++) {
        const cell = forward ? i * C + o : o * C + i;
        sum += input.get(b, i) * (read(state.plus[cell]!) - read(state.minus[cell]!));
      }
      out.push(sum);
    }
  }
  return out;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, k) => Math.abs(v - b[k]!)));

describe('read pipeline: input streams and weight slices', () => {
  const x = integers(6, 20);
  const d = integers(6, 13);

  it('converts every pass of every slice and shift-adds them, as a per-stream, per-slice loop in the test does', () => {
    const { run } = setup(STEP);
    for (const [direction, input] of [['forward', x], ['backward', d]] as const) {
      const got = run(direction, input);
      expect(maxDiff(got.data, reference(direction, input, STEP))).toBeLessThan(1e-5);
      // The finite ADC makes a difference: the converted slices and streams are not the ideal product.
      expect(maxDiff(got.data, ideal(direction, input))).toBeGreaterThan(0.05);
    }
  });

  it('gives the same result stacked in one GEMM as read pass by pass', () => {
    for (const direction of ['forward', 'backward'] as const) {
      const input = direction === 'forward' ? x : d;
      const stacked = setup(STEP).run(direction, input);
      const looped = setup(STEP).run(direction, input, false);
      expect(Array.from(stacked.data)).toEqual(Array.from(looped.data));
    }
  });

  it('writes into a given output (every element, reused across reads) what a fresh output gets', () => {
    for (const stacked of [true, false]) {
      for (const direction of ['forward', 'backward'] as const) {
        const input = direction === 'forward' ? x : d;
        const other = direction === 'forward' ? integers(6, 20) : integers(6, 13);
        const fresh = setup(STEP);
        const want = [fresh.run(direction, input, stacked), fresh.run(direction, other, stacked)].map((m) => Array.from(m.data));
        const reused = setup(STEP);
        const out = new Matrix(6, direction === 'forward' ? 13 : 20, new Float32Array(6 * (direction === 'forward' ? 13 : 20)).fill(Number.NaN));
        expect(reused.run(direction, input, stacked, true, out)).toBe(out);
        expect(Array.from(out.data)).toEqual(want[0]);
        reused.run(direction, other, stacked, true, out);
        expect(Array.from(out.data)).toEqual(want[1]);
      }
    }
    expect(() => setup(STEP).run('forward', x, true, true, new Matrix(6, 12))).toThrow(/output matrix is 6×12, expected 6×13/);
  });

  it('drives only the used lines of a padded block, with the same result as driving every line', () => {
    for (const step of [STEP, 0]) {
      for (const direction of ['forward', 'backward'] as const) {
        const input = direction === 'forward' ? x : d;
        const narrowed = setup(step);
        const full = setup(step);
        const got = narrowed.run(direction, input);
        const want = full.run(direction, input, true, false);
        expect(Array.from(got.data)).toEqual(Array.from(want.data));
        // Forward: 20 rows on 8-line tiles, the last block uses 4; backward: 13 columns on 5-line tiles, the last uses 3.
        expect(narrowed.driven).toEqual(direction === 'forward' ? [8, 8, 4] : [5, 5, 3]);
        expect(full.driven).toEqual(direction === 'forward' ? [8, 8, 8] : [5, 5, 5]);
        // The hardware still drives and converts every line: the counts do not change.
        expect(narrowed.activity[direction]).toEqual(full.activity[direction]);
      }
    }
  });

  it('with exact converters merges the passes and slices into one read equal to the ideal product', () => {
    const { run, cache } = setup(0);
    expect(cache.get('forward').sliceWeights).toBeUndefined();
    expect(cache.get('forward').diff.cols).toBe(geometry.paddedCols);
    for (const [direction, input] of [['forward', x], ['backward', d]] as const) {
      const got = run(direction, input);
      expect(maxDiff(got.data, ideal(direction, input))).toBeLessThan(1e-5);
      expect(maxDiff(got.data, reference(direction, input, 0))).toBeLessThan(1e-5);
    }
    const sliced = setup(STEP).cache.get('backward');
    expect(sliced.sliceWeights).toEqual(SLICE_WEIGHTS);
    expect(sliced.diff.cols).toBe(2 * geometry.paddedRows);
  });

  it('counts every pass and slice as its own array read and conversion, merged or not', () => {
    for (const step of [STEP, 0]) {
      const { run, activity } = setup(step);
      run('forward', x);
      const { gridRows, gridCols, tileRows, paddedRows, paddedCols } = geometry;
      const vectors = 6 * PASS_WEIGHTS.length * 2; // batch × passes × slices
      const expected: ActivityCounts = {
        tileReads: vectors * gridRows * gridCols,
        dacConversions: vectors * gridRows * gridCols * tileRows,
        adcConversions: vectors * gridRows * paddedCols,
        cellReads: 2 * vectors * paddedRows * paddedCols,
        updatePulses: 0,
      };
      expect(activity.forward).toEqual(expected);
    }
  });
});

describe('read pipeline: sensing only the summed columns of a padded tile grid', () => {
  // 20 inputs × 6 outputs on 8 × 16 tiles: forward senses 16 columns for 6 outputs, backward 24 for 20.
  const geo = tileGeometry(20, 6, 8, 16);
  const cells = geo.paddedRows * geo.paddedCols;
  const r = new Rng('narrow-outputs');
  // Padding cells hold conductances too (as device variation leaves them), so the padding outputs are not zero.
  const pair = {
    plus: Float64Array.from({ length: cells }, () => 0.2 + 0.8 * r.next()),
    minus: Float64Array.from({ length: cells }, () => 0.2 + 0.8 * r.next()),
  };
  const plainDac = defineDac({
    meta: { name: 'plain-dac', description: 'Drives the inputs as they are.', phases: ['forward', 'backward'], params: params({}) },
    create: () => ({ convert: (src, dst, batch, lines, scales) => (dst.set(src.subarray(0, batch * lines)), scales.fill(1)) }),
  });
  const plainDevice = defineDevice({
    meta: { name: 'plain-device', description: 'Reads its state.', phases: ['forward', 'backward'], params: params({}) },
    create: () => ({ gmin: 0, gmax: 1, read: (src, dst) => dst.set(src) }),
  });
  // Rounds to a step calibrated, per group, from the largest |output| of the first two reads of a block:
  // padding columns included, so a read that skipped them while calibrating would round differently.
  const calibratingAdc = defineAdc({
    meta: { name: 'calibrating-adc', description: 'Step from the first two reads.', phases: ['forward', 'backward'], params: params({}) },
    create: () => {
      const seen = new Map<number, { reads: number; max: number[] }>();
      return {
        seesPadding: (block) => (seen.get(block)?.reads ?? 0) < 2,
        convert(src, dst, ctx) {
          let cal = seen.get(ctx.block);
          if (!cal) seen.set(ctx.block, (cal = { reads: 0, max: [] }));
          const groups = Math.ceil(ctx.width / ctx.groupWidth);
          if (cal.reads < 2) {
            for (let k = 0; k < ctx.batch * ctx.width; k++) {
              const g = Math.floor((k % ctx.width) / ctx.groupWidth);
              cal.max[g] = Math.max(cal.max[g] ?? 0, Math.abs(src[k]!));
            }
            cal.reads++;
          }
          for (let k = 0; k < ctx.batch * ctx.width; k++) {
            const step = (cal.max[Math.floor((k % ctx.width) / ctx.groupWidth)] ?? 1) / 7;
            dst[k] = Math.round(src[k]! / step) * step;
          }
          expect(groups).toBeLessThanOrEqual(cal.max.length);
        },
      };
    },
  });

  function layer(observe: { widths: number[] }, silent = false) {
    const ctx = pluginContext();
    const adc = () => {
      const inner = calibratingAdc.create(ctx, {});
      // The same converter without seesPadding: the read cannot know what it looks at.
      return silent ? { convert: inner.convert } : inner;
    };
    const read = () => ({ dac: plainDac.create(ctx, {}), senseAmp: identityAmp.create(ctx, {}), adc: adc() });
    const components: CrossbarComponents = {
      device: plainDevice.create(ctx, {}), updateRule: testUpdate.create(ctx, {}), read: { forward: read(), backward: read() }, stack: [], wMax: 1, scheme: 'mid-range',
    };
    const cache = new EffectiveCache(geo, components, () => pair);
    const reference = new ReferenceBackend();
    const spy = { name: 'spy', gemm: (a: Matrix, b: Matrix, c: Matrix, o?: object) => (observe.widths.push(c.cols), reference.gemm(a, b, c, o)) };
    const activity = emptyActivity();
    const scratch = new Scratch();
    return {
      activity,
      run: (direction: ReadDirection, input: Matrix, narrow = true) =>
        readLayer(direction, input, geo, components, cache.get(direction), spy, scratch, activity[direction], 1, { narrow }),
    };
  }

  it('senses the whole tile while the ADC calibrates, then only the summed columns (rounded up to 4), with the same results', () => {
    const narrowed = { widths: [] as number[] };
    const full = { widths: [] as number[] };
    const a = layer(narrowed);
    const b = layer(full);
    for (let step = 0; step < 4; step++) {
      for (const direction of ['forward', 'backward'] as const) {
        // 32 rows: backward saves 32 × 4 products per block against copying 8 × 20 conductances.
        const input = direction === 'forward' ? integers(32, 20) : integers(32, 6);
        expect(Array.from(a.run(direction, input).data)).toEqual(Array.from(b.run(direction, input, false).data));
      }
    }
    expect(a.activity).toEqual(b.activity);
    // Per step: forward 3 blocks, backward 1 block. The first two steps calibrate on every column.
    const whole = [16, 16, 16, 24];
    expect(full.widths).toEqual([...whole, ...whole, ...whole, ...whole]);
    expect(narrowed.widths).toEqual([...whole, ...whole, 8, 8, 8, 20, 8, 8, 8, 20]);
  });

  it('keeps the whole tile for a single-row read, and for an ADC that does not say what it looks at', () => {
    const widths = { widths: [] as number[] };
    const a = layer(widths);
    for (let step = 0; step < 2; step++) a.run('forward', integers(32, 20));
    widths.widths.length = 0;
    a.run('forward', integers(1, 20));
    // One row saves 8 products per block and would copy 8 × 8 conductances: not worth it.
    expect(widths.widths).toEqual([16, 16, 16]);
    const silent = { widths: [] as number[] };
    const b = layer(silent, true);
    for (let step = 0; step < 4; step++) b.run('forward', integers(32, 20));
    expect(silent.widths).toEqual(Array(12).fill(16));
  });
});
