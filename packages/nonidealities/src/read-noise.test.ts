import { Matrix, type ReadContext } from '@txsim/core';
import { pluginContext, randomConductances, randomMatrix, TEST_GEOMETRY, countDiffering } from '@txsim/core/testing';
import { describe, expect, it } from 'vitest';
import { readNoise } from './read-noise.js';


// One forward read of tile row 0: lines = tileRows driven, width = paddedCols sensed.
const GEO = TEST_GEOMETRY;
const LINES = GEO.tileRows;
const WIDTH = GEO.paddedCols;
const PATTERNS = 4;
const REPEATS = 5000;
const gPlus = randomConductances('g+', GEO);
const gMinus = randomConductances('g-', GEO);
const patterns = randomMatrix(PATTERNS, LINES, 'v', -0.2, 0.2);

// Every pattern repeated: each batch row is its own read, so REPEATS samples per output.
const voltages = new Matrix(PATTERNS * REPEATS, LINES);
for (let b = 0; b < voltages.rows; b++) voltages.data.set(patterns.data.subarray((b % PATTERNS) * LINES, (b % PATTERNS + 1) * LINES), b * LINES);

const ctx: ReadContext = {
  direction: 'forward', block: 0, batch: voltages.rows, width: WIDTH, groupWidth: GEO.tileCols, voltages,
  squaredConductance: () => {
    const sq = new Matrix(LINES, WIDTH);
    for (let k = 0; k < sq.data.length; k++) sq.data[k] = gPlus[k]! ** 2 + gMinus[k]! ** 2;
    return sq;
  },
};

/** The ideal currents and σ²·Σ_i v_i²(G+² + G−²), written out per output. */
function reference(sigma: number) {
  const current = new Float32Array(PATTERNS * WIDTH);
  const variance = new Float64Array(PATTERNS * WIDTH);
  for (let p = 0; p < PATTERNS; p++) {
    for (let j = 0; j < WIDTH; j++) {
      for (let i = 0; i < LINES; i++) {
        const v = patterns.get(p, i);
        const k = i * GEO.paddedCols + j;
        current[p * WIDTH + j]! += v * (gPlus[k]! - gMinus[k]!);
        variance[p * WIDTH + j]! += sigma ** 2 * v * v * (gPlus[k]! ** 2 + gMinus[k]! ** 2);
      }
    }
  }
  return { current, variance };
}

function read(sigma: number, seed = 'rn') {
  const { current, variance } = reference(sigma);
  const src = new Float32Array(ctx.batch * WIDTH);
  for (let b = 0; b < ctx.batch; b++) src.set(current.subarray((b % PATTERNS) * WIDTH, (b % PATTERNS + 1) * WIDTH), b * WIDTH);
  const dst = new Float32Array(src.length).fill(NaN);
  readNoise.create(pluginContext(seed), { sigma }).output!(src, dst, ctx);
  return { src, dst, variance };
}

describe('read-noise', () => {
  it('has per-output variance σ²·Σ v²(G+² + G−²)', () => {
    const sigma = 0.05;
    const { src, dst, variance } = read(sigma);
    const sum = new Float64Array(PATTERNS * WIDTH);
    const sumSq = new Float64Array(PATTERNS * WIDTH);
    for (let b = 0; b < ctx.batch; b++) {
      for (let j = 0; j < WIDTH; j++) {
        const o = (b % PATTERNS) * WIDTH + j;
        const e = dst[b * WIDTH + j]! - src[b * WIDTH + j]!;
        sum[o]! += e;
        sumSq[o]! += e * e;
      }
    }
    let pooled = 0;
    for (let o = 0; o < variance.length; o++) {
      const mean = sum[o]! / REPEATS;
      const sample = sumSq[o]! / REPEATS - mean * mean;
      // Each output: 5000 samples, so the sample variance is within ~2 % (1σ); allow 10 %.
      expect(Math.abs(sample / variance[o]! - 1)).toBeLessThan(0.1);
      expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(variance[o]! / REPEATS));
      pooled += sample / variance[o]!;
    }
    // Pooled over all 64 outputs (320k samples): within 2 %.
    expect(Math.abs(pooled / variance.length - 1)).toBeLessThan(0.02);
  });

  it('adds nothing when sigma = 0', () => {
    const { src, dst } = read(0);
    expect(countDiffering(dst, src)).toBe(0);
  });

  it('draws fresh noise on every read', () => {
    const hooks = readNoise.create(pluginContext('rn'), { sigma: 0.05 });
    const src = read(0).src;
    const a = new Float32Array(src.length);
    const b = new Float32Array(src.length);
    hooks.output!(src, a, ctx);
    hooks.output!(src, b, ctx);
    expect(countDiffering(a, b)).toBe(a.length);
  });
});
