import { kernels } from '../kernels/elementwise.js';
import type { ComputeBackend } from '../matrix/backend.js';
import { Matrix } from '../matrix/matrix.js';
import type { ReadContext, ReadDirection, TileGeometry } from '../plugin/types.js';
import type { ActivityCounts } from './counters.js';
import type { CrossbarComponents } from './components.js';
import type { EffectiveConductance } from './effective.js';
import type { Scratch } from './scratch.js';

/**
 * One read of a whole layer in one direction. The stage order is fixed here:
 * DAC → input hooks → GEMM on the effective conductance → output hooks → sense amp → ADC → digital sum.
 *
 * Forward reads drive one tile row of the grid at a time: every tile in that row shares the input
 * slice, so one GEMM (batch × tileRows)·(tileRows × paddedCols) evaluates the whole tile row while each
 * tile keeps its own converters (the ADC sees one group of tileCols outputs per tile). Backward reads
 * do the same over tile columns on the transposed conductance.
 */
export function readLayer(
  direction: ReadDirection,
  input: Matrix,
  geometry: TileGeometry,
  components: CrossbarComponents,
  eff: EffectiveConductance,
  backend: ComputeBackend,
  scratch: Scratch,
  counts: ActivityCounts,
  weightPerSiemens: number,
): Matrix {
  const forward = direction === 'forward';
  const batch = input.rows;
  const inWidth = forward ? geometry.rows : geometry.cols;
  const outWidth = forward ? geometry.cols : geometry.rows;
  const lines = forward ? geometry.tileRows : geometry.tileCols;
  const blocks = forward ? geometry.gridRows : geometry.gridCols;
  const width = forward ? geometry.paddedCols : geometry.paddedRows;
  const groupWidth = forward ? geometry.tileCols : geometry.tileRows;
  if (input.cols !== inWidth) throw new RangeError(`${direction} read: input has ${input.cols} columns, expected ${inWidth}`);

  const { dac, senseAmp, adc } = components.read[direction];
  const inputHooks = components.stack.filter((e) => e.hooks.input && e.phases.has(direction));
  const outputHooks = components.stack.filter((e) => e.hooks.output && e.phases.has(direction));

  const acc = scratch.float64('acc', batch * width);
  acc.fill(0);
  const digital = scratch.float32('digital', batch * lines);
  let vA = scratch.float32('vA', batch * lines);
  let vB = scratch.float32('vB', batch * lines);
  let iA = scratch.float32('iA', batch * width);
  let iB = scratch.float32('iB', batch * width);
  const scales = scratch.float32('scales', batch);

  for (let block = 0; block < blocks; block++) {
    const start = block * lines;
    const used = Math.min(lines, inWidth - start);
    // Gather this block's slice of the inputs; padded lines are driven at zero.
    // A plain loop: a subarray view per row would allocate batch × blocks objects per read.
    if (used < lines) digital.fill(0);
    const x = input.data;
    for (let b = 0; b < batch; b++) {
      const from = b * inWidth + start;
      const to = b * lines;
      for (let i = 0; i < used; i++) digital[to + i] = x[from + i]!;
    }
    dac.convert(digital, vA, batch, lines, scales);
    let voltages = new Matrix(batch, lines, vA);
    const ctx: ReadContext = {
      direction, block, batch, width, groupWidth,
      get voltages() {
        return voltages;
      },
      squaredConductance: () => eff.squared().rowSlice(start, start + lines),
    };
    for (const e of inputHooks) {
      e.hooks.input!(vA, vB, ctx);
      [vA, vB] = [vB, vA];
      voltages = new Matrix(batch, lines, vA);
    }
    backend.gemm(voltages, eff.diff.rowSlice(start, start + lines), new Matrix(batch, width, iA));
    for (const e of outputHooks) {
      e.hooks.output!(iA, iB, ctx);
      [iA, iB] = [iB, iA];
    }
    senseAmp.amplify(iA, iB, ctx);
    adc.convert(iB, iA, ctx);
    kernels.accumulate(acc, iA, scales, batch, width);
  }

  const tilesPerBlock = forward ? geometry.gridCols : geometry.gridRows;
  counts.tileReads += batch * blocks * tilesPerBlock;
  counts.dacConversions += batch * blocks * lines * tilesPerBlock;
  counts.adcConversions += batch * blocks * width;
  counts.cellReads += 2 * batch * geometry.paddedRows * geometry.paddedCols;

  const out = new Matrix(batch, outWidth);
  kernels.narrow(acc, out.data, batch, width, outWidth, weightPerSiemens);
  return out;
}
