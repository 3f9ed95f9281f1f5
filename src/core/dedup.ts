// Duplicate suppression: keys of frames already handled, each remembered for a hold time, at
// most `size` of them (the oldest goes first). Meshtastic's history has no time expiry and
// rolls over under load (firmware issue #8790); ours has both bounds.

import { makeRoom } from "./bounded";

export class DedupCache {
  readonly #size: number;
  readonly #holdMs: number;
  readonly #seen = new Map<string, number>();

  constructor(size: number, holdMs: number) {
    this.#size = size;
    this.#holdMs = holdMs;
  }

  has(key: string, now: number): boolean {
    const until = this.#seen.get(key);
    if (until === undefined) return false;
    if (until < now) {
      this.#seen.delete(key);
      return false;
    }
    return true;
  }

  /** Remembers a key; returns false if it was already there (a duplicate). */
  add(key: string, now: number): boolean {
    if (this.has(key, now)) return false;
    makeRoom(this.#seen, this.#size);
    this.#seen.set(key, now + this.#holdMs);
    return true;
  }

  get size(): number {
    return this.#seen.size;
  }
}
