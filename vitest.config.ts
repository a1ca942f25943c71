import { readdirSync } from 'node:fs';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

const packages = readdirSync(new URL('./packages', import.meta.url));

export default defineConfig({
  // Load each workspace package from its TypeScript sources (the @txsim/source export condition), not dist/.
  ssr: { resolve: { conditions: ['@txsim/source', ...defaultServerConditions] } },
  // Test files sit outside every tsconfig `include` for Oxc; without this, tsyringe decorators fail to parse there.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    testTimeout: 120_000,
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: { name, root: `packages/${name}`, include: ['src/**/*.test.ts'] },
      })),
      // A plugin pack living in its own package, as a researcher's would.
      { extends: true as const, test: { name: 'plugin-pack', root: 'examples/plugin-pack', include: ['*.test.ts'] } },
      { extends: true as const, test: { name: 'e2e', include: ['test/**/*.test.ts'] } },
    ],
  },
});
