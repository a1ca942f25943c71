import { SpecError } from '@txsim/core';
import type { Command } from 'commander';
import { createPluginContainer } from '../composition.js';
import type { CliIo } from '../io.js';
import { loadSpec, type SpecOverrides } from '../spec-file.js';
import { withSpecOverrides } from './options.js';

/** `txsim validate`: "ok" and 0, or every problem with its path on stderr and 1. Reads no data. */
export function validate(file: string, overrides: SpecOverrides, io: CliIo): number {
  try {
    loadSpec(file, createPluginContainer(), { overrides });
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    io.stderr.write(`${e.message}\n`);
    return 1;
  }
  io.stdout.write('ok\n');
  return 0;
}

export function addValidateCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  withSpecOverrides(program.command('validate')
    .description('check a spec (structure, units, plugin names and parameters) without training')
    .argument('<spec>', 'experiment spec (.yaml, .yml or .json)'))
    .action((file: string, flags: SpecOverrides) => {
      setExitCode(validate(file, flags, io));
    });
}
