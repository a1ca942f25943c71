import type { z } from 'zod';
import type { ParamSchema } from './params.js';
import type { HooksByKind, Plugin, PluginContext, PluginKind, PluginMeta } from './types.js';

/** What a `define…()` helper takes: metadata without the kind, and the factory of the slot's hooks. */
export type PluginDefinition<K extends PluginKind, S extends ParamSchema> = {
  meta: Omit<PluginMeta<S>, 'kind'>;
  create(ctx: PluginContext, params: z.output<S>): HooksByKind[K];
};

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

function define<K extends PluginKind>(kind: K) {
  return <S extends ParamSchema>(def: PluginDefinition<K, S>): Plugin<K, S> => {
    if (!NAME.test(def.meta.name)) throw new Error(`plugin name "${def.meta.name}" must be kebab-case`);
    return Object.freeze({ meta: Object.freeze({ ...def.meta, kind }), create: def.create });
  };
}

export const defineDevice = define('device');
export const defineDac = define('dac');
export const defineSenseAmp = define('sense-amp');
export const defineAdc = define('adc');
export const defineUpdateRule = define('update-rule');
export const defineNonideality = define('nonideality');
