import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tempDir, txsimInProcess, type CliResult } from './cli.js';

/**
 * Property-based fuzzing of the spec and the command line: every mutated spec either validates (and,
 * for a sample, trains one tiny epoch) or is refused with a message naming a field or flag — never a
 * stack trace, never an "internal error", never a hang. A fixed seed makes every failure reproducible.
 */
const SEED = 20_261_203;
const CASE_TIMEOUT_MS = 5_000;
const TRAIN_TIMEOUT_MS = 30_000;

const BASE = {
  name: 'fuzz',
  seed: 1,
  data: { dataset: 'synthetic', shape: [1, 4, 4], classes: 3, trainSize: 32, testSize: 16 },
  model: { type: 'mlp', hidden: [4], activation: 'sigmoid' },
  training: { epochs: 1, batchSize: 8, learningRate: 0.5 },
  crossbar: {
    tile: { rows: 8, cols: 8 },
    device: 'ideal',
    mapping: { autoScale: 10 },
    dac: { name: 'dac', params: { bits: 0 } },
    adc: { name: 'adc', params: { bits: 0 } },
    updateRule: 'txsim-update',
    nonidealities: [] as unknown[],
  },
};

type Json = unknown;
type Path = (string | number)[];

/** Every path in a value, objects and arrays included (the root is left out: it has its own cases). */
function paths(v: Json, at: Path = []): Path[] {
  if (typeof v !== 'object' || v === null) return [];
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
  return entries.flatMap(([k, x]) => [[...at, k], ...paths(x, [...at, k])]);
}
const PATHS = paths(BASE);

// Values JSON cannot carry, written into the YAML text as YAML spells them.
const SPECIAL = new Map<string, string>([['\u0000nan', '.nan'], ['\u0000inf', '.inf'], ['\u0000-inf', '-.inf'], ['\u0000big', '1e400']]);
const nested = (depth: number): Json => (depth === 0 ? 1 : { a: nested(depth - 1) });

const weird: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    null, true, false, '', 'x', '10 uS', '-3 ohm', '5 kohm', '1 furlong', '\u0000nan', '\u0000inf', '\u0000-inf', '\u0000big',
    -1, 0, 0.5, 1.5, 2 ** 53, 2 ** 31, 1e12, 1e20, -1e-300, [], {}, [1, 2, 3], [[]], 'ideal', 'no-such-plugin', 'x'.repeat(300), 'a/b',
  ),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 8 }),
  fc.integer({ min: 1, max: 60 }).map(nested),
);

/** Extra entries that exercise plugins, presets and layer overrides. */
const additions: fc.Arbitrary<[Path, Json]> = fc.oneof(
  fc.tuple(fc.constant<Path>(['crossbar', 'nonidealities', 0]), fc.oneof(
    fc.record({ name: fc.constantFrom('write-noise', 'read-noise', 'no-such-plugin', 'wire-resistance', 'stuck-cells', ''), params: fc.dictionary(fc.constantFrom('gamma', 'sigma', 'rRow', 'p', 'bogus'), weird, { maxKeys: 2 }) }),
    weird,
  )),
  fc.tuple(fc.constant<Path>(['layers']), fc.dictionary(fc.constantFrom('fc1', 'fc2', 'fc9', 'conv1'), fc.oneof(
    fc.record({ digital: weird }), fc.record({ crossbar: fc.record({ tile: fc.record({ rows: weird }) }) }), weird,
  ), { maxKeys: 2 })),
  fc.tuple(fc.constantFrom<Path>(['preset'], ['plugins'], ['description'], ['backend'], ['data', 'dir'], ['data', 'trainLimit'], ['crossbar', 'backward']), weird),
  fc.tuple(fc.constantFrom<Path>(['crossbar', 'mapping', 'calibrate']), fc.record({ batches: weird, headroom: weird })),
  fc.tuple(fc.constantFrom<Path>(['crossbar', 'device']), fc.oneof(fc.constantFrom('levels', 'neurosim', 'txsim-agsi-reram', 'idael'), fc.record({ name: fc.constantFrom('ideal', 'levels'), params: fc.dictionary(fc.constantFrom('gmin', 'gmax', 'bits', 'x'), weird, { maxKeys: 2 }) }))),
);

