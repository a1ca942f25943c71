import { SpecError } from '@txsim/core';
import { describe, expect, it } from 'vitest';
import { sbatchSettingArgs, slurmSettings } from './settings.js';

const message = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
};

describe('slurm settings', () => {
  it('lets each flag replace its spec field and appends --sbatch-option to the spec\'s options', () => {
    const base = { partition: 'cpu', time: '01:00:00', mem: '2G', options: ['--account=p1'] };
    const s = slurmSettings({ time: '1-12:00:00', cpusPerTask: '2', sbatchOption: ['--qos=low'] }, base);
    expect(s).toEqual({ partition: 'cpu', time: '1-12:00:00', mem: '2G', cpusPerTask: 2, options: ['--account=p1', '--qos=low'] });
    expect(sbatchSettingArgs(s)).toEqual(['--partition=cpu', '--time=1-12:00:00', '--mem=2G', '--cpus-per-task=2', '--account=p1', '--qos=low']);
    // One CPU unless asked: the WASM and reference kernels use one thread.
    expect(sbatchSettingArgs(slurmSettings({}))).toEqual(['--cpus-per-task=1']);
  });

  it('accepts every time form sbatch does, and refuses the rest naming the flag', () => {
    for (const t of ['90', '90:30', '4:00:00', '2-0', '2-12', '2-12:30', '2-12:30:15', 'UNLIMITED']) expect(slurmSettings({ time: t }).time).toBe(t);
    expect(message(() => slurmSettings({ time: '4h' }))).toContain('--time: expected a Slurm time limit: minutes, HH:MM:SS or D-HH:MM:SS (e.g. "90", "04:00:00", "1-12:00:00"), got "4h"');
    expect(message(() => slurmSettings({ time: '1:2:3:4' }))).toContain('--time:');
  });

  it('names the flag and what is valid for memory, CPUs, partitions and options', () => {
    expect(message(() => slurmSettings({ mem: '4 GB' }))).toContain('--mem: expected a memory size in megabytes or with a K, M, G or T suffix (e.g. "4G", "500M", 4000), got "4 GB"');
    expect(message(() => slurmSettings({ cpusPerTask: '0' }))).toContain('--cpus-per-task: expected a whole number of CPUs ≥ 1');
    expect(message(() => slurmSettings({ cpusPerTask: 'two' }))).toContain('--cpus-per-task:');
    expect(message(() => slurmSettings({ partition: 'cpu gpu' }))).toContain('--partition: expected a partition name');
    expect(message(() => slurmSettings({ sbatchOption: ['--account=p', '-A p'] }))).toContain('--sbatch-option[1]: expected a long sbatch option written --name or --name=value');
    expect(message(() => slurmSettings({ sbatchOption: ['--array=0-3'] }))).toContain('--sbatch-option[0]: --array is set by txsim sweep for every submission');
    expect(message(() => slurmSettings({ sbatchOption: ['--time=10'] }))).toContain('--sbatch-option[0]: --time has its own field: write time: … (or the flag --time)');
  });
});
