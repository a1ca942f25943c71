import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { listedPacks, openPlugins, readSpecFile, type SpecOverrides } from '@txsim/experiment';
import type { CliIo } from '../io.js';
import { EXECUTORS, type ExecutorName, type SweepExecutor } from '../sweep/executor.js';
import { parseParam } from '../sweep/grid.js';
import { localExecutor } from '../sweep/local.js';
import { planSweep, type SweepPlan } from '../sweep/plan.js';
import { slurmExecutor } from '../sweep/slurm/executor.js';
import { readSlurmPlan } from '../sweep/slurm/plan-file.js';
import type { SlurmFlags } from '../sweep/slurm/settings.js';
import { checkSweepDir, readPlan } from '../sweep/store.js';
import { withPluginOption, withSpecOverrides } from './options.js';
import { collect, status } from './sweep-status.js';
import { runTask } from './sweep-task.js';

export interface SweepFlags extends SpecOverrides, SlurmFlags {
  readonly param?: readonly string[];
  readonly seeds?: string;
  readonly jobs?: string;
  readonly out?: string;
  readonly resume?: string;
  readonly plugin?: string[];
  readonly executor?: string;
  readonly wait?: boolean;
  readonly poll?: string;
}

function wholeNumber(flag: string, text: string | undefined, fallback: number): number;
function wholeNumber(flag: string, text: string | undefined, fallback?: number): number | undefined;
function wholeNumber(flag: string, text: string | undefined, fallback?: number): number | undefined {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} expects a whole number ≥ 1, got "${text}"`);
  return n;
}

const SLURM_ONLY = { partition: '--partition', time: '--time', mem: '--mem', cpusPerTask: '--cpus-per-task', sbatchOption: '--sbatch-option', wait: '--wait', poll: '--poll' } as const;

/**
 * The executor: `--executor`, else the one the directory was submitted with (a directory that holds a
 * Slurm plan continues on Slurm), else local. Flags of the other executor are refused, not ignored.
 */
function chooseExecutor(flags: SweepFlags, dir: string, io: CliIo): SweepExecutor {
  if (flags.executor !== undefined && !(EXECUTORS as readonly string[]).includes(flags.executor)) {
    throw new Error(`--executor must be one of ${EXECUTORS.join(', ')}, got "${flags.executor}"`);
  }
  const fromDir = readSlurmPlan(dir) ? 'slurm' : undefined;
  const name = (flags.executor ?? fromDir ?? 'local') as ExecutorName;
  if (flags.executor === undefined && fromDir) io.stderr.write(`note: ${dir} was submitted to Slurm; continuing there (--executor local runs it here instead)\n`);
  if (name === 'local') {
    const given = Object.entries(SLURM_ONLY).filter(([k]) => {
      const v = flags[k as keyof typeof SLURM_ONLY];
      return v !== undefined && !(Array.isArray(v) && v.length === 0);
    }).map(([, f]) => f);
    if (given.length) throw new Error(`${given.join(', ')} ${given.length === 1 ? 'applies' : 'apply'} to --executor slurm only`);
    return localExecutor(wholeNumber('--jobs', flags.jobs, availableParallelism()));
  }
  const poll = flags.poll === undefined ? undefined : Number(flags.poll);
  if (poll !== undefined && !(poll > 0 && poll <= 3600)) throw new Error(`--poll expects seconds between 0 and 3600, got "${flags.poll}"`);
  return slurmExecutor({ ...flags, throttle: wholeNumber('--jobs', flags.jobs), wait: flags.wait, pollSeconds: poll });
}

/**
 * `txsim sweep`: validate every grid point's spec, write the plan into the sweep directory, and hand
 * it to an executor: `local` runs `txsim train` child processes here, `--jobs` at a time; `slurm`
 * submits one job array. Re-running the same command (or `--resume DIR`) continues the directory:
 * completed runs are skipped, checkpointed ones resumed.
 */
export async function sweep(file: string | undefined, flags: SweepFlags, io: CliIo, setExitCode: (code: number) => void): Promise<void> {
  const overrides: SpecOverrides = { epochs: flags.epochs, seed: flags.seed, trainLimit: flags.trainLimit, testLimit: flags.testLimit, backend: flags.backend };
  let dir: string;
  let plan: SweepPlan;
  if (flags.resume !== undefined) {
    const given = Object.entries({ spec: file, ...overrides, param: flags.param?.length ? flags.param : undefined, seeds: flags.seeds, out: flags.out })
      .filter(([, v]) => v !== undefined).map(([k]) => k);
    if (given.length) throw new Error(`--resume continues a sweep as it was started; it takes no ${given.join(', ')} (only --jobs and the executor's flags)`);
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
  const executor = chooseExecutor(flags, dir, io);
  await executor.execute({ dir, plan, resumed: flags.resume !== undefined, io, setExitCode });
}

