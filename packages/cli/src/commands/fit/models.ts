import type { PulseResponse } from './data.js';

/** A fitted quantity as reported: value, unit ('1' for dimensionless) and what it is. */
export interface FittedParam {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly note: string;
}

/** The data scaled to [0, 1] (y' = (G − offset)/span), which keeps the fit well conditioned. */
export interface Scaled {
  readonly upPulse: Float64Array;
  readonly upG: Float64Array;
  readonly downPulse: Float64Array;
  readonly downG: Float64Array;
  /** Pulses of the longest up and down sweep in the data (NeuroSim's maxNumLevelLTP/LTD). */
  readonly pUp: number;
  readonly pDown: number;
  readonly offset: number;
  readonly span: number;
}

/** A response model `txsim fit` can fit: parameters θ in scaled units, a prediction, and a report in physical units. */
export interface FitModel {
  readonly name: string;
  readonly description: string;
  /** Starting points; the fit keeps the best of the runs from each. */
  starts(d: Scaled): number[][];
  /** Model conductances (scaled) of the up and the down sweep at the data's pulse indices. */
  predict(theta: readonly number[], d: Scaled, up: Float64Array, down: Float64Array): void;
  /** The fitted parameters in physical units; `label` turns a normalised A into NeuroSim's label. */
  report(theta: readonly number[], d: Scaled, label: (normA: number, pulses: number) => number): FittedParam[];
  /** The fitted bounds in siemens, for the relative residual. */
  range(theta: readonly number[], d: Scaled): { gmin: number; gmax: number };
}

function largest(a: Float64Array): number {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) if (a[i]! > m) m = a[i]!;
  return m;
}

export function scale(data: PulseResponse): Scaled {
  let lo = Infinity;
  let hi = -Infinity;
  for (const g of [...data.up.g, ...data.down.g]) {
    lo = Math.min(lo, g);
    hi = Math.max(hi, g);
  }
  const span = hi > lo ? hi - lo : Math.max(hi, 1e-30);
  const s = (a: Float64Array) => a.map((g) => (g - lo) / span);
  return {
    upPulse: data.up.pulse, upG: s(data.up.g), downPulse: data.down.pulse, downG: s(data.down.g),
    // A loop, not Math.max(...pulses): spreading 150k arguments overflows the call stack.
    pUp: largest(data.up.pulse), pDown: largest(data.down.pulse), offset: lo, span,
  };
}

/** NeuroSim's normalised curve (1 − e^(−c·n/P))/(1 − e^(−c)), c = P/A; c → 0 is the straight line. */
function curve(n: number, c: number, P: number): number {
  const cc = c > 60 ? 60 : c < -60 ? -60 : c;
  return Math.abs(cc) < 1e-9 ? n / P : Math.expm1((-cc * n) / P) / Math.expm1(-cc);
}

const physical = (d: Scaled, v: number) => d.offset + v * d.span;

/**
 * NeuroSim: G = Gmin + (Gmax − Gmin)·curve(n; P/A_LTP) up from Gmin, and down from Gmax along the LTD
 * curve, G = Gmin + (Gmax − Gmin)·curve(P_LTD − n; P_LTD/A_LTD). θ = [gmin, gmax, c_LTP, c_LTD] (scaled).
 */
