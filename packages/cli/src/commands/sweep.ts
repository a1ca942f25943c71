import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { listedPacks, openPlugins, readCheckpoint, readSpecFile, type SpecOverrides } from '@txsim/experiment';
import type { CliIo } from '../io.js';
import { parseParam } from '../sweep/grid.js';
import { planSweep, type SweepPlan } from '../sweep/plan.js';
import { writeResults } from '../sweep/results.js';
import { RunPool, type RunExit, type RunTask } from '../sweep/runner.js';
import { checkSweepDir, readPlan, readSummary, runDir, runState, specFile, SweepLock, writePlan } from '../sweep/store.js';
import { withPluginOption, withSpecOverrides } from './options.js';
import { EXIT_INTERRUPTED } from './train.js';

export interface SweepFlags extends SpecOverrides {
  readonly param?: readonly string[];
  readonly seeds?: string;
  readonly jobs?: string;
  readonly out?: string;
  readonly resume?: string;
  readonly plugin?: string[];
}

function wholeNumber(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} expects a whole number ≥ 1, got "${text}"`);
  return n;
}

function checkpointEpoch(run: string): number | undefined {
  try {
    return readCheckpoint(run).epoch;
  } catch {
    return undefined;
  }
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

/**
 * `txsim sweep`: validate every grid point's spec, then run `txsim train` for each point and seed as
 * child processes, `--jobs` at a time, rewriting the results table as runs finish. Re-running the same
 * command (or `--resume DIR`) skips completed runs and resumes checkpointed ones.
 */
export async function sweep(file: string | undefined, flags: SweepFlags, io: CliIo, setExitCode: (code: number) => void): Promise<void> {
  const overrides: SpecOverrides = { epochs: flags.epochs, seed: flags.seed, trainLimit: flags.trainLimit, testLimit: flags.testLimit, backend: flags.backend };
  const jobs = wholeNumber('--jobs', flags.jobs, availableParallelism());
  let dir: string;
  let plan: SweepPlan;
  if (flags.resume !== undefined) {
    const given = Object.entries({ spec: file, ...overrides, param: flags.param?.length ? flags.param : undefined, seeds: flags.seeds, out: flags.out })
      .filter(([, v]) => v !== undefined).map(([k]) => k);
    if (given.length) throw new Error(`--resume continues a sweep as it was started; it takes no ${given.join(', ')} (only --jobs)`);
    dir = flags.resume;
    plan = readPlan(dir);
  } else {
    if (file === undefined) throw new Error('sweep needs a spec file (or --resume <sweep-dir>)');
    if (flags.out === undefined) throw new Error('sweep needs --out <dir>, the sweep directory (re-run the same command to resume it)');
    dir = flags.out;
    const params = (flags.param ?? []).map(parseParam);
    const plugins = await openPlugins({ plugins: flags.plugin }, listedPacks(readSpecFile(file)), dirname(resolve(file)));
    const packs = { paths: plugins.packs.flatMap((p) => (p.path ? [p.path] : [])), presets: plugins.presets };
    plan = planSweep(file, params, wholeNumber('--seeds', flags.seeds, 1), overrides, plugins.container, packs);
    for (const notice of plan.notices ?? []) io.stderr.write(`note: ${notice}\n`);
    checkSweepDir(dir);
  }

  const lock = new SweepLock(dir);
  const pool = new RunPool(jobs);
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals === 1) {
      io.stderr.write('\ninterrupted: running runs checkpoint after their current batch and stop (Ctrl-C again to kill them)\n');
      pool.stop();
    } else {
      pool.kill();
    }
  };
  const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  try {
    if (flags.resume === undefined) writePlan(dir, plan);
    const { manifest } = plan;
    const runs = manifest.points.flatMap((p) => p.runs);
    const tasks: RunTask[] = [];
    let finished = 0;
    let toResume = 0;
    for (const run of runs) {
      const state = runState(dir, run.id);
      const out = runDir(dir, run.id);
      if (state === 'completed' || state === 'diverged') finished++;
      else if (state === 'resume') {
        toResume++;
        tasks.push({ id: run.id, args: ['--resume', out, '--no-progress'] });
      } else tasks.push({ id: run.id, args: [specFile(dir, run.id), '--out', out, '--no-progress'] });
    }
    io.stderr.write(`sweep: ${runs.length} run${runs.length === 1 ? '' : 's'} over ${manifest.points.length} point${manifest.points.length === 1 ? '' : 's'}`
      + ` (${finished} done, ${toResume} to resume, ${tasks.length - toResume} to start), ${Math.min(jobs, Math.max(1, tasks.length))} at a time, in ${dir}\n`);
    writeResults(dir, manifest);

    const failed: string[] = [];
    const onExit = (exit: RunExit) => {
      if (exit.pid !== undefined) lock.remove(exit.pid);
      const summary = readSummary(dir, exit.task.id);
      let line: string;
      if (exit.code === 0 && summary?.status !== 'diverged' && summary) {
        finished++;
        const acc = summary.testAccuracy;
        line = `final ${pct(acc.at(-1) ?? Number.NaN)}, best ${pct(Math.max(...acc))} (${exit.seconds.toFixed(1)} s)`;
      } else if (summary?.status === 'diverged') {
        finished++;
        line = 'diverged (left out of the statistics)';
      } else if (pool.stopping && (exit.code === EXIT_INTERRUPTED || exit.signal !== null)) {
        const epoch = checkpointEpoch(runDir(dir, exit.task.id));
        line = epoch === undefined ? 'stopped before its first checkpoint' : `stopped; its checkpoint after epoch ${epoch} is kept`;
      } else {
        failed.push(exit.task.id);
        line = `failed (${exit.signal ?? `exit code ${exit.code}`}); see ${runDir(dir, exit.task.id)}\n${exit.stderrTail.replace(/^/gm, '    ')}`;
      }
      io.stdout.write(`[${finished}/${runs.length}] ${exit.task.id}: ${line}\n`);
      try {
        writeResults(dir, manifest);
      } catch (e) {
        // The runs go on; the table is rewritten after the next one and at the end.
        io.stderr.write(`warning: could not update the results in ${dir}: ${(e as Error).message}\n`);
      }
    };

    for (const s of SIGNALS) process.on(s, onSignal);
    await pool.run(tasks, { onStart: (_task, pid) => lock.add(pid), onExit });
    const results = writeResults(dir, manifest);

    if (pool.stopping) {
      io.stderr.write(`stopped with ${finished}/${runs.length} runs done; resume with: txsim sweep --resume ${dir}\n`);
      setExitCode(EXIT_INTERRUPTED);
      return;
    }
    if (failed.length) {
      throw new Error(`${failed.length} run${failed.length === 1 ? '' : 's'} failed (${failed.join(', ')}); the others are in ${join(dir, 'results.csv')}. `
        + `Fix the cause and run the same command again (or txsim sweep --resume ${dir}) to retry them`);
    }
    for (const r of results.rows) {
      const values = r.values.map((v, i) => `${results.params[i]}=${v}`).join(', ') || 'spec';
      const stat = r.finalAccuracy.mean === null ? 'no completed run' : `final ${pct(r.finalAccuracy.mean)} ± ${pct(r.finalAccuracy.std!)}`;
      io.stderr.write(`  ${values}: ${stat} (${r.seeds.length} seed${r.seeds.length === 1 ? '' : 's'})\n`);
    }
    io.stdout.write(`${join(dir, 'results.csv')}\n`);
  } finally {
    for (const s of SIGNALS) process.off(s, onSignal);
    lock.release();
  }
}

/** Adds `sweep` to `program`. */
export function addSweepCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  withPluginOption(withSpecOverrides(program.command('sweep')
    .description('train a spec over a grid of parameter values and seeds, in parallel, into a results table and plot (resumable)')
    .argument('[spec]', 'base experiment spec (.yaml, .yml or .json); omitted with --resume')))
    .option('--param <PATH=v1,v2,...>', 'a spec field and its values (YAML scalars, units allowed, or a:b:step); repeat for a grid.'
      + ' PATH: training.learningRate, crossbar.tile.rows, crossbar.nonidealities[2].params.v, crossbar.nonidealities.write-noise.gamma',
    (value: string, previous: string[] = []) => [...previous, value])
    .option('--seeds <n>', 'runs per grid point, with seeds seed, seed+1, … (default 1)')
    .option('--jobs <n>', 'runs at a time (default: the number of CPU cores)')
    .option('--out <dir>', 'sweep directory; re-running the same command resumes it')
    .option('--resume <sweep-dir>', 'continue an interrupted sweep as it was started')
    .action(async (file: string | undefined, flags: SweepFlags) => {
      await sweep(file, flags, io, setExitCode);
    });
}
