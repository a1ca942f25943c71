import { kernels, Matrix, sumColumns, trainingKernels, type ComputeBackend } from '@txsim/core';

/**
 * What every linear layer, digital or analog, keeps for its update: the batch input of the last
 * training forward, and from it the weight gradient xᵀ·δ (formed digitally — TxSim's update
 * abstraction for analog layers) and the bias gradient.
 */
export class LinearGradients {
  readonly bias: Float32Array;
  /** Made on first use (pulse-train rules never ask), in kernel memory: compiled update rules read it in place. */
  private weightGrad: Matrix | undefined;
  /** Whether weightGrad holds xᵀ·δ of the last backward (it is formed on first use: pulse-train rules never ask). */
  private formed = false;
  private input: Matrix | undefined;
  private error: Matrix | undefined;

  constructor(private readonly layer: string, private readonly inputs: number, private readonly outputs: number, private readonly backend: ComputeBackend) {
    this.bias = new Float32Array(outputs);
  }

  /** The weight gradient xᵀ·δ of the last backward, formed by one GEMM the first time it is asked for. */
  get weights(): Matrix {
    this.weightGrad ??= new Matrix(this.inputs, this.outputs, kernels.float32(this.inputs * this.outputs));
    if (!this.formed) {
      const { x, d } = this.operands();
      this.backend.gemm(x, d, this.weightGrad, { transA: true });
      this.formed = true;
    }
    return this.weightGrad;
  }

  /** Keeps the input of a training forward; forgets it for inference. */
  keep(x: Matrix, training: boolean): void {
    this.input = training ? x : undefined;
  }

  compute(dy: Matrix): void {
    if (!this.input) throw new Error(`${this.layer}: backward without a training forward`);
    sumColumns(dy, this.bias);
    this.error = dy;
    this.formed = false;
  }

  /** The batch input and output error of the last gradient (grad = xᵀ·δ), for pulse-train updates. */
  operands(): { x: Matrix; d: Matrix } {
    if (!this.input || !this.error) throw new Error(`${this.layer}: update without a backward`);
    return { x: this.input, d: this.error };
  }

  /** b ← b − η·∇b (biases stay digital in every layer). */
  stepBias(bias: Float32Array, learningRate: number): void {
    trainingKernels.sgdStep(bias, this.bias, learningRate);
  }
}
