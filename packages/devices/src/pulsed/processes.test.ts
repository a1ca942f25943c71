import { describe, expect, it } from 'vitest';
import { kernels, Rng } from '@txsim/core';
import type { PulsedHidden } from './hidden.js';
import { addWriteOffsets, redrawWriteNoise, resetDevices, settleDevices } from './processes.js';

// The compiled write-noise redraw, decay/diffusion, reset and offset read (assembly/pulsed.ts) against their
// TypeScript loops: the same values bit for bit and the plugin stream left at the same position.
const n = 1001;

function hidden(seed: string): PulsedHidden {
  const r = new Rng(seed);
  const a = (f: () => number) => Float64Array.from({ length: n }, f);
  const bmin = a(() => -0.6 - 0.2 * r.next());
  const bmax = a(() => 0.6 + 0.2 * r.next());
  return {
    bmin, bmax, dUp: a(() => 0.001), dDown: a(() => 0.001),
    retention: a(() => 1 - 0.01 * r.next()), diffusion: a(() => (r.next() < 0.2 ? 0 : 0.05 * r.next())), resetBias: a(() => 0.3 * r.normal()),
  };
}
const scale = { wMin: -1, gmin: 1e-7, s: 1e-6, invS: 1e6 };

function states(seed: string): Float64Array {
  const r = new Rng(seed);
  const g = kernels.float64(n);
  // Weights from −1.5 to 1.5: some beyond every device's bounds.
  for (let k = 0; k < n; k++) g[k] = scale.gmin + (r.next() * 3 - 1.5 - scale.wMin) * scale.s;
  return g;
}

const sameStream = (a: Rng, b: Rng) => expect(b.snapshot()).toEqual(a.snapshot());

describe('pulsed-device processes (compiled against their TypeScript loops)', () => {
  it('are built', () => expect(settleDevices.compiled).not.toBeNull());

  it('redraws write noise of listed cells and of every cell', () => {
    const list = { idx: kernels.int32(n), count: 0 };
    for (let k = 0; k < n; k += 3) list.idx[list.count++] = k;
    for (const cells of [list, undefined]) {
      const a = new Rng('w');
      const b = new Rng('w');
      a.normal(); // an odd position: the spare normal is pending
      b.normal();
      const want = new Float64Array(n).fill(7);
      const got = kernels.float64(n).fill(7);
      redrawWriteNoise.reference(want, 0.02, a, cells);
      redrawWriteNoise.compiled!(got, 0.02, b, cells);
      expect(Array.from(got)).toEqual(Array.from(want));
      sameStream(a, b);
      expect(got.filter((v) => v !== 7).length).toBe(cells ? list.count : n);
    }
  });

  for (const [decays, diffuses] of [[true, true], [true, false], [false, true]] as const) {
    it(`settles devices (decay ${decays}, diffusion ${diffuses})`, () => {
      const h = hidden('h');
      const want = states('g');
      const got = kernels.float64(n);
      got.set(want);
      const before = Array.from(want);
      const a = new Rng('s');
      const b = new Rng('s');
      settleDevices.reference(want, h, decays, diffuses, a, scale);
      settleDevices.compiled!(got, h, decays, diffuses, b, scale);
      expect(Array.from(got)).toEqual(Array.from(want));
      sameStream(a, b);
      expect(want.filter((v, k) => v !== before[k]).length).toBeGreaterThan(n / 2);
    });
  }

  for (const resetStd of [0, 0.1]) {
    it(`resets devices (resetStd ${resetStd})`, () => {
      const h = hidden('h');
      const want = states('g');
      const got = kernels.float64(n);
      got.set(want);
      const a = new Rng('r');
      const b = new Rng('r');
      resetDevices.reference(want, h, resetStd, a, scale);
      resetDevices.compiled!(got, h, resetStd, b, scale);
      expect(Array.from(got)).toEqual(Array.from(want));
      sameStream(a, b);
      // Without spread every device sits at its reset bias (held to its bounds).
      if (resetStd === 0) for (let k = 0; k < n; k += 97) expect(want[k]).toBeCloseTo(scale.gmin + (h.resetBias[k]! - scale.wMin) * scale.s, 15);
    });
  }

  it('reads through the offsets (odd length)', () => {
    const src = states('g');
    const off = new Rng('o').fillNormal(kernels.float64(n), 0, 1e-8) as Float64Array;
    const want = new Float64Array(n);
    const got = kernels.float64(n);
    addWriteOffsets.reference(src, off, want);
    addWriteOffsets.compiled!(src, off, got);
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(got[n - 1]).toBe(src[n - 1]! + off[n - 1]!);
  });
});
