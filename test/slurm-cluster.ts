import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * A one-node Slurm cluster for the tests, from Debian's slurm-wlm and munge: munged, slurmctld and
 * slurmd run as root in the foreground, as children of the test, with every state, spool, log, pid
 * and socket file in one temporary directory, and ports no other Slurm uses. No systemd, nothing
 * under /etc. Client commands find it through SLURM_CONF, which the test passes to txsim.
 */
export interface SlurmCluster {
  /** The environment for Slurm's client commands (and txsim): PATH and SLURM_CONF. */
  readonly env: NodeJS.ProcessEnv;
  readonly dir: string;
  readonly node: string;
  /** Cancels every job, waits for the queue to empty, and stops the daemons; safe to call twice. */
  stop(): Promise<void>;
  /** The daemons' log tails, for a failure message. */
  logs(): string;
}

const DAEMONS = ['munged', 'slurmctld', 'slurmd'] as const;
const CLIENTS = ['sbatch', 'squeue', 'scancel', 'sinfo', 'scontrol'] as const;

const which = (command: string): string | undefined => {
  for (const d of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin']) {
    if (d && existsSync(join(d, command))) return join(d, command);
  }
  return undefined;
};

/** Why this machine cannot run the cluster (not root; a package missing), or undefined when it can. */
export function slurmUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `Slurm runs on Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'the test starts slurmctld, slurmd and munged itself, which needs root';
  const missing = [...DAEMONS, ...CLIENTS].filter((c) => !which(c));
  if (missing.length) return `${missing.join(', ')} not installed (apt-get install slurm-wlm munge)`;
  return undefined;
}

const freePort = (): Promise<number> => new Promise((resolve, reject) => {
  const server = createServer();
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the cluster and resolves once its node is idle; on any failure, stops what it started. */
export async function startSlurmCluster(): Promise<SlurmCluster> {
  const dir = mkdtempSync('/tmp/txsim-slurmd-');
  // Job steps and munge's clients need to traverse it.
  chmodSync(dir, 0o755);
  for (const d of ['munge', 'state', 'spool', 'log']) mkdirSync(join(dir, d), { mode: 0o755 });
  const node = hostname().split('.')[0]!;
  const key = join(dir, 'munge', 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const socket = join(dir, 'munge', 'munge.socket');
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'slurm.conf');
  // The addresses are given, so nothing depends on how (or whether) the host name resolves.
  writeFileSync(conf, `${[
    'ClusterName=txsimtest',
    `SlurmctldHost=${node}(127.0.0.1)`,
    `SlurmctldPort=${ctldPort}`,
    `SlurmdPort=${dPort}`,
    'SlurmUser=root',
    'SlurmdUser=root',
    'AuthType=auth/munge',
    'CredType=cred/munge',
    `AuthInfo=socket=${socket}`,
    `StateSaveLocation=${join(dir, 'state')}`,
    `SlurmdSpoolDir=${join(dir, 'spool')}`,
    `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
    `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
    `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
    `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
    // No cgroups (a container may have none to give) and no accounting database: the plain plugins.
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_CPU',
    'MpiDefault=none',
    'ReturnToService=2',
    'KillWait=5',
    'SchedulerParameters=sched_min_interval=100000',
    `NodeName=${node} NodeAddr=127.0.0.1 CPUs=2 RealMemory=1000 State=UNKNOWN`,
    'PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
  ].join('\n')}\n`);
  const env = { ...process.env, SLURM_CONF: conf, PATH: `${process.env.PATH ?? ''}${delimiter}/usr/sbin${delimiter}/sbin` };
  const children: ChildProcess[] = [];
  const start = (command: string, args: string[]) => {
    const out = openSync(join(dir, 'log', `${command}.out`), 'a');
    const child = spawn(which(command)!, args, { env, stdio: ['ignore', out, out] });
    children.push(child);
    return child;
  };
  const logs = () => ['munged.out', 'slurmctld.log', 'slurmd.log', 'slurmctld.out', 'slurmd.out'].map((f) => {
    const file = join(dir, 'log', f);
    return existsSync(file) ? `--- ${f}\n${readFileSync(file, 'utf8').trimEnd().split('\n').slice(-15).join('\n')}` : '';
  }).filter(Boolean).join('\n');
  // Should the test process die without afterAll, its daemons go with it.
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.once('exit', killAll);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const run = (cmd: string, args: string[]) => spawnSync(which(cmd)!, args, { env, encoding: 'utf8', timeout: 20_000 });
    // Jobs first: slurmd's job steps outlive slurmd itself.
    if (children.some((c) => c.exitCode === null)) {
      run('scancel', ['--partition=test']);
      for (let i = 0; i < 100 && run('squeue', ['-h', '-o', '%i']).stdout.trim() !== ''; i++) await sleep(200);
    }
    for (const c of [...children].reverse()) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
    process.off('exit', killAll);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // --force: the key and socket live under /tmp, whose permissions munged would otherwise refuse.
    start('munged', ['-F', '--force', `--key-file=${key}`, `--socket=${socket}`, `--pid-file=${join(dir, 'munge', 'munged.pid')}`,
      `--log-file=${join(dir, 'log', 'munged.log')}`, `--seed-file=${join(dir, 'munge', 'munged.seed')}`]);
    for (let i = 0; i < 50 && !existsSync(socket); i++) await sleep(100);
    if (!existsSync(socket)) throw new Error('munged did not create its socket');
    start('slurmctld', ['-D', '-f', conf]);
    start('slurmd', ['-D', '-f', conf]);
    for (let i = 0; ; i++) {
      const state = spawnSync(which('sinfo')!, ['-h', '-o', '%t'], { env, encoding: 'utf8' }).stdout.trim();
      if (state === 'idle') break;
      const dead = children.find((c) => c.exitCode !== null);
      if (dead || i >= 150) throw new Error(`the test cluster's node did not come up (sinfo says "${state}"${dead ? `; ${dead.spawnfile} exited with ${dead.exitCode}` : ''})`);
      await sleep(200);
    }
  } catch (e) {
    const tails = logs();
    await stop();
    throw new Error(`${(e as Error).message}\n${tails}`);
  }
  return { env, dir, node, stop, logs };
}
