import type { TileGeometry } from '../plugin/types.js';

/** Lays a rows × cols weight matrix over crossbars of tileRows × tileCols, zero-padding the last tiles. */
export function tileGeometry(rows: number, cols: number, tileRows: number, tileCols: number): TileGeometry {
  for (const [k, v] of Object.entries({ rows, cols, tileRows, tileCols })) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`tileGeometry: ${k} must be a positive integer, got ${v}`);
  }
  const gridRows = Math.ceil(rows / tileRows);
  const gridCols = Math.ceil(cols / tileCols);
  return { rows, cols, tileRows, tileCols, gridRows, gridCols, paddedRows: gridRows * tileRows, paddedCols: gridCols * tileCols };
}
