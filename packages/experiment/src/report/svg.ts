/**
 * A small SVG plotting kit for the report page: line plots, grouped bar charts and step histograms,
 * each a standalone `<svg>` string with axes, ticks, labels and a legend. No scripts and no external
 * resources, so the page renders offline and the markup can be checked by plain string parsing.
 */

export interface LineSeries {
  readonly label: string;
  readonly color: string;
  /** SVG stroke-dasharray, e.g. "6 4" for a dashed line. */
  readonly dash?: string;
  readonly points: readonly (readonly [number, number])[];
  /** Error-bar half-lengths, one per point (drawn as ± whiskers); omitted: no error bars. */
  readonly errors?: readonly number[];
  /** A shaded area from lo to hi, one pair per point (e.g. mean ± std over seeds). */
  readonly band?: readonly (readonly [number, number])[];
  /** Whiskers from lo to hi, one pair per point (e.g. min and max over seeds). */
  readonly whiskers?: readonly (readonly [number, number])[];
}

export interface BarSeries {
  readonly label: string;
  readonly color: string;
  /** One value per group. */
  readonly values: readonly number[];
}

export interface HistogramSeries {
  readonly label: string;
  readonly color: string;
  /** Bin edges (counts.length + 1 of them, increasing). */
  readonly edges: readonly number[];
  readonly counts: readonly number[];
}

export interface Frame {
  readonly title: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
}

const W = 560;
const PLOT_H = 260;
const M = { left: 64, right: 16, top: 30, bottom: 44 };
/** The plot area every chart shares (for charts built on `chart` elsewhere). */
export const PLOT_AREA = { width: W, height: PLOT_H, margin: M } as const;
const LEGEND_ROW = 18;

/** Escapes text for element content and attribute values. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const num = (v: number) => (Math.round(v * 100) / 100).toString();

/** About `count` round tick values covering [min, max] (steps of 1, 2 or 5 × 10ⁿ). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

/** Short tick text: 0.25, 1.5k, 3.2M, 1e-6. */
export function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e9) return `${+(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a < 1e-2) return v.toExponential(1).replace('.0e', 'e');
  return `${+v.toPrecision(3)}`;
}

type Scale = (v: number) => number;
const linear = (d0: number, d1: number, r0: number, r1: number): Scale =>
  d1 === d0 ? () => (r0 + r1) / 2 : (v) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0);

/** Padded extent of `values`; a flat extent is widened so it still has a visible range. */
function extent(values: readonly number[], includeZero = false): [number, number] {
  let lo = Math.min(...values, ...(includeZero ? [0] : []));
  let hi = Math.max(...values, ...(includeZero ? [0] : []));
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi === lo) [lo, hi] = [lo - (Math.abs(lo) || 1) * 0.5, hi + (Math.abs(hi) || 1) * 0.5];
  return [lo, hi];
}

/** The frame shared by every chart: title, axis lines, ticks with grid lines, axis labels, legend. */
export function chart(frame: Frame, xTicks: readonly { at: number; text: string }[], yTicks: readonly { at: number; text: string }[],
  body: string, legend: readonly { label: string; color: string; dash?: string; bar?: boolean }[]): string {
  const height = M.top + PLOT_H + M.bottom + legend.length * LEGEND_ROW + (legend.length ? 6 : 0);
  const x0 = M.left;
  const x1 = W - M.right;
  const y0 = M.top + PLOT_H;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="plot" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" role="img" aria-label="${esc(frame.title)}">`,
    `<title>${esc(frame.title)}</title>`,
    `<text class="title" x="${W / 2}" y="18" text-anchor="middle">${esc(frame.title)}</text>`,
    ...yTicks.map((t) => `<line class="grid" x1="${x0}" x2="${x1}" y1="${num(t.at)}" y2="${num(t.at)}"/><text class="tick" x="${x0 - 6}" y="${num(t.at + 4)}" text-anchor="end">${esc(t.text)}</text>`),
    ...xTicks.map((t) => `<line class="axis" x1="${num(t.at)}" x2="${num(t.at)}" y1="${y0}" y2="${y0 + 5}"/><text class="tick" x="${num(t.at)}" y="${y0 + 18}" text-anchor="middle">${esc(t.text)}</text>`),
    body,
    `<line class="axis" x1="${x0}" x2="${x1}" y1="${y0}" y2="${y0}"/><line class="axis" x1="${x0}" x2="${x0}" y1="${M.top}" y2="${y0}"/>`,
  ];
  if (frame.xLabel) parts.push(`<text class="label" x="${(x0 + x1) / 2}" y="${y0 + 36}" text-anchor="middle">${esc(frame.xLabel)}</text>`);
  if (frame.yLabel) parts.push(`<text class="label" transform="translate(14 ${M.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle">${esc(frame.yLabel)}</text>`);
  parts.push('<g class="legend">');
  legend.forEach((e, i) => {
    const y = M.top + PLOT_H + M.bottom + 6 + i * LEGEND_ROW;
    const mark = e.bar
      ? `<rect x="${x0}" y="${y - 5}" width="20" height="10" fill="${e.color}"/>`
      : `<line x1="${x0}" x2="${x0 + 20}" y1="${y}" y2="${y}" stroke="${e.color}" stroke-width="2.5"${e.dash ? ` stroke-dasharray="${e.dash}"` : ''}/>`;
    parts.push(`${mark}<text class="legend-text" x="${x0 + 28}" y="${y + 4}">${esc(e.label)}</text>`);
  });
  parts.push('</g></svg>');
  return parts.join('\n');
}

