import { describe, expect, it } from 'vitest';
import { Matrix, Rng, tileGeometry, type TileGeometry, type UpdateRuleModel } from '@txsim/core';
import { pluginContext } from '@txsim/core/testing';
import { Fires } from './coincidences.js';
import { stochasticPulses } from './stochastic-pulses.js';

// One coincidence = one pulse on each device of the pair: Δ(G+ − G−) = 2·pulseStep, so in weight
// units dw_min = 2·pulseStep/siemensPerWeight.
const PULSE_STEP = 1e-8;
const SPW = 1e-6;
const DW_MIN = (2 * PULSE_STEP) / SPW; // 0.02

interface Opts { bitLength?: number; updateManagement?: boolean; blManagement?: boolean; umGradScale?: number; granularity?: number; counting?: 'exact' | 'sampled' }

function rule(opts: Opts, seed: string, geometry: TileGeometry): UpdateRuleModel {
  const p = stochasticPulses.meta.params.parse(opts);
  return stochasticPulses.create(pluginContext(seed, geometry), p);
}

function run(r: UpdateRuleModel, x: Matrix, d: Matrix, eta: number, geometry: TileGeometry) {
  const n = geometry.paddedRows * geometry.paddedCols;
  const out = { want: new Float64Array(n), up: new Float32Array(n).fill(NaN), down: new Float32Array(n).fill(NaN) };
  const grad = new Float32Array(n); // unused by this rule
  const kind = r.update({ grad, x, d, learningRate: eta, siemensPerWeight: SPW, pulseStep: PULSE_STEP, coincidenceStep: 2 * PULSE_STEP, geometry }, out);
  expect(kind).toBe('pulses');
  return out;
}

/** aihwkit's train scales per sample, peers.md §c.2 steps 2–4, written out here independently. */
function c2(xRow: number[], dRow: number[], eta: number, dwMin: number, o: Required<Omit<Opts, 'granularity' | 'counting'>>) {
  const xMax = Math.max(...xRow.map(Math.abs));
  const dMax = Math.max(...dRow.map(Math.abs));
  if (xMax === 0 || dMax === 0) return { bl: 0, A: 0, B: 0 };
  const k = (eta * xMax * o.umGradScale * dMax) / dwMin;
  const bl = o.blManagement ? Math.min(Math.ceil(k), o.bitLength) : o.bitLength;
  let A = Math.sqrt(eta / (dwMin * bl));
  let B = A;
  if (o.updateManagement) {
    let dPrime = o.umGradScale * dMax;
    if (k > o.bitLength) dPrime *= o.bitLength / k;
    B *= Math.sqrt(dPrime / xMax);
    A *= Math.sqrt(xMax / dPrime);
  }
  return { bl, A, B };
}

const rowsOf = (m: Matrix) => m.toArrays();
const full = (o: Opts) => ({ bitLength: 31, updateManagement: true, blManagement: true, umGradScale: 1, ...o });

