import { Matrix, Rng, tileGeometry, type NonidealityHooks, type ReadContext } from '@txsim/core';
import { pluginContext, randomConductances, randomMatrix, TEST_RANGE, updateContext } from '@txsim/core/testing';
import { describe, expect, it } from 'vitest';
import { deviceVariation } from './device-variation.js';
import { readNoise } from './read-noise.js';
import { stuckCells } from './stuck-cells.js';
import { updateNonlinearity } from './update-nonlinearity.js';
import { wireResistance } from './wire-resistance.js';
import { writeNoise } from './write-noise.js';

// "Each non-ideality, switched on, changes results in the direction its physics predicts": a
// stronger setting gives a larger error against the ideal computation, on the same devices and seed.

const GEO = tileGeometry(64, 48, 32, 32); // 2 × 2 tiles, padded to 64 × 64
const ROWS = GEO.paddedRows;
const COLS = GEO.paddedCols;
const gPlus = randomConductances('dir/g+', GEO);
const gMinus = randomConductances('dir/g-', GEO);
const x = randomMatrix(16, ROWS, 'dir/x', -1, 1);

/** A forward read of the whole layer, x·(G+ − G−), in float64. */
function read(plus: Float64Array, minus: Float64Array): Float64Array {
  const y = new Float64Array(x.rows * COLS);
  for (let b = 0; b < x.rows; b++) {
    for (let i = 0; i < ROWS; i++) {
      const v = x.get(b, i);
      for (let j = 0; j < COLS; j++) y[b * COLS + j]! += v * (plus[i * COLS + j]! - minus[i * COLS + j]!);
    }
  }
  return y;
}

/** ‖a − b‖ / ‖b‖. */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < b.length; k++) {
    num += (a[k]! - b[k]!) ** 2;
    den += b[k]! ** 2;
  }
  return Math.sqrt(num / den);
}

const ideal = read(gPlus, gMinus);

/** Relative output error of a read through the effective conductances the hooks give. */
function conductanceError(hooks: NonidealityHooks): number {
  const eff = (g: Float64Array, polarity: 'plus' | 'minus') => {
    const dst = new Float64Array(g.length);
    hooks.conductance!(g, dst, { direction: 'forward', polarity });
    return dst;
  };
  return relError(read(eff(gPlus, 'plus'), eff(gMinus, 'minus')), ideal);
}

function expectIncreasing(values: number[]): void {
  expect(values[0]).toBeGreaterThan(0);
  for (let k = 1; k < values.length; k++) expect(values[k]).toBeGreaterThan(values[k - 1]!);
}

// Wanted updates of one device array: ~1 % of the range, both signs, from states across the range.
const { gmin, gmax } = TEST_RANGE;
const rng = new Rng('dir/update');
const state = rng.fillUniform(new Float64Array(ROWS * COLS), gmin, gmax) as Float64Array;
const wanted = rng.fillNormal(new Float64Array(ROWS * COLS), 0, 0.01 * (gmax - gmin)) as Float64Array;
function deltaError(hooks: NonidealityHooks): number {
  const dst = new Float64Array(wanted.length);
  hooks.delta!(wanted, dst, updateContext(state));
  return relError(dst, wanted);
}

describe('each non-ideality moves results the way its physics predicts', () => {
  for (const mode of ['gmin', 'gmax', 'random'] as const) {
    it(`more stuck cells (${mode}) → larger output error`, () => {
      const errors = [0.01, 0.05, 0.2].map((fraction) => conductanceError(stuckCells.create(pluginContext('dir', GEO), { fraction, mode })));
      expectIncreasing(errors);
    });
  }

  for (const distribution of ['lognormal', 'normal'] as const) {
    it(`wider device variation (${distribution}) → larger output error`, () => {
      const errors = [0.02, 0.1, 0.3].map((sigma) => conductanceError(deviceVariation.create(pluginContext('dir', GEO), { sigma, distribution })));
      expectIncreasing(errors);
    });
  }

  it('larger wire resistance → larger output error', () => {
    const errors = [1, 10, 100].map((s) =>
      conductanceError(wireResistance.create(pluginContext('dir', GEO), { rRow: s * 1, rCol: s * 4.6, rSource: 0, rSink: 0 })),
    );
    expectIncreasing(errors);
    // Small against 100 kΩ–1 MΩ devices at TxSim's values, as the paper reports for ReRAM.
    expect(errors[0]).toBeLessThan(0.01);
  });

  it('larger γ → larger write-noise spread', () => {
    expectIncreasing([1, 5, 10].map((gamma) => deltaError(writeNoise.create(pluginContext('dir'), { gamma }))));
  });

  it('larger v → larger deviation from the linear update', () => {
    expectIncreasing([0.01, 0.1, 0.5, 1].map((v) => deltaError(updateNonlinearity.create(pluginContext('dir'), { v }))));
  });

  it('larger read-noise sigma → larger output error', () => {
    // One forward read of tile row 0 (lines 0–31 drive, all 64 columns sense).
    const lines = GEO.tileRows;
    const voltages = new Matrix(x.rows, lines);
    for (let b = 0; b < x.rows; b++) voltages.data.set(x.data.subarray(b * ROWS, b * ROWS + lines), b * lines);
    const rowsOf = (g: Float64Array) => g.subarray(0, lines * COLS);
    const clean = Float32Array.from(read(padTo(rowsOf(gPlus)), padTo(rowsOf(gMinus))));
    const ctx: ReadContext = {
      direction: 'forward', block: 0, batch: x.rows, width: COLS, groupWidth: GEO.tileCols, voltages,
      squaredConductance: () => new Matrix(lines, COLS, Float32Array.from(rowsOf(gPlus), (p, k) => p * p + gMinus[k]! ** 2)),
    };
    const errors = [0.01, 0.02, 0.05].map((sigma) => {
      const dst = new Float32Array(clean.length);
      readNoise.create(pluginContext('dir'), { sigma }).output!(clean, dst, ctx);
      return relError(dst, clean);
    });
    expectIncreasing(errors);
  });
});

/** The first tile row of a layer array, zero elsewhere, so `read` sees only that block. */
function padTo(rows: Float64Array): Float64Array {
  const out = new Float64Array(ROWS * COLS);
  out.set(rows);
  return out;
}
