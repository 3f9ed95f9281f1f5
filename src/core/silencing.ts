// Node silencing (docs/protocol.md §12): whether this node may stop relaying floods and
// broadcasts. Wu & Dai's coverage condition ("Rule k", 2003) on the node's two-hop view: it may
// mute when its higher-priority, active neighbours form a connected set that covers all its
// neighbours. Decisions depend only on higher-priority nodes, so the active nodes form a
// connected dominating set: every node stays connected through active relays.
import type { NodeId } from "./station";

export interface SilenceNeighbour {
  readonly id: NodeId;
  readonly prio: number;
  /** Whether it advertises itself as relaying (not muted). */
  readonly active: boolean;
}

export interface SilenceView {
  readonly self: NodeId;
  readonly selfPrio: number;
  /** Usable neighbours. */
  readonly neighbours: readonly SilenceNeighbour[];
  /** Whether two of our neighbours share a usable link (from their own neighbour lists). */
  readonly linked: (a: NodeId, b: NodeId) => boolean;
}

/** Priority order with the node id as tie-break. */
export function outranks(prioA: number, idA: NodeId, prioB: number, idB: NodeId): boolean {
  return prioA > prioB || (prioA === prioB && idA > idB);
}

/** True when the coverage condition lets this node mute. */
export function mayMute(v: SilenceView): boolean {
  const n = v.neighbours;
  if (n.length === 0) return false; // nobody to relay for: stay as we are
  const cover = n.filter((u) => u.active && outranks(u.prio, u.id, v.selfPrio, v.self));
  if (cover.length === 0) return false;
  // (a) the cover set is connected through its own links.
  const reached = new Set<NodeId>([cover[0].id]);
  const stack = [cover[0].id];
  while (stack.length > 0) {
    const a = stack.pop() as NodeId;
    for (const b of cover) {
      if (!reached.has(b.id) && v.linked(a, b.id)) {
        reached.add(b.id);
        stack.push(b.id);
      }
    }
  }
  if (reached.size !== cover.length) return false;
  // (b) every neighbour is in the cover set or linked to one of its members.
  const inCover = new Set(cover.map((u) => u.id));
  for (const w of n) {
    if (inCover.has(w.id)) continue;
    if (!cover.some((c) => v.linked(c.id, w.id))) return false;
  }
  return true;
}

/**
 * Relay priority for a rotation epoch. High 2 bits: battery quarter (fuller batteries rank
 * higher and keep relaying; external power ranks top). Middle 3 bits: how many usable
 * neighbours the node has, in eights (a well-connected relay covers more, so fewer relays are
 * needed: coverage-rule pruning is known to yield much smaller relay sets with degree-based
 * priorities than with random ones). Low 3 bits: a fresh random draw each epoch, so the relay
 * duty rotates among similar nodes.
 */
export function relayPriority(battery: number, usableNeighbours: number, random3: number): number {
  const quarter = battery < 0 ? 3 : Math.min(3, Math.max(0, Math.floor(battery * 4)));
  const degree = Math.min(7, Math.floor(usableNeighbours / 8));
  return (quarter << 6) | (degree << 3) | (random3 & 7);
}
