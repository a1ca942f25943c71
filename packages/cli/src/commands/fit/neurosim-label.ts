import { ReferenceBackend, Rng, tileGeometry, type Plugin } from '@txsim/core';

/** The largest label of NeuroSim's table. */
const MAX_LABEL = 9;

/**
 * NeuroSim's nonlinearity label of a curve with normalised A = A/P, read off the registered
 * `neurosim` device itself (so the fit and the simulator share one table): the label whose device
 * gives the same first-pulse step on a P-level LTP curve, found by bisection (the step grows with the
 * label). Labels are odd in A (a negative A gives the negative label); beyond the table's end the
 * result is clamped to ±9.
 */
export function neurosimLabel(device: Plugin<'device'>, normA: number, pulses: number): number {
  const c = 1 / normA;
  const target = Math.abs(c) < 1e-9 ? 1 / pulses : Math.expm1(-Math.abs(c) / pulses) / Math.expm1(-Math.abs(c));
  const ctx = { layer: 'fit', geometry: tileGeometry(1, 1, 1, 1), rng: new Rng('fit'), backend: new ReferenceBackend() };
  const g = Float64Array.of(0);
  const out = new Float64Array(1);
  const firstStep = (nl: number) => {
    const parsed = device.meta.params.safeParse({ gmin: 0, gmax: 1, maxLevel: pulses, maxLevelLtd: pulses, nlLtp: nl, sigmaC2c: 0, sigmaD2d: 0 });
    if (!parsed.success) {
      // The fitted curve lies outside what the neurosim device accepts: say which parameter, not zod's JSON.
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ');
      throw new Error(`fit neurosim: the fitted curve (${pulses} pulses, label ${nl}) is outside the neurosim device's parameters (${why}); check the data's pulse column`);
    }
    const params = parsed.data;
    device.create(ctx, params).pulse!(g, Float32Array.of(1), Float32Array.of(0), out, { polarity: 'plus', conductance: g, gmin: 0, gmax: 1 });
    return out[0]!;
  };
  let lo = 0;
  let hi = MAX_LABEL;
  if (target >= firstStep(hi)) return Math.sign(c) * MAX_LABEL;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (firstStep(mid) < target) lo = mid;
    else hi = mid;
  }
  return Math.sign(c || 1) * ((lo + hi) / 2);
}
