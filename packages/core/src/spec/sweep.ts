import { z } from 'zod';

/**
 * Slurm's time limit forms (sbatch --time): minutes, minutes:seconds, hours:minutes:seconds,
 * days-hours, days-hours:minutes, days-hours:minutes:seconds, or no limit.
 */
const SLURM_TIME = /^(\d+(:\d+){0,2}|\d+-\d+(:\d+){0,2}|unlimited|infinite)$/i;
/** sbatch --mem: a size in megabytes, or with a K, M, G or T suffix (0: all of a node's memory). */
const SLURM_MEM = /^\d+[KMGT]?$/i;
const PARTITION = /^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/;
const LONG_OPTION = /^--([a-z][a-z0-9-]*)(=.*)?$/;

/** sbatch options the executor sets itself, each submission anew. */
export const SLURM_OWNED_OPTIONS = ['array', 'output', 'error', 'open-mode', 'parsable', 'wrap'] as const;
/** sbatch options that have their own field here, so a value is never given twice. */
const FIELD_OF_OPTION: Readonly<Record<string, string>> = { partition: 'partition', time: 'time', mem: 'mem', 'cpus-per-task': 'cpusPerTask' };

/** A YAML number (`time: 90`, `mem: 4000`) is what Slurm reads without a unit: minutes, megabytes. */
const slurmText = (what: string, pattern: RegExp, example: string) => z.union([
  z.number().int({ error: `expected ${what}` }).nonnegative({ error: `expected ${what}` }).transform(String),
  z.string({ error: `expected ${what}` }),
]).refine((s) => pattern.test(s.trim()), { error: (issue) => `expected ${what} (e.g. ${example}), got ${JSON.stringify(issue.input)}` })
  .transform((s) => s.trim());

/**
 * How the slurm executor submits a sweep's job array (`txsim sweep --executor slurm`). Each field is
 * the sbatch option of the same name; flags given to `txsim sweep` win over these.
 */
export const slurmSchema = z.strictObject({
  /** sbatch --partition: the partition (or comma-separated partitions) the runs may use. */
  partition: z.string({ error: 'expected a partition name' }).regex(PARTITION, { error: 'expected a partition name (letters, digits, _ . -; several separated by commas)' }).optional(),
  /** sbatch --time: the time limit of one run (one array task), e.g. "04:00:00" or "1-12:00:00". */
  time: slurmText('a Slurm time limit: minutes, HH:MM:SS or D-HH:MM:SS', SLURM_TIME, '"90", "04:00:00", "1-12:00:00"').optional(),
  /** sbatch --mem: the memory of one run's node allocation, megabytes or with a K/M/G/T suffix. */
  mem: slurmText('a memory size in megabytes or with a K, M, G or T suffix', SLURM_MEM, '"4G", "500M", 4000').optional(),
  /** sbatch --cpus-per-task: CPUs of one run (the WASM and reference kernels use one). */
  cpusPerTask: z.number({ error: 'expected a whole number of CPUs ≥ 1' }).int({ error: 'expected a whole number of CPUs ≥ 1' }).min(1, { error: 'expected a whole number of CPUs ≥ 1' }).max(4096, { error: 'must be ≤ 4096 CPUs' }).optional(),
  /** Further sbatch options, each one `--name` or `--name=value`, e.g. ["--account=proj42", "--qos=normal"]. */
  options: z.array(z.string({ error: 'expected an sbatch option such as "--account=proj42"' }).superRefine((opt, ctx) => {
    const m = LONG_OPTION.exec(opt);
    if (!m) {
      ctx.addIssue({ code: 'custom', message: `expected a long sbatch option written --name or --name=value (e.g. "--account=proj42"), got ${JSON.stringify(opt)}` });
    } else if ((SLURM_OWNED_OPTIONS as readonly string[]).includes(m[1]!)) {
      ctx.addIssue({ code: 'custom', message: `--${m[1]} is set by txsim sweep for every submission; leave it out` });
    } else if (FIELD_OF_OPTION[m[1]!]) {
      ctx.addIssue({ code: 'custom', message: `--${m[1]} has its own field: write ${FIELD_OF_OPTION[m[1]!]}: … (or the flag --${m[1]})` });
    }
  })).optional(),
});

/** `sweep:` in a spec: how `txsim sweep` runs the spec's grid (it does not change any run). */
export const sweepSchema = z.strictObject({
  /** Submission settings of the slurm executor. */
  slurm: slurmSchema.optional(),
});

export type SlurmSettingsInput = z.input<typeof slurmSchema>;
export type SlurmSettings = z.output<typeof slurmSchema>;
