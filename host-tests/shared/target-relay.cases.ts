// Rule `targetNeighbourRelay` (docs/protocol.md §14) on small topologies with known answers,
// through the node's public interface only: a node left out of a corridor flood's forwarder list
// relays it when the destination is its usable neighbour and nobody the list names (nor the
// sender) is known to reach the destination; it does not when one is, when the destination is not
// its neighbour, and it stands down when it hears a copy from a node that reaches the destination.
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { FloodScope, FrameType, shortId } from "../../src/core/frames";
import { targetNeighbourRelay } from "../../src/core/flooding";
import type { MeshNode } from "../../src/core/mesh-node";
import type { NodeId } from "../../src/core/station";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { suite, type Assert } from "./harness";

const MINUTE = 60_000;
/** The flood's source and first sender: a node the relay under test has never heard of. */
const SRC = 0x0100_0001;
const STRONG = 8;

function flood(me: MeshNode, tx: NodeId, dst: NodeId, forwarders: readonly number[]): Uint8Array {
  return encodeFrame({ type: FrameType.FLOOD, tx, ttl: 5, hops: 1, priority: 4, wantAck: false, scopeKind: FloodScope.CORRIDOR, src: SRC, dst, seq: 7, srcCluster: me.cluster, dstCluster: me.cluster, forwarders, payload: new Uint8Array([9]) });
}

/**
 * Node 2 with neighbours 3 (the destination) and 4 (the named forwarder), plus `extra` links;
 * 2 gets the flood from SRC naming only 4 (then, with `copyFrom`, a copy from that node);
 * returns how often 2 relayed it within a minute.
 */
function run(t: Assert, extra: readonly (readonly [number, number])[], dst: NodeId, copyFrom?: NodeId): number {
  return relays(t, extra, dst, copyFrom).length;
}

function relays(t: Assert, extra: readonly (readonly [number, number])[], dst: NodeId, copyFrom?: NodeId): Uint8Array[] {
  const h = new IdealMesh({ seed: 5 });
  for (const i of [2, 3, 4, 5]) h.addNode(i, gridPosition(i, 0));
  for (const [a, b] of [[2, 3], [2, 4], [2, 5], ...extra]) h.link(a, b);
  t.ok(h.runUntil(() => h.fullyRouted(), h.now + 10 * MINUTE, 1_000) > 0, "converged");
  h.run(h.now + 5 * MINUTE);
  const me = h.node(2);
  const from = h.txLog.length;
  me.receive(flood(me, SRC, dst, [shortId(4)]), { rssi: -90, snr: STRONG, at: h.now });
  if (copyFrom !== undefined) me.receive(flood(me, copyFrom, dst, [shortId(3)]), { rssi: -90, snr: STRONG, at: h.now });
  h.run(h.now + MINUTE);
  return h.txLog.slice(from).filter((r) => r.tx === 2 && r.type === FrameType.FLOOD).map((r) => r.bytes);
}

export default suite("target neighbour relay", {
  "the decision: destination a usable neighbour, nobody named known to reach it, not muted"(t) {
    t.equal(targetNeighbourRelay(true, false, false), true);
    t.equal(targetNeighbourRelay(false, false, false), false, "destination not our usable neighbour");
    t.equal(targetNeighbourRelay(true, true, false), false, "a named forwarder reaches it");
    t.equal(targetNeighbourRelay(true, false, true), false, "muted");
  },
  "not named, beside the destination, the named forwarder far from it: relays once"(t) {
    const sent = relays(t, [], 3);
    t.equal(sent.length, 1, "relays for the destination");
    const d = sent[0] === undefined ? undefined : decodeFrame(sent[0]);
    t.ok(d?.ok === true && d.frame.type === FrameType.FLOOD && d.frame.ttl === 1 && d.frame.forwarders === undefined, "as one hop: TTL 1, no forwarder list");
  },
  "not named, but the named forwarder lists the destination: stays silent"(t) {
    t.equal(run(t, [[4, 3]], 3), 0, "the list covers the destination");
  },
  "not named, the destination not its neighbour: stays silent"(t) {
    t.equal(run(t, [], 0x0999_0001), 0, "an unknown destination");
  },
  "a copy from a node that reaches the destination stands it down"(t) {
    t.equal(run(t, [[5, 3]], 3, 5), 0, "node 5 (beside 3) relayed first");
  },
});
