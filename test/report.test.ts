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

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Opens `file` in headless Chromium, collecting console errors and requests, and hands the page to `fn`. */
async function inChromium<T>(file: string, fn: (page: Page, seen: { errors: string[]; requests: string[]; url: string }) => Promise<T>): Promise<T> {
  if (!HAS_CHROMIUM) throw new Error(`${CHROMIUM} is missing on CI: .ci/run should have installed the Debian chromium package`);
  const { chromium } = createRequire(join(ROOT, 'packages/cli/package.json'))('playwright-core') as Playwright;
  const profile = mkdtempSync(join(tmpdir(), 'txsim-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await context.newPage();
    const seen = { errors: [] as string[], requests: [] as string[], url: pathToFileURL(file).href };
    page.on('console', (m) => m.type() === 'error' && seen.errors.push(m.text()));
    page.on('pageerror', (e) => seen.errors.push(e.message));
    page.on('request', (r) => seen.requests.push(r.url()));
    await page.goto(seen.url);
    return await fn(page, seen);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
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
      const activity = html.slice(html.indexOf('<h2>Hardware activity</h2>'));
      const section = activity.slice(activity.indexOf(`<h3>mlp-mnist-txsim — ${dir}</h3>`));
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

  it('shows each run\'s hardware per layer and, comparing the two, only the field that differs: the seed', () => {
    const diff = html.slice(html.indexOf('<table class="diff">'), html.indexOf('</table>', html.indexOf('<table class="diff">')));
    expect([...diff.matchAll(/<tr data-path="([^"]+)">/g)].map((m) => m[1])).toEqual(['seed']);
    expect(diff).toContain('<tr data-path="seed"><td><code>seed</code></td><td>5</td><td>6</td></tr>');
    const spec = JSON.parse(readFileSync(join(dirB, 'spec.resolved.json'), 'utf8')) as { crossbar: { device: { name: string }; nonidealities: { name: string }[] } };
    const summary = JSON.parse(readFileSync(join(dirB, 'summary.json'), 'utf8')) as RunSummary;
    const config = html.slice(html.indexOf(`<h3>mlp-mnist-txsim — ${dirB}</h3><p class="packs">`));
    const table = config.slice(0, config.indexOf('</table>'));
    expect(table).toContain('Plugin packs: none');
    for (const layer of summary.layers) {
      expect(table).toContain(`<th>${layer.name}</th>`);
      const t = layer.tiles!;
      expect(table).toContain(`<td data-layer="${layer.name}">${t.rows}×${t.cols}, grid ${t.grid[0]}×${t.grid[1]} (${t.grid[0] * t.grid[1]} tiles)</td>`);
    }
    // Units from the plugins' schemas: the example's wire resistance is 4.6 ohm per column segment.
    expect(table).toContain(`<b>${spec.crossbar.device.name}</b>`);
    expect(table).toContain('rCol 4.6 ohm');
    const stack = table.slice(table.indexOf('<ol class="stack">'), table.indexOf('</ol>'));
    expect([...stack.matchAll(/<li><b>([^<]+)<\/b>/g)].map((m) => m[1])).toEqual(spec.crossbar.nonidealities.map((n) => n.name));
  });

  it.skipIf(!HAS_CHROMIUM && !process.env.CI)('renders in headless Chromium without errors or network requests', async () => {
    await inChromium(out, async (page, seen) => {
      const boxes = await page.evaluate<{ w: number; h: number; paths: number }[]>(
        `[...document.querySelectorAll('svg.plot')].map((s) => { const r = s.getBoundingClientRect(); return { w: r.width, h: r.height, paths: s.querySelectorAll('g.series path, g.series rect').length }; })`,
      );
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(seen.errors).toEqual([]);
      expect(seen.requests).toEqual([seen.url]);
      expect(boxes.length).toBeGreaterThanOrEqual(2);
      for (const b of boxes) {
        expect(b.w).toBeGreaterThan(100);
        expect(b.h).toBeGreaterThan(100);
        expect(b.paths).toBeGreaterThan(0);
      }
      expect(readFileSync(SCREENSHOT).subarray(1, 4).toString()).toBe('PNG');
    });
  });
});

interface ResultsRow {
  id: string;
  values: string[];
  seeds: number[];
  finalAccuracy: { mean: number; std: number };
  bestAccuracy: { mean: number; std: number };
  runs: Array<{ id: string; seed: number }>;
}

describe('txsim report <sweep-dir>', () => {
  const sweep = join(tempDir('report-sweep'), 's');
  const page = join(sweep, 'report.html');

  beforeAll(async () => {
    requireBuild();
    const r = await txsim(['sweep', EXAMPLE, '--param', 'training.learningRate=0.5,1', '--seeds', '2', '--jobs', '2',
      '--epochs', '2', '--train-limit', '64', '--test-limit', '64', '--out', sweep]);
    expect(r.code, r.stderr).toBe(0);
    const rep = await txsim(['report', sweep]);
    expect(rep.code, rep.stderr).toBe(0);
    expect(rep.stdout.trim()).toBe(page);
  }, 90_000);

  it.skipIf(!HAS_CHROMIUM && !process.env.CI)('renders the grid with the mean ± std of results.json and the runs\' own accuracies', async () => {
    const results = JSON.parse(readFileSync(join(sweep, 'results.json'), 'utf8')) as { rows: ResultsRow[] };
    await inChromium(page, async (p, seen) => {
      const rows = await p.evaluate<Array<{ point: string; cells: string[]; completed: string; mean: string; std: string; best: string }>>(
        `[...document.querySelectorAll('table.points tr[data-point]')].map((tr) => { const n = tr.querySelectorAll('td.n');
          return { point: tr.dataset.point, cells: [...tr.cells].map((c) => c.textContent), completed: n[0].dataset.completed, mean: n[1].dataset.mean, std: n[1].dataset.std, best: n[2].dataset.mean }; })`,
      );
      const plots = await p.evaluate<Array<{ title: string; bands: number; lines: number }>>(
        `[...document.querySelectorAll('svg.plot')].map((s) => ({ title: s.getAttribute('aria-label'), bands: s.querySelectorAll('path.band').length, lines: s.querySelectorAll('g.series').length }))`,
      );
      await p.screenshot({ path: join(tmpdir(), 'txsim-report-sweep.png'), fullPage: true });
      expect(seen.errors).toEqual([]);
      expect(seen.requests).toEqual([seen.url]);

      expect(rows.map((r) => r.point)).toEqual(results.rows.map((r) => r.id));
      rows.forEach((row, i) => {
        const want = results.rows[i]!;
        expect(row.cells[0]).toBe(want.values[0]);
        expect(row.completed).toBe('2');
        expect(Number(row.mean)).toBe(want.finalAccuracy.mean);
        expect(Number(row.std)).toBe(want.finalAccuracy.std);
        expect(Number(row.best)).toBe(want.bestAccuracy.mean);
        // And from the runs themselves: the mean of the two seeds' last test accuracies.
        const finals = want.runs.map((r) => (JSON.parse(readFileSync(join(sweep, 'runs', r.id, 'summary.json'), 'utf8')) as RunSummary).testAccuracy.at(-1)!);
        expect(Number(row.mean)).toBeCloseTo((finals[0]! + finals[1]!) / 2, 12);
        expect(row.cells[2]).toBe(`${(want.finalAccuracy.mean * 100).toFixed(2)}% ± ${(want.finalAccuracy.std * 100).toFixed(2)}%`);
      });

      const vsParam = plots.find((x) => x.title === 'Final test accuracy vs learningRate');
      expect(vsParam, JSON.stringify(plots)).toBeDefined();
      expect(vsParam!.lines).toBe(1);
      const perEpoch = plots.find((x) => x.title === 'Test accuracy per epoch (mean over seeds)');
      expect(perEpoch!.lines).toBe(2);
      expect(perEpoch!.bands).toBe(2);
    });
  });
});
