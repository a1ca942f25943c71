import { Rng, tileGeometry } from '@txsim/core';
import { pluginContext, TEST_RANGE, updateContext, countDiffering } from '@txsim/core/testing';
import { describe, expect, it } from 'vitest';
import { stuckCells } from './stuck-cells.js';


const GEO = tileGeometry(500, 500, 64, 64);
const N = GEO.paddedRows * GEO.paddedCols;
const { gmin, gmax } = TEST_RANGE;
// Strictly inside (gmin, gmax), so a cell equal to a rail was put there by the plugin.
const G = new Rng('g').fillUniform(new Float64Array(N), gmin * 1.01, gmax * 0.99) as Float64Array;

type Mode = 'gmin' | 'gmax' | 'random';
function read(fraction: number, mode: Mode, polarity: 'plus' | 'minus' = 'plus', seed = 'sc') {
  const hooks = stuckCells.create(pluginContext(seed, GEO), { fraction, mode });
  const dst = new Float64Array(N);
  hooks.conductance!(G, dst, { direction: 'forward', polarity });
  return { hooks, dst };
}
function stuckSet(dst: Float64Array): Set<number> {
  const set = new Set<number>();
  for (let k = 0; k < N; k++) if (dst[k] !== G[k]) set.add(k);
  return set;
}

describe('stuck-cells', () => {
  for (const fraction of [0.01, 0.05, 0.2]) {
    it(`sticks a fraction ${fraction} of devices (within 5 binomial standard errors)`, () => {
      const stuck = stuckSet(read(fraction, 'gmin').dst).size / N;
      expect(Math.abs(stuck - fraction)).toBeLessThan(5 * Math.sqrt((fraction * (1 - fraction)) / N));
    });
  }

  it('puts stuck devices at the rail the mode names; random splits them evenly', () => {
    const low = read(0.1, 'gmin').dst;
    const high = read(0.1, 'gmax').dst;
    expect([...stuckSet(low)].every((k) => low[k] === gmin)).toBe(true);
    expect([...stuckSet(high)].every((k) => high[k] === gmax)).toBe(true);
    const mixed = read(0.1, 'random').dst;
    const stuck = [...stuckSet(mixed)];
    const atMax = stuck.filter((k) => mixed[k] === gmax).length;
    expect(stuck.every((k) => mixed[k] === gmin || mixed[k] === gmax)).toBe(true);
    expect(Math.abs(atMax / stuck.length - 0.5)).toBeLessThan(5 * Math.sqrt(0.25 / stuck.length));
  });

  it('draws G+ and G− masks independently, and a larger fraction contains the smaller one', () => {
    const plus = stuckSet(read(0.05, 'gmin', 'plus').dst);
    const minus = stuckSet(read(0.05, 'gmin', 'minus').dst);
    const both = [...plus].filter((k) => minus.has(k)).length;
    // Independent masks overlap in about fraction² of the cells.
    expect(both / N).toBeLessThan(0.05 * 0.05 * 1.5);
    const larger = stuckSet(read(0.2, 'gmin', 'plus').dst);
    expect([...plus].every((k) => larger.has(k))).toBe(true);
  });

  it('keeps stuck devices at their stuck value in the stored state after an update', () => {
    const { hooks, dst } = read(0.05, 'random', 'minus');
    const stored = new Float64Array(N);
    hooks.after!(G, stored, updateContext(G, 'minus'));
    expect(countDiffering(stored, dst)).toBe(0);
  });
});
