import type { PluginKind } from '@txsim/core';
import type { LayerSummary } from '../run-dir.js';
import { formatValue } from '@txsim/core';
import type { RunData } from './load.js';
import { esc } from './svg.js';
import type { ParamUnits } from './units.js';

type Json = Readonly<Record<string, unknown>>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A slot or stack entry of the resolved spec. */
export interface PluginRef {
  readonly name: string;
  readonly params?: Json;
  readonly phases?: readonly string[];
}
const isRef = (v: unknown): v is PluginRef => isObject(v) && typeof v.name === 'string';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The resolved spec's slots, in table order, with the plugin kind that gives their params' units. */
export const SLOTS: ReadonlyArray<readonly [slot: string, kind: PluginKind, title: string]> = [
  ['device', 'device', 'device'],
  ['dac', 'dac', 'DAC'],
  ['senseAmp', 'sense-amp', 'sense amp'],
  ['adc', 'adc', 'ADC'],
  ['updateRule', 'update-rule', 'update rule'],
];

/**
 * Spec merging as the resolver does it (objects merge, arrays and scalars replace), except that a slot
 * naming another plugin replaces the slot: the old plugin's params mean nothing to the new one.
 */
function merge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  if (isRef(base) && isRef(over) && base.name !== over.name) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

const CONVERTERS = ['dac', 'senseAmp', 'adc'] as const;

/** A crossbar section with every slot filled in, as a resolved spec records it (not a partial override). */
function isResolved(cb: unknown): cb is Json {
  if (!isObject(cb) || !isObject(cb.backward) || !Array.isArray(cb.nonidealities) || !isObject(cb.tile) || !isObject(cb.mapping)) return false;
  const backward = cb.backward;
  return SLOTS.every(([slot]) => isRef(cb[slot])) && CONVERTERS.every((k) => isRef(backward[k]));
}

/**
 * A layer's effective crossbar: a fully resolved `layers.<name>.crossbar` as it stands, else the
 * override (what the user wrote) merged over the experiment-wide `crossbar`. The resolver merges an
 * override over the spec as written, where an unset backward converter follows the forward one; the
 * recorded spec has those filled in, so a backward converter equal to the forward one follows the
 * layer's forward converter here (one written out equal to it would not, and is not told apart).
 */
export function layerCrossbar(spec: Json | undefined, layer: string): Json | undefined {
  const base = spec?.crossbar;
  const over = (isObject(spec?.layers) ? (spec.layers as Json)[layer] : undefined) as { crossbar?: unknown; digital?: boolean } | undefined;
  if (over?.digital) return undefined;
  if (isResolved(over?.crossbar)) return over.crossbar;
  const merged = merge(base, over?.crossbar);
  if (!isObject(merged) || !isObject(base) || !isObject(over?.crossbar)) return isObject(merged) ? merged : undefined;
  const baseBack = (isObject(base.backward) ? base.backward : {}) as Json;
  const overBack = (isObject(over.crossbar.backward) ? over.crossbar.backward : {}) as Json;
  const backward: Record<string, unknown> = { ...(merged.backward as Json | undefined) };
  for (const k of CONVERTERS) {
    if (overBack[k] === undefined && same(baseBack[k], base[k])) backward[k] = merged[k];
  }
  return { ...merged, backward };
}

export interface LayerConfig {
  readonly name: string;
  readonly kind: 'analog' | 'digital';
  readonly summary?: LayerSummary;
  /** The effective crossbar settings of an analog layer. */
  readonly crossbar?: Json;
}

/** Every layer of a run, in network order, with its effective hardware configuration. */
export function layerConfigs(run: RunData): LayerConfig[] {
  const spec = run.spec;
  const overrides = isObject(spec?.layers) ? Object.keys(spec.layers as Json) : [];
  const layers: Array<{ name: string; summary?: LayerSummary }> = run.summary?.layers?.map((l) => ({ name: l.name, summary: l }))
    ?? [...new Set([...Object.keys(run.calibration?.layers ?? {}), ...overrides])].map((name) => ({ name }));
  return layers.map(({ name, summary }) => {
    const crossbar = layerCrossbar(spec, name);
    const kind = summary?.kind ?? (crossbar && !run.summary?.digital ? 'analog' : 'digital');
    return kind === 'analog' ? { name, kind, summary, crossbar } : { name, kind, summary };
  });
}

/** "rmin 100 kohm, bits 2": a plugin's params with their units, in recorded order. */
export function formatParams(kind: PluginKind, ref: PluginRef, units: ParamUnits): string {
  return Object.entries(ref.params ?? {}).map(([k, v]) => `${k} ${typeof v === 'string' ? v : formatValue(v, units(kind, ref.name, k))}`).join(', ');
}

function pluginCell(kind: PluginKind, ref: unknown, units: ParamUnits): string {
  if (!isRef(ref)) return '–';
  const params = formatParams(kind, ref, units);
  return `<b>${esc(ref.name)}</b>${params ? ` <span class="params">${esc(params)}</span>` : ''}`;
}

