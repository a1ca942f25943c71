import {
  ReferenceBackend, RngFactory, tileGeometry,
  type DeviceModel, type Plugin, type PluginContext, type UpdateContext,
} from '@txsim/core';

/**
 * Where the cells start: 'floor' — each device's own lower bound, reached from gmin by enough
 * depressing pulses to cross the whole range twice (devices with per-device bounds above gmin
 * would otherwise jump to them on the first pulse); 'gmin'; 'mid', the middle of the range; or
 * 'reset', the device's reset state.
 */
export type StartState = 'floor' | 'gmin' | 'mid' | 'reset';
export const START_STATES: readonly StartState[] = ['floor', 'gmin', 'mid', 'reset'];

export interface TrajectoryOptions {
  /** Potentiating pulses, then as many depressing ones. */
  readonly pulses: number;
  /** Independent cells (each device of the population gets its own device-to-device draws). */
  readonly cells: number;
  readonly start?: StartState;
  /** Call the device's `settle` after every pulse, as if each pulse were one training step. */
  readonly settle?: boolean;
}

/** The population after one pulse (or, for pulse 0, at the start); conductances in siemens. */
export interface TrajectoryRow {
  readonly pulse: number;
  readonly direction: 'start' | 'up' | 'down';
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
  /** Statistics of what the state reads as (the device's `read`, or the state itself). */
  readonly readMean: number;
  readonly readStd: number;
}

/**
 * One device plugin instance for `cells` devices laid out as a 1 × cells crossbar, with its random
 * stream forked from `seed` the way a training run forks a layer's (by name, under 'device').
 */
export function createDeviceCells(plugin: Plugin<'device'>, params: unknown, cells: number, seed: number | string): DeviceModel {
  const ctx: PluginContext = {
    layer: 'device',
    geometry: tileGeometry(1, cells, 1, cells),
    rng: new RngFactory(seed).stream('device', 'device', plugin.meta.name),
    backend: new ReferenceBackend(),
  };
  return plugin.create(ctx, params as never);
}

/**
 * Applies `pulses` potentiating pulses one at a time, then `pulses` depressing ones, to every cell,
 * the way the tile applies a pulse request: through the device's `pulse` when it has one, else a
 * change of ±pulseStep through `respond` (or added as is), clipped to [gmin, gmax] unless the
 * device clips itself. Returns the population statistics after every pulse (2·pulses + 1 rows).
 */
export function pulseTrajectory(device: DeviceModel, options: TrajectoryOptions): TrajectoryRow[] {
  const { pulses, cells } = options;
  const step = device.pulseStep ?? (device.gmax - device.gmin) / 1000;
  const g = new Float64Array(cells);
  const start = options.start ?? 'floor';
  if (start === 'reset') {
    if (!device.reset) throw new Error('--start reset: the device has no reset model');
    device.reset(g, { polarity: 'plus' });
  } else {
    g.fill(start === 'mid' ? (device.gmin + device.gmax) / 2 : device.gmin);
  }
  const ctx: UpdateContext = { polarity: 'plus', conductance: g, gmin: device.gmin, gmax: device.gmax };
  const none = new Float32Array(cells);
  const work = { delta: new Float64Array(cells), next: new Float64Array(cells) };
  if (start === 'floor') {
    const down = new Float32Array(cells).fill(Math.ceil((2 * (device.gmax - device.gmin)) / step));
    applyPulses(device, g, none, down, step, ctx, work);
  }
  const one = new Float32Array(cells).fill(1);
  const read = new Float64Array(cells);
  const rows: TrajectoryRow[] = [stats(0, 'start', g, device, read)];
  for (let k = 1; k <= 2 * pulses; k++) {
    const upward = k <= pulses;
    applyPulses(device, g, upward ? one : none, upward ? none : one, step, ctx, work);
    if (options.settle) device.settle?.(g, { polarity: 'plus' });
    rows.push(stats(k, upward ? 'up' : 'down', g, device, read));
  }
  return rows;
}

/** One pulse request on every cell, the way the tile applies it to G+; `g` is updated in place. */
function applyPulses(device: DeviceModel, g: Float64Array, up: Float32Array, down: Float32Array, step: number,
  ctx: UpdateContext, work: { delta: Float64Array; next: Float64Array }): void {
  const { delta, next } = work;
  if (device.pulse) {
    device.pulse(g, up, down, next, ctx);
  } else {
    for (let c = 0; c < g.length; c++) delta[c] = (up[c]! - down[c]!) * step;
    if (device.respond) device.respond(g, delta, next, ctx);
    else for (let c = 0; c < g.length; c++) next[c] = g[c]! + delta[c]!;
  }
  if (!device.clipsItself) {
    for (let c = 0; c < g.length; c++) next[c] = Math.min(device.gmax, Math.max(device.gmin, next[c]!));
  }
  g.set(next);
}

function stats(pulse: number, direction: TrajectoryRow['direction'], g: Float64Array, device: DeviceModel, read: Float64Array): TrajectoryRow {
  const s = moments(g);
  let r = s;
  if (device.read) {
    device.read(g, read, { polarity: 'plus' });
    r = moments(read);
  }
  return { pulse, direction, mean: s.mean, std: s.std, min: s.min, max: s.max, readMean: r.mean, readStd: r.std };
}

/** Mean, population standard deviation, min and max, in plain loops. */
function moments(a: Float64Array): { mean: number; std: number; min: number; max: number } {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < a.length; k++) {
    const v = a[k]!;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / a.length;
  let sq = 0;
  for (let k = 0; k < a.length; k++) sq += (a[k]! - mean) ** 2;
  return { mean, std: Math.sqrt(sq / a.length), min, max };
}

export const TRAJECTORY_COLUMNS = ['pulse', 'direction', 'mean_S', 'std_S', 'min_S', 'max_S', 'read_mean_S', 'read_std_S'] as const;

/** The trajectory as CSV with a header line; numbers as their shortest round-tripping text. */
export function trajectoryCsv(rows: readonly TrajectoryRow[]): string {
  const lines = [TRAJECTORY_COLUMNS.join(',')];
  for (const r of rows) lines.push([r.pulse, r.direction, r.mean, r.std, r.min, r.max, r.readMean, r.readStd].map(String).join(','));
  return `${lines.join('\n')}\n`;
}
