// The seeded generator of the made-up-input tests (and bench/hostile.ts): the same inputs on every
// run. The classic LCG computed in 32-bit integers with its high bits used — in floating point the
// product loses its low bits and the sequence soon repeats (3,000 "made-up" header blocks were 153
// distinct ones), and its low bits cycle within a few steps.
export function seeded(seed: number): (k: number) => number {
  let s = seed >>> 0;
  return (k) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) % k;
}
