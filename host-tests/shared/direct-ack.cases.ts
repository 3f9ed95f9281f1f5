// Rule `directDataAck` (docs/protocol.md §7.4): the end-to-end ACK of a DATA that came straight from
// its originator goes straight back to it when our neighbour table holds no view of that link.
// Pure ES2022, so it runs on XS too.
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { FrameType, type DataFrame } from "../../src/core/frames";
import { DIRECT_ACK_MAX_BUSY, directAckHop } from "../../src/core/direct-ack";
import type { Unicast } from "../../src/core/node-state";
import { suite } from "./harness";
import { three } from "./reply-ways.cases";

const RX = { rssi: -80, snr: 8 };

/**
 * Line 1 – 2 – 3, routed; then 1 comes into 3's range (a link 1 – 3 neither has an OGM of yet, so
 * 3's table holds no entry for 1, as a full table leaves out most of the nodes it hears) and 3
 * decodes a DM that 1 sent straight to it. Returns the hops its end-to-end ACK took on the air.
 */
function ackHops(directDataAck: boolean, copies = 1): string[] {
  const h = three(5, { directDataAck });
  h.link(1, 3);
  const n3 = h.node(3);
  const data: DataFrame = {
    type: FrameType.DATA, tx: 1, next: 3, ttl: 10, hops: 0, priority: 3, src: 1, dst: 3, seq: 4242,
    dstCluster: n3.cluster, wantAck: true, bounced: false, attempt: 0, payload: new Uint8Array([7]),
  };
  const from = h.txLog.length;
  // A repeat comes 3 s later, before any OGM of the new link 1 – 3 is heard.
  for (let c = 0; c < copies; c++) {
    n3.receive(encodeFrame(data), { ...RX, at: h.now });
    h.run(h.now + (c === copies - 1 ? 20_000 : 3_000));
  }
  return h.txLog.slice(from).flatMap((x) => {
    const d = decodeFrame(x.bytes);
    return d.ok && d.frame.type === FrameType.ACK && d.frame.kind === "e2e" && d.frame.dst === 1 && d.frame.seq === 4242 ? [`${x.tx}>${d.frame.next}`] : [];
  });
}

export default suite("direct ack", {
  "directDataAck: the ACK of a DM heard straight from its originator, which our table does not hold, goes straight back to it; without the rule it goes round by the table's route"(t) {
    const on = ackHops(true);
    t.equal(on.join(","), "3>1", "one ACK transmission, 3 straight to 1");
    const off = ackHops(false);
    t.equal(off.join(","), "3>2,2>1", "without the rule the ACK goes 3 → 2 → 1");
    // The originator's repeat of the DATA says our direct ACK was lost: the next goes by the table
    // (second review, session 17: it took the same unconfirmed hop again).
    t.equal(ackHops(true, 2).join(","), "3>1,3>2,2>1", "the repeat's ACK goes 3 → 2 → 1");
  },
  "directDataAck: not on a busy channel, not while we move, not to an originator our table holds, not for a DATA that came through a relay"(t) {
    const ack = (over: Partial<Unicast>): Unicast => ({ ftype: FrameType.ACK, originated: true, src: 3, dst: 1, forcedNextHop: 1, tried: new Set<number>(), ...over }) as Unicast;
    const none = { get: () => undefined };
    t.equal(directAckHop(ack({}), none, false, 0.1), 1, "quiet channel, table without 1: straight to 1");
    t.equal(directAckHop(ack({}), none, false, DIRECT_ACK_MAX_BUSY), undefined, "busy channel: the table routes");
    t.equal(directAckHop(ack({}), none, true, 0.1), undefined, "moving: the table routes");
    t.equal(directAckHop(ack({}), { get: () => ({}) }, false, 0.1), undefined, "the table holds 1: its judgement stands");
    t.equal(directAckHop(ack({ forcedNextHop: 2 }), none, false, 0.1), undefined, "the DATA came through 2: not this rule's");
    t.equal(directAckHop(ack({ originated: false }), none, false, 0.1), undefined, "a relay's ACK: not this rule's");
  },
});