type Mutation =
  | { op: 'delete'; path: Path }
  | { op: 'replace'; path: Path; value: Json }
  | { op: 'duplicate'; path: Path }
  | { op: 'add'; path: Path; value: Json };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), path: fc.constantFrom(...PATHS) }),
  fc.record({ op: fc.constant('replace' as const), path: fc.constantFrom(...PATHS), value: weird }),
  fc.record({ op: fc.constant('duplicate' as const), path: fc.constantFrom(...PATHS) }),
  additions.map(([path, value]) => ({ op: 'add' as const, path, value })),
);

function apply(spec: Json, m: Mutation): Json {
  const parentOf = (root: Json, path: Path): Record<string | number, Json> | undefined => {
    let cur = root;
    for (const k of path.slice(0, -1)) {
      if (typeof cur !== 'object' || cur === null) return undefined;
      const obj = cur as Record<string | number, Json>;
      if (obj[k] === undefined || typeof obj[k] !== 'object' || obj[k] === null) obj[k] = typeof path[path.indexOf(k) + 1] === 'number' ? [] : {};
      cur = obj[k];
    }
    return typeof cur === 'object' && cur !== null ? (cur as Record<string | number, Json>) : undefined;
  };
  const parent = parentOf(spec, m.path);
  const key = m.path.at(-1)!;
  if (!parent) return spec;
  if (m.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else if (m.op === 'duplicate') {
    // An array element twice, or an object field copied to a near-miss key (an unknown field).
    if (Array.isArray(parent)) parent.push(structuredClone(parent[key as number]));
    else parent[`${String(key)}s`] = structuredClone(parent[key]);
  } else {
    parent[key] = structuredClone(m.value);
  }
  return spec;
}

/** The spec as YAML flow text (JSON is YAML), with the special numbers spelled as YAML reads them. */
function yamlText(spec: Json): string {
  let text = JSON.stringify(spec);
  for (const [token, yaml] of SPECIAL) text = text.split(JSON.stringify(token)).join(yaml);
  return `${text}\n`;
}

const FLAGS: Array<[string, fc.Arbitrary<string>]> = [
  ['--epochs', fc.constantFrom('1', '0', '-1', '1.5', 'abc', '1e400', 'NaN', '', '1e9', '99999999999999999999')],
  ['--seed', fc.constantFrom('7', '-1', '1.5', 'abc', '1e400', '', '9007199254740993')],
  ['--train-limit', fc.constantFrom('8', '0', '-3', 'x', '1e12')],
  ['--test-limit', fc.constantFrom('8', '0', 'NaN', '')],
  ['--backend', fc.constantFrom('reference', 'wasm', 'cuda', '')],
  ['--plugin', fc.constantFrom('./no-such-pack.js', 'no-such-package', '')],
  ['--out', fc.constantFrom('', '/dev/null/run', 'x'.repeat(300), 'fresh-dir')],
];
const someFlags: fc.Arbitrary<string[]> = fc.subarray(FLAGS.map((_, i) => i), { minLength: 1, maxLength: 3 })
  .chain((chosen) => fc.tuple(...chosen.map((i) => FLAGS[i]![1])).map((values) => chosen.flatMap((i, k) => [FLAGS[i]![0], values[k]!])));
// Most cases keep the command line plain, so that the spec mutations are what decides; an unknown flag now and then.
const flagArgs: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<string[]>([]) },
  { weight: 3, arbitrary: someFlags },
  { weight: 1, arbitrary: fc.constant<string[]>(['--no-such-flag', '1']) },
);