/** Lines through (x, y) points, one per series, with a marker at each point. */
export function linePlot(frame: Frame & {
  readonly series: readonly LineSeries[];
  readonly yDomain?: readonly [number, number];
  /** Fixed x ticks (position, text), e.g. for categories or a log axis the caller has transformed; default: round values. */
  readonly xTicks?: readonly (readonly [number, string])[];
}): string {
  const all = frame.series.flatMap((s) => s.points);
  const [xa, xb] = extent([...all.map((p) => p[0]), ...(frame.xTicks ?? []).map((t) => t[0])]);
  const whiskers = frame.series.flatMap((s) => s.points.flatMap((p, i) => [p[1] - (s.errors?.[i] ?? 0), p[1] + (s.errors?.[i] ?? 0)]));
  const spans = frame.series.flatMap((s) => [...(s.band ?? []), ...(s.whiskers ?? [])].flat());
  const [ya, yb] = frame.yDomain ?? extent([...whiskers, ...spans]);
  const xs = frame.xTicks ? frame.xTicks.map((t) => t[0]) : niceTicks(xa, xb, Math.min(8, Math.max(1, Math.round(xb - xa))));
  const xText = frame.xTicks ? frame.xTicks.map((t) => t[1]) : xs.map(formatTick);
  const ys = niceTicks(ya, yb);
  const x = linear(xa, xb, M.left + 10, W - M.right - 10);
  const y = linear(Math.min(ya, ys[0]!), Math.max(yb, ys.at(-1)!), M.top + PLOT_H, M.top);
  const body = frame.series.map((s) => {
    const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${num(x(p[0]))},${num(y(p[1]))}`).join(' ');
    const dots = s.points.map((p) => `<circle cx="${num(x(p[0]))}" cy="${num(y(p[1]))}" r="3" fill="${s.color}"/>`).join('');
    const bars = (s.errors ?? []).map((e, i) => {
      const p = s.points[i];
      if (!p || !(e > 0)) return '';
      const [cx, lo, hi] = [num(x(p[0])), num(y(p[1] - e)), num(y(p[1] + e))];
      return `<path class="error-bar" d="M${cx},${lo} L${cx},${hi} M${num(x(p[0]) - 4)},${lo} L${num(x(p[0]) + 4)},${lo} M${num(x(p[0]) - 4)},${hi} L${num(x(p[0]) + 4)},${hi}" stroke="${s.color}" stroke-width="1.2" fill="none"/>`;
    }).join('');
    const band = s.band?.length === s.points.length
      ? `<path class="band" d="${s.points.map((p, i) => `${i ? 'L' : 'M'}${num(x(p[0]))},${num(y(s.band![i]![1]))}`).join(' ')} `
        + `${[...s.points].reverse().map((p, j) => `L${num(x(p[0]))},${num(y(s.band![s.points.length - 1 - j]![0]))}`).join(' ')} Z" fill="${s.color}" fill-opacity="0.15" stroke="none"/>`
      : '';
    const ranges = (s.whiskers ?? []).map(([lo, hi], i) => {
      const p = s.points[i];
      if (!p || !(hi > lo)) return '';
      const [cx, a, b] = [x(p[0]), num(y(lo)), num(y(hi))];
      return `<path class="whisker" d="M${num(cx)},${a} L${num(cx)},${b} M${num(cx - 5)},${a} L${num(cx + 5)},${a} M${num(cx - 5)},${b} L${num(cx + 5)},${b}" stroke="${s.color}" stroke-width="1.2" fill="none"/>`;
    }).join('');
    return `<g class="series" data-label="${esc(s.label)}">${band}<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>${dots}${bars}${ranges}</g>`;
  }).join('\n');
  return chart(frame, xs.map((t, i) => ({ at: x(t), text: xText[i]! })), ys.map((t) => ({ at: y(t), text: formatTick(t) })), body, frame.series);
}

