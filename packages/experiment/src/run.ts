import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { BACKEND, CLOCK, dataShape, networkServices, RngFactory, Trainer, tileGeometry, type EpochMetrics, type ResolvedSpec, type TrainingReporter } from '@txsim/core';
import { buildNetwork, loadDataset } from '@txsim/models';
import { CALIBRATION_FILE, calibrationRecord, nativeScales, recordedScales, withWMax } from './calibration.js';
import { readCheckpoint, restoreCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.js';
import { createRunContainer, type BackendChoice } from './composition.js';
import { openSpec, preflight, type PluginOptions } from './open-spec.js';
import { checkPackRecords, packRecord, type PackRecord } from './packs.js';
import { collectRunDiagnostics, conductanceHistograms, writeRunDiagnostics, type Histogram } from './report/diagnostics.js';
import { checkRunDir, defaultRunDir, RunDir, type LayerSummary, type RunSummary } from './run-dir.js';
import type { SpecOverrides } from './spec-file.js';

// src/ and dist/ both sit one level below the package root.
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** Histograms of the conductances before training, for the report's start/end comparison. */
export const CONDUCTANCES_START_FILE = 'conductances-start.json';
export const ENVIRONMENT_FILE = 'environment.json';

export interface ExperimentOptions extends PluginOptions {
  /** Receive every epoch's metrics (and batch progress) besides the run directory's own record. */
  readonly reporters?: readonly TrainingReporter[];
  /** Run directory (default: runs/<spec name>-<YYYYMMDD-HHMMSS> under the working directory). */
  readonly outDir?: string;
  /** Aborting stops after the current batch; the run directory then holds the last complete epoch. */
  readonly signal?: AbortSignal;
  /** Values that replace spec fields before validation (as the CLI's --epochs, --seed… do). */
  readonly overrides?: SpecOverrides;
  /** Drop every crossbar: plain digital training of the same network, seed and data (the baseline). */
  readonly digital?: boolean;
  /** Progress lines (the network, the native-run scales, resuming); default: none. */
  readonly log?: (line: string) => void;
}

/** What a run ended as. `interrupted`: stopped by `signal`, resumable with `resumeExperiment(dir)`. */
export interface ExperimentResult {
  readonly dir: string;
  readonly status: 'completed' | 'interrupted' | 'diverged';
  /** The epochs the spec asks for. */
  readonly epochs: number;
  /** Metrics of every complete epoch, from the first (a resumed run's earlier ones included). */
  readonly history: readonly EpochMetrics[];
  /** `summary.json` as written (completed and diverged runs). */
  readonly summary?: RunSummary;
  /** Why a diverged run stopped. */
  readonly message?: string;
}

/** What `environment.json` records of the machine and software a run (or a resumed part of it) ran on. */
function environment(backend: string, seed: number | string, startedAt: Date, packs: readonly PackRecord[]) {
  return {
    txsim: version,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    // The WASM and reference kernels run on the main thread only.
    threads: 1,
    backend,
    seed,
    startedAt: startedAt.toISOString(),
    packs,
  };
}

function layerSummaries(resolved: ResolvedSpec, built: readonly { name: string; kind: string }[]): LayerSummary[] {
  return resolved.layers.map((plan) => {
    const kind: LayerSummary['kind'] = built.find((l) => l.name === plan.name)?.kind === 'analog' ? 'analog' : 'digital';
    const base = { name: plan.name, kind, inputs: plan.inputs, outputs: plan.outputs };
    if (!plan.crossbar) return base;
    const g = tileGeometry(plan.inputs, plan.outputs, plan.crossbar.tile.rows, plan.crossbar.tile.cols);
    return { ...base, tiles: { rows: g.tileRows, cols: g.tileCols, grid: [g.gridRows, g.gridCols] as const } };
  });
}

/**
 * Trains the network a spec describes (a file path, or the spec as data) and records a run directory:
 * `spec.resolved.json`, `environment.json` (with the plugin packs and their hashes), `metrics.jsonl`,
 * a checkpoint after every epoch, `calibration.json`, and at the end `summary.json` and the report's
 * diagnostics. Validation (and pack loading) happens before any data is read.
 */
export async function runExperiment(spec: string | Record<string, unknown>, options: ExperimentOptions = {}): Promise<ExperimentResult> {
  const opened = await openSpec(spec, options);
  preflight(opened.resolved, options);
  const { resolved } = opened;
  const outDir = options.outDir ?? defaultRunDir(options.digital ? `${resolved.spec.name}-digital` : resolved.spec.name, new Date(), options.cwd ? resolve(options.cwd, 'runs') : 'runs');
  checkRunDir(outDir);
  const run: Checkpoint['run'] = { specFile: opened.file, digital: options.digital ?? false };
  return execute({ resolved, packs: opened.packs.map(packRecord), packList: opened.packs, outDir, run }, options);
}

/**
 * Continues a run directory from its last checkpoint, to the same result as an uninterrupted run. The
 * packs it used are loaded again (from the paths the spec recorded, plus `options.plugins`) and must
 * hash as they did when the run started.
 */
export async function resumeExperiment(dir: string, options: Omit<ExperimentOptions, 'outDir' | 'overrides' | 'digital'> = {}): Promise<ExperimentResult> {
  const checkpoint = readCheckpoint(dir);
  const opened = await openSpec(join(dir, 'spec.resolved.json'), { ...options, digital: checkpoint.run.digital });
  const env = readEnvironment(dir);
  checkPackRecords(env.packs ?? [], opened.packs, dir);
  return execute({ resolved: opened.resolved, packs: opened.packs.map(packRecord), packList: opened.packs, outDir: dir, run: checkpoint.run, checkpoint }, options);
}

function readEnvironment(dir: string): { packs?: PackRecord[]; resumes?: unknown[] } {
  try {
    return JSON.parse(readFileSync(join(dir, ENVIRONMENT_FILE), 'utf8')) as { packs?: PackRecord[]; resumes?: unknown[] };
  } catch {
    return {};
  }
}

interface Plan {
  readonly resolved: ResolvedSpec;
  readonly packs: readonly PackRecord[];
  readonly packList: Parameters<typeof createRunContainer>[2];
  readonly outDir: string;
  readonly run: Checkpoint['run'];
  readonly checkpoint?: Checkpoint;
}

async function execute(plan: Plan, options: ExperimentOptions): Promise<ExperimentResult> {
  const { resolved, outDir, checkpoint, run: runInfo } = plan;
  const { spec } = resolved;
  const log = options.log ?? (() => {});
  if (!checkpoint) for (const w of resolved.warnings ?? []) log(`warning: ${w.path}: ${w.message}`);
  const container = createRunContainer({ seed: spec.seed, backend: spec.backend as BackendChoice, warn: log }, options.container, plan.packList);
  const clock = container.resolve(CLOCK);
  const rngs = container.resolve(RngFactory);
  const startedAt = new Date();
  const t0 = clock.now();
  const data = loadDataset(spec.data, spec.seed);
  // Native-run weight scales are measured once, when a run starts; a resumed run reads them back.
  const native = checkpoint ? recordedScales(outDir, resolved) : await nativeScales(container, resolved, data.train, data.test);
  if (!checkpoint) {
    for (const [layer, n] of native) {
      log(`${layer}: wMax ${n.wMax.toPrecision(4)} = ${n.headroom} × max|W| ${n.maxAbs.toPrecision(4)} after ${n.batches} batches of a digital run`);
    }
  }
  const net = buildNetwork(withWMax(resolved, native), networkServices(container));
  const backend = container.resolve(BACKEND).name;
  const epochs = spec.training.epochs;
  const analog = net.layers.filter((l) => l.kind === 'analog').length;
  const shape = dataShape(spec.data);
  const model = spec.model.type === 'mlp'
    ? `${[shape.channels * shape.height * shape.width, ...spec.model.hidden, shape.classes].join('-')} ${spec.model.activation} MLP`
    : `${spec.model.type} on ${shape.channels}×${shape.height}×${shape.width} inputs, ${shape.classes} classes`;
  log(`${spec.name}: ${model}, `
    + `${analog}/${resolved.layers.length} layers on crossbars, ${data.train.labels.length} training / ${data.test.labels.length} test examples, `
    + `backend ${backend}, seed ${spec.seed}`);

  const env = environment(backend, spec.seed, startedAt, plan.packs);
  const startFile = join(outDir, CONDUCTANCES_START_FILE);
  let dir: RunDir;
  if (checkpoint) {
    restoreCheckpoint(outDir, checkpoint, net, rngs);
    dir = RunDir.reopen(outDir, checkpoint.history);
    const previous = readEnvironment(outDir);
    dir.writeJson(ENVIRONMENT_FILE, { ...previous, resumes: [...(previous.resumes ?? []), { ...env, fromEpoch: checkpoint.epoch }] });
    log(`resuming ${outDir} after epoch ${checkpoint.epoch}/${epochs}`);
    if (analog) dir.writeJson(CALIBRATION_FILE, calibrationRecord(resolved, net, native));
  } else {
    dir = RunDir.create(outDir);
    dir.writeSpec(spec);
    dir.writeJson(ENVIRONMENT_FILE, env);
    // Conductance histograms before training, kept beside the checkpoints so a resumed run can report them too.
    if (analog) dir.writeJson(CONDUCTANCES_START_FILE, conductanceHistograms(net));
    if (analog) dir.writeJson(CALIBRATION_FILE, calibrationRecord(resolved, net, native));
    writeCheckpoint(outDir, 0, runInfo, [], net, rngs);
  }

  const completed: EpochMetrics[] = [...(checkpoint?.history ?? [])];
  const record: TrainingReporter = {
    onEpochEnd: (m) => {
      completed.push(m);
      dir.appendMetrics(m);
      writeCheckpoint(outDir, m.epoch, runInfo, completed, net, rngs);
      // ADC full scales are calibrated during the first reads; each epoch records them as they stand.
      if (analog) dir.writeJson(CALIBRATION_FILE, calibrationRecord(resolved, net, native));
    },
  };
  const summary = (status: RunSummary['status']): RunSummary => ({
    name: spec.name,
    specFile: runInfo.specFile,
    seed: spec.seed,
    backend,
    digital: runInfo.digital,
    epochs,
    trainExamples: data.train.labels.length,
    testExamples: data.test.labels.length,
    testAccuracy: completed.map((m) => m.testAccuracy),
    testLoss: completed.map((m) => m.testLoss),
    trainLoss: completed.map((m) => m.trainLoss),
    trainAccuracy: completed.map((m) => m.trainAccuracy),
    secondsPerEpoch: completed.map((m) => m.seconds),
    wallSeconds: clock.now() - t0,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    activity: net.activity(),
    layers: layerSummaries(resolved, net.layers),
    status,
  });

  try {
    await container.resolve(Trainer).train(net, data.train, data.test, {
      epochs,
      batchSize: spec.training.batchSize,
      learningRate: spec.training.learningRate,
      startEpoch: (checkpoint?.epoch ?? 0) + 1,
      // The user's reporters first (a progress bar clears itself before an epoch line), the record last.
      reporters: [...(options.reporters ?? []), record],
      signal: options.signal,
    });
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('training diverged')) {
      const written = summary('diverged');
      dir.writeSummary(written);
      return { dir: outDir, status: 'diverged', epochs, history: completed, summary: written, message: e.message };
    }
    throw e;
  }

  if (completed.length < epochs) return { dir: outDir, status: 'interrupted', epochs, history: completed };
  const written = summary('completed');
  dir.writeSummary(written);
  if (analog && existsSync(startFile)) {
    // After the summary: the diagnostic reads restore the activity counters anyway, and nothing trains after them.
    const start = JSON.parse(readFileSync(startFile, 'utf8')) as Record<string, Histogram>;
    const batch = data.test.inputs.rowSlice(0, Math.min(256, data.test.inputs.rows));
    writeRunDiagnostics(outDir, collectRunDiagnostics(net, { start, batch }));
  }
  return { dir: outDir, status: 'completed', epochs, history: completed, summary: written };
}
