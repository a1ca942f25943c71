import type { PulseResponse } from './data.js';
import { levenbergMarquardt } from './least-squares.js';
import { scale, type FitModel, type FittedParam } from './models.js';

export interface FitResult {
  readonly model: string;
  readonly file: string;
  readonly points: { readonly up: number; readonly down: number };
  readonly params: readonly FittedParam[];
  /** Root-mean-square of model − data, in siemens, and relative to the fitted gmax − gmin. */
  readonly rms: number;
  readonly relativeRms: number;
}

/** Least-squares fit of `model` to a measured pulse response: the best of LM runs from each start. */
export function fitModel(model: FitModel, data: PulseResponse, label: (normA: number, pulses: number) => number): FitResult {
  const d = scale(data);
  const up = new Float64Array(d.upG.length);
  const down = new Float64Array(d.downG.length);
  const r = new Float64Array(up.length + down.length);
  const residuals = (t: readonly number[]) => {
    model.predict(t, d, up, down);
    for (let i = 0; i < up.length; i++) r[i] = up[i]! - d.upG[i]!;
    for (let i = 0; i < down.length; i++) r[up.length + i] = down[i]! - d.downG[i]!;
    return r.slice();
  };
  let best = { params: model.starts(d)[0]!, cost: Infinity };
  for (const start of model.starts(d)) {
    const fit = levenbergMarquardt(residuals, start);
    if (fit.cost < best.cost) best = fit;
  }
  const rms = Math.sqrt(best.cost / r.length) * d.span;
  const { gmin, gmax } = model.range(best.params, d);
  return {
    model: model.name, file: data.file, points: { up: up.length, down: down.length },
    params: model.report(best.params, d, label), rms, relativeRms: rms / Math.abs(gmax - gmin),
  };
}
