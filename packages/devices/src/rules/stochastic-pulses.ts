import { defineUpdateRule, flag, integer, Matrix, params, quantity, real } from '@txsim/core';

/** Float32 elements per train buffer; samples are processed in chunks so the trains stay within it. */
const TRAIN_BUDGET = 1 << 21;

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
 * Counting is two GEMMs over the trains stacked as (samples·slots) × lines: signed trains (±1 on a
 * fire) give down − up, magnitude trains (1 on a fire) give down + up. Random draws, per chunk of
 * samples: one uniform per (active slot, row) — (Σ_b BL_b) × rows, row-major, samples in order — then
 * one per (active slot, column).
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
      granularity: quantity('S', { description: 'Conductance step of one pulse on one device that sizes the trains; dw_min = 2·granularity/siemensPerWeight. 0: the device pulse step.', default: 0, min: 0 }),
    }),
    references: [
      'Gokmen & Vlasov, Acceleration of Deep Neural Network Training with Resistive Cross-Point Devices, Front. Neurosci. 10:333, 2016.',
      'aihwkit PulsedUpdateMetaParameter (desired_bl 31, update_management, update_bl_management, um_grad_scale) and sparse_bit_line_maker (StochasticCompressed).',
    ],
  },
  create: (ctx, p) => {
    let buffers: { xs: Float32Array; xm: Float32Array; ds: Float32Array; dm: Float32Array; ux: Float64Array; ud: Float64Array } | undefined;
    const need = (xLen: number, dLen: number, ux: number, ud: number) => {
      if (!buffers || buffers.xs.length < xLen || buffers.ds.length < dLen || buffers.ux.length < ux || buffers.ud.length < ud) {
        buffers = {
          xs: new Float32Array(xLen), xm: new Float32Array(xLen), ds: new Float32Array(dLen), dm: new Float32Array(dLen),
          ux: new Float64Array(ux), ud: new Float64Array(ud),
        };
      }
      return buffers;
    };

    return {
      update({ x, d, learningRate, siemensPerWeight, pulseStep, geometry }, { up, down }) {
        const { rows, cols, paddedRows, paddedCols } = geometry;
        const batch = x.rows;
        const dwMin = (2 * (p.granularity || pulseStep)) / siemensPerWeight;
        const scales = trainScales(x, d, learningRate, dwMin, p);
        const maxRows = Math.max(p.bitLength, Math.floor(TRAIN_BUDGET / (paddedRows + paddedCols)));
        const S = new Matrix(paddedRows, paddedCols, up); // down − up, until the final pass
        const M = new Matrix(paddedRows, paddedCols, down); // down + up
        let first = true;
        for (let b0 = 0; b0 < batch;) {
          let b1 = b0;
          let slots = 0;
          while (b1 < batch && slots + scales.bl[b1]! <= maxRows) slots += scales.bl[b1++]!;
          if (slots === 0) {
            b0 = b1;
            continue;
          }
          const buf = need(slots * paddedRows, slots * paddedCols, slots * rows, slots * cols);
          ctx.rng.fillUniform(buf.ux.subarray(0, slots * rows));
          ctx.rng.fillUniform(buf.ud.subarray(0, slots * cols));
          fillTrains(x.data, rows, paddedRows, b0, b1, scales.bl, scales.bx, buf.ux, buf.xs, buf.xm);
          fillTrains(d.data, cols, paddedCols, b0, b1, scales.bl, scales.ad, buf.ud, buf.ds, buf.dm);
          const beta = first ? 0 : 1;
          ctx.backend.gemm(new Matrix(slots, paddedRows, buf.xs.subarray(0, slots * paddedRows)),
            new Matrix(slots, paddedCols, buf.ds.subarray(0, slots * paddedCols)), S, { transA: true, beta });
          ctx.backend.gemm(new Matrix(slots, paddedRows, buf.xm.subarray(0, slots * paddedRows)),
            new Matrix(slots, paddedCols, buf.dm.subarray(0, slots * paddedCols)), M, { transA: true, beta });
          first = false;
          b0 = b1;
        }
        if (first) {
          up.fill(0);
          down.fill(0);
          return 'pulses';
        }
        for (let k = 0; k < up.length; k++) {
          const s = up[k]!;
          const m = down[k]!;
          // m and s are integers of equal parity, so the halves are exact.
          up[k] = (m - s) / 2;
          down[k] = (m + s) / 2;
        }
        return 'pulses';
      },
    };
  },
});

/** Per sample: bit length BL_b (0: no pulses), B_b (x side) and A_b (δ side), by aihwkit's rules. */
function trainScales(
  x: Matrix, d: Matrix, eta: number, dwMin: number,
  p: { bitLength: number; updateManagement: boolean; blManagement: boolean; umGradScale: number },
): { bl: Int32Array; bx: Float64Array; ad: Float64Array } {
  const batch = x.rows;
  const bl = new Int32Array(batch);
  const bx = new Float64Array(batch);
  const ad = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    const xMax = absMax(x.data, b * x.cols, x.cols);
    const dMax = absMax(d.data, b * d.cols, d.cols);
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

function absMax(a: Float32Array, start: number, n: number): number {
  let m = 0;
  for (let k = start; k < start + n; k++) {
    const v = Math.abs(a[k]!);
    if (v > m) m = v;
  }
  return m;
}

/**
 * Writes the trains of samples [b0, b1): slot rows of `width` lines (the first `lines` live), a fire
 * where the slot's uniform is below min(1, scale_b·|v|); `signed` carries sign(v), `mag` carries 1.
 */
function fillTrains(values: Float32Array, lines: number, width: number, b0: number, b1: number,
  bl: Int32Array, scale: Float64Array, u: Float64Array, signed: Float32Array, mag: Float32Array): void {
  let r = 0;
  for (let b = b0; b < b1; b++) {
    const base = b * lines;
    const s = scale[b]!;
    for (let t = 0; t < bl[b]!; t++, r++) {
      const row = r * width;
      const ur = r * lines;
      for (let i = 0; i < lines; i++) {
        const v = values[base + i]!;
        // u < 1 always, so a probability clipped to 1 always fires.
        const fire = u[ur + i]! < s * Math.abs(v);
        mag[row + i] = fire ? 1 : 0;
        signed[row + i] = fire ? (v > 0 ? 1 : -1) : 0;
      }
      if (width > lines) {
        mag.fill(0, row + lines, row + width);
        signed.fill(0, row + lines, row + width);
      }
    }
  }
}
