import type { InitRef, Rng } from '@txsim/core';

/** A layer's fans: a linear layer's inputs and outputs, a conv's in_channels·k² and out_channels·k². */
export interface Fans {
  readonly fanIn: number;
  readonly fanOut: number;
}

/**
 * Fills `out` from an initial-value distribution (spec/recipe.ts documents each). `rng` is asked for
 * only when something is drawn, so zeros and constants create no random stream. The uniform limits
 * are written as today's network code wrote them (√(6/(fan_in + fan_out)), √(6/fan_in)) so that the
 * default initialisations stay bit for bit what they were.
 */
export function fillInit(ref: InitRef, out: Float32Array, fans: Fans, role: 'weights' | 'bias', rng: () => Rng): void {
  const { fanIn, fanOut } = fans;
  const uniform = (limit: number) => rng().fillUniform(out, -limit, limit);
  const normal = (std: number) => rng().fillNormal(out, 0, std);
  switch (ref.name) {
    case 'glorot-uniform':
      return void uniform(ref.gain === 1 ? Math.sqrt(6 / (fanIn + fanOut)) : ref.gain * Math.sqrt(6 / (fanIn + fanOut)));
    case 'glorot-normal':
      return void normal(ref.gain * Math.sqrt(2 / (fanIn + fanOut)));
    case 'kaiming-uniform':
      // gain √(2/(1 + a²)) times √(3/fan_in), in one root.
      return void uniform(Math.sqrt(6 / ((1 + ref.a * ref.a) * fanIn)));
    case 'kaiming-normal':
      return void normal(Math.sqrt(2 / ((1 + ref.a * ref.a) * fanIn)));
    case 'pytorch-default':
      // Weights: kaiming-uniform with a = √5 gives √(6/(6·fan_in)) = 1/√fan_in; the bias is U(±1/√fan_in) by definition.
      return void uniform(1 / Math.sqrt(fanIn));
    case 'uniform':
      return void uniform(ref.limit);
    case 'normal':
      return void normal(ref.std);
    case 'discrete': {
      const r = rng();
      const n = ref.values.length;
      for (let i = 0; i < out.length; i++) out[i] = ref.values[Math.min(n - 1, Math.floor(r.next() * n))]!;
      return;
    }
    case 'bengio':
      return void uniform(4 * Math.sqrt(6 / (fanIn + fanOut)));
    case 'zeros':
      return void out.fill(0);
    case 'constant':
      return void out.fill(ref.value);
  }
  throw new Error(`unknown ${role} init ${JSON.stringify(ref)}`);
}
