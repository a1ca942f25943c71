import { inject, injectable, type InjectionToken } from '../di.js';
import { Matrix } from '../matrix/matrix.js';
import type { LossSpec, ScheduleSpec } from '../spec/recipe.js';
import { RngFactory } from '../random/rng-factory.js';
import { describeHealth, DIVERGED_LOSS_FACTOR } from './divergence.js';
import { lossOf, type Loss } from './loss.js';
import { epochOrder, samplesPerEpoch, type SamplerSpec } from './sampler.js';
import { epochRates } from './schedule.js';
import type { Dataset, EpochMetrics, TrainableNetwork, TrainingReporter } from './types.js';

/** Monotonic seconds; injected so tests and replays can control time. */
export interface Clock {
  now(): number;
}
export const CLOCK: InjectionToken<Clock> = Symbol.for('txsim.clock');
export const systemClock: Clock = { now: () => performance.now() / 1000 };

export interface TrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  /** The base learning rate η₀ (training.learningRate). */
  readonly learningRate: number;
  /** Which examples each epoch visits, in which order (`training.sampler`); default a seeded shuffle. */
  readonly sampler?: SamplerSpec;
  /** Default softmax cross-entropy; training, evaluation and the divergence check all use it. */
  readonly loss?: LossSpec;
  /** Default constant: every epoch at `learningRate`. */
  readonly schedule?: ScheduleSpec;
  /** Base rates of the layers that have their own (layers.<name>.learningRate); the schedule scales them alike. */
  readonly layerRates?: Readonly<Record<string, number>>;
  /** First epoch to run (1-based), for resumed runs. */
  readonly startEpoch?: number;
  /** Metrics of the epochs before `startEpoch` (a resumed run's history); the result starts with them. */
  readonly history?: readonly EpochMetrics[];
  /**
   * Checked after every batch: once aborted, the trainer stops there and returns the epochs completed
   * so far. While a signal is given the trainer yields to the event loop after each batch, so that a
   * signal handler (Ctrl-C) can run during a long epoch.
   */
  readonly signal?: AbortSignal;
  readonly reporters?: readonly TrainingReporter[];
}

/**
 * Batches of one dataset, copied row by row (each a memcpy) into buffers reused across batches of the same
 * size: a step allocates no batch arrays. Plain memory, not kernel memory: in kernel memory, a block this
 * allocates mid-run was seen shared with another user (a resumed run's test loss changed), and only GEMMs
 * read x, which take any array.
 */
class Batches {
  readonly #bySize = new Map<number, { x: Matrix; y: Uint8Array }>();

  constructor(private readonly data: Dataset) {}

