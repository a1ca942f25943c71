import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { isSweepDir, loadRun, loadSweep, openPlugins, paramUnits, renderReport, renderSweepReport, writeFileAtomic } from '@txsim/experiment';
import { withPluginOption } from './options.js';

/**
 * `txsim report`: one self-contained HTML page (inline CSS and SVG, no scripts) for one or more run
 * directories, overlaid for comparison, or for one sweep directory (it holds sweep.json). Returns the
 * path written (default `<first dir>/report.html`).
 */
export async function report(dirs: readonly string[], flags: { readonly out?: string; readonly plugin?: readonly string[] }, io: CliIo): Promise<string> {
  // The page reads only recorded JSON; the plugins give the units of their params, and a broken pack is reported like everywhere else.
  const { container } = await openPlugins({ plugins: flags.plugin });
  const units = paramUnits(container);
  const sweeps = dirs.filter(isSweepDir);
  if (sweeps.length && dirs.length > 1) {
    throw new Error(`${sweeps[0]} is a sweep directory; report a sweep on its own (txsim report ${sweeps[0]})`);
  }
  const html = sweeps.length ? renderSweepReport(loadSweep(dirs[0]!), { units }) : renderReport(dirs.map(loadRun), { units });
  const out = flags.out ?? join(dirs[0]!, 'report.html');
  mkdirSync(dirname(out), { recursive: true });
  writeFileAtomic(out, html);
  io.stdout.write(`${out}\n`);
  return out;
}

export function addReportCommand(program: Command, io: CliIo): void {
  withPluginOption(program.command('report')
    .description('write an HTML page comparing run directories (configuration, differences, curves, hardware activity, conductances, read error), or about one sweep directory')
    .argument('<dir...>', 'run directories written by `txsim train`, or one sweep directory written by `txsim sweep`')
    .option('--out <file>', 'HTML file to write (default: <first dir>/report.html)'))
    .action(async (dirs: string[], flags: { out?: string; plugin?: string[] }) => {
      await report(dirs, flags, io);
    });
}
