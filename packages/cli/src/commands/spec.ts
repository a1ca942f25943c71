import { specJsonSchema } from '@txsim/core';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { createPluginContainer, openSpec, readPresets, type SpecOverrides } from '@txsim/experiment';
import type { CliIo } from '../io.js';
import { withPluginOption, withSpecOverrides } from './options.js';

/** The JSON Schema of a spec for the plugins and presets txsim ships, as committed in docs/txsim-spec.schema.json. */
export function specSchemaText(): string {
  const schema = specJsonSchema(createPluginContainer(), { presets: readPresets().map((p) => p.name) });
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** A spec with presets applied and every default and plugin parameter filled in (SI numbers). */
export async function resolvedSpecText(file: string, overrides: SpecOverrides, json: boolean, plugins?: readonly string[], warn: (line: string) => void = () => {}): Promise<string> {
  const { spec, warnings } = (await openSpec(file, { overrides, plugins })).resolved;
  for (const w of warnings ?? []) warn(`warning: ${w.path}: ${w.message}`);
  return json ? `${JSON.stringify(spec, null, 2)}\n` : stringify(spec, { lineWidth: 0 });
}

interface SpecFlags extends SpecOverrides {
  readonly resolved?: boolean;
  readonly schema?: boolean;
  readonly json?: boolean;
  readonly plugin?: string[];
}

export function addSpecCommand(program: Command, io: CliIo): void {
  withPluginOption(withSpecOverrides(program.command('spec')
    .description('print a spec fully resolved (--resolved <spec>) or the JSON Schema of specs (--schema)')
    .argument('[spec]', 'experiment spec (.yaml, .yml or .json), with --resolved')
    .option('--resolved', 'print the spec with presets applied and every default and plugin parameter filled in')
    .option('--json', 'with --resolved: print JSON instead of YAML')
    .option('--schema', 'print the JSON Schema of specs (for editors) and nothing else')))
    .action(async (file: string | undefined, flags: SpecFlags) => {
      if (flags.schema) {
        if (flags.resolved || file) throw new Error('spec --schema takes no spec file and no --resolved');
        io.stdout.write(specSchemaText());
        return;
      }
      if (!flags.resolved || !file) throw new Error('usage: txsim spec --resolved <spec> [--json] | txsim spec --schema');
      const { resolved: _r, schema: _s, json, plugin, ...overrides } = flags;
      io.stdout.write(await resolvedSpecText(file, overrides, json ?? false, plugin, (line) => io.stderr.write(`${line}\n`)));
    });
}
