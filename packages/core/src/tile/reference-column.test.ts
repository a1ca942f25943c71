import { describe, expect, it } from 'vitest';
import { Matrix } from '../matrix/matrix.js';
import { ReferenceBackend } from '../matrix/reference-backend.js';
import { defineAdc } from '../plugin/define.js';
import { params } from '../plugin/params.js';
import { pluginContext, randomMatrix } from '../testing/fixtures.js';
import type { CrossbarComponents, ReferenceColumn } from './components.js';
import { tileGeometry } from './geometry.js';
import { testAdc, testDac, testDevice, testSenseAmp, testUpdate } from './test-components.js';
import { TiledCrossbar } from './tiled-crossbar.js';

const backend = new ReferenceBackend();
// 5 inputs × 3 outputs on 3×2 tiles: 2 tile rows (the second padded) × 2 tile columns (the second padded).
const geometry = tileGeometry(5, 3, 3, 2);
const STEP = 0.05;

/** Rounds every output to a multiple of STEP: a quantiser under which digital and analog subtraction differ. */
const roundingAdc = defineAdc({
  meta: { name: 'rounding-adc', description: 'Rounds to multiples of 0.05 A.', phases: ['forward', 'backward'], params: params({}) },
  create: () => ({
    convert(src, dst) {
      for (let k = 0; k < dst.length; k++) dst[k] = Math.round(src[k]! / STEP) * STEP;
    },
  }),
});

function components(reference: ReferenceColumn, adc = testAdc, wMax = 1): CrossbarComponents {
  const ctx = pluginContext();
  const read = () => ({ dac: testDac.create(ctx, {}), senseAmp: testSenseAmp.create(ctx, {}), adc: adc.create(ctx, {}) });
  return {
    device: testDevice.create(ctx, {}), updateRule: testUpdate.create(ctx, {}), read: { forward: read(), backward: read() },
    stack: [], wMax, scheme: 'reference-column', reference,
  };
}

/**
 * The read by hand: per tile (block b of inputs, tile column t of outputs) the weight columns' currents
 * I_j = Σ_i x_i·G_ij and the reference column's I_ref = gref·Σ_i x_i over the tile's rows; quantise
 * (digital: each, analog: the difference), subtract, sum the tiles digitally, divide by s.
 */
function handRead(x: Matrix, g: Float64Array, gref: number, s: number, q: (v: number) => number, digital: boolean): Matrix {
  const { rows, cols, tileRows, paddedCols } = geometry;
  const y = new Matrix(x.rows, cols);
  for (let r = 0; r < x.rows; r++) {
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      for (let b0 = 0; b0 < rows; b0 += tileRows) {
        let iw = 0;
        let iref = 0;
        for (let i = b0; i < Math.min(rows, b0 + tileRows); i++) {
          // Float32 as the read's voltages are.
          const v = Math.fround(x.data[r * rows + i]!);
          iw += v * g[i * paddedCols + j]!;
          iref += v * gref;
        }
        sum += digital ? q(iw) - q(iref) : q(iw - iref);
      }
      y.data[r * cols + j] = sum / s;
    }
  }
  return y;
}

const maxDiff = (a: Matrix, b: Matrix) => Math.max(...a.data.map((v, i) => Math.abs(v - b.data[i]!)));