const dir = tempDir('fuzz');
let caseNo = 0;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A spec line ("  data.classes: …"), a flag ("--epochs"), or a file/pack named by the message. */
const NAMES_A_FIELD = /^ {2}(?:\(root\)|[\w$-]+(?:\.[\w$-]+|\[\d+\])*): |--[a-z][a-z-]+|\.ya?ml|plugin pack|cannot find/m;

function expectClean(r: CliResult, what: string): void {
  const all = `${r.stdout}${r.stderr}`;
  expect(all, what).not.toMatch(/^ {4}at /m);
  expect(all, what).not.toMatch(/internal error/);
  if (r.code === 0) return;
  // An invalid spec is exit 2 under every command; a bad flag value is a usage error (1) naming the flag.
  expect(/invalid spec/.test(r.stderr) ? [2] : [1, 2], `${what}\n${r.stderr}`).toContain(r.code);
  expect(r.stderr, what).toMatch(NAMES_A_FIELD);
}

/** Small enough to train one epoch in well under a second: every valid case like this trains below. */
function tiny(spec: Json): boolean {
  const s = spec as { data?: { dataset?: unknown; shape?: unknown }; model?: { hidden?: unknown }; crossbar?: { tile?: { rows?: unknown; cols?: unknown } } };
  const small = (x: unknown) => typeof x === 'number' && x <= 64;
  return s.data?.dataset === 'synthetic' && Array.isArray(s.data.shape) && s.data.shape.every(small)
    && Array.isArray(s.model?.hidden) && s.model.hidden.length <= 3 && s.model.hidden.every(small)
    && (s.crossbar === undefined || (small(s.crossbar.tile?.rows) && small(s.crossbar.tile?.cols)));
}

describe('fuzz: mutated specs and command lines', () => {
  it('validates or refuses every case with a field path; every valid tiny spec trains an epoch', { timeout: 120_000 }, async () => {
    const counts = { cases: 0, valid: 0, refusedSpec: 0, refusedOther: 0, trained: 0, trainRefused: 0 };
    const trainable: string[] = [];
    await fc.assert(fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), flagArgs, async (mutations, flags) => {
      const spec = mutations.reduce(apply, structuredClone(BASE) as Json);
      const file = join(dir, `case-${++caseNo}.yaml`);
      writeFileSync(file, yamlText(spec));
      const args = ['validate', file, ...flags.map((f) => (f === 'fresh-dir' ? join(dir, `out-${caseNo}`) : f))];
      const what = `txsim ${args.join(' ')}\n${yamlText(spec)}`;
      const r = await withTimeout(txsimInProcess(args), CASE_TIMEOUT_MS, what);
      counts.cases++;
      expectClean(r, what);
      if (r.code === 0) {
        counts.valid++;
        if (flags.length === 0 && tiny(spec)) trainable.push(file);
      } else if (/invalid spec/.test(r.stderr)) counts.refusedSpec++;
      else counts.refusedOther++;
    }), { seed: SEED, numRuns: 400, endOnFailure: true });

    for (const [i, file] of trainable.entries()) {
      const args = ['train', file, '--out', join(dir, `train-${i}`), '--epochs', '1', '--train-limit', '32', '--test-limit', '16', '--no-progress'];
      const r = await withTimeout(txsimInProcess(args), TRAIN_TIMEOUT_MS, `txsim ${args.join(' ')}`);
      expectClean(r, `txsim ${args.join(' ')}`);
      // A huge learning rate may diverge: a clean, named outcome too.
      if (r.code === 0) counts.trained++;
      else {
        expect(r.stderr).toMatch(/diverged|invalid spec/);
        counts.trainRefused++;
      }
    }
    console.log(`fuzz (seed ${SEED}): ${JSON.stringify(counts)}`);
    expect(counts.cases).toBe(400);
    // The mutations must reach both outcomes, or the property says little.
    expect(counts.valid).toBeGreaterThan(10);
    expect(counts.refusedSpec).toBeGreaterThan(50);
    expect(counts.trained).toBeGreaterThan(0);
  });
});
