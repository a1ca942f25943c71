import { kernels, Matrix, sigmoidOutputs, type LayerPlan, type NetworkServices, type ResolvedSpec, type RngFactory } from '@txsim/core';
import { initialParameters } from '../init/layer-init.js';
import { ReluLayer, SigmoidLayer } from '../layers/activations.js';
import type { Layer } from '../layers/layer.js';
import { linearLayer } from '../layers/weight-layers.js';
import { buildLenet5 } from './lenet5.js';
import { BlockNetwork } from './block-network.js';
import { buildResnet20 } from './resnet20.js';
import { Sequential } from './sequential.js';
import { buildVgg } from './vgg.js';

/**
 * Glorot-uniform weights from the layer's own stream: a digital and a crossbar run with the same seed
 * start from the same weights, which is what makes the ideal-crossbar comparison exact. The MLP's
 * default; kept written out here, apart from init/, so tests can hold the init code to it.
 */
export function initialWeights(rngs: RngFactory, plan: Pick<LayerPlan, 'name' | 'inputs' | 'outputs'>): Matrix {
  const w = new Matrix(plan.inputs, plan.outputs);
  const limit = Math.sqrt(6 / (plan.inputs + plan.outputs));
  rngs.stream(plan.name, 'init').fillUniform(w.data, -limit, limit);
  return w;
}

/**
 * The network of a resolved spec (model.type), each conv and linear layer analog or digital as planned.
 * `services` come from the composition root (`networkServices(container)` in core): the backend, the
 * random streams and the factory of each analog layer's crossbar.
 */
export function buildNetwork(resolved: ResolvedSpec, services: NetworkServices): Sequential {
  // A network's arrays live in kernel memory, outside the JavaScript heap, so earlier networks that are
  // gone may still hold theirs: take that memory back before allocating this one's (one full collection,
  // tens of milliseconds, once per network).
  kernels.reclaim();
  const net = buildBody(resolved, services);
  // Squared error on sigmoid outputs: the network itself ends in a sigmoid, so its outputs are what the loss sees.
  if (!sigmoidOutputs(resolved.spec.training.loss)) return net;
  const act = new SigmoidLayer('output.act');
  return net instanceof BlockNetwork ? new BlockNetwork([...net.blocks, act]) : new Sequential([...net.layers, act]);
}

function buildBody(resolved: ResolvedSpec, services: NetworkServices): Sequential {
  const type = resolved.spec.model.type;
  if (type === 'lenet5') return buildLenet5(resolved, services);
  if (type === 'vgg') return buildVgg(resolved, services);
  if (type === 'resnet20') return buildResnet20(resolved, services);
  return buildMlp(resolved, services);
}

const GLOROT = { name: 'glorot-uniform', gain: 1 } as const;

/** The MLP: each linear layer analog or digital as planned, activations between. */
function buildMlp(resolved: ResolvedSpec, { backend, rngs, crossbar }: NetworkServices): Sequential {
  const layers: Layer[] = [];
  resolved.layers.forEach((plan, i) => {
    const { weights: w, bias } = initialParameters(rngs, resolved.spec, plan, { fanIn: plan.inputs, fanOut: plan.outputs }, GLOROT);
    layers.push(linearLayer(plan, w, bias, { backend, crossbar }));
    if (i < resolved.layers.length - 1) {
      const name = `${plan.name}.act`;
      layers.push(resolved.spec.model.activation === 'relu' ? new ReluLayer(name) : new SigmoidLayer(name));
    }
  });
  return new Sequential(layers);
}
