import { existsSync, mkdirSync, readFileSync } from 'node:fs';
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
  // The page reads only recorded JSON; the plugins give the units of their params. A broken --plugin is
  // reported like everywhere else; a pack a run recorded but that is gone now only costs the units.
  const recorded = [...new Set(dirs.flatMap(recordedPacks))];
  let opened = await openPlugins({ plugins: flags.plugin });
  if (recorded.length) {
    try {
      opened = await openPlugins({ plugins: [...(flags.plugin ?? []), ...recorded] });
    } catch (e) {
      io.stderr.write(`note: the packs these runs used did not load (${e instanceof Error ? e.message : String(e)}); their parameters are shown without units\n`);
    }
  }
  const units = paramUnits(opened.container);
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

/** The packs a run directory's resolved spec lists (absolute paths) that still exist. */
function recordedPacks(dir: string): string[] {
  try {
    const spec = JSON.parse(readFileSync(join(dir, 'spec.resolved.json'), 'utf8')) as { plugins?: unknown };
    return Array.isArray(spec.plugins) ? spec.plugins.filter((p): p is string => typeof p === 'string' && existsSync(p)) : [];
  } catch {
    return [];
  }
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
