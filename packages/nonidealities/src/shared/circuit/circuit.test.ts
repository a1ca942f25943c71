import { Rng } from '@txsim/core';
import { describe, expect, it } from 'vitest';
import {
  directPathEffectiveConductance, exactCurrents, exactEffectiveConductance, expressionIv, linearIv, relaxedEffectiveConductance,
  sinhIv, solveNodes, type CircuitDirection, type IvModel, type WireParams,
} from './index.js';

// ---- An independent oracle: the netlist written out node by node, solved by dense Gaussian elimination.

interface Netlist {
  nodes: number;
  fixed: Map<number, number>;
  elements: [number, number, number][]; // node, node, conductance
}

/**
 * The tile's netlist for one drive vector. Row i: driver → rSource → rRow → a(i,0) → … ; column j:
 * b(0,j) → … → b(M−1,j) → rCol → rSink → 0 V; backward swaps which end is driven. Returns the node
 * numbers of a and b and, per sensed line, the element whose current the amplifier senses.
 */
function netlist(g: Float64Array, M: number, N: number, w: WireParams, dir: CircuitDirection, v: Float64Array) {
  const net: Netlist = { nodes: 0, fixed: new Map(), elements: [] };
  const node = () => net.nodes++;
  const ground = node();
  net.fixed.set(ground, 0);
  const a = Array.from({ length: M * N }, node);
  const b = Array.from({ length: M * N }, node);
  const sense: { element: number; from: number }[] = [];
  const fwd = dir === 'forward';
  // An end: the chain's last node → r1 → (mid) → r2 → a fixed node; returns the element feeding the fixed node.
  const end = (last: number, r1: number, r2: number, potential: number | undefined) => {
    const fixedNode = node();
    net.fixed.set(fixedNode, potential ?? 0);
    let mid = last;
    if (r2 > 0) {
      mid = node();
      net.elements.push([last, mid, 1 / r1]);
      net.elements.push([mid, fixedNode, 1 / r2]);
    } else {
      net.elements.push([last, fixedNode, 1 / r1]);
    }
    return { element: net.elements.length - 1, from: mid };
  };
  for (let i = 0; i < M; i++) {
    for (let j = 1; j < N; j++) net.elements.push([a[i * N + j - 1], a[i * N + j], 1 / w.rRow]);
    const e = end(a[i * N], w.rRow, fwd ? w.rSource : w.rSink, fwd ? v[i] : undefined);
    if (!fwd) sense.push(e);
  }
  for (let j = 0; j < N; j++) {
    for (let i = 1; i < M; i++) net.elements.push([b[(i - 1) * N + j], b[i * N + j], 1 / w.rCol]);
    const e = end(b[(M - 1) * N + j], w.rCol, fwd ? w.rSink : w.rSource, fwd ? undefined : v[j]);
    if (fwd) sense.push(e);
  }
  for (let k = 0; k < M * N; k++) if (g[k] > 0) net.elements.push([a[k], b[k], g[k]]);
  return { net, a, b, sense };
}

function solveDense(net: Netlist): Float64Array {
  const free = [...Array(net.nodes).keys()].filter((n) => !net.fixed.has(n));
  const index = new Map(free.map((n, k) => [n, k]));
  const n = free.length;
  const A = Array.from({ length: n }, () => new Float64Array(n + 1));
  for (const [p, q, gpq] of net.elements) {
    for (const [x, y] of [[p, q], [q, p]]) {
      const ix = index.get(x);
      if (ix === undefined) continue;
      A[ix][ix] += gpq;
      const iy = index.get(y);
      if (iy === undefined) A[ix][n] += gpq * net.fixed.get(y)!;
      else A[ix][iy] -= gpq;
    }
  }
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r][c]) > Math.abs(A[piv][c])) piv = r;
    [A[c], A[piv]] = [A[piv], A[c]];
    for (let r = c + 1; r < n; r++) {
      const f = A[r][c] / A[c][c];
      if (f !== 0) for (let k = c; k <= n; k++) A[r][k] -= f * A[c][k];
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = A[r][n];
    for (let k = r + 1; k < n; k++) s -= A[r][k] * x[k];
    x[r] = s / A[r][r];
  }
  const volts = new Float64Array(net.nodes);
  for (const [nd, v] of net.fixed) volts[nd] = v;
  free.forEach((nd, k) => (volts[nd] = x[k]));
  return volts;
}

