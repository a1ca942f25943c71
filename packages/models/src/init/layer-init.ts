import { Matrix, type InitRef, type LayerPlan, type ParsedSpec, type RngFactory } from '@txsim/core';
import { fillInit, type Fans } from './initializers.js';

const ZEROS: InitRef = { name: 'zeros' };

/**
 * A layer's initial weights (inputs × outputs) and bias: layers.<name>.init over model.init field by
 * field, else `fallback` for the weights (the network's own default) and zeros for the bias. The
 * weights draw from the stream (layer, 'init') as they always have, so a digital and a crossbar run
 * with one seed start alike; the bias from its own stream (layer, 'init', 'bias'), so choosing a bias
 * init leaves the weights unchanged.
 */
export function initialParameters(rngs: RngFactory, spec: Pick<ParsedSpec, 'model' | 'layers'>, plan: Pick<LayerPlan, 'name' | 'inputs' | 'outputs'>, fans: Fans, fallback: InitRef): { weights: Matrix; bias: Float32Array } {
  const own = spec.layers[plan.name]?.init;
  const model = spec.model.init;
  const weights = new Matrix(plan.inputs, plan.outputs);
  fillInit(own?.weights ?? model?.weights ?? fallback, weights.data, fans, 'weights', () => rngs.stream(plan.name, 'init'));
  const bias = new Float32Array(plan.outputs);
  const biasRef = own?.bias ?? model?.bias ?? ZEROS;
  if (biasRef.name !== 'zeros') fillInit(biasRef, bias, fans, 'bias', () => rngs.stream(plan.name, 'init', 'bias'));
  return { weights, bias };
}
