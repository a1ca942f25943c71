import type { AnyPlugin, NonidealityHooks } from './types.js';

/** Non-ideality hooks that act when the crossbar is read (forward or backward). */
export const READ_HOOKS = ['conductance', 'input', 'output'] as const;
/** Non-ideality hooks that act in the update phase. */
export const UPDATE_HOOKS = ['delta', 'after'] as const;

/**
 * Why a plugin's declared phases do not match the hooks one of its instances returned, or undefined when
 * they match. Spec resolution trusts the declaration to enable a plugin per phase, so a hook outside its
 * declared phases would run where the spec said it would not. Only non-idealities choose their hooks;
 * slot plugins (device, converters, update rule) have fixed ones and always pass.
 */
export function phaseMismatch(plugin: AnyPlugin, hooks: unknown): string | undefined {
  if (plugin.meta.kind !== 'nonideality') return undefined;
  const h = hooks as NonidealityHooks;
  const read = READ_HOOKS.filter((k) => h[k]);
  const update = UPDATE_HOOKS.filter((k) => h[k]);
  const declared = new Set(plugin.meta.phases);
  const declaresRead = declared.has('forward') || declared.has('backward');
  const name = `nonideality "${plugin.meta.name}"`;
  if (!read.length && !update.length) return `${name} returns none of the hooks ${[...READ_HOOKS, ...UPDATE_HOOKS].join(', ')}`;
  if (read.length && !declaresRead) return `${name} has read hooks (${read.join(', ')}) but declares no read phase (forward, backward)`;
  if (!read.length && declaresRead) return `${name} declares a read phase but has no read hook (${READ_HOOKS.join(', ')})`;
  if (update.length && !declared.has('update')) return `${name} has update hooks (${update.join(', ')}) but does not declare the update phase`;
  if (!update.length && declared.has('update')) return `${name} declares the update phase but has no update hook (${UPDATE_HOOKS.join(', ')})`;
  return undefined;
}
