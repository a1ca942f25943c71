import { describe, expect, it } from 'vitest';
import { kernels } from '../kernels/elementwise.js';
import { Matrix } from '../matrix/matrix.js';
import { ReferenceBackend } from '../matrix/reference-backend.js';
import type { NonidealityHooks, Phase } from '../plugin/types.js';
import { pluginContext, randomMatrix } from '../testing/fixtures.js';
import type { CrossbarComponents, StackEntry } from './components.js';
import { tileGeometry } from './geometry.js';
import { testAdc, testDac, testDevice, testSenseAmp, testUpdate } from './test-components.js';
import type { Rng } from '../random/rng.js';
import { RngFactory, type RngFactoryState } from '../random/rng-factory.js';
import { TiledCrossbar, type CrossbarState } from './tiled-crossbar.js';

// The analog test rule works from the gradient alone; x and δ only need the right shapes.
const NO_OPERANDS = [new Matrix(1, 20), new Matrix(1, 13)] as const;

const backend = new ReferenceBackend();
const geometry = tileGeometry(20, 13, 8, 5); // 3×3 grid, both dimensions padded

function components(stack: StackEntry[] = [], wMax = 4): CrossbarComponents {
  const ctx = pluginContext();
  const read = () => ({ dac: testDac.create(ctx, {}), senseAmp: testSenseAmp.create(ctx, {}), adc: testAdc.create(ctx, {}) });
  return { device: testDevice.create(ctx, {}), updateRule: testUpdate.create(ctx, {}), read: { forward: read(), backward: read() }, stack, wMax, scheme: 'mid-range' };
}

function product(a: Matrix, b: Matrix, transB = false): Matrix {
  const c = new Matrix(a.rows, transB ? b.rows : b.cols);
  backend.gemm(a, b, c, { transB });
  return c;
}

function maxAbsDiff(a: Matrix, b: Matrix): number {
  return Math.max(...a.data.map((v, i) => Math.abs(v - b.data[i]!)));
}

describe('TiledCrossbar with lossless components', () => {
  const w = randomMatrix(20, 13, 'w');
  const x = randomMatrix(6, 20, 'x');
  const d = randomMatrix(6, 13, 'd');

  it('reads x·W forward and δ·Wᵀ backward across padded tiles', () => {
    const xb = new TiledCrossbar('fc', geometry, components(), backend, w);
    expect(maxAbsDiff(xb.forward(x), product(x, w))).toBeLessThan(1e-5);
    expect(maxAbsDiff(xb.backward(d), product(d, w, true))).toBeLessThan(1e-5);
    expect(maxAbsDiff(xb.weights(), w)).toBeLessThan(1e-6);
  });

  it('reads of different tiles share one set of read buffers, each read still giving its own tile\'s product', () => {
    // Large enough that the read buffers dominate what a read allocates: 4,096 rows of input.
    const big = randomMatrix(4096, 20, 'big');
    const [a, b] = [new TiledCrossbar('a', geometry, components(), backend, w), new TiledCrossbar('b', geometry, components(), backend, randomMatrix(20, 13, 'w2'))];
    const memory = () => kernels.float32(1).buffer.byteLength;
    const ya = a.forward(big);
    const before = memory();
    const yb = b.forward(big);
    // Per-tile buffers would add ~4,096 × (8 + 5·13 f32 + 13 f64) bytes ≈ 0.9 MB of kernel memory here.
    expect(memory()).toBe(before);
    expect(maxAbsDiff(ya, product(big, w))).toBeLessThan(1e-5);
    expect(maxAbsDiff(yb, product(big, b.weights()))).toBeLessThan(1e-5);
    expect(maxAbsDiff(a.forward(big), ya)).toBe(0);
  });

  it('applies W ← W − η·∇W through the update pipeline', () => {
    const xb = new TiledCrossbar('fc', geometry, components(), backend, w);
    const grad = randomMatrix(20, 13, 'g');
    xb.update(grad, 0.1, ...NO_OPERANDS);
    const expected = w.clone();
    expected.data.forEach((v, k) => (expected.data[k] = v - 0.1 * grad.data[k]!));
    expect(maxAbsDiff(xb.weights(), expected)).toBeLessThan(1e-6);
  });

  it('clips weights to ±wMax (the device range bounds the pair)', () => {
    const big = new Matrix(20, 13).clone();
    big.data.fill(10);
    const xb = new TiledCrossbar('fc', geometry, components([], 2), backend, big);
    expect(Math.max(...xb.weights().data)).toBeCloseTo(2, 5);
  });

  it('counts converter and cell activity per phase', () => {
    const xb = new TiledCrossbar('fc', geometry, components(), backend, w);
    xb.forward(x);
    xb.backward(d);
    xb.update(randomMatrix(20, 13, 'g'), 0.1, ...NO_OPERANDS);
    const f = xb.activity.forward;
    expect(f.tileReads).toBe(6 * 9);
    expect(f.dacConversions).toBe(6 * 24 * 3); // each padded input line is driven into the 3 tiles of its tile row
    expect(f.adcConversions).toBe(6 * 15 * 3); // each padded output line is converted once per tile row
    expect(xb.activity.backward.adcConversions).toBe(6 * 24 * 3);
    expect(xb.activity.update.updatePulses).toBe(2 * 20 * 13);
  });
});

