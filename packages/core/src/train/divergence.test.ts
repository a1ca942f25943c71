import { describe, expect, it } from 'vitest';
import { describeHealth, divergedLossLimit, parameterHealth } from './divergence.js';

describe('divergence', () => {
  it('puts the loss limit at 100 × ln(classes)', () => {
    expect(divergedLossLimit(10)).toBeCloseTo(230.2585, 3);
    expect(divergedLossLimit(2)).toBeCloseTo(69.3147, 3);
  });

  it('names the first layer array holding a non-finite value, in layer order', () => {
    const h = parameterHealth({ fc1: { w: [1, 2], bias: [0] }, fc2: { w: [Number.NaN] }, fc3: { w: [Infinity] } });
    expect(h).toEqual({ nonFinite: 'fc2.w' });
    expect(describeHealth(h)).toBe('; fc2.w is the first parameter array holding non-finite values');
  });

  it('else names the array with the largest |value|', () => {
    const h = parameterHealth({ fc1: { w: Float32Array.from([1, -7]) }, fc2: { bias: [3e5, -2] } });
    expect(h).toEqual({ largest: { where: 'fc2.bias', value: 3e5 } });
    expect(describeHealth(h)).toContain('the largest |value| is 3.00e+5 in fc2.bias');
  });
});
