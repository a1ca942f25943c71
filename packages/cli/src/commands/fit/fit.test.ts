import { describe, expect, it } from 'vitest';
import { findPlugin, Rng } from '@txsim/core';
import { createPluginContainer } from '@txsim/experiment';
import { MAX_FIT_ROWS, parsePulseResponse, type PulseResponse } from './data.js';
import { neurosimModel, scale, softBoundsModel } from './models.js';
import { neurosimLabel } from './neurosim-label.js';
import { fitModel } from './run-fit.js';

const device = findPlugin(createPluginContainer(), 'device', 'neurosim');
const label = (a: number, p: number) => neurosimLabel(device, a, p);
const value = (r: ReturnType<typeof fitModel>, name: string) => r.params.find((p) => p.name === name)!.value;

/** A cycle sampled from `upCurve` (n = 0…pUp) and `downCurve` (n = 0…pDown), plus Gaussian noise of std `noise` S. */
function cycle(upCurve: (n: number) => number, downCurve: (n: number) => number, pUp: number, pDown: number, noise: number, seed: string): PulseResponse {
  const rng = new Rng(seed);
  const sweep = (f: (n: number) => number, P: number) => {
    const pulse = Float64Array.from({ length: P + 1 }, (_, n) => n);
    return { pulse, g: pulse.map((n) => f(n) + noise * rng.normal()) };
  };
  return { file: 'synthetic', up: sweep(upCurve, pUp), down: sweep(downCurve, pDown) };
}