describe('effective-conductance cache and stack order', () => {
  const w = randomMatrix(20, 13, 'w');
  const x = randomMatrix(3, 20, 'x');

  function counting(name: string, f: (g: number) => number, phases: Phase[] = ['forward', 'backward'], directional = false) {
    const calls = { n: 0 };
    const hooks: NonidealityHooks = {
      directional,
      conductance(src, dst) {
        calls.n++;
        for (let k = 0; k < src.length; k++) dst[k] = f(src[k]!);
      },
    };
    return { entry: { name, hooks, phases: new Set(phases) } as StackEntry, calls };
  }

  it('rebuilds only after the state changes, and once for both directions', () => {
    const h = counting('scale', (g) => g);
    const xb = new TiledCrossbar('fc', geometry, components([h.entry]), backend, w);
    xb.forward(x);
    xb.forward(x);
    xb.backward(randomMatrix(3, 13));
    expect(h.calls.n).toBe(2); // G+ and G−, shared by both directions
    xb.update(randomMatrix(20, 13), 0.01, ...NO_OPERANDS);
    xb.forward(x);
    expect(h.calls.n).toBe(4);
  });

  it('applies conductance hooks in stack order, and only in their phases', () => {
    const double = counting('double', (g) => 2 * g).entry;
    const square = counting('square', (g) => g * g).entry;
    const a = new TiledCrossbar('fc', geometry, components([square, double]), backend, w).forward(x);
    const b = new TiledCrossbar('fc', geometry, components([double, square]), backend, w).forward(x);
    // squaring after doubling gives 4·G², doubling after squaring 2·G²: order must show as a factor of 2.
    const ratio = b.data.map((v, k) => v / a.data[k]!);
    for (const r of ratio) expect(r).toBeCloseTo(2, 3);
    const plain = product(x, w);
    const twice = plain.clone();
    twice.data.forEach((v, k) => (twice.data[k] = 2 * v));
    const forwardOnly = counting('fwd', (g) => 2 * g, ['forward']).entry;
    const xb = new TiledCrossbar('fc', geometry, components([forwardOnly]), backend, w);
    const d = randomMatrix(3, 13, 'd');
    expect(maxAbsDiff(xb.backward(d), product(d, w, true))).toBeLessThan(1e-5);
    expect(maxAbsDiff(xb.forward(x), twice)).toBeLessThan(1e-4);
  });

  it('keeps each direction result when a directional hook rebuilds the other direction', () => {
    const directional: NonidealityHooks = {
      directional: true,
      conductance(src, dst, ctx) {
        const f = ctx.direction === 'forward' ? 2 : 3;
        for (let k = 0; k < src.length; k++) dst[k] = src[k]! * f;
      },
    };
    const xb = new TiledCrossbar('fc', geometry, components([{ name: 'dir', hooks: directional, phases: new Set<Phase>(['forward', 'backward']) }]), backend, w);
    const d = randomMatrix(3, 13, 'd');
    const y = xb.forward(x);
    const dx = xb.backward(d);
    const plain = product(x, w);
    const plainBack = product(d, w, true);
    expect(maxAbsDiff(y, Object.assign(plain.clone(), { data: plain.data.map((v) => 2 * v) }))).toBeLessThan(1e-4);
    expect(maxAbsDiff(dx, Object.assign(plainBack.clone(), { data: plainBack.data.map((v) => 3 * v) }))).toBeLessThan(1e-4);
    // A second forward read after the backward rebuild must still see the forward conductances.
    expect(maxAbsDiff(xb.forward(x), y)).toBe(0);
  });
});


