import { describe, expect, it } from 'vitest';
import { kernels, Rng } from '@txsim/core';
import { lutPulsedCells, lutWrite } from './lut-kernel.js';
import { parseLut } from './lut-file.js';

// Two measured devices, the second with uneven knots, so the row search's guess must be corrected.
const lines = ['g,dg_up,dg_down,sd_up,sd_down,device'];
for (let i = 0; i <= 40; i++) {
  const g = 1e-6 + (i * 9e-6) / 40;
  lines.push(`${g},${2e-7 * Math.exp(-i / 20)},${-2e-7 * Math.exp(-(40 - i) / 20)},${3e-8 * (1 + i / 40)},${2e-8},a`);
}
for (let i = 0; i <= 12; i++) {
  const g = 2e-6 + 8e-6 * (i / 12) ** 2;
  lines.push(`${g},${1.5e-7 * (1 - i / 13)},${-1e-7 * (1 + i / 12)},${1e-8},${4e-8 * (i / 12)},b`);
}
const lut = parseLut(`${lines.join('\n')}\n`, 'two-devices.csv');

/** A NaN whose payload's low word is all ones (a row guess must not take it for a row number). */
const NAN_PAYLOAD = new Float64Array(new Uint32Array([0xffffffff, 0x7fffffff]).buffer)[0]!;

/** A random state and request for n cells: about a third unpulsed, some pairs, fractional counts, states beyond the table. */
function request(n: number, seed: string) {
  const r = new Rng(seed);
  const g = kernels.float64(n);
  const up = kernels.float32(n);
  const down = kernels.float32(n);
  const delta = kernels.float64(n);
  const assign = kernels.uint16(n);
  for (let k = 0; k < n; k++) {
    g[k] = 0.5e-6 + 10e-6 * r.next();
    const u = r.next();
    if (u > 0.33) {
      up[k] = Math.floor(r.next() * 4) + (u > 0.8 ? 0.25 : 0);
      down[k] = Math.floor(r.next() * 3);
      delta[k] = (r.next() - 0.5) * 6e-7;
    }
    assign[k] = r.next() < 0.5 ? 0 : 1;
  }
  return { g, up, down, delta, assign };
}

