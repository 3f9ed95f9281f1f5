// Node id → cluster, learnt from OGMs and traffic (docs/protocol.md §16). Bounded; entries
// expire after locationTtlMs; a newer observation replaces an older one.
import type { ClusterId } from "./cluster";
import { NO_CLUSTER } from "./cluster";
import type { NodeId } from "./station";
import { makeRoom } from "./bounded";

export interface LocationEntry {
  cluster: ClusterId;
  /** When this placement was observed (for answering with an age). */
  at: number;
  /** When it expires: locationTtlMs after `at`, or later while an OGM's hold vouches for it (§16). */
  until: number;
}

export class LocationCache {
  readonly #max: number;
  readonly #ttl: number;
  readonly #map = new Map<NodeId, LocationEntry>();

  constructor(max: number, ttlMs: number) {
    this.#max = max;
    this.#ttl = ttlMs;
  }

  get size(): number {
    return this.#map.size;
  }

  /**
   * Records that `id` is in `cluster` as of `at`; older observations never overwrite newer.
   * `heldUntil`: an OGM route entry vouches for the placement as long as the entry is held
   * (rule `placementHeld`, §16), when that is longer than the TTL.
   */
  learn(id: NodeId, cluster: ClusterId, at: number, heldUntil = -Infinity): void {
    if (cluster === NO_CLUSTER) return;
    const until = Math.max(at + this.#ttl, heldUntil);
    const old = this.#map.get(id);
    if (old !== undefined) {
      // Updated in place: this runs for every route entry of every OGM heard.
      if (old.at <= at) {
        old.until = old.cluster === cluster ? Math.max(old.until, until) : until;
        old.cluster = cluster;
        old.at = at;
      }
      return;
    }
    makeRoom(this.#map, this.#max);
    this.#map.set(id, { cluster, at, until });
  }

  /** Adds the clusters of the entries held to `out` (expired ones included until looked up: a node known there once). */
  clustersInto(out: ClusterId[]): void {
    for (const e of this.#map.values()) out.push(e.cluster);
  }

  /** The live entry for `id`, or undefined (expired entries are dropped on the way). */
  lookup(id: NodeId, now: number): LocationEntry | undefined {
    const e = this.#map.get(id);
    if (e === undefined) return undefined;
    if (now > e.until) {
      this.#map.delete(id);
      return undefined;
    }
    return e;
  }

  forget(id: NodeId): void {
    this.#map.delete(id);
  }
}
