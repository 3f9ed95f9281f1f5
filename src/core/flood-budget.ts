// How many fallback floods and location lookups a node starts (docs/protocol.md §14.1): the
// last resorts of unicast each reach a whole corridor, ring or network, so a node that keeps
// reaching for them saturates the channel for everyone. Two memories bound them: the messages
// flooded lately (rule `floodOnce`) and the targets whose lookup just failed (rule
// `lookupSkipped`; a message from the target delivered here, or its end-to-end ACK, clears it).
// Bounded: the oldest entries go first.
import { formatNodeId, type NodeId } from "./station";
import { setNewest } from "./bounded";

/**
 * Rule `floodOnce`: the originator floods a message (corridor or network) at most once; the
 * memory of a flood lasts this long, longer than an end-to-end deadline with its retry. Later
 * copies of the same message that find no route (its e2e retry, every bounce of every attempt)
 * wait for that flood's ACK instead of flooding again. duty-cycle-stress seed 1 sent 762 floods
 * for 585 messages: 168 messages were flooded twice and 42 three to ten times.
 */
export const FLOOD_MEMORY_MS = 300_000;

/**
 * Rule `movingFloodMemory` (§14.1): a driving originator's (DRIVING_MPS) memory of a flood lasts
 * only this long.
 * By its end-to-end retry (1.7–2.2 minutes after the send on highway-convoy for a corridor flood,
 * 3.4–3.9 with a lookup first: §7.4 with rule `e2eFloodAllowance`) a car has driven several
 * kilometres and its neighbours have changed, so a second flood goes out over a different network
 * rather than repeating the first; the bounces and timeouts of one attempt still come within it.
 */
export const MOVING_FLOOD_MEMORY_MS = 60_000;

/**
 * Rule `lookupSkipped`: a target whose lookup went through every level unanswered is not looked
 * up again for this long; messages to it go straight to the last resort. bay-area seed 1: 32 of 37 askers that looked a target up looked it up twice (10
 * queries each), 4 of 110 lookups were answered.
 */
export const UNLOCATABLE_MS = 600_000;

/** Messages and targets remembered by each memory. */
export const FLOOD_BUDGET_MAX = 64;

function remember<K>(map: Map<K, number>, key: K, at: number): void {
  setNewest(map, key, at, FLOOD_BUDGET_MAX);
}

function recall<K>(map: Map<K, number>, key: K, now: number, lifeMs: number): number | undefined {
  const at = map.get(key);
  if (at === undefined) return undefined;
  if (now - at < lifeMs) return at;
  map.delete(key);
  return undefined;
}

export class FloodBudget {
  /** `dst:seq` of each message flooded → when. */
  readonly #flooded = new Map<string, number>();
  /** Target → when its last lookup failed. */
  readonly #unlocatable = new Map<NodeId, number>();

  /** Message `seq` to `dst` went out as a fallback flood. */
  noteFlood(dst: NodeId, seq: number, now: number): void {
    remember(this.#flooded, `${dst}:${seq}`, now);
  }

  /**
   * When message `seq` to `dst` was flooded, within FLOOD_MEMORY_MS (rule `floodOnce`), or within
   * MOVING_FLOOD_MEMORY_MS for a node that is `driving` (rule `movingFloodMemory`), else undefined.
   */
  floodedAt(dst: NodeId, seq: number, now: number, driving = false): number | undefined {
    const at = recall(this.#flooded, `${dst}:${seq}`, now, FLOOD_MEMORY_MS);
    return at !== undefined && driving && now - at >= MOVING_FLOOD_MEMORY_MS ? undefined : at;
  }

  /** A lookup for `target` ended with no answer at its widest level. */
  noteLookupFailed(target: NodeId, now: number): void {
    remember(this.#unlocatable, target, now);
  }

  /** When the last lookup for `target` failed, while it is not to be repeated (rule `lookupSkipped`). */
  unlocatableSince(target: NodeId, now: number): number | undefined {
    return recall(this.#unlocatable, target, now, UNLOCATABLE_MS);
  }

  /** A message or end-to-end ACK from `id` reached us: it can be placed again, so a lookup may go. */
  heardFrom(id: NodeId): void {
    this.#unlocatable.delete(id);
  }
}

/** What the application is told when rule `floodOnce` ends a message. */
export function floodOnceReason(dst: NodeId, seq: number, at: number, now: number): string {
  return `no route to ${formatNodeId(dst)} for #${seq}, and its fallback flood went out ${Math.round((now - at) / 1000)} s ago: not flooding it again`;
}

/** What the application is told when rule `lookupSkipped` leaves a message nothing to try. */
export function unlocatableReason(target: NodeId, at: number, now: number): string {
  return `could not locate ${formatNodeId(target)}: its lookup failed ${Math.round((now - at) / 1000)} s ago`;
}
