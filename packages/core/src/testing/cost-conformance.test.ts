import { describe, expect, it } from 'vitest';
import { defineCost } from '../plugin/define.js';
import { params, quantity } from '../plugin/params.js';
import { pluginConformance } from './conformance.js';

/** A cost plugin: per-read energy, plus an optional fixed charge that breaks "no activity costs nothing". */
const perRead = (fixed: number, component: 'adc' | null = 'adc') => defineCost({
  meta: {
    name: 'per-read', ...(component ? { component } : {}), description: 'Energy per tile read.', phases: ['forward'],
    params: params({ energy: quantity('J', { description: 'Energy per read.', default: 1e-12, min: 0 }) }),
  },
  create: (_ctx, p) => ({
    cost: (a) => ({ energyJ: a.tileReads * p.energy + (a.tileReads || fixed ? fixed : 0), latencyS: a.tileReads * 1e-9 }),
    area: () => 1e-9,
  }),
});

async function failures(plugin: ReturnType<typeof perRead>): Promise<string[]> {
  const tests: Array<[string, () => void | Promise<void>]> = [];
  pluginConformance([plugin as never], { describe: (_n, fn) => fn(), it: (n, fn) => tests.push([n, fn]), expect });
  const out: string[] = [];
  for (const [name, fn] of tests) {
    try {
      await fn();
    } catch {
      out.push(name);
    }
  }
  return out;
}

describe('cost plugin conformance', () => {
  it('passes a per-event cost model', async () => {
    expect(await failures(perRead(0))).toEqual([]);
  });
  it('fails a model with a fixed charge (not linear, not zero at no activity) and one that names no component', async () => {
    expect(await failures(perRead(1e-9))).toEqual(['prices no activity at zero and more activity linearly']);
    expect(await failures(perRead(0, null))).toEqual(['names the component it prices']);
  });
});
