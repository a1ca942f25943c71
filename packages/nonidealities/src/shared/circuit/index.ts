export type { CircuitDirection, WireParams } from './network.js';
export { directPathEffectiveConductance, exactEffectiveConductance, relaxedEffectiveConductance } from './effective.js';
export { chordConductance, expressionIv, linearIv, sinhIv, type IvModel } from './iv.js';
export { exactCurrents, solveNodes } from './currents.js';
