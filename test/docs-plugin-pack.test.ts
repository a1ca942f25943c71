import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli.js';

/** docs/writing-a-plugin.md shows the example pack's files; they must be the files the tests run. */
describe('docs/writing-a-plugin.md', () => {
  const doc = readFileSync(join(ROOT, 'docs/writing-a-plugin.md'), 'utf8');
  const blocks = [...doc.matchAll(/```(\w+)\n([\s\S]*?)\n```/g)].map((m) => m[2]!);
  const file = (name: string) => readFileSync(join(ROOT, 'examples/plugin-pack', name), 'utf8').trimEnd();

  for (const name of ['thermal-tcr.ts', 'thermal-tcr.test.ts', 'arrhenius-reram.ts', 'arrhenius-kernel.ts', 'arrhenius-kernel.test.ts', 'assembly/arrhenius.ts', 'index.ts', 'spec.yaml']) {
    it(`shows examples/plugin-pack/${name} as it is`, () => {
      expect(blocks).toContain(file(name));
    });
  }

  it('shows the package manifest with a published version of @txsim/core', () => {
    expect(blocks).toContain(file('package.json').replace('"workspace:*"', '"^0.1.0"'));
  });
});
