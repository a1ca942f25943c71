import { Matrix, ReferenceBackend, TiledCrossbar, tileGeometry, type CrossbarComponents, type DacModel } from '@txsim/core';
import { pluginContext, randomMatrix, readContext, TEST_GEOMETRY } from '@txsim/core/testing';
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

describe('output-noise in weight units', () => {
  it('gives a read error of std sigma·max|x| in the layer result, whatever the conductance range and wMax (aihwkit out_noise)', () => {
    const geometry = tileGeometry(16, 8, 16, 8);
    const gmin = 2e-6;
    const gmax = 3e-5;
    const wMax = 2.5;
    const base = pluginContext('weight-units', geometry);
    const siemensPerWeight = (gmax - gmin) / wMax;
    const noise = outputNoise.create({ ...base, range: { gmin, gmax, siemensPerWeight } }, outputNoise.meta.params.parse({ sigma: 0.06, units: 'weight' }));
    // An abs-max DAC at 0.2 V full scale (the digital value of a volt is max|x|/0.2) and exact converters.
    const dac: DacModel = {
      convert(src, dst, batch, lines, scales) {
        for (let b = 0; b < batch; b++) {
          let m = 0;
          for (let i = 0; i < lines; i++) m = Math.max(m, Math.abs(src[b * lines + i]!));
          scales[b] = m / 0.2;
          for (let i = 0; i < lines; i++) dst[b * lines + i] = m ? (src[b * lines + i]! / m) * 0.2 : 0;
        }
      },
    };
    const exact = { exact: true, convert: (s: Float32Array, d: Float32Array) => d.set(s), amplify: (s: Float32Array, d: Float32Array) => d.set(s) };
    const peripherals = { dac, senseAmp: exact, adc: exact };
    const components: CrossbarComponents = {
      device: { gmin, gmax }, updateRule: { update: () => 'analog' }, read: { forward: peripherals, backward: peripherals },
      stack: [{ name: 'output-noise', hooks: noise, phases: new Set(['forward']) }], wMax, scheme: 'mid-range',
    };
    const w = randomMatrix(16, 8, 'w', -1, 1);
    const xb = new TiledCrossbar('fc', geometry, components, new ReferenceBackend(), w);
    expect(xb.siemensPerWeight).toBeCloseTo(siemensPerWeight, 15);
    // Rows alternate between inputs of largest magnitude 1 and 4.
    const batch = 600;
    const x = randomMatrix(batch, 16, 'x', -1, 1);
    for (let b = 0; b < batch; b++) {
      const m = b % 2 ? 4 : 1;
      for (let i = 0; i < 16; i++) x.data[b * 16 + i]! *= m;
      x.data[b * 16] = m;
    }
    const y = xb.forward(x);
    const clean = new Matrix(batch, 8);
    new ReferenceBackend().gemm(x, xb.weights(), clean);
    for (const [parity, m] of [[0, 1], [1, 4]] as const) {
      const e: number[] = [];
      for (let b = parity; b < batch; b += 2) for (let j = 0; j < 8; j++) e.push(y.data[b * 8 + j]! - clean.data[b * 8 + j]!);
      const std = Math.sqrt(e.reduce((a, v) => a + v * v, 0) / e.length);
      // 2,400 draws: the sample std is within ±4 % of σ with overwhelming probability.
      expect(std / (0.06 * m)).toBeGreaterThan(0.96);
      expect(std / (0.06 * m)).toBeLessThan(1.04);
    }
  });

  it('needs the layer mapping', () => {
    expect(() => outputNoise.create(pluginContext('x'), outputNoise.meta.params.parse({ units: 'weight' }))).toThrow(/weight units needs the layer's weight mapping/);
  });
});
