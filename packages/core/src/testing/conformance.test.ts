import { describe, expect, it } from 'vitest';
import { defineNonideality } from '../plugin/define.js';
import { params, quantity } from '../plugin/params.js';
import type { Phase } from '../plugin/types.js';
import { pluginConformance, type ConformanceOptions } from './conformance.js';

/** Runs the suite on one plugin with a recording test API; returns each test's name and its failure, if any. */
async function run(plugin: Parameters<typeof pluginConformance>[0][number], options?: ConformanceOptions) {
  const tests: Array<[string, () => void | Promise<void>]> = [];
  pluginConformance([plugin], { describe: (_n, fn) => fn(), it: (n, fn) => tests.push([n, fn]), expect }, options);
  const out: Record<string, string | undefined> = {};
  for (const [name, fn] of tests) {
    try {
      await fn();
      out[name] = undefined;
    } catch (e) {
      // chai shortens long values in the message; the value itself is on `actual`.
      out[name] = `${(e as Error).message} ${String((e as { actual?: unknown }).actual)}`;
    }
  }
  return out;
}

/** Scales conductances by (1 + k·(T − 300 K)): identity at k = 0. */
const thermal = (phases: Phase[] = ['forward', 'backward']) => defineNonideality({
  meta: {
    name: 'thermal', description: 'Temperature-dependent conductance.', phases,
    params: params({
      temperature: quantity('K', { description: 'Operating temperature.', required: true }),
      k: quantity('1/K', { description: 'Temperature coefficient.', default: 0.004, neutral: 0 }),
    }),
  },
  create: (_ctx, p) => ({
    conductance(src, dst) {
      for (let i = 0; i < src.length; i++) dst[i] = src[i]! * (1 + p.k * (p.temperature - 300));
    },
  }),
});

describe('pluginConformance', () => {
  it('runs a plugin with required params on the sample values given', async () => {
    const results = await run(thermal(), { params: { thermal: { temperature: '350 K' } } });
    expect(Object.keys(results).length).toBeGreaterThan(2);
    expect(results).toEqual(Object.fromEntries(Object.keys(results).map((k) => [k, undefined])));
  });

  it('fails, saying what to pass, when a required param has no sample value', async () => {
    const results = await run(thermal());
    expect(Object.keys(results)).toEqual(['has complete metadata and parseable defaults']);
    expect(results['has complete metadata and parseable defaults']).toMatch(/required params without sample values.*params: \{ 'thermal'/);
  });

  it('fails a plugin whose declared phases do not match its hooks', async () => {
    const results = await run(thermal(['update']), { params: { thermal: { temperature: '350 K' } } });
    expect(results['declares exactly the phases its hooks act in']).toMatch(/declares no read phase/);
  });
});
