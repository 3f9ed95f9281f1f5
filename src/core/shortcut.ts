// Shortcuts past the route table (docs/protocol.md §6.1, rules `heardShortcut` and
// `twoHopShortcut`). A device's tables hold 24 neighbours and 64 node routes while a dense mesh
// gives a node 40–100 nodes in earshot and 200 destinations, so the destination of a frame is
// often in reach, or in reach of a neighbour, while the tables route it by cluster over more hops.
import type { HeardNodes } from "./heard-nodes";
import type { NeighbourTable } from "./neighbour-table";
import { FrameType, shortId } from "./frames";
import type { NodeId } from "./station";

/**
 * Rule `twoHopShortcut`: a neighbour must report hearing the destination at least this well
 * (its rq byte in its OGM list, 0..1) to be handed a frame for it.
 */
export const TWO_HOP_SHORTCUT_MIN_RQ = 0.5;

/**
 * Rule `heardShortcut`: a routed frame goes straight to its destination when this node decoded a
 * frame from it recently with some SNR margin (own reach, §15) but does not hold it in its
 * neighbour table (a destination in the table has its direct route there, and route choice
 * weighs it, §6.2), unless that hop was tried already for this frame. One attempt: the next hop is
 * not in the neighbour table, so an unconfirmed hop fails over at once (§7.3).
 */
export function heardShortcut(dst: NodeId, nbrs: NeighbourTable, heard: HeardNodes, now: number, tried: ReadonlySet<NodeId>): NodeId | undefined {
  if (tried.has(dst) || nbrs.get(dst) !== undefined) return undefined;
  return heard.has(shortId(dst), now) ? dst : undefined;
}

/**
 * Rule `twoHopShortcut`: with no node route to the destination, the usable neighbour that reports
 * hearing it best (link quality × its reported rq, at least TWO_HOP_SHORTCUT_MIN_RQ) — a two-hop
 * path from the two-hop view — rather than a cluster route or a refusal.
 */
export function twoHopShortcut(dst: NodeId, nbrs: NeighbourTable, now: number, exclude: ReadonlySet<NodeId>): NodeId | undefined {
  const short = shortId(dst);
  let best: NodeId | undefined;
  let bestScore = 0;
  for (const n of nbrs.values()) {
    if (exclude.has(n.id) || n.id === dst || nbrs.outrun(n, now) || !nbrs.usable(n, now)) continue;
    const rq = nbrs.twoHopRq(n, short);
    if (rq < TWO_HOP_SHORTCUT_MIN_RQ) continue;
    const score = nbrs.linkQuality(n, now) * rq;
    if (score > bestScore) {
      best = n.id;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Which routed frames take the shortcuts past the tables (§6.1 `heardShortcut`, `twoHopShortcut`):
 * DATA, and, by rule `answerShortcut` (§16), a location answer. A target that answers heard its
 * asker's query, often straight from the asker (in a dense mesh a node hears most of the network
 * but holds 24 neighbours), and by distance vector the answer went back over 3–5 hops.
 */
export function takesShortcut(type: number): boolean {
  return type === FrameType.DATA || type === FrameType.LOCATE_A;
}
