import type { NormalStream } from '../kernels/normal-stream.js';
import type { z } from 'zod';
import type { ComputeBackend } from '../matrix/backend.js';
import type { Matrix } from '../matrix/matrix.js';
import type { Rng } from '../random/rng.js';
import type { ParamSchema } from './params.js';
import type { CostComponent, CostModel } from '../cost/types.js';

/** The three crossbar evaluations of training. */
export type Phase = 'forward' | 'backward' | 'update';
/** Reads drive rows and sense columns (forward) or drive columns and sense rows (backward). */
export type ReadDirection = 'forward' | 'backward';
/** Which device of a differential pair (weight ∝ G+ − G−). */
export type Polarity = 'plus' | 'minus';
/** `cost` plugins price hardware (energy, latency, area) from activity counts; they never change a result. */
export type PluginKind = 'device' | 'dac' | 'sense-amp' | 'adc' | 'update-rule' | 'nonideality' | 'cost';
export const PLUGIN_KINDS: readonly PluginKind[] = ['device', 'dac', 'sense-amp', 'adc', 'update-rule', 'nonideality', 'cost'];

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
  readonly range?: {
    readonly gmin: number;
    readonly gmax: number;
    /** Siemens of read conductance (G+ − G−) per unit of weight, as the layer maps weights (absent in bare fixtures). */
    readonly siemensPerWeight?: number;
  };
}

/** One read of one block of tiles: a tile row (forward) or tile column (backward) across the layer. */
export interface ReadContext {
  readonly direction: ReadDirection;
  /** Index of the tile row (forward) or tile column (backward) being read. */
  readonly block: number;
  /** Rows read: the batch, times the DAC's passes when a streaming DAC's passes are stacked. */
  readonly batch: number;
  /**
   * Width of the sensed output (paddedCols forward, paddedRows backward; times the slices when read per slice),
   * or fewer when the read senses only the summed columns (see `AdcModel.seesPadding`; only reads without
   * output hooks and with an exact sense amplifier do): the row stride of what the ADC gets.
   */
  readonly width: number;
  /** Sensed lines per tile along the output (tileCols forward, tileRows backward): one ADC group. */
  readonly groupWidth: number;
  /**
   * When set, only columns [0, summed) of each row reach the layer's output (the layer's own outputs; the
   * rest are tile padding, dropped after conversion). A converter whose code for one column does not depend
   * on the others may leave the rest unconverted; state that depends on every output (a calibration) should
   * still read them. Unset when the slices of a device are read side by side.
   */
  readonly summed?: number;
  /** The drive voltages of this block (batch × lines driven). */
  readonly voltages: Matrix;
  /** G+² + G−² of the effective conductances of this block (lines driven × width), for read-noise models. */
  squaredConductance(): Matrix;
}

export interface ConductanceContext {
  readonly direction: ReadDirection;
  readonly polarity: Polarity;
  /** Devices sensed per slice (`DeviceModel.slices`): which slice array this is, most significant first. */
  readonly slice?: number;
}

export interface UpdateContext {
  readonly polarity: Polarity;
  /** The device's stored conductance before this update (paddedRows × paddedCols). */
  readonly conductance: Float64Array;
  readonly gmin: number;
  readonly gmax: number;
  /**
   * For pulse requests, when the update rule listed them: every cell that may have a non-zero count, in
   * ascending order (a superset is allowed; cells outside it have none). A device may visit only these.
   */
  readonly active?: ActiveCells;
}

/**
 * The cells a pulse request touches, ascending: `idx[0 .. count)`. Pulse updates are usually sparse (a
 * few thousand of 200k cells per mini-batch), so devices and the tile visit the list, not the array.
 */
export interface ActiveCells {
  readonly idx: Int32Array;
  /** Number of listed cells; −1 when the rule did not list them. */
  count: number;
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
  /**
   * Optional: what `delta` computes, as a stage of the tile's fused update kernel (kernels.updateChain). When
   * every delta hook of a stack describes itself and the stages come in the kernel's order, the tile runs one
   * pass instead of one per hook; the result must be bit-identical to calling `delta` (the tests compare).
   */
  fusedDelta?(ctx: UpdateContext): FusedDelta;
  /** Optional: what `conductance` computes, as a stage of the fused read kernel (kernels.readChain); as fusedDelta. */
  fusedConductance?(ctx: ConductanceContext): FusedConductance;
}

/**
 * A delta hook as a fused stage: nothing (a neutral parameter), update non-linearity (out = room·(1 − e^(−k·|d|)),
 * see kernels.updateNonlinearity, gmin and gmax from the context) or √ write noise (see kernels.writeNoise, range
 * gmax − gmin from the context, drawing from `stream` exactly as the hook would).
 */
export type FusedDelta =
  | { readonly kind: 'identity' }
  | { readonly kind: 'nonlinearity'; readonly w0: number; readonly k: number }
  | { readonly kind: 'write-noise'; readonly stream: NormalStream; readonly scale: number };