/** Geff from the oracle: one dense solve per input line. */
function denseGeff(g: Float64Array, M: number, N: number, w: WireParams, dir: CircuitDirection): Float64Array {
  const inputs = dir === 'forward' ? M : N;
  const outputs = dir === 'forward' ? N : M;
  const out = new Float64Array(inputs * outputs);
  for (let k = 0; k < inputs; k++) {
    const v = new Float64Array(inputs);
    v[k] = 1;
    const { net, sense } = netlist(g, M, N, w, dir, v);
    const volts = solveDense(net);
    sense.forEach((s, o) => {
      const [p, q, gpq] = net.elements[s.element];
      out[k * outputs + o] = (volts[p] - volts[q]) * gpq;
    });
  }
  return out;
}

// ---- helpers

const WIRES: WireParams = { rRow: 1, rCol: 4.6, rSource: 0, rSink: 0 };
const HEAVY: WireParams = { rRow: 500, rCol: 2300, rSource: 1000, rSink: 700 };

function conductances(seed: string, n: number, lo = 1e-6, hi = 1e-5): Float64Array {
  return new Rng(seed).fillUniform(new Float64Array(n), lo, hi) as Float64Array;
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let k = 0; k < b.length; k++) scale = Math.max(scale, Math.abs(b[k]));
  let m = 0;
  for (let k = 0; k < b.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]) / scale);
  return m;
}

function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < b.length; k++) {
    num += (a[k] - b[k]) ** 2;
    den += b[k] ** 2;
  }
  return Math.sqrt(num / den);
}

const DIRECTIONS: CircuitDirection[] = ['forward', 'backward'];

