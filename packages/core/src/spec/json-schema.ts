import { z } from 'zod';
import type { DependencyContainer } from '../di.js';
import { metaOf, paramDefaults } from '../plugin/params.js';
import { listPlugins } from '../plugin/registry.js';
import type { AnyPlugin, PluginKind } from '../plugin/types.js';
import { COST_SLOTS } from '../cost/resolve.js';
import { dimensionName } from '../units/units.js';
import { specSchema } from './schema.js';

/** A JSON Schema object, as plain data. */
export type JsonSchemaObject = Record<string, unknown>;

/**
 * A parameter's schema with its description, unit and neutral value. Quantities parse "100 kohm" into
 * SI numbers with a transform, which JSON Schema cannot express: on the input side they are "a number
 * in the unit, or a string with a unit", and their default is the SI number.
 */
function describeParam(field: z.ZodType, generated: JsonSchemaObject, dflt: unknown): JsonSchemaObject {
  const meta = metaOf(field);
  if (!meta) return generated;
  const neutral = meta.neutral !== undefined ? ` Neutral value: ${JSON.stringify(meta.neutral)}.` : '';
  if (meta.unit === '1' || meta.unit === 'bits') {
    return { ...generated, description: `${meta.description}${meta.unit === 'bits' ? ' Unit: bits.' : ''}${neutral}` };
  }
  const unit = meta.unit;
  return {
    anyOf: [{ type: 'number' }, { type: 'string' }],
    description: `${meta.description} A ${dimensionName(unit)}: a number in ${unit}, or a string with a unit such as "1 ${unit}".${neutral}`,
    ...(dflt !== undefined ? { default: dflt } : {}),
  };
}

function paramsSchema(plugin: AnyPlugin): JsonSchemaObject {
  const schema = plugin.meta.params as unknown as z.ZodObject<z.ZodRawShape>;
  const { $schema: _drop, ...js } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaObject;
  const defaults = paramDefaults(schema);
  const props = (js.properties ?? {}) as Record<string, JsonSchemaObject>;
  for (const [key, field] of Object.entries(schema.shape ?? {})) {
    if (props[key]) props[key] = describeParam(field as z.ZodType, props[key], defaults[key]);
  }
  return js;
}

function pluginObject(plugin: AnyPlugin): JsonSchemaObject {
  return {
    type: 'object',
    description: plugin.meta.description,
    properties: {
      name: { const: plugin.meta.name },
      params: paramsSchema(plugin),
      phases: { type: 'array', minItems: 1, items: { enum: [...plugin.meta.phases] } },
    },
    required: ['name'],
    additionalProperties: false,
  };
}

/** A slot: any registered plugin of the kind, by name alone or as `{ name, params, phases }`. */
function kindDef(container: DependencyContainer, kind: PluginKind, byName: boolean): JsonSchemaObject {
  const plugins = listPlugins(container, kind);
  const names = plugins.map((p) => p.meta.name);
  const objects = plugins.map(pluginObject);
  return { anyOf: [...(byName ? [{ type: 'string', enum: names }] : []), ...objects] };
}

/**
 * A union of `{ name, ... }` objects behind a preprocess that also takes the bare name (init refs,
 * schedules): the JSON Schema shows the object side only, so the names are added as strings.
 */
function nameShorthand(ctx: { zodSchema: unknown; jsonSchema: JsonSchemaObject }): void {
  const def = (ctx.zodSchema as { _zod?: { def: { type: string; in?: { _zod: { def: { type: string } } } } } })._zod?.def;
  if (def?.type !== 'pipe' || def.in?._zod.def.type !== 'transform') return;
  const options = ctx.jsonSchema.oneOf as JsonSchemaObject[] | undefined;
  const names = options?.map((o) => ((o.properties as Record<string, { const?: unknown }> | undefined)?.name?.const)).filter((n): n is string => typeof n === 'string');
  if (!options || !names?.length) return;
  delete ctx.jsonSchema.oneOf;
  ctx.jsonSchema.anyOf = [{ type: 'string', enum: names }, ...options];
}

const DEF: Record<string, PluginKind> = { device: 'device', dac: 'dac', senseAmp: 'sense-amp', adc: 'adc', updateRule: 'update-rule' };

/**
 * JSON Schema (draft 2020-12) of the spec's input side, for editors: generated from the zod schema,
 * with each plugin slot narrowed to the plugins registered in `container` and their parameters.
 */
export function specJsonSchema(container: DependencyContainer, options: { presets?: readonly string[] } = {}): JsonSchemaObject {
  const root = z.toJSONSchema(specSchema, { io: 'input', unrepresentable: 'any', override: nameShorthand }) as JsonSchemaObject;
  const props = root.properties as Record<string, JsonSchemaObject>;
  const cb = props.crossbar!;
  const cbProps = cb.properties as Record<string, JsonSchemaObject>;
  const $defs: Record<string, JsonSchemaObject> = {};
  for (const kind of new Set(Object.values(DEF))) $defs[kind] = kindDef(container, kind, true);
  $defs.nonideality = kindDef(container, 'nonideality', false);
  const ref = (kind: string, from: JsonSchemaObject): JsonSchemaObject => (from.default !== undefined ? { $ref: `#/$defs/${kind}`, default: from.default } : { $ref: `#/$defs/${kind}` });
  for (const [key, kind] of Object.entries(DEF)) cbProps[key] = ref(kind, cbProps[key]!);
  cbProps.nonidealities = { ...cbProps.nonidealities, items: { $ref: '#/$defs/nonideality' } };
  const back = cbProps.backward!.properties as Record<string, JsonSchemaObject>;
  for (const key of ['dac', 'senseAmp', 'adc']) back[key] = ref(DEF[key]!, back[key]!);
  // Each cost slot takes the cost plugins that price its component (cost/resolve.ts checks the same).
  const cost = props.cost?.properties as Record<string, JsonSchemaObject> | undefined;
  for (const [slot, component] of COST_SLOTS) {
    if (!cost?.[slot]) continue;
    const plugins = listPlugins(container, 'cost').filter((p) => p.meta.component === component);
    $defs[`cost-${component}`] = { anyOf: [{ type: 'string', enum: plugins.map((p) => p.meta.name) }, ...plugins.map(pluginObject)] };
    cost[slot] = ref(`cost-${component}`, cost[slot]!);
  }
  props.preset = {
    ...props.preset,
    description: `Presets (partial specs) applied over the defaults and under this spec, in order.${options.presets?.length ? ` Shipped presets: ${options.presets.join(', ')}.` : ''}`,
  };
  const { $schema, ...rest } = root;
  return { $schema, title: 'txsim experiment spec', ...rest, $defs };
}
