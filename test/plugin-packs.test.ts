import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '@txsim/experiment';
import { beforeAll, describe, expect, it } from 'vitest';
import { readJson, requireBuild, ROOT, tempDir, txsim } from './cli.js';

/** A folder outside the repository where `import '@txsim/core'` finds the built core, as in a user's project. */
function project(prefix: string): string {
  const dir = tempDir(prefix);
  mkdirSync(join(dir, 'node_modules', '@txsim'), { recursive: true });
  symlinkSync(join(ROOT, 'packages', 'core'), join(dir, 'node_modules', '@txsim', 'core'), 'dir');
  return dir;
}

const DEVICE = (name: string, extra = '') => `defineDevice({
  meta: { name: '${name}', description: 'A test device.', phases: ['forward', 'backward', 'update'], params: params({
    gmax: quantity('S', { description: 'Highest conductance.', default: 1e-5, min: 0, exclusiveMin: true }),${extra}
  }) },
  create: (_ctx, p) => ({ gmin: 0, gmax: p.gmax }),
})`;
const HEAD = "import { defineDevice, defineNonideality, definePluginPack, params, quantity, real } from '@txsim/core';\n";

const TINY = `data: { dataset: synthetic, shape: [1, 6, 6], classes: 3, trainSize: 96, testSize: 48 }
model: { type: mlp, hidden: [8] }
training: { epochs: 1, batchSize: 32, learningRate: 0.5 }
`;

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

