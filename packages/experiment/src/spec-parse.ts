import { SpecError, type SpecIssue } from '@txsim/core';
import { isCollection, parseDocument, visit, type Alias, type Document, type Node as YamlNode, type YAMLError } from 'yaml';

/**
 * Turning spec text into plain data without letting the text decide how much work that is: nesting
 * is bounded before any parser recurses (50,000 brackets overflow the stack of yaml's composer and
 * of a naive walk), aliases may not multiply the document (billion laughs), and a key given twice is
 * an error rather than the last one silently winning (JSON.parse's rule).
 */

/** Deeper than any spec needs (the deepest field is about 7 levels down) and far below any stack limit. */
export const MAX_SPEC_DEPTH = 64;
/** yaml's measure of alias expansion (count of aliased nodes × aliases); its default, stated. */
const MAX_ALIAS_COUNT = 100;

const at = (line: number, column?: number) => (column === undefined ? `line ${line}` : `line ${line}, column ${column}`);

/**
 * The first line at which the nesting of `text` exceeds `max`, or undefined. Counts flow brackets
 * (`[`, `{`, outside quotes and comments) and, for YAML, block nesting by indentation and compact
 * `- ` / `? ` indicators. A scan, not a parse: it errs towards counting deeper, never shallower.
 */
export function tooDeep(text: string, max = MAX_SPEC_DEPTH): { line: number; column: number } | undefined {
  let flow = 0;
  let quote: '"' | "'" | undefined;
  const indents: number[] = [];
  const lines = text.split('\n');
  for (let l = 0; l < lines.length; l++) {
    const line = lines[l]!;
    let i = 0;
    if (flow === 0 && quote === undefined) {
      // Block structure: pop the levels this line's indentation closes, then push its own, and one more per compact indicator.
      while (line[i] === ' ') i++;
      if (i === line.length || line[i] === '#' || line[i] === '\r') continue;
      while (indents.length && indents[indents.length - 1]! >= i) indents.pop();
      indents.push(i);
      while ((line[i] === '-' || line[i] === '?') && (line[i + 1] === ' ' || line[i + 1] === undefined)) {
        i += 2;
        while (line[i] === ' ') i++;
        indents.push(i);
        if (indents.length > max) return { line: l + 1, column: i + 1 };
      }
      if (indents.length > max) return { line: l + 1, column: i + 1 };
    }
    for (; i < line.length; i++) {
      const c = line[i];
      if (quote) {
        if (c === '\\' && quote === '"') i++;
        else if (c === quote) quote = line[i + 1] === "'" && quote === "'" ? (i++, quote) : undefined;
        continue;
      }
      if (c === '"' || c === "'") quote = c;
      else if (c === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) break;
      else if (c === '[' || c === '{') {
        flow++;
        if (indents.length + flow > max) return { line: l + 1, column: i + 1 };
      } else if ((c === ']' || c === '}') && flow > 0) flow--;
    }
  }
  return undefined;
}

function depthIssue(text: string): SpecIssue | undefined {
  const deep = tooDeep(text);
  return deep && { path: at(deep.line, deep.column), message: `the spec nests deeper than ${MAX_SPEC_DEPTH} levels; a spec needs fewer than 10` };
}

/** yaml's errors as issues with line and column; the source excerpt yaml appends is kept, indented. */
/** The key written at `offset` of `text` (where yaml reports a duplicate), quoted as written. */
function keyAt(text: string, offset: number): string {
  const m = /^("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^:\n]+?)\s*:/.exec(text.slice(offset, offset + 200));
  const key = m?.[1] ?? '?';
  return key.startsWith('"') || key.startsWith("'") ? key : `"${key}"`;
}

function yamlIssues(errors: readonly YAMLError[], kind: 'YAML' | 'JSON', text: string): SpecIssue[] {
  return errors.map((e) => {
    const pos = e.linePos?.[0];
    const [head = e.message, ...excerpt] = e.message.split('\n');
    let what = head.replace(/ at line \d+, column \d+:?$/, '');
    if (e.code === 'DUPLICATE_KEY') what = `duplicate key ${keyAt(text, e.pos[0])} (map keys must be unique; the earlier value would be silently replaced); remove one of them`;
    const context = excerpt.filter((l) => l.trim()).map((l) => `      ${l}`).join('\n');
    return { path: pos ? at(pos.line, pos.col) : '', message: `${kind} ${e.code === 'DUPLICATE_KEY' ? 'error' : 'syntax error'}: ${what}${context ? `\n${context}` : ''}` };
  });
}

/** The line of the first alias that expands to a collection holding aliases: where the amplification starts. */
function amplifyingAlias(doc: Document, text: string): number | undefined {
  let found: Alias | undefined;
  let first: Alias | undefined;
  visit(doc, {
    Alias(_, node) {
      first ??= node;
      const target = node.resolve(doc) as YamlNode | undefined;
      let nested = false;
      if (target && isCollection(target)) visit(target, { Alias: () => ((nested = true), visit.BREAK) });
      if (nested) {
        found = node;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  const offset = (found ?? first)?.range?.[0];
  return offset === undefined ? undefined : text.slice(0, offset).split('\n').length;
}

export function parseYamlSpec(text: string, file: string): unknown {
  const deep = depthIssue(text);
  if (deep) throw new SpecError([deep], file);
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) throw new SpecError(yamlIssues(doc.errors, 'YAML', text), file);
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    const line = amplifyingAlias(doc, text);
    throw new SpecError([{ path: line ? at(line) : '', message: `YAML aliases expand the spec too far (${e.message}); write the repeated parts out, or alias less` }], file);
  }
}

export function parseJsonSpec(text: string, file: string): unknown {
  if (!text.trim()) return null;
  const deep = depthIssue(text);
  if (deep) throw new SpecError([deep], file);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const pos = /at position (\d+)/.exec(message);
    // "Unexpected end of JSON input" carries no position: the problem is at the end of the file.
    // A position past the last character (trailing newlines) is also reported at the end of the content.
    const end = text.replace(/\s+$/, '').length;
    const offset = pos ? Math.min(Number(pos[1]), end) : end;
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const what = message.replace(/ in JSON at position \d+.*$/, '').replace(/^Unexpected end of JSON input$/, 'unexpected end of input (an unclosed bracket, brace or string?)');
    throw new SpecError([{ path: at(line, before.length - before.lastIndexOf('\n')), message: `JSON syntax error: ${what}` }], file);
  }
  // JSON.parse keeps the last of two equal keys; yaml reads JSON (a subset of YAML) and reports both.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, schema: 'json' });
  const duplicates = doc.errors.filter((e) => e.code === 'DUPLICATE_KEY');
  if (duplicates.length) throw new SpecError(yamlIssues(duplicates, 'JSON', text), file);
  return data;
}
