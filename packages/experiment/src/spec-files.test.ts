import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveSpec } from '@txsim/core';
import { describe, expect, it } from 'vitest';
import { CheckpointError, sha256 } from './checkpoint.js';
import { createPluginContainer } from './composition.js';
import { checkSpecFiles, specFiles } from './spec-files.js';

const TABLE = fileURLToPath(new URL('../../../examples/devices/neurosim-agsi-lut.csv', import.meta.url));
const container = createPluginContainer();

describe('specFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'txsim-spec-files-'));
  copyFileSync(TABLE, join(dir, 'a.csv'));
  writeFileSync(join(dir, 'b.csv'), readFileSync(TABLE, 'utf8').replace('3.076900e-09,', '3.076800e-09,'));
  const spec = (layer: Record<string, unknown>) => resolveSpec({
    model: { hidden: [8] },
    crossbar: { device: { name: 'lookup-table', params: { file: 'a.csv' } } },
    layers: { fc2: layer },
  }, container, join(dir, 'spec.yaml'));

  it('records the experiment-wide crossbar\'s files and a layer\'s own, each once, with its parameter and sha256', () => {
    const files = specFiles(spec({ crossbar: { device: { params: { file: 'b.csv' } } } }), container);
    expect(files).toEqual([
      { param: 'crossbar.device.params.file', path: join(dir, 'a.csv'), sha256: sha256(readFileSync(join(dir, 'a.csv'))) },
      { param: 'layers.fc2.crossbar.device.params.file', path: join(dir, 'b.csv'), sha256: sha256(readFileSync(join(dir, 'b.csv'))) },
    ]);
    // The same file in a layer is the experiment-wide one: recorded once.
    expect(specFiles(spec({ crossbar: { tile: { rows: 16, cols: 16 } } }), container).map((f) => f.param)).toEqual(['crossbar.device.params.file']);
    // A digital layer's leftover crossbar names no file.
    expect(specFiles(spec({ digital: true, crossbar: { device: { params: { file: 'b.csv' } } } }), container).map((f) => f.param)).toEqual(['crossbar.device.params.file']);
  });

  it('records the bundled table an empty file stands for', () => {
    const r = resolveSpec({ model: { hidden: [8] }, crossbar: { device: 'lookup-table' } }, container);
    expect(specFiles(r, container)).toEqual([{ param: 'crossbar.device.params.file', path: expect.stringMatching(/neurosim-agsi-lut\.csv$/), sha256: sha256(readFileSync(TABLE)) }]);
  });

  it('checkSpecFiles refuses a changed or missing file, naming it and its parameter', () => {
    const files = specFiles(spec({}), container);
    expect(() => checkSpecFiles(files)).not.toThrow();
    const file = join(dir, 'a.csv');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n`);
    expect(() => checkSpecFiles(files)).toThrow(CheckpointError);
    expect(() => checkSpecFiles(files)).toThrow(`${file} (crossbar.device.params.file) changed since the run started`);
    rmSync(file);
    expect(() => checkSpecFiles(files)).toThrow(`${file} (crossbar.device.params.file) is gone since the run started`);
  });
});
