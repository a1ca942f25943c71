import type { TrainingReporter } from '@txsim/core';
import { Presets, SingleBar } from 'cli-progress';
import type { Output } from '../io.js';

/**
 * A per-epoch progress bar with the running batch loss. Drawn on a terminal only: cli-progress
 * prints nothing to a pipe anyway, and the epoch lines on stdout already record progress there.
 */
export class ProgressReporter implements TrainingReporter {
  #bar: SingleBar | undefined;

  constructor(private readonly stream: Output, private readonly epochs: number) {}

  onEpochStart(epoch: number, batches: number): void {
    this.stop();
    this.#bar = new SingleBar({
      stream: this.stream as NodeJS.WritableStream,
      format: `epoch ${epoch}/${this.epochs} {bar} {percentage}% | {value}/{total} batches | loss {loss} | ETA {eta_formatted}`,
      clearOnComplete: true,
      barsize: 30,
      etaBuffer: 50,
    }, Presets.shades_classic);
    this.#bar.start(batches, 0, { loss: '-' });
  }

  onBatch(_epoch: number, batch: number, loss: number): void {
    this.#bar?.update(batch, { loss: loss.toFixed(4) });
  }

  /** Clears the bar before the epoch's line is printed (this reporter runs before the line printer). */
  onEpochEnd(): void {
    this.stop();
  }

  /** Clears the bar; also called when training throws, so the error is not drawn over. */
  stop(): void {
    this.#bar?.stop();
    this.#bar = undefined;
  }
}