describe('exactEffectiveConductance', () => {
  it('matches the closed form of one cell', () => {
    for (const w of [WIRES, HEAVY, { rRow: 0, rCol: 0, rSource: 10, rSink: 0 }]) {
      for (const dir of DIRECTIONS) {
        for (const g of [1e-6, 1e-3, 1]) {
          const geff = exactEffectiveConductance(Float64Array.of(g), 1, 1, w, dir)[0];
          expect(geff / (1 / (1 / g + w.rSource + w.rRow + w.rCol + w.rSink)) - 1).toBeCloseTo(0, 12);
        }
      }
    }
  });

  it('matches a hand-derived two-cell row ladder', () => {
    // 1 × 2, forward, no sink: a0, a1 joined by r; column j's device to its own (separate) column.
    const [g0, g1] = [2e-3, 5e-3];
    const w = { rRow: 100, rCol: 40, rSource: 30, rSink: 20 };
    const geff = exactEffectiveConductance(Float64Array.of(g0, g1), 1, 2, w, 'forward');
    // Device j in series with its column (rCol + rSink): a branch of conductance y_j to ground.
    const y0 = 1 / (1 / g0 + w.rCol + w.rSink);
    const y1 = 1 / (1 / g1 + w.rCol + w.rSink);
    const tail = 1 / (w.rRow + 1 / y1); // a0 → rRow → branch 1
    const a0 = 1 / (1 + (w.rSource + w.rRow) * (y0 + tail)); // divider from the 1 V driver
    expect(geff[0] / (a0 * y0) - 1).toBeCloseTo(0, 12);
    expect(geff[1] / (a0 * tail) - 1).toBeCloseTo(0, 12);
  });

  for (const [label, M, N] of [['one row', 1, 6], ['one column', 6, 1], ['random 5 × 7', 5, 7], ['random 8 × 8', 8, 8]] as const) {
    it(`matches the dense nodal solve of the netlist: ${label}`, () => {
      const g = conductances(`dense/${label}`, M * N, 1e-5, 1e-3);
      g[Math.floor((M * N) / 2)] = 0; // an empty cell
      for (const w of [WIRES, HEAVY, { rRow: 3, rCol: 7, rSource: 0, rSink: 50 }]) {
        for (const dir of DIRECTIONS) {
          expect(maxRel(exactEffectiveConductance(g, M, N, w, dir), denseGeff(g, M, N, w, dir)), `${dir} ${JSON.stringify(w)}`).toBeLessThan(1e-9);
        }
      }
    });
  }

  it('is G exactly with zero wire, source and sink resistance (both directions, every model)', () => {
    const g = conductances('zero', 6 * 9);
    const zero = { rRow: 0, rCol: 0, rSource: 0, rSink: 0 };
    const transpose = new Float64Array(g.length);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 9; j++) transpose[j * 6 + i] = g[i * 9 + j];
    expect(exactEffectiveConductance(g, 6, 9, zero, 'forward')).toEqual(g);
    expect(exactEffectiveConductance(g, 6, 9, zero, 'backward')).toEqual(transpose);
    expect(relaxedEffectiveConductance(g, 6, 9, zero, 'forward', 2)).toEqual(g);
    expect(directPathEffectiveConductance(g, 6, 9, zero, 'backward')).toEqual(transpose);
  });

  it('merges nodes exactly when only some resistances are zero (limit of small ones)', () => {
    const g = conductances('partial', 5 * 4, 1e-4, 1e-3);
    for (const w of [{ rRow: 0, rCol: 5, rSource: 20, rSink: 10 }, { rRow: 3, rCol: 0, rSource: 0, rSink: 40 }]) {
      // The dense oracle loses digits as 1/r grows, so it checks at 1 µΩ; the chain solver stays exact down to 1 pΩ.
      const small = (r: number) => ({ rRow: w.rRow || r, rCol: w.rCol || r, rSource: w.rSource, rSink: w.rSink });
      for (const dir of DIRECTIONS) {
        const exact = exactEffectiveConductance(g, 5, 4, w, dir);
        expect(maxRel(exact, denseGeff(g, 5, 4, small(1e-6), dir))).toBeLessThan(1e-6);
        expect(maxRel(exact, exactEffectiveConductance(g, 5, 4, small(1e-12), dir))).toBeLessThan(1e-12);
      }
    }
  });

  it('is reciprocal: with rSource = rSink, backward Geff = forward Geffᵀ', () => {
    const [M, N] = [7, 5];
    const g = conductances('recip', M * N, 1e-5, 1e-3);
    const w = { rRow: 20, rCol: 60, rSource: 150, rSink: 150 };
    const fwd = exactEffectiveConductance(g, M, N, w, 'forward');
    const bwd = exactEffectiveConductance(g, M, N, w, 'backward');
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) expect(bwd[j * M + i] / fwd[i * N + j] - 1).toBeCloseTo(0, 10);
  });

  it('reads backward as the forward read of the network turned through 180° about the diagonal', () => {
    // Backward, column j is a driven chain whose open end is row 0 and row i a sensed chain whose
    // open end is column N−1: the forward network with G'(p, q) = G(M−1−q, N−1−p) (N × M), rRow and
    // rCol swapped, has the same chains, so Geff_bwd[j, i] = Geff'_fwd[N−1−j, M−1−i]. A plain
    // transpose would put the open ends on the wrong side.
    const [M, N] = [6, 4];
    const g = conductances('rotate', M * N, 1e-5, 1e-3);
    const w = { rRow: 20, rCol: 60, rSource: 150, rSink: 40 };
    const rotated = new Float64Array(M * N);
    for (let p = 0; p < N; p++) for (let q = 0; q < M; q++) rotated[p * M + q] = g[(M - 1 - q) * N + (N - 1 - p)];
    const bwd = exactEffectiveConductance(g, M, N, w, 'backward');
    const fwd = exactEffectiveConductance(rotated, N, M, { ...w, rRow: w.rCol, rCol: w.rRow }, 'forward');
    for (let j = 0; j < N; j++) for (let i = 0; i < M; i++) expect(bwd[j * M + i] / fwd[(N - 1 - j) * M + (M - 1 - i)] - 1).toBeCloseTo(0, 10);
  });
});

