import { pluginContext, updateContext } from '@txsim/core/testing';
import { describe, expect, it } from 'vitest';
import { drift } from './drift.js';

const make = (params: object, seed = 'drift') => drift.create(pluginContext(seed), drift.meta.params.parse(params));
const cells = (ctx = pluginContext('n')) => ctx.geometry.paddedRows * ctx.geometry.paddedCols;

describe('drift', () => {
  it('reads G·(t/t0)^(−ν) at the read age, ν without spread', () => {
    const d = make({ nu: 0.06, nuDtod: 0, t0: '20 s', readAge: '1 h' });
    const g = new Float64Array(cells()).fill(5e-6);
    const out = new Float64Array(g.length);
    d.conductance!(g, out, { direction: 'forward', polarity: 'plus' });
    const expected = 5e-6 * Math.pow(3600 / 20, -0.06);
    for (const v of out) expect(v).toBeCloseTo(expected, 18);
  });

  it('does not drift before t0', () => {
    const d = make({ nu: 0.1, t0: '100 s', readAge: '50 s' });
    const g = new Float64Array(cells()).fill(3e-6);
    const out = new Float64Array(g.length);
    d.conductance!(g, out, { direction: 'forward', polarity: 'minus' });
    expect(Array.from(out)).toEqual(Array.from(g));
  });

  it('draws per-device exponents with the given mean and spread', () => {
    const d = make({ nu: 0.05, nuDtod: 0.01, t0: '1 s', readAge: '1000 s' }, 'stats');
    const g = new Float64Array(cells()).fill(1e-6);
    const out = new Float64Array(g.length);
    d.conductance!(g, out, { direction: 'forward', polarity: 'plus' });
    // ν_ij recovered from each cell: ν = −ln(G_read/G)/ln(t/t0).
    const nu = Array.from(out, (v) => -Math.log(v / 1e-6) / Math.log(1000));
    const mean = nu.reduce((a, v) => a + v, 0) / nu.length;
    const std = Math.sqrt(nu.reduce((a, v) => a + (v - mean) ** 2, 0) / (nu.length - 1));
    expect(nu.length).toBeGreaterThan(300);
    expect(mean).toBeCloseTo(0.05, 2);
    expect(Math.abs(std - 0.01)).toBeLessThan(0.0015); // ≈ 4 standard errors of a sample std at n = 384
  });

  it('restarts a cell’s age when an update writes it, and ages the others', () => {
    const d = make({ nu: 0.1, nuDtod: 0, t0: '1 s', readAge: 0, updateInterval: '10 s' });
    const n = cells();
    const before = new Float64Array(n).fill(2e-6);
    const after = before.slice();
    after[0] = 2.1e-6; // only cell 0 is written
    const dst = new Float64Array(n);
    for (let step = 0; step < 3; step++) d.after!(step === 2 ? after : before, dst, updateContext(before));
    const out = new Float64Array(n);
    d.conductance!(after, out, { direction: 'forward', polarity: 'plus' });
    // Cell 0 was written on the last step: age 0, no drift. Cell 1 was never written: age 30 s.
    expect(out[0]).toBe(2.1e-6);
    expect(out[1]).toBeCloseTo(2e-6 * Math.pow(30, -0.1), 18);
  });
});

