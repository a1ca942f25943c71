import { defineDevice, integer, params, quantity, real, type Polarity } from '@txsim/core';

/**
 * The example device of docs/writing-a-device.md: a linear pulse response with per-device step sizes,
 * an up/down asymmetry, hard bounds and a constant-rate drift toward gmin after every update step.
 *
 *   up pulse:    g ← min(gmax, g + s_k)            s_k = Δ·max(0, 1 + stepDtod·ξ_k),  Δ = (gmax − gmin)/states
 *   down pulse:  g ← max(gmin, g − asymmetry·s_k)
 *   settle:      g ← max(gmin, g − drift)          once per mini-batch
 */
export const linearDrift = defineDevice({
  meta: {
    name: 'linear-drift',
    description: 'A linear pulsed device with per-device steps, up/down asymmetry and a constant drift toward gmin after every update.',
    phases: ['forward', 'backward', 'update'],
    params: params({
      gmin: quantity('S', { description: 'Lowest conductance (the reset state).', default: 0.1e-6, min: 0 }),
      gmax: quantity('S', { description: 'Highest conductance.', default: 10e-6, min: 0, exclusiveMin: true }),
      states: integer({ description: 'Nominal potentiating pulses from gmin to gmax.', default: 200, min: 1 }),
      stepDtod: real({ description: 'Device-to-device spread of the step size, relative to the nominal step.', default: 0.1, min: 0, neutral: 0 }),
      asymmetry: real({ description: 'Depressing step over potentiating step of the same device.', default: 1, min: 0, exclusiveMin: true, neutral: 1 }),
      drift: quantity('S', { description: 'Conductance lost per update step (mini-batch), toward gmin.', default: 0, min: 0, neutral: 0 }),
    }).refine((p) => p.gmax > p.gmin, { message: 'gmax must exceed gmin', path: ['gmax'] }),
    references: ['txsim documentation example (docs/writing-a-device.md); the step model is aihwkit\'s ConstantStep without cycle-to-cycle noise.'],
  },
  create: (ctx, p) => {
    const n = ctx.geometry.paddedRows * ctx.geometry.paddedCols;
    const nominal = (p.gmax - p.gmin) / p.states;
    // Each polarity is its own set of physical devices: draw both at create, plus first, from the
    // plugin's stream, so the same seed gives the same population.
    const drawSteps = () => {
      const s = ctx.rng.fillNormal(new Float64Array(n), 1, p.stepDtod) as Float64Array;
      for (let k = 0; k < n; k++) s[k] = nominal * Math.max(0, s[k]!);
      return s;
    };
    const steps: Record<Polarity, Float64Array> = { plus: drawSteps(), minus: drawSteps() };
    const lo = p.gmin;
    const hi = p.gmax;

    return {
      gmin: p.gmin,
      gmax: p.gmax,
      pulseStep: nominal,
      clipsItself: true,
      pulse(g, up, down, dst, { polarity }) {
        const s = steps[polarity];
        // Linear steps commute, so interleaving only matters at a bound; the net change is clipped once.
        for (let k = 0; k < g.length; k++) {
          const v = g[k]! + (up[k]! - p.asymmetry * down[k]!) * s[k]!;
          dst[k] = v < lo ? lo : v > hi ? hi : v;
        }
      },
      respond(g, delta, dst, { polarity }) {
        // An analog request of delta is delta/nominal (fractional) pulses of this device's own step.
        const s = steps[polarity];
        const inv = 1 / nominal;
        for (let k = 0; k < g.length; k++) {
          const d = delta[k]!;
          const v = g[k]! + d * inv * s[k]! * (d < 0 ? p.asymmetry : 1);
          dst[k] = v < lo ? lo : v > hi ? hi : v;
        }
      },
      settle(g) {
        if (p.drift === 0) return;
        for (let k = 0; k < g.length; k++) g[k] = Math.max(p.gmin, g[k]! - p.drift);
      },
      reset(g) {
        g.fill(p.gmin);
      },
    };
  },
});
