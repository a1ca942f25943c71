import { type AnyPlugin, closest, type DependencyContainer, listPlugins, metaOf, paramDefaults, type ParamMeta, PLUGIN_KINDS } from '@txsim/core';
import type { Command } from 'commander';
import { openPlugins } from '@txsim/experiment';
import { withPluginOption } from './options.js';
import type { CliIo } from '../io.js';

const PREFIXES: ReadonlyArray<[number, string]> = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k'], [1, ''], [1e-3, 'm'], [1e-6, 'u'], [1e-9, 'n'], [1e-12, 'p']];

/** An SI value the way a spec would write it: 100000 ohm → "100 kohm", 1e-5 S → "10 uS". */
export function formatValue(value: unknown, unit: ParamMeta['unit'] | undefined): string {
  if (value === undefined) return '-';
  if (typeof value !== 'number') return JSON.stringify(value);
  if (!unit || unit === '1') return String(value);
  if (unit === 'bits') return String(value);
  if (value === 0) return `0 ${unit}`;
  // SI prefixes read well on a plain symbol (kΩ, µS, mK), not on a compound unit (1/K, V/s).
  if (!/^[A-Za-z]+$/.test(unit)) return `${Number(value.toPrecision(6))} ${unit}`;
  const [scale, prefix] = PREFIXES.find(([s]) => Math.abs(value) >= s * (1 - 1e-12)) ?? PREFIXES[PREFIXES.length - 1]!;
  return `${Number((value / scale).toPrecision(6))} ${prefix}${unit}`;
}

/** Left-aligned columns, two spaces apart; the last column is not padded. */
function table(rows: readonly string[][], indent = '  '): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => indent + r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n');
}

/** Every registered plugin, grouped by kind: name, phases, description. */
export function formatPluginList(container: DependencyContainer): string {
  const groups = PLUGIN_KINDS.map((kind) => ({ kind, plugins: listPlugins(container, kind) })).filter((g) => g.plugins.length);
  const rows = groups.flatMap((g) => g.plugins.map((p) => [p.meta.name, p.meta.phases.join(', '), p.meta.description]));
  if (!rows.length) return 'no plugins registered\n';
  // One table over all groups, so columns line up across kinds.
  const lines = table(rows).split('\n');
  let i = 0;
  return groups.map((g) => `${g.kind}\n${g.plugins.map(() => lines[i++]).join('\n')}\n`).join('\n');
}

/** Parameters of a plugin with unit, default, neutral value and description, read from its schema. */
export function formatPluginDescription(plugin: AnyPlugin): string {
  const { meta } = plugin;
  const shape = (meta.params as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  // Field by field, so a required parameter (no default) leaves the others' defaults readable.
  const defaults = paramDefaults(meta.params);
  const out = [`${meta.name} (${meta.kind})`, `  ${meta.description}`, `  phases: ${meta.phases.join(', ')}`, ''];
  const keys = Object.keys(shape);
  if (keys.length) {
    const rows = [['param', 'unit', 'default', 'neutral', 'description']];
    for (const key of keys) {
      const m = metaOf(shape[key] as Parameters<typeof metaOf>[0]);
      rows.push([
        key,
        m?.unit && m.unit !== '1' ? m.unit : '-',
        key in defaults ? formatValue(defaults[key], m?.unit) : 'required',
        formatValue(m?.neutral, m?.unit),
        m?.description ?? '',
      ]);
    }
    out.push('params:', table(rows), '');
  } else {
    out.push('params: none', '');
  }
  if (meta.references?.length) out.push('references:', ...meta.references.map((r) => `  ${r}`), '');
  return out.join('\n');
}

export function describePlugins(container: DependencyContainer, name: string): string {
  const all = PLUGIN_KINDS.flatMap((kind) => listPlugins(container, kind));
  const found = all.filter((p) => p.meta.name === name);
  if (!found.length) {
    const near = closest(name, all.map((p) => p.meta.name));
    throw new Error(`no plugin named "${name}"${near ? ` (did you mean "${near}"?)` : ''}; run \`txsim plugins list\``);
  }
  return found.map(formatPluginDescription).join('\n');
}

export function addPluginsCommand(program: Command, io: CliIo): void {
  const plugins = program.command('plugins').description('list the registered plugins or describe one');
  withPluginOption(plugins.command('list')
    .description('every registered plugin, grouped by kind: name, phases, description'))
    .action(async (flags: { plugin?: string[] }) => {
      io.stdout.write(formatPluginList((await openPlugins({ plugins: flags.plugin })).container));
    });
  withPluginOption(plugins.command('describe')
    .description("a plugin's parameters with unit, default, neutral value and description")
    .argument('<name>', 'plugin name, e.g. wire-resistance'))
    .action(async (name: string, flags: { plugin?: string[] }) => {
      io.stdout.write(describePlugins((await openPlugins({ plugins: flags.plugin })).container, name));
    });
}
