/**
 * When training has diverged. A classifier that knows nothing has cross-entropy ln(classes) (uniform
 * outputs); a mean batch loss a hundred times that means the logits are exploding, not learning (a
 * learning rate of 1e6 reaches 1e29). NaN and infinite losses diverge at once.
 */
export const DIVERGED_LOSS_FACTOR = 100;

/** The batch loss above which a run counts as diverged, for `classes` outputs. */
export function divergedLossLimit(classes: number): number {
  return DIVERGED_LOSS_FACTOR * Math.log(Math.max(2, classes));
}

/** Where a network's parameters went wrong: its first layer holding a non-finite value, else its largest |value|. */
export interface ParameterHealth {
  /** `layer.array` of the first non-finite parameter, in layer order. */
  readonly nonFinite?: string;
  /** `layer.array` holding the largest finite |value|, and that value. */
  readonly largest?: { readonly where: string; readonly value: number };
}

/** Scans named parameter arrays (layer → array name → values) in order. */
export function parameterHealth(state: Readonly<Record<string, Readonly<Record<string, ArrayLike<number>>>>>): ParameterHealth {
  let largest: ParameterHealth['largest'];
  for (const [layer, arrays] of Object.entries(state)) {
    for (const [key, values] of Object.entries(arrays)) {
      let max = 0;
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        if (!Number.isFinite(v)) return { nonFinite: `${layer}.${key}` };
        const a = Math.abs(v);
        if (a > max) max = a;
      }
      if (!largest || max > largest.value) largest = { where: `${layer}.${key}`, value: max };
    }
  }
  return largest ? { largest } : {};
}

/** The sentence a divergence error ends with: which parameters to look at. */
export function describeHealth(health: ParameterHealth | undefined): string {
  if (!health) return '';
  if (health.nonFinite) return `; ${health.nonFinite} is the first parameter array holding non-finite values`;
  if (health.largest) return `; every parameter is still finite, the largest |value| is ${health.largest.value.toPrecision(3)} in ${health.largest.where}`;
  return '';
}
