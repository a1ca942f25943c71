import { dataShape, type NetworkServices, type ResolvedSpec } from '@txsim/core';
import { BatchNorm2dLayer } from '../layers/batch-norm.js';
import type { Layer } from '../layers/layer.js';
import { AvgPool2dLayer, type FeatureMapShape } from '../layers/pool.js';
import { ResidualBlock } from '../layers/residual.js';
import { BlockNetwork } from './block-network.js';
import { ConvNetBuilder } from './conv-builder.js';

/**
 * ResNet-20 for CIFAR-10 (He et al. 2016, §4.2): conv1 3×3/16 → BN → ReLU, then 3 stages of 3 basic
 * blocks (conv 3×3 → BN → ReLU → conv 3×3 → BN, plus the shortcut, then ReLU) with 16, 32 and 64
 * channels, the first conv of stages 2 and 3 with stride 2 and an option-A shortcut (subsample, zero
 * channels); global average pooling; fc1 to the classes. Convs conv1…conv19, all on crossbars when
 * the spec has one; batch norm and pooling digital. Always ReLU, whatever `model.activation` says.
 */
export function buildResnet20(resolved: ResolvedSpec, services: NetworkServices): BlockNetwork {
  const b = new ConvNetBuilder(resolved, services, 'relu');
  const convBnRelu = (input: FeatureMapShape, relu: boolean): { layers: Layer[]; out: FeatureMapShape } => {
    const { layer, out } = b.conv(input);
    const layers = [layer, new BatchNorm2dLayer(`${layer.name}.bn`, out)];
    if (relu) layers.push(b.activation(`${layer.name}.act`));
    return { layers, out };
  };
  const stem = convBnRelu(dataShape(resolved.spec.data), true);
  const blocks: Layer[] = [...stem.layers];
  let shape = stem.out;
  for (let stage = 1; stage <= 3; stage++) {
    for (let i = 1; i <= 3; i++) {
      const first = convBnRelu(shape, true);
      const second = convBnRelu(first.out, false);
      const name = `block${stage}.${i}`;
      const stride = shape.height === first.out.height ? 1 : 2;
      blocks.push(new ResidualBlock(name, [...first.layers, ...second.layers], b.activation(`${name}.act`), shape, second.out, stride));
      shape = second.out;
    }
  }
  const gap = new AvgPool2dLayer('gap', shape, shape.height);
  if (gap.out.height !== 1 || gap.out.width !== 1) throw new Error(`resnet20: global pooling of ${shape.height}×${shape.width} maps needs square maps`);
  blocks.push(gap, b.fc(shape.channels));
  b.done();
  return new BlockNetwork(blocks);
}
