import { kernels, type UpdateChain } from '../kernels/elementwise.js';
import type { Matrix } from '../matrix/matrix.js';
import type { ActiveCells, Polarity, TileGeometry, UpdateContext, UpdateInputs } from '../plugin/types.js';
import type { ActivityCounts } from './counters.js';
import { listedClear, listedSum } from './listed.js';
import type { CrossbarComponents, StackEntry } from './components.js';
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
 *
 * Under the reference-column mapping the one device of each weight (G+) takes the whole request (an
 * analog change as asked, pulses as counted) and the reference (G−) never changes.
 *
 * Under the sign-split mapping each cell's request goes to the device of the weight's sign instead:
 * an analog change Δ on weight v = G+ − G− asks G+ for max(v + Δ, 0) − max(v, 0) and G− for
 * max(−v − Δ, 0) − max(−v, 0) (a change across zero hands over between the devices), and pulses go
 * to the device of v's sign (raising coincidences potentiate G+ where v ≥ 0, depress G− where v < 0).
 */
export function updateConductances(
  step: UpdateStep,
  state: Record<Polarity, Float64Array>,
  components: CrossbarComponents,
  scratch: Scratch,
  counts: ActivityCounts,
  options: UpdateOptions = {},
): ActiveCells | undefined {
  const n = step.geometry.paddedRows * step.geometry.paddedCols;
  const { device } = components;
  const pulseStep = device.pulseStep ?? (device.gmax - device.gmin) / 1000;
  const split = components.scheme === 'sign-split';
  // reference-column: one device per weight (G+) takes the whole change; G− is the fixed reference.
  const single = components.scheme === 'reference-column';
  const want = scratch.float64('want', n);
  const up = scratch.float32('up', n);
  const down = scratch.float32('down', n);
  // One coincidence moves one device under sign-split, both devices of the pair otherwise.
  const coincidenceStep = split || single ? pulseStep : 2 * pulseStep;
  // Not a spread: that would read `grad`, which the step forms only when a rule asks for it.
  const inputs: UpdateInputs = {
    get grad() {
      return step.grad;
    },
    x: step.x, d: step.d, learningRate: step.learningRate, siemensPerWeight: step.siemensPerWeight, geometry: step.geometry,
    pulseStep, coincidenceStep,
  };
  const active = scratch.active(n);
  active.count = -1;
  // up and down are handed over all zero (`zeroed`), so a rule that lists its cells writes only those: the
  // cells it wrote are cleared after the step (below), not the whole array before the next. A step that
  // threw left them dirty (the flag), and the next clears them whole.
  const dirty = scratch.bytes('targets-dirty', 1);
  if (dirty[0]) {
    up.fill(0);
    down.fill(0);
  }
  dirty[0] = 1;
  const sparse = options.sparse ?? true;
  const kind = components.updateRule.update(inputs, sparse ? { want, up, down, active, zeroed: true } : { want, up, down, active });
  const listed = kind === 'pulses' && active.count >= 0 ? active : undefined;

  const { deltaHooks, afterHooks } = updateHooks(components);
  // Work buffers only for the paths that need them (an in-place pulse update does not).
  let workPair: readonly [Float64Array, Float64Array] | undefined;
  const work = () => (workPair ??= [scratch.float64('w0', n), scratch.float64('w1', n)] as const);
  const clips = !device.clipsItself;

  const devicesPerChange = split || single ? 1 : 2;
  // Sign-split analog change with the same fused chain on both devices (the TxSim stack): the split and both
  // chains in two passes that run each stage once per weight, bit-identical to routing then one chain each
  // (and counting the changed weights on the way).
  if (split && kind !== 'pulses' && deltaHooks.length && !afterHooks.length && !device.respond && !device.settle && clips && (options.fused ?? true)) {
    const chain = fusedChain(deltaHooks, { polarity: 'plus', conductance: state.plus, gmin: device.gmin, gmax: device.gmax });
    const other = chain && fusedChain(deltaHooks, { polarity: 'minus', conductance: state.minus, gmin: device.gmin, gmax: device.gmax });
    if (chain && other && sameChain(chain, other)) {
      counts.updatePulses += devicesPerChange * kernels.splitChain(state.plus, state.minus, want, 1, chain, device.gmin, device.gmax);
      dirty[0] = 0;
      return undefined;
    }
  }
  if (kind === 'pulses') {
    counts.updatePulses += devicesPerChange * (listed ? listedSum(up, down, listed) : sum(up) + sum(down));
    if (!device.pulse) pulsesToChange(up, down, coincidenceStep, want);
  } else {
    counts.updatePulses += devicesPerChange * kernels.countNonzero(want);
  }
  // Per-device requests of the sign-split mapping (G− changes and pulses already mirrored).
  const routed = split ? route(kind === 'pulses' && !!device.pulse, state, want, up, down, scratch, listed) : undefined;

  for (const polarity of single ? ONLY_PLUS : PAIR) {
    const g = state[polarity];
    const ctx: UpdateContext = { polarity, conductance: g, gmin: device.gmin, gmax: device.gmax, active: listed };
    let result: Float64Array;
    if (kind === 'pulses' && device.pulse) {
      // In place when nothing needs the state before and after side by side (two array copies fewer).
      result = device.pulsesInPlace && !afterHooks.length ? g : work()[0];
      if (routed) device.pulse(g, routed.up[polarity], routed.down[polarity], result, ctx);
      // G− sees the request mirrored: a raising coincidence depresses it.
      else if (polarity === 'plus') device.pulse(g, up, down, result, ctx);
      else device.pulse(g, down, up, result, ctx);
      if (clips) clip(result, device.gmin, device.gmax);
    } else {
      // Mid-range: each device takes half of the differential change (pulses on a device that only
      // knows conductance changes were turned into want above). Sign-split: each its routed change.
      const source = routed ? routed.change[polarity] : want;
      const factor = routed || single ? 1 : polarity === 'plus' ? 0.5 : -0.5;
      if (!deltaHooks.length && !afterHooks.length && !device.respond && !device.settle && clips) {
        // Nothing to intercept: one fused pass instead of scale, add and clip (this is memory-bound).
        kernels.stepClip(g, source, factor, device.gmin, device.gmax);
        continue;
      }
      // The common stack (update non-linearity and/or write noise, then add and clip): one pass, bit-identical.
      const chain = !afterHooks.length && !device.respond && clips && (options.fused ?? true) ? fusedChain(deltaHooks, ctx) : undefined;
      if (chain) {
        kernels.updateChain(g, source, factor, chain, device.gmin, device.gmax);
        device.settle?.(g, { polarity });
        continue;
      }
      if (device.respond && device.respondScaled && !deltaHooks.length && (options.fused ?? true)) {
        // The device scales the request itself and writes the state in place: no scale pass, no copy back.
        result = afterHooks.length ? work()[0] : g;
        device.respondScaled(g, source, factor, result, ctx);
        if (clips) clip(result, device.gmin, device.gmax);
      } else {
        // The hooks never write their source, so a unit factor (sign-split) needs no copy.
        const w = work();
        let delta = source;
        if (factor !== 1) kernels.scale(source, factor, (delta = w[0]));
        for (const e of deltaHooks) {
          const dst = delta === w[0] ? w[1] : w[0];
          e.hooks.delta!(delta, dst, ctx);
          delta = dst;
        }
        result = delta === w[0] ? w[1] : w[0];
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
    }
    for (const e of afterHooks) {
      const [w0, w1] = work();
      const dst = result === w0 ? w1 : w0;
      e.hooks.after!(result, dst, ctx);
      result = dst;
    }
    if (result !== g) g.set(result);
    device.settle?.(g, { polarity });
  }
  // An analog request leaves up and down untouched.
  if (listed) listedClear(up, down, listed);
  else if (kind === 'pulses') {
    up.fill(0);
    down.fill(0);
  }
  dirty[0] = 0;
  // Only the listed cells changed when the device wrote them in place and nothing passed over the whole
  // array after it (clip, after hooks, side processes): the tile then rebuilds only those cells' reads.
  const inPlace = kind === 'pulses' && !!device.pulse && !!device.pulsesInPlace && !afterHooks.length;
  return sparse && listed && inPlace && !clips && !device.settle ? listed : undefined;
}

/** The update-phase hooks of a stack, filtered once per stack array (a tile's stack never changes). */
const hooksOf = new WeakMap<readonly StackEntry[], { deltaHooks: StackEntry[]; afterHooks: StackEntry[] }>();
function updateHooks(components: CrossbarComponents): { deltaHooks: StackEntry[]; afterHooks: StackEntry[] } {
  let hooks = hooksOf.get(components.stack);
  if (!hooks) {
    hooks = {
      deltaHooks: components.stack.filter((e) => e.hooks.delta && e.phases.has('update')),
      afterHooks: components.stack.filter((e) => e.hooks.after && e.phases.has('update')),
    };
    hooksOf.set(components.stack, hooks);
  }
  return hooks;
}

/** How an update runs; the default is what a simulation should use. */
export interface UpdateOptions {
  /**
   * Run a stack of delta hooks that all describe themselves (`fusedDelta`) as one fused kernel (default),
   * and let a device that offers `respondScaled` scale an analog request and write the state in place;
   * false calls each hook in turn and scales, responds and copies back in separate passes: the reference
   * the fused update is tested against (bit-identical).
   */
  readonly fused?: boolean;
  /**
   * Hand the rule targets it may treat as zero (`zeroed`) and return the changed cells of a sparse pulse
   * update, so the tile rebuilds only those (default); false: the reference these are tested against
   * (bit-identical), where rules clear their targets and every read is rebuilt whole.
   */
  readonly sparse?: boolean;
}

/**
 * The delta hooks as one kernels.updateChain, or undefined when one of them does not describe itself or
 * they do not come in the kernel's order (non-linearity before noise, each at most once).
 */
function fusedChain(hooks: readonly StackEntry[], ctx: UpdateContext): UpdateChain | undefined {
  let nonlinear: UpdateChain['nonlinear'];
  let noise: UpdateChain['noise'];
  for (const e of hooks) {
    const stage = e.hooks.fusedDelta?.(ctx);
    if (!stage) return undefined;
    if (stage.kind === 'identity') continue;
    if (stage.kind === 'nonlinearity') {
      if (nonlinear || noise) return undefined;
      nonlinear = { gmin: ctx.gmin, gmax: ctx.gmax, w0: stage.w0, k: stage.k };
    } else {
      if (noise) return undefined;
      noise = { stream: stage.stream, scale: stage.scale, range: ctx.gmax - ctx.gmin };
    }
  }
  return { ...(nonlinear ? { nonlinear } : {}), ...(noise ? { noise } : {}) };
}

/** Whether two fused chains run the same stages with the same parameters and stream. */
function sameChain(a: UpdateChain, b: UpdateChain): boolean {
  const x = a.nonlinear;
  const y = b.nonlinear;
  const nonlinear = !x || !y ? x === y : x.gmin === y.gmin && x.gmax === y.gmax && x.w0 === y.w0 && x.k === y.k;
  const p = a.noise;
  const q = b.noise;
  const noise = !p || !q ? p === q : p.stream === q.stream && p.scale === q.scale && p.range === q.range;
  return nonlinear && noise;
}

const PAIR = ['plus', 'minus'] as const;
const ONLY_PLUS = ['plus'] as const;

interface Routed {
  readonly change: Record<Polarity, Float64Array>;
  readonly up: Record<Polarity, Float32Array>;
  readonly down: Record<Polarity, Float32Array>;
}

/**
 * Splits a request between the devices of a sign-split pair by the sign of each weight. With a list of
 * the pulsed cells, only those are routed (the routed arrays are kept zero elsewhere: each call clears
 * the cells the previous one wrote).
 */
function route(pulses: boolean, state: Record<Polarity, Float64Array>, want: Float64Array, up: Float32Array, down: Float32Array, scratch: Scratch, listed?: ActiveCells): Routed {
  const n = want.length;
  const plus = state.plus;
  const minus = state.minus;
  if (!pulses) {
    const cp = scratch.float64('route+', n);
    const cm = scratch.float64('route-', n);
    kernels.signSplit(plus, minus, want, cp, cm);
    return { change: { plus: cp, minus: cm }, up: { plus: up, minus: up }, down: { plus: down, minus: down } };
  }
  const upP = scratch.float32('route-up+', n);
  const downP = scratch.float32('route-down+', n);
  const upM = scratch.float32('route-up-', n);
  const downM = scratch.float32('route-down-', n);
  const outs = { upP, downP, upM, downM };
  // The cells the last listed call wrote (the routed buffers are fresh zeros on first use).
  const last = scratch.active(n, 'route-last');
  if (listed) {
    if (last.count < 0) {
      for (const a of [upP, downP, upM, downM]) a.fill(0);
    } else {
      for (let i = 0; i < last.count; i++) {
        const k = last.idx[i]!;
        upP[k] = downP[k] = upM[k] = downM[k] = 0;
      }
    }
    routeCells(plus, minus, up, down, outs, listed.idx, listed.count);
    last.idx.set(listed.idx.subarray(0, listed.count));
    last.count = listed.count;
  } else {
    routeCells(plus, minus, up, down, outs, null, n);
    last.count = -1;
  }
  return { change: { plus: want, minus: want }, up: { plus: upP, minus: upM }, down: { plus: downP, minus: downM } };
}

/** Routes cells list[0 .. count) (or 0 .. count without a list) to the device of each weight's sign. */
function routeCells(plus: Float64Array, minus: Float64Array, up: Float32Array, down: Float32Array,
  o: { upP: Float32Array; downP: Float32Array; upM: Float32Array; downM: Float32Array }, list: Int32Array | null, count: number): void {
  for (let i = 0; i < count; i++) {
    const k = list ? list[i]! : i;
    const v = plus[k]! - minus[k]!;
    // v = 0: raising pulses potentiate G+, lowering ones potentiate G−; neither device is depressed.
    o.upP[k] = v >= 0 ? up[k]! : 0;
    o.downP[k] = v > 0 ? down[k]! : 0;
    o.upM[k] = v <= 0 ? down[k]! : 0;
    o.downM[k] = v < 0 ? up[k]! : 0;
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
