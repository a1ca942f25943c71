import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { BACKEND, CLOCK, dataShape, networkServices, RngFactory, Trainer, tileGeometry, type EpochMetrics, type ResolvedSpec, type TrainingReporter } from '@txsim/core';
import { buildNetwork, loadDataset } from '@txsim/models';
import type { Command } from 'commander';
import { createPluginContainer, createRunContainer } from '../composition.js';
import type { CliIo } from '../io.js';
import { EpochLineReporter } from '../reporters/epoch-lines.js';
import { ProgressReporter } from '../reporters/progress.js';
import { CALIBRATION_FILE, calibrationRecord, nativeScales, recordedScales, withWMax } from '../calibration.js';
import { CHECKPOINT_FILE, readCheckpoint, restoreCheckpoint, writeCheckpoint, type Checkpoint } from '../checkpoint.js';
import { collectRunDiagnostics, conductanceHistograms, writeRunDiagnostics, type Histogram } from '../report/index.js';
import { checkRunDir, defaultRunDir, RunDir, type LayerSummary, type RunSummary } from '../run-dir.js';
import { loadSpec } from '../spec-file.js';
import { withSpecOverrides } from './options.js';

export interface TrainFlags {
  readonly epochs?: number | string;
  readonly seed?: number | string;
  readonly trainLimit?: number | string;
  readonly testLimit?: number | string;
  readonly backend?: string;
  readonly out?: string;
  /** Run directory to continue from its checkpoint. */
  readonly resume?: string;
  readonly digital?: boolean;
  /** False with `--no-progress`. */
  readonly progress?: boolean;
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

// src/commands/ and dist/commands/ both sit two levels below the package root.
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

/** What `environment.json` records of the machine and software a run (or a resumed part of it) ran on. */
function environment(backend: string, seed: number | string, startedAt: Date) {
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
  };
}

/**
 * `txsim train`: validate (before any data is read), load the data set, build the network, train with
 * per-epoch lines on stdout, and record the run directory, with a checkpoint after every epoch.
 * `flags.resume` continues a run directory from its checkpoint instead. Returns the run directory.
 */
