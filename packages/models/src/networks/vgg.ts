import { dataShape, type NetworkServices, type ResolvedSpec } from '@txsim/core';
import type { Layer } from '../layers/layer.js';
import { MaxPool2dLayer, type FeatureMapShape } from '../layers/pool.js';
import { ConvNetBuilder, volume } from './conv-builder.js';
import { Sequential } from './sequential.js';

/**
 * A small VGG-style net (Simonyan & Zisserman 2015: stacks of 3×3 convs, pad 1, then 2×2 max pooling):
 * conv1 32, conv2 32, pool, conv3 64, conv4 64, pool, fc1 128, fc2 classes, the spec's activation after
 * every conv and fc1. No batch norm, as in the original VGG; with sigmoid it trains slowly, use relu.
 */
export function buildVgg(resolved: ResolvedSpec, services: NetworkServices): Sequential {
  const b = new ConvNetBuilder(resolved, services, resolved.spec.model.activation);
  const layers: Layer[] = [];
  let shape: FeatureMapShape = dataShape(resolved.spec.data);
  for (const pool of ['pool1', 'pool2']) {
    for (let i = 0; i < 2; i++) {
      const { layer, out } = b.conv(shape);
      layers.push(layer, b.activation(`${layer.name}.act`));
      shape = out;
    }
    const p = new MaxPool2dLayer(pool, shape);
    layers.push(p);
    shape = p.out;
  }
  const fc1 = b.fc(volume(shape));
  layers.push(fc1, b.activation(`${fc1.name}.act`), b.fc(128));
  b.done();
  return new Sequential(layers);
}
