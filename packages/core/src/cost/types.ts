import type { ActivityCounts } from '../tile/counters.js';
import type { TileGeometry } from '../plugin/types.js';

/** The hardware components a cost model prices, one cost plugin per component (a spec's `cost.<slot>`). */
export type CostComponent = 'dac' | 'adc' | 'sense-amp' | 'array-read' | 'array-write' | 'digital' | 'buffer';
export const COST_COMPONENTS: readonly CostComponent[] = ['dac', 'adc', 'sense-amp', 'array-read', 'array-write', 'digital', 'buffer'];

/**
 * The four phases of one training step, as NeuroSim reports them: forward (x·W), backward (δ·Wᵀ, the
 * activation gradient), weightGradient (∇W = xᵀ·δ, digital in txsim) and update (programming the cells).
 */
export type CostPhase = 'forward' | 'backward' | 'weightGradient' | 'update';
export const COST_PHASES: readonly CostPhase[] = ['forward', 'backward', 'weightGradient', 'update'];

/** What the cost model needs to know of one crossbar layer's hardware (fixed for a run). */
export interface CostLayer {
  readonly name: string;
  readonly geometry: TileGeometry;
  /** Cells per device of the pair, each its own array with its own converters (`DeviceModel.slices`). */
  readonly slices: number;
  /** DAC bits and voltage passes per input vector (bit streams, sign passes) of each read direction. */
  readonly dacBits: Readonly<Record<'forward' | 'backward', number>>;
  readonly passes: Readonly<Record<'forward' | 'backward', number>>;
  /** ADC bits of each read direction (0: unquantised; cost models then assume `fallbackBits`). */
  readonly adcBits: Readonly<Record<'forward' | 'backward', number>>;
  /** Full-scale drive voltage of the DAC (V). */
  readonly vRead: number;
  /** Conductance range of the device (S). */
  readonly gmin: number;
  readonly gmax: number;
}

/**
 * The activity of one layer in one cost phase: the tile's counters (zero where a phase has none), plus
 * what the phase structure adds. Read phases carry the read counters; `weightGradient` carries `macs`;
 * `update` carries `updatePulses` and `updateSteps`.
 */
export interface CostActivity extends ActivityCounts {
  /** Digital multiply-accumulates (the weight gradient xᵀ·δ). */
  readonly macs: number;
  /** Mini-batch updates (each programs every tile once, row by row). */
  readonly updateSteps: number;
  /** Digital values produced (layer outputs after the shift-and-add): activations, errors. */
  readonly outputs: number;
}

/** Energy (J) and latency (s) of one component for one layer and phase. */
export interface ComponentCost {
  readonly energyJ: number;
  readonly latencyS: number;
}

/**
 * The hooks of a cost plugin: the price of one component. Each is pure; `cost` runs once per layer and
 * phase on the activity to price, `area` once per layer.
 */
export interface CostModel {
  /** Energy and latency of this component for the given activity of one layer in one phase. */
  cost(activity: CostActivity, layer: CostLayer, phase: CostPhase): ComponentCost;
  /** Silicon area this component takes for the layer (m²). */
  area(layer: CostLayer): number;
}

/** Cost of one layer and phase, with its per-component breakdown. */
export interface PhaseCost extends ComponentCost {
  readonly components: Readonly<Partial<Record<CostComponent, ComponentCost>>>;
}

export interface LayerCost {
  readonly phases: Readonly<Record<CostPhase, PhaseCost>>;
  readonly energyJ: number;
  readonly latencyS: number;
  readonly areaM2: number;
  readonly area: Readonly<Partial<Record<CostComponent, number>>>;
}

/** What `summary.json` holds under `cost`, and `txsim cost` prints. */
export interface CostReport {
  readonly layers: Readonly<Record<string, LayerCost>>;
  readonly energyJ: number;
  /** Layers run one after another (forward through the network, then backward), tiles of a layer in parallel. */
  readonly latencyS: number;
  readonly areaM2: number;
  /** Array (cells) and periphery (every other component) area of the network. */
  readonly arrayAreaM2: number;
  readonly peripheryAreaM2: number;
  /** Totals per phase over the layers. */
  readonly phases: Readonly<Record<CostPhase, ComponentCost>>;
  /** Totals per component over layers and phases. */
  readonly components: Readonly<Partial<Record<CostComponent, ComponentCost>>>;
  /** Where the numbers are estimates rather than counts (the analytic `txsim cost`, modelling assumptions). */
  readonly notes?: readonly string[];
}
