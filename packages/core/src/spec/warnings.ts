import type { DependencyContainer } from '../di.js';
import { paramWarnings } from '../plugin/plausibility.js';
import { findPlugin } from '../plugin/registry.js';
import type { PluginKind } from '../plugin/types.js';
import { formatPath, type SpecIssue } from './errors.js';
import type { LayerPlan, ResolvedCrossbar, ResolvedPlugin } from './resolve.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The raw entry a resolved slot came from, for telling a bare number from a value with a unit. */
function rawParams(raw: unknown, path: readonly (string | number)[]): Record<string, unknown> | undefined {
  let cur = raw;
  for (const key of path) cur = isObject(cur) || Array.isArray(cur) ? (cur as Record<string | number, unknown>)[key] : undefined;
  return isObject(cur) && isObject(cur.params) ? cur.params : undefined;
}

function slots(cb: ResolvedCrossbar): Array<[PluginKind, ResolvedPlugin, Array<string | number>]> {
  const out: Array<[PluginKind, ResolvedPlugin, Array<string | number>]> = [
    ['device', cb.device, ['device']],
    ['update-rule', cb.updateRule, ['updateRule']],
    ['dac', cb.read.forward.dac, ['dac']],
    ['sense-amp', cb.read.forward.senseAmp, ['senseAmp']],
    ['adc', cb.read.forward.adc, ['adc']],
  ];
  if (cb.read.backward.dac !== cb.read.forward.dac) out.push(['dac', cb.read.backward.dac, ['backward', 'dac']]);
  if (cb.read.backward.senseAmp !== cb.read.forward.senseAmp) out.push(['sense-amp', cb.read.backward.senseAmp, ['backward', 'senseAmp']]);
  if (cb.read.backward.adc !== cb.read.forward.adc) out.push(['adc', cb.read.backward.adc, ['backward', 'adc']]);
  cb.nonidealities.forEach((n, i) => out.push(['nonideality', n, ['nonidealities', i]]));
  return out;
}

/**
 * Parameters that parsed but lie outside what a device plausibly has (a conductance of 10 S, meant as
 * 10 µS): warnings, each with its path, once per message however many layers inherit the value.
 */
export function specWarnings(container: DependencyContainer, raw: unknown, base: ResolvedCrossbar | undefined, plans: readonly LayerPlan[]): SpecIssue[] {
  const out: SpecIssue[] = [];
  const seen = new Set<string>();
  const visit = (cb: ResolvedCrossbar, prefix: Array<string | number>) => {
    for (const [kind, ref, at] of slots(cb)) {
      const plugin = findPlugin(container, kind, ref.name);
      const path = [...prefix, ...at];
      for (const w of paramWarnings(plugin.meta.params, ref.params as Record<string, unknown>, rawParams(raw, path))) {
        if (seen.has(w.message)) continue;
        seen.add(w.message);
        out.push({ path: formatPath([...path, 'params', w.key]), message: w.message });
      }
    }
  };
  if (base) visit(base, ['crossbar']);
  for (const plan of plans) if (plan.crossbar && plan.crossbar !== base) visit(plan.crossbar, ['layers', plan.name, 'crossbar']);
  return out;
}
