import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '@txsim/experiment';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ROOT, requireBuild, tempDir, readJson } from './cli.js';

/**
 * txsim as a researcher outside this repository gets it: every package packed with `pnpm pack`,
 * the tarballs installed into a fresh project in a temporary folder, and from there the `txsim`
 * binary and a library script, each using a plugin pack written in that project.
 */

const PACKAGES = ['core', 'devices', 'nonidealities', 'models', 'native', 'experiment', 'cli'];
const env = { ...process.env, COREPACK_INTEGRITY_KEYS: '0', CI: 'true' };

function run(cmd: string, args: readonly string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/**
 * Exact versions of every third-party package the workspace lock file holds once, so the fresh
 * project resolves to what the pnpm store already has: the install needs no network when pnpm's
 * metadata cache is warm.
 */
function lockedVersions(): Record<string, string> {
  const docs = parseAllDocuments(readFileSync(join(ROOT, 'pnpm-lock.yaml'), 'utf8')).map((d) => d.toJS() as { packages?: Record<string, unknown> });
  const versions = new Map<string, Set<string>>();
  for (const key of Object.keys(docs.at(-1)?.packages ?? {})) {
    const at = key.lastIndexOf('@');
    const name = key.slice(0, at);
    if (!versions.has(name)) versions.set(name, new Set());
    versions.get(name)!.add(key.slice(at + 1));
  }
  return Object.fromEntries([...versions].filter(([name, v]) => v.size === 1 && !name.startsWith('@txsim/')).map(([name, v]) => [name, [...v][0]!]));
}

// The pack as a researcher writes it in their own project: plain ESM, one device and one non-ideality.
const PACK = `import { defineDevice, defineNonideality, definePluginPack, params, quantity } from '@txsim/core';

const coldDevice = defineDevice({
  meta: {
    name: 'lab-cold-device',
    description: 'A linear device whose range shrinks as it cools (lab test device).',
    phases: ['forward', 'backward', 'update'],
    params: params({
      temperature: quantity('K', { description: 'Operating temperature.', default: 300, neutral: 300, min: 1 }),
      gmax: quantity('S', { description: 'Highest conductance at 300 K.', default: 1e-5, min: 0, exclusiveMin: true }),
    }),
  },
  create: (_ctx, p) => ({ gmin: 0, gmax: (p.gmax * p.temperature) / 300 }),
});

const labGain = defineNonideality({
  meta: {
    name: 'lab-gain',
    description: 'Scales read conductances by 1 + k(T - 300 K) (lab test non-ideality).',
    phases: ['forward', 'backward'],
    params: params({
      temperature: quantity('K', { description: 'Read temperature.', default: 300, neutral: 300, min: 1 }),
      k: quantity('1/K', { description: 'Relative change per kelvin.', default: 0.001, neutral: 0 }),
    }),
  },
  create: (_ctx, p) => {
    const f = 1 + p.k * (p.temperature - 300);
    return { conductance(src, dst) { for (let i = 0; i < src.length; i++) dst[i] = src[i] * f; } };
  },
});

export default definePluginPack({ name: 'lab-pack', version: '1.2.3', plugins: [coldDevice, labGain] });
`;

const SPEC = `name: lab
plugins: [./lab-pack/index.mjs]
seed: 3
data: { dataset: synthetic, shape: [1, 8, 8], classes: 3, trainSize: 256, testSize: 64 }
model: { type: mlp, hidden: [16] }
training: { epochs: 1, batchSize: 32, learningRate: 0.5 }
crossbar:
  device: { name: lab-cold-device, params: { temperature: 250 K } }
layers:
  fc2:
    crossbar:
      nonidealities: [{ name: lab-gain, phases: [forward], params: { temperature: 330 K } }]
`;

const SCRIPT = `import { runExperiment } from '@txsim/experiment';

const result = await runExperiment('spec.yaml', { outDir: 'library-run' });
console.log(JSON.stringify({ status: result.status, dir: result.dir, accuracy: result.summary.testAccuracy }));
`;

describe('published packages, installed outside the workspace', () => {
  let project: string;
  let install: { code: number; stdout: string; stderr: string; mode: string };

  beforeAll(() => {
    requireBuild();
    const tmp = tempDir('packed');
    const tarballs = join(tmp, 'tarballs');
    mkdirSync(tarballs);
    for (const p of PACKAGES) {
      const r = run('corepack', ['pnpm', 'pack', '--pack-destination', tarballs], join(ROOT, 'packages', p));
      if (r.code !== 0) throw new Error(`pnpm pack of ${p} failed: ${r.stderr}`);
    }
    const tgz = Object.fromEntries(readdirSync(tarballs).map((f) => [f.replace(/^txsim-(.*)-\d+\.\d+\.\d+\.tgz$/, '@txsim/$1'), `file:${join(tarballs, f)}`]));
    project = join(tmp, 'my-lab');
    mkdirSync(join(project, 'lab-pack'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({
      name: 'my-lab', private: true, type: 'module',
      dependencies: { '@txsim/cli': tgz['@txsim/cli'], '@txsim/experiment': tgz['@txsim/experiment'], '@txsim/core': tgz['@txsim/core'] },
    }, null, 2));
    // Workspace settings of the fresh project: the tarballs for every @txsim package (they name each
    // other by version), the workspace's locked versions for the rest, and the native addon's build
    // left optional (it falls back to WASM without node-gyp).
    const overrides = { ...lockedVersions(), ...tgz };
    writeFileSync(join(project, 'pnpm-workspace.yaml'), `strictDepBuilds: false\noverrides:\n${Object.entries(overrides).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join('\n')}\n`);
    writeFileSync(join(project, 'lab-pack', 'index.mjs'), PACK);
    writeFileSync(join(project, 'spec.yaml'), SPEC);
    writeFileSync(join(project, 'train.mjs'), SCRIPT);
    const offline = run('corepack', ['pnpm@12.4.2', 'install', '--offline'], project);
    // pnpm resolves from its metadata cache offline; a machine whose cache is cold (the workspace
    // installed from its lock file) fetches metadata only, the tarballs still come from the store.
    install = offline.code === 0 ? { ...offline, mode: 'offline' } : { ...run('corepack', ['pnpm@12.4.2', 'install', '--prefer-offline'], project), mode: 'prefer-offline' };
    console.log(`packed-packages test: fresh project installed ${install.mode}`);
  }, 240_000);

  const txsim = (...args: string[]) => run(join(project, 'node_modules/.bin/txsim'), args, project);

  it('installs from the tarballs, with a txsim binary', () => {
    expect(install.code, install.stderr).toBe(0);
    expect(existsSync(join(project, 'node_modules/.bin/txsim'))).toBe(true);
    // Installed from the tarballs, not linked to the workspace.
    const core = JSON.parse(readFileSync(join(project, 'node_modules/@txsim/core/package.json'), 'utf8')) as { exports: Record<string, Record<string, string>> };
    expect(core.exports['.']).not.toHaveProperty('@txsim/source');
    expect(existsSync(join(project, 'node_modules/@txsim/core/src'))).toBe(false);
  });

  it('validates a spec using the project\'s pack and describes its plugins with their units', () => {
    const v = txsim('validate', 'spec.yaml');
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toBe('ok\n');
    const d = txsim('plugins', 'describe', 'lab-gain', '--plugin', './lab-pack/index.mjs');
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/temperature\s+K\s+300 K\s+300 K\s+Read temperature\./);
    expect(d.stdout).toMatch(/k\s+1\/K\s+0\.001 1\/K/);
    // Without the pack, the spec names plugins nobody registered.
    const list = txsim('plugins', 'list');
    expect(list.stdout).not.toContain('lab-gain');
  });

  it('trains with the binary and with a library script to the same complete run directory', () => {
    const t = txsim('train', 'spec.yaml', '--out', 'cli-run', '--no-progress');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^epoch 1\/1 .* test acc \d+\.\d{2}%/);
    const lib = run(process.execPath, ['train.mjs'], project);
    expect(lib.code, lib.stderr).toBe(0);
    const out = JSON.parse(lib.stdout.trim().split('\n').at(-1)!) as { status: string; accuracy: number[] };
    expect(out.status).toBe('completed');

    const files = ['calibration.json', 'checkpoint.json', 'conductances-start.json', 'conductances.json', 'environment.json', 'metrics.jsonl', 'read-error.json', 'spec.resolved.json', 'summary.json'];
    for (const dir of ['cli-run', 'library-run']) {
      const have = readdirSync(join(project, dir));
      for (const f of files) expect(have, `${dir}/${f}`).toContain(f);
    }
    const a = readJson<RunSummary>(join(project, 'cli-run', 'summary.json'));
    const b = readJson<RunSummary>(join(project, 'library-run', 'summary.json'));
    expect(b.testAccuracy).toEqual(a.testAccuracy);
    expect(b.trainLoss).toEqual(a.trainLoss);
    expect(out.accuracy).toEqual(a.testAccuracy);

    // The run records the pack by name, version, absolute path and content hash.
    const env = readJson<{ packs: Array<{ name: string; version: string; path: string; hash: string }> }>(join(project, 'cli-run', 'environment.json'));
    expect(env.packs).toEqual([{ name: 'lab-pack', version: '1.2.3', path: join(project, 'lab-pack', 'index.mjs'), hash: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    const spec = readJson<{ plugins: string[]; layers: Record<string, { crossbar: { nonidealities: Array<{ name: string; params: Record<string, number> }> } }> }>(join(project, 'cli-run', 'spec.resolved.json'));
    expect(spec.plugins).toEqual([join(project, 'lab-pack', 'index.mjs')]);
    expect(spec.layers.fc2!.crossbar.nonidealities).toEqual([{ name: 'lab-gain', params: { temperature: 330, k: 0.001 }, phases: ['forward'] }]);
  });
});
