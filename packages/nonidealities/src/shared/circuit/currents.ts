import { linearIv, type IvModel } from './iv.js';
import { chains, ends, Factored, sensedCurrents, solveLinear, Workspace, type CircuitDirection, type Nodes, type WireParams } from './network.js';
import { exactEffectiveConductance } from './effective.js';

const NEWTON_TOLERANCE = 1e-13;
const NEWTON_ITERATIONS = 100;

/**
 * The node voltages of one exact solve (row nodes a and column nodes b, both M×N) and the sensed
 * currents, for one drive vector (M values forward, N backward). With a non-linear I–V law, Newton
 * iteration on the node voltages from the linear solution: each step solves the network linearised
 * at the present device voltages (slope conductance plus an offset current source).
 */
export function solveNodes(
  g: Float64Array, rows: number, cols: number, wires: WireParams, direction: CircuitDirection, voltages: Float64Array, iv: IvModel = linearIv,
): { a: Float64Array; b: Float64Array; sensed: Float64Array } {
  if (g.length !== rows * cols) throw new RangeError(`expected a ${rows}×${cols} conductance array, got ${g.length} values`);
  const c = chains(rows, cols, wires, direction);
  const { ea, eb } = ends(c, direction, voltages);
  const ws = new Workspace(g.length);
  let nodes: Nodes = solveLinear(new Factored(c, g), undefined, ea, eb, ws);
  if (iv === linearIv) return { ...nodes, sensed: sensedCurrents(c, g, nodes, undefined, direction) };
  const n = g.length;
  const slope = new Float64Array(n);
  const offset = new Float64Array(n);
  const v = new Float64Array(n);
  for (let it = 0; ; it++) {
    if (it === NEWTON_ITERATIONS) throw new Error(`Newton iteration for I–V "${iv.name}" did not converge in ${NEWTON_ITERATIONS} steps`);
    let change = 0;
    let size = 0;
    for (let k = 0; k < n; k++) {
      const vk = nodes.a[k] - nodes.b[k];
      change = Math.max(change, Math.abs(vk - v[k]));
      size = Math.max(size, Math.abs(vk));
      v[k] = vk;
      slope[k] = iv.slope(g[k], vk);
      offset[k] = iv.current(g[k], vk) - slope[k] * vk;
    }
    if (it > 0 && change <= NEWTON_TOLERANCE * size) break;
    nodes = solveLinear(new Factored(c, slope), offset, ea, eb, ws);
  }
  // Device currents at the converged voltages, through the I–V law itself.
  for (let k = 0; k < n; k++) offset[k] = iv.current(g[k], nodes.a[k] - nodes.b[k]);
  return { ...nodes, sensed: sensedCurrents(c, new Float64Array(n), nodes, offset, direction) };
}

/**
 * Sensed currents for a batch of drive vectors (batch × inputs, row-major; inputs = M forward, N
 * backward), exact: through Geff for a linear I–V law, by Newton per drive vector otherwise (the
 * data-dependent reference the chord-conductance fast path approximates). Output batch × outputs.
 */
export function exactCurrents(
  g: Float64Array, rows: number, cols: number, wires: WireParams, direction: CircuitDirection, voltages: Float64Array, batch: number, iv: IvModel = linearIv,
): Float64Array {
  const inputs = direction === 'forward' ? rows : cols;
  const outputs = direction === 'forward' ? cols : rows;
  if (voltages.length !== batch * inputs) throw new RangeError(`expected ${batch}×${inputs} drive voltages, got ${voltages.length}`);
  const out = new Float64Array(batch * outputs);
  if (iv === linearIv) {
    const geff = exactEffectiveConductance(g, rows, cols, wires, direction);
    for (let s = 0; s < batch; s++) {
      for (let k = 0; k < inputs; k++) {
        const vk = voltages[s * inputs + k];
        if (vk === 0) continue;
        for (let o = 0; o < outputs; o++) out[s * outputs + o] += vk * geff[k * outputs + o];
      }
    }
    return out;
  }
  for (let s = 0; s < batch; s++) {
    const { sensed } = solveNodes(g, rows, cols, wires, direction, voltages.subarray(s * inputs, (s + 1) * inputs), iv);
    out.set(sensed, s * outputs);
  }
  return out;
}
