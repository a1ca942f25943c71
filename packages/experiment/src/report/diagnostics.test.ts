import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Matrix, networkServices, RngFactory } from '@txsim/core';
import { AnalogLinearLayer, buildNetwork } from '@txsim/models';
import { describe, expect, it } from 'vitest';
import { createPluginContainer, createRunContainer } from '../composition.js';
import { loadSpec } from '../spec-file.js';
import { collectRunDiagnostics, conductanceHistograms, READ_ERROR_ROWS, writeRunDiagnostics, type ConductanceFile, type ReadErrorFile } from './diagnostics.js';

const example = (name: string) => fileURLToPath(new URL(`../../../../examples/${name}`, import.meta.url));

function network(spec: string) {
  const resolved = loadSpec(example(spec), createPluginContainer(), { overrides: { seed: 3 } });
  const run = createRunContainer({ seed: 3, backend: 'reference' });
  const net = buildNetwork(resolved, networkServices(run));
  const batch = new Matrix(16, 784);
  run.resolve(RngFactory).stream('test', 'batch').fillUniform(batch.data, 0, 1);
  return { net, batch, run };
}

/** A few SGD steps with a random output gradient: enough to move the conductances. */
function step(net: ReturnType<typeof network>['net'], batch: Matrix, run: ReturnType<typeof network>['run']) {
  const grad = new Matrix(batch.rows, 10);
  run.resolve(RngFactory).stream('test', 'grad').fillUniform(grad.data, -1, 1);
  for (let k = 0; k < 3; k++) {
    net.forward(batch, true);
    net.backward(grad);
    net.update(1);
  }
}

describe('collectRunDiagnostics', () => {
  it('finds no read error on an ideal crossbar and pools every real cell of G+ and G− into the histograms', () => {
    const { net, batch } = network('mlp-mnist-ideal.yaml');
    const start = conductanceHistograms(net, 20);
    const d = collectRunDiagnostics(net, { start, batch, bins: 20 });

    expect(Object.keys(d.readError)).toEqual(['fc1', 'fc2', 'fc3']);
    for (const e of Object.values(d.readError)) {
      expect(e.batch).toBe(16);
      expect(e.relativeError).toBeGreaterThanOrEqual(0);
      expect(e.relativeError).toBeLessThan(1e-5);
    }
    const sizes = { fc1: 784 * 256, fc2: 256 * 128, fc3: 128 * 10 };
    for (const [layer, cells] of Object.entries(sizes)) {
      const h = d.conductances[layer]!;
      for (const hist of [h.start, h.end]) {
        expect(hist.edges).toHaveLength(21);
        expect(hist.counts).toHaveLength(20);
        expect(hist.counts.reduce((a, b) => a + b)).toBe(2 * cells);
      }
      // No training happened between the two snapshots.
      expect(h.end).toEqual(h.start);
    }
  });

  it('measures the non-idealities, sees training move the conductances, and leaves activity counts alone', () => {
    const { net, batch, run } = network('mlp-mnist-txsim.yaml');
    const start = conductanceHistograms(net);
    step(net, batch, run);
    const before = JSON.stringify(net.activity());
    const d = collectRunDiagnostics(net, { start, batch });
    expect(JSON.stringify(net.activity())).toBe(before);

    for (const e of Object.values(d.readError)) {
      // Device variation acts on the absolute conductances, so the error is large (O(1)) for small weights.
      expect(e.relativeError).toBeGreaterThan(1e-4);
      expect(Number.isFinite(e.relativeError)).toBe(true);
    }
    expect(d.conductances.fc1!.end.counts).not.toEqual(d.conductances.fc1!.start.counts);
    const fc1 = net.layers.find((l): l is AnalogLinearLayer => l instanceof AnalogLinearLayer)!;
    const { gmin, gmax } = fc1.crossbar.components.device;
    expect(d.conductances.fc1!.end.edges[0]).toBeCloseTo(gmin, 12);
    expect(d.conductances.fc1!.end.edges.at(-1)).toBeCloseTo(gmax, 12);

    const dir = mkdtempSync(join(tmpdir(), 'txsim-diag-'));
    writeRunDiagnostics(dir, d);
    expect(JSON.parse(readFileSync(join(dir, 'conductances.json'), 'utf8')) as ConductanceFile).toEqual(d.conductances);
    expect(JSON.parse(readFileSync(join(dir, 'read-error.json'), 'utf8')) as ReadErrorFile).toEqual(d.readError);
  });

  it('measures convolution layers on their patches, through an inference pass of the whole network', () => {
    const { net, batch } = network('txsim/lenet5-mnist-ideal.yaml');
    const d = collectRunDiagnostics(net, { start: conductanceHistograms(net), batch });
    expect(Object.keys(d.readError)).toEqual(['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
    // conv1 reads every 28×28 output position of each image as a patch row (measured on the first
    // READ_ERROR_ROWS of them); conv2 the 10×10 of the pooled maps.
    expect(16 * 28 * 28).toBeGreaterThan(READ_ERROR_ROWS);
    expect(d.readError.conv1!.batch).toBe(READ_ERROR_ROWS);
    expect(d.readError.conv2!.batch).toBe(16 * 10 * 10);
    for (const e of Object.values(d.readError)) expect(e.relativeError).toBeLessThan(1e-5);
  });
});
