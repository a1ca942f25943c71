import { dataShape, type NetworkServices, type ResolvedSpec } from '@txsim/core';
import type { Layer } from '../layers/layer.js';
import { MaxPool2dLayer, type FeatureMapShape } from '../layers/pool.js';
import { ConvNetBuilder, volume } from './conv-builder.js';
import { Sequential } from './sequential.js';

/**
 * LeNet-5 (LeCun et al. 1998): conv1 6@5×5 (pad 2, so 28×28 digits keep LeNet's 32×32 field) →
 * 2×2 pool → conv2 16@5×5 → 2×2 pool → fc1 120 → fc2 84 → fc3 classes, the spec's activation after
 * every conv and hidden fc. The subsampling layers are max pooling, as in most modern LeNets.
 */
export function buildLenet5(resolved: ResolvedSpec, services: NetworkServices): Sequential {
  const b = new ConvNetBuilder(resolved, services, resolved.spec.model.activation);
  const layers: Layer[] = [];
  let shape: FeatureMapShape = dataShape(resolved.spec.data);
  for (const pool of ['pool1', 'pool2']) {
    const { layer, out } = b.conv(shape);
    const p = new MaxPool2dLayer(pool, out);
    layers.push(layer, b.activation(`${layer.name}.act`), p);
    shape = p.out;
  }
  let inputs = volume(shape);
  for (const outputs of [120, 84]) {
    const fc = b.fc(inputs);
    layers.push(fc, b.activation(`${fc.name}.act`));
    inputs = outputs;
  }
  layers.push(b.fc(inputs));
  b.done();
  return new Sequential(layers);
}