export const neurosimModel: FitModel = {
  name: 'neurosim',
  description: "NeuroSim's exponential LTP/LTD curves (Gmin, Gmax, A_LTP, A_LTD → nonlinearity labels)",
  starts: () => [0.3, 1, 3].flatMap((a) => [-3, -1, -0.3, 0.3, 1, 3].map((b) => [0, 1, a, b])),
  predict(t, d, up, down) {
    const [g0, g1, cu, cd] = t as [number, number, number, number];
    for (let i = 0; i < up.length; i++) up[i] = g0 + (g1 - g0) * curve(d.upPulse[i]!, cu, d.pUp);
    for (let i = 0; i < down.length; i++) down[i] = g0 + (g1 - g0) * curve(d.pDown - d.downPulse[i]!, cd, d.pDown);
  },
  report(t, d, label) {
    const [g0, g1, cu, cd] = t as [number, number, number, number];
    return [
      { name: 'gmin', value: physical(d, g0), unit: 'S', note: 'lowest conductance (curves start here)' },
      { name: 'gmax', value: physical(d, g1), unit: 'S', note: 'highest conductance' },
      { name: 'maxLevel', value: d.pUp, unit: '1', note: 'up pulses in the data (full LTP sweep)' },
      { name: 'maxLevelLtd', value: d.pDown, unit: '1', note: 'down pulses in the data (full LTD sweep)' },
      { name: 'aLtp', value: d.pUp / cu, unit: 'pulses', note: 'NeuroSim A of the LTP curve' },
      { name: 'aLtd', value: d.pDown / cd, unit: 'pulses', note: 'NeuroSim A of the LTD curve' },
      { name: 'nlLtp', value: label(1 / cu, d.pUp), unit: '1', note: 'NeuroSim nonlinearity label of A_LTP/maxLevel' },
      { name: 'nlLtd', value: label(1 / cd, d.pDown), unit: '1', note: 'NeuroSim nonlinearity label of A_LTD/maxLevelLtd' },
    ];
  },
  range: (t, d) => ({ gmin: physical(d, t[0]!), gmax: physical(d, t[1]!) }),
};

/**
 * Soft bounds (aihwkit SoftBounds in conductance): each up pulse closes a fixed fraction of the gap
 * to Gmax, each down pulse of the gap to Gmin: G = Gmax − (Gmax − Gmin)e^(−k↑n) up from Gmin, then
 * G = Gmin + (G_top − Gmin)e^(−k↓n) down from where the up sweep ended. θ = [gmin, gmax, ln k↑, ln k↓].
 */
export const softBoundsModel: FitModel = {
  name: 'soft-bounds',
  description: 'exponential saturation towards both bounds (Gmin, Gmax, step fractions up and down)',
  starts: (d) => [0.3, 1, 3].flatMap((a) => [0.3, 1, 3].map((b) => [0, 1, Math.log(a / d.pUp), Math.log(b / d.pDown)])),
  predict(t, d, up, down) {
    const [g0, g1, lu, ld] = t as [number, number, number, number];
    const ku = Math.exp(lu);
    const kd = Math.exp(ld);
    for (let i = 0; i < up.length; i++) up[i] = g1 - (g1 - g0) * Math.exp(-ku * d.upPulse[i]!);
    const top = g1 - (g1 - g0) * Math.exp(-ku * d.pUp);
    for (let i = 0; i < down.length; i++) down[i] = g0 + (top - g0) * Math.exp(-kd * d.downPulse[i]!);
  },
  report(t, d) {
    const [g0, g1, lu, ld] = t as [number, number, number, number];
    const su = -Math.expm1(-Math.exp(lu));
    const sd = -Math.expm1(-Math.exp(ld));
    const range = (g1 - g0) * d.span;
    return [
      { name: 'gmin', value: physical(d, g0), unit: 'S', note: 'lower bound' },
      { name: 'gmax', value: physical(d, g1), unit: 'S', note: 'upper bound' },
      { name: 'stepUp', value: su, unit: '1', note: 'fraction of (gmax − G) one up pulse adds' },
      { name: 'stepDown', value: sd, unit: '1', note: 'fraction of (G − gmin) one down pulse removes' },
      { name: 'dgUpAtGmin', value: su * range, unit: 'S', note: 'first up step from gmin' },
      { name: 'dgDownAtGmax', value: -sd * range, unit: 'S', note: 'first down step from gmax' },
    ];
  },
  range: (t, d) => ({ gmin: physical(d, t[0]!), gmax: physical(d, t[1]!) }),
};

export const FIT_MODELS: readonly FitModel[] = [neurosimModel, softBoundsModel];
