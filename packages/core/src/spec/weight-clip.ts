import type { LayerPlan } from './resolve.js';

/** Rows of a layer's weight matrix as it is stored: its inputs, plus the bias row when the bias is analog on a crossbar. */
export function arrayRows(plan: Pick<LayerPlan, 'inputs' | 'bias' | 'crossbar'>): number {
  return plan.inputs + (plan.bias === 'analog' && plan.crossbar ? 1 : 0);
}

/**
 * CrossSim's per-layer baseline of weight clipping: the spread 4·√(6/(rows + cols)) of its "bengio"
 * initialisation of the layer's matrix (Backprop.random_weights), rows counting an analog bias row as
 * CrossSim's matrix counts its bias column.
 */
export function clipBaseline(plan: Pick<LayerPlan, 'inputs' | 'outputs' | 'bias' | 'crossbar'>): number {
  return 4 * Math.sqrt(6 / (arrayRows(plan) + plan.outputs));
}

/** The largest |weight| a layer's clipping allows, or undefined when it does not clip. */
export function weightClipLimit(plan: Pick<LayerPlan, 'inputs' | 'outputs' | 'bias' | 'crossbar' | 'weightClip'>): number | undefined {
  const c = plan.weightClip;
  if (!c) return undefined;
  return 'max' in c ? c.max : c.relative * clipBaseline(plan);
}