describe('approximations', () => {
  const [M, N] = [16, 16];
  const g = conductances('approx', M * N, 1e-5, 1e-4);

  it('direct path equals the per-cell series resistance of wire-resistance.ts', () => {
    const w = { rRow: 2, rCol: 5, rSource: 30, rSink: 11 };
    const fwd = directPathEffectiveConductance(g, M, N, w, 'forward');
    const bwd = directPathEffectiveConductance(g, M, N, w, 'backward');
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        const series = w.rSource + (j + 1) * w.rRow + (M - i) * w.rCol + w.rSink;
        expect(fwd[i * N + j] / (1 / (1 / g[i * N + j] + series)) - 1).toBeCloseTo(0, 12);
        expect(bwd[j * M + i]).toBe(fwd[i * N + j]);
      }
    }
  });

  it('direct path converges to the exact solve as wire resistance → 0, and errs more as it grows', () => {
    for (const dir of DIRECTIONS) {
      const errors = [1e-3, 1e-2, 1e-1, 1, 10].map((s) => {
        const w = { rRow: s, rCol: 4.6 * s, rSource: 2 * s, rSink: 3 * s };
        return relError(directPathEffectiveConductance(g, M, N, w, dir), exactEffectiveConductance(g, M, N, w, dir));
      });
      expect(errors[0]).toBeLessThan(1e-4);
      for (let k = 1; k < errors.length; k++) expect(errors[k]).toBeGreaterThan(errors[k - 1]);
    }
  });

  it('relaxation starts at the direct path and its error falls with every sweep', () => {
    const w = { rRow: 10, rCol: 46, rSource: 20, rSink: 30 };
    for (const dir of DIRECTIONS) {
      const exact = exactEffectiveConductance(g, M, N, w, dir);
      expect(maxRel(relaxedEffectiveConductance(g, M, N, w, dir, 0), directPathEffectiveConductance(g, M, N, w, dir))).toBeLessThan(1e-12);
      const errors = [0, 1, 2, 4, 8, 16].map((s) => relError(relaxedEffectiveConductance(g, M, N, w, dir, s), exact));
      for (let k = 1; k < errors.length; k++) expect(errors[k]).toBeLessThan(errors[k - 1]);
      expect(errors.at(-1)).toBeLessThan(1e-6);
    }
  });
});

/** max over nodes of |Σ currents| / Σ |currents|, every current from the netlist's elements. */
function kclResidual(g: Float64Array, M: number, N: number, w: WireParams, dir: CircuitDirection, v: Float64Array, iv: IvModel): number {
  const nodes = solveNodes(g, M, N, w, dir, v, iv);
  const { net, a, b } = netlist(g, M, N, w, dir, v);
  const volts = new Float64Array(net.nodes);
  for (const [nd, x] of net.fixed) volts[nd] = x;
  a.forEach((nd, k) => (volts[nd] = nodes.a[k]));
  b.forEach((nd, k) => (volts[nd] = nodes.b[k]));
  // Internal end nodes (between rRow/rCol and rSource/rSink): solved by their own two-resistor divider.
  const sum = new Float64Array(net.nodes);
  const abs = new Float64Array(net.nodes);
  const device = new Map<string, number>();
  for (let k = 0; k < M * N; k++) device.set(`${a[k]},${b[k]}`, k);
  const mids = new Set<number>();
  for (const [p, q] of net.elements) for (const x of [p, q]) if (x > b.at(-1)! && !net.fixed.has(x)) mids.add(x);
  for (const m of mids) {
    const [e1, e2] = net.elements.filter(([p, q]) => p === m || q === m);
    const other = (e: [number, number, number]) => (e[0] === m ? e[1] : e[0]);
    volts[m] = (volts[other(e1)] * e1[2] + volts[other(e2)] * e2[2]) / (e1[2] + e2[2]);
  }
  for (const [p, q, gpq] of net.elements) {
    const k = device.get(`${p},${q}`);
    const current = k === undefined ? (volts[p] - volts[q]) * gpq : iv.current(g[k], volts[p] - volts[q]);
    sum[p] -= current;
    sum[q] += current;
    abs[p] += Math.abs(current);
    abs[q] += Math.abs(current);
  }
  let worst = 0;
  for (const nd of [...a, ...b]) worst = Math.max(worst, Math.abs(sum[nd]) / abs[nd]);
  return worst;
}

