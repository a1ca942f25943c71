import math from 'mathjs/lib/browser/math.js';
import type { PackUnit } from '../plugin/pack.js';
import { UnitError } from './units.js';

type MathUnit = import('mathjs').Unit;

/** Which pack registered each name (a unit and its aliases), so a clash can name both packs. */
const registered = new Map<string, { definition: string; source: string }>();

/** The SI value of one `name`, or undefined if mathjs does not know the name. */
function meaningOf(text: string): MathUnit | undefined {
  try {
    return (math.unit(text) as MathUnit).toSI();
  } catch {
    return undefined;
  }
}

function sameMeaning(a: MathUnit, b: MathUnit): boolean {
  if (!a.equalBase(b)) return false;
  const x = a.value ?? 1;
  const y = b.value ?? 1;
  return Math.abs(x - y) <= 1e-12 * Math.max(Math.abs(x), Math.abs(y));
}

/**
 * Adds a pack's units to the parser `toSI` uses (mathjs's shared instance, so process-wide). Registering
 * a name again with the same meaning is a no-op — a pack loaded twice, or a pack spelling out a unit
 * mathjs already has with that value ("mK" = "0.001 K"). A name that exists with another meaning, a
 * built-in or another pack's, is an error naming the pack: specs would otherwise parse differently
 * depending on which packs were loaded.
 */
export function registerUnits(units: readonly PackUnit[], source: string): void {
  for (const unit of units) {
    const target = meaningOf(unit.definition);
    if (!target || target.value === null) {
      throw new UnitError(`${source}: unit "${unit.name}" is defined as "${unit.definition}", which is not a quantity mathjs can parse (write e.g. "0.001 K")`);
    }
    const fresh: string[] = [];
    for (const name of [unit.name, ...(unit.aliases ?? [])]) {
      const existing = math.Unit.isValuelessUnit(name) ? meaningOf(`1 ${name}`) : undefined;
      if (!existing) {
        fresh.push(name);
        continue;
      }
      if (sameMeaning(existing, target)) continue;
      const owner = registered.get(name);
      const by = owner ? `pack ${owner.source} (as "${owner.definition}")` : 'mathjs (a built-in unit)';
      throw new UnitError(`${source}: unit "${name}" = "${unit.definition}" clashes with "${name}" already defined by ${by}; choose another name`);
    }
    if (!fresh.length) continue;
    const [first, ...aliases] = fresh;
    try {
      math.createUnit(first!, { definition: unit.definition, aliases });
    } catch (e) {
      throw new UnitError(`${source}: cannot register unit "${unit.name}": ${e instanceof Error ? e.message : String(e)}`);
    }
    for (const name of fresh) registered.set(name, { definition: unit.definition, source });
  }
}