/** A conductance hook as a fused stage: nothing, per-device factors (kernels.multiply) or series resistance (kernels.series). */
export type FusedConductance =
  | { readonly kind: 'identity' }
  | { readonly kind: 'multiply'; readonly factors: Float64Array }
  | { readonly kind: 'series'; readonly resistance: Float64Array };

/** Which device array of the pair a device hook is working on (each polarity is its own set of physical devices). */
export interface DeviceContext {
  readonly polarity: Polarity;
}

/**
 * The device slot: conductance range, how the stored state reads, and how it responds to a change —
 * an analog conductance change (`respond`) or a number of programming pulses (`pulse`).
 *
 * Devices with per-device parameters (device-to-device variation) draw them at `create` for both
 * polarities from the plugin's stream; every hook says which polarity it works on.
 */
export interface DeviceModel extends SnapshotHooks {
  readonly gmin: number;
  readonly gmax: number;
  /**
   * Nominal conductance change of one pulse on one device (siemens). Pulse update rules size their
   * trains with it; devices that leave it out are treated as having 1000 pulse steps over their range.
   */
  readonly pulseStep?: number;
  /** True if the device keeps each cell within its own bounds: the tile then skips its [gmin, gmax] clip. */
  readonly clipsItself?: boolean;
  /** Read phases: the conductance a stored state reads as (e.g. the nearest programmable level, or with write noise). */
  read?(src: Float64Array, dst: Float64Array, ctx: DeviceContext): void;
  /** Optional: `read` as the first stage of the fused read kernel (nearest of steps + 1 levels gmin + l·step); bit-identical to `read`. */
  readonly fusedRead?: { readonly kind: 'levels'; readonly gmin: number; readonly step: number; readonly steps: number };
  /**
   * Update phase, analog requests: the state after applying change `delta` to state `g`. A pulsed
   * device treats `delta` as delta/pulseStep (fractional) pulses through its own response.
   */
  respond?(g: Float64Array, delta: Float64Array, dst: Float64Array, ctx: UpdateContext): void;
  /**
   * Optional, beside `respond`: the same write for the change factor·delta[k] (the product formed per cell
   * first, as `f * delta[k]`, so the bits are those of `respond` on a scaled copy), and callable with
   * `dst === g` (in place). The tile then spares a scale pass and a copy back of the whole array per
   * device of the pair; the conformance suite checks it against `respond`.
   */
  respondScaled?(g: Float64Array, delta: Float64Array, factor: number, dst: Float64Array, ctx: UpdateContext): void;
  /**
   * Update phase, pulse requests: the state after `up[k]` potentiating and `down[k]` depressing pulses
   * on cell k (non-negative integers; interleaved when both are non-zero). Devices without it get
   * (up − down)·pulseStep through `respond` or as a plain change.
   */
  pulse?(g: Float64Array, up: Float32Array, down: Float32Array, dst: Float64Array, ctx: UpdateContext): void;
  /**
   * Set when `pulse` may be called with `dst === g` (updating in place, which spares the tile two
   * copies of the whole array per update); the conformance suite checks the in-place result equals
   * the copying one.
   */
  readonly pulsesInPlace?: boolean;
  /** After every update step (once per mini-batch), in place: decay, diffusion and other side processes. */
  settle?(g: Float64Array, ctx: DeviceContext): void;
  /** Explicit reset (aihwkit's reset_weights): writes each device's reset state into `g`, in place. */
  reset?(g: Float64Array, ctx: DeviceContext): void;
  /** Bit-sliced devices whose slices are sensed and converted separately (absent: reads see `read` only). */
  readonly slices?: DeviceSlices;
}

/**
 * A weight stored as `count` cells per device of the pair, each its own crossbar array read through its
 * own ADC groups; the digital shift-and-add of the slice outputs gives the weight.
 */
export interface DeviceSlices {
  readonly count: number;
  /** Digital weight of each slice's output, most significant first: Σ weights[s]·slice_s reads as `read` does. */
  readonly weights: readonly number[];
  /** Read phases: the conductance each slice's cell reads as for stored state `src` (dst[s] per slice). */
  read(src: Float64Array, dst: readonly Float64Array[], ctx: DeviceContext): void;
}

/** The DAC slot: digital inputs of one block (batch × lines) to drive voltages. */
export interface DacModel extends SnapshotHooks {
  /**
   * Writes voltages to `dst` and, per batch row, the digital value of one volt to `scales`. A streaming DAC
   * writes `passes`·batch rows, pass-major (pass p drives rows p·batch … p·batch + batch − 1).
   */
  convert(src: Float32Array, dst: Float32Array, batch: number, lines: number, scales: Float32Array): void;
  /** Voltage passes per input vector (bit streams, sign passes); absent: 1. Each is read and converted separately. */
  readonly passes?: number;
  /** With `passes`: the digital weight of each pass's output in the shift-and-add (signs included). */
  readonly passWeights?: readonly number[];
}