describe('solveNodes', () => {
  const [M, N] = [9, 7];
  const g = conductances('kcl', M * N, 1e-5, 1e-3);
  const w = { rRow: 20, rCol: 60, rSource: 150, rSink: 40 };

  for (const dir of DIRECTIONS) {
    for (const [label, iv, volts] of [['linear', linearIv, 0.3], ['sinh at V0', sinhIv(0.25), 0.25], ['sinh at 2·V0', sinhIv(0.25), 0.5]] as const) {
      it(`satisfies KCL at every node (${dir}, ${label})`, () => {
        const v = new Rng(`kcl/${dir}`).fillUniform(new Float64Array(dir === 'forward' ? M : N), 0, volts) as Float64Array;
        expect(kclResidual(g, M, N, w, dir, v, iv)).toBeLessThan(1e-9);
      });
    }
  }

  it('returns the same sensed currents as Geff (linear)', () => {
    const v = new Rng('lin').fillUniform(new Float64Array(3 * M), -0.2, 0.2) as Float64Array;
    const batch = exactCurrents(g, M, N, w, 'forward', v, 3);
    for (let s = 0; s < 3; s++) {
      const one = solveNodes(g, M, N, w, 'forward', v.subarray(s * M, (s + 1) * M)).sensed;
      expect(maxRel(batch.subarray(s * N, (s + 1) * N), one)).toBeLessThan(1e-12);
    }
  });
});

describe('I–V models', () => {
  const [M, N] = [6, 5];
  const g = conductances('iv', M * N, 1e-5, 1e-4);
  const w = { rRow: 20, rCol: 60, rSource: 150, rSink: 40 };

  it('sinh matches linear for V ≪ V0', () => {
    const v = new Rng('small').fillUniform(new Float64Array(2 * M), -1e-4, 1e-4) as Float64Array;
    const lin = exactCurrents(g, M, N, w, 'forward', v, 2);
    const sinh = exactCurrents(g, M, N, w, 'forward', v, 2, sinhIv(0.25));
    expect(maxRel(sinh, lin)).toBeLessThan(1e-6);
  });

  it('sinh draws more current than linear at V0, and an expression of the same law agrees', () => {
    const v = new Float64Array(M).fill(0.25);
    const lin = exactCurrents(g, M, N, w, 'backward', new Float64Array(N).fill(0.25), 1);
    const sinh = exactCurrents(g, M, N, w, 'backward', new Float64Array(N).fill(0.25), 1, sinhIv(0.25));
    for (let k = 0; k < M; k++) expect(sinh[k]).toBeGreaterThan(lin[k]);
    const expr = exactCurrents(g, M, N, w, 'forward', v, 1, expressionIv('G * 0.25 * sinh(V / 0.25)'));
    expect(maxRel(expr, exactCurrents(g, M, N, w, 'forward', v, 1, sinhIv(0.25)))).toBeLessThan(1e-10);
  });

  it('expressionIv differentiates symbolically and rejects unknown symbols', () => {
    const iv = expressionIv('G * V + 1e-3 * G * V^3');
    expect(iv.current(2, 0.5)).toBeCloseTo(2 * 0.5 + 2e-3 * 0.125, 15);
    expect(iv.slope(2, 0.5)).toBeCloseTo(2 + 6e-3 * 0.25, 15);
    expect(() => expressionIv('G * V * Q')).toThrow(/G and V/);
    expect(() => expressionIv('G * (V')).toThrow(/I–V expression/);
  });
});

// Speed is measured, not asserted: `txsim circuit error` prints each model's time beside its error.
