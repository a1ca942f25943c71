import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { BACKEND, CLOCK, dataShape, networkServices, RngFactory, samplesPerEpoch, Trainer, tileGeometry, trainingRecipe, type EpochMetrics, type ResolvedSpec, type TrainingReporter } from '@txsim/core';
import { buildNetwork, loadDataset } from '@txsim/models';
import { DATA_TRANSFORMS_FILE, describeTransforms, readRecordedTransforms } from './data-record.js';
import { CALIBRATION_FILE, calibrationRecord, nativeScales, recordedScales, withWMax } from './calibration.js';
import { CHECKPOINT_FILE, CheckpointError, readCheckpoint, readPayload, removeOtherPayloads, restoreCheckpoint, sha256, verifyCheckpoint, writeCheckpoint, type Checkpoint, type RunIdentity } from './checkpoint.js';
import { createRunContainer, type BackendChoice } from './composition.js';
import { activityDelta, costPhaseTotals, countedCost, networkCostLayers, type BuiltLayer } from './cost.js';
import { openSpec, preflight, type PluginOptions } from './open-spec.js';
import { checkPackRecords, packRecord, type PackRecord } from './packs.js';
import { collectRunDiagnostics, conductanceHistograms, writeRunDiagnostics, type Histogram } from './report/diagnostics.js';
import { checkRunDir, defaultRunDir, removeStaleTmpFiles, RunDir, type LayerSummary, type RunSummary } from './run-dir.js';
import { lockRunDir, type RunLock } from './run-lock.js';
import { checkSpecFiles, specFiles, type SpecFileRecord } from './spec-files.js';
import type { SpecOverrides } from './spec-file.js';

// src/ and dist/ both sit one level below the package root.
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** Histograms of the conductances before training, for the report's start/end comparison. */
export const CONDUCTANCES_START_FILE = 'conductances-start.json';
export const ENVIRONMENT_FILE = 'environment.json';
export const SPEC_FILE = 'spec.resolved.json';

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
 * `spec.resolved.json`, `environment.json` (with the plugin packs and the files the spec's parameters
 * name, each with its hash), `metrics.jsonl`,
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
  const files = specFiles(resolved, opened.container, opened.file);
  return execute({ resolved, specText: `${JSON.stringify(resolved.spec, null, 2)}\n`, packs: opened.packs.map(packRecord), packList: opened.packs, outDir, run, files }, options);
}

/**
 * Continues a run directory from its last checkpoint, to the same result as an uninterrupted run; a
 * directory cut off before its first checkpoint starts again from epoch 0 (same seed, same weights).
 * The directory is locked for the whole resume. The checkpoint must be intact (checksums of
 * `checkpoint.json` and its payload) and belong to the directory as it stands: same `spec.resolved.json`,
 * seed, plugin packs (as `environment.json` records them and as they hash now), the content of the
 * files the spec's parameters name (as `environment.json` records their sha256) and txsim version.
 */
export async function resumeExperiment(dir: string, options: Omit<ExperimentOptions, 'outDir' | 'overrides' | 'digital'> = {}): Promise<ExperimentResult> {
  if (!existsSync(join(dir, SPEC_FILE))) {
    throw new CheckpointError(`${dir} has no ${SPEC_FILE}${existsSync(dir) ? '' : ' (no such directory)'}; only a run directory written by txsim train can be resumed`);
  }
  const lock = lockRunDir(dir);
  try {
    const stale = removeStaleTmpFiles(dir);
    if (stale.length) options.log?.(`removed ${stale.length} temporary file${stale.length > 1 ? 's' : ''} of an interrupted write: ${stale.join(', ')}`);
    const specText = readFileSync(join(dir, SPEC_FILE), 'utf8');
    const env = readEnvironment(dir);
    const files = env.files ?? [];
    const identity = runIdentity(specText, env.seed ?? parseSeed(dir, specText), env.packs ?? [], files);
    if (env.specSha256 !== undefined && env.specSha256 !== identity.specSha256) {
      throw new CheckpointError(`${join(dir, SPEC_FILE)} changed since the run started (sha256 ${identity.specSha256.slice(0, 12)}…, ${ENVIRONMENT_FILE} recorded ${env.specSha256.slice(0, 12)}…); refusing to resume`);
    }
    checkSpecFiles(files);
    const checkpoint = existsSync(join(dir, CHECKPOINT_FILE)) ? readCheckpoint(dir) : undefined;
    if (checkpoint) verifyCheckpoint(dir, checkpoint, identity);
    const run = checkpoint?.run ?? env.run;
    if (!run) throw new CheckpointError(`${join(dir, ENVIRONMENT_FILE)} does not say how the run was started; it cannot be resumed`);
    const opened = await openSpec(join(dir, SPEC_FILE), { ...options, digital: run.digital });
    checkPackRecords(env.packs ?? [], opened.packs, dir);
    if (checkpoint) {
      verifyCheckpoint(dir, checkpoint, identity, opened.resolved.spec.training.epochs);
      // Before anything is built: a corrupted payload is refused as early as a corrupted checkpoint.json.
      readPayload(dir, checkpoint);
      const old = removeOtherPayloads(dir, checkpoint.payload);
      if (old.length) options.log?.(`removed the previous checkpoint payload${old.length > 1 ? 's' : ''} an interrupted write left: ${old.join(', ')}`);
    }
    return await execute({ resolved: opened.resolved, specText, packs: opened.packs.map(packRecord), packList: opened.packs, outDir: dir, run, files, checkpoint, resumed: true, lock }, options);
  } finally {
    lock.release();
  }
}

