// Rule `secondFloodRelayed` (docs/protocol.md §14.1): a driving originator's second flood of a
// message (rule `movingFloodMemory`, its end-to-end retry a minute or more after the first) carries
// the first one's identity, so every node that heard the first dropped it as a duplicate and only
// the car's new neighbours took it. Under this rule a node near a driving node takes a copy heard
// MOVING_FLOOD_MEMORY_MS or more after its first copy of that flood as a new one, once, and relays it
// as it would a first copy. One of the concerns Flooding (flooding.ts) composes.
import type { FloodFrame } from "./frames";
import type { NodeState } from "./node-state";
import { MOVING_FLOOD_MEMORY_MS } from "./flood-budget";
import { setNewest } from "./bounded";

/** At most this many floods remembered (when first taken), the oldest out first. */
export const SECOND_FLOOD_MAX = 64;

export class SecondFlood {
  readonly #n: NodeState;
  /** Flood key → when we first took it, or -1 once taken a second time. */
  readonly #taken = new Map<string, number>();

  constructor(n: NodeState) {
    this.#n = n;
  }

  /** We took the first copy of flood `key`. */
  first(key: string, now: number): void {
    if (!this.#n.config.secondFloodRelayed || this.#taken.has(key)) return;
    setNewest(this.#taken, key, now, SECOND_FLOOD_MAX);
  }

  /**
   * Whether duplicate `f` (key `key`) is a driving originator's second flood to take as new: its
   * first copy came MOVING_FLOOD_MEMORY_MS or more ago, this node or the neighbour it came from is
   * driving (no node drives on a static mesh, which is unchanged), and not already taken twice.
   */
  again(f: FloodFrame, key: string, now: number): boolean {
    const n = this.#n;
    if (!n.config.secondFloodRelayed || f.dst === n.id) return false;
    const at = this.#taken.get(key);
    if (at === undefined || at < 0 || now - at < MOVING_FLOOD_MEMORY_MS) return false;
    if (!n.driving(now) && !n.drivingLink(f.tx, now)) return false;
    this.#taken.set(key, -1);
    return true;
  }
}
