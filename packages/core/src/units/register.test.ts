import { describe, expect, it } from 'vitest';
import { registerUnits } from './register.js';
import { toSI, UnitError } from './units.js';

// Units go into mathjs's shared instance; each test uses its own names so the order of tests does not matter.
describe('registerUnits', () => {
  it('adds a pack unit and its aliases to the parser', () => {
    expect(() => toSI('2 Oe', 'A/m')).toThrow(UnitError);
    registerUnits([{ name: 'Oe', definition: '79.5774715459 A/m', aliases: ['oersted'] }], 'pack-magnet');
    expect(toSI('2 Oe', 'A/m')).toBeCloseTo(159.154943, 6);
    expect(toSI('1 oersted', 'A/m')).toBeCloseTo(79.5774715, 6);
  });

  it('accepts a unit mathjs already has with the same meaning, so "300 mK" parses', () => {
    registerUnits([{ name: 'mK', definition: '0.001 K' }], 'pack-cryo');
    expect(toSI('300 mK', 'K')).toBeCloseTo(0.3, 12);
  });

  it('is a no-op when the same unit is registered again', () => {
    const unit = { name: 'uKel', definition: '1e-6 K' };
    registerUnits([unit], 'pack-a');
    expect(() => registerUnits([unit], 'pack-a')).not.toThrow();
    expect(toSI('5 uKel', 'K')).toBeCloseTo(5e-6, 15);
  });

  it('refuses a name another pack gave another meaning, naming both packs', () => {
    registerUnits([{ name: 'dBx', definition: '2 V' }], 'pack-first');
    expect(() => registerUnits([{ name: 'dBx', definition: '3 V' }], 'pack-second')).toThrow(/pack-second: unit "dBx".*pack pack-first/);
  });

  it('refuses to redefine a built-in mathjs unit, naming the pack', () => {
    expect(() => registerUnits([{ name: 'K', definition: '1 degC' }], 'pack-bad')).toThrow(/pack-bad: unit "K".*built-in/);
    expect(() => registerUnits([{ name: 'mK', definition: '0.01 K' }], 'pack-bad')).toThrow(/pack-bad: unit "mK"/);
    expect(toSI('1 mK', 'K')).toBeCloseTo(0.001, 15);
  });

  it('refuses an alias that clashes', () => {
    expect(() => registerUnits([{ name: 'Zap', definition: '1 J', aliases: ['W'] }], 'pack-alias')).toThrow(/pack-alias: unit "W"/);
  });

  it('refuses a definition that does not parse, or has no number', () => {
    expect(() => registerUnits([{ name: 'Fur', definition: 'furlong' }], 'pack-x')).toThrow(/pack-x: unit "Fur".*not a quantity/);
    expect(() => registerUnits([{ name: 'Kel', definition: 'K' }], 'pack-x')).toThrow(/pack-x: unit "Kel"/);
  });
});
