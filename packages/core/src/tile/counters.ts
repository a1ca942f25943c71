import type { Phase } from '../plugin/types.js';

/** Hardware activity of one layer and phase: the raw counts a hardware-cost model multiplies by energies. */
export interface ActivityCounts {
  /** Array evaluations (one per tile per input vector). */
  tileReads: number;
  dacConversions: number;
  adcConversions: number;
  /** Cell-level multiply-accumulates (each device of a pair counts). */
  cellReads: number;
  /** Device programming events: cells whose conductance was asked to change. */
  updatePulses: number;
}

export type LayerActivity = Record<Phase, ActivityCounts>;

export function emptyActivity(): LayerActivity {
  const zero = (): ActivityCounts => ({ tileReads: 0, dacConversions: 0, adcConversions: 0, cellReads: 0, updatePulses: 0 });
  return { forward: zero(), backward: zero(), update: zero() };
}
