import { describe, expect, it } from 'vitest';
import { unphysical } from './circuit.js';

describe('unphysical', () => {
  it('accepts non-negative Geff and round-off below it, and names the first negative or non-finite entry', () => {
    expect(unphysical([1e-5, 0, 2e-6, -1e-16], 2)).toBeUndefined();
    expect(unphysical([1.7e-5, -22204.46], 2)).toBe('Geff[0][1] = -22204.46 S');
    expect(unphysical([1e-5, 1e-5, Number.NaN, 1], 2)).toBe('Geff[1][0] = NaN S');
  });
});
