// The arrhenius-reram device's update as a compiled kernel: dst = clip(g + factor·delta, gmin, gmax) over n
// cells. Addresses are byte offsets into txsim's shared kernel memory (imported as env.memory); the module
// keeps no static data there. Built with the flags in package.json's `build` script.
export function respond(g: usize, delta: usize, dst: usize, n: i32, factor: f64, gmin: f64, gmax: f64): void {
  for (let k = 0; k < n; k++) {
    const at = <usize>k << 3;
    const next = load<f64>(g + at) + load<f64>(delta + at) * factor;
    store<f64>(dst + at, next < gmin ? gmin : next > gmax ? gmax : next);
  }
}
