import { closest, listPlugins, metaOf, paramDefaults, PLUGIN_KINDS, type AnyPlugin, type DependencyContainer } from '@txsim/core';
import type { Command } from 'commander';
import { formatValue } from '@txsim/core';
import { openPlugins } from '@txsim/experiment';
import { withPluginOption } from './options.js';
import type { CliIo } from '../io.js';

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
        // A file's path is taken from the spec's folder and recorded with its hash; "path" says it is one.
        m?.file ? 'path' : m?.unit && m.unit !== '1' ? m.unit : '-',
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
