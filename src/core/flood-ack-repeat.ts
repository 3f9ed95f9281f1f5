// Rule `floodAckRepeat` (docs/protocol.md §14): a flood's destination that sends its end-to-end
// ACK straight to the flood's source (its final and only hop, which nobody confirms) when either of
// them drives sends the same frame once more after the flood's own relays have had their turn.
import { FLOOD_HEADER_BYTES, type FloodFrame } from "./frames";
import { identityKey, keyOf, type NodeState } from "./node-state";
import { widestContentionMs } from "./presets";

/**
 * Why: the ACK of a flood goes the moment the destination decodes the source's copy, which is the
 * moment the source's other neighbours start relaying that copy; on highway-convoy those relays,
 * some out of the destination's hearing, collided with the ACK at the source, which then flooded
 * the message again at its end-to-end retry and reported it failed (§14 *floodAckRepeat*). The
 * repeat waits the widest relay contention and two flood airtimes, as the flood's backup wait does.
 * Only where a route can have gone stale by motion (`drivingLink`, as `overheardDelivery`): a
 * static mesh is left as it was.
 * Returns whether a repeat was queued.
 */
export function repeatFloodAck(n: NodeState, f: FloodFrame, now: number): boolean {
  if (!n.config.floodAckRepeat || !n.drivingLink(f.src, now)) return false;
  const key = identityKey("a", n.id, f.src, f.seq);
  const q = n.queue.find((x) => x.tag.kind === "unicast" && keyOf(x.tag.u) === key);
  if (q === undefined || q.tag.kind !== "unicast" || q.tag.u.nextHop !== f.src) return false;
  const wait = widestContentionMs(n.config.floodContentionCw, n.slotMs) + 2 * n.airtime(f.payload.length + FLOOD_HEADER_BYTES);
  return n.enqueuePlain(q.bytes, q.priority, "control", now + wait, now);
}
