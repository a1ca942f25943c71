import { describe, expect, it } from 'vitest';
import { createWasmBackend, kernels, Matrix, ReferenceBackend, Rng, Scratch } from '@txsim/core';
import { pulsedKernels } from '../kernels.js';
import { addDenseCounts, Fires, gemmCoincidences, sortCells, walkCoincidences } from './coincidences.js';
import { pulseCounts, pulseCountsOuter } from './pulse-count.js';
import { rowAbsMaxes } from './stochastic-pulses.js';

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

/** The x and δ trains of one 6-sample chunk of a 70 × 30 layer (padded to 32 columns), drawn from seeds xs and ds. */
function firedPair(xs: string, ds: string) {
  const rows = 70;
  const cols = 30;
  const x = trains(xs, 6, rows);
  const d = trains(ds, 6, cols);
  d.bl.set(x.bl);
  const xf = new Fires().draw(x.values, rows, 0, 6, x.bl, x.scale, new Rng(xs));
  const df = new Fires().draw(d.values, cols, 0, 6, d.bl, d.scale, new Rng(ds));
  return { rows, cols, padded: 32, xf, df };
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
    const { rows, padded, xf, df } = firedPair('x', 'd');
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

  it('addDenseCounts (the GEMM path of counting) equals its reference after walked chunks: counts, list, order', () => {
    const { rows, cols, padded, xf, df } = firedPair('gx', 'gd');
    // S = down − up and M = down + up of the same trains, by two GEMMs (as the rule forms them).
    const S = new Matrix(rows, cols, kernels.float32(rows * cols));
    const M = new Matrix(rows, cols, kernels.float32(rows * cols));
    gemmCoincidences(xf, df, rows, cols, new ReferenceBackend(), new Scratch(), S, M, false);
    const n = rows * padded;
    const up = [kernels.float32(n), new Float32Array(n)];
    const down = [kernels.float32(n), new Float32Array(n)];
    // Counts already walked from an earlier chunk, in cells the GEMMs also reach and some they do not.
    for (const a of [...up, ...down]) for (let k = 0; k < n; k += 7) a[k] = (k % 5) + 1;
    const list = [{ idx: kernels.int32(n).fill(-1), count: 3 }, { idx: new Int32Array(n).fill(-1), count: 3 }];
    addDenseCounts.compiled!(S, M, padded, up[0]!, down[0]!, list[0]!);
    addDenseCounts.reference(S, M, padded, up[1]!, down[1]!, list[1]!);
    expect(list[0]!.count).toBeGreaterThan(rows);
    expect(list[0]!.count).toBe(list[1]!.count);
    expect(Array.from(up[0]!)).toEqual(Array.from(up[1]!));
    expect(Array.from(down[0]!)).toEqual(Array.from(down[1]!));
    expect(Array.from(list[0]!.idx.subarray(0, list[0]!.count))).toEqual(Array.from(list[1]!.idx.subarray(0, list[1]!.count)));
    // The GEMMs count what walking counts: the same totals as walking the trains into fresh arrays.
    const walkedUp = kernels.float32(n);
    const walkedDown = kernels.float32(n);
    walkCoincidences(xf, df, padded, walkedUp, walkedDown, { idx: kernels.int32(n), count: 0 });
    const gemmUp = new Float32Array(n);
    const gemmDown = new Float32Array(n);
    addDenseCounts(S, M, padded, gemmUp, gemmDown, { idx: new Int32Array(n), count: 0 });
    expect(Array.from(gemmUp)).toEqual(Array.from(walkedUp));
    expect(Array.from(gemmDown)).toEqual(Array.from(walkedDown));
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

describe('compiled batch-1 pulse-count kernel', () => {
  // Made first: a WASM backend may set up the kernel memory, and arrays must be allocated in the one it uses.
  const backends = [new ReferenceBackend(), createWasmBackend()];
  // x (rows, a fifth exact zeros and one −0) and δ (cols) of one sample; cells of a rows × padded grid.
  const rows = 37;
  const cols = 11;
  const padded = 16;
  const n = rows * padded;
  const r = new Rng('outer');
  const x = kernels.float32(rows);
  for (let i = 0; i < rows; i++) x[i] = i % 5 === 0 ? 0 : (r.next() - 0.3) * 3;
  x[7] = -0;
  const d = kernels.float32(cols);
  for (let j = 0; j < cols; j++) d[j] = (r.next() - 0.5) * 2;
  // With f = 0.5 and x = 1, δ = ±1 wants exactly ±0.5 pulses (rounds up), and its float32 neighbours
  // just under and over the half.
  x[1] = 1;
  d[4] = 1;
  d[5] = -1;
  d[6] = 1 - 2 ** -24;
  d[8] = 1 + 2 ** -23;
  const u = new Rng('u').fillUniform(kernels.float64(n)) as Float64Array;

  /** The dense kernel on the gradient a backend's K = 1 GEMM forms, padded (what the tile hands the rule). */
  function dense(backend: { gemm: ReferenceBackend['gemm'] }, f: number, uniforms: Float64Array | null, cap: number) {
    const g = new Matrix(rows, cols);
    backend.gemm(new Matrix(1, rows, x), new Matrix(1, cols, d), g, { transA: true });
    const grad = kernels.float32(n);
    for (let i = 0; i < rows; i++) grad.set(g.data.subarray(i * cols, (i + 1) * cols), i * padded);
    const up = kernels.float32(n);
    const down = kernels.float32(n);
    const list = { idx: kernels.int32(n), count: -1 };
    pulseCounts(grad, f, uniforms, cap, up, down, list);
    return { up, down, list: Array.from(list.idx.subarray(0, list.count)) };
  }

  for (const uniforms of [null, u]) {
    for (const cap of [Infinity, 2]) {
      for (const f of [1.7, 0.5, -0.8]) it(`equals its reference and the dense counts of the formed gradient (${uniforms ? 'stochastic' : 'nearest'}, cap ${cap}, f ${f})`, () => {
        const got = { up: kernels.float32(n), down: kernels.float32(n), list: { idx: kernels.int32(n), count: -1 } };
        const ref = { up: new Float32Array(n), down: new Float32Array(n), list: { idx: new Int32Array(n), count: -1 } };
        expect(pulseCountsOuter.compiled!(x, d, padded, f, uniforms, cap, got.up, got.down, got.list)).toBe(true);
        expect(pulseCountsOuter.reference(x, d, padded, f, uniforms, cap, ref.up, ref.down, ref.list)).toBe(true);
        expect(Array.from(got.up)).toEqual(Array.from(ref.up));
        expect(Array.from(got.down)).toEqual(Array.from(ref.down));
        expect(got.list.count).toBe(ref.list.count);
        expect(Array.from(got.list.idx.subarray(0, got.list.count))).toEqual(Array.from(ref.list.idx.subarray(0, ref.list.count)));
        for (const backend of backends) {
          const want = dense(backend, f, uniforms, cap);
          expect(Array.from(got.up)).toEqual(Array.from(want.up));
          expect(Array.from(got.down)).toEqual(Array.from(want.down));
          expect(Array.from(got.list.idx.subarray(0, got.list.count))).toEqual(want.list);
        }
        expect(got.list.count).toBeGreaterThan(10);
        if (f === 0.5 && !uniforms) expect([got.up[padded + 4], got.down[padded + 5], got.up[padded + 6], got.up[padded + 8]]).toEqual([1, 1, 0, 1]);
        expect(got.up.some((v) => v > 0) && got.down.some((v) => v > 0)).toBe(true);
      });
    }
  }

  it('declines (writing nothing) when an operand or f is not finite', () => {
    const up = kernels.float32(n);
    const down = kernels.float32(n);
    const list = { idx: kernels.int32(n), count: -1 };
    const bad = kernels.float32(cols);
    bad.set(d);
    bad[3] = Infinity;
    for (const kernel of [pulseCountsOuter.compiled!, pulseCountsOuter.reference]) {
      expect(kernel(x, bad, padded, 1.7, null, Infinity, up, down, list)).toBe(false);
      expect(kernel(x, d, padded, NaN, null, Infinity, up, down, list)).toBe(false);
    }
    expect(list.count).toBe(-1);
    expect(up.every((v) => v === 0) && down.every((v) => v === 0)).toBe(true);
  });
});

describe('compiled row |max| of the train scales', () => {
  it('equals its reference: ragged widths, zero rows, −0, NaN and infinite values', () => {
    const r = new Rng('absmax');
    for (const cols of [1, 3, 4, 13, 784]) {
      const rows = 9;
      const values = kernels.float32(rows * cols);
      for (let k = 0; k < values.length; k++) values[k] = (r.next() - 0.5) * 4;
      values.fill(0, 0, cols); // an all-zero row
      values[cols] = -0;
      values[2 * cols] = NaN; // a NaN never wins, whatever its place
      if (cols > 2) values[3 * cols + cols - 1] = NaN;
      values[4 * cols + (cols >> 1)] = -Infinity;
      values[5 * cols + cols - 1] = -7.5; // the largest in the scalar tail when cols is ragged
      const got = kernels.float64(rows);
      const want = new Float64Array(rows);
      rowAbsMaxes.compiled!(values, rows, cols, got);
      rowAbsMaxes.reference(values, rows, cols, want);
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(got[0]).toBe(0);
      expect(got[4]).toBe(Infinity);
      expect(got[5]).toBe(7.5);
    }
  });
});