describe('TiledCrossbar snapshots', () => {
  // A stateful, random plugin: output noise from its stream, a gain that drifts with every read
  // (closure state), and a calibrated scale on the update path.
  const drifting = (rng: Rng): NonidealityHooks => {
    let reads = 0;
    return {
      output(src, dst) {
        reads++;
        for (let k = 0; k < src.length; k++) dst[k] = src[k]! * (1 + 0.01 * reads) + 1e-3 * rng.normal();
      },
      delta(src, dst) {
        for (let k = 0; k < src.length; k++) dst[k] = src[k]! * (1 + 0.1 * rng.next());
      },
      snapshot: () => ({ reads }),
      restore(state) {
        reads = (state as { reads: number }).reads;
      },
    };
  };
  const build = (rngs: RngFactory) => {
    const stack: StackEntry[] = [{ name: 'drifting', hooks: drifting(rngs.stream('fc', 'stack', 0)), phases: new Set<Phase>(['forward', 'backward', 'update']) }];
    return new TiledCrossbar('fc', geometry, components(stack), backend, randomMatrix(20, 13, 'w0'));
  };
  const step = (xb: TiledCrossbar, i: number) => {
    const y = xb.forward(randomMatrix(6, 20, `x${i}`));
    const d = xb.backward(randomMatrix(6, 13, `d${i}`));
    xb.update(randomMatrix(20, 13, `g${i}`), 0.1, ...NO_OPERANDS);
    return [...y.data, ...d.data, ...xb.conductances('plus'), ...xb.conductances('minus')];
  };

  it('continues bit-identically after restore into a freshly built crossbar', () => {
    const rngs = new RngFactory(3);
    const a = build(rngs);
    for (let i = 0; i < 3; i++) step(a, i);
    const saved = JSON.parse(JSON.stringify({ crossbar: a.snapshot(), rng: rngs.snapshot() })) as { crossbar: CrossbarState; rng: RngFactoryState };
    const [plus, minus] = [a.conductances('plus'), a.conductances('minus')];

    const fresh = new RngFactory(3);
    const b = build(fresh);
    b.restore(plus, minus);
    b.restoreState(saved.crossbar);
    fresh.restore(saved.rng);
    expect(b.activity).toEqual(a.activity);
    for (let i = 3; i < 6; i++) expect(step(b, i)).toEqual(step(a, i));
    expect(b.activity).toEqual(a.activity);
  });

  it('refuses plugin state that no plugin of the crossbar can restore', () => {
    const b = build(new RngFactory(3));
    expect(() => b.restoreState({ activity: b.activity, plugins: { 'forward/adc': { x: 1 } } })).toThrow(/cannot restore/);
  });
});

