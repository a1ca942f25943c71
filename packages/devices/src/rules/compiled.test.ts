import { describe, expect, it } from 'vitest';
import { kernels, Rng } from '@txsim/core';
import { pulsedKernels } from '../kernels.js';
import { Fires, sortCells, walkCoincidences } from './coincidences.js';
import { pulseCounts } from './pulse-count.js';

// The compiled train drawing, bucketing, coincidence walk and cell sort (assembly/pulsed.ts) against their
// TypeScript references: the same fires from the same stream, the same counts and lists, bit for bit.
function trains(seed: string, batch: number, lines: number) {
  const r = new Rng(seed);
  const values = kernels.float32(batch * lines);
  for (let k = 0; k < values.length; k++) values[k] = r.next() < 0.4 ? 0 : (r.next() - 0.5) * 2;
  const bl = kernels.float64(batch);
  const scale = kernels.float64(batch);
  for (let b = 0; b < batch; b++) {
    bl[b] = b === 3 ? 0 : 1 + Math.floor(r.next() * 40); // BL 1 (one uniform per slot) to 40 (geometric gaps)
    scale[b] = b === 5 ? 0 : 0.05 + r.next() * 1.5; // some lines saturate (p ≥ 1)
  }
  return { values, bl, scale };
}

const same = (f: Fires, g: Fires) => {
  expect(f.slots).toBe(g.slots);
  const n = f.start[f.slots]!;
  expect(Array.from(f.start.subarray(0, f.slots + 1))).toEqual(Array.from(g.start.subarray(0, g.slots + 1)));
  expect(Array.from(f.line.subarray(0, n))).toEqual(Array.from(g.line.subarray(0, n)));
  expect(Array.from(f.sign.subarray(0, n))).toEqual(Array.from(g.sign.subarray(0, n)));
  return n;
};

describe('compiled stochastic-pulse kernels', () => {
  it('the module is built', () => expect(pulsedKernels.api).not.toBeNull());

  it('Fires.draw: the same fires and the stream left at the same place, over chunks that grow the buffers', () => {
    const { values, bl, scale } = trains('fires', 12, 300);
    const a = new Rng('draw');
    const b = new Rng('draw');
    const fast = new Fires();
    const slow = new Fires();
    for (const [b0, b1] of [[0, 4], [4, 12], [0, 12]] as const) {
      fast.draw(values, 300, b0, b1, bl, scale, a);
      slow.drawReference(values, 300, b0, b1, bl, scale, b);
      expect(same(fast, slow)).toBeGreaterThan(100);
      expect(a.snapshot()).toEqual(b.snapshot());
    }
  });

  it('walkCoincidences and sortCells equal their references (counts, list, order)', () => {
    const rows = 70;
    const cols = 30;
    const padded = 32;
    const x = trains('x', 6, rows);
    const d = trains('d', 6, cols);
    d.bl.set(x.bl);
    const xf = new Fires().draw(x.values, rows, 0, 6, x.bl, x.scale, new Rng('x'));
    const df = new Fires().draw(d.values, cols, 0, 6, d.bl, d.scale, new Rng('d'));
    const n = rows * padded;
    const up = [kernels.float32(n), new Float32Array(n)];
    const down = [kernels.float32(n), new Float32Array(n)];
    const list = [{ idx: kernels.int32(n), count: 0 }, { idx: new Int32Array(n), count: 0 }];
    walkCoincidences.compiled!(xf, df, padded, up[0]!, down[0]!, list[0]!);
    walkCoincidences.reference(xf, df, padded, up[1]!, down[1]!, list[1]!);
    expect(list[0]!.count).toBeGreaterThan(50);
    expect(list[0]!.count).toBe(list[1]!.count);
    expect(Array.from(up[0]!)).toEqual(Array.from(up[1]!));
    expect(Array.from(down[0]!)).toEqual(Array.from(down[1]!));
    expect(Array.from(list[0]!.idx.subarray(0, list[0]!.count))).toEqual(Array.from(list[1]!.idx.subarray(0, list[1]!.count)));
    sortCells.compiled!(list[0]!.idx, list[0]!.count, n, { buf: kernels.int32(0) });
    sortCells.reference(list[1]!.idx, list[1]!.count, n, { buf: new Int32Array(0) });
    const sorted = Array.from(list[0]!.idx.subarray(0, list[0]!.count));
    expect(sorted).toEqual(Array.from(list[1]!.idx.subarray(0, list[1]!.count)));
    expect(sorted).toEqual([...sorted].sort((p, q) => p - q));
  });

  it('sorts large indices (three radix passes) as the reference', () => {
    const r = new Rng('big');
    const count = 5000;
    const limit = 1 << 23;
    const a = kernels.int32(count);
    for (let i = 0; i < count; i++) a[i] = Math.floor(r.next() * limit);
    const b = Int32Array.from(a);
    sortCells.compiled!(a, count, limit, { buf: kernels.int32(0) });
    sortCells.reference(b, count, limit, { buf: new Int32Array(0) });
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

describe('compiled pulse-count kernel', () => {
  it('equals its reference: nearest (half up) and stochastic rounding, with and without a cap', () => {
    const n = 4003;
    const r = new Rng('grad');
    const grad = kernels.float32(n);
    for (let k = 0; k < n; k++) grad[k] = k % 5 === 0 ? 0 : (k % 7 === 0 ? 0.25 * ((k % 11) - 5) : (r.next() - 0.5) * 8);
    // Whole groups of zeros (a zero input's row, skipped four at a time), one of them −0, and a ragged end.
    grad.fill(0, 1000, 1403);
    grad.fill(-0, 2000, 2004);
    const u = new Rng('u').fillUniform(kernels.float64(n)) as Float64Array;
    for (const uniforms of [null, u]) {
      for (const cap of [Infinity, 2]) {
        const got = [kernels.float32(n), kernels.float32(n)] as const;
        const want = [new Float32Array(n), new Float32Array(n)] as const;
        pulseCounts.compiled!(grad, 2, uniforms, cap, got[0], got[1]);
        pulseCounts.reference(grad, 2, uniforms, cap, want[0], want[1]);
        expect(Array.from(got[0])).toEqual(Array.from(want[0]));
        expect(Array.from(got[1])).toEqual(Array.from(want[1]));
        expect(got[0].some((v) => v > 0) && got[1].some((v) => v > 0)).toBe(true);
        // Listed: the same counts, and the list is exactly the cells with a pulse, ascending (checked
        // against a scan of the reference counts, and against the reference's own list).
        const gotList = { idx: kernels.int32(n), count: -1 };
        const wantList = { idx: new Int32Array(n), count: -1 };
        const listed = [kernels.float32(n), kernels.float32(n)] as const;
        pulseCounts.compiled!(grad, 2, uniforms, cap, listed[0], listed[1], gotList);
        pulseCounts.reference(grad, 2, uniforms, cap, want[0], want[1], wantList);
        expect(Array.from(listed[0])).toEqual(Array.from(want[0]));
        expect(Array.from(listed[1])).toEqual(Array.from(want[1]));
        const scan = [...want[0].keys()].filter((k) => want[0][k]! + want[1][k]! !== 0);
        expect(gotList.count).toBe(scan.length);
        expect(Array.from(gotList.idx.subarray(0, gotList.count))).toEqual(scan);
        expect(Array.from(wantList.idx.subarray(0, wantList.count))).toEqual(scan);
        expect(scan.length).toBeGreaterThan(0);
        expect(scan.length).toBeLessThan(n);
      }
    }
  });
});
