/**
 * A small Levenberg–Marquardt least-squares solver for the few-parameter curve fits of `txsim fit`:
 * minimises Σ rᵢ(θ)² with a central-difference Jacobian, solving (JᵀJ + λ·diag(JᵀJ))·δ = −Jᵀr by
 * Gaussian elimination; λ shrinks after an accepted step and grows after a rejected one.
 */
export interface LeastSquaresResult {
  readonly params: number[];
  /** Σ rᵢ² at the solution. */
  readonly cost: number;
  readonly iterations: number;
}

export function levenbergMarquardt(
  residuals: (theta: readonly number[]) => Float64Array,
  start: readonly number[],
  options: { maxIterations?: number; tolerance?: number } = {},
): LeastSquaresResult {
  const maxIterations = options.maxIterations ?? 300;
  const tol = options.tolerance ?? 1e-14;
  let theta = [...start];
  let r = residuals(theta);
  let cost = sumSquares(r);
  let lambda = 1e-3;
  const n = theta.length;
  let it = 0;
  for (; it < maxIterations; it++) {
    const J = jacobian(residuals, theta, r.length);
    const A = Array.from({ length: n }, () => new Float64Array(n));
    const g = new Float64Array(n);
    for (let i = 0; i < r.length; i++) {
      for (let a = 0; a < n; a++) {
        const ja = J[a]![i]!;
        g[a] += ja * r[i]!;
        for (let b = 0; b <= a; b++) A[a]![b] += ja * J[b]![i]!;
      }
    }
    for (let a = 0; a < n; a++) for (let b = 0; b < a; b++) A[b]![a] = A[a]![b]!;
    let improved = false;
    for (let tries = 0; tries < 30 && !improved; tries++) {
      const M = A.map((row, a) => Float64Array.from(row, (v, b) => (a === b ? v * (1 + lambda) + 1e-300 : v)));
      const delta = solve(M, Float64Array.from(g, (v) => -v));
      if (!delta) {
        lambda *= 10;
        continue;
      }
      const next = theta.map((t, a) => t + delta[a]!);
      const rNext = residuals(next);
      const c = sumSquares(rNext);
      if (Number.isFinite(c) && c < cost) {
        const gain = cost - c;
        theta = next;
        r = rNext;
        cost = c;
        lambda = Math.max(lambda / 10, 1e-12);
        improved = true;
        if (gain <= tol * Math.max(cost, 1e-300) || delta.every((d, a) => Math.abs(d) <= 1e-12 * (1 + Math.abs(theta[a]!)))) return { params: theta, cost, iterations: it + 1 };
      } else {
        lambda *= 10;
      }
    }
    if (!improved) break;
  }
  return { params: theta, cost, iterations: it };
}

function sumSquares(r: Float64Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i]! * r[i]!;
  return s;
}

function jacobian(f: (t: readonly number[]) => Float64Array, theta: readonly number[], m: number): Float64Array[] {
  return theta.map((t, a) => {
    const h = 1e-6 * Math.max(1, Math.abs(t));
    const up = [...theta];
    const dn = [...theta];
    up[a] = t + h;
    dn[a] = t - h;
    const ru = f(up);
    const rd = f(dn);
    const col = new Float64Array(m);
    for (let i = 0; i < m; i++) col[i] = (ru[i]! - rd[i]!) / (2 * h);
    return col;
  });
}

/** Solves M·x = b by Gaussian elimination with partial pivoting; undefined when M is singular. */
function solve(M: Float64Array[], b: Float64Array): Float64Array | undefined {
  const n = b.length;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    if (!(Math.abs(M[p]![c]!) > 0)) return undefined;
    [M[c], M[p]] = [M[p]!, M[c]!];
    [b[c], b[p]] = [b[p]!, b[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k < n; k++) M[r]![k] -= f * M[c]![k]!;
      b[r] -= f * b[c]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let k = r + 1; k < n; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}
