import { BACKEND, CLOCK, Trainer, tileGeometry, type EpochMetrics, type ResolvedSpec, type TrainingReporter } from '@txsim/core';
import { buildNetwork, loadMnist } from '@txsim/models';
import type { Command } from 'commander';
import { createPluginContainer, createRunContainer } from '../composition.js';
import type { CliIo } from '../io.js';
import { EpochLineReporter } from '../reporters/epoch-lines.js';
import { ProgressReporter } from '../reporters/progress.js';
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

/**
 * `txsim train`: validate (before any data is read), load MNIST, build the network, train with
 * per-epoch lines on stdout, and record the run directory. Returns the run directory.
 */
export async function train(file: string, flags: TrainFlags, io: CliIo): Promise<string> {
  const resolved = loadSpec(file, createPluginContainer(), {
    overrides: { epochs: flags.epochs, seed: flags.seed, trainLimit: flags.trainLimit, testLimit: flags.testLimit, backend: flags.backend },
    digital: flags.digital,
  });
  const { spec } = resolved;
  const outDir = flags.out ?? defaultRunDir(flags.digital ? `${spec.name}-digital` : spec.name);
  checkRunDir(outDir);

  const run = createRunContainer({ seed: spec.seed, backend: spec.backend, warn: (m) => io.stderr.write(`${m}\n`) });
  const clock = run.resolve(CLOCK);
  const startedAt = new Date();
  const t0 = clock.now();
  const data = loadMnist({ trainLimit: spec.data.trainLimit, testLimit: spec.data.testLimit });
  const net = buildNetwork(run, resolved);
  const backend = run.resolve(BACKEND).name;
  const epochs = spec.training.epochs;
  const analog = net.layers.filter((l) => l.kind === 'analog').length;
  io.stderr.write(`${spec.name}: ${[784, ...spec.model.hidden, 10].join('-')} ${spec.model.activation} MLP, `
    + `${analog}/${resolved.layers.length} layers on crossbars, ${data.train.labels.length} training / ${data.test.labels.length} test examples, `
    + `backend ${backend}, seed ${spec.seed}\n`);

  const dir = RunDir.create(outDir);
  dir.writeSpec(spec);
  const progress = flags.progress !== false && io.stderr.isTTY ? new ProgressReporter(io.stderr, epochs) : undefined;
  const record: TrainingReporter = { onEpochEnd: (m) => dir.appendMetrics(m) };
  // The bar clears itself before the line printer writes the epoch's line.
  const reporters = [...(progress ? [progress] : []), new EpochLineReporter(io.stdout, epochs), record];
  let history: EpochMetrics[];
  try {
    history = await run.resolve(Trainer).train(net, data.train, data.test, {
      epochs,
      batchSize: spec.training.batchSize,
      learningRate: spec.training.learningRate,
      reporters,
    });
  } finally {
    progress?.stop();
  }

  const summary: RunSummary = {
    name: spec.name,
    specFile: file,
    seed: spec.seed,
    backend,
    digital: flags.digital ?? false,
    epochs,
    trainExamples: data.train.labels.length,
    testExamples: data.test.labels.length,
    testAccuracy: history.map((m) => m.testAccuracy),
    testLoss: history.map((m) => m.testLoss),
    trainLoss: history.map((m) => m.trainLoss),
    trainAccuracy: history.map((m) => m.trainAccuracy),
    secondsPerEpoch: history.map((m) => m.seconds),
    wallSeconds: clock.now() - t0,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    activity: net.activity(),
    layers: layerSummaries(resolved, net.layers),
  };
  dir.writeSummary(summary);
  io.stdout.write(`${outDir}\n`);
  return outDir;
}

/** Adds `train` to `program` (created with `program.command` so it inherits output and exit settings). */
export function addTrainCommand(program: Command, io: CliIo): void {
  withSpecOverrides(program.command('train')
    .description('train the network a spec describes and write a run directory')
    .argument('<spec>', 'experiment spec (.yaml, .yml or .json)'))
    .option('--out <dir>', 'run directory (default: runs/<spec name>-<YYYYMMDD-HHMMSS>)')
    .option('--digital', 'drop the crossbars: plain digital training on the same kernels (baseline)')
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (file: string, flags: TrainFlags) => {
      await train(file, flags, io);
    });
}
