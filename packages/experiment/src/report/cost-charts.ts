import { chart, esc, formatTick, niceTicks, PLOT_AREA, type BarSeries, type Frame } from './svg.js';

const { width: W, height: H, margin: M } = PLOT_AREA;
const num = (v: number) => (Math.round(v * 100) / 100).toString();
const scale = (d0: number, d1: number, r0: number, r1: number) => (v: number) => (d1 === d0 ? (r0 + r1) / 2 : r0 + ((v - d0) / (d1 - d0)) * (r1 - r0));

/** One bar per group, its series stacked bottom-up in order (all values ≥ 0). */
export function stackedBarChart(frame: Frame & { readonly groups: readonly string[]; readonly series: readonly BarSeries[] }): string {
  const totals = frame.groups.map((_, g) => frame.series.reduce((s, x) => s + Math.max(0, x.values[g] ?? 0), 0));
  const ticks = niceTicks(0, Math.max(...totals, 0) || 1);
  const y = scale(0, Math.max(ticks.at(-1)!, ...totals), M.top + H, M.top);
  const groupW = (W - M.left - M.right) / Math.max(1, frame.groups.length);
  const barW = groupW * 0.7;
  const bars = frame.groups.map((g, gi) => {
    let base = 0;
    const x = M.left + gi * groupW + (groupW - barW) / 2;
    return frame.series.map((s) => {
      const v = Math.max(0, s.values[gi] ?? 0);
      const top = base + v;
      const rect = v > 0 ? `<rect x="${num(x)}" y="${num(y(top))}" width="${num(barW)}" height="${num(y(base) - y(top))}" fill="${s.color}"><title>${esc(`${g}, ${s.label}: ${v.toPrecision(4)}`)}</title></rect>` : '';
      base = top;
      return rect;
    }).join('');
  }).join('\n');
  const xTicks = frame.groups.map((g, i) => ({ at: M.left + (i + 0.5) * groupW, text: g }));
  return chart(frame, xTicks, ticks.map((t) => ({ at: y(t), text: formatTick(t) })), `<g class="stacked">${bars}</g>`, frame.series.map((s) => ({ label: s.label, color: s.color, bar: true })));
}

export interface ScatterPoint {
  readonly x: number;
  readonly y: number;
  readonly label: string;
}

/**
 * The points that no other point beats: none has both lower (or equal) x and higher (or equal) y with one
 * of them strictly better. Sorted by x. For accuracy against energy: the cheapest way to each accuracy.
 */
export function paretoFront<P extends ScatterPoint>(points: readonly P[]): P[] {
  const front = points.filter((p) => !points.some((q) => q !== p && q.x <= p.x && q.y >= p.y && (q.x < p.x || q.y > p.y)));
  return [...front].sort((a, b) => a.x - b.x || b.y - a.y);
}

/** Points (x on a log axis when they span 20× or more) with the Pareto front drawn through its members. */
export function paretoPlot(frame: Frame & { readonly points: readonly ScatterPoint[] }): string {
  const xs = frame.points.map((p) => p.x);
  const log = Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 20;
  const tx = (v: number) => (log ? Math.log10(v) : v);
  let [xa, xb] = [Math.min(...xs.map(tx)), Math.max(...xs.map(tx))];
  if (xa === xb) [xa, xb] = [xa - (Math.abs(xa) || 1) * 0.05, xb + (Math.abs(xb) || 1) * 0.05];
  const ys = frame.points.map((p) => p.y);
  const yt = niceTicks(Math.min(...ys), Math.max(...ys) === Math.min(...ys) ? Math.min(...ys) + 1 : Math.max(...ys));
  const x = scale(xa, xb, M.left + 14, W - M.right - 14);
  const y = scale(yt[0]!, yt.at(-1)!, M.top + H, M.top);
  const front = paretoFront(frame.points);
  const dots = frame.points.map((p) => {
    const on = front.includes(p);
    return `<circle cx="${num(x(tx(p.x)))}" cy="${num(y(p.y))}" r="${on ? 4.5 : 3.5}" fill="${on ? '#d62728' : '#1f77b4'}" fill-opacity="${on ? 1 : 0.6}"><title>${esc(`${p.label}: ${p.y.toPrecision(4)} at ${p.x.toPrecision(4)}`)}</title></circle>`;
  }).join('');
  const line = `<path class="pareto" d="${front.map((p, i) => `${i ? 'L' : 'M'}${num(x(tx(p.x)))},${num(y(p.y))}`).join(' ')}" fill="none" stroke="#d62728" stroke-width="1.5" stroke-dasharray="5 3"/>`;
  const xt = log
    ? Array.from({ length: Math.floor(xb) - Math.ceil(xa) + 1 }, (_, i) => Math.ceil(xa) + i).map((e) => ({ at: x(e), text: formatTick(10 ** e) }))
    : niceTicks(xa, xb).map((t) => ({ at: x(t), text: formatTick(t) }));
  return chart(frame, xt.length ? xt : [{ at: x(xa), text: formatTick(log ? 10 ** xa : xa) }], yt.map((t) => ({ at: y(t), text: formatTick(t) })), `${line}${dots}`, [
    { label: 'grid point', color: '#1f77b4' }, { label: 'Pareto front (no point is cheaper and more accurate)', color: '#d62728', dash: '5 3' },
  ]);
}
