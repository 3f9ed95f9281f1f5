// Rule `ackWayBack` (docs/protocol.md §7.4): an end-to-end ACK without a route goes back the way
// the acknowledged flood came. Pure ES2022, so it runs on XS too.
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { FloodScope, FrameType, type FloodFrame } from "../../src/core/frames";
import { suite } from "./harness";
import { three } from "./reply-ways.cases";

const RX = { rssi: -80, snr: 8 };
/** A node outside the simulated mesh: no OGM of it was ever heard, so nobody has a route to it. */
const FAR = 0x5150;

export default suite("ack way back", {
  "ackWayBack: the ACK of a flood from a source without a route goes back to the neighbour the flood came from, and on from there"(t) {
    for (const on of [false, true]) {
      const h = three(5, { ackWayBack: on });
      const [n1, n2, n3] = [h.node(1), h.node(2), h.node(3)];
      // FAR's flood to 3 (wanting an ACK) came 1 → 2 → 3: 1 heard it from FAR itself.
      const flood = (tx: number, hops: number): FloodFrame => ({
        type: FrameType.FLOOD, tx, ttl: 10, hops, priority: 3, wantAck: true, scopeKind: FloodScope.NETWORK,
        src: FAR, dst: 3, seq: 7, srcCluster: n3.cluster, dstCluster: n3.cluster, payload: new Uint8Array([1, 2, 3]),
      });
      n1.receive(encodeFrame(flood(FAR, 0)), { ...RX, at: h.now });
      n2.receive(encodeFrame(flood(1, 1)), { ...RX, at: h.now });
      const from = h.txLog.length;
      n3.receive(encodeFrame(flood(2, 2)), { ...RX, at: h.now });
      h.run(h.now + 20_000);
      const acks = h.txLog.slice(from).map((x) => ({ tx: x.tx, d: decodeFrame(x.bytes) }))
        .filter((x) => x.d.ok && x.d.frame.type === FrameType.ACK && x.d.frame.kind === "e2e" && x.d.frame.dst === FAR);
      const hop = (tx: number, next: number): boolean => acks.some((x) => x.tx === tx && x.d.ok && x.d.frame.type === FrameType.ACK && x.d.frame.kind === "e2e" && x.d.frame.next === next);
      if (on) {
        t.ok(hop(3, 2), "3 sends its ACK to 2, the way the flood came");
        t.ok(hop(2, 1), "2 passes it on to 1");
        t.ok(hop(1, FAR), "1 passes it on to FAR, the flood's first hop");
        t.ok(!acks.some((x) => x.tx === 2 && x.d.ok && x.d.frame.type === FrameType.ACK && x.d.frame.kind === "e2e" && x.d.frame.next === 3), "never back to the node that handed it on");
      } else t.equal(acks.length, 0, "without the rule the ACK has no way back and never goes on the air");
    }
  },
  "ackWayBack: a later flood from the same source (a forger's, one frame) does not steer the ACK of the flood it answers"(t) {
    const h = three(5, { ackWayBack: true });
    const [n1, n2, n3] = [h.node(1), h.node(2), h.node(3)];
    const FORGER = 0x7777;
    const flood = (tx: number, hops: number, seq: number, dst: number, ttl = 10): FloodFrame => ({
      type: FrameType.FLOOD, tx, ttl, hops, priority: 3, wantAck: true, scopeKind: FloodScope.NETWORK,
      src: FAR, dst, seq, srcCluster: n3.cluster, dstCluster: n3.cluster, payload: new Uint8Array([1, 2, 3]),
    });
    n1.receive(encodeFrame(flood(FAR, 0, 7, 3)), { ...RX, at: h.now });
    n2.receive(encodeFrame(flood(1, 1, 7, 3)), { ...RX, at: h.now });
    // One forged frame "from FAR" (another seq, to nobody, ttl 1), heard by 2 only, naming the forger as its last hop.
    n2.receive(encodeFrame(flood(FORGER, 5, 99, 0x4444, 1)), { ...RX, at: h.now });
    const from = h.txLog.length;
    n3.receive(encodeFrame(flood(2, 2, 7, 3)), { ...RX, at: h.now });
    h.run(h.now + 20_000);
    const nexts = h.txLog.slice(from).flatMap((x) => {
      const d = decodeFrame(x.bytes);
      return d.ok && d.frame.type === FrameType.ACK && d.frame.kind === "e2e" && d.frame.dst === FAR ? [`${x.tx}>${d.frame.next}`] : [];
    });
    t.ok(nexts.includes("3>2"), "3 still sends its ACK to 2, the way its flood came");
    t.ok(!nexts.some((x) => x === `2>${FORGER}`), "2 never sends it to the forger: the way it learnt from seq 7 is not the forged seq 99's");
  },
  "ackWayBack: a way a flood came serves ACKs only; a DATA without a route is looked up or flooded as before"(t) {
    const h = three(5, { ackWayBack: true });
    const n3 = h.node(3);
    const flood: FloodFrame = {
      type: FrameType.FLOOD, tx: 2, ttl: 10, hops: 2, priority: 3, wantAck: false, scopeKind: FloodScope.NETWORK,
      src: FAR, dst: 3, seq: 7, srcCluster: n3.cluster, dstCluster: n3.cluster, payload: new Uint8Array([1]),
    };
    n3.receive(encodeFrame(flood), { ...RX, at: h.now });
    t.equal(n3.send(h.now, FAR, new Uint8Array([9])).ok, true);
    const from = h.txLog.length;
    h.run(h.now + 5_000);
    t.ok(!h.txLog.slice(from).some((x) => { const f = decodeFrame(x.bytes); return x.tx === 3 && f.ok && f.frame.type === FrameType.DATA && f.frame.dst === FAR; }), "no routed DATA to FAR");
  },
});
