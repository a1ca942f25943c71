/**
 * Option parser for numeric flags: a number when the text is one, else the text itself, so that
 * spec validation (not commander) reports the problem with the field's path and the schema's words.
 */
export function numberOrText(value: string): number | string {
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) ? n : value;
}
