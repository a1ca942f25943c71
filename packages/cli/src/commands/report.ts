import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { renderReport } from '../report/html.js';
import { loadRun } from '../report/load.js';
import { writeFileAtomic } from '../run-dir.js';

/**
 * `txsim report`: one self-contained HTML page (inline CSS and SVG, no scripts) for one or more run
 * directories, overlaid for comparison. Returns the path written (default `<first dir>/report.html`).
 */
export function report(dirs: readonly string[], flags: { readonly out?: string }, io: CliIo): string {
  const runs = dirs.map(loadRun);
  const out = flags.out ?? join(dirs[0]!, 'report.html');
  mkdirSync(dirname(out), { recursive: true });
  writeFileAtomic(out, renderReport(runs));
  io.stdout.write(`${out}\n`);
  return out;
}

export function addReportCommand(program: Command, io: CliIo): void {
  program.command('report')
    .description('write an HTML page comparing run directories: curves, hardware activity, conductances, read error')
    .argument('<run-dir...>', 'run directories written by `txsim train`')
    .option('--out <file>', 'HTML file to write (default: <first run-dir>/report.html)')
    .action((dirs: string[], flags: { out?: string }) => {
      report(dirs, flags, io);
    });
}
