import { kernels } from '../kernels/elementwise.js';
import { mergePasses, shiftAdd } from '../kernels/shift-add.js';
import type { ComputeBackend } from '../matrix/backend.js';
import { Matrix } from '../matrix/matrix.js';
import type { AdcModel, ReadContext, ReadDirection, TileGeometry } from '../plugin/types.js';
import type { ActivityCounts } from './counters.js';
import type { CrossbarComponents, StackEntry } from './components.js';
import type { EffectiveConductance } from './effective.js';
import { subtractReference, widenSquared, widenWithReference } from './reference-column.js';
import type { Scratch } from './scratch.js';

/** How a read lays out its passes; the default is what a simulation should use. */
export interface ReadOptions {
  /**
   * Stack a streaming DAC's passes along the batch so each block is one GEMM of (passes·batch) × lines
   * (default). false reads pass by pass, one GEMM each: the reference the stacked read is tested and timed
   * against. They agree exactly unless a plugin's state depends on how rows are grouped into reads (an ADC
   * still calibrating counts each pass as a read).
   */
  readonly stacked?: boolean;
  /**
   * Convert and multiply each block over its used lines only, and sense only the summed output columns
   * where nothing looks at the tile padding (default; see readLayer). false drives every line and senses
   * every column of the tile, padding included: the reference the narrowed read is tested against.
   */
  readonly narrow?: boolean;
  /**
   * Multiplies every drive voltage after the DAC (its digital scale divides by it, so the result stays in
   * the same units): bound management's halved input. Default 1.
   */
  readonly driveScale?: number;
  /** Set to 1 for each batch row any of whose outputs the ADC reports at its full scale (`AdcModel.saturated`). */
  readonly saturated?: Uint8Array;
  /**
   * The batch × outputs matrix the result is written into and returned (best in kernel memory, where it is
   * written in place): a caller that reads every step passes a buffer it reuses, so a read allocates no
   * output. Default: a fresh matrix per read. The read keeps no reference to it, and writes it only after every input is consumed, so
   * it may even be the input.
   */
  readonly out?: Matrix;
}

