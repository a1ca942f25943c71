import { existsSync, statfsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';

/** What a file system type says about who can see it. */
type Reach = 'memory' | 'local' | 'shared';

/** statfs(2) magic numbers (linux/magic.h and the file systems' own headers) of the usual suspects. */
const FS_TYPES: ReadonlyMap<number, { name: string; reach: Reach }> = new Map([
  [0x01021994, { name: 'tmpfs', reach: 'memory' }],
  [0x858458f6, { name: 'ramfs', reach: 'memory' }],
  [0xef53, { name: 'ext4', reach: 'local' }],
  [0x58465342, { name: 'xfs', reach: 'local' }],
  [0x9123683e, { name: 'btrfs', reach: 'local' }],
  [0x2fc12fc1, { name: 'zfs', reach: 'local' }],
  [0x794c7630, { name: 'overlayfs', reach: 'local' }],
  [0xf2f52010, { name: 'f2fs', reach: 'local' }],
  [0x6969, { name: 'nfs', reach: 'shared' }],
  [0x0bd00bd0, { name: 'lustre', reach: 'shared' }],
  [0x47504653, { name: 'gpfs', reach: 'shared' }],
  [0x19830326, { name: 'beegfs', reach: 'shared' }],
  [0x00c36400, { name: 'cephfs', reach: 'shared' }],
  [0xff534d42, { name: 'cifs', reach: 'shared' }],
  [0xfe534d42, { name: 'smb2', reach: 'shared' }],
  [0xaad7aad7, { name: 'panfs', reach: 'shared' }],
  [0x5346414f, { name: 'afs', reach: 'shared' }],
  [0x01161970, { name: 'gfs2', reach: 'shared' }],
  [0x7461636f, { name: 'ocfs2', reach: 'shared' }],
]);

/** Directories that are each machine's own by convention, whatever file system holds them. */
const NODE_LOCAL = /^\/(tmp|var\/tmp|dev\/shm|run)(\/|$)/;

/** What is known of the machine and the cluster; injectable so each case can be tested. */
export interface FsProbe {
  /** statfs type of an existing path. */
  readonly fsType: (path: string) => number;
  /** The cluster's nodes (of the partition used), or undefined where sinfo cannot say. */
  readonly nodes: readonly string[] | undefined;
  readonly host: string;
}

export interface SharedFsFinding {
  readonly level: 'error' | 'warning';
  readonly message: string;
}

const nearestExisting = (path: string): string => {
  let p = resolve(path);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
};

const short = (host: string) => host.split('.')[0]!;

/**
 * Whether the nodes can see `path` (`what` names it in messages): a memory file system (tmpfs) is
 * never shared, so it is an error unless the cluster's only node is this machine; a local disk file
 * system or a node-local directory (/tmp …) may still be exported to the nodes, so it is a warning.
 * Network and cluster file systems (NFS, Lustre, GPFS, BeeGFS, CephFS …) pass. Nothing is certain
 * from here: the runs check again on the nodes, and fail saying so.
 */
export function sharedFsFinding(path: string, what: string, probe: FsProbe): SharedFsFinding | undefined {
  const onlyHere = probe.nodes?.length === 1 && short(probe.nodes[0]!) === short(probe.host);
  if (onlyHere) return undefined;
  const abs = resolve(path);
  let type: number;
  try {
    type = probe.fsType(nearestExisting(abs));
  } catch {
    return undefined;
  }
  const fs = FS_TYPES.get(type);
  const nodes = probe.nodes ? `the cluster's ${probe.nodes.length} node${probe.nodes.length === 1 ? '' : 's'} (${probe.nodes.slice(0, 4).join(', ')}${probe.nodes.length > 4 ? ', …' : ''})` : 'the cluster\'s nodes';
  if (fs?.reach === 'memory') {
    return { level: 'error', message: `${what} ${abs} is on ${fs.name}, the memory of this machine (${probe.host}), which ${nodes} cannot see; `
      + 'put it on a file system the nodes share (usually your home or project directory)' };
  }
  if (fs?.reach === 'shared') return undefined;
  if (NODE_LOCAL.test(abs)) {
    return { level: 'warning', message: `${what} ${abs} is in a directory each machine has its own of; unless ${nodes} see this machine's at the same path, the runs will not find it` };
  }
  if (fs?.reach === 'local') {
    return { level: 'warning', message: `${what} ${abs} is on ${fs.name}, a local disk of this machine (${probe.host}); unless it is exported to ${nodes} (e.g. by NFS) at the same path, the runs will not find it` };
  }
  return undefined;
}

/** The probe of this machine: statfs, sinfo's nodes and the host name. */
export function localProbe(nodes: readonly string[] | undefined): FsProbe {
  return { fsType: (p) => Number(statfsSync(p).type), nodes, host: hostname() };
}
