import { fittedTile, tileGeometry } from '../tile/geometry.js';
import type { SpecIssue } from './errors.js';
import type { LayerPlan } from './resolve.js';

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
    // Weight matrices are stored inputs × outputs on the crossbar (rows = inputs).
    const t = plan.crossbar.tile;
    const size = t.fit ? fittedTile(plan.inputs, plan.outputs, t.rows, t.cols) : t;
    const g = tileGeometry(plan.inputs, plan.outputs, size.rows, size.cols);
    const bytes = g.paddedRows * g.paddedCols * BYTES_PER_CELL;
    padded += bytes;
    exact += plan.inputs * plan.outputs * BYTES_PER_CELL;
    parts.push(`${plan.name} ${gib(bytes)}`);
  }
  if (padded <= budget) return;
  const shown = parts.length > 4 ? [...parts.slice(0, 3), `${parts.length - 3} more layers`] : parts;
  const over = `crossbar state would need ${gib(padded)} (${shown.join(', ')}), over the ${gib(budget)} budget`;
  issues.push(exact > budget
    ? { path: 'model.hidden', message: `${over}; use smaller hidden layers` }
    : { path: 'crossbar.tile', message: `${over}, mostly zero-padding of the last tiles; use smaller tiles (rows × cols)` });
}