describe('stochastic-pulses', () => {
  // Two samples, 5 inputs × 4 outputs, mixed signs; max|x| = 0.9 in both, max|δ| = 0.9 and 0.5.
  const g = tileGeometry(5, 4, 8, 8);
  const x = Matrix.from([[0.9, -0.3, 0.05, -0.6, 0], [-0.2, 0.9, 0.4, -0.1, 0.7]]);
  const d = Matrix.from([[0.5, -0.9, 0.2, -0.05], [0.5, 0.3, -0.45, 0.1]]);
  // η/dw_min = 5, so k ≤ 4.05 < BL. Only BL management without update management clips a probability
  // (sample 2: BL = ceil(2.25) = 3, B·max|x| = sqrt(5/3)·0.9 > 1); every other mode reproduces SGD.
  const eta = 0.1;

  const modes: Opts[] = [
    { updateManagement: false, blManagement: false },
    { updateManagement: true, blManagement: false },
    { updateManagement: false, blManagement: true },
    { updateManagement: true, blManagement: true },
    { updateManagement: true, blManagement: true, umGradScale: 2 },
  ];

  it.each(modes)('expects the c.2 coincidences per cell, η|x||δ|/dw_min when unclipped, split by sign (%o)', (mode) => {
    const r = rule(mode, 'mean', g);
    const reps = 3000;
    const sumUp = new Float64Array(g.paddedRows * g.paddedCols);
    const sumDown = new Float64Array(sumUp.length);
    for (let t = 0; t < reps; t++) {
      const out = run(r, x, d, eta, g);
      for (let k = 0; k < sumUp.length; k++) {
        sumUp[k]! += out.up[k]!;
        sumDown[k]! += out.down[k]!;
      }
    }
    const xs = rowsOf(x);
    const ds = rowsOf(d);
    const o = full(mode);
    let clipped = false;
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 4; j++) {
        let wantUp = 0;
        let wantDown = 0;
        let variance = 0;
        for (let b = 0; b < 2; b++) {
          const { bl, A, B } = c2(xs[b]!, ds[b]!, eta, DW_MIN, o);
          const px = B * Math.abs(xs[b]![i]!);
          const pd = A * Math.abs(ds[b]![j]!);
          const q = Math.min(1, px) * Math.min(1, pd);
          const sgd = (eta * Math.abs(xs[b]![i]! * ds[b]![j]!)) / DW_MIN;
          // Unclipped, c.2's scales reproduce the SGD step in units of dw_min.
          if (px <= 1 && pd <= 1) expect(bl * q).toBeCloseTo(sgd, 10);
          else clipped = true;
          if (xs[b]![i]! * ds[b]![j]! > 0) wantDown += bl * q;
          else wantUp += bl * q;
          variance += bl * q * (1 - q);
        }
        const sd = Math.sqrt(variance / reps);
        const k = i * g.paddedCols + j;
        expect(Math.abs(sumUp[k]! / reps - wantUp), `up at (${i}, ${j})`).toBeLessThanOrEqual(5 * sd + 1e-12);
        expect(Math.abs(sumDown[k]! / reps - wantDown), `down at (${i}, ${j})`).toBeLessThanOrEqual(5 * sd + 1e-12);
      }
    }
    expect(clipped).toBe(!mode.updateManagement && !!mode.blManagement);
  });

  it.each(modes)('sampled counting draws Poisson counts with the c.2 expectation per cell and sign (%o)', (mode) => {
    const r = rule({ ...mode, counting: 'sampled' }, 'sampled', g);
    const reps = 3000;
    const n = g.paddedRows * g.paddedCols;
    const sum = { up: new Float64Array(n), down: new Float64Array(n) };
    const sq = { up: new Float64Array(n), down: new Float64Array(n) };
    for (let t = 0; t < reps; t++) {
      const out = run(r, x, d, eta, g);
      for (let k = 0; k < n; k++) {
        for (const dir of ['up', 'down'] as const) {
          sum[dir][k]! += out[dir][k]!;
          sq[dir][k]! += out[dir][k]! ** 2;
        }
      }
    }
    const xs = rowsOf(x);
    const ds = rowsOf(d);
    const o = full(mode);
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 4; j++) {
        const want = { up: 0, down: 0 };
        for (let b = 0; b < 2; b++) {
          const { bl, A, B } = c2(xs[b]!, ds[b]!, eta, DW_MIN, o);
          const q = Math.min(1, B * Math.abs(xs[b]![i]!)) * Math.min(1, A * Math.abs(ds[b]![j]!));
          if (xs[b]![i]! * ds[b]![j]! > 0) want.down += bl * q;
          else want.up += bl * q;
        }
        for (const dir of ['up', 'down'] as const) {
          const k = i * g.paddedCols + j;
          const mean = sum[dir][k]! / reps;
          // Poisson: variance = mean, so the standard error of the mean is sqrt(λ/reps).
          expect(Math.abs(mean - want[dir]), `${dir} at (${i}, ${j})`).toBeLessThanOrEqual(5 * Math.sqrt(want[dir] / reps) + 1e-12);
          if (want[dir] > 0.5) expect(sq[dir][k]! / reps - mean * mean).toBeCloseTo(want[dir], 0);
        }
      }
    }
    // Padding cells and the zero input (x column 4 of sample 1) never fire.
    expect(sum.up[5 * g.paddedCols] ?? 0).toBe(0);
  });

  it('clips the δ side under update management when k exceeds the bit length (expected counts per c.2)', () => {
    const bigEta = 2; // η/dw_min = 100: k = 81 > 31
    const o = full({});
    const r = rule(o, 'clip', g);
    const reps = 3000;
    const sum = new Float64Array(g.paddedRows * g.paddedCols);
    for (let t = 0; t < reps; t++) {
      const out = run(r, x, d, bigEta, g);
      for (let k = 0; k < sum.length; k++) sum[k]! += out.up[k]! + out.down[k]!;
    }
    const xs = rowsOf(x);
    const ds = rowsOf(d);
    let clippedSomewhere = false;
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 4; j++) {
        let want = 0;
        let variance = 0;
        for (let b = 0; b < 2; b++) {
          const { bl, A, B } = c2(xs[b]!, ds[b]!, bigEta, DW_MIN, o);
          expect(bl).toBe(31);
          const q = Math.min(1, B * Math.abs(xs[b]![i]!)) * Math.min(1, A * Math.abs(ds[b]![j]!));
          if (A * Math.abs(ds[b]![j]!) > 1) clippedSomewhere = true;
          want += bl * q;
          variance += bl * q * (1 - q);
        }
        const sd = Math.sqrt(variance / reps);
        expect(Math.abs(sum[i * g.paddedCols + j]! / reps - want)).toBeLessThanOrEqual(5 * sd + 1e-12);
      }
    }
    expect(clippedSomewhere).toBe(true);
  });

  it('sends one pulse pair per slot when every line fires (p = 1), across chunks of samples', () => {
    // 1000 inputs × 24 outputs: the trains of 80 samples × 31 slots exceed one chunk.
    const big = tileGeometry(1000, 24, 64, 16);
    const batch = 80;
    const xb = new Matrix(batch, 1000);
    const db = new Matrix(batch, 24);
    new Rng('signs-x').fillUniform(xb.data, -1, 1);
    new Rng('signs-d').fillUniform(db.data, -1, 1);
    // |values| ≥ 10 with sqrt(η/(dw_min·BL)) = sqrt(5/31) ≈ 0.4 gives p = 1 on every line.
    for (const m of [xb, db]) for (let k = 0; k < m.data.length; k++) m.data[k] = m.data[k]! < 0 ? -10 - m.data[k]! : 10 + m.data[k]!;
    const r = rule({ updateManagement: false, blManagement: false }, 'sat', big);
    const out = run(r, xb, db, eta, big);
    for (let i = 0; i < big.paddedRows; i++) {
      for (let j = 0; j < big.paddedCols; j++) {
        const k = i * big.paddedCols + j;
        let down = 0;
        let up = 0;
        if (i < 1000 && j < 24) {
          for (let b = 0; b < batch; b++) {
            if (xb.data[b * 1000 + i]! * db.data[b * 24 + j]! > 0) down += 31;
            else up += 31;
          }
        }
        if (out.up[k] !== up || out.down[k] !== down) {
          expect([out.up[k], out.down[k]], `cell (${i}, ${j})`).toEqual([up, down]);
        }
      }
    }
  });

  it('never gives a cell more pulses than the active slots of the batch', () => {
    const batch = 6;
    const xb = new Matrix(batch, 5);
    const db = new Matrix(batch, 4);
    new Rng('bl-x').fillUniform(xb.data, -3, 3);
    new Rng('bl-d').fillUniform(db.data, -3, 3);
    for (const mode of modes) {
      const o = full({ ...mode, bitLength: 7 });
      const r = rule(o, 'bl', g);
      let slots = 0;
      for (let b = 0; b < batch; b++) slots += c2(rowsOf(xb)[b]!, rowsOf(db)[b]!, 1, DW_MIN, o).bl;
      expect(slots).toBeLessThanOrEqual(batch * 7);
      for (let t = 0; t < 50; t++) {
        const out = run(r, xb, db, 1, g);
        for (let k = 0; k < out.up.length; k++) expect(out.up[k]! + out.down[k]!).toBeLessThanOrEqual(slots);
      }
    }
  });

  it('sends no pulses for a zero input or error, nor on padding cells', () => {
    const r = rule({}, 'zero', g);
    const xz = Matrix.from([[0, 0, 0, 0, 0], [0.5, 0, -0.4, 0.3, 0.2]]);
    const dz = Matrix.from([[0.3, 0.2, -0.1, 0.4], [0, 0, 0, 0]]);
    const out = run(r, xz, dz, 5, g);
    expect(out.up.every((v) => v === 0) && out.down.every((v) => v === 0)).toBe(true);
    const xr = Matrix.from([[0.9, 0, -0.4, 0.3, 0.2]]);
    const dr = Matrix.from([[0.3, 0.9, 0, 0.4]]);
    for (let t = 0; t < 20; t++) {
      const o2 = run(r, xr, dr, 1, g);
      for (let i = 0; i < g.paddedRows; i++) {
        for (let j = 0; j < g.paddedCols; j++) {
          const k = i * g.paddedCols + j;
          if (i === 1 || j === 2 || i >= 5 || j >= 4) expect(o2.up[k]! + o2.down[k]!).toBe(0);
        }
      }
    }
  });

  it.each([false, true])('counts exactly what a per-slot loop counts over the same trains (blManagement %s)', (blm) => {
    const geom = tileGeometry(5, 3, 4, 2); // padded 8 × 4
    const xb = Matrix.from([[0.7, -0.2, 0.4, 0, -0.9], [0, 0, 0, 0, 0], [-0.3, 0.5, 0.1, 0.8, 0.6]]);
    const db = Matrix.from([[0.4, -0.8, 0.1], [0.2, 0.3, 0.4], [-0.6, 0.2, 0.9]]);
    const o = full({ blManagement: blm, bitLength: 9 });
    const etaN = 0.05;
    const out = run(rule(o, 'naive', geom), xb, db, etaN, geom);

    // The rule draws the whole batch as one chunk: the x trains, then the δ trains (coincidences.ts;
    // their law is tested there). Here: the counts are those of a per-slot loop over the same trains.
    const scales = rowsOf(xb).map((xr, b) => c2(xr, rowsOf(db)[b]!, etaN, DW_MIN, o));
    const rng = new Rng('naive');
    const bl = Float64Array.from(scales, (c) => c.bl);
    const fx = new Fires().draw(xb.data, 5, 0, 3, bl, Float64Array.from(scales, (c) => c.B), rng);
    const fd = new Fires().draw(db.data, 3, 0, 3, bl, Float64Array.from(scales, (c) => c.A), rng);
    const up = new Float32Array(8 * 4);
    const down = new Float32Array(8 * 4);
    let r = 0;
    for (; r < fx.slots; r++) {
      for (let a = fx.start[r]!; a < fx.start[r + 1]!; a++) {
        for (let c = fd.start[r]!; c < fd.start[r + 1]!; c++) {
          const i = fx.line[a]!;
          const j = fd.line[c]!;
                if (fx.sign[a]! * fd.sign[c]! > 0) down[i * 4 + j]!++;
          else up[i * 4 + j]!++;
        }
      }
    }
    expect(r).toBeGreaterThan(0);
    expect(Array.from(out.up)).toEqual(Array.from(up));
    expect(Array.from(out.down)).toEqual(Array.from(down));
    expect(up.some((v) => v > 0) && down.some((v) => v > 0)).toBe(true);
  });

  it('sizes its trains with the granularity: doubling it halves the expected coincidences', () => {
    const r1 = rule({ updateManagement: false, blManagement: false }, 'gr', g);
    const r2 = rule({ updateManagement: false, blManagement: false, granularity: 2 * PULSE_STEP }, 'gr', g);
    const total = (r: UpdateRuleModel) => {
      const out = run(r, x, d, eta, g);
      let s = 0;
      for (let k = 0; k < out.up.length; k++) s += out.up[k]! + out.down[k]!;
      return s;
    };
    const reps = 2000;
    let s1 = 0;
    let s2 = 0;
    for (let t = 0; t < reps; t++) {
      s1 += total(r1);
      s2 += total(r2);
    }
    let perRun = 0; // Σ over cells and samples of η|x||δ|/dw_min
    for (let b = 0; b < 2; b++) for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) perRun += (eta * Math.abs(x.get(b, i) * d.get(b, j))) / DW_MIN;
    expect(Math.abs(s1 / reps / perRun - 1)).toBeLessThan(0.03);
    expect(Math.abs(s2 / reps / (perRun / 2) - 1)).toBeLessThan(0.03);
  });
});