describe('TiledCrossbar with the sign-split mapping', () => {
  const w = randomMatrix(20, 13, 'w');
  const split = (over: Partial<CrossbarComponents> = {}): CrossbarComponents => ({ ...components(), scheme: 'sign-split', ...over });
  const { paddedCols } = geometry;
  const cellsAtFloor = (xb: TiledCrossbar) => {
    const plus = xb.conductances('plus');
    const minus = xb.conductances('minus');
    let ok = 0;
    for (let k = 0; k < plus.length; k++) if (plus[k] === 0 || minus[k] === 0) ok++;
    return ok / plus.length;
  };

  it('programs each weight on the device of its sign, the other at gmin, and reads x·W', () => {
    const xb = new TiledCrossbar('fc', geometry, split(), backend, w);
    const plus = xb.conductances('plus');
    const minus = xb.conductances('minus');
    const s = xb.siemensPerWeight;
    for (let i = 0; i < 20; i++) {
      for (let j = 0; j < 13; j++) {
        const v = w.data[i * 13 + j]!;
        expect(plus[i * paddedCols + j]).toBeCloseTo(Math.max(v, 0) * s, 12);
        expect(minus[i * paddedCols + j]).toBeCloseTo(Math.max(-v, 0) * s, 12);
      }
    }
    const x = randomMatrix(6, 20, 'x');
    expect(maxAbsDiff(xb.forward(x), product(x, w))).toBeLessThan(1e-5);
  });

  it('applies W ← W − η·∇W exactly, handing weights across zero from one device to the other', () => {
    const xb = new TiledCrossbar('fc', geometry, split(), backend, w);
    // A gradient large enough to flip the sign of many weights.
    const grad = randomMatrix(20, 13, 'g', -10, 10);
    xb.update(grad, 0.2, ...NO_OPERANDS);
    const expected = w.clone();
    let flipped = 0;
    expected.data.forEach((v, k) => {
      expected.data[k] = v - 0.2 * grad.data[k]!;
      if (Math.sign(expected.data[k]!) !== Math.sign(v)) flipped++;
    });
    expect(flipped).toBeGreaterThan(20);
    expect(maxAbsDiff(xb.weights(), expected)).toBeLessThan(1e-6);
    // The invariant of the mapping survives: one device of every pair stays at gmin.
    expect(cellsAtFloor(xb)).toBe(1);
  });

  it('routes pulses to the device of the weight sign (a pulse device sees only its own cells)', () => {
    const seen: Record<string, number> = { 'plus/up': 0, 'plus/down': 0, 'minus/up': 0, 'minus/down': 0 };
    const step = 0.01;
    const base = components();
    const device = {
      ...base.device,
      pulseStep: step,
      pulse(g: Float64Array, up: Float32Array, down: Float32Array, dst: Float64Array, ctx: { polarity: string }) {
        for (let k = 0; k < g.length; k++) {
          seen[`${ctx.polarity}/up`]! += up[k]!;
          seen[`${ctx.polarity}/down`]! += down[k]!;
          dst[k] = Math.max(0, g[k]! + (up[k]! - down[k]!) * step);
        }
      },
    };
    // Every cell gets 3 raising coincidences.
    const rule = { update: (_: unknown, out: { up: Float32Array; down: Float32Array }) => (out.up.fill(0).fill(3, 0), out.down.fill(0), 'pulses' as const) };
    const xb = new TiledCrossbar('fc', geometry, split({ device, updateRule: rule }), backend, w);
    const before = xb.weights();
    xb.update(new Matrix(20, 13), 0.1, ...NO_OPERANDS);
    const after = xb.weights();
    // Raising pulses potentiate G+ of positive (and padding, zero) weights and depress G− of negative ones.
    const negatives = before.data.filter((v) => v < 0).length;
    expect(seen['minus/down']).toBe(3 * negatives);
    expect(seen['plus/down']).toBe(0);
    expect(seen['minus/up']).toBe(0);
    for (let k = 0; k < before.data.length; k++) {
      const v = before.data[k]!;
      const moved = (3 * step) / xb.siemensPerWeight;
      // A negative weight can rise at most to zero within one step (its G− floors at gmin).
      expect(after.data[k]).toBeCloseTo(v >= 0 ? v + moved : Math.min(0, v + moved), 6);
    }
  });
});

describe('fitted tiles', () => {
  it('covers a layer with equal tiles no larger than the maximum and the least padding', async () => {
    const { fittedTile } = await import('./geometry.js');
    expect(fittedTile(784, 256, 512, 512)).toEqual({ rows: 392, cols: 256 });
    expect(fittedTile(128, 10, 512, 512)).toEqual({ rows: 128, cols: 10 });
    expect(fittedTile(1000, 1000, 64, 64)).toEqual({ rows: 63, cols: 63 });
    for (const [n, max] of [[784, 512], [1000, 64], [65, 64], [7, 7], [1, 3]] as const) {
      const t = fittedTile(n, n, max, max).rows;
      const tiles = Math.ceil(n / t);
      expect(t).toBeLessThanOrEqual(max);
      // As few tiles as full-size ones need, and less than one tile row of padding in all.
      expect(tiles).toBe(Math.ceil(n / max));
      expect(tiles * t - n).toBeLessThan(tiles);
    }
  });
});

