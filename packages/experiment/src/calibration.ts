import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { networkServices, RngFactory, samplesPerEpoch, Trainer, trainingRecipe, type Dataset, type DependencyContainer, type LayerPlan, type ReadDirection, type ResolvedSpec, type TiledCrossbar } from '@txsim/core';
import { buildNetwork, type Sequential } from '@txsim/models';

/** `calibration.json` in a run directory: the scales a run fixed before or early in training. */
export const CALIBRATION_FILE = 'calibration.json';

/** How a layer's weights map to conductance: G± = gmid ± w·siemensPerWeight/2, |w| ≤ wMax. */
export interface MappingRecord {
  readonly wMax: number;
  readonly siemensPerWeight: number;
  /** native-run: headroom × max|W| of a short digital run; autoScale: autoScale × max|initial W|; spec: wMax as given. */
  readonly source: 'native-run' | 'autoScale' | 'spec';
  /** native-run: max|W| at the end of the digital run, after `batches` minibatches, and the headroom applied. */
  readonly nativeMaxAbs?: number;
  readonly batches?: number;
  readonly headroom?: number;
  readonly autoScale?: number;
}

/** One read direction's ADC full scales, per tile as [tile row][tile column], in the ADC's input unit (A). */
export interface AdcRecord {
  readonly plugin: string;
  /** given: the spec's fullScale; calibrated: from the largest |output| of each tile's first reads; unquantised: bits 0. */
  readonly source: 'given' | 'calibrated' | 'unquantised' | 'unknown';
  /** null for a tile not read yet (its full scale is still open). */
  readonly fullScale?: ReadonlyArray<ReadonlyArray<number | null>>;
  /** Reads each tile's calibration has seen (it freezes after the ADC's calibrationReads). */
  readonly reads?: ReadonlyArray<ReadonlyArray<number>>;
}

export interface LayerCalibration {
  readonly mapping: MappingRecord;
  readonly adc: Readonly<Record<ReadDirection, AdcRecord>>;
}

export interface CalibrationRecord {
  readonly version: 1;
  readonly layers: Readonly<Record<string, LayerCalibration>>;
}

/** What a native run found for one layer. */
export interface NativeScale {
  /** headroom × maxAbs: the layer's wMax. */
  readonly wMax: number;
  readonly maxAbs: number;
  readonly batches: number;
  readonly headroom: number;
}

/** The mapping source a plan asks for; an explicit wMax wins over calibrate, which wins over autoScale. */
function mappingSource(plan: LayerPlan): MappingRecord['source'] | undefined {
  const m = plan.crossbar?.mapping;
  if (!m) return undefined;
  return m.wMax !== undefined ? 'spec' : m.calibrate ? 'native-run' : 'autoScale';
}

/** Layers whose wMax comes from a native run. */
export function layersToCalibrate(resolved: ResolvedSpec): LayerPlan[] {
  return resolved.layers.filter((p) => mappingSource(p) === 'native-run');
}

/**
 * TxSim's per-layer Scale_Layer-k, from W_max of a native (software) run: trains the same network
 * digitally with the same seed, data and batches as the run (its own random streams, so the run's are
 * untouched) and measures max|W| of each calibrated layer after that layer's `batches` minibatches.
 */
export async function nativeScales(container: DependencyContainer, resolved: ResolvedSpec, train: Dataset, test: Dataset): Promise<Map<string, NativeScale>> {
  const wanted = layersToCalibrate(resolved);
  const out = new Map<string, NativeScale>();
  if (!wanted.length) return out;
  const scope = container.createChildContainer();
  scope.register(RngFactory, { useValue: new RngFactory(resolved.spec.seed) });
  const net = buildNetwork({ spec: resolved.spec, layers: resolved.layers.map((l) => ({ ...l, crossbar: null })) }, networkServices(scope));
  const { batchSize, sampler } = resolved.spec.training;
  const perEpoch = Math.ceil(samplesPerEpoch(sampler, train.labels.length) / batchSize);
  const last = Math.max(...wanted.map((p) => p.crossbar!.mapping.calibrate!.batches));
  const stop = new AbortController();
  const onBatch = (epoch: number, batch: number) => {
    const done = (epoch - 1) * perEpoch + batch;
    const due = wanted.filter((p) => p.crossbar!.mapping.calibrate!.batches === done);
    // The digital layers' state holds their weights (dense and convolution layers alike).
    const state = due.length ? net.state() : {};
    for (const plan of due) {
      const { batches, headroom } = plan.crossbar!.mapping.calibrate!;
      const weights = state[plan.name]?.weights;
      if (!weights) throw new Error(`native run: layer ${plan.name} has no digital weights`);
      let maxAbs = 0;
      for (const w of weights) maxAbs = Math.max(maxAbs, Math.abs(w));
      out.set(plan.name, { wMax: headroom * maxAbs, maxAbs, batches, headroom });
    }
    if (done >= last) stop.abort();
  };
  // A run longer than an epoch evaluates in between; a small test slice keeps that cheap (it is not reported).
  const n = Math.min(test.labels.length, batchSize);
  const probe = { inputs: test.inputs.rowSlice(0, n), labels: test.labels.subarray(0, n) };
  await scope.resolve(Trainer).train(net, train, probe, {
    // The native run's own loss, rates (the schedule as the full run's epochs set it) and sampler.
    ...trainingRecipe(resolved.spec), epochs: Math.ceil(last / perEpoch), batchSize, sampler, reporters: [{ onBatch }], signal: stop.signal,
  });
  return out;
}

