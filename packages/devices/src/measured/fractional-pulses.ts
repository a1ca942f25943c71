/**
 * An analog request as fractional pulse counts: a change Δ is Δ/pulseStep potentiating pulses when
 * positive and −Δ/pulseStep depressing ones when negative. The buffers are reused between calls.
 */
export class FractionalPulses {
  private up = new Float64Array(0);
  private down = new Float64Array(0);

  /** With `factor`, the request is factor·delta[k] (the product formed first, as a scale pass would). */
  split(delta: Float64Array, step: number, factor = 1): { up: Float64Array; down: Float64Array } {
    if (this.up.length !== delta.length) {
      this.up = new Float64Array(delta.length);
      this.down = new Float64Array(delta.length);
    }
    const up = this.up;
    const down = this.down;
    for (let k = 0; k < delta.length; k++) {
      const n = (factor === 1 ? delta[k]! : factor * delta[k]!) / step;
      up[k] = n > 0 ? n : 0;
      down[k] = n < 0 ? -n : 0;
    }
    return { up, down };
  }
}
