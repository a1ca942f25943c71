import { choice, defineKernel, defineUpdateRule, flag, integer, kernels, Matrix, params, quantity, real, Scratch, type ActiveCells, type ComputeBackend, type Rng } from '@txsim/core';
import { pulsedKernels, rngBlock } from '../kernels.js';
import { addDenseCounts, coincidences, Fires, gemmCoincidences, sortCells, walkCoincidences } from './coincidences.js';

/** Float32 elements per train buffer; samples are processed in chunks so the trains stay within it. */
const TRAIN_BUDGET = 1 << 21;
/**
 * Coincidences are walked one by one when there are fewer than (rows·cols·slots)/SPARSE_FACTOR of them:
 * the two GEMMs cost 4·rows·cols·slots flops at ~50 GFLOP/s, a walked coincidence ~2 ns here.
 */
const SPARSE_FACTOR = 16;

/**
 * aihwkit's stochastic-compressed pulsed update. For every sample of the mini-batch, each row line
 * (layer input x_i) fires in each of BL time slots with probability min(1, B·|x_i|) and each column
 * line (error δ_j) with min(1, A·|δ_j|); every coincidence is one pulse pair on cell (i, j), lowering
 * the weight when sign(x_i)·sign(δ_j) > 0 (W ← W − η·xᵀδ). A·B = η/(dw_min·BL), so a cell expects
 * η|x_i||δ_j|/dw_min coincidences per sample — the SGD step in units of dw_min.
 *
 * dw_min on our differential pair: one coincidence potentiates one device of the pair and depresses
 * the other by `granularity` each (default: the device's pulse step), so
 * dw_min = 2·granularity / siemensPerWeight in weight units.
 *
 * Counting, per chunk of samples: the trains are drawn as lists of fires per slot (coincidences.ts:
 * geometric gaps, exact in law, one draw per fire), the x side of the chunk first, then the δ side.
 * When the chunk's coincidences (Σ_slots rows fired × columns fired) are few, each is added to its cell
 * directly; otherwise two GEMMs over the trains stacked as (samples·slots) × lines count them. Both give
 * the same integer counts (tested), so the choice changes only the speed. The rule lists the cells it
 * pulses for the device (UpdateTargets.active).
 *
 * `counting: sampled` is the fast approximation: per cell, the up and down coincidence counts of the
 * whole batch are drawn from Poisson distributions with their exact expected values (two GEMMs over
 * the batch, not the batch·BL slots). A cell's count is a sum of many rare coincidences, so Poisson is
 * its law in the limit (Le Cam); what is lost is the correlation between cells that share a line's
 * fire within a slot, and the variance reduction where p·q approaches 1.
 */
