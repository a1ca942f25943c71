import { dataShape } from './data-shape.js';
import { SpecError } from './errors.js';
import type { ParsedSpec } from './schema.js';

/**
 * A convolution's geometry: a kernel × kernel window over a channels × height × width input, moved by
 * `stride` over the input zero-padded by `pad` on every side. On a crossbar it is the matrix
 * (channels·kernel²) × outChannels, read once per output position (im2col).
 */
export interface ConvShape {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly kernel: number;
  readonly stride: number;
  readonly pad: number;
  readonly outChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
}

/** A layer with weights (a crossbar candidate): inputs × outputs is its weight matrix. */
export interface PlannedLayer {
  readonly name: string;
  readonly inputs: number;
  readonly outputs: number;
  /** Present for convolutions: the geometry the network builder must use. */
  readonly conv?: ConvShape;
}

interface Volume {
  channels: number;
  height: number;
  width: number;
}

/** Sizes through the network, and the weight layers met on the way, named conv1…, fc1… in order. */
class Planner {
  readonly layers: PlannedLayer[] = [];
  private convs = 0;
  private fcs = 0;

  constructor(private v: Volume, private readonly type: string) {}

  conv(outChannels: number, kernel: number, stride = 1, pad = 0): this {
    const { channels, height, width } = this.v;
    const outHeight = Math.floor((height + 2 * pad - kernel) / stride) + 1;
    const outWidth = Math.floor((width + 2 * pad - kernel) / stride) + 1;
    const name = `conv${++this.convs}`;
    this.check(outHeight, outWidth, `${name} (${kernel}×${kernel}, stride ${stride}, pad ${pad})`);
    const conv = { channels, height, width, kernel, stride, pad, outChannels, outHeight, outWidth };
    this.layers.push({ name, inputs: channels * kernel * kernel, outputs: outChannels, conv });
    this.v = { channels: outChannels, height: outHeight, width: outWidth };
    return this;
  }

  /** 2×2 pooling with stride 2 (floor), as every network here uses. */
  pool(): this {
    const height = Math.floor(this.v.height / 2);
    const width = Math.floor(this.v.width / 2);
    this.check(height, width, 'a 2×2 pooling');
    this.v = { ...this.v, height, width };
    return this;
  }

  /** Global average pooling: one value per channel. */
  globalPool(): this {
    this.v = { ...this.v, height: 1, width: 1 };
    return this;
  }

  fc(outputs: number): this {
    const inputs = this.v.channels * this.v.height * this.v.width;
    this.layers.push({ name: `fc${++this.fcs}`, inputs, outputs });
    this.v = { channels: outputs, height: 1, width: 1 };
    return this;
  }

  private check(height: number, width: number, what: string): void {
    if (height >= 1 && width >= 1) return;
    throw new SpecError([{ path: 'data.shape', message: `images of ${this.v.height}×${this.v.width} are too small for ${this.type}: nothing is left after ${what}` }]);
  }
}

/**
 * The weight layers of the model a spec describes, with sizes from its data set alone (before any
 * data is read), so that per-layer overrides, the memory check and the crossbars can be planned.
 * The network builders in @txsim/models follow the same sequences and check each layer against
 * its plan. Throws a SpecError (path `data.shape`) when the images are too small for the model.
 */
export function modelLayers(spec: ParsedSpec): PlannedLayer[] {
  const shape = dataShape(spec.data);
  const p = new Planner({ channels: shape.channels, height: shape.height, width: shape.width }, spec.model.type);
  switch (spec.model.type) {
    case 'mlp': {
      for (const h of spec.model.hidden) p.fc(h);
      break;
    }
    case 'lenet5':
      // LeCun et al. 1998, with the 28×28 MNIST digits padded to LeNet's 32×32 field by pad 2.
      p.conv(6, 5, 1, 2).pool().conv(16, 5).pool().fc(120).fc(84);
      break;
    case 'vgg':
      // A small VGG-style net (Simonyan & Zisserman 2015's 3×3 stacks): 32-32-pool-64-64-pool-fc128.
      p.conv(32, 3, 1, 1).conv(32, 3, 1, 1).pool().conv(64, 3, 1, 1).conv(64, 3, 1, 1).pool().fc(128);
      break;
    case 'resnet20': {
      // He et al. 2016, §4.2: a 3×3 stem, then 3 stages of 3 basic blocks (two 3×3 convs each) with
      // 16, 32, 64 channels; the first conv of stages 2 and 3 has stride 2; global average pooling.
      p.conv(16, 3, 1, 1);
      for (const [stage, channels] of [16, 32, 64].entries()) {
        for (let block = 0; block < 3; block++) p.conv(channels, 3, stage > 0 && block === 0 ? 2 : 1, 1).conv(channels, 3, 1, 1);
      }
      p.globalPool();
      break;
    }
  }
  p.fc(shape.classes);
  return p.layers;
}