describe('reference-column mapping', () => {
  const w = randomMatrix(5, 3, 'w', -0.9, 0.9);
  const x = randomMatrix(4, 5, 'x');

  it('holds one device per weight at gref + w·s, s = (gmax − gmin)/(2·wMax), and every reference cell at gref', () => {
    const xb = new TiledCrossbar('fc', geometry, components({ conductance: 0.5, subtract: 'analog' }), backend, w);
    expect(xb.siemensPerWeight).toBe(0.5);
    const g = xb.conductances('plus');
    expect(g[1 * geometry.paddedCols + 2]).toBeCloseTo(0.5 + w.data[1 * 3 + 2]! * 0.5, 12);
    expect(xb.conductances('minus').every((v) => v === 0.5)).toBe(true);
    expect(maxDiff(xb.weights(), w)).toBeLessThan(1e-6);
  });

  for (const subtract of ['analog', 'digital'] as const) {
    it(`reads I(W) − I(ref) per tile (${subtract} subtraction, lossless converters)`, () => {
      const xb = new TiledCrossbar('fc', geometry, components({ conductance: 0.3, subtract }), backend, w);
      const expected = handRead(x, xb.conductances('plus'), 0.3, xb.siemensPerWeight, (v) => v, subtract === 'digital');
      expect(maxDiff(xb.forward(x), expected)).toBeLessThan(1e-5);
    });

    it(`quantises ${subtract === 'digital' ? 'each column and the reference separately' : 'the difference'} (${subtract} subtraction)`, () => {
      const xb = new TiledCrossbar('fc', geometry, components({ conductance: 0.3, subtract }, roundingAdc), backend, w);
      const q = (v: number) => Math.round(v / STEP) * STEP;
      const expected = handRead(x, xb.conductances('plus'), 0.3, xb.siemensPerWeight, q, subtract === 'digital');
      expect(maxDiff(xb.forward(x), expected)).toBeLessThan(1e-4);
      // The two subtractions differ under this quantiser (the test would not tell them apart otherwise).
      const other = handRead(x, xb.conductances('plus'), 0.3, xb.siemensPerWeight, q, subtract !== 'digital');
      expect(maxDiff(other, expected)).toBeGreaterThan(0.01);
    });
  }

  it('reads δ·(G − gref)ᵀ/s backward', () => {
    const xb = new TiledCrossbar('fc', geometry, components({ conductance: 0.5, subtract: 'digital' }), backend, w);
    const d = randomMatrix(4, 3, 'd');
    const expected = new Matrix(4, 5);
    backend.gemm(d, xb.weights(), expected, { transB: true });
    expect(maxDiff(xb.backward(d), expected)).toBeLessThan(1e-5);
  });

  it('moves only the weight device by the whole change; the reference never moves', () => {
    const xb = new TiledCrossbar('fc', geometry, components({ conductance: 0.5, subtract: 'analog' }), backend, w);
    const grad = randomMatrix(5, 3, 'grad', -0.5, 0.5);
    const before = xb.conductances('plus');
    xb.update(grad, 0.2, new Matrix(1, 5), new Matrix(1, 3));
    const after = xb.conductances('plus');
    const k = 2 * geometry.paddedCols + 1;
    expect(after[k]).toBeCloseTo(before[k]! - 0.2 * 0.5 * grad.data[2 * 3 + 1]!, 6);
    expect(xb.conductances('minus').every((v) => v === 0.5)).toBe(true);
    const expected = new Matrix(5, 3, w.data.map((v, i) => v - 0.2 * grad.data[i]!));
    expect(maxDiff(xb.weights(), expected)).toBeLessThan(1e-6);
    // One device per weight is programmed: 15 cells with a non-zero change.
    expect(xb.activity.update.updatePulses).toBe(15);
  });

  it('counts the reference column: its cells in every read, its conversions under digital subtraction', () => {
    const { paddedRows, paddedCols, gridRows, gridCols, tileCols } = geometry;
    const analog = new TiledCrossbar('a', geometry, components({ conductance: 0.5, subtract: 'analog' }), backend, w);
    const digital = new TiledCrossbar('d', geometry, components({ conductance: 0.5, subtract: 'digital' }), backend, w);
    analog.forward(x);
    digital.forward(x);
    const cells = 4 * (paddedRows * paddedCols + paddedRows * gridCols);
    expect(analog.activity.forward.cellReads).toBe(cells);
    expect(digital.activity.forward.cellReads).toBe(cells);
    expect(analog.activity.forward.adcConversions).toBe(4 * gridRows * paddedCols);
    expect(digital.activity.forward.adcConversions).toBe(4 * gridRows * gridCols * (tileCols + 1));
  });

  it('rejects a reference outside the device range', () => {
    expect(() => new TiledCrossbar('fc', geometry, components({ conductance: 1.5, subtract: 'analog' }), backend, w)).toThrow(/reference.conductance 1.5 S lies outside/);
  });
});