/**
 * One read of a whole layer in one direction. The stage order is fixed here:
 * DAC → input hooks → GEMM on the effective conductance → output hooks → sense amp → ADC → digital sum.
 *
 * Forward reads drive one tile row of the grid at a time: every tile in that row shares the input
 * slice, so one GEMM (batch × tileRows)·(tileRows × paddedCols) evaluates the whole tile row while each
 * tile keeps its own converters (the ADC sees one group of tileCols outputs per tile). Backward reads
 * do the same over tile columns on the transposed conductance.
 *
 * Converted partial outputs are combined by shift-and-add in the digital sum: a streaming DAC's passes
 * (bit streams, sign passes) are stacked along the batch, and a device sensed per slice has its slice
 * arrays side by side along the output, so each block stays one GEMM of (passes·batch) × lines ×
 * (slices·width) with the ADC applied to every pass and slice group. When nothing between the array and
 * the digital sum is lossy or non-linear, the passes are merged into one drive (and the effective
 * conductance combines the slices): exactly equal and cheaper. Activity counts always count every pass
 * and slice, as the hardware would run them.
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
  options: ReadOptions = {},
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
  if (options.out && (options.out.rows !== batch || options.out.cols !== outWidth)) {
    throw new RangeError(`${direction} read: the output matrix is ${options.out.rows}×${options.out.cols}, expected ${batch}×${outWidth}`);
  }

  const { dac, senseAmp, adc } = components.read[direction];
  const { inputHooks, outputHooks } = readHooks(components.stack, direction);

  const passes = dac.passes ?? 1;
  const passWeights = dac.passWeights ?? [1];
  if (passWeights.length !== passes) throw new RangeError(`${direction} read: the DAC gives ${passWeights.length} pass weights for ${passes} passes`);
  const sliceWeights = eff.sliceWeights ?? [1];
  const sensed = width * sliceWeights.length;
  // Passes only sum linearly into the output when every later stage is exact and unhooked.
  const merge = passes > 1 && !!adc.exact && !!senseAmp.exact && !inputHooks.length && !outputHooks.length;
  const stacked = options.stacked ?? true;
  // Rows of one GEMM, and the passes each covers.
  const runs: readonly Run[] = merge ? MERGED : stacked ? stackedRuns(passes) : Array.from({ length: passes }, (_, p) => ({ first: p, count: 1 }));
  const runRows = (merge ? 1 : runs[0]!.count) * batch;

  // The digital sums keep only the layer's own outputs: padding columns are sensed (an ADC calibrating on
  // its tile sees them) but never summed, and an ADC may skip converting them (`ReadContext.summed`), which
  // matters for narrow layers on wide tiles (conv1: 6 of 64). Not zero-filled: the first shift-and-add of
  // the read writes it (`fresh`).
  const acc = scratch.float64('acc', batch * outWidth);
  const driven = scratch.float32('driven', passes * batch * lines);
  const merged = merge ? scratch.float32('merged', batch * lines) : driven;
  let vA = scratch.float32('vA', runRows * lines);
  let vB = scratch.float32('vB', runRows * lines);
  // reference-column with digital subtraction: every tile group senses one more line (reference-column.ts).
  const reference = components.scheme === 'reference-column' ? components.reference : undefined;
  const refDigital = reference?.subtract === 'digital';
  // Sensed columns past the layer's outputs (tile padding) are converted and dropped. Where nothing looks
  // at them — no output hook, an exact sense amplifier, an ADC not calibrating on them, one slice, no
  // reference column — each block's product covers only the summed columns, rounded up to 4 (conv1 of
  // LeNet-5: 8 of 64). Each output column's sum is the same whatever the product's width, so the result is
  // the same. The narrowed conductance is copied per block, which pays only when the batch is several rows.
  const senseWidth = narrowOutputs(options, outWidth, sensed, runRows, lines, refDigital, inputHooks.length + outputHooks.length > 0,
    !!senseAmp.exact, sliceWeights.length, adc, blocks);
  let iA = scratch.float32('iA', runRows * senseWidth);
  let iB = scratch.float32('iB', runRows * senseWidth);
  const scales = scratch.float32('scales', batch);
  const groups = width / groupWidth;
  const extWidth = refDigital ? groups * (groupWidth + 1) : senseWidth;
  let eA = refDigital ? scratch.float32('eA', runRows * extWidth) : iA;
  let eB = refDigital ? scratch.float32('eB', runRows * extWidth) : iB;
  const driveScale = options.driveScale ?? 1;
  const hits = options.saturated && adc.saturated ? scratch.bytes('hits', runRows) : undefined;

  // Padded lines are driven at zero, and a zero drive changes no output: it adds x·G = ±0 to every sum, and
  // the DAC's per-row scale comes from the largest |x|. So each block is converted and multiplied over its
  // used lines only unless an input hook, which may treat lines by position, needs the whole tile: conv1 of
  // LeNet-5 drives 25 of 64 lines forward and 6 of 64 backward. Equal to the full-width read exactly where a
  // block's lines fit one K block of the GEMM (256; within float rounding otherwise): a sum's zero products
  // change nothing but the sign of an exact zero, which the digital sum (0 + v) erases. The activity counts
  // still count every line.
  const narrow = (options.narrow ?? true) && !inputHooks.length;
  // The inputs in the kernels' memory, where each block's gather reads them in place: copied once unless
  // they already live there (im2col's patch rows and a conv layer's δ rows do).
  let x = input.data;
  if (!kernels.resident(x)) (x = scratch.float32('input', batch * inWidth)).set(input.data);
  // One context for the whole read, its block and voltages moved along as the read goes: the hooks use
  // it while they run (a context per block and run, with its getters, was a few allocations each).
  let start = 0;
  let driveLines = lines;
  let voltages = new Matrix(0, 0);
  const ctx: { -readonly [K in keyof ReadContext]: ReadContext[K] } = refDigital ? {
    direction, block: 0, batch: runRows, width: extWidth, groupWidth: groupWidth + 1,
    get voltages() {
      return voltages;
    },
    squaredConductance: () => {
      const sq = eff.squared().rowSlice(start, start + driveLines);
      const wide = new Matrix(driveLines, extWidth, scratch.float32('sqRef', driveLines * extWidth));
      widenSquared(sq.data, wide.data, driveLines, groups, groupWidth, reference!.conductance);
      return wide;
    },
  } : {
    direction, block: 0, batch: runRows, width: senseWidth, groupWidth, ...(sliceWeights.length === 1 ? { summed: outWidth } : {}),
    get voltages() {
      return voltages;
    },
    squaredConductance: () => eff.squared().rowSlice(start, start + driveLines),
  };
  let swap: Float32Array;
  // A read of one block, one pass (or merged passes) and one slice writes its output straight from the
  // converted currents (accumulateNarrow: the same bits as the f64 sum then the narrowing).
  const single = blocks === 1 && runs.length === 1 && sliceWeights.length === 1 && (merge || (passes === 1 && passWeights[0] === 1));
  let out: Matrix | undefined;
  for (let block = 0; block < blocks; block++) {
    start = block * lines;
    const used = Math.min(lines, inWidth - start);
    driveLines = narrow ? used : lines;
    ctx.block = block;
    // A layer that fits one block drives its inputs as they are; otherwise gather this block's slice (padded
    // lines at zero), into the 'digital' buffer's view of this length (the scratch hands back the same view per
    // length: no fresh view, and no miss of the kernels' residency cache, per block).
    let inputs = x;
    if (driveLines !== inWidth) kernels.gather(x, (inputs = scratch.float32('digital', batch * driveLines)), batch, inWidth, start, used, driveLines);
    dac.convert(inputs, driven, batch, driveLines, scales);
    if (driveScale !== 1) scaleDrive(driven.subarray(0, passes * batch * driveLines), scales, driveScale);
    if (merge) mergePasses(driven, merged, batch, driveLines, passWeights);
    const conductance = senseWidth === sensed
      ? eff.diff.rowSlice(start, start + driveLines)
      : narrowColumns(eff.diff, start, driveLines, senseWidth, scratch);

    for (let r = 0; r < runs.length; r++) {
      const run = runs[r]!;
      const rows = runRows;
      // The DAC's rows of this run, pass-major; the hooks ping-pong between the two work buffers.
      // Views from the scratch (the same object per length) where a run starts at the first pass: the usual
      // read; a fresh view per block fed the garbage collector and missed the kernels' residency cache.
      let vIn = merge ? scratch.float32('merged', batch * driveLines)
        : run.first === 0 ? scratch.float32('driven', run.count * batch * driveLines)
        : driven.subarray(run.first * batch * driveLines, (run.first + run.count) * batch * driveLines);
      voltages = new Matrix(rows, driveLines, vIn);
      for (let h = 0; h < inputHooks.length; h++) {
        inputHooks[h]!.hooks.input!(vIn, vA.subarray(0, rows * driveLines), ctx);
        vIn = vA.subarray(0, rows * driveLines);
        swap = vA; vA = vB; vB = swap;
        voltages = new Matrix(rows, driveLines, vIn);
      }
      backend.gemm(voltages, conductance, new Matrix(rows, senseWidth, iA));
      if (refDigital) widenWithReference(iA, vIn, eA, rows, driveLines, groups, groupWidth, reference!.conductance);
      for (let h = 0; h < outputHooks.length; h++) {
        outputHooks[h]!.hooks.output!(eA, eB, ctx);
        swap = eA; eA = eB; eB = swap;
      }
      // An exact sense amplifier or ADC passes its input through unchanged: skip it rather than copy.
      if (!senseAmp.exact) {
        senseAmp.amplify(eA, eB, ctx);
        swap = eA; eA = eB; eB = swap;
      }
      if (!adc.exact) {
        adc.convert(eA, eB, ctx);
        swap = eA; eA = eB; eB = swap;
      }
      if (hits) {
        hits.fill(0);
        adc.saturated!(eA, ctx, hits);
        for (let k = 0; k < rows; k++) if (hits[k]) options.saturated![k % batch] = 1;
      }
      let sensedOut = eA;
      if (refDigital) subtractReference(eA, (sensedOut = eB), rows, groups, groupWidth);
      if (!refDigital) {
        iA = eA;
        iB = eB;
      }
      const stride = senseWidth === sensed ? width : senseWidth;
      // One block, one pass of weight 1 and one slice: the digital sum is the output (no f64 sum between).
      if (single) kernels.accumulateNarrow(sensedOut, scales, (out ??= options.out ?? new Matrix(batch, outWidth)).data, batch, stride, outWidth, weightPerSiemens);
      else shiftAdd(acc, sensedOut, scales, batch, stride, merge ? ONE : run.count === passes ? passWeights : passWeights.slice(run.first, run.first + run.count), sliceWeights, outWidth, block === 0 && r === 0);
    }
  }

  // Each slice is its own array with its own drivers and converters, like one more tile of the block.
  const slices = components.device.slices?.count ?? 1;
  const arrays = (forward ? geometry.gridCols : geometry.gridRows) * slices;
  const vectors = batch * passes;
  counts.tileReads += vectors * blocks * arrays;
  counts.dacConversions += vectors * blocks * lines * arrays;
  counts.adcConversions += vectors * blocks * (refDigital ? extWidth : width * slices);
  // A pair reads two devices per weight; reference-column one, plus its tile's reference cell per line.
  counts.cellReads += reference
    ? vectors * (geometry.paddedRows * geometry.paddedCols + geometry.paddedRows * geometry.gridCols)
    : 2 * vectors * slices * geometry.paddedRows * geometry.paddedCols;

  if (out) return out;
  out = options.out ?? new Matrix(batch, outWidth);
  kernels.narrow(acc, out.data, batch, outWidth, outWidth, weightPerSiemens);
  return out;
}

const ONE = [1] as const;

/**
 * The product width of a read: `sensed`, or the summed columns rounded up to 4 when nothing looks at the
 * rest (see readLayer) and the saved product outweighs copying the narrowed conductance.
 */
