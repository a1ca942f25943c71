import { Matrix } from '@txsim/core';
import type { Layer, LayerState } from './layer.js';
import type { FeatureMapShape } from './pool.js';

/**
 * Batch normalisation over each channel of images (Ioffe & Szegedy 2015): in training, statistics of
 * the batch over all positions of the channel; in evaluation, running statistics, updated with
 * momentum 0.1 (the running variance from the unbiased batch variance, as PyTorch does). γ and β are
 * learned with the network's SGD step. Always digital.
 */
export class BatchNorm2dLayer implements Layer {
  readonly kind = 'digital' as const;
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
  private readonly gammaGrad: Float32Array;
  private readonly betaGrad: Float32Array;
  /** Per channel, of the last training batch: 1/√(σ² + ε). */
  private readonly invStd: Float64Array;
  private normalised: Float32Array | undefined;
  private batch = 0;

  constructor(readonly name: string, readonly shape: FeatureMapShape, readonly epsilon = 1e-5, readonly momentum = 0.1) {
    const c = shape.channels;
    this.gamma = new Float32Array(c).fill(1);
    this.beta = new Float32Array(c);
    this.runningMean = new Float32Array(c);
    this.runningVar = new Float32Array(c).fill(1);
    this.gammaGrad = new Float32Array(c);
    this.betaGrad = new Float32Array(c);
    this.invStd = new Float64Array(c);
  }

  forward(x: Matrix, training: boolean): Matrix {
    const { channels: C, height, width } = this.shape;
    const P = height * width;
    if (x.cols !== C * P) throw new RangeError(`${this.name}: input rows have ${x.cols} values, expected ${C * P}`);
    const N = x.rows;
    const y = new Matrix(N, x.cols);
    const xd = x.data;
    const xhat = training ? new Float32Array(xd.length) : undefined;
    for (let c = 0; c < C; c++) {
      let mean: number;
      let inv: number;
      if (training) {
        let sum = 0;
        for (let n = 0; n < N; n++) for (let p = 0, o = n * C * P + c * P; p < P; p++) sum += xd[o + p]!;
        mean = sum / (N * P);
        let sq = 0;
        for (let n = 0; n < N; n++) for (let p = 0, o = n * C * P + c * P; p < P; p++) sq += (xd[o + p]! - mean) ** 2;
        const m = N * P;
        const variance = sq / m;
        inv = 1 / Math.sqrt(variance + this.epsilon);
        this.invStd[c] = inv;
        this.runningMean[c] = (1 - this.momentum) * this.runningMean[c]! + this.momentum * mean;
        this.runningVar[c] = (1 - this.momentum) * this.runningVar[c]! + this.momentum * (m > 1 ? sq / (m - 1) : variance);
      } else {
        mean = this.runningMean[c]!;
        inv = 1 / Math.sqrt(this.runningVar[c]! + this.epsilon);
      }
      const g = this.gamma[c]!;
      const b = this.beta[c]!;
      for (let n = 0; n < N; n++) {
        for (let p = 0, o = n * C * P + c * P; p < P; p++) {
          const h = (xd[o + p]! - mean) * inv;
          if (xhat) xhat[o + p] = h;
          y.data[o + p] = g * h + b;
        }
      }
    }
    this.normalised = xhat;
    this.batch = N;
    return y;
  }

  /** dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)), the batch statistics being functions of x too. */
  backward(dy: Matrix): Matrix {
    const xhat = this.normalised;
    if (!xhat) throw new Error(`${this.name}: backward without a training forward`);
    const { channels: C, height, width } = this.shape;
    const P = height * width;
    const N = this.batch;
    const m = N * P;
    const dx = new Matrix(N, C * P);
    const g = dy.data;
    for (let c = 0; c < C; c++) {
      let sumG = 0;
      let sumGH = 0;
      for (let n = 0; n < N; n++) {
        for (let p = 0, o = n * C * P + c * P; p < P; p++) {
          sumG += g[o + p]!;
          sumGH += g[o + p]! * xhat[o + p]!;
        }
      }
      this.betaGrad[c] = sumG;
      this.gammaGrad[c] = sumGH;
      const scale = this.gamma[c]! * this.invStd[c]!;
      const meanG = sumG / m;
      const meanGH = sumGH / m;
      for (let n = 0; n < N; n++) {
        for (let p = 0, o = n * C * P + c * P; p < P; p++) dx.data[o + p] = scale * (g[o + p]! - meanG - xhat[o + p]! * meanGH);
      }
    }
    return dx;
  }

  update(learningRate: number): void {
    for (let c = 0; c < this.gamma.length; c++) {
      this.gamma[c]! -= learningRate * this.gammaGrad[c]!;
      this.beta[c]! -= learningRate * this.betaGrad[c]!;
    }
  }

  state(): LayerState {
    return { gamma: this.gamma.slice(), beta: this.beta.slice(), runningMean: this.runningMean.slice(), runningVar: this.runningVar.slice() };
  }

  restore(state: LayerState): void {
    this.gamma.set(state.gamma!);
    this.beta.set(state.beta!);
    this.runningMean.set(state.runningMean!);
    this.runningVar.set(state.runningVar!);
  }
}
