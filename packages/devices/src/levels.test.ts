import { describe, expect, it } from 'vitest';
import { pluginContext } from '@txsim/core/testing';
import { levels } from './levels.js';

const PLUS = { polarity: 'plus' } as const;

const make = (p: object) => levels.create(pluginContext(), levels.meta.params.parse(p));

describe('levels device', () => {
  it('takes its range from Rmin and Rmax', () => {
    const d = make({ rmin: '100 kohm', rmax: '1 Mohm' });
    expect(d.gmin).toBeCloseTo(1e-6, 15);
    expect(d.gmax).toBeCloseTo(1e-5, 15);
  });

  it('reads 2-bit cells at four evenly spaced levels (1, 4, 7, 10 µS)', () => {
    const d = make({ bits: 2 });
    const src = Float64Array.from({ length: 901 }, (_, k) => 1e-6 + k * 1e-8);
    const dst = new Float64Array(src.length);
    d.read!(src, dst, PLUS);
    const seen = [...new Set(Array.from(dst, (v) => Math.round(v * 1e8) / 100))].sort((a, b) => a - b);
    expect(seen).toEqual([1, 4, 7, 10]);
    // Nearest level: 2.4 µS reads as 1 µS, 2.6 µS as 4 µS.
    const probe = new Float64Array([2.4e-6, 2.6e-6]);
    d.read!(probe, probe.slice(), PLUS);
    const out = new Float64Array(2);
    d.read!(probe, out, PLUS);
    expect(Array.from(out, (v) => Math.round(v * 1e7) / 10)).toEqual([1, 4]);
  });

  it('reads bit-sliced weights at levels^slices steps and never outside the range', () => {
    const d = make({ bits: 2, slices: 2 });
    const src = Float64Array.from({ length: 5000 }, (_, k) => k * 3e-9);
    const dst = new Float64Array(src.length);
    d.read!(src, dst, PLUS);
    expect(new Set(dst).size).toBe(16);
    expect(Math.min(...dst)).toBeCloseTo(d.gmin, 15);
    expect(Math.max(...dst)).toBeCloseTo(d.gmax, 15);
  });

  it('rejects an on/off ratio at or below one', () => {
    const r = levels.meta.params.safeParse({ rmin: '1 Mohm', rmax: '100 kohm' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['rmax']);
  });
});
