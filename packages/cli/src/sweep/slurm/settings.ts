import { fromZod, slurmSchema, SpecError, type SlurmSettings, type SlurmSettingsInput } from '@txsim/core';

/** The sbatch settings given as `txsim sweep` flags (each wins over the spec's `sweep.slurm` field). */
export interface SlurmFlags {
  readonly partition?: string;
  readonly time?: string;
  readonly mem?: string;
  readonly cpusPerTask?: string;
  /** `--sbatch-option`, repeatable: appended to the spec's `sweep.slurm.options`. */
  readonly sbatchOption?: readonly string[];
}

const FLAG: Readonly<Record<string, string>> = { partition: '--partition', time: '--time', mem: '--mem', cpusPerTask: '--cpus-per-task', options: '--sbatch-option' };

/**
 * The settings a submission uses: `base` (the spec's `sweep.slurm`, or what the sweep directory
 * recorded), with each flag given replacing its field and `--sbatch-option`s appended. Flags are
 * checked by the spec's own schema; an error names the flag (or the spec field) and what is valid.
 */
export function slurmSettings(flags: SlurmFlags, base: SlurmSettings = {}, source = 'sweep.slurm'): SlurmSettings {
  const given: Record<string, unknown> = {};
  if (flags.partition !== undefined) given.partition = flags.partition;
  if (flags.time !== undefined) given.time = flags.time;
  if (flags.mem !== undefined) given.mem = flags.mem;
  if (flags.cpusPerTask !== undefined) {
    const n = Number(flags.cpusPerTask);
    given.cpusPerTask = flags.cpusPerTask.trim() !== '' && Number.isFinite(n) ? n : flags.cpusPerTask;
  }
  if (flags.sbatchOption?.length) given.options = [...flags.sbatchOption];
  const parsed = slurmSchema.safeParse(given);
  if (!parsed.success) {
    const issues = fromZod(parsed.error, slurmSchema, [], given).map((i) => {
      const [field, ...rest] = i.path.split(/(?=[.[])/);
      return { path: `${FLAG[field!] ?? field}${rest.join('')}`, message: i.message };
    });
    throw new SpecError(issues, 'txsim sweep flags');
  }
  const flagged = parsed.data;
  const merged: SlurmSettingsInput = { ...base, ...flagged, options: [...(base.options ?? []), ...(flagged.options ?? [])] };
  // Already valid field by field; parsing again only normalises (and would name `source` on a bad stored file).
  const again = slurmSchema.safeParse(merged);
  if (!again.success) throw new SpecError(fromZod(again.error, slurmSchema, [], merged), source);
  const out = again.data;
  return out.options?.length ? out : { ...out, options: undefined };
}

/** sbatch's arguments for `settings`, in a fixed order (they are recorded with each submission). */
export function sbatchSettingArgs(settings: SlurmSettings): string[] {
  return [
    ...(settings.partition ? [`--partition=${settings.partition}`] : []),
    ...(settings.time ? [`--time=${settings.time}`] : []),
    ...(settings.mem ? [`--mem=${settings.mem}`] : []),
    `--cpus-per-task=${settings.cpusPerTask ?? 1}`,
    ...(settings.options ?? []),
  ];
}
