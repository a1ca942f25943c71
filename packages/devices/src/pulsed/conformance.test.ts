import { describe, expect, it } from 'vitest';
import { pluginConformance } from '@txsim/core/testing';
import { pulsedPlugins } from './index.js';

pluginConformance(pulsedPlugins, { describe, it, expect });

describe('pulsed devices with write noise', () => {
  // With write noise the devices gain read, snapshot and restore hooks: run the suite over those too.
  const noisy = pulsedPlugins.map((plugin) => ({
    ...plugin,
    create: (ctx: Parameters<typeof plugin.create>[0], p: object) => (plugin.create as (c: unknown, q: object) => unknown)(ctx, { ...p, writeNoiseStd: 2 }),
  }));
  pluginConformance(noisy as unknown as typeof pulsedPlugins, { describe, it, expect });
});
