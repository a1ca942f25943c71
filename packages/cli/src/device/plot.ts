import { linePlot } from '@txsim/experiment';
import type { TrajectoryRow } from './trajectory.js';

/** Points per series at most: every point gets a marker, so long trajectories are thinned evenly. */
const MAX_POINTS = 400;

/** Mean conductance ± one standard deviation over the cells against the pulse number, in µS. */
export function trajectorySvg(rows: readonly TrajectoryRow[], title: string): string {
  const stride = Math.max(1, Math.ceil(rows.length / MAX_POINTS));
  // Keep the start, the turning point (last up pulse) and the end whatever the stride.
  const turn = rows.findLastIndex((r) => r.direction === 'up');
  const kept = rows.filter((_, i) => i % stride === 0 || i === turn || i === rows.length - 1);
  const series = (label: string, color: string, f: (r: TrajectoryRow) => number, dash?: string) => ({
    label, color, dash, points: kept.map((r) => [r.pulse, f(r) * 1e6] as const),
  });
  return linePlot({
    title,
    xLabel: 'pulse (up, then down)',
    yLabel: 'conductance (µS)',
    series: [
      series('mean', '#1f77b4', (r) => r.mean),
      series('mean + std', '#ff7f0e', (r) => r.mean + r.std, '6 4'),
      series('mean − std', '#2ca02c', (r) => r.mean - r.std, '6 4'),
    ],
  });
}
