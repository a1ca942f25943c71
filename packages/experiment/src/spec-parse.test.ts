import { specErrorOf } from '@txsim/core/testing';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileReadError } from '@txsim/core';
import { describe, expect, it } from 'vitest';
import { readSpecFile } from './spec-file.js';
import { MAX_SPEC_DEPTH, parseJsonSpec, parseYamlSpec, tooDeep } from './spec-parse.js';

const dir = mkdtempSync(join(tmpdir(), 'txsim-spec-parse-'));

const specError = specErrorOf;

const BOMB = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');

describe('spec text is parsed with bounded work', () => {
  it('rejects duplicate JSON keys, naming the key and line', () => {
    const e = specError(() => parseJsonSpec('{\n  "seed": 1,\n  "training": {"epochs": 1},\n  "seed": 2\n}\n', 'dup.json'));
    expect(e.issues[0]!.path).toBe('line 4, column 3');
    expect(e.issues[0]!.message).toMatch(/^JSON error: duplicate key/);
    expect(e.issues[0]!.message).toContain('duplicate key "seed"');
  });

  it('rejects duplicate YAML keys, also nested ones', () => {
    const e = specError(() => parseYamlSpec('training:\n  epochs: 1\n  epochs: 2\n', 'dup.yaml'));
    expect(e.issues[0]!.path).toBe('line 3, column 3');
    expect(e.issues[0]!.message).toContain('duplicate key "epochs"');
  });

  it('rejects a billion-laughs alias bomb with a line number', () => {
    const e = specError(() => parseYamlSpec(BOMB, 'bomb.yaml'));
    expect(e.issues[0]!.path).toBe('line 3'); // c: the first alias of a list that itself holds aliases
    expect(e.issues[0]!.message).toContain('aliases expand the spec too far');
    // A modest alias is still fine.
    expect(parseYamlSpec('a: &x {rRow: 1}\nb: *x\n', 'ok.yaml')).toEqual({ a: { rRow: 1 }, b: { rRow: 1 } });
  });

  it.each([
    ['JSON', '['.repeat(50000) + ']'.repeat(50000), parseJsonSpec],
    ['flow YAML', `name: x\nmodel: ${'['.repeat(50000)}${']'.repeat(50000)}\n`, parseYamlSpec],
    ['block YAML', `name: x\nmodel: ${'\n'}${'- '.repeat(50000)}x\n`, parseYamlSpec],
    ['indented YAML', Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'), parseYamlSpec],
  ] as const)('rejects 50,000-deep %s nesting with a line number, not a stack overflow', (_, text, parse) => {
    const e = specError(() => parse(text, 'deep'));
    expect(e.issues[0]!.path).toMatch(/^line \d+, column \d+$/);
    expect(e.issues[0]!.message).toContain(`deeper than ${MAX_SPEC_DEPTH} levels`);
  });

  it('counts no brackets inside quotes or comments', () => {
    expect(tooDeep(`a: "${'['.repeat(100)}"\nb: '${'{'.repeat(100)}'\n# ${'['.repeat(100)}\n`)).toBeUndefined();
    expect(tooDeep(`a: ${'['.repeat(10)}${']'.repeat(10)}\n`)).toBeUndefined();
  });

  it('names the line of "Unexpected end of JSON input"', () => {
    const e = specError(() => parseJsonSpec('{\n  "name": "x",\n  "seed": ', 'cut.json'));
    expect(e.issues[0]!.path).toBe('line 3, column 10');
    expect(e.issues[0]!.message).toContain('unexpected end of input');
    expect(e.message).toMatch(/^cut\.json: invalid spec/);
    // A position past the content (the closing brace missing before a final newline) is put at its end too.
    expect(specError(() => parseJsonSpec('{\n  "seed": 1\n\n', 'cut.json')).issues[0]!.path).toBe('line 2, column 12');
  });
});

describe('readSpecFile refuses what is not a small regular file', () => {
  it('refuses a FIFO without blocking', () => {
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(() => readSpecFile(fifo)).toThrow(FileReadError);
    expect(() => readSpecFile(fifo)).toThrow(/pipe\.yaml: the spec file is a named pipe/);
  });

  it('refuses a link to /dev/zero and a file over 1 MiB', () => {
    symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
    expect(() => readSpecFile(join(dir, 'zero.yaml'))).toThrow(/zero\.yaml: the spec file is a character device/);
    writeFileSync(join(dir, 'big.yaml'), `name: x\n#${'x'.repeat(1024 * 1024)}\n`);
    expect(() => readSpecFile(join(dir, 'big.yaml'))).toThrow(/big\.yaml: the spec file is \d+ bytes .* over the 1 MiB limit/);
  });
});