export const stochasticPulses = defineUpdateRule({
  meta: {
    name: 'stochastic-pulses',
    description: 'Stochastic pulse trains on rows and columns; each coincidence is one pulse pair (aihwkit StochasticCompressed).',
    phases: ['update'],
    params: params({
      bitLength: integer({ description: 'Desired bit length BL: time slots per sample (aihwkit desired_bl).', default: 31, min: 1, max: 4096 }),
      updateManagement: flag({ description: 'Balance the x and δ trains so their largest values fire alike, clipping δ when BL is exceeded (aihwkit update_management).', default: true }),
      blManagement: flag({ description: 'Shorten BL to ceil(η·max|x|·max|δ|/dw_min) per sample when that is below bitLength (aihwkit update_bl_management).', default: true }),
      umGradScale: real({ description: 'Scale α of max|δ| in update and BL management (aihwkit um_grad_scale).', default: 1, min: 0, exclusiveMin: true }),
      counting: choice(['exact', 'sampled'], {
        description: 'exact: real trains, coincidences counted by GEMM over every slot; sampled: Poisson counts with the exact expectation (fast).',
        default: 'exact',
      }),
      granularity: quantity('S', { description: 'Conductance step of one pulse on one device that sizes the trains; dw_min = 2·granularity/siemensPerWeight. 0: the device pulse step.', default: 0, min: 0 }),
    }),
    references: [
      'Gokmen & Vlasov, Acceleration of Deep Neural Network Training with Resistive Cross-Point Devices, Front. Neurosci. 10:333, 2016.',
      'aihwkit PulsedUpdateMetaParameter (desired_bl 31, update_management, update_bl_management, um_grad_scale) and sparse_bit_line_maker (StochasticCompressed).',
    ],
  },
  create: (ctx, p) => {
    // Compile the device package's kernels while the network is built, not inside the first training step.
    void pulsedKernels.api;
    // Work buffers reused across steps (the same shapes every step).
    const scratch = new Scratch();
    const fires = { x: new Fires(), d: new Fires() };
    const sortWork = { buf: new Int32Array(0) };
    return {
      update({ x, d, learningRate, siemensPerWeight, pulseStep, coincidenceStep, geometry }, { up, down, active, zeroed }) {
        const { rows, cols, paddedRows, paddedCols } = geometry;
        const batch = x.rows;
        // One coincidence changes G+ − G− by coincidenceStep (granularity rescales the device's pulse step).
        const dwMin = ((p.granularity ? p.granularity / pulseStep : 1) * coincidenceStep) / siemensPerWeight;
        const scales = trainScales(x, d, learningRate, dwMin, p, scratch);
        if (p.counting === 'sampled') {
          sampleCounts(x, d, scales, geometry, ctx.backend, ctx.rng, scratch, up, down, active, zeroed);
          return 'pulses';
        }
        // Counting runs on the layer's own rows × cols; the padding of the tile grid never fires.
        const maxRows = Math.max(p.bitLength, Math.floor(TRAIN_BUDGET / (rows + cols)));
        const S = new Matrix(rows, cols, scratch.float32('S', rows * cols)); // down − up
        const M = new Matrix(rows, cols, scratch.float32('M', rows * cols)); // down + up
        // Every count lands in a listed cell, so targets the tile keeps zero need no clearing.
        if (!zeroed) {
          up.fill(0);
          down.fill(0);
        }
        const list = active ?? scratch.active(paddedRows * paddedCols, 'listed');
        list.count = 0;
        let dense = false;
        for (let b0 = 0; b0 < batch;) {
          let b1 = b0;
          let slots = 0;
          while (b1 < batch && slots + scales.bl[b1]! <= maxRows) slots += scales.bl[b1++]!;
          if (slots === 0) {
            b0 = b1;
            continue;
          }
          const xf = fires.x.draw(x.data, rows, b0, b1, scales.bl, scales.bx, ctx.rng);
          const df = fires.d.draw(d.data, cols, b0, b1, scales.bl, scales.ad, ctx.rng);
          // Both ways give the same integer counts: walk the coincidences when they are few (pulse
          // updates usually are: BL management shortens the trains), else two GEMMs over the trains.
          if (coincidences(xf, df) * SPARSE_FACTOR <= rows * cols * slots) {
            walkCoincidences(xf, df, paddedCols, up, down, list);
          } else {
            gemmCoincidences(xf, df, rows, cols, ctx.backend, scratch, S, M, dense);
            dense = true;
          }
          b0 = b1;
        }
        if (dense) addDenseCounts(S, M, paddedCols, up, down, list);
        else {
          sortCells(list.idx, list.count, paddedRows * paddedCols, sortWork);
        }
        return 'pulses';
      },
    };
  },
});

/** Per sample: bit length BL_b (0: no pulses; integer-valued), B_b (x side) and A_b (δ side). */
interface TrainScales {
  readonly bl: Float64Array;
  readonly bx: Float64Array;
  readonly ad: Float64Array;
}

