import type { Matrix, LayerPlan, NetworkServices, ResolvedSpec } from '@txsim/core';
import { ReluLayer, SigmoidLayer } from '../layers/activations.js';
import type { Layer } from '../layers/layer.js';
import { convLayer, linearLayer } from '../layers/weight-layers.js';
import type { FeatureMapShape } from '../layers/pool.js';
import { initialParameters } from '../init/layer-init.js';

/**
 * Builds the weight layers of a conv net from the spec's plans, in plan order (conv1…, fc1…). The
 * plans fix each layer's geometry (core's modelLayers); the network files place pooling, batch norm,
 * activations and shortcuts, and this builder checks that the image shape they arrive with is the
 * one the plan expects, so the two descriptions cannot drift apart silently.
 */
export class ConvNetBuilder {
  private next = 0;

  constructor(private readonly resolved: ResolvedSpec, private readonly services: NetworkServices, readonly activationKind: 'relu' | 'sigmoid') {}

  /** The next planned layer, a conv on `input`; returns it and its output shape. */
  conv(input: FeatureMapShape): { layer: Layer; out: FeatureMapShape } {
    const plan = this.take();
    const s = plan.conv;
    if (!s || s.channels !== input.channels || s.height !== input.height || s.width !== input.width) {
      throw new Error(`${plan.name}: the network reaches it with ${input.channels}×${input.height}×${input.width} images; its plan says ${s ? `${s.channels}×${s.height}×${s.width}` : 'fully connected'}`);
    }
    const { weights: w, bias } = this.parameters(plan, s.channels * s.kernel ** 2, s.outChannels * s.kernel ** 2);
    const layer = convLayer(plan, s, w, bias, this.services);
    return { layer, out: { channels: s.outChannels, height: s.outHeight, width: s.outWidth } };
  }

  /** The next planned layer, fully connected on `inputs` values. */
  fc(inputs: number): Layer {
    const plan = this.take();
    if (plan.conv || plan.inputs !== inputs) throw new Error(`${plan.name}: the network reaches it with ${inputs} values; its plan says ${plan.conv ? 'a conv' : plan.inputs}`);
    const { weights: w, bias } = this.parameters(plan, plan.inputs, plan.outputs);
    return linearLayer(plan, w, bias, this.services);
  }

  activation(name: string, kind = this.activationKind): Layer {
    return kind === 'relu' ? new ReluLayer(name) : new SigmoidLayer(name);
  }

  /** Checks every planned layer was built. */
  done(): void {
    if (this.next !== this.resolved.layers.length) throw new Error(`the network built ${this.next} of ${this.resolved.layers.length} planned layers`);
  }

  private take(): LayerPlan {
    const plan = this.resolved.layers[this.next++];
    if (!plan) throw new Error(`the network needs more layers than the ${this.resolved.layers.length} planned`);
    return plan;
  }

  /**
   * Initial weights and bias as the spec's init says (init/layer-init.ts); by default uniform weights,
   * He (kaiming-uniform, limit √(6/fan_in)) before ReLU, Glorot (√(6/(fan_in + fan_out))) before
   * sigmoid, and zero bias. A conv's fans count its kernel window.
   */
  private parameters(plan: LayerPlan, fanIn: number, fanOut: number): { weights: Matrix; bias: Float32Array } {
    const fallback = this.activationKind === 'relu' ? ({ name: 'kaiming-uniform', a: 0 } as const) : ({ name: 'glorot-uniform', gain: 1 } as const);
    return initialParameters(this.services.rngs, this.resolved.spec, plan, { fanIn, fanOut }, fallback);
  }
}

export const volume = (s: FeatureMapShape): number => s.channels * s.height * s.width;
