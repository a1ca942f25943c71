import { join } from 'node:path';
import { Matrix, ReferenceBackend, type LayerActivity } from '@txsim/core';
import { AnalogConv2dLayer, AnalogLinearLayer, withOnes, type Sequential } from '@txsim/models';
import { writeFileAtomic } from '../run-dir.js';

/** Counts per bin; `edges` has one more entry than `counts`. */
export interface Histogram {
  readonly edges: number[];
  readonly counts: number[];
}

/** `conductances.json`: per analog layer, G+ and G− pooled, in siemens, before and after training. */
export type ConductanceFile = Record<string, { readonly start: Histogram; readonly end: Histogram }>;

/** One layer's forward-read error: ‖crossbar.forward(x) − x·W‖ / ‖x·W‖ with W the stored (ideal) weights. */
export interface ReadError {
  readonly relativeError: number;
  /** Rows of the batch it was measured on. */
  readonly batch: number;
}

/** `read-error.json`: per analog layer. */
export type ReadErrorFile = Record<string, ReadError>;

export interface RunDiagnostics {
  readonly conductances: ConductanceFile;
  readonly readError: ReadErrorFile;
}

export const CONDUCTANCES_FILE = 'conductances.json';
export const READ_ERROR_FILE = 'read-error.json';

type AnalogLayer = AnalogLinearLayer | AnalogConv2dLayer;
const analogLayers = (net: Sequential) => net.layers.filter((l): l is AnalogLayer => l instanceof AnalogLinearLayer || l instanceof AnalogConv2dLayer);

/**
 * Histograms of every analog layer's conductances (G+ and G− pooled, padding cells left out) over the
 * device range [gmin, gmax], so histograms taken at different times share their bins. Reads nothing
 * through the array: it neither counts activity nor draws random numbers, so it is safe mid-run.
 */
export function conductanceHistograms(net: Sequential, bins = 40): Record<string, Histogram> {
  const out: Record<string, Histogram> = {};
  for (const layer of analogLayers(net)) {
    const { rows, cols, paddedCols } = layer.crossbar.geometry;
    const { gmin, gmax } = layer.crossbar.components.device;
    const counts = new Array<number>(bins).fill(0);
    // Under reference-column G− is the fixed reference, not a device of the weight.
    const polarities = layer.crossbar.components.scheme === 'reference-column' ? (['plus'] as const) : (['plus', 'minus'] as const);
    for (const polarity of polarities) {
      const g = layer.crossbar.conductances(polarity);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const bin = Math.floor(((g[i * paddedCols + j]! - gmin) / (gmax - gmin)) * bins);
          counts[Math.max(0, Math.min(bins - 1, bin))]!++;
        }
      }
    }
    out[layer.name] = { edges: Array.from({ length: bins + 1 }, (_, k) => gmin + ((gmax - gmin) * k) / bins), counts };
  }
  return out;
}

/**
 * Most input rows a layer's read error is measured on. The reference product runs in the TypeScript
 * kernel (float64 sums, ~0.5 GFLOP/s): on all 256 images' patches a ResNet-20 took 9 s after training.
 */
export const READ_ERROR_ROWS = 8192;

function frobenius(m: Matrix): number {
  let s = 0;
  for (const v of m.data) s += v * v;
  return Math.sqrt(s);
}

const copyActivity = (a: LayerActivity): LayerActivity =>
  ({ forward: { ...a.forward }, backward: { ...a.backward }, update: { ...a.update } });

/**
 * What the report shows beyond `summary.json`, from a trained network: conductance histograms (`start`
 * from {@link conductanceHistograms} taken before training, `end` now) and each analog layer's forward
 * read error on `batch`. The batch is propagated through the network (inference mode), so each layer is
 * measured on the input it really sees. The reads go through the non-idealities, which may draw from
 * their random streams, so call it after training; the activity counters are restored afterwards.
 */
export function collectRunDiagnostics(net: Sequential, options: { readonly start: Record<string, Histogram>; readonly batch: Matrix; readonly bins?: number }): RunDiagnostics {
  const end = conductanceHistograms(net, options.bins);
  const conductances: ConductanceFile = {};
  for (const [name, h] of Object.entries(end)) conductances[name] = { start: options.start[name] ?? h, end: h };

  const reference = new ReferenceBackend();
  const saved = analogLayers(net).map((l) => [l, copyActivity(l.crossbar.activity)] as const);
  const readError: ReadErrorFile = {};
  // Capture each analog layer's input during one inference pass of the whole network (residual blocks
  // included), then compare its crossbar read with x·W on the stored weights.
  const inputs = new Map<AnalogLayer, Matrix>();
  const originals = saved.map(([layer]) => [layer, layer.forward] as const);
  try {
    for (const [layer, forward] of originals) {
      layer.forward = (x: Matrix, training: boolean) => {
        if (!inputs.has(layer)) inputs.set(layer, x.clone());
        return forward.call(layer, x, training);
      };
    }
    net.forward(options.batch, false);
    for (const [layer] of originals) {
      for (const [l, forward] of originals) l.forward = forward;
      const x = inputs.get(layer);
      if (!x) continue;
      // A convolution's crossbar sees the patches of its input; the first READ_ERROR_ROWS of them (whole
      // images first) are plenty for a relative error and keep the float64 reference product cheap.
      const patches = layer instanceof AnalogConv2dLayer ? layer.frame.patches(x, false) : x;
      // An analog bias row reads an input of 1 with every vector.
      const all = patches.cols + 1 === layer.crossbar.geometry.rows ? withOnes(patches) : patches;
      const rows = all.rows > READ_ERROR_ROWS ? all.rowSlice(0, READ_ERROR_ROWS) : all;
      const w = layer.crossbar.weights();
      const ideal = new Matrix(rows.rows, w.cols);
      reference.gemm(rows, w, ideal);
      const read = layer.crossbar.forward(rows);
      const diff = new Matrix(read.rows, read.cols);
      for (let k = 0; k < diff.data.length; k++) diff.data[k] = read.data[k]! - ideal.data[k]!;
      const norm = frobenius(ideal);
      readError[layer.name] = { relativeError: norm > 0 ? frobenius(diff) / norm : 0, batch: rows.rows };
    }
  } finally {
    for (const [layer, forward] of originals) layer.forward = forward;
    for (const [layer, activity] of saved) {
      for (const phase of ['forward', 'backward', 'update'] as const) Object.assign(layer.crossbar.activity[phase], activity[phase]);
    }
  }
  return { conductances, readError };
}

/** Writes `conductances.json` and `read-error.json` into a run directory, where `txsim report` finds them. */
export function writeRunDiagnostics(dir: string, diagnostics: RunDiagnostics): void {
  writeFileAtomic(join(dir, CONDUCTANCES_FILE), `${JSON.stringify(diagnostics.conductances)}\n`);
  writeFileAtomic(join(dir, READ_ERROR_FILE), `${JSON.stringify(diagnostics.readError, null, 2)}\n`);
}
