import type { DependencyContainer } from '../di.js';
import { Matrix } from '../matrix/matrix.js';
import { SpecError, type SpecIssue } from '../spec/errors.js';
import { resolveSpec } from '../spec/resolve.js';
import { ReferenceBackend } from '../matrix/reference-backend.js';
import type { ComputeBackend } from '../matrix/backend.js';
import { Rng } from '../random/rng.js';
import type { PluginContext, ReadContext, ReadDirection, TileGeometry, UpdateContext } from '../plugin/types.js';
import { tileGeometry } from '../tile/geometry.js';

/** A small multi-tile layer (3×2 grid of 8×8 tiles with padding) that exercises tiling edges. */
export const TEST_GEOMETRY: TileGeometry = tileGeometry(20, 13, 8, 8);
export const TEST_RANGE: { readonly gmin: number; readonly gmax: number } = { gmin: 1e-6, gmax: 1e-5 };

export function pluginContext(seed = 'conformance', geometry = TEST_GEOMETRY, backend: ComputeBackend = new ReferenceBackend()): PluginContext {
  return { layer: 'test', geometry, backend, rng: new Rng(seed), range: TEST_RANGE };
}

/** Conductances drawn uniformly in the device range, one value per cell of the padded layer. */
export function randomConductances(seed = 'g', geometry = TEST_GEOMETRY, range = TEST_RANGE): Float64Array {
  const g = new Float64Array(geometry.paddedRows * geometry.paddedCols);
  return new Rng(seed).fillUniform(g, range.gmin, range.gmax) as Float64Array;
}

export function randomMatrix(rows: number, cols: number, seed = 'm', lo = -1, hi = 1): Matrix {
  const m = new Matrix(rows, cols);
  new Rng(seed).fillUniform(m.data, lo, hi);
  return m;
}

/** A read context for block 0 with given voltages; squared conductances from `g` (forward layout). */
export function readContext(direction: ReadDirection, voltages: Matrix, geometry = TEST_GEOMETRY, g?: Float64Array): ReadContext {
  const forward = direction === 'forward';
  const width = forward ? geometry.paddedCols : geometry.paddedRows;
  const lines = voltages.cols;
  return {
    direction, block: 0, batch: voltages.rows, width, voltages,
    groupWidth: forward ? geometry.tileCols : geometry.tileRows,
    squaredConductance: () => {
      const src = g ?? randomConductances('sq', geometry);
      const sq = new Matrix(lines, width);
      for (let i = 0; i < lines; i++) {
        for (let j = 0; j < width; j++) {
          const v = forward ? src[i * geometry.paddedCols + j]! : src[j * geometry.paddedCols + i]!;
          sq.data[i * width + j] = 2 * v * v;
        }
      }
      return sq;
    },
  };
}

export function updateContext(g: Float64Array, polarity: 'plus' | 'minus' = 'plus', range = TEST_RANGE): UpdateContext {
  return { polarity, conductance: g, gmin: range.gmin, gmax: range.gmax };
}

export function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return den === 0 ? num : num / den;
}

/** Sample mean and (n − 1) standard deviation, in plain loops (spreading 10⁵ values into Math.* overflows the stack). */
export function sampleStats(a: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += a[k]!;
  const mean = sum / a.length;
  let sq = 0;
  for (let k = 0; k < a.length; k++) sq += (a[k]! - mean) ** 2;
  return { mean, std: Math.sqrt(sq / (a.length - 1)) };
}

/** Number of positions where two arrays differ (vitest's deep equality is slow on 10⁵-element typed arrays). */
export function countDiffering(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let n = 0;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) n++;
  return n;
}

/** The problems `resolveSpec` finds in a raw spec (none: an empty list), for tests of specs and plugins. */
export function specIssues(raw: unknown, container: DependencyContainer): SpecIssue[] {
  try {
    resolveSpec(raw, container);
  } catch (e) {
    if (e instanceof SpecError) return [...e.issues];
    throw e;
  }
  return [];
}

/** The SpecError `fn` throws; any other outcome fails the calling test. */
export function specErrorOf(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error('expected a SpecError');
}
