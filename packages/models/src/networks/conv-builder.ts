import { Matrix, type LayerPlan, type NetworkServices, type ResolvedSpec } from '@txsim/core';
import { ReluLayer, SigmoidLayer } from '../layers/activations.js';
import type { Layer } from '../layers/layer.js';
import { convLayer, linearLayer } from '../layers/weight-layers.js';
import type { FeatureMapShape } from '../layers/pool.js';

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
    const w = this.weights(plan, s.channels * s.kernel ** 2, s.outChannels * s.kernel ** 2);
    const bias = new Float32Array(plan.outputs);
    const layer = convLayer(plan, s, w, bias, this.services);
    return { layer, out: { channels: s.outChannels, height: s.outHeight, width: s.outWidth } };
  }

  /** The next planned layer, fully connected on `inputs` values. */
  fc(inputs: number): Layer {
    const plan = this.take();
    if (plan.conv || plan.inputs !== inputs) throw new Error(`${plan.name}: the network reaches it with ${inputs} values; its plan says ${plan.conv ? 'a conv' : plan.inputs}`);
    const w = this.weights(plan, plan.inputs, plan.outputs);
    const bias = new Float32Array(plan.outputs);
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
   * Uniform initial weights from the layer's own stream (so digital and crossbar runs start alike):
   * He (limit √(6/fan_in)) before ReLU, Glorot (√(6/(fan_in + fan_out))) before sigmoid; a conv's
   * fans count its kernel window.
   */
  private weights(plan: LayerPlan, fanIn: number, fanOut: number): Matrix {
    const w = new Matrix(plan.inputs, plan.outputs);
    const limit = this.activationKind === 'relu' ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
    this.services.rngs.stream(plan.name, 'init').fillUniform(w.data, -limit, limit);
    return w;
  }
}

export const volume = (s: FeatureMapShape): number => s.channels * s.height * s.width;
