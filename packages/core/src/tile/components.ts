import type {
  AdcModel, DacModel, DeviceModel, NonidealityHooks, Phase, ReadDirection, SenseAmpModel, UpdateRuleModel,
} from '../plugin/types.js';

/**
 * mid-range: G± = gmid ± w·s/2, every update moves both devices by half. sign-split (TxSim's positive
 * and negative arrays): G+ = gmin + max(w, 0)·s, G− = gmin + max(−w, 0)·s, an update moves the device
 * of the weight's sign, handing over to the other one when the weight crosses zero.
 */
export type MappingScheme = 'mid-range' | 'sign-split' | 'reference-column';

/**
 * The reference of the reference-column mapping: one device per weight (held as G+), read against one
 * extra column per tile whose cells all sit at `conductance` (held as G−, never updated). analog: the
 * two currents subtract before the ADC; digital: each is converted, then subtracted.
 */
export interface ReferenceColumn {
  /** Siemens. */
  readonly conductance: number;
  readonly subtract: 'digital' | 'analog';
}

/** The converters of one read direction. */
export interface ReadPeripherals {
  readonly dac: DacModel;
  readonly senseAmp: SenseAmpModel;
  readonly adc: AdcModel;
}

export interface StackEntry {
  readonly name: string;
  readonly hooks: NonidealityHooks;
  /** The phases this entry acts in (its declared phases, optionally narrowed by the spec). */
  readonly phases: ReadonlySet<Phase>;
}

/** Instantiated plugins of one layer: one per slot, plus the ordered non-ideality stack. */
export interface CrossbarComponents {
  readonly device: DeviceModel;
  readonly updateRule: UpdateRuleModel;
  readonly read: Readonly<Record<ReadDirection, ReadPeripherals>>;
  readonly stack: readonly StackEntry[];
  /**
   * Largest |weight| representable: the full differential range gmax − gmin maps to it (pair schemes);
   * under reference-column the one device's range gmax − gmin maps to 2·wMax (aihwkit's bounds ±wMax).
   */
  readonly wMax: number;
  /** How weights sit on the pair: around mid-range (both devices move) or sign-split (one device above gmin). */
  readonly scheme: MappingScheme;
  /** With the reference-column scheme: its reference. */
  readonly reference?: ReferenceColumn;
  /** aihwkit's iterative bound management on forward reads; absent: none. */
  readonly boundManagement?: { readonly maxHalvings: number };
}
