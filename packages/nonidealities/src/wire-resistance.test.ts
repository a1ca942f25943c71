import { tileGeometry } from '@txsim/core';
import { pluginContext, randomConductances, TEST_GEOMETRY } from '@txsim/core/testing';
import { describe, expect, it } from 'vitest';
import { wireResistance } from './wire-resistance.js';

const R = { rRow: 50, rCol: 230, rSource: 1000, rSink: 500 };

function effective(geo: typeof TEST_GEOMETRY, g: Float64Array, params = R, direction: 'forward' | 'backward' = 'forward') {
  const hooks = wireResistance.create(pluginContext('wr', geo), params);
  const dst = new Float64Array(g.length);
  hooks.conductance!(g, dst, { direction, polarity: 'plus' });
  return dst;
}

describe('wire-resistance', () => {
  it('puts the direct-path resistance in series with hand-picked cells', () => {
    // TEST_GEOMETRY: 20 × 13 over 8 × 8 tiles, padded to 24 × 16.
    const geo = TEST_GEOMETRY;
    const g = randomConductances('g', geo);
    const eff = effective(geo, g);
    const cases = [
      // [padded row, padded col, cells of row wire, cells of column wire]
      [0, 0, 1, 8], // first driver, top of the column: the longest column path
      [7, 7, 8, 1], // last cell of tile (0,0), next to the sense node
      [9, 10, 3, 7], // tile (1,1), local (1,2)
      [23, 15, 8, 1], // last padded cell
      [16, 8, 1, 8], // first cell of tile (2,1)
    ] as const;
    for (const [i, j, rows, cols] of cases) {
      const k = i * geo.paddedCols + j;
      const series = R.rSource + rows * R.rRow + cols * R.rCol + R.rSink;
      expect(eff[k]! / (1 / (1 / g[k]! + series)) - 1).toBeCloseTo(0, 12);
    }
  });

  it('matches the closed form of a 1 × 1 tile', () => {
    const geo = tileGeometry(3, 2, 1, 1);
    const g = Float64Array.from([1e-6, 2e-6, 5e-6, 1e-5, 1e-3, 1]);
    const eff = effective(geo, g);
    for (let k = 0; k < g.length; k++) {
      expect(eff[k]! / (1 / (1 / g[k]! + 1000 + 50 + 230 + 500)) - 1).toBeCloseTo(0, 12);
    }
  });

  it('leaves empty cells at 0 and lowers every other conductance', () => {
    const geo = TEST_GEOMETRY;
    const g = randomConductances('g', geo);
    g[3] = 0;
    const eff = effective(geo, g);
    expect(eff[3]).toBe(0);
    expect(eff.every((v, k) => (k === 3 ? true : v < g[k]! && v > 0))).toBe(true);
  });

  it('uses the defaults of TxSim (1 Ω row, 4.6 Ω column per cell) and parses units', () => {
    const p = wireResistance.meta.params.parse({});
    expect(p).toEqual({ rRow: 1, rCol: 4.6, rSource: 0, rSink: 0 });
    expect(wireResistance.meta.params.parse({ rSource: '1 kohm' }).rSource).toBeCloseTo(1000, 9);
    expect(wireResistance.meta.params.safeParse({ rRow: -1 }).success).toBe(false);
  });

  it('is the same for both read directions (not directional)', () => {
    const geo = TEST_GEOMETRY;
    const g = randomConductances('g', geo);
    expect(wireResistance.create(pluginContext('wr', geo), R).directional ?? false).toBe(false);
    expect(effective(geo, g, R, 'backward')).toEqual(effective(geo, g, R, 'forward'));
  });
});
