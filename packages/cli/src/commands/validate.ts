import { SpecError } from '@txsim/core';
import type { Command } from 'commander';
import { openSpec, preflight, type SpecOverrides } from '@txsim/experiment';
import type { CliIo } from '../io.js';
import { withPluginOption, withSpecOverrides } from './options.js';

/** Exit code of an invalid spec, the same for every command (main.ts: EXIT.invalidSpec). */
const EXIT_INVALID_SPEC = 2;

/**
 * `txsim validate`: "ok" and 0, or every problem with its path on stderr and 2 (as `train` exits on the same spec). Reads no data, but runs
 * every check `train` runs before it reads data (the spec's counts, memory and name, and with `outDir`
 * the output directory), so a spec that validates does not fail at the start of training.
 */
export async function validate(file: string, overrides: SpecOverrides, io: CliIo, plugins?: readonly string[], outDir?: string): Promise<number> {
  try {
    const { resolved } = await openSpec(file, { overrides, plugins });
    if (outDir !== undefined) preflight(resolved, { outDir });
    for (const w of resolved.warnings ?? []) io.stderr.write(`warning: ${w.path}: ${w.message}\n`);
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    io.stderr.write(`${e.message}\n`);
    return EXIT_INVALID_SPEC;
  }
  io.stdout.write('ok\n');
  return 0;
}

export function addValidateCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  withPluginOption(withSpecOverrides(program.command('validate')
    .description('check a spec (structure, units, plugin names and parameters) without training')
    .argument('<spec>', 'experiment spec (.yaml, .yml or .json)')))
    .option('--out <dir>', 'also check that this run directory can be created and written, with room for the checkpoints')
    .action(async (file: string, flags: SpecOverrides & { plugin?: string[]; out?: string }) => {
      const { plugin, out, ...overrides } = flags;
      setExitCode(await validate(file, overrides, io, plugin, out));
    });
}
