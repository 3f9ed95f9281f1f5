// Rule `ackWayBack` (docs/protocol.md §7.4): an end-to-end ACK without a route goes back the way
// the acknowledged flood came. Pure ES2022, so it runs on XS too.
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { FloodScope, FrameType, type DataFrame, type FloodFrame } from "../../src/core/frames";
import type { MeshConfig } from "../../src/core/config";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
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
  "ackRetracesData: on a cube every end-to-end ACK goes back hop by hop the way its DATA came; without the rule some take another way"(t) {
    for (const on of [true, false]) {
      // Tables of three, so every node's is full, as in a crowd (the rule acts only there).
      const { acks, retraced } = cubeAcks({ ackRetracesData: on, maxNeighbours: 3 });
      t.equal(acks, 12, "every DM sent and acknowledged");
      if (on) t.equal(retraced, acks, "each ACK retraces its DATA's hops");
      else t.ok(retraced < acks, `without the rule some ACKs take another way (${acks - retraced} of ${acks})`);
    }
  },
  "ackRetracesData: never back to a neighbour whose last OGM said it was driving (the relay's ACK takes its table routes)"(t) {
    const still = relayAcks(false, { ackRetracesData: true });
    t.equal(still.acks, 12, "every DATA relayed and acknowledged");
    t.equal(still.to2, 12, "2 static: each ACK goes back from 4 to 2, the hop its DATA came from");
    const off = relayAcks(false, { ackRetracesData: false });
    t.ok(off.to2 < off.acks, `without the rule 4's table sends some by 3 (${off.acks - off.to2} of ${off.acks}): the square tells the hop back from the table`);
    const driving = relayAcks(true, { ackRetracesData: true });
    t.equal(driving.acks, 12, "2 driving: every DATA relayed and acknowledged");
    t.ok(driving.to2 < driving.acks, `2 driving: 4 does not retrace to it, its table sends some by 3 (${driving.acks - driving.to2} of ${driving.acks})`);
  },
  "ackRetracesData: not where the neighbour table has room (a node that holds every neighbour it hears routes by its table)"(t) {
    const { acks, retraced } = cubeAcks({ ackRetracesData: true });
    t.ok(retraced < acks, `tables of 24 (room left): some ACKs take another way (${acks - retraced} of ${acks})`);
  },
});

/**
 * The cube's 8 corners (ids 1–8, corner i – 1 in binary), each linked to the three that differ in
 * one bit: from 1 to 8 six paths of three hops at one metric, so each DATA and each ACK picks its
 * way by its own draws among the routes (§6.2). Node 1 sends 8 twelve DMs; counted are those
 * acknowledged and those whose ACK went back exactly the hops its DATA came, reversed.
 */
function cubeAcks(config: Partial<MeshConfig>): { acks: number; retraced: number } {
  const h = new IdealMesh({ seed: 3, config });
  for (let i = 1; i <= 8; i++) h.addNode(i, gridPosition((i - 1) % 4, (i - 1) >> 2));
  for (let a = 0; a < 8; a++) for (const bit of [1, 2, 4]) if ((a & bit) === 0) h.link(a + 1, (a | bit) + 1);
  h.runUntil(() => h.fullyRouted(), 10 * 60_000, 1_000);
  h.run(h.now + 60_000);
  let retraced = 0;
  let acks = 0;
  for (let k = 0; k < 12; k++) {
    const from = h.txLog.length;
    if (!h.node(1).send(h.now, 8, new Uint8Array([k]), { wantAck: true }).ok) continue;
    h.run(h.now + 30_000);
    const hops = (type: number, dst: number): string[] => h.txLog.slice(from).flatMap((x) => {
      const d = decodeFrame(x.bytes);
      const f = d.ok ? d.frame : undefined;
      const routed = f !== undefined && (f.type === FrameType.DATA || (f.type === FrameType.ACK && f.kind === "e2e")) ? f : undefined;
      return routed !== undefined && routed.type === type && routed.dst === dst ? [`${x.tx}>${routed.next}`] : [];
    });
    const data = hops(FrameType.DATA, 8);
    const ack = hops(FrameType.ACK, 1);
    if (data.length === 0 || ack.length === 0) continue;
    acks++;
    const back = data.map((x) => x.split(">").reverse().join(">")).reverse();
    if (ack.join(",") === back.join(",")) retraced++;
  }
  return { acks, retraced };
}

/**
 * The square 1 – 2 – 4 – 3 – 1 with 5 beyond 4; tables of three, so 4's (2, 3, 5) is full. Twelve
 * DATA from 1 to 5 are handed to 4 by 2 (injected); 5 acknowledges each through 4, whose table has
 * two routes back to 1 at one metric (by 2 and by 3). Counted: the ACKs 4 sent on, and those it
 * sent to 2. With `driving`, 2's OGMs say it drives (flag b6, rewritten on the air).
 */
function relayAcks(driving: boolean, config: Partial<MeshConfig>): { acks: number; to2: number } {
  const h = new IdealMesh({ seed: 3, config: { maxNeighbours: 3, ...config } });
  for (const [id, x, y] of [[1, 0, 0], [2, 1, 0], [3, 1, 1], [4, 2, 0], [5, 3, 0]] as const) h.addNode(id, gridPosition(x, y));
  for (const [a, b] of [[1, 2], [1, 3], [2, 4], [3, 4], [4, 5]] as const) h.link(a, b);
  if (driving) {
    h.rewrite = (bytes, from) => {
      if (from !== 2) return bytes;
      const d = decodeFrame(bytes);
      return d.ok && d.frame.type === FrameType.OGM ? encodeFrame({ ...d.frame, driving: true }) : bytes;
    };
  }
  h.runUntil(() => h.fullyRouted(), 10 * 60_000, 1_000);
  h.run(h.now + 60_000);
  let acks = 0;
  let to2 = 0;
  for (let k = 0; k < 12; k++) {
    const from = h.txLog.length;
    const seq = 100 + k;
    const d: DataFrame = { type: FrameType.DATA, tx: 2, next: 4, ttl: 10, hops: 1, priority: 3, src: 1, dst: 5, seq, dstCluster: h.node(5).cluster, wantAck: true, bounced: false, attempt: 0, payload: new Uint8Array([k]) };
    h.node(4).receive(encodeFrame(d), { rssi: -90, snr: 8, at: h.now });
    h.run(h.now + 20_000);
    const next = h.txLog.slice(from).flatMap((x) => {
      const f = decodeFrame(x.bytes);
      return x.tx === 4 && f.ok && f.frame.type === FrameType.ACK && f.frame.kind === "e2e" && f.frame.dst === 1 && f.frame.seq === seq ? [f.frame.next] : [];
    });
    if (next.length === 0) continue;
    acks++;
    if (next[0] === 2) to2++;
  }
  return { acks, to2 };
}
