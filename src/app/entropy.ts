// The node's random source on the device (docs/security.md §13.7). The node secret, a fallback
// node id and the core's RNG seed must not rest on Math.random alone (whether XS on the ESP32
// feeds it from the hardware RNG is unverified), so every source the node has is hashed into one
// pool: Math.random and the clock at boot, then the radio's receiver noise once the radio is in
// receive (SX127x: RegRssiWideband LSBs; SX126x: the random-number registers). Any one good
// source makes the output unpredictable. Output blocks are SHA-256(pool ‖ "out" ‖ counter), and
// the pool is re-hashed after every draw, so an output does not reveal earlier ones.
import { concatBytes, writeU32LE } from "../core/security/bytes";
import { sha256 } from "../core/security/primitives";
import { encodeUtf8 } from "./utf8";

export class EntropyPool {
  #pool = new Uint8Array(32);
  #counter = 0;
  /** Names of the sources mixed in so far, in order (the boot prints them). */
  readonly sources: string[] = [];

  /** Hashes `bytes` into the pool, labelled with where they came from. */
  mix(source: string, bytes: Uint8Array): void {
    const len = new Uint8Array(4);
    writeU32LE(len, 0, bytes.length);
    this.#pool = sha256(concatBytes(this.#pool, encodeUtf8(source), len, bytes));
    this.sources.push(source);
  }

  /** `n` output bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    const ctr = new Uint8Array(4);
    for (let i = 0; i < n; i += 32) {
      writeU32LE(ctr, 0, this.#counter++);
      out.set(sha256(concatBytes(this.#pool, encodeUtf8("out"), ctr)).subarray(0, n - i), i);
    }
    this.#pool = sha256(concatBytes(this.#pool, encodeUtf8("next")));
    return out;
  }

  u32(): number {
    const b = this.bytes(4);
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  }
}
Object.freeze(EntropyPool.prototype);

/** Seeds a pool from a platform's 32-bit random function and a clock reading. */
export function bootEntropy(random32: () => number, now: number): EntropyPool {
  const pool = new EntropyPool();
  const raw = new Uint8Array(64);
  for (let i = 0; i < raw.length; i += 4) writeU32LE(raw, i, random32() >>> 0);
  pool.mix("math.random", raw);
  const t = new Uint8Array(8);
  writeU32LE(t, 0, now >>> 0);
  writeU32LE(t, 4, Math.floor(now / 0x1_0000_0000) >>> 0);
  pool.mix("clock", t);
  return pool;
}

/** Receiver noise bytes drawn from the radio for the pool. */
export const RADIO_NOISE_BYTES = 64;
