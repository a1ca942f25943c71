/** Where a command writes; a parameter of `main` so tests can run commands in-process and read their output. */
export interface Output {
  write(text: string): unknown;
  /** Progress bars are drawn only on a terminal. */
  readonly isTTY?: boolean;
}

export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
}

export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };
