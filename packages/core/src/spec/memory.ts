import { fittedTile, tileGeometry } from '../tile/geometry.js';
import type { SpecIssue } from './errors.js';
import type { LayerPlan } from './resolve.js';
import { sourceDataShape } from './data-shape.js';
import type { ParsedSpec } from './schema.js';
import { arrayRows } from './weight-clip.js';

/** Crossbar state a run may allocate before the spec is rejected at load time. */
export const CROSSBAR_MEMORY_BUDGET = 8 * 2 ** 30;

/** Per padded cell: the G+ and G− states (f64 each) and the forward/backward effective-conductance caches (f32 each). */
const BYTES_PER_CELL = 2 * 8 + 2 * 4;

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GiB`;

/**
 * Rejects a spec whose crossbar state would not fit in memory, before any array exists. Names
 * `model.hidden` when the weights themselves are too large, `crossbar.tile` when zero-padding to
 * the tile size is what pushes the total over the budget.
 */
export function checkCrossbarMemory(plans: readonly LayerPlan[], issues: SpecIssue[], budget = CROSSBAR_MEMORY_BUDGET): void {
  let padded = 0;
  let exact = 0;
  const parts: string[] = [];
  for (const plan of plans) {
    if (!plan.crossbar) continue;
    // Weight matrices are stored inputs × outputs on the crossbar (rows = inputs, plus an analog bias row).
    const t = plan.crossbar.tile;
    const size = t.fit ? fittedTile(arrayRows(plan), plan.outputs, t.rows, t.cols) : t;
    const g = tileGeometry(arrayRows(plan), plan.outputs, size.rows, size.cols);
    const bytes = g.paddedRows * g.paddedCols * BYTES_PER_CELL;
    padded += bytes;
    exact += plan.inputs * plan.outputs * BYTES_PER_CELL;
    parts.push(`${plan.name} ${gib(bytes)}`);
  }
  if (padded <= budget) {
    checkKernelMemory(plans, issues);
    return;
  }
  const shown = parts.length > 4 ? [...parts.slice(0, 3), `${parts.length - 3} more layers`] : parts;
  const over = `crossbar state would need ${gib(padded)} (${shown.join(', ')}), over the ${gib(budget)} budget`;
  issues.push(exact > budget
    ? { path: 'model.hidden', message: `${over}; use smaller hidden layers` }
    : { path: 'crossbar.tile', message: `${over}, mostly zero-padding of the last tiles; use smaller tiles (rows × cols)` });
}

/**
 * The element-wise kernels keep every crossbar's arrays in one WebAssembly memory, which wasm32 caps
 * at 4 GiB whatever the machine has. Measured: a 1,000,000-64-3 MLP on 64×64 tiles (64 M cells) ran
 * out at 4.13 GB in use asking for 256 MB more, so about 68 bytes per padded cell; 72 leaves a margin.
 */
export const KERNEL_MEMORY = 4 * 2 ** 30;
const KERNEL_BYTES_PER_CELL = 72;

function paddedCells(plan: LayerPlan): number {
  const t = plan.crossbar!.tile;
  const size = t.fit ? fittedTile(arrayRows(plan), plan.outputs, t.rows, t.cols) : t;
  const g = tileGeometry(arrayRows(plan), plan.outputs, size.rows, size.cols);
  return g.paddedRows * g.paddedCols;
}

function checkKernelMemory(plans: readonly LayerPlan[], issues: SpecIssue[]): void {
  const cells = plans.reduce((sum, p) => sum + (p.crossbar ? paddedCells(p) : 0), 0);
  const bytes = cells * KERNEL_BYTES_PER_CELL;
  if (bytes <= KERNEL_MEMORY) return;
  const exact = plans.reduce((sum, p) => sum + (p.crossbar ? p.inputs * p.outputs : 0), 0);
  issues.push({
    // Zero-padding to the tile size alone can push a small network over the limit.
    path: exact * KERNEL_BYTES_PER_CELL > KERNEL_MEMORY ? 'model.hidden' : 'crossbar.tile',
    message: `${(cells / 1e6).toFixed(1)} M crossbar cells need about ${gib(bytes)} of kernel memory, over the ${gib(KERNEL_MEMORY)} `
      + `WebAssembly limit (at most ${Math.floor(KERNEL_MEMORY / KERNEL_BYTES_PER_CELL / 1e6)} M cells); use smaller layers, smaller images, or keep the largest layers digital`,
  });
}

/** Arrays a whole run (data, weights, activations) may allocate before the spec is rejected at load. */
export const NETWORK_MEMORY_BUDGET = 16 * 2 ** 30;
/** Elements of one Float32Array in Node 20 (buffer.constants.MAX_LENGTH bytes / 4). */
const MAX_ARRAY_ELEMENTS = 2 ** 30;
/** Synthetic set sizes when the spec leaves them out (models' SYNTHETIC_DEFAULTS). */
const SYNTHETIC_SIZES = { train: 10_000, test: 2_000 };
/** Examples the diagnostics and evaluation read at once. */
const EVAL_BATCH = 256;

/**
 * Rejects a spec whose data, weights or activations would not fit in memory (or in one typed array),
 * before any data is read: the check `train` would otherwise fail with "Invalid typed array length"
 * or an out-of-memory crash after minutes of loading. Each issue names the field to change.
 */
export function checkNetworkMemory(spec: ParsedSpec, plans: readonly LayerPlan[], issues: SpecIssue[], budget = NETWORK_MEMORY_BUDGET): void {
  // The data are held as read (before a crop shrinks them); the layers' sizes come from the plans.
  const shape = sourceDataShape(spec.data);
  const features = shape.channels * shape.height * shape.width;
  const before = issues.length;
  const tooBig = (elements: number) => elements > MAX_ARRAY_ELEMENTS;
  let dataBytes = 0;
  if (spec.data.dataset === 'synthetic') {
    const full = { train: spec.data.trainSize ?? SYNTHETIC_SIZES.train, test: spec.data.testSize ?? SYNTHETIC_SIZES.test };
    for (const [which, n] of Object.entries(full)) {
      if (tooBig(n * features)) {
        issues.push({ path: `data.${which}Size`, message: `${n} examples of ${features} values are ${(n * features).toExponential(2)} values, more than one array holds (${MAX_ARRAY_ELEMENTS.toExponential(2)}); use fewer examples or smaller images (data.shape)` });
      }
    }
    if (tooBig(shape.classes * features)) issues.push({ path: 'data.shape', message: `${shape.classes} class means of ${features} values do not fit in one array; use smaller images` });
    dataBytes = (full.train + full.test) * features * 4 + shape.classes * features * 8;
  }
  const batch = Math.max(spec.training.batchSize, EVAL_BATCH);
  let weights = 0;
  let activations = 0;
  for (const p of plans) {
    const positions = p.conv ? p.conv.outHeight * p.conv.outWidth : 1;
    if (tooBig(p.inputs * p.outputs)) issues.push({ path: 'model.hidden', message: `layer ${p.name} has ${p.inputs} × ${p.outputs} weights, more than one array holds; use smaller layers or images` });
    // A batch's im2col input and the layer's output, as values and as gradients.
    const act = batch * positions * (p.inputs + p.outputs);
    if (tooBig(batch * positions * p.inputs)) issues.push({ path: 'training.batchSize', message: `layer ${p.name} reads ${batch} × ${positions} × ${p.inputs} values at once, more than one array holds; use a smaller batch or smaller images` });
    // Weights, their gradient and a scratch copy.
    weights += 3 * p.inputs * p.outputs * 4;
    activations += 2 * act * 4;
  }
  if (issues.length > before) return;
  const total = dataBytes + weights + activations;
  if (total <= budget) return;
  const parts = `data ${gib(dataBytes)}, weights ${gib(weights)}, activations of a ${batch}-example batch ${gib(activations)}`;
  const path = dataBytes >= weights && dataBytes >= activations ? (spec.data.dataset === 'synthetic' ? 'data.trainSize' : 'data.shape')
    : weights >= activations ? 'model.hidden' : 'training.batchSize';
  issues.push({ path, message: `the run would need about ${gib(total)} (${parts}), over the ${gib(budget)} budget; shrink the largest part` });
}
