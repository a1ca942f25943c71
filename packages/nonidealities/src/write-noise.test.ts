import { pluginContext, TEST_RANGE, updateContext, sampleStats } from '@txsim/core/testing';
import { describe, expect, it } from 'vitest';
import { writeNoise } from './write-noise.js';

const { gmin, gmax } = TEST_RANGE;
const R = gmax - gmin;
const N = 200_000;

function noise(gamma: number, delta: number, seed = 'wn') {
  const src = new Float64Array(N).fill(delta);
  const dst = new Float64Array(N);
  writeNoise.create(pluginContext(seed), { gamma }).delta!(src, dst, updateContext(new Float64Array(N).fill(gmin)));
  return dst.map((v) => v - delta);
}


describe('write-noise', () => {
  for (const [gamma, fraction] of [[5, 1e-3], [1, 1e-2], [10, 1e-4], [5, -1e-3]] as const) {
    it(`has σ = (γ/100)·√(R·|ΔG|) for γ = ${gamma}, ΔG = ${fraction}·R (200k draws, within 2 %)`, () => {
      const delta = fraction * R;
      const sigma = (gamma / 100) * Math.sqrt(R * Math.abs(delta));
      const { mean, std } = sampleStats(noise(gamma, delta));
      expect(Math.abs(std / sigma - 1)).toBeLessThan(0.02);
      expect(Math.abs(mean)).toBeLessThan((5 * sigma) / Math.sqrt(N));
    });
  }

  it('grows as the square root of the update', () => {
    const small = sampleStats(noise(5, 1e-4 * R)).std;
    const large = sampleStats(noise(5, 4e-4 * R)).std;
    expect(large / small).toBeCloseTo(2, 1);
  });

  it('adds nothing where no change is asked, and nothing at γ = 0', () => {
    const src = Float64Array.from([0, 1e-8, 0, -3e-8]);
    const dst = new Float64Array(4);
    writeNoise.create(pluginContext(), { gamma: 5 }).delta!(src, dst, updateContext(new Float64Array(4)));
    expect(dst[0]).toBe(0);
    expect(dst[2]).toBe(0);
    expect(dst[1]).not.toBe(1e-8);
    writeNoise.create(pluginContext(), { gamma: 0 }).delta!(src, dst, updateContext(new Float64Array(4)));
    expect(dst).toEqual(src);
  });
});
