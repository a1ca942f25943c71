import { dirname, isAbsolute, resolve } from 'node:path';
import { SpecError, type ResolvedSpec } from '@txsim/core';
import { dataFilesProblem } from '@txsim/models';

/**
 * Makes a spec's data.dir absolute (a relative one is taken from the spec file's folder, so a spec
 * means the same from any working directory and `spec.resolved.json` still finds the data on resume)
 * and rejects the spec, naming data.dir, when the data files are not there: before any run directory
 * exists, and under `txsim validate` too. Only existence is checked; nothing is read.
 */
export function withDataDir(resolved: ResolvedSpec, specFile: string): ResolvedSpec {
  const { data } = resolved.spec;
  const dir = data.dir === undefined || isAbsolute(data.dir) ? data.dir : resolve(dirname(specFile), data.dir);
  const out = dir === data.dir ? resolved : { ...resolved, spec: { ...resolved.spec, data: { ...data, dir } } };
  const problem = dataFilesProblem(out.spec.data);
  if (problem) throw new SpecError([{ path: 'data.dir', message: problem }], specFile);
  return out;
}
