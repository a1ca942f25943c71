import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  closest, findPlugin, listPlugins, parsePluginParams, slotSchema,
  type DependencyContainer, type Plugin,
} from '@txsim/core';
import type { Command } from 'commander';
import { openPlugins, readPresets, type Preset, writeFileAtomic } from '@txsim/experiment';
import { trajectorySvg } from '../device/plot.js';
import { createDeviceCells, pulseTrajectory, START_STATES, trajectoryCsv, type StartState } from '../device/trajectory.js';
import type { CliIo } from '../io.js';
import { withPluginOption } from './options.js';

export interface DeviceFlags {
  readonly pulses: string;
  readonly params?: string;
  readonly cells?: string;
  readonly seed?: string;
  readonly start?: string;
  readonly settle?: boolean;
  readonly csv?: string;
  readonly svg?: string;
  readonly plugin?: string[];
}

/** A device plugin with validated params, chosen by plugin name or by a preset's crossbar.device. */
export interface ChosenDevice {
  readonly plugin: Plugin<'device'>;
  readonly params: Record<string, unknown>;
  /** 'plugin' or 'preset <name>', for the summary line. */
  readonly from: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Resolves `name` to a device plugin (a registered device name first, then a preset whose
 * crossbar.device names one) and validates its params: the preset's, then `overrides` on top.
 */
export function chooseDevice(container: DependencyContainer, name: string, overrides: Record<string, unknown>, presets: readonly Preset[] = readPresets()): ChosenDevice {
  const devices = listPlugins(container, 'device').map((p) => p.meta.name);
  let pluginName = name;
  let base: Record<string, unknown> = {};
  let from = 'plugin';
  if (!devices.includes(name)) {
    const preset = presets.find((p) => p.name === name);
    if (!preset) {
      const near = closest(name, [...devices, ...presets.map((p) => p.name)]);
      throw new Error(`no device plugin or preset named "${name}"${near ? ` (did you mean "${near}"?)` : ''}; `
        + `devices: ${devices.join(', ') || 'none'}; presets: ${presets.map((p) => p.name).join(', ') || 'none'}`);
    }
    const crossbar = isObject(preset.spec.crossbar) ? preset.spec.crossbar : {};
    // A preset without crossbar.device gets the spec's default device.
    const ref = slotSchema.safeParse(crossbar.device ?? 'ideal');
    if (!ref.success) throw new Error(`preset "${name}": crossbar.device is not a plugin reference`);
    pluginName = ref.data.name;
    base = ref.data.params;
    from = `preset ${name}`;
  }
  const plugin = findPlugin(container, 'device', pluginName);
  const parsed = parsePluginParams(plugin, { ...base, ...overrides });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  params${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`);
    throw new Error(`device "${pluginName}" (${from}): invalid params\n${lines.join('\n')}`);
  }
  return { plugin, params: parsed.data as Record<string, unknown>, from };
}

function positiveInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag}: expected a positive integer, got "${text}"`);
  return n;
}

/**
 * Bounds of `txsim device`: every pulse is one CSV row (2·pulses + 1 rows), and the work is
 * 2·pulses·cells device updates; 10^8 updates take about a minute, and `--pulses 1e12` never ends.
 */
export const DEVICE_LIMITS = { pulses: 1_000_000, cells: 1_000_000, updates: 100_000_000 } as const;

/** Refuses a pulses × cells product that would not finish in reasonable time, naming both flags. */
export function checkDeviceWork(pulses: number, cells: number): void {
  if (pulses > DEVICE_LIMITS.pulses) throw new Error(`--pulses: at most ${DEVICE_LIMITS.pulses.toLocaleString('en-US')} (one CSV row per pulse), got ${pulses}`);
  if (cells > DEVICE_LIMITS.cells) throw new Error(`--cells: at most ${DEVICE_LIMITS.cells.toLocaleString('en-US')}, got ${cells}`);
  const updates = 2 * pulses * cells;
  if (updates > DEVICE_LIMITS.updates) {
    throw new Error(`--pulses ${pulses} × --cells ${cells}: ${updates.toExponential(2)} device updates (2 × pulses × cells), more than the ${DEVICE_LIMITS.updates.toExponential(0)} `
      + 'this command runs; use fewer pulses or fewer cells');
  }
}

/** `txsim device`: the pulse response of a device population, as CSV (and optionally an SVG plot). */
export async function deviceCommand(name: string, flags: DeviceFlags, io: CliIo): Promise<void> {
  const pulses = positiveInt('--pulses', flags.pulses, 0);
  const cells = positiveInt('--cells', flags.cells, 100);
  checkDeviceWork(pulses, cells);
  const start = (flags.start ?? 'floor') as StartState;
  if (!START_STATES.includes(start)) throw new Error(`--start: expected one of ${START_STATES.join(', ')}, got "${flags.start}"`);
  let overrides: unknown = {};
  if (flags.params !== undefined) {
    try {
      overrides = JSON.parse(flags.params);
    } catch (e) {
      throw new Error(`--params: not JSON (${e instanceof Error ? e.message : String(e)}); e.g. --params '{"bits": 4}'`);
    }
    if (!isObject(overrides)) throw new Error('--params: expected a JSON object of parameter values, e.g. \'{"rmin": "50 kohm"}\'');
  }
  const seed = flags.seed === undefined ? 0 : Number.isFinite(Number(flags.seed)) ? Number(flags.seed) : flags.seed;

  const plugins = await openPlugins({ plugins: flags.plugin });
  const packPresets = plugins.packs.flatMap(({ pack }) => (pack.presets ?? []).map((p) => ({ ...p, source: [...p.source] })));
  const chosen = chooseDevice(plugins.container, name, overrides as Record<string, unknown>, [...readPresets(), ...packPresets] as Preset[]);
  const device = createDeviceCells(chosen.plugin, chosen.params, cells, seed);
  const rows = pulseTrajectory(device, { pulses, cells, start, settle: flags.settle });
  const csv = trajectoryCsv(rows);
  const write = (file: string, text: string) => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic(file, text);
  };
  if (flags.csv) write(flags.csv, csv);
  if (flags.svg) write(flags.svg, trajectorySvg(rows, `${chosen.plugin.meta.name}: ${cells} cells, ${pulses} up then ${pulses} down pulses`));

