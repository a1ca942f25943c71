import { sourceImageShape, transformedShape } from './data-transforms.js';
import type { ParsedSpec } from './schema.js';

/** What a network needs to know of its data before any of it is read. */
export interface DataShape {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly classes: number;
}

/**
 * The input shape and class count the network sees, known from the spec alone so layers can be planned
 * (and a spec rejected) before any data is read: the files' shape after `data.transforms` (a crop
 * shrinks it). The schema has already refused a transform that does not fit.
 */
export function dataShape(data: ParsedSpec['data']): DataShape {
  const [channels, height, width] = transformedShape(sourceImageShape(data), data.transforms).shape;
  return { channels, height, width, classes: data.classes ?? 10 };
}

/** The shape of the images in the data files, before any transform: what loaders check the files against. */
export function sourceDataShape(data: ParsedSpec['data']): DataShape {
  const [channels, height, width] = sourceImageShape(data);
  return { channels, height, width, classes: data.classes ?? 10 };
}
