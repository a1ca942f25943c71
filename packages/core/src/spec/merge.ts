type Json = unknown;

function isPlainObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge for layered configuration: objects merge key by key; arrays and scalars replace. */
export function deepMerge(base: Json, override: Json): Json {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: Record<string, Json> = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = deepMerge(base[k], v);
  return out;
}

export function hasPath(obj: Json, path: readonly PropertyKey[]): boolean {
  let cur = obj;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null || !(key in cur)) return false;
    cur = (cur as Record<PropertyKey, Json>)[key];
  }
  return true;
}
