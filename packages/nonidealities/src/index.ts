import type { AnyPlugin, DependencyContainer } from '@txsim/core';
import { registerPlugins } from '@txsim/core';
import { deviceVariation } from './device-variation.js';
import { drift } from './drift.js';
import { outputNoise } from './output-noise.js';
import { readNoise } from './read-noise.js';
import { stuckCells } from './stuck-cells.js';
import { updateNonlinearity } from './update-nonlinearity.js';
import { wireCircuit } from './wire-circuit.js';
import { wireResistance } from './wire-resistance.js';
import { writeNoise } from './write-noise.js';

export { deviceVariation, drift, outputNoise, readNoise, stuckCells, updateNonlinearity, wireCircuit, wireResistance, writeNoise };
export * from './shared/circuit/index.js';

/** Every non-ideality plugin of this package, in the stack order a typical spec uses them. */
export const nonidealityPlugins: readonly AnyPlugin[] = [
  deviceVariation, stuckCells, wireResistance, wireCircuit, readNoise, outputNoise, updateNonlinearity, writeNoise, drift,
] as unknown as AnyPlugin[];

export function registerNonidealities(container: DependencyContainer): void {
  registerPlugins(container, nonidealityPlugins);
}
