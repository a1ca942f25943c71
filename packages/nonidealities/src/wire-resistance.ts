import { defineNonideality, kernels, params, type TileGeometry } from '@txsim/core';
import { wireParamFields } from './shared/wire-params.js';

/**
 * Wire (and driver / sense) resistance in the direct-path approximation: each device sees in series
 * the wire segments between its row driver and its column's sense node, and nothing else,
 *
 *   G_eff(i, j) = 1 / (1/G + rSource + (j+1)·rRow + (tileRows−i)·rCol + rSink),
 *
 * with (i, j) the cell's place within its tile (drivers at column 0, sensing below row tileRows−1).
 * This is the lowest-order term of TxSim's Approximate Analytical Model; it ignores the IR drop
 * other cells' currents cause on shared wires, and sneak paths, so it underestimates the error when
 * device resistance is not far above the wire resistance. The exact nodal (FCM) solve is a separate
 * issue, not done here. A backward read drives the column bottom and senses the row start, which puts the same
 * segments on the path, so the effective conductance is one for both directions (not `directional`).
 */
export const wireResistance = defineNonideality({
  meta: {
    name: 'wire-resistance',
    description: 'Row, column, source and sink resistance in series with each device (direct-path approximation).',
    phases: ['forward', 'backward'],
    params: params({
      ...wireParamFields,
    }),
    references: [
      'Roy et al., TxSim, IEEE TVLSI 29(4), 2021, Approximate Analytical Model (AAM: shortest paths with r_source, r_sense, r_row, r_col; r_row 1 Ω, r_col 4.6 Ω per cell).',
      'Jain et al., RxNN, IEEE TCAD 2020 (arXiv 1809.00072), Eqs. 2–7 (the full model this approximates).',
    ],
  },
  create: (ctx, p) => {
    const series = seriesResistance(ctx.geometry, p.rRow, p.rCol, p.rSource + p.rSink);
    return {
      conductance(src, dst) {
        // g/(1 + g·r) is 1/(1/g + r) without dividing by g, so an empty (G = 0) cell stays 0.
        kernels.series(src, series, dst);
      },
      fusedConductance: () => ({ kind: 'series', resistance: series }),
    };
  },
});

/** The series resistance of every cell of the padded layer, laid out like the conductance arrays. */
function seriesResistance(geo: TileGeometry, rRow: number, rCol: number, rEnds: number): Float64Array {
  const { paddedRows, paddedCols, tileRows, tileCols } = geo;
  const r = kernels.float64(paddedRows * paddedCols);
  for (let i = 0; i < paddedRows; i++) {
    const column = (tileRows - (i % tileRows)) * rCol + rEnds;
    for (let j = 0; j < paddedCols; j++) r[i * paddedCols + j] = column + ((j % tileCols) + 1) * rRow;
  }
  return r;
}
