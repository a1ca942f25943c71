import type { Dataset } from '@txsim/core';

/** Image shape [channels, height, width] as the files hold it. */
export type ImageShape = readonly [number, number, number];

/** One split (training or test) as read, with the file it came from so checks can name it. */
export interface LoadedSplit {
  readonly data: Dataset;
  /** The shape of one image in the file. */
  readonly shape: ImageShape;
  /** The file (or files) the images were read from. */
  readonly source: string;
}

export interface LoadedDataset {
  readonly train: LoadedSplit;
  readonly test: LoadedSplit;
}

export interface SplitLimits {
  /** Use only the first N training examples. */
  readonly trainLimit?: number;
  /** Use only the first N test examples. */
  readonly testLimit?: number;
}
