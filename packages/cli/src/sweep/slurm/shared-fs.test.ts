import { statfsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedFsFinding, type FsProbe } from './shared-fs.js';

const TMPFS = 0x01021994;
const EXT4 = 0xef53;
const NFS = 0x6969;
const probe = (type: number, nodes: string[] | undefined, host = 'login1.cluster'): FsProbe => ({ fsType: () => type, nodes, host });

describe('sharedFsFinding', () => {
  it('refuses a tmpfs sweep directory on a cluster of other nodes, naming them and the fix', () => {
    const f = sharedFsFinding('/scratch/x', 'the sweep directory', probe(TMPFS, ['n1', 'n2']));
    expect(f?.level).toBe('error');
    expect(f?.message).toBe("the sweep directory /scratch/x is on tmpfs, the memory of this machine (login1.cluster), which the cluster's 2 nodes (n1, n2) cannot see; "
      + 'put it on a file system the nodes share (usually your home or project directory)');
  });

  it('passes anything when the only node is this machine (its short name), and network file systems always', () => {
    expect(sharedFsFinding('/tmp/x', 'd', probe(TMPFS, ['login1']))).toBeUndefined();
    expect(sharedFsFinding('/home/a/x', 'd', probe(NFS, ['n1', 'n2']))).toBeUndefined();
    expect(sharedFsFinding('/tmp/x', 'd', probe(NFS, ['n1', 'n2']))).toBeUndefined();
  });

  it('warns about a local disk or a node-local directory, which could still be exported to the nodes', () => {
    expect(sharedFsFinding('/data/x', 'd', probe(EXT4, ['n1', 'n2']))).toMatchObject({ level: 'warning', message: expect.stringContaining('is on ext4, a local disk of this machine') });
    expect(sharedFsFinding('/tmp/x', 'd', probe(0x1234, undefined))).toMatchObject({ level: 'warning', message: expect.stringContaining("each machine has its own of; unless the cluster's nodes") });
    expect(sharedFsFinding('/data/x', 'd', probe(0x1234, ['n1', 'n2']))).toBeUndefined();
  });

  it('knows tmpfs by the number the kernel reports for /dev/shm', () => {
    let type: number;
    try {
      type = Number(statfsSync('/dev/shm').type);
    } catch {
      return; // no /dev/shm here: nothing to compare with
    }
    expect(sharedFsFinding('/dev/shm/sweep', 'd', { fsType: () => type, nodes: ['n1', 'n2'], host: 'h' })?.message).toContain('is on tmpfs');
  });
});
