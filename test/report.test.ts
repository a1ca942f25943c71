import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RunSummary } from '@txsim/experiment';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVITY_COLUMNS, CONDUCTANCES_FILE, READ_ERROR_FILE } from '@txsim/experiment';
import { ROOT, requireBuild, tempDir, txsim } from './cli.js';

const EXAMPLE = join(ROOT, 'examples/mlp-mnist-txsim.yaml');
const SMALL = ['--epochs', '2', '--train-limit', '500', '--test-limit', '200', '--no-progress'];
const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOT = join(tmpdir(), 'txsim-report.png');

if (!HAS_CHROMIUM && !process.env.CI) {
  console.warn(`NOTICE: ${CHROMIUM} not found, the report's browser check is skipped (apt-get install chromium to run it)`);
}

/** The few playwright-core calls the test makes (the package resolves from packages/cli, not from test/). */
interface Page {
  on(event: 'console', fn: (m: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', fn: (e: Error) => void): void;
  on(event: 'request', fn: (r: { url(): string }) => void): void;
  goto(url: string): Promise<unknown>;
  evaluate<T>(expression: string): Promise<T>;
  screenshot(options: { path: string; fullPage: boolean }): Promise<unknown>;
}
interface Context { newPage(): Promise<Page>; close(): Promise<void> }
interface Playwright {
  chromium: { launchPersistentContext(dir: string, options: { executablePath: string; headless: boolean; args: string[] }): Promise<Context> };
}

/** Every SVG on the page, as its own string. */
const svgs = (html: string) => html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
const seriesLabels = (svg: string) => [...svg.matchAll(/<g class="series" data-label="([^"]*)"/g)].map((m) => m[1]!);

describe('txsim report', () => {
  const tmp = tempDir('report');
  const dirA = join(tmp, 'a');
  const dirB = join(tmp, 'b');
  const out = join(tmp, 'x', 'report.html');
  let html = '';

  beforeAll(async () => {
    requireBuild();
    const runs = await Promise.all([
      txsim(['train', EXAMPLE, ...SMALL, '--seed', '5', '--out', dirA]),
      txsim(['train', EXAMPLE, ...SMALL, '--seed', '6', '--out', dirB]),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    // train records the diagnostics files; run A stands for an older run without them, whose panels must say so.
    for (const file of [CONDUCTANCES_FILE, READ_ERROR_FILE]) {
      expect(existsSync(join(dirB, file))).toBe(true);
      rmSync(join(dirA, file));
    }

    const r = await txsim(['report', dirA, dirB, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    html = readFileSync(out, 'utf8');
  }, 90_000);

  it('writes one self-contained page: plots for both runs and the activity numbers of summary.json', () => {
    expect(html).toMatch(/^<!DOCTYPE html>/);
    // Offline: no scripts, no external stylesheets, fonts or images.
    expect(html).not.toMatch(/<script|<link|@import|@font-face|url\(|src=/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);

    const plots = svgs(html);
    expect(plots.length).toBeGreaterThanOrEqual(2);
    const curves = plots.filter((s) => /Accuracy per epoch|Loss per epoch/.test(s));
    expect(curves).toHaveLength(2);
    for (const svg of curves) {
      expect(svg).toMatch(/<path d="M[\d.]+,[\d.]+ L[\d.]+,[\d.]+"/);
      for (const dir of [dirA, dirB]) {
        expect(seriesLabels(svg)).toEqual(expect.arrayContaining([`mlp-mnist-txsim — ${dir} (test)`, `mlp-mnist-txsim — ${dir} (train)`]));
      }
    }

    for (const dir of [dirA, dirB]) {
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
      const section = html.slice(html.indexOf(`<h3>mlp-mnist-txsim — ${dir}</h3>`));
      const table = section.slice(section.indexOf('<table class="activity">'), section.indexOf('</table>') + 8);
      for (const [layer, phases] of Object.entries(summary.activity)) {
        for (const phase of ['forward', 'backward', 'update'] as const) {
          const cells = ACTIVITY_COLUMNS.map(([k]) => `<td class="n" data-value="${phases[phase][k]}">${phases[phase][k].toLocaleString('en-US')}</td>`).join('');
          expect(table).toContain(`<tr><td>${layer}</td><td>${phase}</td>${cells}</tr>`);
        }
      }
    }
    expect(plots.filter((s) => s.includes('Hardware activity per layer'))).toHaveLength(2);

    // Run B recorded diagnostics, run A did not and says so.
    expect(plots.filter((s) => s.includes('conductances (G+ and G−)'))).toHaveLength(3);
    expect(plots.some((s) => s.includes('Forward read error'))).toBe(true);
    expect(html).toContain(`Not recorded in this run: <code>${dirA}</code> has no <code>conductances.json</code>`);
    expect(html).toContain(`Not recorded in this run: <code>${dirA}</code> has no <code>read-error.json</code>`);
  });

  it('refuses a directory that is not a run directory', async () => {
    const r = await txsim(['report', tmp, '--out', join(tmp, 'bad.html')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${tmp} is not a run directory (no summary.json or metrics.jsonl)`);
    expect(existsSync(join(tmp, 'bad.html'))).toBe(false);
  });

  it.skipIf(!HAS_CHROMIUM && !process.env.CI)('renders in headless Chromium without errors or network requests', async () => {
    if (!HAS_CHROMIUM) throw new Error(`${CHROMIUM} is missing on CI: .ci/run should have installed the Debian chromium package`);
    const { chromium } = createRequire(join(ROOT, 'packages/cli/package.json'))('playwright-core') as Playwright;
    const profile = mkdtempSync(join(tmpdir(), 'txsim-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(out).href;
      await page.goto(url);
      const boxes = await page.evaluate<{ w: number; h: number; paths: number }[]>(
        `[...document.querySelectorAll('svg.plot')].map((s) => { const r = s.getBoundingClientRect(); return { w: r.width, h: r.height, paths: s.querySelectorAll('g.series path, g.series rect').length }; })`,
      );
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
      expect(boxes.length).toBeGreaterThanOrEqual(2);
      for (const b of boxes) {
        expect(b.w).toBeGreaterThan(100);
        expect(b.h).toBeGreaterThan(100);
        expect(b.paths).toBeGreaterThan(0);
      }
      expect(readFileSync(SCREENSHOT).subarray(1, 4).toString()).toBe('PNG');
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
