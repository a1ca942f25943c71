import type { DependencyContainer } from '../di.js';
import { listPlugins } from '../plugin/registry.js';
import type { SpecIssue } from './errors.js';

/**
 * Pairs of non-idealities one stack must not hold together, as their plugins declare in
 * `meta.excludes` (either side's declaration is enough: `wire-circuit` excludes `wire-resistance`
 * because both add the same wires). Each pair is reported once, at the later entry, naming both.
 * `at(i)` is the path the user wrote entry i under; `skip(i, j)` drops a pair reported elsewhere
 * (a layer's pair inherited whole from the experiment-wide stack).
 */
export function stackConflicts(
  container: DependencyContainer,
  names: readonly string[],
  at: (i: number) => string,
  owns: (i: number) => boolean = () => true,
): SpecIssue[] {
  const excludes = new Map(listPlugins(container, 'nonideality').map((p) => [p.meta.name, p.meta.excludes ?? []]));
  const clash = (a: string, b: string) => (excludes.get(a) ?? []).includes(b) || (excludes.get(b) ?? []).includes(a);
  const issues: SpecIssue[] = [];
  for (let j = 0; j < names.length; j++) {
    for (let i = 0; i < j; i++) {
      if (!clash(names[i]!, names[j]!) || (!owns(i) && !owns(j))) continue;
      const [here, there] = owns(j) ? [j, i] : [i, j];
      issues.push({
        path: at(here),
        message: `"${names[here]}" cannot be combined with "${names[there]}" (at ${at(there)}) in one stack: both model the same effect, so it would be applied twice; keep one of them`,
      });
    }
  }
  return issues;
}