/** The sense-amplifier slot: sensed currents to what the ADC digitises (per read, element-wise). */
export interface SenseAmpModel extends SnapshotHooks {
  amplify(src: Float32Array, dst: Float32Array, ctx: ReadContext): void;
  /** True if `amplify` is the identity: the tile then skips it, and merges reads whose outputs are only summed digitally. */
  readonly exact?: boolean;
}

/** The ADC slot: digitises one block's sensed values (batch × width), one converter group per tile. */
export interface AdcModel extends SnapshotHooks {
  convert(src: Float32Array, dst: Float32Array, ctx: ReadContext): void;
  /**
   * After `convert`: sets hit[r] = 1 for each row r < ctx.batch of `converted` with an output at the
   * converter's full scale (clipped). Bound management re-reads those rows; without it, none is.
   */
  saturated?(converted: Float32Array, ctx: ReadContext, hit: Uint8Array): void;
  /** True if `convert` is the identity (unquantised): the tile then skips it, and merges reads whose outputs are only summed digitally. */
  readonly exact?: boolean;
  /**
   * Whether the next conversion of `block`'s reads must see every sensed column, tile padding included
   * (a full scale still being calibrated from all of a tile's outputs). false lets a read sense only the
   * columns the layer sums (`ReadContext.summed`, rounded up to 4) when its tile grid pads the output: conv1 of
   * LeNet-5 uses 6 of 64 columns. A converter without this method always sees the whole tile.
   */
  seesPadding?(block: number): boolean;
}

/** What an update rule sees of one training step of one layer. */
export interface UpdateInputs {
  /** The padded weight gradient ∇W = xᵀ·δ (paddedRows × paddedCols; rows = layer inputs). */
  readonly grad: Float32Array;
  /** The batch input x (batch × rows) and output error δ (batch × cols) the gradient was formed from. */
  readonly x: Matrix;
  readonly d: Matrix;
  readonly learningRate: number;
  /** Siemens of differential conductance (G+ − G−) per unit of weight. */
  readonly siemensPerWeight: number;
  /** Nominal conductance change of one pulse on one device (the device's `pulseStep`). */
  readonly pulseStep: number;
  /**
   * Change of G+ − G− one raising coincidence makes: 2·pulseStep when both devices of the pair move
   * (mid-range mapping), pulseStep when only one does (sign-split mapping). Pulse rules size their
   * counts with it.
   */
  readonly coincidenceStep: number;
  readonly geometry: TileGeometry;
}

/** Buffers an update rule writes its request into (each paddedRows × paddedCols; contents undefined on entry). */
export interface UpdateTargets {
  /** For 'analog': the wanted Δ(G+ − G−) per cell, in siemens. */
  readonly want: Float64Array;
  /**
   * For 'pulses': per cell, coincidences that raise the weight (G+ potentiated, G− depressed) and
   * that lower it (G+ depressed, G− potentiated). Non-negative integers.
   */
  readonly up: Float32Array;
  readonly down: Float32Array;
  /**
   * Optional for 'pulses' (absent when the caller wants no list): the rule may list the cells with
   * non-zero counts here, ascending (`count` is −1 on entry; leave it so when not listing). It spares
   * every later stage a pass over the whole array.
   */
  readonly active?: ActiveCells;
  /**
   * True when `up` and `down` are all zero on entry (the tile keeps them so between steps): a rule that
   * lists its cells may then write only those instead of clearing the whole arrays first.
   */
  readonly zeroed?: boolean;
}

/** The update-rule slot: from a training step to a conductance change or pulse counts per cell. */
export interface UpdateRuleModel extends SnapshotHooks {
  /** Fills `out.want` (returns 'analog') or `out.up`/`out.down` (returns 'pulses'). */
  update(inputs: UpdateInputs, out: UpdateTargets): 'analog' | 'pulses';
}

export interface HooksByKind {
  device: DeviceModel;
  dac: DacModel;
  'sense-amp': SenseAmpModel;
  adc: AdcModel;
  'update-rule': UpdateRuleModel;
  nonideality: NonidealityHooks;
  cost: CostModel;
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
  /**
   * Plugins of the same kind that must not share a stack with this one, because both model the same
   * effect (checked at load, in either direction: declaring it on one side is enough).
   */
  readonly excludes?: readonly string[];
  /** Cost plugins: the hardware component they price (the `cost.<slot>` a spec may put them in). */
  readonly component?: CostComponent;
}

export interface Plugin<K extends PluginKind = PluginKind, S extends ParamSchema = ParamSchema> {
  readonly meta: PluginMeta<S> & { readonly kind: K };
  create(ctx: PluginContext, params: z.output<S>): HooksByKind[K];
}

export type AnyPlugin = { [K in PluginKind]: Plugin<K, ParamSchema> }[PluginKind];