export async function train(file: string | undefined, flags: TrainFlags, io: CliIo, setExitCode: (code: number) => void = () => {}): Promise<string> {
  const overrides = { epochs: flags.epochs, seed: flags.seed, trainLimit: flags.trainLimit, testLimit: flags.testLimit, backend: flags.backend };
  let checkpoint: Checkpoint | undefined;
  let resolved: ResolvedSpec;
  let outDir: string;
  if (flags.resume !== undefined) {
    const given = Object.entries({ spec: file, ...overrides, out: flags.out, digital: flags.digital }).filter(([, v]) => v !== undefined).map(([k]) => k);
    if (given.length) throw new Error(`--resume continues a run exactly as it was started; it takes no ${given.join(', ')}`);
    outDir = flags.resume;
    checkpoint = readCheckpoint(outDir);
    resolved = loadSpec(join(outDir, 'spec.resolved.json'), createPluginContainer(), { digital: checkpoint.run.digital });
  } else {
    if (file === undefined) throw new Error('train needs a spec file (or --resume <run-dir>)');
    resolved = loadSpec(file, createPluginContainer(), { overrides, digital: flags.digital });
    outDir = flags.out ?? defaultRunDir(flags.digital ? `${resolved.spec.name}-digital` : resolved.spec.name);
    checkRunDir(outDir);
  }
  const { spec } = resolved;
  const runInfo: Checkpoint['run'] = checkpoint?.run ?? { specFile: file!, digital: flags.digital ?? false };

  const run = createRunContainer({ seed: spec.seed, backend: spec.backend, warn: (m) => io.stderr.write(`${m}\n`) });
  const clock = run.resolve(CLOCK);
  const rngs = run.resolve(RngFactory);
  const startedAt = new Date();
  const t0 = clock.now();
  const data = loadDataset(spec.data, spec.seed);
  // Native-run weight scales are measured once, when a run starts; a resumed run reads them back.
  const native = checkpoint ? recordedScales(outDir, resolved) : await nativeScales(run, resolved, data.train, data.test);
  if (!checkpoint) {
    for (const [layer, n] of native) {
      io.stderr.write(`${layer}: wMax ${n.wMax.toPrecision(4)} = ${n.headroom} × max|W| ${n.maxAbs.toPrecision(4)} after ${n.batches} batches of a digital run\n`);
    }
  }
  const net = buildNetwork(withWMax(resolved, native), networkServices(run));
  const backend = run.resolve(BACKEND).name;
  const epochs = spec.training.epochs;
  const analog = net.layers.filter((l) => l.kind === 'analog').length;
  const shape = dataShape(spec.data);
  const model = spec.model.type === 'mlp'
    ? `${[shape.channels * shape.height * shape.width, ...spec.model.hidden, shape.classes].join('-')} ${spec.model.activation} MLP`
    : `${spec.model.type} on ${shape.channels}×${shape.height}×${shape.width} inputs, ${shape.classes} classes`;
  io.stderr.write(`${spec.name}: ${model}, `
    + `${analog}/${resolved.layers.length} layers on crossbars, ${data.train.labels.length} training / ${data.test.labels.length} test examples, `
    + `backend ${backend}, seed ${spec.seed}\n`);

  const env = environment(backend, spec.seed, startedAt);
  // Conductance histograms before training, kept beside the checkpoints so a resumed run can report them too.
  const startFile = join(outDir, CONDUCTANCES_START_FILE);
  let dir: RunDir;
  if (checkpoint) {
    restoreCheckpoint(outDir, checkpoint, net, rngs);
    dir = RunDir.reopen(outDir, checkpoint.history);
    const previous = JSON.parse(readFileSync(join(outDir, 'environment.json'), 'utf8')) as { resumes?: unknown[] };
    dir.writeJson('environment.json', { ...previous, resumes: [...(previous.resumes ?? []), { ...env, fromEpoch: checkpoint.epoch }] });
    io.stderr.write(`resuming ${outDir} after epoch ${checkpoint.epoch}/${epochs}\n`);
    if (analog) dir.writeJson(CALIBRATION_FILE, calibrationRecord(resolved, net, native));
  } else {
    dir = RunDir.create(outDir);
    dir.writeSpec(spec);
    dir.writeJson('environment.json', env);
    if (analog) dir.writeJson(CONDUCTANCES_START_FILE, conductanceHistograms(net));
    if (analog) dir.writeJson(CALIBRATION_FILE, calibrationRecord(resolved, net, native));
    writeCheckpoint(outDir, 0, runInfo, [], net, rngs);
  }

  const completed: EpochMetrics[] = [...(checkpoint?.history ?? [])];
  const progress = flags.progress !== false && io.stderr.isTTY ? new ProgressReporter(io.stderr, epochs) : undefined;
  const record: TrainingReporter = {
    onEpochEnd: (m) => {
      completed.push(m);
      dir.appendMetrics(m);
      writeCheckpoint(outDir, m.epoch, runInfo, completed, net, rngs);
      // ADC full scales are calibrated during the first reads; each epoch records them as they stand.
      if (analog) dir.writeJson(CALIBRATION_FILE, calibrationRecord(resolved, net, native));
    },
  };
  // The bar clears itself before the line printer writes the epoch's line.
  const reporters = [...(progress ? [progress] : []), new EpochLineReporter(io.stdout, epochs), record];
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

  // Ctrl-C stops after the current batch; the checkpoint on disk is then the last complete epoch's.
  // A second Ctrl-C, with the handler gone, kills the process as usual.
  const interrupt = new AbortController();
  const onSigint = () => {
    progress?.stop();
    io.stderr.write('\ninterrupted: stopping after the current batch (Ctrl-C again to kill)\n');
    interrupt.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    await run.resolve(Trainer).train(net, data.train, data.test, {
      epochs,
      batchSize: spec.training.batchSize,
      learningRate: spec.training.learningRate,
      startEpoch: (checkpoint?.epoch ?? 0) + 1,
      reporters,
      signal: interrupt.signal,
    });
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('training diverged')) {
      dir.writeSummary(summary('diverged'));
      throw new Error(`${e.message}; ${outDir} keeps metrics.jsonl, summary.json (status "diverged") and the checkpoint of epoch ${completed.length}`);
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    progress?.stop();
  }

  if (completed.length < epochs) {
    io.stderr.write(`stopped during epoch ${completed.length + 1}/${epochs}; ${join(outDir, CHECKPOINT_FILE)} holds epoch ${completed.length}.\n`
      + `resume with: txsim train --resume ${outDir}\n`);
    setExitCode(EXIT_INTERRUPTED);
    return outDir;
  }
  dir.writeSummary(summary('completed'));
  if (analog && existsSync(startFile)) {
    // After the summary: the diagnostic reads restore the activity counters anyway, and nothing trains after them.
    const start = JSON.parse(readFileSync(startFile, 'utf8')) as Record<string, Histogram>;
    const batch = data.test.inputs.rowSlice(0, Math.min(256, data.test.inputs.rows));
    writeRunDiagnostics(outDir, collectRunDiagnostics(net, { start, batch }));
  }
  io.stdout.write(`${outDir}\n`);
  return outDir;
}

/** Histograms of the conductances before training, for the report's start/end comparison. */
export const CONDUCTANCES_START_FILE = 'conductances-start.json';

/** Adds `train` to `program` (created with `program.command` so it inherits output and exit settings). */
export function addTrainCommand(program: Command, io: CliIo, setExitCode?: (code: number) => void): void {
  withSpecOverrides(program.command('train')
    .description('train the network a spec describes and write a run directory (checkpointed after every epoch)')
    .argument('[spec]', 'experiment spec (.yaml, .yml or .json); omitted with --resume'))
    .option('--out <dir>', 'run directory (default: runs/<spec name>-<YYYYMMDD-HHMMSS>)')
    .option('--resume <run-dir>', 'continue an interrupted run from its last checkpoint, to the same result as an uninterrupted run')
    .option('--digital', 'drop the crossbars: plain digital training on the same kernels (baseline)')
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (file: string | undefined, flags: TrainFlags) => {
      await train(file, flags, io, setExitCode);
    });
}
