import { COST_PHASES, formatValue, SpecError, type CostReport } from '@txsim/core';
import type { Command } from 'commander';
import { estimateEpochCost, type SpecOverrides } from '@txsim/experiment';
import type { CliIo } from '../io.js';
import { withPluginOption, withSpecOverrides } from './options.js';

const EXIT_INVALID_SPEC = 2;

/** A table of one epoch's estimated cost: per layer and phase, then totals and area. */
export function formatCost(c: CostReport): string {
  const j = (v: number) => formatValue(v, 'J');
  const s = (v: number) => formatValue(v, 's');
  const rows = [['layer', ...COST_PHASES.map((p) => `${p} energy / latency`), 'area']];
  for (const [name, l] of Object.entries(c.layers)) {
    rows.push([name, ...COST_PHASES.map((p) => `${j(l.phases[p].energyJ)} / ${s(l.phases[p].latencyS)}`), formatValue(l.areaM2, 'm^2')]);
  }
  rows.push(['total', ...COST_PHASES.map((p) => `${j(c.phases[p].energyJ)} / ${s(c.phases[p].latencyS)}`), formatValue(c.areaM2, 'm^2')]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd());
  const parts = Object.entries(c.components).filter(([, v]) => v && v.energyJ > 0).map(([k, v]) => `${k} ${j(v!.energyJ)}`);
  return [
    ...lines,
    '',
    `energy ${j(c.energyJ)}, latency ${s(c.latencyS)}, area ${formatValue(c.areaM2, 'm^2')} (arrays ${formatValue(c.arrayAreaM2, 'm^2')}, periphery ${formatValue(c.peripheryAreaM2, 'm^2')})`,
    `by component: ${parts.join(', ')}`,
    ...(c.notes ?? []).map((n) => `note: ${n}`),
  ].join('\n');
}

export function addCostCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  withPluginOption(withSpecOverrides(program.command('cost')
    .description('estimate the energy, latency and area of one training epoch from the spec alone (no data, no training)')
    .argument('<spec>', 'experiment spec (.yaml, .yml or .json) with a cost section')))
    .option('--json', 'print the cost report as JSON (the shape summary.json keeps under cost)')
    .action(async (file: string, flags: SpecOverrides & { plugin?: string[]; json?: boolean }) => {
      const { plugin, json, ...overrides } = flags;
      try {
        const report = await estimateEpochCost(file, { overrides, plugins: plugin });
        io.stdout.write(`${json ? JSON.stringify(report, null, 2) : formatCost(report)}\n`);
        setExitCode(0);
      } catch (e) {
        if (!(e instanceof SpecError)) throw e;
        io.stderr.write(`${e.message}\n`);
        setExitCode(EXIT_INVALID_SPEC);
      }
    });
}
