import type { z } from 'zod';
import type { ComputeBackend } from '../matrix/backend.js';
import type { Matrix } from '../matrix/matrix.js';
import type { Rng } from '../random/rng.js';
import type { ParamSchema } from './params.js';

/** The three crossbar evaluations of training. */
export type Phase = 'forward' | 'backward' | 'update';
/** Reads drive rows and sense columns (forward) or drive columns and sense rows (backward). */
export type ReadDirection = 'forward' | 'backward';
/** Which device of a differential pair (weight ∝ G+ − G−). */
export type Polarity = 'plus' | 'minus';
export type PluginKind = 'device' | 'dac' | 'sense-amp' | 'adc' | 'update-rule' | 'nonideality';
export const PLUGIN_KINDS: readonly PluginKind[] = ['device', 'dac', 'sense-amp', 'adc', 'update-rule', 'nonideality'];

/** How a layer's (rows × cols) weight matrix is laid over a grid of tileRows × tileCols crossbars. */
export interface TileGeometry {
  readonly rows: number;
  readonly cols: number;
  readonly tileRows: number;
  readonly tileCols: number;
  readonly gridRows: number;
  readonly gridCols: number;
  /** gridRows·tileRows: conductance arrays are stored padded so every tile is a full crossbar. */
  readonly paddedRows: number;
  readonly paddedCols: number;
}

/** What every plugin instance is created with: one per layer, with its own random stream. */
export interface PluginContext {
  readonly layer: string;
  readonly geometry: TileGeometry;
  readonly rng: Rng;
  readonly backend: ComputeBackend;
  /** Conductance range of the layer's device (for the device plugin itself: undefined). */
  readonly range?: { readonly gmin: number; readonly gmax: number };
}

/** One read of one block of tiles: a tile row (forward) or tile column (backward) across the layer. */
export interface ReadContext {
  readonly direction: ReadDirection;
  /** Index of the tile row (forward) or tile column (backward) being read. */
  readonly block: number;
  readonly batch: number;
  /** Width of the sensed output (paddedCols forward, paddedRows backward). */
  readonly width: number;
  /** Sensed lines per tile along the output (tileCols forward, tileRows backward): one ADC group. */
  readonly groupWidth: number;
  /** The drive voltages of this block (batch × lines driven). */
  readonly voltages: Matrix;
  /** G+² + G−² of the effective conductances of this block (lines driven × width), for read-noise models. */
  squaredConductance(): Matrix;
}

export interface ConductanceContext {
  readonly direction: ReadDirection;
  readonly polarity: Polarity;
}

export interface UpdateContext {
  readonly polarity: Polarity;
  /** The device's stored conductance before this update (paddedRows × paddedCols). */
  readonly conductance: Float64Array;
  readonly gmin: number;
  readonly gmax: number;
}

/**
 * Optional checkpoint hooks every hook bag may add, for state kept in the plugin's closure (calibrated
 * ranges, reused solves, counters). Random streams need none: the tile's random streams are restored
 * separately.
 */
export interface SnapshotHooks {
  /** At a checkpoint: the closure state as plain JSON (typed arrays as number arrays). */
  snapshot?(): unknown;
  /** On resume, on a freshly created instance with the same params: takes over a `snapshot()` result. */
  restore?(state: unknown): void;
}

/**
 * Hooks of a non-ideality. Each reads `src` and writes every element of `dst` (never mutating `src`);
 * the tile owns the buffers and calls hooks in stack order. Plugins pick hooks; core fixes their stage.
 */
export interface NonidealityHooks extends SnapshotHooks {
  /** Read phases, when the effective-conductance cache is rebuilt: transforms one device array of the pair. */
  conductance?(src: Float64Array, dst: Float64Array, ctx: ConductanceContext): void;
  /** Read phases, per read, after the DAC: transforms the drive voltages (batch × lines). */
  input?(src: Float32Array, dst: Float32Array, ctx: ReadContext): void;
  /** Read phases, per read, after the array: transforms the sensed currents (batch × width) before the sense amplifier. */
  output?(src: Float32Array, dst: Float32Array, ctx: ReadContext): void;
  /** Update phase: transforms the conductance change requested of one device array. */
  delta?(src: Float64Array, dst: Float64Array, ctx: UpdateContext): void;
  /** Update phase, after the device responded: transforms the new stored conductance. */
  after?(src: Float64Array, dst: Float64Array, ctx: UpdateContext): void;
  /** True if `conductance` differs between read directions (the tile then caches each direction). */
  readonly directional?: boolean;
}

/** The device slot: conductance range, how the stored state reads, and how it responds to a change. */
export interface DeviceModel extends SnapshotHooks {
  readonly gmin: number;
  readonly gmax: number;
  /** Read phases: the conductance a stored state reads as (e.g. the nearest programmable level). */
  read?(src: Float64Array, dst: Float64Array): void;
  /** Update phase: the state after applying change `delta` to state `g`; the tile clips to [gmin, gmax] after it. */
  respond?(g: Float64Array, delta: Float64Array, dst: Float64Array): void;
}

/** The DAC slot: digital inputs of one block (batch × lines) to drive voltages. */
export interface DacModel extends SnapshotHooks {
  /** Writes voltages to `dst` and, per batch row, the digital value of one volt to `scales`. */
  convert(src: Float32Array, dst: Float32Array, batch: number, lines: number, scales: Float32Array): void;
}

/** The sense-amplifier slot: sensed currents to what the ADC digitises (per read, element-wise). */
export interface SenseAmpModel extends SnapshotHooks {
  amplify(src: Float32Array, dst: Float32Array, ctx: ReadContext): void;
}

/** The ADC slot: digitises one block's sensed values (batch × width), one converter group per tile. */
export interface AdcModel extends SnapshotHooks {
  convert(src: Float32Array, dst: Float32Array, ctx: ReadContext): void;
}

/** The update-rule slot: from the digital weight gradient to the differential conductance change wanted. */
export interface UpdateRuleModel extends SnapshotHooks {
  /**
   * `grad` is the padded weight gradient (paddedRows × paddedCols); `scale` converts weight to
   * differential conductance (siemens per weight unit). Writes the wanted Δ(G+ − G−) into `dst`.
   */
  delta(grad: Float32Array, learningRate: number, scale: number, dst: Float64Array): void;
}

export interface HooksByKind {
  device: DeviceModel;
  dac: DacModel;
  'sense-amp': SenseAmpModel;
  adc: AdcModel;
  'update-rule': UpdateRuleModel;
  nonideality: NonidealityHooks;
}

export interface PluginMeta<S extends ParamSchema = ParamSchema> {
  /** kebab-case; equal to the plugin's file name. */
  readonly name: string;
  readonly kind: PluginKind;
  /** One sentence. */
  readonly description: string;
  /** The phases whose evaluations the plugin changes. */
  readonly phases: readonly Phase[];
  readonly params: S;
  /** Where the model comes from (paper, tool), for `plugins describe` and the docs. */
  readonly references?: readonly string[];
}

export interface Plugin<K extends PluginKind = PluginKind, S extends ParamSchema = ParamSchema> {
  readonly meta: PluginMeta<S> & { readonly kind: K };
  create(ctx: PluginContext, params: z.output<S>): HooksByKind[K];
}

export type AnyPlugin = { [K in PluginKind]: Plugin<K, ParamSchema> }[PluginKind];
