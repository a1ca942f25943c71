import { findPlugin, formatValue } from '@txsim/core';
import type { Command } from 'commander';
import { openPlugins } from '@txsim/experiment';
import type { CliIo } from '../io.js';
import { withPluginOption } from './options.js';
import { readPulseResponse } from './fit/data.js';
import { FIT_MODELS } from './fit/models.js';
import { neurosimLabel } from './fit/neurosim-label.js';
import { fitModel, type FitResult } from './fit/run-fit.js';

export interface FitFlags {
  readonly data: string;
  readonly json?: boolean;
  readonly plugin?: string[];
}

/**
 * `txsim fit <model> --data FILE`: least-squares fit of a device model to a measured pulse response
 * (CSV: pulse,conductance,direction; see docs/devices-measured.md). Prints the parameters with units
 * and the residual, or the same as JSON.
 */
export async function fit(modelName: string, flags: FitFlags, io: CliIo): Promise<FitResult> {
  const model = FIT_MODELS.find((m) => m.name === modelName);
  if (!model) throw new Error(`unknown model "${modelName}"; models: ${FIT_MODELS.map((m) => m.name).join(', ')}`);
  const data = readPulseResponse(flags.data);
  const device = findPlugin((await openPlugins({ plugins: flags.plugin })).container, 'device', 'neurosim');
  const result = fitModel(model, data, (a, p) => neurosimLabel(device, a, p));
  io.stdout.write(flags.json ? `${JSON.stringify(asJson(result), null, 2)}\n` : format(result));
  return result;
}

function asJson(r: FitResult) {
  return {
    model: r.model, file: r.file, points: r.points,
    params: Object.fromEntries(r.params.map((p) => [p.name, { value: p.value, unit: p.unit }])),
    residual: { rms: r.rms, unit: 'S', relative: r.relativeRms },
  };
}

const num = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));
const withUnit = (v: number, unit: string) => (unit === 'S' ? formatValue(Number(v.toPrecision(4)), 'S') : unit === '1' ? num(v) : `${num(v)} ${unit}`);

function format(r: FitResult): string {
  const width = Math.max(...r.params.map((p) => p.name.length));
  const lines = [`${r.model} fit to ${r.file} (${r.points.up} up, ${r.points.down} down points)`];
  for (const p of r.params) lines.push(`  ${p.name.padEnd(width)}  ${withUnit(p.value, p.unit).padEnd(14)}  ${p.note}`);
  lines.push(`  residual: RMS ${withUnit(r.rms, 'S')}, ${Number((100 * r.relativeRms).toPrecision(3))} % of gmax − gmin`);
  return `${lines.join('\n')}\n`;
}

export function addFitCommand(program: Command, io: CliIo): void {
  withPluginOption(program.command('fit')
    .description(`fit a device model to a measured pulse response (models: ${FIT_MODELS.map((m) => m.name).join(', ')})`)
    .argument('<model>', FIT_MODELS.map((m) => `${m.name}: ${m.description}`).join('; '))
    .requiredOption('--data <csv>', 'measured response: header pulse,conductance,direction; one row per measurement (siemens, up/down)')
    .option('--json', 'print the result as JSON'))
    .action(async (name: string, flags: FitFlags) => {
      await fit(name, flags, io);
    });
}
