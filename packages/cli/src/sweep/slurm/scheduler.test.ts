import { describe, expect, it } from 'vitest';
import { compressIndexes, expandIndexes, isLive, isQueued, parseSacct, parseSqueue } from './scheduler.js';

describe('Slurm output parsing', () => {
  it('reads squeue -r lines (array job, task, state, reason, nodes), skipping the collect job that has no task index', () => {
    const text = '21|0|RUNNING|None|vm\n21|3|PENDING|Resources|\n22|N/A|PENDING|Dependency|\n21|1|CANCELLED|None|vm\n';
    expect(parseSqueue(text)).toEqual([
      { jobId: '21', index: 0, state: 'RUNNING', reason: undefined, nodes: 'vm' },
      { jobId: '21', index: 3, state: 'PENDING', reason: 'Resources', nodes: undefined },
      { jobId: '21', index: 1, state: 'CANCELLED', reason: undefined, nodes: 'vm' },
    ]);
  });

  it('reads sacct -P lines, expanding a pending range (with its throttle) into one record per task', () => {
    const text = '40_2|CANCELLED by 0|0:15\n40_[5-7,9%2]|PENDING|0:0\n40_1|COMPLETED|0:0\n40.batch|COMPLETED|0:0\n';
    const got = parseSacct(text);
    expect(got.map((t) => [t.index, t.state])).toEqual([[2, 'CANCELLED'], [5, 'PENDING'], [6, 'PENDING'], [7, 'PENDING'], [9, 'PENDING'], [1, 'COMPLETED']]);
    expect(got[0]!.reason).toBe('exit code 0:15');
    expect(got.at(-1)!.reason).toBeUndefined();
  });

  it('writes sbatch --array lists that expand back to the same set of indexes', () => {
    for (const set of [[0], [3, 1, 2], [0, 1, 2, 3, 7, 9, 10], [15, 4, 4, 5, 11, 12, 13]]) {
      const text = compressIndexes(set);
      expect(expandIndexes(text)).toEqual([...new Set(set)].sort((a, b) => a - b));
    }
    expect(compressIndexes([0, 1, 2, 3, 7, 9, 10])).toBe('0-3,7,9-10');
    expect(expandIndexes('1-7:3')).toEqual([1, 4, 7]);
  });

  it('tells live states (never submitted twice) from ended ones', () => {
    for (const s of ['PENDING', 'RUNNING', 'COMPLETING', 'REQUEUED', 'SUSPENDED']) expect(isLive(s), s).toBe(true);
    for (const s of ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'PREEMPTED', 'NODE_FAIL', 'OUT_OF_MEMORY']) expect(isLive(s), s).toBe(false);
    expect(isQueued('PENDING') && isQueued('REQUEUED') && !isQueued('RUNNING')).toBe(true);
  });
});
