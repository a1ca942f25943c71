import { createRequire } from 'node:module';
import { PackError, SpecError } from '@txsim/core';
import { Command, CommanderError } from 'commander';
import { addCircuitCommand } from './commands/circuit.js';
import { addFitCommand } from './commands/fit.js';
import { addDeviceCommand } from './commands/device.js';
import { addPluginsCommand } from './commands/plugins.js';
import { addSpecCommand } from './commands/spec.js';
import { addSweepCommand } from './commands/sweep.js';
import { addReportCommand } from './commands/report.js';
import { addTrainCommand } from './commands/train.js';
import { addValidateCommand } from './commands/validate.js';
import { addCostCommand } from './commands/cost.js';
import { describeError } from './errors.js';
import { processIo, type CliIo } from './io.js';

// src/ and dist/ both sit one level below the package root.
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** Exit codes: 0 success, 1 failure, 2 invalid spec or plugin pack (every command, `validate` too). */
export const EXIT = { ok: 0, error: 1, invalidSpec: 2 } as const;

/**
 * Runs the txsim CLI on `argv` (process.argv layout: node, script, args…) and resolves to the exit
 * code; it never calls process.exit, so it can run in-process.
 */
export async function main(argv: readonly string[] = process.argv, io: CliIo = processIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('txsim')
    .description('simulate DNN training on resistive crossbars')
    .version(version)
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  addTrainCommand(program, io, (code) => (exitCode = code));
  addValidateCommand(program, io, (code) => (exitCode = code));
  addPluginsCommand(program, io);
  addCircuitCommand(program, io);
  addSpecCommand(program, io);
  addReportCommand(program, io);
  addFitCommand(program, io);
  addDeviceCommand(program, io);
  addSweepCommand(program, io, (code) => (exitCode = code));
  addCostCommand(program, io, (code) => (exitCode = code));

  try {
    await program.parseAsync(argv as string[], { from: 'node' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode; // commander has already printed help or the usage error
    if (e instanceof SpecError) {
      io.stderr.write(`${e.message}\n`);
      return EXIT.invalidSpec;
    }
    // A pack that cannot be used is bad input, like a bad spec: its message names the pack and plugin.
    if (e instanceof PackError) {
      io.stderr.write(`txsim: ${e.message}\n`);
      return EXIT.invalidSpec;
    }
    // One line, never a bare stack: the stack only on request.
    io.stderr.write(`${describeError(e).line}\n`);
    if (process.env.TXSIM_DEBUG && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
    return EXIT.error;
  }
}
