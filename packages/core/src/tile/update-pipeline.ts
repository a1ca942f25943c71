import { kernels } from '../kernels/elementwise.js';
import type { Matrix } from '../matrix/matrix.js';
import type { Polarity, TileGeometry, UpdateContext, UpdateInputs } from '../plugin/types.js';
import type { ActivityCounts } from './counters.js';
import type { CrossbarComponents } from './components.js';
import type { Scratch } from './scratch.js';

/** What the tile hands the update pipeline for one step. */
export interface UpdateStep {
  readonly grad: Float32Array;
  readonly x: Matrix;
  readonly d: Matrix;
  readonly learningRate: number;
  readonly siemensPerWeight: number;
  readonly geometry: TileGeometry;
}

/**
 * Applies one weight update to the stored conductances. Stage order, fixed here:
 * update rule → (per device of the pair) delta hooks → device response → clip to [gmin, gmax] →
 * after hooks → device side processes (decay, diffusion).
 *
 * An analog request (a wanted Δ(G+ − G−)) is split evenly between the pair (+½ on G+, −½ on G−), so
 * each device moves from its own state through its own response. A pulse request (coincidences that
 * raise or lower the weight) potentiates G+ and depresses G− for every raising coincidence and the
 * reverse for every lowering one. A device that models pulses itself gets the counts (its own
 * non-linearity and noise replace the delta hooks); any other device gets (up − down)·pulseStep as
 * a change through the delta hooks.
 */
export function updateConductances(
  step: UpdateStep,
  state: Record<Polarity, Float64Array>,
  components: CrossbarComponents,
  scratch: Scratch,
  counts: ActivityCounts,
): void {
  const n = step.grad.length;
  const { device } = components;
  const pulseStep = device.pulseStep ?? (device.gmax - device.gmin) / 1000;
  const want = scratch.float64('want', n);
  const up = scratch.float32('up', n);
  const down = scratch.float32('down', n);
  const inputs: UpdateInputs = { ...step, pulseStep };
  const kind = components.updateRule.update(inputs, { want, up, down });

  const deltaHooks = components.stack.filter((e) => e.hooks.delta && e.phases.has('update'));
  const afterHooks = components.stack.filter((e) => e.hooks.after && e.phases.has('update'));
  const work = [scratch.float64('w0', n), scratch.float64('w1', n)] as const;
  const clips = !device.clipsItself;

  if (kind === 'pulses') {
    counts.updatePulses += 2 * (sum(up) + sum(down));
    if (!device.pulse) pulsesToChange(up, down, pulseStep, want);
  } else {
    counts.updatePulses += 2 * kernels.countNonzero(want);
  }

  for (const polarity of ['plus', 'minus'] as const) {
    const g = state[polarity];
    const ctx: UpdateContext = { polarity, conductance: g, gmin: device.gmin, gmax: device.gmax };
    let result: Float64Array;
    if (kind === 'pulses' && device.pulse) {
      result = work[0];
      // G− sees the request mirrored: a raising coincidence depresses it.
      if (polarity === 'plus') device.pulse(g, up, down, result, ctx);
      else device.pulse(g, down, up, result, ctx);
      if (clips) clip(result, device.gmin, device.gmax);
    } else {
      const half = polarity === 'plus' ? 0.5 : -0.5;
      // With pulses on a device that only knows conductance changes, each device moves a full step
      // per coincidence (the pair's differential change is 2·pulseStep).
      const factor = kind === 'pulses' ? (polarity === 'plus' ? 1 : -1) : half;
      if (!deltaHooks.length && !afterHooks.length && !device.respond && !device.settle && clips) {
        // Nothing to intercept: one fused pass instead of scale, add and clip (this is memory-bound).
        kernels.stepClip(g, want, factor, device.gmin, device.gmax);
        continue;
      }
      let delta = work[0];
      kernels.scale(want, factor, delta);
      for (const e of deltaHooks) {
        const dst = delta === work[0] ? work[1] : work[0];
        e.hooks.delta!(delta, dst, ctx);
        delta = dst;
      }
      result = delta === work[0] ? work[1] : work[0];
      if (device.respond) {
        device.respond(g, delta, result, ctx);
        if (clips) clip(result, device.gmin, device.gmax);
      } else if (clips) {
        // Without after hooks the clipped sum can go straight into the stored state (saves a copy).
        if (!afterHooks.length) result = g;
        kernels.addClip(g, delta, result, device.gmin, device.gmax);
      } else {
        for (let k = 0; k < n; k++) result[k] = g[k]! + delta[k]!;
      }
    }
    for (const e of afterHooks) {
      const dst = result === work[0] ? work[1] : work[0];
      e.hooks.after!(result, dst, ctx);
      result = dst;
    }
    if (result !== g) g.set(result);
    device.settle?.(g, { polarity });
  }
}

function pulsesToChange(up: Float32Array, down: Float32Array, pulseStep: number, dst: Float64Array): void {
  for (let k = 0; k < up.length; k++) dst[k] = (up[k]! - down[k]!) * pulseStep;
}

function sum(a: Float32Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]!;
  return s;
}

function clip(a: Float64Array, lo: number, hi: number): void {
  for (let k = 0; k < a.length; k++) {
    const v = a[k]!;
    if (v < lo) a[k] = lo;
    else if (v > hi) a[k] = hi;
  }
}
