import type { z } from 'zod';
import { kebabCase, PluginDefinitionError } from './errors.js';
import type { ParamSchema } from './params.js';
import type { HooksByKind, Plugin, PluginContext, PluginKind, PluginMeta } from './types.js';

/** What a `define…()` helper takes: metadata without the kind, and the factory of the slot's hooks. */
export type PluginDefinition<K extends PluginKind, S extends ParamSchema> = {
  meta: Omit<PluginMeta<S>, 'kind'>;
  create(ctx: PluginContext, params: z.output<S>): HooksByKind[K];
};

/** Plugin names: kebab-case, the way their files are named and specs refer to them. */
export const PLUGIN_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Why `name` is not a plugin name (with the kebab-case form to use), or undefined when it is one. */
export function pluginNameProblem(name: unknown): string | undefined {
  if (typeof name === 'string' && PLUGIN_NAME.test(name)) return undefined;
  if (typeof name !== 'string') return `plugin name must be a kebab-case string, got ${JSON.stringify(name) ?? String(name)}`;
  const suggestion = kebabCase(name);
  return `plugin name "${name}" must be kebab-case${suggestion ? `, e.g. "${suggestion}"` : ''}`;
}

function define<K extends PluginKind>(kind: K) {
  return <S extends ParamSchema>(def: PluginDefinition<K, S>): Plugin<K, S> => {
    const problem = pluginNameProblem(def.meta.name);
    if (problem) throw new PluginDefinitionError(problem);
    return Object.freeze({ meta: Object.freeze({ ...def.meta, kind }), create: def.create });
  };
}

export const defineDevice = define('device');
export const defineDac = define('dac');
export const defineSenseAmp = define('sense-amp');
export const defineAdc = define('adc');
export const defineUpdateRule = define('update-rule');
export const defineNonideality = define('nonideality');

/** Cost plugins also name the component they price (`meta.component`), so a spec slot can check it. */
export const defineCost = define('cost');
