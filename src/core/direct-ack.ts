// Rule `directDataAck` (docs/protocol.md §7.4): where an end-to-end ACK's first hop goes when the
// DATA it answers came straight from its originator.
import { FrameType } from "./frames";
import type { Unicast } from "./node-state";
import type { NodeId } from "./station";

/** Above this share of busy air (what the node decoded or sensed) the rule stands aside: an unconfirmed hop on a busy channel is often lost. */
export const DIRECT_ACK_MAX_BUSY = 0.25;

/** What the rule reads of the neighbour table: whether it holds a node at all. */
export interface NeighbourView {
  get(id: NodeId): unknown;
}

/**
 * Rule `directDataAck`: the first hop of an end-to-end ACK we originate when the DATA it answers
 * came straight from its originator (the ACK's forced first hop, the DATA's last hop, is the ACK's
 * own destination) and our neighbour table holds no entry for that node: a full table that left
 * it out has no view of the link, while the originator's own table chose it for the DATA, so the
 * link just carried the message one way. Undefined (the usual routes follow) when the table holds
 * the node (usable, it was taken as the forced hop already; unusable, the table's judgement
 * stands), when the hop was tried, while we move (the link may already be gone), or while the
 * channel is busy (`busyShare`, the node's `recentBusyShare`, at or above DIRECT_ACK_MAX_BUSY): the
 * hop is the ACK's last and is not confirmed, and on duty-cycle-stress (45 % busy) such single
 * hops cost more end-to-end retries than the relays they saved (§7.4).
 */
export function directAckHop(u: Unicast, nbrs: NeighbourView, moving: boolean, busyShare: number): NodeId | undefined {
  if (u.ftype !== FrameType.ACK || !u.originated || moving || busyShare >= DIRECT_ACK_MAX_BUSY) return undefined;
  const back = u.forcedNextHop;
  if (back === undefined || back !== u.dst || u.tried.has(back)) return undefined;
  return nbrs.get(back) === undefined ? back : undefined;
}
