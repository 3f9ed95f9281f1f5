// Lookups of the location service (docs/protocol.md §16): for each destination being located,
// the level being asked (0 neighbours, 1 own cluster, k ≥ 2 rings), the query id, when that
// level times out, and the messages waiting for the answer. Bounded in lookups and in
// messages per lookup.
import type { NodeId } from "./station";
import { FrameType } from "./frames";
import { type ClusterId, NO_CLUSTER, clusterDistance } from "./cluster";

export interface Lookup<M> {
  readonly target: NodeId;
  level: number;
  qid: number;
  deadline: number;
  readonly messages: M[];
  readonly startedAt: number;
}

/**
 * Rule `firstLookupLevel` (§16): the level a lookup starts at. Level 0 asks the neighbours only
 * (TTL 1) and only the target answers (one answer per query), so it can succeed only when the
 * target is a neighbour we know; otherwise the lookup starts at level 1, its own cluster.
 * bay-area seed 1: 69 of 269 queries were level 0, none answered. Never above `maxScope`
 * (`locateMaxScope`): a node limited to level 0 asks its neighbours only.
 */
export function firstLookupLevel(targetIsNeighbour: boolean, maxScope: number): number {
  return Math.min(targetIsNeighbour ? 0 : 1, maxScope);
}

/**
 * Rule `busyLookupSkipped` (§16): the channel busy share (`ChannelMeter.recentBusyShare`) at and above
 * which a node starts no lookup and sends a message it cannot place to the last resort (the network
 * flood) at once. On a busy channel a lookup's answer rarely comes back (Medium City at 800
 * unicasts/h, seed 1: 404 queries, 113 answers sent, 16 received), so its levels cost airtime and
 * minutes only to end in the same network flood. 0.4 delivered more than ½ on every load point
 * and scenario it touched (§16).
 */
export const LOOKUP_BUSY_SHARE = 0.4;

export function busyLookupSkipped(airBusyShare: number): boolean {
  return airBusyShare >= LOOKUP_BUSY_SHARE;
}

/**
 * Rule `coveredLookupSkipped` (§16): whether every cluster a node knows of (`known`: its
 * neighbours', its cluster routes' — bridge routes included — and its location cache's) lies
 * within the ring the widest level asks (`maxScope` − 1 rings round `own`). The lookup's levels
 * then ask the whole network as the node knows it, one ring after another, and the answer must
 * still come back before the message goes: costlier than the network flood it is there to avoid.
 * Such a node sends a message it cannot place to the last resort at once. Bay-area (six geohash-4
 * cells, two rings across): lookups took 45–114 query relays each and their answers mostly did
 * not come back; the corridor flood an answer leads to then misses the detours round the deaf
 * hill-top nodes that the network flood takes. Not with `maxScope` 0 (neighbours only) or for a
 * node with no cluster.
 */
export function coveredLookupSkipped(maxScope: number, own: ClusterId, known: Iterable<ClusterId>): boolean {
  if (maxScope < 1 || own === NO_CLUSTER) return false;
  return farthestKnownRing(own, known) <= maxScope - 1;
}

/**
 * How many rings from `own` the farthest of `known` lies (NO_CLUSTER entries left out); Infinity
 * when one cannot be placed in rings from it (another precision), 0 when none is known. Read by
 * rules `coveredLookupSkipped` and `farLookupLevel`.
 */
export function farthestKnownRing(own: ClusterId, known: Iterable<ClusterId>): number {
  let far = 0;
  for (const c of known) if (c !== NO_CLUSTER) far = Math.max(far, clusterDistance(own, c));
  return far;
}

/** The widest scope a LOCATE_Q carries (3 bits, §3.6): 6 rings round the asker's cluster. */
export const LOCATE_SCOPE_MAX = 7;

/**
 * Rule `farLookupLevel` (§16, config `farLookupLevel`): the level a lookup asks after its widest
 * (`maxScope`) has gone unanswered, when the node knows a cluster (`known`: its neighbours', its
 * cluster routes' and its location cache's) beyond the ring that level asks: the scope that reaches
 * the farthest of them (its distance + 1, at most LOCATE_SCOPE_MAX); undefined when every known
 * cluster lies within the widest ring (or with `maxScope` 0, or no cluster of our own); a cluster
 * that cannot be placed in rings (another precision) counts as the farthest, as it does for
 * `coveredLookupSkipped`. Why: across
 * a mesh wider than the widest ring (large-scale: 40 km of 5-km cells, metro-scale 50 km) most
 * targets lie beyond it, so the lookup failed and the message (mostly a first-contact key request,
 * docs/security.md §8) went as a network flood, each retry flooded again; one query over the whole
 * mesh names its forwarders and is a third the size of a flooded key request.
 */
export function farLookupLevel(maxScope: number, own: ClusterId, known: Iterable<ClusterId>): number | undefined {
  if (maxScope < 1 || own === NO_CLUSTER) return undefined;
  const level = Math.min(farthestKnownRing(own, known) + 1, LOCATE_SCOPE_MAX);
  return level > maxScope ? level : undefined;
}

/**
 * Rule `queryListCapped` (§16): a location query that would need more forwarders than a list holds
 * (MAX_BCAST_FORWARDERS) names the first that many, in rank order, instead of none. A query naming
 * none is relayed by every distributor in its scope after a contention window; in a dense mesh
 * dozens start within the same slots, their copies collide and the copy counter that should stand
 * them down never counts: dense-urban seed 1, two queries of one lookup (scopes 3 and 4) named none
 * and took 89 and 58 relays, 147 of the 264 query relays of the window's second half.
 */
export function queryListCapped(type: number): boolean {
  return type === FrameType.LOCATE_Q;
}

export const MAX_LOOKUPS = 16;
export const MAX_WAITING_PER_LOOKUP = 8;

export class Lookups<M> {
  readonly #map = new Map<NodeId, Lookup<M>>();

  get size(): number {
    return this.#map.size;
  }

  get(target: NodeId): Lookup<M> | undefined {
    return this.#map.get(target);
  }

  /** Whether a message for `target` can wait here (a lookup exists with room, or one can start). */
  canAccept(target: NodeId): boolean {
    const l = this.#map.get(target);
    return l === undefined ? this.#map.size < MAX_LOOKUPS : l.messages.length < MAX_WAITING_PER_LOOKUP;
  }

  /** Adds a waiting message; returns the lookup and whether it is new (its first query must go out). */
  add(target: NodeId, message: M, now: number, qid: number, deadline: number): { lookup: Lookup<M>; started: boolean } {
    let l = this.#map.get(target);
    if (l !== undefined) {
      l.messages.push(message);
      return { lookup: l, started: false };
    }
    l = { target, level: 0, qid, deadline, messages: [message], startedAt: now };
    this.#map.set(target, l);
    return { lookup: l, started: true };
  }

  /** Lookups whose current level has timed out. */
  due(now: number): Lookup<M>[] {
    const out: Lookup<M>[] = [];
    for (const l of this.#map.values()) if (l.deadline <= now) out.push(l);
    return out;
  }

  /** Ends a lookup (answered or given up) and returns its waiting messages. */
  finish(target: NodeId): M[] {
    const l = this.#map.get(target);
    if (l === undefined) return [];
    this.#map.delete(target);
    return l.messages;
  }

  earliestDeadline(): number {
    let t = Infinity;
    for (const l of this.#map.values()) if (l.deadline < t) t = l.deadline;
    return t;
  }
}