/** The plans with each native-run layer's wMax fixed (the crossbar is then built with it). */
export function withWMax(resolved: ResolvedSpec, native: ReadonlyMap<string, NativeScale>): ResolvedSpec {
  return {
    ...resolved,
    layers: resolved.layers.map((p) => {
      const w = native.get(p.name)?.wMax;
      return w === undefined || !p.crossbar ? p : { ...p, crossbar: { ...p.crossbar, mapping: { ...p.crossbar.mapping, wMax: w } } };
    }),
  };
}

/** The native-run scales an earlier part of the run recorded (a resumed run reuses them; it does not recalibrate). */
export function recordedScales(runDir: string, resolved: ResolvedSpec): Map<string, NativeScale> {
  const wanted = layersToCalibrate(resolved);
  const out = new Map<string, NativeScale>();
  if (!wanted.length) return out;
  const file = join(runDir, CALIBRATION_FILE);
  let record: CalibrationRecord;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as CalibrationRecord;
  } catch {
    throw new Error(`${file} is missing or unreadable; the run's native-run weight scales cannot be recovered without it`);
  }
  for (const plan of wanted) {
    const m = record.layers[plan.name]?.mapping;
    if (m?.source !== 'native-run' || !(m.wMax > 0)) throw new Error(`${file} has no native-run wMax for layer ${plan.name}`);
    out.set(plan.name, { wMax: m.wMax, maxAbs: m.nativeMaxAbs ?? Number.NaN, batches: m.batches ?? 0, headroom: m.headroom ?? Number.NaN });
  }
  return out;
}

type CalibrationSnapshot = Array<{ block: number; reads: number; max: number[] }>;

const isCalibration = (s: unknown): s is CalibrationSnapshot => Array.isArray(s)
  && s.every((e) => typeof e === 'object' && e !== null && typeof (e as { block: unknown }).block === 'number' && Array.isArray((e as { max: unknown }).max));

/**
 * A read direction's full scales as a tile grid. The ADC keeps one entry per block (a tile row when
 * reading forward, a tile column backward) with one value per tile of that block.
 */
function adcRecord(cb: TiledCrossbar, plan: LayerPlan, dir: ReadDirection): AdcRecord {
  const ref = plan.crossbar!.read[dir].adc;
  const { gridRows, gridCols } = cb.geometry;
  const grid = <T>(fill: T) => Array.from({ length: gridRows }, () => new Array<T>(gridCols).fill(fill));
  const given = ref.params.fullScale;
  if (typeof given === 'number' && given > 0) return { plugin: ref.name, source: 'given', fullScale: grid(given) };
  if (ref.params.bits === 0) return { plugin: ref.name, source: 'unquantised' };
  const state = cb.components.read[dir].adc.snapshot?.();
  if (!isCalibration(state)) return { plugin: ref.name, source: 'unknown' };
  const fullScale = grid<number | null>(null);
  const reads = grid(0);
  for (const { block, reads: n, max } of state) {
    max.forEach((v, g) => {
      const [r, c] = dir === 'forward' ? [block, g] : [g, block];
      if (r < gridRows && c < gridCols) {
        fullScale[r]![c] = v;
        reads[r]![c] = n;
      }
    });
  }
  return { plugin: ref.name, source: 'calibrated', fullScale, reads };
}

/**
 * Every analog layer's weight mapping and ADC full scales as they stand. Reads the ADCs' own
 * snapshots only (not the crossbar's, which would drop the effective-conductance cache mid-run).
 */
export function calibrationRecord(resolved: ResolvedSpec, net: Sequential, native: ReadonlyMap<string, NativeScale>): CalibrationRecord {
  const layers: Record<string, LayerCalibration> = {};
  for (const plan of resolved.layers) {
    const layer = net.layers.find((l) => l.name === plan.name);
    if (!plan.crossbar || !layer || !('crossbar' in layer)) continue;
    const cb = layer.crossbar as TiledCrossbar;
    const source = mappingSource(plan)!;
    const n = native.get(plan.name);
    const mapping: MappingRecord = {
      wMax: cb.components.wMax,
      siemensPerWeight: cb.siemensPerWeight,
      source,
      ...(source === 'native-run' && n ? { nativeMaxAbs: n.maxAbs, batches: n.batches, headroom: n.headroom } : {}),
      ...(source === 'autoScale' ? { autoScale: plan.crossbar.mapping.autoScale } : {}),
    };
    layers[plan.name] = { mapping, adc: { forward: adcRecord(cb, plan, 'forward'), backward: adcRecord(cb, plan, 'backward') } };
  }
  return { version: 1, layers };
}