/** What `environment.json` holds that a resume reads. */
interface EnvironmentRecord {
  backend?: string;
  seed?: number | string;
  packs?: PackRecord[];
  resumes?: unknown[];
  specSha256?: string;
  run?: Checkpoint['run'];
  files?: SpecFileRecord[];
}

/** The backend choice that gives the kernel family a run recorded (`native`, `wasm-relaxed-simd`, …); `auto` when unknown. */
export function recordedBackend(name: string | undefined): BackendChoice {
  if (name?.startsWith('native')) return 'native';
  if (name?.startsWith('wasm')) return 'wasm';
  return name === 'reference' ? 'reference' : 'auto';
}

function readEnvironment(dir: string): EnvironmentRecord {
  const file = join(dir, ENVIRONMENT_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CheckpointError(`${file} is missing; it records the plugin packs a resume must check, so the run cannot be resumed`);
  }
  try {
    return JSON.parse(text) as EnvironmentRecord;
  } catch {
    throw new CheckpointError(`${file} is not valid JSON (truncated or corrupted); refusing to resume`);
  }
}

function parseSeed(dir: string, specText: string): number | string {
  try {
    return (JSON.parse(specText) as { seed: number | string }).seed;
  } catch {
    throw new CheckpointError(`${join(dir, SPEC_FILE)} is not valid JSON (truncated or corrupted); refusing to resume`);
  }
}

function runIdentity(specText: string, seed: number | string, packs: readonly PackRecord[], files: readonly SpecFileRecord[]): RunIdentity {
  return { specSha256: sha256(specText), seed, packs: packs.map((p) => ({ name: p.name, version: p.version, hash: p.hash })), txsim: version, files };
}

interface Plan {
  readonly resolved: ResolvedSpec;
  /** `spec.resolved.json` as written (a new run) or read (a resumed one): its sha256 is part of the run's identity. */
  readonly specText: string;
  readonly packs: readonly PackRecord[];
  readonly packList: Parameters<typeof createRunContainer>[2];
  readonly outDir: string;
  readonly run: Checkpoint['run'];
  /** The files the spec's parameters name, with their sha256 when the run started. */
  readonly files: readonly SpecFileRecord[];
  readonly checkpoint?: Checkpoint;
  /** Continuing an existing directory (with or without a checkpoint in it). */
  readonly resumed?: boolean;
  /** The resumed directory's lock; a new run takes its own once the directory exists. */
  readonly lock?: RunLock;
}

async function execute(plan: Plan, options: ExperimentOptions): Promise<ExperimentResult> {
  const { resolved, outDir, checkpoint, run: runInfo } = plan;
  const { spec } = resolved;
  const log = options.log ?? (() => {});
  if (!checkpoint) for (const w of resolved.warnings ?? []) log(`warning: ${w.path}: ${w.message}`);
  // `auto` times the backends when a process starts; on a machine where they are close a resumed run could
  // pick the other one and change low bits, so a resume keeps the kernel family the run started on.
  const backendChoice = plan.resumed && spec.backend === 'auto' ? recordedBackend(existsSync(join(outDir, ENVIRONMENT_FILE)) ? readEnvironment(outDir).backend : undefined) : (spec.backend as BackendChoice);
  const container = createRunContainer({ seed: spec.seed, backend: backendChoice, warn: log }, options.container, plan.packList);
  const clock = container.resolve(CLOCK);
  const rngs = container.resolve(RngFactory);
  const startedAt = new Date();
  const t0 = clock.now();
  // A resumed run reuses the input statistics it measured when it started (data-transforms.json).
  const recordedTransforms = plan.resumed ? readRecordedTransforms(outDir) : undefined;
  const data = loadDataset(spec.data, spec.seed, { recordedTransforms });
  if (!recordedTransforms) for (const line of describeTransforms(data.transforms)) log(line);
  const transformsFile: Record<string, string> = data.transforms.length ? { [DATA_TRANSFORMS_FILE]: `${JSON.stringify({ transforms: data.transforms }, null, 2)}\n` } : {};
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

  const env = { ...environment(backend, spec.seed, startedAt, plan.packs), specSha256: sha256(plan.specText), run: runInfo, files: plan.files };
  const startFile = join(outDir, CONDUCTANCES_START_FILE);
  const identity = runIdentity(plan.specText, spec.seed, plan.packs, plan.files);
  // A new directory appears with its spec and environment in it, and is locked at once; from then on
  // `resumeExperiment` can continue it (from epoch 0 until the first checkpoint is on disk).
  const dir = plan.resumed ? RunDir.reopen(outDir, checkpoint?.history ?? []) : RunDir.create(outDir, { [SPEC_FILE]: plan.specText, [ENVIRONMENT_FILE]: `${JSON.stringify(env, null, 2)}\n`, ...transformsFile });
  const lock = plan.lock ?? lockRunDir(outDir);
  try {
    if (plan.resumed && !recordedTransforms && data.transforms.length) dir.writeJson(DATA_TRANSFORMS_FILE, { transforms: data.transforms });
    if (plan.resumed) {
      const previous = readEnvironment(outDir);
      dir.writeJson(ENVIRONMENT_FILE, { ...previous, resumes: [...(previous.resumes ?? []), { ...environment(backend, spec.seed, startedAt, plan.packs), fromEpoch: checkpoint?.epoch ?? 0 }] });
    }
    if (checkpoint) {
      restoreCheckpoint(outDir, checkpoint, net, rngs);
      log(`resuming ${outDir} after epoch ${checkpoint.epoch}/${epochs}`);
      if (analog) dir.writeJson(CALIBRATION_FILE, calibrationRecord(resolved, net, native));
    } else {
      if (plan.resumed) log(`resuming ${outDir} from the start: it was cut off before its first checkpoint`);
      // Conductance histograms before training, kept beside the checkpoints so a resumed run can report them too.
      if (analog) dir.writeJson(CONDUCTANCES_START_FILE, conductanceHistograms(net));
      if (analog) dir.writeJson(CALIBRATION_FILE, calibrationRecord(resolved, net, native));
      writeCheckpoint(outDir, { epoch: 0, run: runInfo, identity, history: [] }, net, rngs);
    }
    return await train({ ...plan, dir, lock, identity, startFile }, { container, net, data, clock, t0, startedAt, backend, analog, native }, options);
  } finally {
    if (!plan.lock) lock.release();
  }
}

