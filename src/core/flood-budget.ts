// How many fallback floods and location lookups a node starts (docs/protocol.md §14.1): the
// last resorts of unicast each reach a whole corridor, ring or network, so a node that keeps
// reaching for them toward a destination that does not answer saturates the channel for
// everyone. Two memories bound them: the destinations flooded lately (rule `floodHeld`) and the
// targets whose lookup just failed (rule `lookupSkipped`). Anything heard from a destination
// clears both. Bounded: the oldest entries go first.
import { formatNodeId, type NodeId } from "./station";

/**
 * Rule `floodHeld`: after a fallback flood (corridor or network) to a destination, no other is
 * started toward it for this long unless the destination is heard from meanwhile (its DATA, its
 * end-to-end ACK, its key answer). duty-cycle-stress seed 1 sent 762 floods for 585 messages:
 * 168 messages were flooded twice, 42 three to ten times (e2e retries, every bounce of every
 * attempt), and 195 floods carried first-contact key requests repeated by their backoff.
 */
export const FLOOD_HOLD_MS = 300_000;

/**
 * Rule `lookupSkipped`: a target whose lookup went through every level unanswered is not looked
 * up again for this long; messages to it go straight to the last resort (itself under
 * `floodHeld`). bay-area seed 1: 32 of 37 askers that looked a target up looked it up twice (10
 * queries each), 4 of 110 lookups were answered.
 */
export const UNLOCATABLE_MS = 600_000;

/** Destinations and targets remembered by each memory. */
export const FLOOD_BUDGET_MAX = 64;

function remember(map: Map<NodeId, { at: number; seq: number }>, id: NodeId, at: number, seq: number): void {
  map.delete(id);
  if (map.size >= FLOOD_BUDGET_MAX) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(id, { at, seq });
}

export class FloodBudget {
  /** Destination → when the last fallback flood to it went out, and which message it carried. */
  readonly #flooded = new Map<NodeId, { at: number; seq: number }>();
  /** Target → when its last lookup failed. */
  readonly #unlocatable = new Map<NodeId, { at: number; seq: number }>();

  /** A fallback flood to `dst` carrying message `seq` went out. */
  noteFlood(dst: NodeId, seq: number, now: number): void {
    remember(this.#flooded, dst, now, seq);
  }

  /** The last fallback flood to `dst` while it holds further ones (rule `floodHeld`), else undefined. */
  floodHeld(dst: NodeId, now: number): { readonly at: number; readonly seq: number } | undefined {
    const f = this.#flooded.get(dst);
    if (f === undefined) return undefined;
    if (now - f.at < FLOOD_HOLD_MS) return f;
    this.#flooded.delete(dst);
    return undefined;
  }

  /** A lookup for `target` ended with no answer at its widest level. */
  noteLookupFailed(target: NodeId, now: number): void {
    remember(this.#unlocatable, target, now, 0);
  }

  /** When the last lookup for `target` failed, while it is not to be repeated (rule `lookupSkipped`). */
  unlocatableSince(target: NodeId, now: number): number | undefined {
    const l = this.#unlocatable.get(target);
    if (l === undefined) return undefined;
    if (now - l.at < UNLOCATABLE_MS) return l.at;
    this.#unlocatable.delete(target);
    return undefined;
  }

  /** Something came from `id`: it answers, so floods and lookups toward it may go again. */
  heardFrom(id: NodeId): void {
    this.#flooded.delete(id);
    this.#unlocatable.delete(id);
  }
}

/** What the application is told when rule `floodHeld` stops a message. */
export function floodHeldReason(dst: NodeId, at: number, now: number): string {
  return `no route to ${formatNodeId(dst)}, and a fallback flood to it ${Math.round((now - at) / 1000)} s ago went unanswered: not flooding again within ${FLOOD_HOLD_MS / 1000} s`;
}

/** What the application is told when rule `lookupSkipped` leaves a message nothing to try. */
export function unlocatableReason(target: NodeId, at: number, now: number): string {
  return `could not locate ${formatNodeId(target)}: its lookup failed ${Math.round((now - at) / 1000)} s ago`;
}
