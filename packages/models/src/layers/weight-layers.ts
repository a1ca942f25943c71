import { weightClipLimit, type ConvShape, type LayerPlan, type Matrix, type NetworkServices } from '@txsim/core';
import { withBiasRow } from './analog-bias.js';
import { AnalogConv2dLayer } from './analog-conv2d.js';
import { AnalogLinearLayer } from './analog-linear.js';
import { Conv2dLayer } from './conv2d.js';
import { DenseLayer } from './dense.js';
import type { Layer } from './layer.js';

/**
 * A planned weight layer, analog or digital, with its bias where the plan puts it (digital, none, or an
 * analog row of the array, which a digital layer keeps digital) and its weight clipping (digital layers
 * clip after each update; a crossbar's mapped range is the clip, set where the crossbar is composed).
 */
export function linearLayer(plan: LayerPlan, w: Matrix, bias: Float32Array, services: Pick<NetworkServices, 'backend' | 'crossbar'>): Layer {
  const { backend, crossbar } = services;
  if (!plan.crossbar) return new DenseLayer(plan.name, w, plan.bias === 'none' ? null : bias, backend, weightClipLimit(plan));
  if (plan.bias === 'analog') return new AnalogLinearLayer(plan.name, crossbar(plan, withBiasRow(w, bias)), null, backend, { analogBias: true });
  return new AnalogLinearLayer(plan.name, crossbar(plan, w), plan.bias === 'none' ? null : bias, backend);
}

/** The convolution counterpart of {@link linearLayer}. */
export function convLayer(plan: LayerPlan, shape: ConvShape, w: Matrix, bias: Float32Array, services: Pick<NetworkServices, 'backend' | 'crossbar'>): Layer {
  const { backend, crossbar } = services;
  if (!plan.crossbar) return new Conv2dLayer(plan.name, shape, w, plan.bias === 'none' ? null : bias, backend, weightClipLimit(plan));
  if (plan.bias === 'analog') return new AnalogConv2dLayer(plan.name, shape, crossbar(plan, withBiasRow(w, bias)), null, backend, { analogBias: true });
  return new AnalogConv2dLayer(plan.name, shape, crossbar(plan, w), plan.bias === 'none' ? null : bias, backend);
}
