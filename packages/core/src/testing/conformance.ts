import type { z } from 'zod';
import { Matrix } from '../matrix/matrix.js';
import { metaOf, neutralParams, requiredParams, type ParamSchema } from '../plugin/params.js';
import { phaseMismatch, READ_HOOKS, UPDATE_HOOKS } from '../plugin/phases.js';
import type { AnyPlugin, DeviceModel, NonidealityHooks, Plugin, PluginKind, SnapshotHooks } from '../plugin/types.js';
import { Rng } from '../random/rng.js';
import { costChecks } from './cost-conformance.js';
import { pluginContext, randomConductances, randomMatrix, readContext, TEST_GEOMETRY, updateContext } from './fixtures.js';

/** The slice of a test framework the suite needs (vitest's `describe`, `it`, `expect` fit). */
export interface TestApi {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => void | Promise<void>): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  expect: (value: unknown, message?: string) => any;
}

type HookName = (typeof READ_HOOKS)[number] | (typeof UPDATE_HOOKS)[number];

/** Runs every hook a non-ideality has on fixed inputs; returns outputs and whether inputs survived unmodified. */
function exercise(hooks: NonidealityHooks, seed = 'inputs') {
  const g = randomConductances(`${seed}/g`);
  const out: Partial<Record<HookName, Float64Array | Float32Array>> = {};
  let mutated = false;
  let unwritten = false;
  const check = (src: Float32Array | Float64Array, dst: Float32Array | Float64Array) => {
    if (dst.some((v) => Number.isNaN(v))) unwritten = true;
    return dst;
  };
  if (hooks.conductance) {
    const src = g.slice();
    const dst = new Float64Array(src.length).fill(NaN);
    hooks.conductance(src, dst, { direction: 'forward', polarity: 'plus' });
    mutated ||= src.some((v, i) => v !== g[i]);
    out.conductance = check(src, dst);
  }
  for (const name of ['input', 'output'] as const) {
    const hook = hooks[name];
    if (!hook) continue;
    const lines = TEST_GEOMETRY.tileRows;
    const v = randomMatrix(5, lines, `${seed}/v`, -1, 1);
    const ctx = readContext('forward', v, TEST_GEOMETRY, g);
    const src = name === 'input' ? v.data.slice() : randomMatrix(5, ctx.width, `${seed}/i`, -1e-4, 1e-4).data;
    const before = src.slice();
    const dst = new Float32Array(src.length).fill(NaN);
    hook(src, dst, ctx);
    mutated ||= src.some((x, i) => x !== before[i]);
    out[name] = check(src, dst);
  }
  for (const name of UPDATE_HOOKS) {
    const hook = hooks[name];
    if (!hook) continue;
    const state = g.slice();
    const src = name === 'delta' ? new Rng(`${seed}/d`).fillNormal(new Float64Array(g.length), 0, 1e-7) as Float64Array : g.slice();
    const before = src.slice();
    const dst = new Float64Array(src.length).fill(NaN);
    hook(src, dst, updateContext(state));
    mutated ||= src.some((x, i) => x !== before[i]) || state.some((x, i) => x !== g[i]);
    out[name] = check(src, dst);
  }
  return { out, mutated, unwritten, g };
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1e-30);
    if (d > m) m = d;
  }
  return m;
}

