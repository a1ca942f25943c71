import type { DependencyContainer } from '../di.js';
import type { LayerPlan } from '../spec/resolve.js';
import type { AnyPlugin } from './types.js';

/** A unit a pack adds to spec parsing, e.g. `{ name: 'mK', definition: '0.001 K' }`. */
export interface PackUnit {
  /** The symbol specs write after a number. */
  readonly name: string;
  /** Its value in units mathjs already knows. */
  readonly definition: string;
  /** Other spellings of the same unit. */
  readonly aliases?: readonly string[];
}

/** A preset a pack ships: a named partial spec, like the files in txsim's `presets/`. */
export interface PackPreset {
  readonly name: string;
  readonly description: string;
  /** Where the numbers come from: papers, datasheets. */
  readonly source: readonly string[];
  readonly spec: Readonly<Record<string, unknown>>;
}

/**
 * A plugin pack: the default export of a module a spec lists under `plugins:` (or `--plugin`). It brings
 * plugins, presets and units from outside txsim without forking it.
 */
export interface PluginPack {
  /** npm-style package name (`txsim-pack-fefet`, `@lab/txsim-devices`). */
  readonly name: string;
  /** The pack's version, recorded in every run directory that used it. */
  readonly version: string;
  readonly plugins: readonly AnyPlugin[];
  readonly presets?: readonly PackPreset[];
  readonly units?: readonly PackUnit[];
  /**
   * Runs once per crossbar layer, on that layer's own child container, before its plugins are created:
   * a registration there (a plugin of the same name, a service) applies to that layer only.
   */
  readonly configureLayer?: (layer: LayerPlan, scope: DependencyContainer) => void;
}

const PACK = Symbol.for('txsim.plugin-pack');

/** Marks a pack so loaders can tell it from any other default export. Validation happens at load. */
export function definePluginPack<const P extends PluginPack>(pack: P): P {
  return Object.freeze({ ...pack, [PACK]: true }) as P;
}

/** True for what `definePluginPack` returned. */
export function isPluginPack(value: unknown): value is PluginPack {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PACK] === true;
}