/** Grouped bars: one group per entry of `groups`, one bar per series; `log` uses a log₁₀ value axis. */
export function barChart(frame: Frame & { readonly groups: readonly string[]; readonly series: readonly BarSeries[]; readonly log?: boolean }): string {
  const values = frame.series.flatMap((s) => s.values).filter((v) => Number.isFinite(v));
  const plotW = W - M.left - M.right;
  const groupW = plotW / Math.max(1, frame.groups.length);
  const barW = (groupW * 0.8) / Math.max(1, frame.series.length);
  let y: Scale;
  let yTicks: { at: number; text: string }[];
  if (frame.log) {
    const positive = values.filter((v) => v > 0);
    const lo = Math.floor(Math.log10(Math.min(...positive, 1)));
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...positive, 10))));
    const s = linear(lo, hi, M.top + PLOT_H, M.top);
    y = (v) => (v > 0 ? s(Math.log10(v)) : M.top + PLOT_H);
    const step = Math.max(1, Math.ceil((hi - lo) / 6));
    yTicks = [];
    for (let e = lo; e <= hi; e += step) yTicks.push({ at: s(e), text: formatTick(10 ** e) });
  } else {
    const [lo, hi] = extent(values, true);
    const ticks = niceTicks(lo, hi);
    y = linear(Math.min(lo, ticks[0]!), Math.max(hi, ticks.at(-1)!), M.top + PLOT_H, M.top);
    yTicks = ticks.map((t) => ({ at: y(t), text: formatTick(t) }));
  }
  const base = frame.log ? M.top + PLOT_H : y(0);
  const body = frame.series.map((s, si) => {
    const bars = s.values.map((v, gi) => {
      const top = y(v);
      const bx = M.left + gi * groupW + groupW * 0.1 + si * barW;
      return `<rect x="${num(bx)}" y="${num(Math.min(top, base))}" width="${num(barW * 0.92)}" height="${num(Math.abs(base - top))}" fill="${s.color}"><title>${esc(`${frame.groups[gi]}, ${s.label}: ${v.toLocaleString('en-US')}`)}</title></rect>`;
    }).join('');
    return `<g class="series" data-label="${esc(s.label)}">${bars}</g>`;
  }).join('\n');
  const xTicks = frame.groups.map((g, i) => ({ at: M.left + (i + 0.5) * groupW, text: g }));
  return chart(frame, xTicks, yTicks, body, frame.series.map((s) => ({ ...s, bar: true })));
}

/** Step outlines of binned counts, overlaid, one per series (bins may differ between series). */
export function histogramPlot(frame: Frame & { readonly series: readonly HistogramSeries[] }): string {
  const [xa, xb] = extent(frame.series.flatMap((s) => [s.edges[0]!, s.edges.at(-1)!]));
  const [, ymax] = extent(frame.series.flatMap((s) => s.counts), true);
  const xs = niceTicks(xa, xb);
  const ys = niceTicks(0, ymax);
  const x = linear(xa, xb, M.left + 4, W - M.right - 4);
  const y = linear(0, Math.max(ymax, ys.at(-1)!), M.top + PLOT_H, M.top);
  const body = frame.series.map((s) => {
    let d = `M${num(x(s.edges[0]!))},${num(y(0))}`;
    s.counts.forEach((c, i) => (d += ` L${num(x(s.edges[i]!))},${num(y(c))} L${num(x(s.edges[i + 1]!))},${num(y(c))}`));
    d += ` L${num(x(s.edges.at(-1)!))},${num(y(0))}`;
    return `<g class="series" data-label="${esc(s.label)}"><path d="${d}" fill="${s.color}" fill-opacity="0.18" stroke="${s.color}" stroke-width="1.5"/></g>`;
  }).join('\n');
  return chart(frame, xs.filter((t) => t >= xa && t <= xb).map((t) => ({ at: x(t), text: formatTick(t) })),
    ys.map((t) => ({ at: y(t), text: formatTick(t) })), body, frame.series);
}