function metaChecks(plugin: AnyPlugin, api: TestApi, sample: SampleParams | undefined) {
  const { expect } = api;
  api.it('has complete metadata and parseable defaults', () => {
    const { meta } = plugin;
    expect(meta.name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
    expect(meta.description).toMatch(/^[A-Z].*\.$/);
    expect(meta.phases.length).toBeGreaterThan(0);
    const missing = requiredParams(meta.params as ParamSchema).filter((k) => sample?.[k] === undefined);
    expect(missing, `${meta.name} has required params without sample values: pass them as pluginConformance(plugins, api, { params: { '${meta.name}': { … } } })`).toEqual([]);
    const parsed = (meta.params as z.ZodType).safeParse(sample ?? {});
    expect(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [], `${meta.name}'s defaults (and sample params) parse`).toEqual([]);
    for (const [field, schema] of Object.entries((meta.params as ParamSchema).shape)) {
      const m = metaOf(schema as z.ZodType);
      expect(m, `${meta.name}.${field} lacks metadata (use the param helpers)`).toBeDefined();
      expect(m!.description.length, `${meta.name}.${field} needs a description`).toBeGreaterThan(0);
      const complete = m!.required === true || (schema as z.ZodType).safeParse(undefined).success;
      expect(complete, `${meta.name}.${field} needs a default or required: true`).toBe(true);
    }
  });
}

function nonidealityChecks(plugin: Plugin<'nonideality'>, api: TestApi, sample: SampleParams | undefined) {
  const { expect } = api;
  const create = (params: object, seed = 'seed') => plugin.create(pluginContext(seed), params as never);
  const defaults = (plugin.meta.params as z.ZodType).parse(sample ?? {}) as object;
  const neutral = () => neutralParams(plugin.meta.params as ParamSchema, sample);

  api.it('declares exactly the phases its hooks act in', () => {
    expect(phaseMismatch(plugin, create(defaults))).toBeUndefined();
  });

  api.it('is the identity with neutral parameters', () => {
    const ran = exercise(create(neutral()));
    const g = ran.g;
    for (const [name, out] of Object.entries(ran.out)) {
      const reference = name === 'conductance' || name === 'after' ? g : undefined;
      if (reference) expect(maxRel(out!, reference), `${name} hook`).toBeLessThan(1e-9);
    }
    for (const [hook, error] of Object.entries(identityUnderNeutral(create(neutral())))) {
      expect(error, `${hook} hook`).toBeLessThan(1e-6);
    }
  });

  api.it('gives identical output for the same seed, never mutates inputs, writes every output', () => {
    const a = exercise(create(defaults, 's1'));
    const b = exercise(create(defaults, 's1'));
    expect(a.mutated).toBe(false);
    expect(a.unwritten).toBe(false);
    for (const k of Object.keys(a.out) as HookName[]) expect(Array.from(a.out[k]!)).toEqual(Array.from(b.out[k]!));
  });

  snapshotCheck(plugin, api, defaults, (hooks, round) => {
    const { out } = exercise(hooks as NonidealityHooks, `round${round}`);
    return Object.values(out).flatMap((o) => Array.from(o!));
  });
}

/**
 * A plugin with a `snapshot` hook restores to identical behaviour: after a few calls, a fresh instance
 * given the snapshot (and the random stream's state, which the tile restores separately) produces the
 * same next outputs as the original.
 */
function snapshotCheck(plugin: AnyPlugin, api: TestApi, params: object, step: (hooks: unknown, round: number) => ArrayLike<number>) {
  if (!(plugin.create(pluginContext('probe'), params as never) as { snapshot?: unknown }).snapshot) return;
  const { expect } = api;
  api.it('restores from a snapshot (plain JSON) to identical outputs', () => {
    const ctxA = pluginContext('snap');
    const a = plugin.create(ctxA, params as never) as SnapshotHooks;
    for (let round = 0; round < 3; round++) step(a, round);
    const state = JSON.parse(JSON.stringify(a.snapshot!())) as unknown;
    const ctxB = pluginContext('snap');
    const b = plugin.create(ctxB, params as never) as SnapshotHooks;
    expect(typeof b.restore, 'a plugin with snapshot() needs restore()').toBe('function');
    b.restore!(state);
    ctxB.rng.restore(ctxA.rng.snapshot());
    for (let round = 3; round < 6; round++) expect(Array.from(step(b, round))).toEqual(Array.from(step(a, round)));
  });
}

/** Identity checks for hooks whose neutral form must pass values through (input, output, delta). */
export function identityUnderNeutral(hooks: NonidealityHooks): Record<string, number> {
  const errors: Record<string, number> = {};
  const g = randomConductances('id/g');
  if (hooks.input || hooks.output) {
    const v = randomMatrix(4, TEST_GEOMETRY.tileRows, 'id/v');
    const ctx = readContext('forward', v, TEST_GEOMETRY, g);
    if (hooks.input) {
      const dst = new Float32Array(v.data.length);
      hooks.input(v.data, dst, ctx);
      errors.input = maxRel(dst, v.data);
    }
    if (hooks.output) {
      const src = randomMatrix(4, ctx.width, 'id/i', -1e-4, 1e-4).data;
      const dst = new Float32Array(src.length);
      hooks.output(src, dst, ctx);
      errors.output = maxRel(dst, src);
    }
  }
  if (hooks.delta) {
    const d = new Rng('id/d').fillNormal(new Float64Array(g.length), 0, 1e-7) as Float64Array;
    const dst = new Float64Array(d.length);
    hooks.delta(d, dst, updateContext(g));
    errors.delta = maxRel(dst, d);
  }
  return errors;
}

function slotChecks(plugin: AnyPlugin, api: TestApi, sample: SampleParams | undefined) {
  const { expect } = api;
  const defaults = (plugin.meta.params as z.ZodType).parse(sample ?? {}) as object;
  const neutral = neutralParams(plugin.meta.params as ParamSchema, sample);
  const x = randomMatrix(6, TEST_GEOMETRY.tileRows, 'slot/x');
  const run = (params: object, seed = 'slot') => call(plugin.create(pluginContext(seed), params as never));
  const call = (hooks: unknown, input = x) => {
    const inst = hooks as Record<string, (...a: unknown[]) => void>;
    const src = input.data.slice();
    const dst = new Float32Array(src.length).fill(NaN);
    const rctx = readContext('forward', new Matrix(x.rows, x.cols, src), TEST_GEOMETRY);
    switch (plugin.meta.kind as PluginKind) {
      case 'dac': {
        const scales = new Float32Array(x.rows);
        inst.convert!(src, dst, x.rows, x.cols, scales);
        return { src, dst: Float32Array.from(dst, (v, i) => v * scales[Math.floor(i / x.cols)]!) };
      }
      case 'adc':
        inst.convert!(src, dst, { ...rctx, width: x.cols, groupWidth: x.cols });
        return { src, dst };
      case 'sense-amp':
        inst.amplify!(src, dst, { ...rctx, width: x.cols, groupWidth: x.cols });
        return { src, dst };
      case 'update-rule': {
        // x (6 × tileRows) and δ (6 × tileRows) of a square layer; the gradient is xᵀ·δ.
        const n = x.cols;
        const geometry = { rows: n, cols: n, tileRows: n, tileCols: n, gridRows: 1, gridCols: 1, paddedRows: n, paddedCols: n };
        const d = randomMatrix(x.rows, n, 'slot/d');
        const grad = new Float32Array(n * n);
        for (let b = 0; b < x.rows; b++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) grad[i * n + j]! += x.data[b * n + i]! * d.data[b * n + j]!;
        const active = { idx: new Int32Array(n * n), count: -1 };
        const out = { want: new Float64Array(n * n).fill(NaN), up: new Float32Array(n * n).fill(NaN), down: new Float32Array(n * n).fill(NaN), active };
        const kind = (inst.update as unknown as (i: unknown, o: unknown) => string)(
          { grad, x: new Matrix(x.rows, n, src), d, learningRate: 0.1, siemensPerWeight: 1e-6, pulseStep: 1e-8, coincidenceStep: 2e-8, geometry }, out);
        expect(['analog', 'pulses']).toContain(kind);
        if (kind === 'pulses') {
          for (const c of [...out.up, ...out.down]) expect(Number.isInteger(c) && c >= 0, `pulse counts are non-negative integers, got ${c}`).toBe(true);
          if (active.count >= 0) {
            // A listed rule lists, ascending, every cell with pulses (it may list more).
            const listed = Array.from(active.idx.subarray(0, active.count));
            expect(listed.every((k, i) => i === 0 || k > listed[i - 1]!), 'active cells ascend').toBe(true);
            const pulsed = [...Array(n * n).keys()].filter((k) => out.up[k]! + out.down[k]! > 0);
            expect(pulsed.filter((k) => !listed.includes(k)), 'pulsed cells missing from the active list').toEqual([]);
          }
          return { src, dst: Float32Array.from(out.up, (u, k) => u - out.down[k]!) };
        }
        return { src, dst: out.want };
      }
      default: {
        const g = randomConductances('dev/g');
        const out = new Float64Array(g.length).fill(NaN);
        const dev = inst as unknown as DeviceModel;
        expect(dev.gmax).toBeGreaterThan(dev.gmin);
        expect(dev.gmin).toBeGreaterThanOrEqual(0);
        if (dev.read) dev.read(g, out, { polarity: 'plus' });
        else out.set(g);
        return { src: g, dst: out };
      }
    }
  };

  api.it('gives identical output for the same seed, never mutates inputs, writes every output', () => {
    const a = run(defaults);
    const b = run(defaults);
    expect(Array.from(a.src)).toEqual(Array.from(plugin.meta.kind === 'device' ? randomConductances('dev/g') : x.data));
    expect(a.dst.some((v) => Number.isNaN(v))).toBe(false);
    expect(Array.from(a.dst)).toEqual(Array.from(b.dst));
  });

  snapshotCheck(plugin, api, defaults, (hooks, round) => call(hooks, randomMatrix(6, TEST_GEOMETRY.tileRows, `slot/x/${round}`)).dst);

  if (plugin.meta.kind === 'device') deviceUpdateChecks(plugin as Plugin<'device'>, api, defaults);

  if (['dac', 'adc', 'sense-amp'].includes(plugin.meta.kind)) {
    api.it('passes values through with neutral parameters', () => {
      const { src, dst } = run(neutral);
      expect(maxRel(dst, src)).toBeLessThan(1e-6);
    });
  }
}

/**
 * What every device's update hooks must do: no pulses (or a zero change) leave the state alone;
 * potentiating pulses never lower the mean conductance and depressing pulses never raise it; the
 * result stays finite and, unless the device clips itself, within [gmin, gmax] after the tile's clip.
 */
function deviceUpdateChecks(plugin: Plugin<'device'>, api: TestApi, params: object) {
  const { expect } = api;
  const dev = plugin.create(pluginContext('upd'), params as never);
  if (!dev.pulse && !dev.respond) return;
  const mid = (dev.gmin + dev.gmax) / 2;
  const n = TEST_GEOMETRY.paddedRows * TEST_GEOMETRY.paddedCols;
  const g = new Float64Array(n).fill(mid);
  const ctx = updateContext(g);
  const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
  api.it('leaves the state alone without pulses and moves it the right way with them', () => {
    const out = new Float64Array(n).fill(NaN);
    const step = dev.pulseStep ?? (dev.gmax - dev.gmin) / 1000;
    if (dev.pulse) {
      const zero = new Float32Array(n);
      dev.pulse(g, zero, zero, out, ctx);
      expect(maxRel(out, g)).toBeLessThan(1e-12);
      const five = new Float32Array(n).fill(5);
      dev.pulse(g, five, zero, out, ctx);
      expect(out.every(Number.isFinite)).toBe(true);
      expect(mean(out)).toBeGreaterThan(mid);
      dev.pulse(g, zero, five, out, ctx);
      expect(mean(out)).toBeLessThan(mid);
    }
  });
  if (dev.pulse) {
    api.it('gives the same pulse result with a list of the pulsed cells, and in place when it says so', () => {
      // Sparse counts on every third cell; three instances with the same seed see the same calls.
      const up = Float32Array.from({ length: n }, (_, k) => (k % 3 ? 0 : 1 + (k % 4)));
      const down = Float32Array.from({ length: n }, (_, k) => (k % 3 ? 0 : k % 5 === 0 ? 2 : 0));
      const listed = [...Array(n).keys()].filter((k) => up[k]! + down[k]! > 0);
      const active = { idx: Int32Array.from(listed), count: listed.length };
      const make = () => plugin.create(pluginContext('upd/list'), params as never);
      const plain = new Float64Array(n);
      make().pulse!(g, up, down, plain, ctx);
      const viaList = new Float64Array(n);
      make().pulse!(g, up, down, viaList, { ...ctx, active });
      expect(Array.from(viaList)).toEqual(Array.from(plain));
      const inPlaceDev = make();
      if (inPlaceDev.pulsesInPlace) {
        const h = Float64Array.from(g);
        inPlaceDev.pulse!(h, up, down, h, { ...updateContext(h), active });
        expect(Array.from(h)).toEqual(Array.from(plain));
      }
    });
  }
  api.it('moves the state the right way with analog requests', () => {
    const out = new Float64Array(n).fill(NaN);
    const step = dev.pulseStep ?? (dev.gmax - dev.gmin) / 1000;
    if (dev.respond) {
      dev.respond(g, new Float64Array(n), out, ctx);
      expect(maxRel(out, g)).toBeLessThan(1e-12);
      dev.respond(g, new Float64Array(n).fill(5 * step), out, ctx);
      expect(out.every(Number.isFinite)).toBe(true);
      expect(mean(out)).toBeGreaterThan(mid);
      dev.respond(g, new Float64Array(n).fill(-5 * step), out, ctx);
      expect(mean(out)).toBeLessThan(mid);
    }
  });
  if (dev.respond && dev.respondScaled) {
    api.it('gives respond\'s result with respondScaled on the unscaled request, in place too', () => {
      // Varied requests, some zero; two instances with the same seed see the same calls.
      const step = dev.pulseStep ?? (dev.gmax - dev.gmin) / 1000;
      const delta = Float64Array.from({ length: n }, (_, k) => (k % 4 ? ((k % 7) - 3) * 0.8 * step : 0));
      for (const factor of [0.5, -0.5, 1]) {
        const make = () => plugin.create(pluginContext('upd/scaled'), params as never);
        const want = new Float64Array(n);
        make().respond!(g, delta.map((v) => factor * v), want, ctx);
        const h = Float64Array.from(g);
        make().respondScaled!(h, delta, factor, h, updateContext(h));
        expect(Array.from(h)).toEqual(Array.from(want));
      }
    });
  }
}

/** Raw params of one plugin, as a spec would write them ("300 K"). */
export type SampleParams = Readonly<Record<string, unknown>>;

export interface ConformanceOptions {
  /**
   * Sample params by plugin name, used in place of the defaults: required params (no default) must be
   * given here. Neutral values still take precedence in the neutral-parameter checks.
   */
  readonly params?: Readonly<Record<string, SampleParams>>;
}

/**
 * The conformance suite every registered plugin passes: metadata, phase declarations, neutral
 * parameters give the identity, same seed gives identical output, inputs are never mutated.
 */
export function pluginConformance(plugins: readonly AnyPlugin[], api: TestApi, options: ConformanceOptions = {}): void {
  for (const plugin of plugins) {
    api.describe(`${plugin.meta.kind} plugin ${plugin.meta.name}`, () => {
      const sample = options.params?.[plugin.meta.name];
      metaChecks(plugin, api, sample);
      // Without values for its required params the plugin cannot be created; the meta check says what to pass.
      if (requiredParams(plugin.meta.params as ParamSchema).some((k) => sample?.[k] === undefined)) return;
      if (plugin.meta.kind === 'nonideality') nonidealityChecks(plugin as Plugin<'nonideality'>, api, sample);
      else if (plugin.meta.kind === 'cost') costChecks(plugin as Plugin<'cost'>, api, sample);
      else slotChecks(plugin, api, sample);
    });
  }
}