interface Training {
  readonly container: ReturnType<typeof createRunContainer>;
  readonly net: ReturnType<typeof buildNetwork>;
  readonly data: ReturnType<typeof loadDataset>;
  readonly clock: { now(): number };
  readonly t0: number;
  readonly startedAt: Date;
  readonly backend: string;
  readonly analog: number;
  readonly native: Parameters<typeof calibrationRecord>[2];
}

/** Trains from the directory's state, checkpointing every epoch, and writes the summary and diagnostics. */
async function train(plan: Plan & { dir: RunDir; lock: RunLock; identity: RunIdentity; startFile: string }, t: Training, options: ExperimentOptions): Promise<ExperimentResult> {
  const { resolved, outDir, checkpoint, run: runInfo, dir, lock, identity, startFile } = plan;
  const { spec } = resolved;
  const { container, net, data, clock, t0, startedAt, backend, analog, native } = t;
  const rngs = container.resolve(RngFactory);
  const epochs = spec.training.epochs;
  const completed: EpochMetrics[] = [...(checkpoint?.history ?? [])];
  // Hardware cost (docs/cost.md), when the spec has a cost section: each epoch prices its own activity.
  const costLayers = resolved.cost ? networkCostLayers(resolved, net.layers as readonly BuiltLayer[]) : [];
  // An epoch is the sampler's draws (with-replacement: `samples`), not the training set's size.
  const examplesPerEpoch = samplesPerEpoch(spec.training.sampler, data.train.labels.length);
  const stepsPerEpoch = Math.ceil(examplesPerEpoch / spec.training.batchSize);
  let counted = structuredClone(net.activity());
  const epochCost = (): Record<string, unknown> => {
    if (!resolved.cost) return {};
    const now = net.activity();
    const c = countedCost(container, resolved, costLayers, activityDelta(now, counted), examplesPerEpoch, stepsPerEpoch);
    counted = structuredClone(now);
    return { cost: { energyJ: c.energyJ, latencyS: c.latencyS, phases: costPhaseTotals(c) } };
  };
  const record: TrainingReporter = {
    onEpochEnd: (metrics) => {
      const m = { ...metrics, ...epochCost() } as EpochMetrics;
      completed.push(m);
      // A lost lock (its directory removed, or taken over by another process) means another writer.
      if (lock.compromised) throw new Error(`${outDir}: lost the run directory's lock (${lock.compromised.message}); stopping so two processes never write one run`);
      dir.appendMetrics(m);
      writeCheckpoint(outDir, { epoch: m.epoch, run: runInfo, identity, history: completed }, net, rngs);
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
    ...(data.transforms.length ? { dataTransforms: data.transforms } : {}),
    status,
    ...(resolved.cost ? { cost: countedCost(container, resolved, costLayers, net.activity(), completed.length * examplesPerEpoch, completed.length * stepsPerEpoch) } : {}),
  });

  try {
    await container.resolve(Trainer).train(net, data.train, data.test, {
      epochs,
      batchSize: spec.training.batchSize,
      ...trainingRecipe(spec),
      sampler: spec.training.sampler,
      startEpoch: (checkpoint?.epoch ?? 0) + 1,
      // The user's reporters first (a progress bar clears itself before an epoch line), the record last.
      reporters: [...(options.reporters ?? []), record],
      signal: options.signal,
    });
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('training diverged')) {
      const written = { ...summary('diverged'), divergence: e.message };
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
