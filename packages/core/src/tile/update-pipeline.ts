import type { Polarity, UpdateContext } from '../plugin/types.js';
import type { ActivityCounts } from './counters.js';
import type { CrossbarComponents } from './components.js';
import type { Scratch } from './scratch.js';

/**
 * Applies one weight update to the stored conductances. Stage order, fixed here:
 * update rule → (per device of the pair) delta hooks → device response → clip to [gmin, gmax] → after hooks.
 *
 * The wanted differential change is split evenly between the pair (+½ on G+, −½ on G−), so each
 * device moves from its own state through its own non-linear response.
 */
export function updateConductances(
  grad: Float32Array,
  learningRate: number,
  siemensPerWeight: number,
  state: Record<Polarity, Float64Array>,
  components: CrossbarComponents,
  scratch: Scratch,
  counts: ActivityCounts,
): void {
  const n = grad.length;
  const want = scratch.float64('want', n);
  components.updateRule.delta(grad, learningRate, siemensPerWeight, want);
  counts.updatePulses += 2 * countNonzero(want);

  const { device } = components;
  const deltaHooks = components.stack.filter((e) => e.hooks.delta && e.phases.has('update'));
  const afterHooks = components.stack.filter((e) => e.hooks.after && e.phases.has('update'));
  const work = [scratch.float64('w0', n), scratch.float64('w1', n)] as const;
  for (const polarity of ['plus', 'minus'] as const) {
    const g = state[polarity];
    const half = polarity === 'plus' ? 0.5 : -0.5;
    if (!deltaHooks.length && !afterHooks.length && !device.respond) {
      // Nothing to intercept: one fused pass instead of scale, add and clip (this is memory-bound).
      stepInPlace(g, want, half, device.gmin, device.gmax);
      continue;
    }
    const ctx: UpdateContext = { polarity, conductance: g, gmin: device.gmin, gmax: device.gmax };
    let delta = work[0];
    scaleInto(want, half, delta);
    for (const e of deltaHooks) {
      const dst = delta === work[0] ? work[1] : work[0];
      e.hooks.delta!(delta, dst, ctx);
      delta = dst;
    }
    const next = delta === work[0] ? work[1] : work[0];
    if (device.respond) {
      device.respond(g, delta, next);
      clip(next, device.gmin, device.gmax);
    } else {
      addClipped(g, delta, next, device.gmin, device.gmax);
    }
    let result = next;
    for (const e of afterHooks) {
      const dst = result === work[0] ? work[1] : work[0];
      e.hooks.after!(result, dst, ctx);
      result = dst;
    }
    g.set(result);
  }
}

function countNonzero(a: Float64Array): number {
  let c = 0;
  for (let k = 0; k < a.length; k++) if (a[k] !== 0) c++;
  return c;
}

function scaleInto(src: Float64Array, f: number, dst: Float64Array): void {
  for (let k = 0; k < src.length; k++) dst[k] = f * src[k]!;
}

function addClipped(a: Float64Array, b: Float64Array, dst: Float64Array, lo: number, hi: number): void {
  for (let k = 0; k < a.length; k++) {
    const v = a[k]! + b[k]!;
    dst[k] = v < lo ? lo : v > hi ? hi : v;
  }
}

function clip(a: Float64Array, lo: number, hi: number): void {
  for (let k = 0; k < a.length; k++) {
    const v = a[k]!;
    if (v < lo) a[k] = lo;
    else if (v > hi) a[k] = hi;
  }
}

function stepInPlace(g: Float64Array, want: Float64Array, f: number, lo: number, hi: number): void {
  for (let k = 0; k < g.length; k++) {
    const v = g[k]! + f * want[k]!;
    g[k] = v < lo ? lo : v > hi ? hi : v;
  }
}
