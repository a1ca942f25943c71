import { Matrix } from '@txsim/core';
import { pluginContext, readContext, TEST_GEOMETRY } from '@txsim/core/testing';
import { describe, expect, it } from 'vitest';
import { outputNoise } from './output-noise.js';

describe('output-noise', () => {
  it('adds Gaussian noise of sigma·(gmax − gmin)·max|v| per output, independent of the signal', () => {
    const ctx = pluginContext('out');
    const noise = outputNoise.create(ctx, outputNoise.meta.params.parse({ sigma: 0.1 }));
    const lines = TEST_GEOMETRY.tileRows;
    const batch = 400;
    const v = new Matrix(batch, lines);
    // Half the rows driven at 0.2 V full scale, half at 0.1 V.
    for (let b = 0; b < batch; b++) for (let i = 0; i < lines; i++) v.data[b * lines + i] = (b % 2 ? 0.1 : 0.2) * Math.sin(i + b);
    for (let b = 0; b < batch; b++) v.data[b * lines] = b % 2 ? 0.1 : 0.2;
    const read = readContext('forward', v, TEST_GEOMETRY);
    const src = new Float32Array(batch * read.width).fill(1e-6);
    const dst = new Float32Array(src.length);
    noise.output!(src, dst, read);
    const swing = ctx.range!.gmax - ctx.range!.gmin;
    for (const [parity, drive] of [[0, 0.2], [1, 0.1]] as const) {
      const e: number[] = [];
      for (let b = parity; b < batch; b += 2) for (let j = 0; j < read.width; j++) e.push(dst[b * read.width + j]! - 1e-6);
      const mean = e.reduce((a, x) => a + x, 0) / e.length;
      const std = Math.sqrt(e.reduce((a, x) => a + (x - mean) ** 2, 0) / (e.length - 1));
      const want = 0.1 * swing * drive;
      expect(Math.abs(mean)).toBeLessThan((4 * want) / Math.sqrt(e.length));
      expect(std / want).toBeGreaterThan(0.96);
      expect(std / want).toBeLessThan(1.04);
    }
  });
});
