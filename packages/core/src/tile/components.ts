import type {
  AdcModel, DacModel, DeviceModel, NonidealityHooks, Phase, ReadDirection, SenseAmpModel, UpdateRuleModel,
} from '../plugin/types.js';

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
  /** Largest |weight| representable: the full differential range gmax − gmin maps to it. */
  readonly wMax: number;
}