  /** Rows `order[start..end)`; the arrays stay valid until the next call for a batch of the same size. */
  gather(order: Uint32Array, start: number, end: number): { x: Matrix; y: Uint8Array } {
    const { inputs, labels } = this.data;
    const cols = inputs.cols;
    const rows = end - start;
    let b = this.#bySize.get(rows);
    if (!b) {
      if (this.#bySize.size >= 4) this.#bySize.clear();
      b = { x: new Matrix(rows, cols), y: new Uint8Array(rows) };
      this.#bySize.set(rows, b);
    }
    for (let i = start; i < end; i++) {
      const src = order[i]!;
      b.x.data.set(inputs.data.subarray(src * cols, (src + 1) * cols), (i - start) * cols);
      b.y[i - start] = labels[src]!;
    }
    return b;
  }
}

/** Minibatch SGD over each epoch's sampled order (sampler.ts) and a test evaluation after each epoch. */
@injectable()
export class Trainer {
  constructor(
    private readonly rngs: RngFactory,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async train(net: TrainableNetwork, train: Dataset, test: Dataset, options: TrainOptions): Promise<EpochMetrics[]> {
    const n = samplesPerEpoch(options.sampler, train.labels.length);
    const batches = Math.ceil(n / options.batchSize);
    const history: EpochMetrics[] = [...(options.history ?? [])];
    const loss = lossOf(options.loss);
    for (const r of options.reporters ?? []) r.onTrainStart?.({ epochs: options.epochs, startEpoch: options.startEpoch ?? 1 });
    for (let epoch = options.startEpoch ?? 1; epoch <= options.epochs; epoch++) {
      const t0 = this.clock.now();
      const order = epochOrder(options.sampler, train.labels.length, this.rngs, epoch);
      const rates = epochRates(options.schedule, options.learningRate, options.layerRates, epoch, options.epochs);
      for (const r of options.reporters ?? []) r.onEpochStart?.(epoch, batches);
      let lossSum = 0;
      let correct = 0;
      const batchesOf = new Batches(train);
      let grad: Matrix | undefined;
      for (let b = 0; b < batches; b++) {
        const { x, y } = batchesOf.gather(order, b * options.batchSize, Math.min(n, (b + 1) * options.batchSize));
        const logits = net.forward(x, true);
        if (grad?.rows !== logits.rows || grad.cols !== logits.cols) grad = new Matrix(logits.rows, logits.cols);
        const out = loss.evaluate(logits, y, grad);
        const limit = DIVERGED_LOSS_FACTOR * loss.chance(logits.cols);
        if (!(out.loss <= limit)) {
          const why = Number.isFinite(out.loss) ? `, over ${limit.toPrecision(3)} (${DIVERGED_LOSS_FACTOR} × ${loss.chanceText(logits.cols)}, the loss of a network that knows nothing): the outputs are exploding` : '';
          throw new Error(`training diverged: loss is ${Number.isFinite(out.loss) ? out.loss.toPrecision(3) : out.loss} at epoch ${epoch}, batch ${b + 1}${why}${describeHealth(net.parameterHealth?.())}`);
        }
        net.backward(out.grad);
        net.update(rates.learningRate, rates.layers);
        lossSum += out.loss * y.length;
        correct += out.correct;
        for (const r of options.reporters ?? []) r.onBatch?.(epoch, b + 1, out.loss);
        if (options.signal) {
          await new Promise((resolve) => setImmediate(resolve));
          if (options.signal.aborted) return history;
        }
      }
      // A parameter can overflow without the loss showing it yet (a layer whose outputs saturate).
      const health = net.parameterHealth?.();
      if (health?.nonFinite) throw new Error(`training diverged: ${health.nonFinite} holds non-finite values after epoch ${epoch}`);
      const evaluation = evaluate(net, test, options.batchSize, loss);
      const metrics: EpochMetrics = {
        epoch,
        trainLoss: lossSum / n,
        trainAccuracy: correct / n,
        testLoss: evaluation.loss,
        testAccuracy: evaluation.accuracy,
        seconds: this.clock.now() - t0,
        learningRate: rates.learningRate,
        ...(rates.layers ? { learningRates: rates.layers } : {}),
      };
      history.push(metrics);
      for (const r of options.reporters ?? []) await r.onEpochEnd?.(metrics);
    }
    return history;
  }
}

/** Mean loss and accuracy of the network's inference (forward reads only) over a dataset. */
export function evaluate(net: TrainableNetwork, data: Dataset, batchSize = 256, lossFn: Loss = lossOf(undefined)): { loss: number; accuracy: number } {
  const n = data.labels.length;
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const batches = new Batches(data);
  let loss = 0;
  let correct = 0;
  let grad: Matrix | undefined;
  for (let start = 0; start < n; start += batchSize) {
    const { x, y } = batches.gather(order, start, Math.min(n, start + batchSize));
    const outputs = net.forward(x, false);
    // The loss writes a gradient nobody reads here; one buffer serves every batch of a size.
    if (grad?.rows !== outputs.rows || grad.cols !== outputs.cols) grad = new Matrix(outputs.rows, outputs.cols);
    const out = lossFn.evaluate(outputs, y, grad);
    loss += out.loss * y.length;
    correct += out.correct;
  }
  return { loss: loss / n, accuracy: correct / n };
}
