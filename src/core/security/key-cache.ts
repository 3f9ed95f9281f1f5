// Public keys bound to their ids (key-id.ts) that this node has seen, whoever carried them: its
// neighbours' KEY frames, key messages and keyed DMs it relayed or overheard. Checking one costs a
// SHA-256, no X25519 (the pairwise key is derived only when this node itself writes to the peer),
// so the cache may take keys from anyone. It serves two uses (docs/security.md §8, "First
// contact"): a DM to a cached peer needs no key request, and a relay answers a key request it
// carries for a cached peer (a cache answer). Least recently used first out; RAM only.
import { equalConstantTime } from "./bytes";
import { isBoundKey } from "./key-id";
import { setNewest } from "../bounded";

/** Default size: 128 keys of 32 bytes (4 KB of keys, about 10 KB with the map's entries on XS). */
export const DEFAULT_KEY_CACHE_SIZE = 128;

export class KeyCache {
  readonly #max: number;
  readonly #keys = new Map<number, Uint8Array>();
  /** Keys offered that were not bound to the id they came with (refused, counted). */
  unbound = 0;
  /**
   * Bound keys offered for an id that already holds another bound key (refused, counted). Ids are
   * 32 bits, so a second key bound to a real node's id can be ground out; the first key seen stays.
   */
  conflicts = 0;

  readonly #bound: (id: number, publicKey: Uint8Array) => boolean;

  /** `bound` is the binding check (key-id.ts); a test may pass another to stand in for a ground-out id collision. */
  constructor(max = DEFAULT_KEY_CACHE_SIZE, bound: (id: number, publicKey: Uint8Array) => boolean = isBoundKey) {
    this.#bound = bound;
    // A size that is not a finite number (NaN from a bad setting) takes the default: NaN would
    // never compare above the size and the cache would grow without eviction.
    this.#max = Number.isFinite(max) ? Math.max(0, Math.floor(max)) : DEFAULT_KEY_CACHE_SIZE;
  }

  get size(): number {
    return this.#keys.size;
  }

  /** Stores `publicKey` for `id` when it is bound to it; returns whether it is (now) held. */
  offer(id: number, publicKey: Uint8Array): boolean {
    if (!this.#bound(id, publicKey)) {
      this.unbound++;
      return false;
    }
    if (this.#max === 0) return true;
    const held = this.#keys.get(id);
    if (held !== undefined && !equalConstantTime(held, 0, publicKey, 0, held.length)) {
      this.conflicts++;
      return false;
    }
    setNewest(this.#keys, id, publicKey.slice(), this.#max);
    return true;
  }

  /** The bound key cached for `id` (refreshing its place), or undefined. */
  get(id: number): Uint8Array | undefined {
    const k = this.#keys.get(id);
    if (k === undefined) return undefined;
    this.#keys.delete(id);
    this.#keys.set(id, k);
    return k;
  }
}
