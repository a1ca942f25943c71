import type { ParsedSpec } from './schema.js';

/** What a network needs to know of its data before any of it is read. */
export interface DataShape {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly classes: number;
}

/**
 * The input shape and class count a spec's data set has, known from the spec alone so layers can be
 * planned (and a spec rejected) before any data is read. Loaders check the files against it.
 */
export function dataShape(data: ParsedSpec['data']): DataShape {
  const [channels, height, width] = data.shape ?? (data.dataset === 'cifar10' ? [3, 32, 32] : [1, 28, 28]);
  const classes = data.classes ?? 10;
  return { channels, height, width, classes };
}
