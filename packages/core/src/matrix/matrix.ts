/** A dense row-major float32 matrix. `data` may be a view into a larger buffer. */
export class Matrix {
  readonly data: Float32Array;

  constructor(readonly rows: number, readonly cols: number, data?: Float32Array) {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new RangeError(`Matrix: invalid shape ${rows}x${cols}`);
    }
    if (data && data.length !== rows * cols) {
      throw new RangeError(`Matrix: data length ${data.length} does not match ${rows}x${cols}`);
    }
    this.data = data ?? new Float32Array(rows * cols);
  }

  static from(rows: number[][]): Matrix {
    const r = rows.length;
    const c = r === 0 ? 0 : rows[0]!.length;
    const m = new Matrix(r, c);
    rows.forEach((row, i) => {
      if (row.length !== c) throw new RangeError('Matrix.from: ragged rows');
      m.data.set(row, i * c);
    });
    return m;
  }

  get(i: number, j: number): number {
    return this.data[i * this.cols + j]!;
  }

  set(i: number, j: number, v: number): void {
    this.data[i * this.cols + j] = v;
  }

  clone(): Matrix {
    return new Matrix(this.rows, this.cols, this.data.slice());
  }

  /** Rows [start, end) as a view sharing this matrix's buffer (rows are contiguous in row-major order). */
  rowSlice(start: number, end: number): Matrix {
    return new Matrix(end - start, this.cols, this.data.subarray(start * this.cols, end * this.cols));
  }

  transpose(): Matrix {
    const t = new Matrix(this.cols, this.rows);
    const { rows, cols, data } = this;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) t.data[j * rows + i] = data[i * cols + j]!;
    }
    return t;
  }

  toArrays(): number[][] {
    return Array.from({ length: this.rows }, (_, i) => Array.from(this.data.subarray(i * this.cols, (i + 1) * this.cols)));
  }
}

export function assertShape(m: Matrix, rows: number, cols: number, what: string): void {
  if (m.rows !== rows || m.cols !== cols) {
    throw new RangeError(`${what}: expected ${rows}x${cols}, got ${m.rows}x${m.cols}`);
  }
}