/** Per sample: bit length BL_b (0: no pulses), B_b (x side) and A_b (δ side), by aihwkit's rules. */
function trainScales(
  x: Matrix, d: Matrix, eta: number, dwMin: number,
  p: { bitLength: number; updateManagement: boolean; blManagement: boolean; umGradScale: number },
  scratch: Scratch,
): TrainScales {
  const batch = x.rows;
  const bl = scratch.float64('bl', batch).fill(0);
  const bx = scratch.float64('bx', batch).fill(0);
  const ad = scratch.float64('ad', batch).fill(0);
  const xMaxes = scratch.float64('xMax', batch);
  const dMaxes = scratch.float64('dMax', batch);
  rowAbsMaxes(x.data, batch, x.cols, xMaxes);
  rowAbsMaxes(d.data, batch, d.cols, dMaxes);
  for (let b = 0; b < batch; b++) {
    const xMax = xMaxes[b]!;
    const dMax = dMaxes[b]!;
    if (xMax === 0 || dMax === 0 || !(eta > 0)) continue; // aihwkit sends no pulses then
    let dScaled = p.umGradScale * dMax;
    const k = (eta * xMax * dScaled) / dwMin;
    const length = p.blManagement ? Math.min(Math.ceil(k), p.bitLength) : p.bitLength;
    let a = Math.sqrt(eta / (dwMin * length));
    let bScale = a;
    if (p.updateManagement) {
      if (k > p.bitLength) dScaled *= p.bitLength / k;
      bScale *= Math.sqrt(dScaled / xMax);
      a *= Math.sqrt(xMax / dScaled);
    }
    bl[b] = length;
    bx[b] = bScale;
    ad[b] = a;
  }
  return { bl, bx, ad };
}

/**
 * The largest |value| of each of `rows` rows of `cols` (0 for an all-zero row; a NaN never wins). Compiled in
 * assembly/pulsed.ts (rowAbsMaxes), equal to this loop.
 */
export const rowAbsMaxes = defineKernel(
  pulsedKernels,
  (api, memory, values: Float32Array, rows: number, cols: number, out: Float64Array): void => {
    const m = memory.begin();
    api.rowAbsMaxes(m.in(values), rows, cols, m.out(out));
    m.end();
  },
  (values: Float32Array, rows: number, cols: number, out: Float64Array): void => {
    for (let r = 0; r < rows; r++) {
      let m = 0;
      for (let k = r * cols; k < (r + 1) * cols; k++) {
        const v = Math.abs(values[k]!);
        if (v > m) m = v;
      }
      out[r] = m;
    }
  },
);

/**
 * Expected coincidences per cell from two GEMMs over the batch — signed probabilities give
 * E[down] − E[up], magnitudes E[down] + E[up], with each sample's BL_b folded into the x side — then
 * one Poisson draw per cell and direction.
 */
function sampleCounts(
  x: Matrix, d: Matrix, scales: TrainScales,
  geometry: { rows: number; cols: number; paddedRows: number; paddedCols: number },
  backend: ComputeBackend, rng: Rng, buf: Scratch, up: Float32Array, down: Float32Array, active?: ActiveCells, zeroed = false,
): void {
  const { rows, cols, paddedCols } = geometry;
  const batch = x.rows;
  const ps = buf.float32('ps', batch * rows);
  const pm = buf.float32('pm', batch * rows);
  const qs = buf.float32('qs', batch * cols);
  const qm = buf.float32('qm', batch * cols);
  probabilities(x.data, rows, rows, batch, scales.bx, scales.bl, ps, pm);
  probabilities(d.data, cols, cols, batch, scales.ad, null, qs, qm);
  // Expectations on the layer's own rows × cols; the padding of the tile grid never fires.
  const S = new Matrix(rows, cols, buf.float32('S', rows * cols));
  const M = new Matrix(rows, cols, buf.float32('M', rows * cols));
  backend.gemm(new Matrix(batch, rows, ps), new Matrix(batch, cols, qs), S, { transA: true });
  backend.gemm(new Matrix(batch, rows, pm), new Matrix(batch, cols, qm), M, { transA: true });
  // The padding stays zero (the layer's own cells are all written by poissonCounts).
  if (!zeroed) {
    up.fill(0);
    down.fill(0);
  }
  poissonCounts(S, M, paddedCols, rng, up, down, active ?? null, buf);
}

/**
 * One Poisson draw per cell and direction from the expectations S = E[down] − E[up], M = E[down] + E[up] (rows ×
 * cols): up and down of cell i·paddedCols + j, from the uniforms u[2k] (up) and u[2k + 1] (down) of
 * rng.fillUniform over 2·rows·cols; the cells with a count are listed in `active` (ascending) when given.
 * The reference keeps those uniforms in `scratch` ('u'). Compiled in assembly/pulsed.ts (sampledCounts), which
 * draws the same uniforms from the stream in place (no buffer) and leaves the stream where fillUniform does.
 */
