import { describe, expect, it } from 'vitest';
import { declaredUnit, dimensionName, toSI, UnitError } from './units.js';

describe('toSI', () => {
  it.each([
    ['4.6 ohm', 'ohm', 4.6], ['100 kohm', 'ohm', 1e5], ['1 Mohm', 'ohm', 1e6], ['1 kΩ', 'ohm', 1000], ['2 kOhm', 'ohm', 2000],
    ['10 uS', 'S', 1e-5], ['100 µS', 'S', 1e-4], ['0.2 V', 'V', 0.2], ['10 mV', 'V', 0.01], ['1 nA', 'A', 1e-9], ['3', 'ohm', 3],
  ] as const)('parses %s as %s', (text, unit, value) => {
    expect(toSI(text, unit)).toBe(value);
  });

  it.each([
    ['300 K', 'K', 300], ['25 degC', 'K', 298.15], ['300 mK', 'K', 0.3], ['2 GHz', 'Hz', 2e9], ['1 fJ', 'J', 1e-15],
    ['3 pF', 'F', 3e-12], ['2 mW', 'W', 0.002], ['5 nm', 'm', 5e-9], ['0.004 1/K', '1/K', 0.004], ['0.004 /K', '1/K', 0.004],
    ['4 K^-1', '1/K', 4], ['2 kV/s', 'V/s', 2000], ['1 V/ms', 'V/s', 1000], ['300 K', 'degC', 26.85], ['7', 'Hz', 7],
  ] as const)('parses %s in a unit of any dimension (%s)', (text, unit, value) => {
    expect(toSI(text, unit)).toBeCloseTo(value, 12);
  });

  it('passes numbers through as SI', () => expect(toSI(5e-6, 'S')).toBe(5e-6));

  it.each([
    ['10 uS', 'ohm', /not a resistance/],
    ['1 kohm', 'S', /not a conductance/],
    ['100 us', 'S', /not a conductance/], // "us" is microseconds
    ['ten ohm', 'ohm', /cannot parse/],
    ['4.6 furlongs', 'ohm', /cannot parse/],
    ['1 GHz', 'K', /not a temperature/],
    ['3 V', 'V/s', /not a voltage ramp rate/],
    ['3 kg', 'N', /not a quantity in N/], // N has no friendly name
    ['kohm', 'ohm', /"kohm" has no number: expected a number with a unit, e.g. "1 kohm"/],
    [' kohm ', 'ohm', /has no number: expected a number with a unit/],
    ['ohm 5', 'ohm', /cannot parse "ohm 5"/],
  ] as const)('rejects %s as a %s', (text, unit, message) => {
    expect(() => toSI(text, unit)).toThrow(message);
  });

  it('refuses a declared unit mathjs cannot parse', () => {
    expect(() => toSI('3', 'furlongs')).toThrow(UnitError);
    expect(() => declaredUnit('furlongs')).toThrow(/"furlongs" is not a unit mathjs knows/);
  });
});

describe('dimensionName', () => {
  it.each([
    ['ohm', 'resistance'], ['K', 'temperature'], ['mK', 'temperature'], ['kHz', 'frequency'], ['N', 'quantity in N'], ['furlongs', 'quantity in furlongs'],
  ] as const)('names %s a %s', (unit, name) => expect(dimensionName(unit)).toBe(name));
});
