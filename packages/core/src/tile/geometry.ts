import type { TileGeometry } from '../plugin/types.js';

/**
 * Equal tiles no larger than maxRows × maxCols that cover a rows × cols layer with the least padding
 * (aihwkit's max_input_size / max_output_size: a 784-row layer on 512-row arrays gets two 392-row tiles,
 * a 10-column layer a 10-column tile).
 */
export function fittedTile(rows: number, cols: number, maxRows: number, maxCols: number): { rows: number; cols: number } {
  const fit = (n: number, max: number) => Math.ceil(n / Math.ceil(n / max));
  return { rows: fit(rows, maxRows), cols: fit(cols, maxCols) };
}

/** Lays a rows × cols weight matrix over crossbars of tileRows × tileCols, zero-padding the last tiles. */
export function tileGeometry(rows: number, cols: number, tileRows: number, tileCols: number): TileGeometry {
  for (const [k, v] of Object.entries({ rows, cols, tileRows, tileCols })) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`tileGeometry: ${k} must be a positive integer, got ${v}`);
  }
  const gridRows = Math.ceil(rows / tileRows);
  const gridCols = Math.ceil(cols / tileCols);
  return { rows, cols, tileRows, tileCols, gridRows, gridCols, paddedRows: gridRows * tileRows, paddedCols: gridCols * tileCols };
}