export const poissonCounts = defineKernel(
  pulsedKernels,
  (api, memory, S: Matrix, M: Matrix, paddedCols: number, rng: Rng, up: Float32Array, down: Float32Array, active: ActiveCells | null,
    scratch: Scratch): void => {
    // The list is written in place (an Int32Array cannot be staged); a list outside kernel memory takes the reference.
    if (active && !kernels.resident(active.idx)) return poissonCounts.reference(S, M, paddedCols, rng, up, down, active, scratch);
    const m = memory.begin();
    const block = rngBlock(memory);
    const listed = api.sampledCounts(m.in(S.data), m.in(M.data), S.rows, S.cols, paddedCols, block.enter(rng), m.inout(up), m.inout(down),
      active ? active.idx.byteOffset : 0);
    block.leave(rng);
    m.end();
    if (active) active.count = listed;
  },
  (S: Matrix, M: Matrix, paddedCols: number, rng: Rng, up: Float32Array, down: Float32Array, active: ActiveCells | null, scratch: Scratch): void => {
    const { rows, cols } = S;
    const u = scratch.float64('u', 2 * rows * cols);
    rng.fillUniform(u);
    let listed = 0;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const k = i * cols + j;
        const s = S.data[k]!;
        const m = M.data[k]!;
        // Rounding in the GEMM can leave a tiny negative expectation; a count cannot be negative.
        const c = i * paddedCols + j;
        up[c] = poisson(Math.max(0, (m - s) / 2), u[2 * k]!);
        down[c] = poisson(Math.max(0, (m + s) / 2), u[2 * k + 1]!);
        if (active && up[c]! + down[c]! > 0) active.idx[listed++] = c;
      }
    }
    if (active) active.count = listed;
  },
);

/**
 * Per sample row: fire probabilities min(1, scale_b·|v|) (times BL_b when given), signed and not; padding 0.
 * Compiled in assembly/pulsed.ts (sampledProbabilities), equal to this loop.
 */
export const probabilities = defineKernel(
  pulsedKernels,
  (api, memory, values: Float32Array, lines: number, width: number, batch: number, scale: Float64Array, bl: Float64Array | null,
    signed: Float32Array, mag: Float32Array): void => {
    // The kernel zeroes both outputs whole, as the reference does, and writes batch·width of each in place.
    if (signed.length !== mag.length || signed.length < batch * width) {
      throw new RangeError(`probabilities: signed (${signed.length}) and mag (${mag.length}) must be equally long, at least batch·width = ${batch * width}`);
    }
    const m = memory.begin();
    api.sampledProbabilities(m.in(values), lines, width, batch, m.in(scale), bl ? m.in(bl) : 0, m.out(signed), m.out(mag), signed.length);
    m.end();
  },
  (values: Float32Array, lines: number, width: number, batch: number, scale: Float64Array, bl: Float64Array | null,
    signed: Float32Array, mag: Float32Array): void => {
    signed.fill(0);
    mag.fill(0);
    for (let b = 0; b < batch; b++) {
      const s = scale[b]!;
      const slots = bl ? bl[b]! : 1;
      if (slots === 0 || s === 0) continue;
      for (let i = 0; i < lines; i++) {
        const v = values[b * lines + i]!;
        const p = Math.min(1, s * Math.abs(v)) * slots;
        mag[b * width + i] = p;
        signed[b * width + i] = v > 0 ? p : v < 0 ? -p : 0;
      }
    }
  },
);

/** One Poisson(λ) draw from one uniform: inversion below λ = 30, a rounded normal quantile above. */
export function poisson(lambda: number, u: number): number {
  // P(0) = e^(−λ) ≥ 1 − λ: most cells expect far below one coincidence, and this settles them without exp.
  if (u <= 1 - lambda) return 0;
  if (lambda < 30) {
    let k = 0;
    let p = Math.exp(-lambda);
    let f = p;
    while (u > f && k < 1000) {
      k++;
      p *= lambda / k;
      f += p;
    }
    return k;
  }
  // Large means: normal approximation through the inverse CDF of the same uniform.
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * inverseNormal(u)));
}

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
function inverseNormal(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const dd = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p <= 0) return -8;
  if (p >= 1) return 8;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((dd[0]! * q + dd[1]!) * q + dd[2]!) * q + dd[3]!) * q + 1);
  }
  if (p > 1 - lo) return -inverseNormal(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}
