import { EffectiveCache, neutralParams, tileGeometry, type CrossbarComponents, type ReadDirection, type StackEntry, type TileGeometry } from '@txsim/core';
import { pluginContext, randomConductances } from '@txsim/core/testing';
import { describe, expect, it } from 'vitest';
import { directPathEffectiveConductance, exactEffectiveConductance, relaxedEffectiveConductance } from './shared/circuit/index.js';
import { wireCircuit } from './wire-circuit.js';
import { wireResistance } from './wire-resistance.js';

const GEO = tileGeometry(10, 7, 5, 4); // 2 × 2 tiles of 5 × 4, padded to 10 × 8
const WIRES = { rRow: 50, rCol: 230, rSource: 1000, rSink: 500 };
type Params = Parameters<typeof wireCircuit.create>[1];
const params = (p: Partial<Params> = {}): Params => wireCircuit.meta.params.parse({ ...WIRES, ...p });

function run(hooks: ReturnType<typeof wireCircuit.create>, g: Float64Array, direction: ReadDirection = 'forward'): Float64Array {
  const dst = new Float64Array(g.length);
  hooks.conductance!(g, dst, { direction, polarity: 'plus' });
  return dst;
}

/** Tile (tr, tc) of a padded layer array, M × N row-major. */
function tile(geo: TileGeometry, a: ArrayLike<number>, tr: number, tc: number): Float64Array {
  const { tileRows: M, tileCols: N, paddedCols: C } = geo;
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[i * N + j] = a[(tr * M + i) * C + tc * N + j];
  return out;
}

function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let k = 0; k < b.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]) / Math.max(Math.abs(b[k]), 1e-30));
  return m;
}

const TILES = [[0, 0], [0, 1], [1, 0], [1, 1]] as const;