describe('lutWrite kernel (compiled against its TypeScript reference)', () => {
  const compiled = lutWrite.compiled;

  it('is built (pnpm build compiles packages/devices/assembly)', () => {
    expect(compiled).not.toBeNull();
  });

  for (const noise of [0, 1.5]) {
    it(`pulse counts and analog requests agree bit for bit (noise scale ${noise})`, () => {
      const n = 3001;
      const { g, up, down, delta, assign } = request(n, `lut-${noise}`);
      for (const req of [{ up, down }, { delta, step: 1e-7 }]) {
        // The pulsed cells, counted both ways: as many as the request has non-zero cells.
        const count = lutPulsedCells.compiled!(req);
        expect(count).toBe(lutPulsedCells.reference(req));
        expect(count).toBeGreaterThan(1500);
        const xi = noise ? new Rng('draws').fillNormal(kernels.float64(count)) as Float64Array : null;
        for (const which of [assign, new Uint16Array(0)]) {
          const want = new Float64Array(n);
          const got = kernels.float64(n);
          lutWrite.reference(g, req, want, lut, which, xi, noise);
          compiled!(g, req, got, lut, which, xi, noise);
          expect(Array.from(got)).toEqual(Array.from(want));
          // The kernel really moved the pulsed cells (not a copy of g).
          expect(got.some((v, k) => v !== g[k])).toBe(true);
        }
      }
    });
  }

  it('analog requests of at most one pulse per cell (the two-cell path) agree bit for bit, edge states included', () => {
    // Odd length (a scalar tail); states on knots, at and beyond both ends; requests of exactly ±1 pulse,
    // −0, NaN, underflow-free tiny ones, runs of zeros and pairs with one longer train (the scalar path).
    const n = 4001;
    const r = new Rng('one-pulse');
    const g = kernels.float64(n);
    const delta = kernels.float64(n);
    const assign = kernels.uint16(n);
    const step = 1e-7;
    const knotsOf = (d: number) => lut.g.subarray(lut.offsets[d]!, lut.offsets[d + 1]!);
    for (let k = 0; k < n; k++) {
      const d = r.next() < 0.5 ? 0 : 1;
      assign[k] = d;
      const knots = knotsOf(d);
      const u = r.next();
      g[k] = u < 0.2 ? knots[Math.floor(r.next() * knots.length)]! : u < 0.25 ? knots[0]! : u < 0.3 ? knots[knots.length - 1]! : u < 0.35 ? 12e-6
        : u < 0.36 ? NAN_PAYLOAD : 0.3e-6 + 10e-6 * r.next();
      const v = r.next();
      delta[k] = Math.floor(k / 50) % 3 === 0 ? 0 : v < 0.03 ? step : v < 0.06 ? -step : v < 0.07 ? -0 : v < 0.075 ? NaN : v < 0.08 ? 2.5 * step : (r.next() - 0.5) * 2 * step;
    }
    const req = { delta, step };
    const count = lutPulsedCells.compiled!(req);
    expect(count).toBe(lutPulsedCells.reference(req));
    for (const noise of [0, 1]) {
      const xi = noise ? new Rng('d').fillNormal(kernels.float64(count)) as Float64Array : null;
      for (const which of [assign, new Uint16Array(0)]) {
        const want = new Float64Array(n);
        const got = kernels.float64(n);
        lutWrite.reference(g, req, want, lut, which, xi, noise);
        compiled!(g, req, got, lut, which, xi, noise);
        expect(Array.from(got)).toEqual(Array.from(want));
        expect(got.filter((v, k) => v !== g[k]).length).toBeGreaterThan(n / 2);
      }
    }
  });

  it('a scaled analog request (factor·Δ, in place) gives the bits of the unscaled write on a scaled copy', () => {
    // The tile's ±½ shares and sign-split's 1, with −0, NaN, a subnormal that ½ rounds to 0 and trains of
    // several pulses; the reference is the plain request on f·Δ formed separately (the tile's old scale pass).
    const n = 2001;
    const { g, delta, assign } = request(n, 'scaled');
    for (let k = 0; k < n; k += 97) delta[k] = k % 3 === 0 ? -0 : k % 3 === 1 ? NaN : 5e-324;
    for (let k = 1; k < n; k += 89) delta[k] = 7e-7;
    const step = 1e-7;
    for (const factor of [0.5, -0.5, 1]) {
      const scaled = new Float64Array(n);
      for (let k = 0; k < n; k++) scaled[k] = factor * delta[k]!;
      const count = lutPulsedCells.compiled!({ delta, step, factor });
      expect(count).toBe(lutPulsedCells.reference({ delta: scaled, step }));
      expect(lutPulsedCells.reference({ delta, step, factor })).toBe(count);
      const xi = new Rng('scaled-draws').fillNormal(kernels.float64(count)) as Float64Array;
      const want = new Float64Array(n);
      lutWrite.reference(g, { delta: scaled, step }, want, lut, assign, xi, 1);
      expect(want.some((v, k) => v !== g[k])).toBe(true);
      // Resident state in place (the tile's case), a plain array in place, and the reference with the factor.
      for (const h of [kernels.float64(n), new Float64Array(n)]) {
        h.set(g);
        compiled!(h, { delta, step, factor }, h, lut, assign, xi, 1);
        expect(Array.from(h)).toEqual(Array.from(want));
      }
      const ref = Float64Array.from(g);
      lutWrite.reference(ref, { delta, step, factor }, ref, lut, assign, xi, 1);
      expect(Array.from(ref)).toEqual(Array.from(want));
    }
  });

  it('writes in place (dst = g) as into a separate array, and is deterministic per seed', () => {
    const n = 500;
    const { g, up, down, assign } = request(n, 'inplace');
    const xi = () => new Rng('s').fillNormal(new Float64Array(n)) as Float64Array;
    const sep = kernels.float64(n);
    compiled!(g, { up, down }, sep, lut, assign, xi(), 1);
    const again = kernels.float64(n);
    compiled!(g, { up, down }, again, lut, assign, xi(), 1);
    expect(again).toEqual(sep);
    compiled!(g, { up, down }, g, lut, assign, xi(), 1);
    expect(g).toEqual(sep);
  });
});
