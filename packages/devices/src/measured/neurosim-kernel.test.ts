import { describe, expect, it } from 'vitest';
import { kernels, Rng } from '@txsim/core';
import { curveSet, neurosimWrite } from './exp-curve.js';
import { normalisedA } from './neurosim-table.js';

// The compiled NeuroSim write (assembly/pulsed.ts neurosimPulses) against applyPulses + addWriteNoise.
const shape = { gmin: 3e-9, gmax: 3.8e-8, pUp: 97, pDown: 100 };
const n = 2003;

function request(seed: string) {
  const r = new Rng(seed);
  const g = kernels.float64(n);
  const up = kernels.float32(n);
  const down = kernels.float32(n);
  const delta = kernels.float64(n);
  for (let k = 0; k < n; k++) {
    g[k] = 1e-9 + 4e-8 * r.next(); // some beyond the range, clamped on the curves
    if (r.next() < 0.6) {
      up[k] = Math.floor(r.next() * 4);
      down[k] = Math.floor(r.next() * 3) + (r.next() < 0.2 ? 0.5 : 0);
      delta[k] = (r.next() - 0.5) * 4e-9;
    }
  }
  return { g, up, down, delta };
}

describe('neurosimWrite kernel (compiled against its TypeScript reference)', () => {
  it('is built', () => expect(neurosimWrite.compiled).not.toBeNull());

  const shared = curveSet(Float64Array.of(normalisedA(2.4)), Float64Array.of(normalisedA(-4.88)), shape);
  const r = new Rng('d2d');
  const perCell = curveSet(
    Float64Array.from({ length: n }, () => normalisedA(2.4 + r.normal())),
    Float64Array.from({ length: n }, () => normalisedA(-4.88 + r.normal())),
    shape,
  );
  for (const [name, curves] of [['shared curves', shared], ['per-cell curves', perCell]] as const) {
    for (const sigma of [0, 0.035]) {
      it(`${name}, sigma ${sigma}: pulse counts and analog requests bit for bit, the stream left alike`, () => {
        const { g, up, down, delta } = request(`${name}-${sigma}`);
        // factor: respondScaled's request (factor·delta formed per cell), against the reference's scaled copy.
        for (const req of [{ up, down }, { delta, step: 3.6e-10 }, { delta, step: 3.6e-10, factor: -0.5 }, { delta, step: 3.6e-10, factor: 3 }]) {
          const a = new Rng('noise');
          const b = new Rng('noise');
          const want = new Float64Array(n);
          const got = kernels.float64(n);
          neurosimWrite.reference(g, req, want, curves, shape, sigma ? a : null, sigma);
          neurosimWrite.compiled!(g, req, got, curves, shape, sigma ? b : null, sigma);
          expect(Array.from(got)).toEqual(Array.from(want));
          expect(b.snapshot()).toEqual(a.snapshot());
          expect(got.filter((v, k) => v !== g[k]).length).toBeGreaterThan(n / 3);
        }
      });

      it(`${name}, sigma ${sigma}: a factor on the request equals the request scaled first`, () => {
        const { g, delta } = request(`${name}-${sigma}-factor`);
        const a = new Rng('noise');
        const b = new Rng('noise');
        const scaled = delta.map((d) => -0.5 * d);
        const want = kernels.float64(n);
        const got = kernels.float64(n);
        neurosimWrite.compiled!(g, { delta: scaled, step: 3.6e-10 }, want, curves, shape, sigma ? a : null, sigma);
        neurosimWrite.compiled!(g, { delta, step: 3.6e-10, factor: -0.5 }, got, curves, shape, sigma ? b : null, sigma);
        expect(Array.from(got)).toEqual(Array.from(want));
        expect(b.snapshot()).toEqual(a.snapshot());
      });

      it(`${name}, sigma ${sigma}: in place over a list of the pulsed cells (counts up to 300, past the expm1 table) equals the full reference`, () => {
        const { g, up, down } = request(`${name}-${sigma}-list`);
        const r = new Rng('big');
        for (let k = 0; k < n; k += 7) up[k] = Math.floor(r.next() * 300);
        const list = { idx: kernels.int32(n), count: 0 };
        for (let k = 0; k < n; k++) if (up[k]! + down[k]! !== 0 || k % 11 === 0) list.idx[list.count++] = k; // a superset
        const a = new Rng('noise');
        const b = new Rng('noise');
        const want = new Float64Array(n);
        neurosimWrite.reference(g, { up, down }, want, curves, shape, sigma ? a : null, sigma);
        const got = kernels.float64(n);
        got.set(g);
        neurosimWrite.compiled!(got, { up, down }, got, curves, shape, sigma ? b : null, sigma, list);
        expect(Array.from(got)).toEqual(Array.from(want));
        expect(b.snapshot()).toEqual(a.snapshot());
        expect(list.count).toBeLessThan(n);
      });
    }
  }
});
