import { describe, expect, it } from 'vitest';
import { toSI } from './units.js';

describe('toSI', () => {
  it.each([
    ['4.6 ohm', 'ohm', 4.6], ['100 kohm', 'ohm', 1e5], ['1 Mohm', 'ohm', 1e6], ['1 kΩ', 'ohm', 1000], ['2 kOhm', 'ohm', 2000],
    ['10 uS', 'S', 1e-5], ['100 µS', 'S', 1e-4], ['0.2 V', 'V', 0.2], ['10 mV', 'V', 0.01], ['1 nA', 'A', 1e-9], ['3', 'ohm', 3],
  ] as const)('parses %s as %s', (text, unit, value) => {
    expect(toSI(text, unit)).toBe(value);
  });

  it('passes numbers through as SI', () => expect(toSI(5e-6, 'S')).toBe(5e-6));

  it.each([
    ['10 uS', 'ohm', /not a resistance/],
    ['1 kohm', 'S', /not a conductance/],
    ['100 us', 'S', /not a conductance/], // "us" is microseconds
    ['ten ohm', 'ohm', /cannot parse/],
  ] as const)('rejects %s as a %s', (text, unit, message) => {
    expect(() => toSI(text, unit)).toThrow(message);
  });
});
