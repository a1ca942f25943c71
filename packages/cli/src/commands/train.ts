import { join } from 'node:path';
import { CHECKPOINT_FILE, resumeExperiment, runExperiment, type ExperimentResult } from '@txsim/experiment';
import type { TrainingReporter } from '@txsim/core';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { EpochLineReporter } from '../reporters/epoch-lines.js';
import { ProgressReporter } from '../reporters/progress.js';
import { withPluginOption, withSpecOverrides } from './options.js';

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
  /** Plugin packs beyond those the spec lists (`--plugin`, repeatable). */
  readonly plugin?: readonly string[];
}

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

/**
 * `txsim train`: a shell over `runExperiment` / `resumeExperiment` — per-epoch lines on stdout, a
 * progress bar on a terminal, Ctrl-C to stop after the current batch, messages and exit codes.
 * Returns the run directory.
 */
export async function train(file: string | undefined, flags: TrainFlags, io: CliIo, setExitCode: (code: number) => void = () => {}): Promise<string> {
  const overrides = { epochs: flags.epochs, seed: flags.seed, trainLimit: flags.trainLimit, testLimit: flags.testLimit, backend: flags.backend };
  if (flags.resume !== undefined) {
    const given = Object.entries({ spec: file, ...overrides, out: flags.out, digital: flags.digital }).filter(([, v]) => v !== undefined).map(([k]) => k);
    if (given.length) throw new Error(`--resume continues a run exactly as it was started; it takes no ${given.join(', ')}`);
  } else if (file === undefined) {
    throw new Error('train needs a spec file (or --resume <run-dir>)');
  }
  let progress: ProgressReporter | undefined;
  const reporters = (epochs: number) => {
    progress = flags.progress !== false && io.stderr.isTTY ? new ProgressReporter(io.stderr, epochs) : undefined;
    // The bar clears itself before the line printer writes the epoch's line.
    return [...(progress ? [progress] : []), new EpochLineReporter(io.stdout, epochs)];
  };
  // Ctrl-C stops after the current batch; the checkpoint on disk is then the last complete epoch's.
  // A second Ctrl-C, with the handler gone, kills the process as usual.
  const interrupt = new AbortController();
  const onSigint = () => {
    progress?.stop();
    io.stderr.write('\ninterrupted: stopping after the current batch (Ctrl-C again to kill)\n');
    interrupt.abort();
  };
  process.once('SIGINT', onSigint);
  const common = { plugins: flags.plugin, signal: interrupt.signal, log: (line: string) => io.stderr.write(`${line}\n`) };
  let result: ExperimentResult;
  try {
    result = flags.resume !== undefined
      ? await resumeExperiment(flags.resume, { ...common, reporters: lazyReporters(reporters) })
      : await runExperiment(file!, { ...common, overrides, digital: flags.digital, outDir: flags.out, reporters: lazyReporters(reporters) });
  } finally {
    process.off('SIGINT', onSigint);
    progress?.stop();
  }
  const { dir, history } = result;
  if (result.status === 'diverged') {
    throw new Error(`${result.message}; ${dir} keeps metrics.jsonl, summary.json (status "diverged") and the checkpoint of epoch ${history.length}`);
  }
  if (result.status === 'interrupted') {
    io.stderr.write(`stopped during epoch ${history.length + 1}/${result.epochs}; ${join(dir, CHECKPOINT_FILE)} holds epoch ${history.length}.\n`
      + `resume with: txsim train --resume ${dir}\n`);
    setExitCode(EXIT_INTERRUPTED);
    return dir;
  }
  io.stdout.write(`${dir}\n`);
  return dir;
}

/** Reporters made when the run knows its epoch count (after validation), forwarding every hook. */
function lazyReporters(make: (epochs: number) => TrainingReporter[]): TrainingReporter[] {
  let made: TrainingReporter[] | undefined;
  const each = (f: (r: TrainingReporter) => void) => made?.forEach(f);
  return [{
    onTrainStart: (info) => {
      made = make(info.epochs);
      made.forEach((r) => r.onTrainStart?.(info));
    },
    onEpochStart: (...a) => each((r) => r.onEpochStart?.(...a)),
    onBatch: (...a) => each((r) => r.onBatch?.(...a)),
    onEpochEnd: async (m) => {
      for (const r of made ?? []) await r.onEpochEnd?.(m);
    },
  }];
}

/** Adds `train` to `program` (created with `program.command` so it inherits output and exit settings). */
export function addTrainCommand(program: Command, io: CliIo, setExitCode?: (code: number) => void): void {
  withPluginOption(withSpecOverrides(program.command('train')
    .description('train the network a spec describes and write a run directory (checkpointed after every epoch)')
    .argument('[spec]', 'experiment spec (.yaml, .yml or .json); omitted with --resume')))
    .option('--out <dir>', 'run directory (default: runs/<spec name>-<YYYYMMDD-HHMMSS>)')
    .option('--resume <run-dir>', 'continue an interrupted run from its last checkpoint, to the same result as an uninterrupted run')
    .option('--digital', 'drop the crossbars: plain digital training on the same kernels (baseline)')
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (file: string | undefined, flags: TrainFlags) => {
      await train(file, flags, io, setExitCode);
    });
}