describe('txsim fit models', () => {
  it('recovers NeuroSim\'s Ag:a-Si parameters from a noisy synthetic sweep', () => {
    // NeuroSim's published model (formula.cpp NonlinearWeight; A from getParamA: 2.40 → 0.499181, 4.88 → 0.200303).
    const [gmin, gmax, pu, pd] = [3.0769e-9, 3.8462e-8, 97, 100];
    const au = 0.499181 * pu;
    const ad = -0.200303 * pd;
    const G = (x: number, A: number, P: number) => ((gmax - gmin) / (1 - Math.exp(-P / A))) * (1 - Math.exp(-x / A)) + gmin;
    const noise = 0.005 * (gmax - gmin);
    const data = cycle((n) => G(n, au, pu), (n) => G(pd - n, ad, pd), pu, pd, noise, 'ns');
    const r = fitModel(neurosimModel, data, label);
    expect(Math.abs(value(r, 'gmin') - gmin)).toBeLessThan(0.01 * (gmax - gmin));
    expect(Math.abs(value(r, 'gmax') - gmax)).toBeLessThan(0.01 * (gmax - gmin));
    expect(value(r, 'aLtp') / au).toBeCloseTo(1, 1);
    expect(value(r, 'aLtd') / ad).toBeCloseTo(1, 1);
    expect(value(r, 'nlLtp')).toBeCloseTo(2.4, 1);
    expect(value(r, 'nlLtd')).toBeCloseTo(-4.88, 1);
    expect(value(r, 'maxLevel')).toBe(97);
    // The residual is the noise: RMS ≈ 0.5 % of the range, and no worse than the true parameters' RMS.
    expect(r.relativeRms).toBeGreaterThan(0.004);
    expect(r.relativeRms).toBeLessThan(0.006);
    let ss = 0;
    data.up.g.forEach((g, n) => (ss += (g - G(n, au, pu)) ** 2));
    data.down.g.forEach((g, n) => (ss += (g - G(pd - n, ad, pd)) ** 2));
    const trueRms = Math.sqrt(ss / (pu + pd + 2));
    expect(r.rms).toBeLessThanOrEqual(trueRms * (1 + 1e-9));
    expect(r.rms).toBeGreaterThan(0.95 * trueRms);
  });

  it('recovers soft-bounds parameters', () => {
    const [gmin, gmax, su, sd, p] = [1e-6, 1e-5, 0.03, 0.05, 80];
    const up = (n: number) => gmax - (gmax - gmin) * (1 - su) ** n;
    const top = up(p);
    const down = (n: number) => gmin + (top - gmin) * (1 - sd) ** n;
    const r = fitModel(softBoundsModel, cycle(up, down, p, p, 0.003 * (gmax - gmin), 'sb'), label);
    expect(value(r, 'stepUp') / su).toBeCloseTo(1, 1);
    expect(value(r, 'stepDown') / sd).toBeCloseTo(1, 1);
    expect(Math.abs(value(r, 'gmin') - gmin)).toBeLessThan(0.02 * (gmax - gmin));
    expect(Math.abs(value(r, 'gmax') - gmax)).toBeLessThan(0.02 * (gmax - gmin));
    expect(r.relativeRms).toBeLessThan(0.004);
  });

  it('reads NeuroSim labels off the device for either sign and clamps past the table', () => {
    // A/P of the published entries gives back the label.
    expect(label(0.499181, 97)).toBeCloseTo(2.4, 4);
    expect(label(-0.200303, 100)).toBeCloseTo(-4.88, 4);
    expect(label(0.001, 100)).toBe(9);
  });

  it('refuses malformed data with line and column', () => {
    const bad = (text: string) => {
      try {
        parsePulseResponse(text, 'data.csv');
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(bad('pulse,conductance\n0,1e-6\n')).toMatch(/line 1: expected a header .*missing: direction/);
    const rows = 'pulse,conductance,direction\n0,1e-6,up\n1,2e-6,up\n2,3e-6,up\n0,3e-6,down\n1,x,down\n2,1e-6,sideways\n-1,2e-6,down\n';
    const msg = bad(rows);
    expect(msg).toMatch(/^data\.csv: 4 problems/);
    expect(msg).toMatch(/line 6, column 2: conductance "x" is not a number/);
    expect(msg).toMatch(/line 7, column 3: direction "sideways" is neither "up" nor "down"/);
    expect(msg).toMatch(/line 8, column 1: pulse index "-1" is not a non-negative integer/);
    expect(msg).toMatch(/the down sweep needs at least 3 distinct pulse indices, got 1/);
  });
});

describe('txsim fit data limits', () => {
  const csv = (rows: string[]) => `pulse,conductance,direction\n${rows.join('\n')}\n`;
  const ramp = (dir: string, n: number, g: (i: number) => number) => Array.from({ length: n }, (_, i) => `${i},${g(i)},${dir}`);

  it('rejects conductances beyond float64 (1e400 reads as Infinity) with the line', () => {
    const rows = [...ramp('up', 4, (i) => 1e-6 * (i + 1)), ...ramp('down', 4, (i) => 1e-6 * (4 - i))];
    rows[2] = '2,1e400,up';
    expect(() => parsePulseResponse(csv(rows), 'x.csv')).toThrow(/line 4, column 2: conductance 1e400 is beyond the float64 range/);
  });

  it('rejects data with no variation instead of fitting a NaN residual', () => {
    const rows = [...ramp('up', 4, () => 1e-6), ...ramp('down', 4, () => 1e-6)];
    expect(() => parsePulseResponse(csv(rows), 'x.csv')).toThrow(/every conductance is 0\.000001 S: the data has no variation/);
  });

  it(`stops at ${MAX_FIT_ROWS} rows with the line, and fits 150,000-row data it accepts up to the bound without a stack overflow`, () => {
    const many = [...ramp('up', MAX_FIT_ROWS / 2 + 1, (i) => 1e-6 + 1e-12 * i), ...ramp('down', MAX_FIT_ROWS / 2, (i) => 1e-6 + 1e-12 * (MAX_FIT_ROWS / 2 - i))];
    expect(() => parsePulseResponse(csv(many), 'x.csv')).toThrow(new RegExp(`line ${MAX_FIT_ROWS + 2}: more than 100,000 measurement rows`));
    // Math.max(...pulses) overflowed the call stack at about 125k arguments; the scaling now loops.
    const big = { file: 'big', up: { pulse: Float64Array.from({ length: 150_000 }, (_, i) => i), g: Float64Array.from({ length: 150_000 }, (_, i) => i / 150_000) }, down: { pulse: Float64Array.of(0, 1, 2), g: Float64Array.of(1, 0.5, 0) } };
    expect(scale(big).pUp).toBe(149_999);
  });

  it('rejects pulse indices over a million (neurosim maxLevel) instead of printing zod issues', () => {
    const rows = [...ramp('up', 3, (i) => 1e-6 * (i + 1)), '2000000,4e-6,up', ...ramp('down', 4, (i) => 1e-6 * (4 - i))];
    expect(() => parsePulseResponse(csv(rows), 'x.csv')).toThrow(/line 5, column 1: pulse index 2000000 is over 1,000,000/);
    expect(() => neurosimLabel(device, 0.5, 2e6)).toThrow(/^fit neurosim: the fitted curve \(2000000 pulses, label \d.*maxLevel: /);
  });
});

