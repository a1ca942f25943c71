import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';
import { RngFactory } from './rng-factory.js';

describe('Rng', () => {
  it('repeats a stream for the same path and separates different paths', () => {
    const f = new RngFactory(42);
    const a = Array.from({ length: 100 }, ((r) => () => r.next())(f.stream('fc1', 'noise')));
    const b = Array.from({ length: 100 }, ((r) => () => r.next())(f.stream('fc1', 'noise')));
    const c = Array.from({ length: 100 }, ((r) => () => r.next())(f.stream('fc2', 'noise')));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new RngFactory(43).stream('fc1', 'noise').next()).not.toBe(a[0]);
  });

  it('does not depend on the order streams are created in', () => {
    const f = new RngFactory(1);
    const first = f.stream('x').next();
    f.stream('y').next();
    const g = new RngFactory(1);
    g.stream('y').next();
    expect(g.stream('x').next()).toBe(first);
  });

  it('draws uniform and normal samples with the right moments', () => {
    const r = new Rng('moments');
    const n = 200_000;
    const u = r.fillUniform(new Float64Array(n), 2, 4) as Float64Array;
    const z = r.fillNormal(new Float64Array(n), 1, 3) as Float64Array;
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    const sd = (a: Float64Array) => {
      const m = mean(a);
      return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
    };
    expect(mean(u)).toBeCloseTo(3, 2);
    expect(u.reduce((m, v) => Math.min(m, v), Infinity)).toBeGreaterThanOrEqual(2);
    expect(u.reduce((m, v) => Math.max(m, v), -Infinity)).toBeLessThan(4);
    expect(Math.abs(mean(z) - 1)).toBeLessThan(0.03);
    expect(Math.abs(sd(z) - 3) / 3).toBeLessThan(0.01);
  });

  it('shuffles into a permutation', () => {
    const a = Uint32Array.from({ length: 1000 }, (_, i) => i);
    new Rng('s').shuffle(a);
    expect(Array.from(a).sort((p, q) => p - q)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(a.slice(0, 10))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('Rng and RngFactory snapshots', () => {
  it('an Rng restored from a JSON snapshot continues the identical sequence, including a cached normal', () => {
    const a = new Rng('snap');
    a.fillUniform(new Float64Array(17));
    a.normal(); // leaves the polar method's spare cached
    const state = JSON.parse(JSON.stringify(a.snapshot())) as ReturnType<Rng['snapshot']>;
    expect(state.spare).not.toBeNull();
    const b = new Rng('other');
    b.restore(state);
    const draw = (r: Rng) => [r.normal(), r.normal(), r.next(), r.nextU32(), ...r.fillNormal(new Float64Array(9))];
    expect(draw(b)).toEqual(draw(a));
  });

  it('a factory snapshot covers every stream handed out, per path in creation order', () => {
    const f = new RngFactory(5);
    const x1 = f.stream('x');
    const x2 = f.stream('x');
    const y = f.stream('y', 1);
    x1.next();
    x2.fillUniform(new Float64Array(3));
    y.normal();
    const state = JSON.parse(JSON.stringify(f.snapshot())) as ReturnType<RngFactory['snapshot']>;
    expect(Object.keys(state).sort()).toEqual(['5/x', '5/y/1']);
    expect(state['5/x']).toHaveLength(2);

    const g = new RngFactory(5);
    const [gx1, gx2, gy] = [g.stream('x'), g.stream('x'), g.stream('y', 1)];
    const late = g.stream('z'); // not in the snapshot: keeps its fresh state
    g.restore(state);
    expect([gx1.next(), gx2.next(), gy.normal(), gy.next()]).toEqual([x1.next(), x2.next(), y.normal(), y.next()]);
    expect(late.next()).toBe(new Rng('5/z').next());
  });
});
