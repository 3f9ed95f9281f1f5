// The end-to-end ACK of a flooded message goes back the way the flood came (docs/protocol.md
// §14.2, rule floodReverseKey): on a small line with a known answer.
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { FloodScope, FrameType, shortId } from "../../src/core/frames";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { suite, type Assert } from "./harness";

const MINUTE = 60_000;
/** An originator no node has a distance-vector route to: only the flood's path leads back. */
const STRANGER = 0x99;

/** The line 1 – 2 – 3 – 4 – 5, settled. */
function line(t: Assert): IdealMesh {
  const h = new IdealMesh({ seed: 31 });
  for (let i = 1; i <= 5; i++) h.addNode(i, gridPosition(i - 1, 0));
  for (let i = 1; i < 5; i++) h.link(i, i + 1);
  t.ok(h.runUntil(() => h.fullyRouted(), h.now + 10 * MINUTE, 1_000) > 0, "did not converge");
  h.run(h.now + 2 * MINUTE);
  return h;
}

/** Each first transmission of the e2e ACK for (`src`, `seq`) since `mark`, as [tx, next]. */
function ackHops(h: IdealMesh, mark: number, src: number, seq: number): [number, number][] {
  const out: [number, number][] = [];
  for (const r of h.txLog.slice(mark)) {
    if (r.type !== FrameType.ACK) continue;
    const d = decodeFrame(r.bytes);
    if (!d.ok || d.frame.type !== FrameType.ACK || d.frame.kind !== "e2e" || d.frame.dst !== src || d.frame.seq !== seq) continue;
    if (!out.some(([tx]) => tx === r.tx)) out.push([r.tx, d.frame.next]);
  }
  return out;
}

function floodInto(t: Assert, h: IdealMesh, seq: number, wantAck: boolean): number {
  const mark = h.txLog.length;
  const me = h.node(2);
  // 2 hears, from its neighbour 1, the flood of a stranger for 5.
  const flood = encodeFrame({ type: FrameType.FLOOD, tx: 1, ttl: 20, hops: 1, priority: 3, wantAck, scopeKind: FloodScope.NETWORK, src: STRANGER, dst: 5, seq, srcCluster: me.cluster, dstCluster: me.cluster, forwarders: [shortId(2)], payload: new Uint8Array([seq]) });
  me.receive(flood, { rssi: -90, snr: 8, at: h.now });
  h.run(h.now + MINUTE);
  t.ok(h.eventsOf(5, "delivered").some((e) => e.src === STRANGER && e.payload[0] === seq), `the flood ${seq} reached 5`);
  return mark;
}

export default suite("flood ACK (§14.2)", {
  "floodReverseKey: with no route back, the ACK of a flooded message retraces the flood hop by hop (5→4→3→2→1)"(t) {
    const h = line(t);
    const mark = floodInto(t, h, 7, true);
    t.deepEqual(ackHops(h, mark, STRANGER, 7), [[5, 4], [4, 3], [3, 2], [2, 1]], "each hop hands the ACK to the node it heard the flood from");
  },
  "floodReverseKey: a flood that wants no ACK gets none"(t) {
    const h = line(t);
    const mark = floodInto(t, h, 8, false);
    t.deepEqual(ackHops(h, mark, STRANGER, 8), [], "no ACK");
  },
});
