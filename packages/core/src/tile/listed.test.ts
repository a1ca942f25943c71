import { describe, expect, it } from 'vitest';
import { kernels } from '../kernels/elementwise.js';
import { Rng } from '../random/rng.js';
import { listedClear, listedCombine, listedSum } from './listed.js';

// The tile's compiled loops over listed cells (assembly/tile.ts) against their TypeScript references, and
// the patched combine against the whole-array combine kernel at the listed cells.
const R = 37;
const C = 22;
const n = R * C;
const r = new Rng('listed');

function cells(count: number) {
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(r.next() * n));
  const idx = kernels.int32(n);
  idx.set([...picked].sort((a, b) => a - b));
  return { idx, count };
}

function counts() {
  const a = kernels.float32(n);
  for (let k = 0; k < n; k++) a[k] = r.next() < 0.3 ? Math.floor(r.next() * 5) : 0;
  return a;
}

describe('compiled listed-cell loops of the tile', () => {
  it('the module is built', () => expect(listedSum.compiled).not.toBeNull());

  it('listedSum and listedClear equal their references', () => {
    const up = counts();
    const down = counts();
    const list = cells(200);
    expect(listedSum.compiled!(up, down, list)).toBe(listedSum.reference(up, down, list));
    expect(listedSum.compiled!(up, down, list)).toBeGreaterThan(0);
    const up2 = Float32Array.from(up);
    const down2 = Float32Array.from(down);
    listedClear.compiled!(up, down, list);
    listedClear.reference(up2, down2, list);
    expect(Array.from(up)).toEqual(Array.from(up2));
    expect(Array.from(down)).toEqual(Array.from(down2));
    // Only the listed cells were cleared: cells off the list keep their counts.
    const listed = new Set(list.idx.subarray(0, list.count));
    expect([...up.keys()].some((k) => !listed.has(k) && up[k]! > 0)).toBe(true);
    for (const k of listed) expect(up[k]! + down[k]!).toBe(0);
  });

  for (const transposed of [false, true]) {
    for (const squared of [false, true]) {
      it(`listedCombine equals its reference and the whole combine at the listed cells (transposed ${transposed}, squared ${squared})`, () => {
        const plus = kernels.float64(n);
        const minus = kernels.float64(n);
        for (let k = 0; k < n; k++) {
          plus[k] = 1e-6 * (1 + r.next());
          minus[k] = 1e-6 * (1 + r.next());
        }
        const whole = kernels.float32(n);
        kernels.combine(whole, plus, minus, R, C, transposed, squared);
        // Change some cells, then patch them into a copy of the old result.
        const list = cells(150);
        for (let i = 0; i < list.count; i++) plus[list.idx[i]!] = 1e-6 * (1 + r.next());
        const got = kernels.float32(n);
        got.set(whole);
        const want = new Float32Array(whole);
        listedCombine.compiled!(got, plus, minus, list, R, C, transposed, squared);
        listedCombine.reference(want, plus, minus, list, R, C, transposed, squared);
        expect(Array.from(got)).toEqual(Array.from(want));
        const rebuilt = kernels.float32(n);
        kernels.combine(rebuilt, plus, minus, R, C, transposed, squared);
        expect(Array.from(got)).toEqual(Array.from(rebuilt));
        expect(Array.from(got)).not.toEqual(Array.from(whole));
      });
    }
  }
});
