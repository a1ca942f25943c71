import { choice, defineNonideality, integer, params, quantity, type ReadDirection, type TileGeometry } from '@txsim/core';
import {
  chordConductance, directPathEffectiveConductance, exactEffectiveConductance, linearIv, relaxedEffectiveConductance, sinhIv,
  type WireParams,
} from './shared/circuit/index.js';
import { wireParamFields } from './shared/wire-params.js';

/**
 * Wire, driver and sense resistance solved as a circuit: per tile, the device array is replaced by
 * the tile's effective conductance matrix (RxNN's FCM), I_col = V·Geff forward and I_row = V·Geff
 * backward, which includes the IR drop every cell's current causes on the wires it shares.
 *
 * - model 'exact' solves the nodal equations (docs/circuit.md: chain solves and conjugate gradients,
 *   ~50 ms per 64 × 64 tile); 'relaxation' starts from the direct path and runs `sweeps` line sweeps;
 *   'direct-path' is TxSim's lowest-order AAM, the same numbers as wire-resistance.
 * - refreshEvery L > 1 is TxSim's interpolated FCM: the solve runs on every L-th rebuild of each
 *   polarity and direction, and in between Geff = G ⊙ D with the ratio D = Geff/G of the last solve.
 * - iv 'sinh' (I = G·V0·sinh(V/V0)) enters as each device's chord conductance at vRead, a
 *   data-independent approximation; `exactCurrents` in shared/circuit (Newton on the node voltages
 *   for the actual drive) is the reference it approximates.
 *
 * Directional: driving the column ends sees the wires in another order. The hook writes the backward
 * Geff (N × M per tile) transposed, in the forward layout of its input; the tile transposes it back.
 * With rSource = rSink the network is reciprocal (backward Geff = forward Geffᵀ, so the two layouts
 * coincide) and the hook declares itself non-directional, halving the solves; likewise the direct path.
 */
export const wireCircuit = defineNonideality({
  meta: {
    name: 'wire-circuit',
    description: 'Row, column, source and sink resistance solved as a resistive network per tile (effective conductance matrix).',
    phases: ['forward', 'backward'],
    // Both add the row and column wires (docs/circuit.md): together they would count them twice.
    excludes: ['wire-resistance'],
    params: params({
      ...wireParamFields,
      model: choice(['exact', 'relaxation', 'direct-path'], { description: 'Exact nodal solve, direct path plus relaxation sweeps, or direct path only (AAM).', default: 'exact' }),
      sweeps: integer({ description: 'Line-relaxation sweeps after the direct path (model relaxation).', default: 2, min: 0, max: 1000 }),
      refreshEvery: integer({ description: 'Solve on every L-th rebuild and reuse the distortion ratio Geff/G in between (interpolated FCM; 1: always solve).', default: 1, min: 1 }),
      iv: choice(['linear', 'sinh'], { description: 'Device I–V law: ohmic, or I = G·V0·sinh(V/V0) taken at its chord conductance at vRead.', default: 'linear', neutral: 'linear' }),
      v0: quantity('V', { description: 'Voltage scale V0 of the sinh I–V law.', default: 0.25, min: 0, exclusiveMin: true }),
      vRead: quantity('V', { description: 'Read voltage at which the sinh law is replaced by its chord conductance I(vRead)/vRead.', default: 0.2, min: 0, exclusiveMin: true }),
    }),
    references: [
      'Jain et al., RxNN, IEEE TCAD 2020 (arXiv 1809.00072), Eqs. 2–14: the fast crossbar model (effective conductance matrix).',
      'Roy et al., TxSim, IEEE TVLSI 29(4), 2021: FCM per tile state, AAM (direct path), interpolated FCM (reuse the distortion for L iterations); r_row 1 Ω, r_col 4.6 Ω per cell.',
      'Chakraborty et al., GENIEx, DAC 2020: non-linear (sinh-like) device I–V in crossbar models.',
    ],
  },
  create: (ctx, p) => {
    const wires: WireParams = { rRow: p.rRow, rCol: p.rCol, rSource: p.rSource, rSink: p.rSink };
    const iv = p.iv === 'sinh' ? sinhIv(p.v0) : linearIv;
    // The chord conductance is proportional to G for both laws, so one factor serves every cell.
    const chord = chordConductance(iv, 1, p.vRead);
    const interpolated = p.refreshEvery > 1 && p.model !== 'direct-path';
    const directional = p.model !== 'direct-path' && p.rSource !== p.rSink;
    const ratios = new Map<string, { rebuilds: number; ratio: Float64Array }>();
    const solve = (g: Float64Array, rows: number, cols: number, direction: ReadDirection) =>
      p.model === 'exact' ? exactEffectiveConductance(g, rows, cols, wires, direction)
        : p.model === 'relaxation' ? relaxedEffectiveConductance(g, rows, cols, wires, direction, p.sweeps)
          : directPathEffectiveConductance(g, rows, cols, wires, direction);
    return {
      directional,
      snapshot: () => [...ratios].map(([key, r]) => ({ key, rebuilds: r.rebuilds, ratio: Array.from(r.ratio) })),
      restore(state) {
        ratios.clear();
        for (const r of state as Array<{ key: string; rebuilds: number; ratio: number[] }>) {
          ratios.set(r.key, { rebuilds: r.rebuilds, ratio: Float64Array.from(r.ratio) });
        }
      },
      conductance(src, dst, { direction, polarity }) {
        const key = directional ? `${direction}/${polarity}` : polarity;
        const cached = ratios.get(key);
        if (interpolated && cached && cached.rebuilds++ % p.refreshEvery !== 0) {
          for (let k = 0; k < src.length; k++) dst[k] = src[k]! * cached.ratio[k]!;
          return;
        }
        perTile(ctx.geometry, src, dst, chord, direction, solve);
        if (!interpolated) return;
        // An empty cell has no ratio of its own; it gets the chord factor (no wire drop) if it fills.
        const ratio = cached?.ratio ?? new Float64Array(src.length);
        for (let k = 0; k < src.length; k++) ratio[k] = src[k]! > 0 ? dst[k]! / src[k]! : chord;
        ratios.set(key, { rebuilds: cached ? cached.rebuilds : 1, ratio });
      },
    };
  },
});

/** Solves every tile of the padded layer and writes its Geff back in forward layout. */
function perTile(
  geo: TileGeometry, src: Float64Array, dst: Float64Array, chord: number, direction: ReadDirection,
  solve: (g: Float64Array, rows: number, cols: number, direction: ReadDirection) => Float64Array,
): void {
  const { tileRows: M, tileCols: N, gridRows, gridCols, paddedCols: C } = geo;
  const g = new Float64Array(M * N);
  for (let tr = 0; tr < gridRows; tr++) {
    for (let tc = 0; tc < gridCols; tc++) {
      const origin = tr * M * C + tc * N;
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) g[i * N + j] = src[origin + i * C + j]! * chord;
      const geff = solve(g, M, N, direction);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) dst[origin + i * C + j] = direction === 'forward' ? geff[i * N + j]! : geff[j * M + i]!;
      }
    }
  }
}
