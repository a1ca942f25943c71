import { Matrix, type ChwShape, type Dataset } from '@txsim/core';

/** The two splits with their image shape, as one transform hands them to the next. */
export interface TransformData {
  readonly train: Dataset;
  readonly test: Dataset;
  readonly shape: ChwShape;
}

/**
 * A split whose inputs are `fn` of the old ones, written into a new array: the loaded arrays stay as
 * read (a loader may hand the same arrays to another run).
 */
export function mapInputs(data: Dataset, fn: (values: Float32Array, out: Float32Array) => void): Dataset {
  const out = new Float32Array(data.inputs.data.length);
  fn(data.inputs.data, out);
  return { inputs: new Matrix(data.inputs.rows, data.inputs.cols, out), labels: data.labels };
}
