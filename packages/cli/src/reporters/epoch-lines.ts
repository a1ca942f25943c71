import type { EpochMetrics, TrainingReporter } from '@txsim/core';
import type { Output } from '../io.js';

/** `epoch 1/3  train loss 0.4123  test loss 0.2011  test acc 94.12%  12.3 s` */
export function formatEpochLine(m: EpochMetrics, epochs: number): string {
  return `epoch ${m.epoch}/${epochs}  train loss ${m.trainLoss.toFixed(4)}  test loss ${m.testLoss.toFixed(4)}  test acc ${(m.testAccuracy * 100).toFixed(2)}%  ${m.seconds.toFixed(1)} s`;
}

/** One line per finished epoch on stdout: the record that survives pipes and logs. */
export class EpochLineReporter implements TrainingReporter {
  constructor(private readonly out: Output, private readonly epochs: number) {}

  onEpochEnd(metrics: EpochMetrics): void {
    this.out.write(`${formatEpochLine(metrics, this.epochs)}\n`);
  }
}
