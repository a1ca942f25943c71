import { describe, expect, it } from 'vitest';
import { CsvError, formatNumericCsv, parseNumericCsv } from './csv.js';

const problemsOf = (text: string, options = {}): readonly string[] => {
  try {
    parseNumericCsv(text, options);
  } catch (e) {
    if (e instanceof CsvError) return e.problems;
    throw e;
  }
  return [];
};

describe('numeric CSV', () => {
  it('reads rows and columns, skipping blank lines, spaces, a BOM and CRLF', () => {
    const m = parseNumericCsv('\uFEFF1, 2.5,-3e-4\r\n\r\n.5,+6,7E2\n');
    expect(m.rows).toBe(2);
    expect(m.cols).toBe(3);
    expect(Array.from(m.data)).toEqual([1, 2.5, -3e-4, 0.5, 6, 700]);
  });

  it('round-trips float64 values exactly', () => {
    const data = Float64Array.from([Math.PI, 1 / 3, 1e-300, -2.5e-7, 0, 123456789.123456789]);
    const m = parseNumericCsv(formatNumericCsv(data, 2, 3));
    expect(m.rows).toBe(2);
    expect(Array.from(m.data)).toEqual(Array.from(data));
  });

  it('names the line and column of ragged rows, non-numbers and empty cells, all at once', () => {
    const problems = problemsOf('1,2,3\n4,5\n\n6,abc,\n0x10,1,2', { what: 'conductances in siemens' });
    expect(problems).toEqual([
      'line 2: 2 columns, but line 1 has 3',
      'line 4, column 2: "abc" is not a number (cells hold conductances in siemens; units are not accepted)',
      'line 4, column 3: an empty cell is not a number (cells hold conductances in siemens; units are not accepted)',
      'line 5, column 1: "0x10" is not a number (cells hold conductances in siemens; units are not accepted)',
    ]);
  });

  it('applies the value check and names the file in the message', () => {
    const check = (v: number) => (v < 0 ? 'is negative' : undefined);
    expect(() => parseNumericCsv('1,-2\n3,4', { file: 'g.csv', check })).toThrow('g.csv: 1 problem\n  line 1, column 2: -2 is negative');
    expect(problemsOf('1e999', {})).toEqual(['line 1, column 1: 1e999 is out of the float64 range']);
  });

  it('refuses an empty file and units in cells', () => {
    expect(problemsOf('\n\n')).toEqual(['no data (the file is empty)']);
    expect(problemsOf('10 uS')[0]).toContain('units are not accepted');
  });

  it('shows at most ten problems and counts the rest', () => {
    expect(() => parseNumericCsv(Array.from({ length: 12 }, () => 'x').join('\n'), { file: 'f' })).toThrow(/12 problems[^]*… and 2 more/);
  });
});
