import { Matrix, type CropTransform, type Dataset } from '@txsim/core';
import type { TransformData } from './types.js';

/**
 * Keeps rows top … top+height−1 and columns left … left+width−1 of every channel. The schema has checked
 * the window against the shape (transformedShape); this checks again, for callers that skip the schema.
 */
export function crop(t: CropTransform, data: TransformData): TransformData {
  const [c, h, w] = data.shape;
  if (t.top + t.height > h || t.left + t.width > w) {
    throw new Error(`crop ${t.height}×${t.width} at row ${t.top}, column ${t.left} does not fit a ${h}×${w} image`);
  }
  const one = (split: Dataset): Dataset => {
    const n = split.inputs.rows;
    const src = split.inputs.data;
    const out = new Matrix(n, c * t.height * t.width);
    const dst = out.data;
    let o = 0;
    // One row segment at a time: a crop row is contiguous in the C·H·W layout.
    for (let i = 0; i < n; i++) {
      for (let ch = 0; ch < c; ch++) {
        const plane = (i * c + ch) * h * w;
        for (let r = t.top; r < t.top + t.height; r++) {
          const start = plane + r * w + t.left;
          dst.set(src.subarray(start, start + t.width), o);
          o += t.width;
        }
      }
    }
    return { inputs: out, labels: split.labels };
  };
  return { train: one(data.train), test: one(data.test), shape: [c, t.height, t.width] };
}