/** A converter's cell; the backward read's converter is shown after the forward one when it differs. */
function converterCell(crossbar: Json, slot: string, kind: PluginKind, units: ParamUnits, adcSource?: string): string {
  const fwd = crossbar[slot];
  const bwd = isObject(crossbar.backward) ? (crossbar.backward as Json)[slot] : undefined;
  const source = adcSource ? ` <span class="muted">(full scale ${esc(adcSource)})</span>` : '';
  if (bwd === undefined || same(fwd, bwd)) return pluginCell(kind, fwd, units) + source;
  return `forward: ${pluginCell(kind, fwd, units)}<br>backward: ${pluginCell(kind, bwd, units)}${source}`;
}

function mappingCell(run: RunData, layer: LayerConfig): string {
  const m = (layer.crossbar?.mapping ?? {}) as { scheme?: string; wMax?: number; autoScale?: number; calibrate?: { batches: number; headroom: number } };
  const rec = run.calibration?.layers[layer.name]?.mapping;
  const scheme = esc(m.scheme ?? '–');
  if (rec) {
    const how = rec.source === 'native-run'
      ? `native run: ${rec.headroom} × max|W| ${formatValue(rec.nativeMaxAbs, '1')} after ${rec.batches} batches`
      : rec.source === 'autoScale' ? `autoScale ${rec.autoScale} × max|initial W|` : 'given in the spec';
    return `${scheme}, wMax ${esc(String(+rec.wMax.toPrecision(4)))} <span class="muted">(${esc(how)})</span>`;
  }
  // No calibration.json (an older run, or one cut off before it was written): what the spec asked for.
  const asked = m.wMax !== undefined ? `wMax ${m.wMax} (given)` : m.calibrate ? `wMax from a native run of ${m.calibrate.batches} batches` : `wMax from autoScale ${m.autoScale}`;
  return `${scheme}, ${esc(asked)}`;
}

function stackCell(crossbar: Json, units: ParamUnits): string {
  const stack = Array.isArray(crossbar.nonidealities) ? crossbar.nonidealities.filter(isRef) : [];
  if (!stack.length) return '<span class="muted">none</span>';
  return `<ol class="stack">${stack.map((ref) => `<li>${pluginCell('nonideality', ref, units)}${ref.phases ? ` <span class="muted">[${esc(ref.phases.join(', '))}]</span>` : ''}</li>`).join('')}</ol>`;
}

function tilesCell(layer: LayerConfig): string {
  const t = layer.summary?.tiles;
  const tile = layer.crossbar?.tile as { rows?: number; cols?: number; fit?: boolean } | undefined;
  if (t) return `${t.rows}×${t.cols}, grid ${t.grid[0]}×${t.grid[1]} (${t.grid[0] * t.grid[1]} tiles)`;
  return tile ? `${tile.rows}×${tile.cols}${tile.fit ? ' (fit)' : ''}` : '–';
}

/** The hardware configuration table: one column per layer, one row per setting. */
export function configTable(run: RunData, units: ParamUnits): string {
  const layers = layerConfigs(run);
  if (!layers.length) return '<div class="missing">No layers recorded (no summary.json, calibration.json or layer overrides).</div>';
  const adcSources = (l: LayerConfig) => {
    const adc = run.calibration?.layers[l.name]?.adc;
    if (!adc) return undefined;
    return adc.forward.source === adc.backward.source ? adc.forward.source : `forward ${adc.forward.source}, backward ${adc.backward.source}`;
  };
  const rows: Array<[string, string, (l: LayerConfig) => string]> = [
    ['kind', 'kind', (l) => l.kind],
    ['size', 'inputs × outputs', (l) => (l.summary ? `${l.summary.inputs} × ${l.summary.outputs}` : '–')],
    ['tiles', 'tile size, grid', tilesCell],
    ...SLOTS.map(([slot, kind, title]): [string, string, (l: LayerConfig) => string] => [slot, title, (l) => (
      slot === 'adc' ? converterCell(l.crossbar!, slot, kind, units, adcSources(l))
        : slot === 'dac' || slot === 'senseAmp' ? converterCell(l.crossbar!, slot, kind, units) : pluginCell(kind, l.crossbar![slot], units))]),
    ['mapping', 'mapping', (l) => mappingCell(run, l)],
    ['nonidealities', 'non-idealities (in order)', (l) => stackCell(l.crossbar!, units)],
  ];
  const head = `<tr><th>setting</th>${layers.map((l) => `<th>${esc(l.name)}</th>`).join('')}</tr>`;
  const body = rows.map(([key, title, cell]) => {
    const cells = layers.map((l) => {
      const digital = l.kind === 'digital' && !['kind', 'size'].includes(key);
      return `<td data-layer="${esc(l.name)}">${digital ? '<span class="muted">digital</span>' : cell(l)}</td>`;
    });
    return `<tr data-setting="${key}"><th>${esc(title)}</th>${cells.join('')}</tr>`;
  });
  return `<table class="config">${head}${body.join('')}</table>`;
}

/** The plugin packs a run loaded (environment.json): name, version, short hash. */
export function packsLine(run: RunData): string {
  const packs = run.environment?.packs;
  if (!packs) return '<p class="packs muted">Plugin packs: not recorded (no environment.json, or a run older than pack records).</p>';
  if (!packs.length) return '<p class="packs">Plugin packs: none (built-in plugins only).</p>';
  const items = packs.map((p) => `<code>${esc(p.name)}</code> ${esc(p.version)}${p.hash ? ` <span class="muted">(${esc(p.hash.slice(0, 12))})</span>` : ''}`);
  return `<p class="packs">Plugin packs: ${items.join(', ')}</p>`;
}