  const uS = (v: number) => `${+(v * 1e6).toPrecision(4)} µS`;
  const turn = rows[pulses]!;
  const end = rows.at(-1)!;
  io.stderr.write(`device ${chosen.plugin.meta.name} (${chosen.from}) ${JSON.stringify(chosen.params)}: range ${uS(device.gmin)}–${uS(device.gmax)}`
    + `, pulse step ${device.pulseStep === undefined ? 'range/1000' : uS(device.pulseStep)}; ${cells} cells from ${start}`
    + `; mean ${uS(rows[0]!.mean)} → ${uS(turn.mean)} after ${pulses} up → ${uS(end.mean)} after ${pulses} down\n`);
  if (!flags.csv) io.stdout.write(csv);
  for (const file of [flags.csv, flags.svg]) if (file) io.stdout.write(`${file}\n`);
}

export function addDeviceCommand(program: Command, io: CliIo): void {
  withPluginOption(program.command('device')
    .description('pulse response of a device: N up pulses then N down pulses on a population of cells, as CSV (mean, std, min, max over cells, in S)')
    .argument('<name>', 'device plugin (e.g. ideal, levels) or preset whose crossbar.device to use')
    .requiredOption('--pulses <n>', 'number of up pulses, then as many down pulses')
    .option('--params <json>', 'device parameters as a JSON object, over the preset\'s, e.g. \'{"bits": 4}\'')
    .option('--cells <k>', 'number of cells (devices with device-to-device variation differ between them)', '100')
    .option('--seed <s>', 'seed of the device\'s random stream', '0')
    .option('--start <state>', 'initial state: floor (each device\'s own lower bound, reached by depressing pulses from gmin), gmin, mid (middle of the range) or reset (the device\'s reset)', 'floor')
    .option('--settle', 'run the device\'s side processes (decay, diffusion) after every pulse')
    .option('--csv <file>', 'write the trajectory here instead of to stdout')
    .option('--svg <file>', 'also draw mean ± std against the pulse number'))
    .action(async (name: string, flags: DeviceFlags) => {
      await deviceCommand(name, flags, io);
    });
}
