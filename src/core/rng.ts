// Seeded pseudo-random numbers. The core never calls Math.random: every node gets an Rng from
// its host (firmware: seeded from the hardware RNG; simulator and tests: from the run seed), so
// runs reproduce exactly. Generator: sfc32 (Chris Doty-Humphrey's small fast counter), seeded via
// splitmix32 so nearby seeds give unrelated streams. 32-bit integer ops only: fast on XS.

export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Hashes a string (its UTF-16 code units) or bytes to 32 bits (FNV-1a): labels that seed or fork generators, payloads compared cheaply. */
export function hash32(input: string | Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < input.length; i++) {
    h ^= typeof input === "string" ? input.charCodeAt(i) : input[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class SeededRng implements Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number | string) {
    const state = { s: typeof seed === "string" ? hash32(seed) : seed >>> 0 };
    this.#a = splitmix32(state);
    this.#b = splitmix32(state);
    this.#c = splitmix32(state);
    this.#d = splitmix32(state);
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const a = this.#a, b = this.#b, c = this.#c, d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    this.#c = (r + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An independent generator derived from this one's seed material and a label. */
  fork(label: string | number): SeededRng {
    const mix = typeof label === "string" ? hash32(label) : label >>> 0;
    return new SeededRng((this.nextUint32() ^ mix) >>> 0);
  }
}

/** Uniform integer in [0, n). */
export function randInt(rng: Rng, n: number): number {
  return Math.floor(rng.next() * n);
}

/** Uniform float in [lo, hi). */
export function randRange(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.next();
}

/** Standard normal deviate (Box–Muller). */
export function randNormal(rng: Rng): number {
  let u = rng.next();
  while (u <= 0) u = rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Exponential deviate with the given mean. */
export function randExp(rng: Rng, mean: number): number {
  let u = rng.next();
  while (u <= 0) u = rng.next();
  return -Math.log(u) * mean;
}

/** 0 … n−1 in a random order (Fisher–Yates from the top, one draw per position). */
export function shuffledIndices(rng: Rng, n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