describe('wire-circuit', () => {
  it('replaces every tile by its exact Geff, forward as is and backward transposed into the forward layout', () => {
    const g = randomConductances('wc', GEO);
    const hooks = wireCircuit.create(pluginContext('wc', GEO), params());
    expect(hooks.directional).toBe(true);
    const fwd = run(hooks, g, 'forward');
    const bwd = run(hooks, g, 'backward');
    for (const [tr, tc] of TILES) {
      const gt = tile(GEO, g, tr, tc);
      expect(maxRel(tile(GEO, fwd, tr, tc), exactEffectiveConductance(gt, 5, 4, WIRES, 'forward'))).toBeLessThan(1e-12);
      expect(maxRel(tile(GEO, bwd, tr, tc), transpose(exactEffectiveConductance(gt, 5, 4, WIRES, 'backward'), 4, 5))).toBeLessThan(1e-12);
    }
  });

  it('gives the read the tile performs: I = V·Geff forward and backward, through the effective-conductance cache', () => {
    const plus = randomConductances('wc/+', GEO);
    const minus = randomConductances('wc/-', GEO);
    const stack: StackEntry[] = [{ name: 'wire-circuit', hooks: wireCircuit.create(pluginContext('wc', GEO), params()), phases: new Set(['forward', 'backward']) }];
    const cache = new EffectiveCache(GEO, { device: { gmin: 1e-6, gmax: 1e-5 }, stack } as unknown as CrossbarComponents, () => ({ plus, minus }));
    const { paddedRows: R, paddedCols: C } = GEO;
    for (const direction of ['forward', 'backward'] as const) {
      const diff = cache.get(direction).diff.data; // forward R × C; backward C × R
      for (const [tr, tc] of TILES) {
        const geff = (g: Float64Array) => exactEffectiveConductance(tile(GEO, g, tr, tc), 5, 4, WIRES, direction);
        const [p, m] = [geff(plus), geff(minus)];
        for (let i = 0; i < 5; i++) {
          for (let j = 0; j < 4; j++) {
            const [row, col] = [tr * 5 + i, tc * 4 + j];
            const got = direction === 'forward' ? diff[row * C + col] : diff[col * R + row];
            const want = direction === 'forward' ? p[i * 4 + j] - m[i * 4 + j] : p[j * 5 + i] - m[j * 5 + i];
            expect(Math.abs(got - want)).toBeLessThan(1e-6 * 1e-5);
          }
        }
      }
    }
  });

  it('is the identity with neutral parameters, in both directions', () => {
    const g = randomConductances('wc', GEO);
    const hooks = wireCircuit.create(pluginContext('wc', GEO), neutralParams(wireCircuit.meta.params) as Params);
    expect(run(hooks, g, 'forward')).toEqual(g);
    expect(run(hooks, g, 'backward')).toEqual(g);
  });

  it('direct-path model gives the numbers of wire-resistance; relaxation those of relaxedEffectiveConductance', () => {
    const g = randomConductances('wc', GEO);
    const direct = run(wireCircuit.create(pluginContext('wc', GEO), params({ model: 'direct-path' })), g);
    const reference = new Float64Array(g.length);
    wireResistance.create(pluginContext('wr', GEO), WIRES).conductance!(g, reference, { direction: 'forward', polarity: 'plus' });
    expect(maxRel(direct, reference)).toBeLessThan(1e-12);
    const relaxed = run(wireCircuit.create(pluginContext('wc', GEO), params({ model: 'relaxation', sweeps: 3 })), g, 'backward');
    const want = transpose(relaxedEffectiveConductance(tile(GEO, g, 1, 0), 5, 4, WIRES, 'backward', 3), 4, 5);
    expect(maxRel(tile(GEO, relaxed, 1, 0), want)).toBeLessThan(1e-12);
    expect(maxRel(tile(GEO, direct, 1, 0), directPathEffectiveConductance(tile(GEO, g, 1, 0), 5, 4, WIRES, 'forward'))).toBeLessThan(1e-12);
  });

  it('refreshEvery L solves on the 1st and (L+1)-th rebuild and reuses the ratio Geff/G in between', () => {
    const L = 3;
    const hooks = wireCircuit.create(pluginContext('wc', GEO), params({ refreshEvery: L }));
    const exact = wireCircuit.create(pluginContext('wc', GEO), params());
    const states = Array.from({ length: 2 * L + 1 }, (_, t) => randomConductances(`wc/${t}`, GEO));
    states[1][5] = 0; // an emptied cell stays 0
    let ratio = new Float64Array(0);
    states.forEach((g, t) => {
      const got = run(hooks, g, 'backward');
      const solved = run(exact, g, 'backward');
      if (t % L === 0) {
        expect(got).toEqual(solved);
        ratio = solved.map((v, k) => v / g[k]);
      } else {
        expect(maxRel(got, g.map((v, k) => v * ratio[k]))).toBeLessThan(1e-15);
        expect(maxRel(got, solved)).toBeGreaterThan(1e-6); // it really is the stale profile
      }
    });
    expect(run(hooks, states[1], 'forward')).toEqual(run(exact, states[1], 'forward')); // each direction keeps its own count
    expect(run(hooks, states[1], 'backward')[5]).toBe(0);
  });

  it('models a sinh I–V by its chord conductance at vRead', () => {
    const g = randomConductances('wc', GEO);
    const [v0, vRead] = [0.25, 0.2];
    const chord = (v0 * Math.sinh(vRead / v0)) / vRead;
    const got = run(wireCircuit.create(pluginContext('wc', GEO), params({ iv: 'sinh', v0, vRead })), g);
    const want = exactEffectiveConductance(tile(GEO, g, 0, 1).map((v) => v * chord), 5, 4, WIRES, 'forward');
    expect(maxRel(tile(GEO, got, 0, 1), want)).toBeLessThan(1e-12);
  });

  it('is non-directional where the network is reciprocal (rSource = rSink) or the model is the direct path', () => {
    const g = randomConductances('wc', GEO);
    const hooks = wireCircuit.create(pluginContext('wc', GEO), params({ rSource: 300, rSink: 300 }));
    expect(hooks.directional).toBe(false);
    expect(maxRel(run(hooks, g, 'backward'), run(hooks, g, 'forward'))).toBeLessThan(1e-10);
    expect(wireCircuit.create(pluginContext('wc', GEO), params({ model: 'direct-path' })).directional).toBe(false);
  });

  it('uses TxSim\'s defaults and parses units', () => {
    const p = wireCircuit.meta.params.parse({});
    expect(p).toEqual({ rRow: 1, rCol: 4.6, rSource: 0, rSink: 0, model: 'exact', sweeps: 2, refreshEvery: 1, iv: 'linear', v0: 0.25, vRead: 0.2 });
    expect(wireCircuit.meta.params.parse({ rSink: '2 kohm', vRead: '150 mV' })).toMatchObject({ rSink: 2000, vRead: 0.15 });
    expect(wireCircuit.meta.params.safeParse({ refreshEvery: 0 }).success).toBe(false);
    expect(wireCircuit.meta.params.safeParse({ model: 'spice' }).success).toBe(false);
  });
});
