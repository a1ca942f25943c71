import { describe, expect, it } from 'vitest';
import { defineDevice, defineNonideality } from './define.js';
import { params } from './params.js';
import { phaseMismatch } from './phases.js';
import type { Phase } from './types.js';

const copy = (src: Float64Array, dst: Float64Array) => dst.set(src);
const ni = (phases: Phase[]) => defineNonideality({ meta: { name: 'probe', description: 'P.', phases, params: params({}) }, create: () => ({}) });

describe('phaseMismatch', () => {
  it.each([
    [['forward', 'backward'], { conductance: copy }],
    [['forward'], { input: copy }],
    [['update'], { delta: copy }],
    [['forward', 'update'], { output: copy, after: copy }],
  ] as const)('accepts %j with matching hooks', (phases, hooks) => expect(phaseMismatch(ni([...phases]), hooks)).toBeUndefined());

  it.each([
    [['forward'], {}, /returns none of the hooks/],
    [['update'], { conductance: copy }, /has read hooks \(conductance\) but declares no read phase/],
    [['forward', 'update'], { delta: copy }, /declares a read phase but has no read hook/],
    [['forward'], { conductance: copy, after: copy }, /has update hooks \(after\) but does not declare the update phase/],
    [['forward', 'update'], { conductance: copy }, /declares the update phase but has no update hook/],
  ] as const)('refuses %j with hooks %j', (phases, hooks, message) => {
    expect(phaseMismatch(ni([...phases]), hooks)).toMatch(message);
  });

  it('has nothing to say about slot plugins, whose hooks are fixed', () => {
    const dev = defineDevice({ meta: { name: 'd', description: 'D.', phases: ['update'], params: params({}) }, create: () => ({ gmin: 0, gmax: 1 }) });
    expect(phaseMismatch(dev, {})).toBeUndefined();
  });
});
