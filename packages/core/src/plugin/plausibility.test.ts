import { describe, expect, it } from 'vitest';
import { params, quantity, real } from './params.js';
import { paramWarnings } from './plausibility.js';

const schema = params({
  gmax: quantity('S', { description: 'Highest conductance.', default: 1e-5 }),
  rOff: quantity('ohm', { description: 'Off resistance.', default: 1e6 }),
  rWire: quantity('ohm', { description: 'Wire resistance per segment.', default: 1, plausible: [1e-3, 1e4] }),
  gain: real({ description: 'A gain.', default: 1, plausible: [0.1, 10] }),
  vRead: quantity('V', { description: 'Read voltage.', default: 0.2 }),
});
const warn = (parsed: Record<string, unknown>, raw?: Record<string, unknown>) => paramWarnings(schema, { ...schema.parse({}), ...parsed }, raw);

describe('paramWarnings', () => {
  it('is silent for plausible values', () => {
    expect(warn({})).toEqual([]);
    expect(warn({ gmax: 1, rOff: 1e12, rWire: 0.5, gain: 10 })).toEqual([]);
  });

  it('names the prefix probably meant for a bare conductance above 1 S', () => {
    expect(warn({ gmax: 10 }, { gmax: 10 })).toEqual([{
      key: 'gmax',
      message: 'gmax = 10 S is above 1 S, far above any device; if you meant microsiemens write "10 uS"',
    }]);
  });

  it('warns about a conductance below 1 pS and a resistance outside [1 ohm, 1 Tohm]', () => {
    const [g, r] = warn({ gmax: 1e-14, rOff: 0.1 });
    expect(g!.message).toMatch(/^gmax = 10 fS|^gmax = 0\.01 pS/);
    expect(g!.message).toContain('is below 1 pS, far below any device');
    expect(r).toEqual({ key: 'rOff', message: 'rOff = 100 mohm is below 1 ohm, far below any device; if you meant megaohms write "0.1 Mohm"' });
    expect(warn({ rOff: 5e13 })[0]!.message).toContain('is above 1 Tohm');
  });

  it('gives no hint for a value written with a unit, only the warning', () => {
    const [w] = warn({ gmax: 10 }, { gmax: '10 S' });
    expect(w!.message).toBe('gmax = 10 S is above 1 S, far above any device');
    expect(warn({ gmax: 10 }, { gmax: '1e1' })[0]!.message).toContain('if you meant');
  });

  it('uses a field\'s own plausible range instead of the device range', () => {
    expect(warn({ rWire: 0.5 })).toEqual([]);
    expect(warn({ rWire: 1e5 }, { rWire: 1e5 })[0]!.message).toBe('rWire = 100 kohm is above 10 kohm, outside its plausible range; if you meant milliohms write "100000 mohm"');
    expect(warn({ gain: 100 })).toEqual([{ key: 'gain', message: 'gain = 100 is above 10, outside its plausible range' }]);
  });

  it('skips fields the spec did not give, exact zeros, and units without a range', () => {
    expect(warn({ gmax: 10 }, {})).toEqual([]);
    expect(warn({ gmax: 0 })).toEqual([]);
    expect(warn({ vRead: 1000 })).toEqual([]);
  });
});