describe('plugin packs', () => {
  beforeAll(requireBuild);

  it('examples/plugin-pack trains from its spec: the pack\'s device on fc2, its non-ideality on fc2\'s forward reads only', async () => {
    const tmp = tempDir('example-pack');
    const spec = join(ROOT, 'examples/plugin-pack/spec.yaml');
    const small = ['--train-limit', '512', '--test-limit', '256', '--no-progress'];
    const r = await txsim(['train', spec, ...small, '--out', join(tmp, 'hot')]);
    expect(r.code, r.stderr).toBe(0);
    const resolved = readJson<{ plugins: string[]; crossbar: { device: { name: string } }; layers: Record<string, { crossbar: { device: { name: string; params: Record<string, number> }; nonidealities: Array<{ name: string; phases: string[]; params: Record<string, number> }> } }> }>(join(tmp, 'hot', 'spec.resolved.json'));
    expect(resolved.plugins).toEqual([join(ROOT, 'examples/plugin-pack/index.ts')]);
    expect(resolved.crossbar.device.name).toBe('ideal');
    const fc2 = resolved.layers.fc2!.crossbar;
    expect(fc2.device.name).toBe('arrhenius-reram');
    expect(fc2.device.params.temperature).toBe(330);
    // "0.3 eV" in SI.
    expect(fc2.device.params.activation).toBeCloseTo(0.3 * 1.602176634e-19, 25);
    expect(fc2.nonidealities).toEqual([{ name: 'thermal-tcr', phases: ['forward'], params: { temperature: 350, reference: 300, tcr: 0.002 } }]);
    const env = readJson<{ packs: Array<{ name: string; version: string; hash: string }> }>(join(tmp, 'hot', 'environment.json'));
    expect(env.packs.map((p) => `${p.name}@${p.version}`)).toEqual(['txsim-pack-thermal@0.1.0']);

    // The same spec at the reference temperature (both plugins neutral) is an ideal device of the same
    // range on fc2: it trains exactly like that spec, and differently from the hot run.
    const neutral = join(tmp, 'neutral.yaml');
    const ideal = join(tmp, 'ideal.yaml');
    const text = readFileSync(spec, 'utf8').replace('./index.ts', join(ROOT, 'examples/plugin-pack/index.ts'));
    writeFileSync(neutral, text.replace('temperature: 330 K', 'temperature: 300 K').replace('temperature: 350 K', 'temperature: 300 K'));
    writeFileSync(ideal, text.replace(/\nlayers:[\s\S]*$/, '\nlayers: { fc2: { crossbar: { device: { name: ideal, params: { gmin: 1 uS, gmax: 10 uS } } } } }\n'));
    // And the non-ideality acting in both read phases trains differently from forward only.
    const both = join(tmp, 'both.yaml');
    writeFileSync(both, text.replace('phases: [forward]', 'phases: [forward, backward]'));
    const runs = await Promise.all(['neutral', 'ideal', 'both'].map((name) => txsim(['train', join(tmp, `${name}.yaml`), ...small, '--out', join(tmp, name)])));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const loss = (d: string) => readJson<RunSummary>(join(tmp, d, 'summary.json')).trainLoss;
    expect(loss('neutral')).toEqual(loss('ideal'));
    expect(loss('hot')).not.toEqual(loss('ideal'));
    expect(loss('both')).not.toEqual(loss('hot'));
  });

  it('rejects a broken pack at load, naming the pack and the plugin, with exit 2 and no stack trace', async () => {
    const dir = project('broken-packs');
    const cases: Array<[string, string, RegExp]> = [
      ['throws.mjs', `${HEAD}throw new Error('pack init failed');\n`, /plugin pack \.\/throws\.mjs .* failed to load: pack init failed/],
      ['fefet.mjs', `${HEAD}export default definePluginPack({ name: 'fe', version: '1.0.0', plugins: [${DEVICE('FeFET')}] });\n`, /failed to load: plugin name "FeFET" must be kebab-case, e.g. "fe-fet"/],
      ['twice.mjs', `${HEAD}export default definePluginPack({ name: 'twice', version: '1.0.0', plugins: [${DEVICE('lab-dev')}, ${DEVICE('lab-dev')}] });\n`, /twice.*lab-dev/],
      ['taken.mjs', `${HEAD}export default definePluginPack({ name: 'taken', version: '1.0.0', plugins: [${DEVICE('ideal')}] });\n`, /taken.*device plugin "ideal" is already registered/],
      ['nodefault.mjs', `${HEAD}export default definePluginPack({ name: 'nodefault', version: '1.0.0', plugins: [${DEVICE('lab-nodefault', "\n    bias: real({ description: 'An offset.' }),")}] });\n`, /failed to load: parameter "An offset\." has no default; give it one, or mark it required: true/],
      ['phases.mjs', `${HEAD}const n = defineNonideality({ meta: { name: 'lab-late', description: 'x', phases: ['update'], params: params({}) }, create: () => ({ conductance(s, d) { d.set(s); } }) });
export default definePluginPack({ name: 'phases', version: '1.0.0', plugins: [n] });\n`, /phases.*lab-late/],
      ['notapack.mjs', 'export default { name: "x", version: "1.0.0", plugins: [] };\n', /definePluginPack/],
      ['badversion.mjs', `${HEAD}export default definePluginPack({ name: 'v', version: 'one', plugins: [] });\n`, /version/],
    ];
    // (nodefault: a parameter with neither default nor required, as plain JavaScript can write it.)
    for (const [file, text] of cases) writeFileSync(join(dir, file), text);
    for (const [file, , message] of cases) {
      for (const args of [['plugins', 'list', '--plugin', `./${file}`], ['validate', join(ROOT, 'examples/mlp-mnist-ideal.yaml'), '--plugin', `./${file}`]]) {
        const r = await txsim(args, { cwd: dir });
        expect(r.code, `${file}: ${r.stderr}`).toBe(2);
        expect(r.stderr, file).toMatch(message);
        noStack(r.stderr);
      }
    }
    // Without the broken pack every command works.
    const ok = await txsim(['plugins', 'list'], { cwd: dir });
    expect(ok.code).toBe(0);
  });

  it('resume reloads the packs a run used and refuses, naming the pack, when its content changed', async () => {
    const dir = project('resume-pack');
    const pack = join(dir, 'pack.mjs');
    const source = `${HEAD}export default definePluginPack({ name: 'lab-resume', version: '1.0.0', plugins: [${DEVICE('lab-resume-device')}] });\n`;
    writeFileSync(pack, source);
    writeFileSync(join(dir, 'spec.yaml'), `name: r\n${TINY}crossbar: { device: lab-resume-device }\n`);
    const out = join(dir, 'run');
    const first = await txsim(['train', 'spec.yaml', '--plugin', './pack.mjs', '--out', out, '--no-progress'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);

    // From another directory: the run directory knows where the pack is.
    const again = await txsim(['train', '--resume', out], { cwd: ROOT });
    expect(again.code, again.stderr).toBe(0);

    writeFileSync(pack, source.replace("'A test device.'", "'A test device, edited.'"));
    const changed = await txsim(['train', '--resume', out], { cwd: ROOT });
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/plugin pack "lab-resume" changed since the run started/);
    noStack(changed.stderr);
    writeFileSync(pack, source);
    const restored = await txsim(['train', '--resume', out], { cwd: ROOT });
    expect(restored.code, restored.stderr).toBe(0);

    // txsim device drives a pack's device like a built-in one.
    const device = await txsim(['device', 'lab-resume-device', '--plugin', './pack.mjs', '--pulses', '3', '--cells', '2', '--start', 'gmin'], { cwd: dir });
    expect(device.code, device.stderr).toBe(0);
    expect(device.stdout.trim().split('\n')).toHaveLength(1 + 2 * 3 + 1);
  });

  it('sweeps over a pack plugin\'s parameter: the child runs load the pack too', async () => {
    const dir = project('sweep-pack');
    writeFileSync(join(dir, 'pack.mjs'), `${HEAD}export default definePluginPack({ name: 'lab-sweep', version: '0.0.1', plugins: [${DEVICE('lab-sweep-device')}] });\n`);
    writeFileSync(join(dir, 'spec.yaml'), `name: s\nplugins: [./pack.mjs]\n${TINY}crossbar: { device: lab-sweep-device }\n`);
    const r = await txsim(['sweep', 'spec.yaml', '--param', 'crossbar.device.gmax=5 uS,20 uS', '--jobs', '2', '--out', join(dir, 'sweep')], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const results = readJson<{ points: Array<{ runs: Array<{ status: string }> }> } | Array<Record<string, unknown>>>(join(dir, 'sweep', 'results.json'));
    expect(JSON.stringify(results)).toContain('completed');
  });

  it('a pack\'s configureLayer overrides a plugin for one layer only', async () => {
    const dir = project('layer-pack');
    // fc1's "ideal" device is replaced by a narrower one; every other layer keeps the built-in.
    const layerPack = (layer: string) => `import { defineDevice, definePluginPack, params, registerPlugins } from '@txsim/core';
const narrow = defineDevice({ meta: { name: 'ideal', description: 'A narrower ideal device.', phases: ['forward', 'backward', 'update'], params: params({}) },
  create: () => ({ gmin: 0, gmax: 2e-6 }) });
export default definePluginPack({ name: 'lab-layer', version: '1.0.0', plugins: [],
  configureLayer: (plan, scope) => { if (plan.name === '${layer}') registerPlugins(scope, [narrow], { override: true }); } });\n`;
    writeFileSync(join(dir, 'fc1.mjs'), layerPack('fc1'));
    writeFileSync(join(dir, 'none.mjs'), layerPack('no-such-layer'));
    writeFileSync(join(dir, 'spec.yaml'), `name: l\n${TINY}crossbar: { device: ideal, mapping: { wMax: 1 } }\n`);
    const runs = await Promise.all([
      txsim(['train', 'spec.yaml', '--plugin', './fc1.mjs', '--out', join(dir, 'fc1'), '--no-progress'], { cwd: dir }),
      txsim(['train', 'spec.yaml', '--plugin', './none.mjs', '--out', join(dir, 'none'), '--no-progress'], { cwd: dir }),
      txsim(['train', 'spec.yaml', '--out', join(dir, 'plain'), '--no-progress'], { cwd: dir }),
    ]);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const calibration = (d: string) => readJson<{ layers: Record<string, { mapping: { siemensPerWeight: number } }> }>(join(dir, d, 'calibration.json')).layers;
    // Siemens per weight follows the device range: 2 µS on fc1 under the pack, 10 µS elsewhere.
    expect(calibration('fc1').fc1!.mapping.siemensPerWeight).toBeCloseTo(2e-6, 18);
    expect(calibration('fc1').fc2!.mapping.siemensPerWeight).toBeCloseTo(1e-5, 18);
    expect(calibration('plain').fc1!.mapping.siemensPerWeight).toBeCloseTo(1e-5, 18);
    const loss = (d: string) => readJson<RunSummary>(join(dir, d, 'summary.json')).trainLoss;
    expect(loss('none')).toEqual(loss('plain'));
  });

  it('spec --resolved lists the packs by absolute path, packages by name resolved from the spec\'s folder', async () => {
    const r = await txsim(['spec', '--resolved', '--json', join(ROOT, 'examples/plugin-pack/spec.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    const spec = JSON.parse(r.stdout) as { plugins: string[] };
    expect(spec.plugins).toEqual([join(ROOT, 'examples/plugin-pack/index.ts')]);

    // A pack installed as a package is named by its package name, resolved from the spec's folder.
    const dir = project('named-pack');
    mkdirSync(join(dir, 'node_modules', 'lab-named'));
    writeFileSync(join(dir, 'node_modules', 'lab-named', 'package.json'), JSON.stringify({ name: 'lab-named', version: '2.0.0', type: 'module', exports: './main.mjs' }));
    writeFileSync(join(dir, 'node_modules', 'lab-named', 'main.mjs'), `${HEAD}export default definePluginPack({ name: 'lab-named', version: '2.0.0', plugins: [${DEVICE('lab-named-device')}] });\n`);
    writeFileSync(join(dir, 'spec.yaml'), `name: n\nplugins: [lab-named]\n${TINY}crossbar: { device: lab-named-device }\n`);
    const named = await txsim(['spec', '--resolved', '--json', join(dir, 'spec.yaml')], { cwd: ROOT });
    expect(named.code, named.stderr).toBe(0);
    expect((JSON.parse(named.stdout) as { plugins: string[] }).plugins).toEqual([join(dir, 'node_modules', 'lab-named', 'main.mjs')]);
    const missing = await txsim(['validate', join(dir, 'spec.yaml'), '--plugin', 'no-such-pack'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('plugin pack "no-such-pack" is not installed where');
  });
});