function narrowOutputs(options: ReadOptions, outWidth: number, sensed: number, rows: number, lines: number, refDigital: boolean,
  hooked: boolean, exactAmp: boolean, slices: number, adc: AdcModel, blocks: number): number {
  const narrowed = Math.min(sensed, Math.ceil(outWidth / 4) * 4);
  if (narrowed === sensed || options.narrow === false || refDigital || hooked || !exactAmp || slices !== 1) return sensed;
  // Copying lines × narrowed conductances per block against (sensed − narrowed) columns of rows × lines
  // products saved: a batch-1 read would spend as much copying as it saves.
  if (rows * (sensed - narrowed) < 4 * narrowed) return sensed;
  if (!adc.exact) {
    if (!adc.seesPadding) return sensed;
    for (let b = 0; b < blocks; b++) if (adc.seesPadding(b)) return sensed;
  }
  return narrowed;
}

/** Rows [start, start + lines) of `diff`, columns [0, width), copied into a scratch matrix. */
function narrowColumns(diff: Matrix, start: number, lines: number, width: number, scratch: Scratch): Matrix {
  const out = new Matrix(lines, width, scratch.float32('narrowG', lines * width));
  const src = diff.data;
  const stride = diff.cols;
  for (let i = 0; i < lines; i++) {
    const from = (start + i) * stride;
    out.data.set(src.subarray(from, from + width), i * width);
  }
  return out;
}