describe('sparse pulse updates', () => {
  // A rule that pulses a few random cells per step and lists them (ascending), writing only those when the
  // tile hands it zeroed targets; a device that writes the listed cells in place and clips itself. The
  // sparse tile patches its reads at those cells; the reference (sparse = false) rebuilds them whole.
  function sparseParts(seed: string, scheme: 'mid-range' | 'sign-split') {
    const base = components();
    const zeroOnEntry: boolean[] = [];
    let rng = new RngFactory(seed).stream('cells');
    const step = 0.003;
    const device = {
      ...base.device,
      pulseStep: step,
      clipsItself: true,
      pulsesInPlace: true,
      pulse(g: Float64Array, up: Float32Array, down: Float32Array, dst: Float64Array, ctx: { active?: { idx: Int32Array; count: number } }) {
        const list = ctx.active && ctx.active.count >= 0 ? ctx.active : undefined;
        const count = list ? list.count : g.length;
        for (let i = 0; i < count; i++) {
          const k = list ? list.idx[i]! : i;
          dst[k] = Math.min(1, Math.max(0, g[k]! + (up[k]! - down[k]!) * step * (1 + 0.1 * Math.sin(k))));
        }
      },
    };
    const rule = {
      update(inputs: { geometry: { paddedRows: number; paddedCols: number } }, out: { up: Float32Array; down: Float32Array; active?: { idx: Int32Array; count: number }; zeroed?: boolean }) {
        const n = inputs.geometry.paddedRows * inputs.geometry.paddedCols;
        if (out.zeroed) zeroOnEntry.push(out.up.every((v) => v === 0) && out.down.every((v) => v === 0));
        else {
          out.up.fill(0);
          out.down.fill(0);
        }
        const cells = new Set<number>();
        while (cells.size < 12) cells.add(Math.floor(rng.next() * n));
        const sorted = [...cells].sort((a, b) => a - b);
        sorted.forEach((k, i) => {
          if (rng.next() < 0.5) out.up[k] = 1 + Math.floor(rng.next() * 3);
          else out.down[k] = 1 + Math.floor(rng.next() * 3);
          out.active!.idx[i] = k;
        });
        out.active!.count = sorted.length;
        return 'pulses' as const;
      },
    };
    const reset = () => (rng = new RngFactory(seed).stream('cells'));
    return { parts: { ...base, device, updateRule: rule, scheme } as CrossbarComponents, zeroOnEntry, reset };
  }

  for (const scheme of ['mid-range', 'sign-split'] as const) {
    it(`reads after listed pulses equal a whole rebuild, bit for bit, without rebuilding whole arrays (${scheme})`, () => {
      const w = randomMatrix(20, 13, 'w');
      const x = randomMatrix(3, 20, 'x');
      const dy = randomMatrix(3, 13, 'dy');
      const a = sparseParts('s', scheme);
      const b = sparseParts('s', scheme);
      const sparse = new TiledCrossbar('fc', geometry, a.parts, backend, w);
      const plain = new TiledCrossbar('fc', geometry, b.parts, backend, w);
      plain.sparse = false;
      const combine = kernels.combine;
      let calls = 0;
      kernels.combine = (...args) => {
        calls++;
        return combine.apply(kernels, args);
      };
      try {
        for (let s = 0; s < 6; s++) {
          const cs = calls;
          const f0 = sparse.forward(x).data.slice();
          const b0 = sparse.backward(dy).data.slice();
          // After the first build the sparse tile never combines whole arrays again.
          expect(calls - cs).toBe(s === 0 ? 2 : 0);
          const c0 = calls;
          expect(Array.from(plain.forward(x).data)).toEqual(Array.from(f0));
          expect(Array.from(plain.backward(dy).data)).toEqual(Array.from(b0));
          // The plain tile rebuilt both directions after its update (none on the first step: both new).
          if (s > 0) expect(calls - c0).toBe(2);
          const c1 = calls;
          sparse.update(new Matrix(20, 13), 0.1, ...NO_OPERANDS);
          plain.update(new Matrix(20, 13), 0.1, ...NO_OPERANDS);
          expect(calls).toBe(c1);
        }
        expect(Array.from(sparse.conductances('plus'))).toEqual(Array.from(plain.conductances('plus')));
        expect(Array.from(sparse.conductances('minus'))).toEqual(Array.from(plain.conductances('minus')));
      } finally {
        kernels.combine = combine;
      }
      expect(a.zeroOnEntry).toHaveLength(6);
      expect(a.zeroOnEntry.every(Boolean)).toBe(true);
      expect(b.zeroOnEntry).toHaveLength(0);
    });
  }
});