const collectValues = (value: string, previous: string[] = []) => [...previous, value];

/** Adds `sweep` (and its `status`, `collect` and `run-task` subcommands) to `program`. */
export function addSweepCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const command = withPluginOption(withSpecOverrides(program.command('sweep')
    .description('train a spec over a grid of parameter values and seeds, here or on a Slurm cluster, into a results table and plot (resumable)')
    .argument('[spec]', 'base experiment spec (.yaml, .yml or .json); omitted with --resume')))
    .option('--param <PATH=v1,v2,...>', 'a spec field and its values (YAML scalars, units allowed, or a:b:step); repeat for a grid.'
      + ' PATH: training.learningRate, crossbar.tile.rows, crossbar.nonidealities[2].params.v, crossbar.nonidealities.write-noise.gamma',
    collectValues)
    .option('--seeds <n>', 'runs per grid point, with seeds seed, seed+1, … (default 1)')
    .option('--jobs <n>', 'runs at a time (local: default the number of CPU cores; slurm: array tasks at once, default no limit)')
    .option('--out <dir>', 'sweep directory; re-running the same command resumes it')
    .option('--resume <sweep-dir>', 'continue an interrupted sweep as it was started')
    .option('--executor <name>', 'where the runs go: local (child processes here; the default) or slurm (one job array via sbatch)')
    .option('--partition <name>', 'slurm: sbatch --partition (overrides the spec\'s sweep.slurm.partition)')
    .option('--time <limit>', 'slurm: time limit of one run, e.g. 04:00:00 or 1-12:00:00 (sweep.slurm.time)')
    .option('--mem <size>', 'slurm: memory of one run, e.g. 4G (sweep.slurm.mem)')
    .option('--cpus-per-task <n>', 'slurm: CPUs of one run (sweep.slurm.cpusPerTask; default 1)')
    .option('--sbatch-option <--name=value>', 'slurm: a further sbatch option, e.g. --sbatch-option=--account=proj42; repeatable (added to sweep.slurm.options)', collectValues)
    .option('--wait', 'slurm: follow the job array to its end with progress, then aggregate the results')
    .option('--poll <seconds>', 'slurm: seconds between two looks at the queue with --wait (default 15)')
    .action(async (file: string | undefined, flags: SweepFlags) => {
      await sweep(file, flags, io, setExitCode);
    });
  command.command('status')
    .description('each run of a sweep directory: done, running, queued or failed (from its run directory, squeue and sacct)')
    .argument('<sweep-dir>', 'the sweep directory')
    .option('--json', 'as JSON')
    .action((dir: string, flags: { json?: boolean }) => status(dir, flags, io));
  command.command('collect')
    .description('aggregate the runs of a sweep directory finished so far into results.csv, results.json and results.svg')
    .argument('<sweep-dir>', 'the sweep directory')
    .action((dir: string) => collect(dir, io));
  command.command('run-task', { hidden: true })
    .description('run one run of a Slurm sweep (what each array task executes)')
    .argument('<sweep-dir>', 'the sweep directory')
    .argument('<index>', 'the array task index')
    .action(async (dir: string, index: string) => {
      await runTask(dir, index, io, setExitCode);
    });
}