/** Rows of one GEMM: `count` passes from pass `first`. */
interface Run {
  readonly first: number;
  readonly count: number;
}
const MERGED: readonly Run[] = [{ first: 0, count: 1 }];
const stackedByPasses: Array<readonly Run[]> = [];
/** All passes in one GEMM, one constant per pass count. */
function stackedRuns(passes: number): readonly Run[] {
  return (stackedByPasses[passes] ??= [{ first: 0, count: passes }]);
}

type ReadHooks = { inputHooks: StackEntry[]; outputHooks: StackEntry[] };
/** The input and output hooks of a stack per direction, filtered once per stack array (a tile's stack never changes). */
const hooksOf = new WeakMap<readonly StackEntry[], Partial<Record<ReadDirection, ReadHooks>>>();
function readHooks(stack: readonly StackEntry[], direction: ReadDirection): ReadHooks {
  let byDirection = hooksOf.get(stack);
  if (!byDirection) hooksOf.set(stack, (byDirection = {}));
  return (byDirection[direction] ??= {
    inputHooks: stack.filter((e) => e.hooks.input && e.phases.has(direction)),
    outputHooks: stack.filter((e) => e.hooks.output && e.phases.has(direction)),
  });
}

/** Drive voltages × f, and each row's digital scale ÷ f, so the read's result keeps its units. */
function scaleDrive(driven: Float32Array, scales: Float32Array, f: number): void {
  for (let k = 0; k < driven.length; k++) driven[k] = driven[k]! * f;
  for (let b = 0; b < scales.length; b++) scales[b] = scales[b]! / f;
}
