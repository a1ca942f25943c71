import { compileIvExpression } from './iv-expression.js';

/**
 * Device current–voltage characteristics. `g` is the device's small-signal (low-voltage)
 * conductance, the value the rest of txsim stores; `v` the voltage across it (a − b).
 */
export interface IvModel {
  readonly name: string;
  /** Current through the device (A). */
  current(g: number, v: number): number;
  /** dI/dV at v (S). */
  slope(g: number, v: number): number;
}

/** Ohmic: I = g·V. */
export const linearIv: IvModel = { name: 'linear', current: (g, v) => g * v, slope: (g) => g };

/**
 * I = g·V0·sinh(V/V0): ohmic (I ≈ g·V) for |V| ≪ V0, exponentially super-linear above it, the
 * selector-like non-linearity used by GENIEx-style crossbar models.
 */
export function sinhIv(v0: number): IvModel {
  if (!(v0 > 0) || !Number.isFinite(v0)) throw new RangeError(`sinh I–V needs V0 > 0, got ${v0}`);
  return { name: `sinh(V0=${v0} V)`, current: (g, v) => g * v0 * Math.sinh(v / v0), slope: (g, v) => g * Math.cosh(v / v0) };
}

/**
 * A user-written I–V law in G (S) and V (V), e.g. "G * 0.25 * sinh(V / 0.25)". Compiled once in a
 * sandboxed mathjs (iv-expression.ts); the slope is its symbolic derivative in V, or a central difference where mathjs cannot
 * differentiate the expression.
 */
export function expressionIv(expr: string): IvModel {
  let current: (g: number, v: number) => number;
  let slope: (g: number, v: number) => number;
  try {
    const compiled = compileIvExpression(expr);
    current = compiled.current;
    slope = compiled.slope ?? ((g, v) => {
      const h = 1e-6 * Math.max(Math.abs(v), 1e-3);
      return (current(g, v + h) - current(g, v - h)) / (2 * h);
    });
  } catch (e) {
    throw new Error(`I–V expression "${expr.length > 80 ? `${expr.slice(0, 80)}…` : expr}": ${e instanceof Error ? e.message : String(e)}`);
  }
  // Fail at construction, not mid-solve, when the expression uses other symbols or is not real.
  for (const v of [0.1, -0.1]) {
    let value: number;
    try {
      value = current(1e-5, v) + slope(1e-5, v);
    } catch (e) {
      throw new Error(`I–V expression "${expr}" must be a real function of G and V: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!Number.isFinite(value)) throw new Error(`I–V expression "${expr}" must be a real function of G and V, got ${value} at G = 10 µS, V = ${v} V`);
  }
  return { name: expr, current, slope };
}

/** The conductance I(vRead)/vRead a device presents at one read voltage (its chord conductance). */
export function chordConductance(iv: IvModel, g: number, vRead: number): number {
  return vRead === 0 ? iv.slope(g, 0) : iv.current(g, vRead) / vRead;
}
