import { specErrorOf } from '@txsim/core/testing';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPluginContainer } from './composition.js';
import { applyOverrides, dropCrossbars, loadSpec, readSpecFile } from './spec-file.js';

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'txsim-spec-')), name);
  writeFileSync(path, text);
  return path;
}

const specError = specErrorOf;

describe('readSpecFile', () => {
  it('reads YAML and JSON alike', () => {
    expect(readSpecFile(file('a.yml', 'name: a\nseed: 3\n'))).toEqual({ name: 'a', seed: 3 });
    expect(readSpecFile(file('a.json', '{"name": "a", "seed": 3}'))).toEqual({ name: 'a', seed: 3 });
  });

  it('reports YAML syntax errors with their line and column', () => {
    const e = specError(() => readSpecFile(file('bad.yaml', 'name: x\nmodel:\n  hidden: [1, 2\nseed: 1\n')));
    expect(e.issues[0]!.path).toBe('line 4, column 1');
    expect(e.issues[0]!.message).toMatch(/^YAML syntax error: /);
  });

  it('rejects duplicate keys (a silent last-one-wins would hide a mistake)', () => {
    const e = specError(() => readSpecFile(file('dup.yaml', 'seed: 1\nseed: 2\n')));
    expect(e.issues[0]!.message).toContain('unique');
    expect(e.issues[0]!.message).toContain('duplicate key "seed"');
  });

  it('calls an empty or comment-only file empty', () => {
    for (const text of ['', '   \n', '# nothing yet\n']) {
      expect(specError(() => readSpecFile(file('e.yaml', text))).message).toContain('empty');
    }
    expect(specError(() => readSpecFile(file('e.json', ''))).message).toContain('empty');
  });

  it('refuses other file types', () => {
    expect(() => readSpecFile(file('spec.toml', 'name = "x"'))).toThrow(/unsupported spec file type ".toml"/);
  });
});

describe('applyOverrides', () => {
  it('sets fields without touching the input', () => {
    const raw = { training: { batchSize: 32 } };
    expect(applyOverrides(raw, { epochs: 2, seed: 9, trainLimit: 100 })).toEqual({ training: { batchSize: 32, epochs: 2 }, seed: 9, data: { trainLimit: 100 } });
    expect(raw).toEqual({ training: { batchSize: 32 } });
  });

  it('leaves a malformed parent for validation to report', () => {
    expect(applyOverrides({ data: 'mnist' }, { trainLimit: 5 })).toEqual({ data: 'mnist' });
    expect(applyOverrides(['not', 'a', 'spec'], { epochs: 1 })).toEqual(['not', 'a', 'spec']);
  });
});

describe('loadSpec', () => {
  const container = createPluginContainer();

  it('validates overrides and names the flag that set a bad one', () => {
    const e = specError(() => loadSpec(file('s.yaml', 'name: s\n'), container, { overrides: { epochs: 'three' } }));
    expect(e.issues).toEqual([{ path: 'training.epochs', message: expect.stringContaining('(set by --epochs)') as unknown as string }]);
  });

  it('with digital, validates the crossbar as written, then drops it everywhere', () => {
    const text = 'name: s\ncrossbar:\n  device: ideal\nlayers:\n  fc2:\n    crossbar:\n      tile: { rows: 32 }\n';
    const resolved = loadSpec(file('s.yaml', text), container, { digital: true });
    expect(resolved.layers.every((l) => l.crossbar === null)).toBe(true);
    expect(resolved.spec.crossbar).toBeUndefined();
    const bad = 'name: s\ncrossbar:\n  device: idael\n';
    expect(specError(() => loadSpec(file('s.yaml', bad), container, { digital: true })).issues[0]!.path).toBe('crossbar.device.name');
  });

  it('drops crossbars from layer overrides but keeps their other settings', () => {
    expect(dropCrossbars({ crossbar: {}, layers: { fc1: { digital: false, crossbar: { tile: { rows: 8 } } } } })).toEqual({ layers: { fc1: { digital: false } } });
  });
});
