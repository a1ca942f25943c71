import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { loadRun, openPlugins, renderReport, writeFileAtomic } from '@txsim/experiment';
import { withPluginOption } from './options.js';

/**
 * `txsim report`: one self-contained HTML page (inline CSS and SVG, no scripts) for one or more run
 * directories, overlaid for comparison. Returns the path written (default `<first dir>/report.html`).
 */
export async function report(dirs: readonly string[], flags: { readonly out?: string; readonly plugin?: readonly string[] }, io: CliIo): Promise<string> {
  // The page reads only recorded JSON; packs are loaded so a broken one is reported like everywhere else.
  await openPlugins({ plugins: flags.plugin });
  const runs = dirs.map(loadRun);
  const out = flags.out ?? join(dirs[0]!, 'report.html');
  mkdirSync(dirname(out), { recursive: true });
  writeFileAtomic(out, renderReport(runs));
  io.stdout.write(`${out}\n`);
  return out;
}

export function addReportCommand(program: Command, io: CliIo): void {
  withPluginOption(program.command('report')
    .description('write an HTML page comparing run directories: curves, hardware activity, conductances, read error')
    .argument('<run-dir...>', 'run directories written by `txsim train`')
    .option('--out <file>', 'HTML file to write (default: <first run-dir>/report.html)'))
    .action(async (dirs: string[], flags: { out?: string; plugin?: string[] }) => {
      await report(dirs, flags, io);
    });
}
