/** A dense matrix read from or written to a numeric CSV file, row-major. */
export interface NumericCsv {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export interface ParseCsvOptions {
  /** Names the source in messages, e.g. the file path. */
  readonly file?: string;
  /** What the cells hold, for the "not a number" message, e.g. "conductances in siemens". */
  readonly what?: string;
  /** Extra check on each value; returns why the value is refused, or undefined to accept it. */
  readonly check?: (value: number) => string | undefined;
}

/** Every problem of a CSV file, each with its line and column, so one run shows them all. */
export class CsvError extends Error {
  constructor(readonly file: string, readonly problems: readonly string[]) {
    const shown = problems.slice(0, MAX_SHOWN).map((p) => `  ${p}`);
    if (problems.length > MAX_SHOWN) shown.push(`  … and ${problems.length - MAX_SHOWN} more`);
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${file}: ${count}\n${shown.join('\n')}`);
  }
}

const MAX_SHOWN = 10;

// A plain decimal number: no hex, no "Infinity", no empty cell (which Number() would read as 0).
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * Parses comma-separated plain numbers, one matrix row per line. Blank lines are skipped (they still
 * count for line numbers); fields may carry surrounding spaces. Throws a {@link CsvError} listing
 * ragged rows, non-numbers and values `check` refuses, each as "line L, column C".
 */
export function parseNumericCsv(text: string, options: ParseCsvOptions = {}): NumericCsv {
  const file = options.file ?? '(csv)';
  const what = options.what ?? 'plain numbers';
  const problems: string[] = [];
  const values: number[] = [];
  let cols = -1;
  let rows = 0;
  let firstLine = 0;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const lineNo = index + 1;
    const fields = line.split(',');
    if (cols < 0) {
      cols = fields.length;
      firstLine = lineNo;
    } else if (fields.length !== cols) {
      problems.push(`line ${lineNo}: ${fields.length} columns, but line ${firstLine} has ${cols}`);
    }
    fields.forEach((field, j) => {
      const cell = field.trim();
      const where = `line ${lineNo}, column ${j + 1}`;
      if (!NUMBER.test(cell)) {
        const shown = cell === '' ? 'an empty cell' : `"${cell}"`;
        problems.push(`${where}: ${shown} is not a number (cells hold ${what}; units are not accepted)`);
        values.push(Number.NaN);
        return;
      }
      const value = Number(cell);
      const refused = Number.isFinite(value) ? options.check?.(value) : 'is out of the float64 range';
      if (refused) problems.push(`${where}: ${cell} ${refused}`);
      values.push(value);
    });
    rows++;
  });
  if (rows === 0) problems.push('no data (the file is empty)');
  if (problems.length > 0) throw new CsvError(file, problems);
  return { rows, cols, data: Float64Array.from(values) };
}

/**
 * Formats a row-major matrix as CSV, one row per line. `String(x)` is the shortest text that reads
 * back as the same float64, so a written file round-trips exactly.
 */
export function formatNumericCsv(data: ArrayLike<number>, rows: number, cols: number): string {
  if (data.length !== rows * cols) throw new Error(`formatNumericCsv: ${data.length} values for ${rows}×${cols}`);
  const out: string[] = [];
  for (let i = 0; i < rows; i++) {
    const row: string[] = [];
    for (let j = 0; j < cols; j++) row.push(String(data[i * cols + j]));
    out.push(row.join(','));
  }
  return `${out.join('\n')}\n`;
}
