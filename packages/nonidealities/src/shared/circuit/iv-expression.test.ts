import { toSI } from '@txsim/core';
import { describe, expect, it } from 'vitest';
import { expressionIv } from './iv.js';

describe('I–V expressions run sandboxed', () => {
  it('rejects createUnit, and unit parsing elsewhere in the process is unchanged afterwards', () => {
    const before = toSI('1 kohm', 'ohm');
    expect(() => expressionIv('createUnit("kohm", "1 ohm", {override: true}) + G * V')).toThrow(/I–V expression .*function "createUnit" is not allowed/);
    expect(() => expressionIv('G * V + 0 * createUnit("zap")')).toThrow(/createUnit/);
    expect(toSI('1 kohm', 'ohm')).toBe(before);
    expect(before).toBe(1000);
  });

  it('rejects zeros(1e5, 1e5) before allocating anything', () => {
    // Allocated, this matrix aborts V8: a regression crashes the test run instead of passing.
    expect(() => expressionIv('G * V + sum(zeros(1e5, 1e5))')).toThrow(/function "(sum|zeros)" is not allowed/);
  });

  it('rejects 60 nested sinh by depth, before differentiating', () => {
    const deep = `G * ${'sinh('.repeat(60)}V${')'.repeat(60)}`;
    expect(() => expressionIv(deep)).toThrow(/nested deeper than 32 levels/);
  });

  it('bounds length and term count, and refuses assignments, strings and matrices', () => {
    expect(() => expressionIv(`G * V${' + V'.repeat(200)}`)).toThrow(/longer than 500 characters/);
    // Balanced, so only the term count (318 nodes, 14 deep, 381 characters) is over a bound.
    const tree = (d: number): string => (d === 0 ? 'V*V' : `(${tree(d - 1)}+${tree(d - 1)})`);
    expect(() => expressionIv(`G*${tree(6)}`)).toThrow(/more than 200 terms/);
    expect(() => expressionIv('x = G * V')).toThrow(/assignment expressions are not allowed/);
    expect(() => expressionIv('G * V + "a"')).toThrow(/is not a number/);
    expect(() => expressionIv('[G, V]')).toThrow(/array expressions are not allowed/);
    expect(() => expressionIv('G * V * Q')).toThrow(/unknown symbol "Q"/);
  });

  it('checks every evaluation is a finite real number', () => {
    const iv = expressionIv('G * V / (V - 0.5)');
    expect(iv.current(1, 0.1)).toBeCloseTo(-0.25, 12);
    expect(() => iv.current(1, 0.5)).toThrow(/not a finite real number at G = 1 S, V = 0.5 V/);
    expect(() => expressionIv('G * sqrt(V - 1)')).toThrow(/real function of G and V|finite real/);
  });

  it('still differentiates a plain law symbolically', () => {
    const iv = expressionIv('G * 0.25 * sinh(V / 0.25)');
    expect(iv.slope(2e-5, 0.1)).toBeCloseTo(2e-5 * Math.cosh(0.4), 15);
  });
});
