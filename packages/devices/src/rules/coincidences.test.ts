import { describe, expect, it } from 'vitest';
import { Matrix, ReferenceBackend, Rng, Scratch, type ActiveCells } from '@txsim/core';
import { coincidences, Fires, gemmCoincidences, sortCells, walkCoincidences } from './coincidences.js';

describe('Fires (stochastic trains by geometric gaps)', () => {
  it('fires each slot independently with probability min(1, scale·|v|): rate, variance and pairs', () => {
    // One sample, 6 lines with p = 0, 0.02, 0.2, 0.5, 0.9 and ≥ 1, BL = 31, many repetitions.
    const probs = [0, 0.02, 0.2, 0.5, 0.9, 1.3];
    const values = Float32Array.from(probs, (p, i) => (i % 2 ? -p : p));
    const bl = Float64Array.of(31);
    const scale = Float64Array.of(1);
    const rng = new Rng('law');
    const reps = 20000;
    const fires = new Fires();
    const count = new Float64Array(6);
    const countSq = new Float64Array(6);
    const adjacent = new Float64Array(6); // fires in slots t and t + 1 both
    const lastSlot = new Float64Array(6); // fires in slot 30
    let disorder = 0;
    let wrongSign = 0;
    for (let rep = 0; rep < reps; rep++) {
      fires.draw(values, 6, 0, 1, bl, scale, rng);
      const per = new Float64Array(6);
      const grid = new Uint8Array(31 * 6);
      for (let r = 0; r < 31; r++) {
        let prev = -1;
        for (let f = fires.start[r]!; f < fires.start[r + 1]!; f++) {
          const i = fires.line[f]!;
          if (i <= prev) disorder++; // lines ascend within a slot
          if (fires.sign[f] !== (i % 2 ? -1 : 1)) wrongSign++;
          prev = i;
          per[i]!++;
          grid[r * 6 + i] = 1;
        }
      }
      for (let i = 0; i < 6; i++) {
        count[i]! += per[i]!;
        countSq[i]! += per[i]! ** 2;
        lastSlot[i]! += grid[30 * 6 + i]!;
        for (let t = 0; t < 30; t++) adjacent[i]! += grid[t * 6 + i]! & grid[(t + 1) * 6 + i]!;
      }
    }
    expect([disorder, wrongSign]).toEqual([0, 0]);
    for (let i = 0; i < 6; i++) {
      const p = Math.min(1, probs[i]!);
      const mean = count[i]! / reps;
      const variance = countSq[i]! / reps - mean * mean;
      const se = Math.sqrt((31 * p * (1 - p)) / reps);
      expect(Math.abs(mean - 31 * p), `mean of line ${i}`).toBeLessThanOrEqual(5 * se + 1e-12);
      if (p > 0 && p < 1) expect(variance / (31 * p * (1 - p)), `variance of line ${i}`).toBeCloseTo(1, 1);
      else expect(variance).toBe(0);
      // Independent slots: both of two neighbours fire with p², and the last slot fires with p.
      const pairs = adjacent[i]! / (30 * reps);
      expect(Math.abs(pairs - p * p), `pairs of line ${i}`).toBeLessThanOrEqual(5 * Math.sqrt((p * p * (1 - p * p)) / reps) + 1e-12);
      expect(Math.abs(lastSlot[i]! / reps - p), `slot 30 of line ${i}`).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / reps) + 1e-12);
    }
  });

  it('gives each sample its own BL_b slots and scale, skipping samples without pulses', () => {
    const values = Float32Array.of(2, -2, 2, -2, 2, -2); // 3 samples × 2 lines, all saturated
    const bl = Float64Array.of(3, 0, 2);
    const scale = Float64Array.of(1, 1, 1);
    const fires = new Fires().draw(values, 2, 0, 3, bl, scale, new Rng('bl'));
    expect(fires.slots).toBe(5);
    expect(Array.from(fires.start.subarray(0, 6))).toEqual([0, 2, 4, 6, 8, 10]);
    expect(Array.from(fires.sign.subarray(0, 10))).toEqual([1, -1, 1, -1, 1, -1, 1, -1, 1, -1]);
  });
});

describe('coincidence counting', () => {
  it('walking the fires, two GEMMs over the trains and a per-slot loop give the same counts', () => {
    const rows = 37;
    const cols = 11;
    const paddedCols = 16;
    const batch = 9;
    const rng = new Rng('counts');
    const x = rng.fillUniform(new Float32Array(batch * rows), -1, 1) as Float32Array;
    const d = rng.fillUniform(new Float32Array(batch * cols), -1, 1) as Float32Array;
    for (let k = 0; k < x.length; k += 3) x[k] = 0;
    const bl = Float64Array.from({ length: batch }, (_, b) => (b === 4 ? 0 : 1 + (b % 7)));
    const fx = new Fires().draw(x, rows, 0, batch, bl, new Float64Array(batch).fill(0.6), rng);
    const fd = new Fires().draw(d, cols, 0, batch, bl, new Float64Array(batch).fill(0.8), rng);

    const n = rows * paddedCols;
    const naive = { up: new Float32Array(n), down: new Float32Array(n) };
    const xs = new Float32Array(fx.slots * rows);
    const xm = new Float32Array(fx.slots * rows);
    const ds = new Float32Array(fd.slots * cols);
    const dm = new Float32Array(fd.slots * cols);
    fx.toTrains(rows, xs, xm);
    fd.toTrains(cols, ds, dm);
    let total = 0;
    for (let r = 0; r < fx.slots; r++) {
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          if (!xm[r * rows + i] || !dm[r * cols + j]) continue;
          total++;
          if (xs[r * rows + i]! === ds[r * cols + j]!) naive.down[i * paddedCols + j]!++;
          else naive.up[i * paddedCols + j]!++;
        }
      }
    }
    expect(total).toBeGreaterThan(100);
    expect(coincidences(fx, fd)).toBe(total);

    const up = new Float32Array(n);
    const down = new Float32Array(n);
    const list: ActiveCells = { idx: new Int32Array(n), count: 0 };
    walkCoincidences(fx, fd, paddedCols, up, down, list);
    expect(Array.from(up)).toEqual(Array.from(naive.up));
    expect(Array.from(down)).toEqual(Array.from(naive.down));
    const touched = [...list.idx.subarray(0, list.count)].sort((a, b) => a - b);
    const want = [...Array(n).keys()].filter((k) => naive.up[k]! + naive.down[k]! > 0);
    expect(touched).toEqual(want);

    const S = new Matrix(rows, cols);
    const M = new Matrix(rows, cols);
    gemmCoincidences(fx, fd, rows, cols, new ReferenceBackend(), new Scratch(), S, M, false);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const s = S.get(i, j);
        const m = M.get(i, j);
        expect([(m - s) / 2, (m + s) / 2]).toEqual([naive.up[i * paddedCols + j], naive.down[i * paddedCols + j]]);
      }
    }
  });
});

describe('sortCells', () => {
  it.each([[0, 10], [1, 10], [7, 8], [5000, 200704], [3000, 1 << 22], [4000, 2048], [300, 2 ** 31 - 1]])('sorts %i cells below %i like a comparison sort', (count, limit) => {
    const rng = new Rng(`sort/${count}`);
    const idx = Int32Array.from({ length: count }, () => Math.floor(rng.next() * limit));
    const want = Array.from(idx).sort((a, b) => a - b);
    const work = { buf: new Int32Array(0) };
    sortCells(idx, count, limit, work);
    expect(Array.from(idx)).toEqual(want);
  });
});
