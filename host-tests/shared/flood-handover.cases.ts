// Rule `agreedHandover` (docs/protocol.md §14) on small topologies with known answers, through the
// node's public interface: a node that holds a corridor flood whose destination is its usable
// neighbour carries the last hop as one confirmed DATA hop once the flood has passed, instead of
// relaying the flood; of two such holders that hear each other only the better-ranked one does; a
// holder that overhears the destination's answer, or a holder not beside the destination, does not.
import { encodeFrame } from "../../src/core/codec";
import { decodeFrame } from "../../src/core/codec";
import { type AckFrame, AckStatus, FloodScope, FrameType, listedHeaderBytes, shortId } from "../../src/core/frames";
import { HANDOVER_PENDING_MAX, HANDOVER_QUIET_WAITS, handoverRank } from "../../src/core/flood-handover";
import { RANK_GUARD_SLOTS } from "../../src/core/flooding";
import { airtimeMs } from "../../src/core/airtime";
import { slotTimeMs } from "../../src/core/presets";
import type { MeshConfig } from "../../src/core/config";
import type { MeshNode } from "../../src/core/mesh-node";
import type { NodeId } from "../../src/core/station";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { clusterRowMesh } from "../../src/demo/topologies";
import { suite, type Assert } from "./harness";

const MINUTE = 60_000;
/** The flood's source: a node far away that none of the test's nodes has heard of. */
const SRC = 0x0100_0001;
const DST = 3;
const SEQ = 7;
const SNR = 8;

/** A copy of `src`'s (SRC's) corridor flood to `dst` as relayed by `tx`, on its last hop (TTL 1: nobody relays it further). */
function flood(me: MeshNode, tx: NodeId, dst: NodeId, wantAck = true, src: NodeId = SRC): Uint8Array {
  return encodeFrame({ type: FrameType.FLOOD, tx, ttl: 1, hops: 3, priority: 4, wantAck, scopeKind: FloodScope.CORRIDOR, src, dst, seq: SEQ, srcCluster: me.cluster, dstCluster: me.cluster, payload: new Uint8Array([9, 8, 7]) });
}

/** The nodes these links join, converged. */
/** The destination's end-to-end ACK of the message (SRC, DST, SEQ), as a holder beside it overhears it. */
function destinationAck(me: MeshNode): Uint8Array {
  return encodeFrame({ type: FrameType.ACK, kind: "e2e", tx: DST, next: 5, ttl: 8, hops: 0, priority: 4, src: DST, dst: SRC, seq: SEQ, dstCluster: me.cluster, status: AckStatus.DELIVERED, ackedHops: 3, attempt: 0 });
}

function mesh(t: Assert, links: readonly (readonly [number, number])[], config: Partial<MeshConfig> = {}): IdealMesh {
  const h = new IdealMesh({ seed: 5, config });
  for (const i of [...new Set(links.flat())].sort()) h.addNode(i, gridPosition(i, 0));
  for (const [a, b] of links) h.link(a, b);
  t.ok(h.runUntil(() => h.fullyRouted(), h.now + 10 * MINUTE, 1_000) > 0, "converged");
  h.run(h.now + 5 * MINUTE);
  return h;
}

/** DATA frames of the flooded message sent to DST since txLog index `from`: [sender, decoded next hop and TTL]. */
function handovers(h: IdealMesh, from: number): { tx: NodeId; next: NodeId; ttl: number }[] {
  const out: { tx: NodeId; next: NodeId; ttl: number }[] = [];
  for (const r of h.txLog.slice(from)) {
    if (r.type !== FrameType.DATA) continue;
    const d = decodeFrame(r.bytes);
    if (d.ok && d.frame.type === FrameType.DATA && d.frame.src === SRC && d.frame.seq === SEQ) out.push({ tx: r.tx, next: d.frame.next, ttl: d.frame.ttl });
  }
  return out;
}

/** A DATA copy of message (6, DST, SEQ) as DST hears it from `tx`: a hand-over (TTL 1) or a routed hop. */
function dataCopy(me: MeshNode, tx: NodeId, ttl: number, attempt: number): Uint8Array {
  return encodeFrame({ type: FrameType.DATA, tx, next: DST, ttl, hops: 4, priority: 4, src: 6, dst: DST, seq: SEQ, dstCluster: me.cluster, wantAck: true, bounced: false, attempt, payload: new Uint8Array([9, 8, 7]) });
}

/** The ACK frames of message (6, DST, SEQ) DST sent since txLog index `from`, with when they went. */
function acksOfDst(h: IdealMesh, from: number): { at: number; f: AckFrame }[] {
  const out: { at: number; f: AckFrame }[] = [];
  for (const r of h.txLog.slice(from)) {
    if (r.tx !== DST || r.type !== FrameType.ACK) continue;
    const d = decodeFrame(r.bytes);
    if (d.ok && d.frame.type === FrameType.ACK && d.frame.seq === SEQ && (d.frame.kind === "hop" ? d.frame.src === 6 : d.frame.dst === 6)) out.push({ at: r.at, f: d.frame });
  }
  return out;
}

function deliveredAtDst(h: IdealMesh): number {
  return h.eventsOf(DST, "delivered").filter((e) => e.src === SRC && e.seq === SEQ).length;
}

export default suite("flood handover", {
  "rank: better advertised links first, ties by the lower short id, ourselves not counted"(t) {
    t.equal(handoverRank(10, 0.5, []), 0, "alone");
    t.equal(handoverRank(10, 0.5, [{ short: 11, rq: 0.4 }, { short: 12, rq: 0.9 }]), 1, "one better");
    t.equal(handoverRank(10, 0.5, [{ short: 9, rq: 0.5 }, { short: 11, rq: 0.5 }]), 1, "a tie with a lower id counts, a higher one does not");
    t.equal(handoverRank(10, 0.5, [{ short: 10, rq: 0.9 }]), 0, "our own entry");
  },
  "the only holder beside the destination hands the flood over as one confirmed hop, once"(t) {
    const h = mesh(t, [[5, 2], [2, DST]]);
    const from = h.txLog.length;
    const me = h.node(2);
    me.receive(flood(me, 5, DST), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + MINUTE);
    const sent = handovers(h, from);
    t.equal(sent.length, 1, "one DATA hop");
    t.deepEqual(sent[0], { tx: 2, next: DST, ttl: 1 }, "to the destination, TTL 1");
    t.equal(deliveredAtDst(h), 1, "the destination got the message");
    t.equal(me.stats.floodHandovers, 1, "counted");
  },
  "two holders beside the destination that hear each other: only the better-ranked one hands over"(t) {
    const h = mesh(t, [[5, 2], [5, 4], [2, 4], [2, DST], [4, DST]]);
    const from = h.txLog.length;
    for (const i of [2, 4]) h.node(i).receive(flood(h.node(i), 5, DST), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + MINUTE);
    const sent = handovers(h, from);
    t.equal(sent.length, 1, "one DATA hop between them");
    // Equal links in an ideal mesh: the lower short id ranks first.
    const first = shortId(2) < shortId(4) ? 2 : 4;
    t.equal(sent[0]?.tx, first, "from the lower short id");
    t.equal(h.node(first === 2 ? 4 : 2).stats.floodHandovers, 0, "the other, ranked second, left it to the first");
    t.equal(deliveredAtDst(h), 1, "delivered once");
  },
  "the holder that hands a flood over does not relay the flood itself; a holder not beside the destination does"(t) {
    const h = mesh(t, [[5, 2], [2, DST], [2, 4]]);
    const from = h.txLog.length;
    const me = h.node(2);
    const relayable = encodeFrame({ type: FrameType.FLOOD, tx: 5, ttl: 5, hops: 1, priority: 4, wantAck: true, scopeKind: FloodScope.CORRIDOR, src: SRC, dst: DST, seq: SEQ, srcCluster: me.cluster, dstCluster: me.cluster, payload: new Uint8Array([1]) });
    me.receive(relayable, { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + MINUTE);
    t.equal(h.txLog.slice(from).filter((r) => r.tx === 2 && r.type === FrameType.FLOOD).length, 0, "no FLOOD relay from the holder");
    t.equal(handovers(h, from).length, 1, "one DATA hop instead");
    const h2 = mesh(t, [[5, 2], [2, 4], [4, DST]]);
    const from2 = h2.txLog.length;
    const me2 = h2.node(2);
    me2.receive(relayable, { rssi: -90, snr: SNR, at: h2.now });
    h2.run(h2.now + MINUTE);
    t.equal(h2.txLog.slice(from2).filter((r) => r.tx === 2 && r.type === FrameType.FLOOD).length, 1, "relays the flood as before");
  },
  "the destination's end-to-end ACK overheard first: nothing is handed over"(t) {
    const h = mesh(t, [[5, 2], [2, DST]]);
    const from = h.txLog.length;
    const me = h.node(2);
    me.receive(flood(me, 5, DST), { rssi: -90, snr: SNR, at: h.now });
    me.receive(destinationAck(me), { rssi: -90, snr: SNR, at: h.now + 100 });
    h.run(h.now + MINUTE);
    t.equal(handovers(h, from).length, 0, "no DATA hop");
    t.equal(me.stats.handoversCalledOff, 1, "called off");
  },
  "the destination's end-to-end ACK overheard before the holder's first copy of the flood: nothing is handed over (answeredFirst)"(t) {
    // duty-cycle-stress seed 1: 17 of the 49 hand-overs to a destination that had the message came
    // from holders that had heard its ACK before their own first copy of the flood.
    const h = mesh(t, [[5, 2], [2, DST]]);
    const from = h.txLog.length;
    const me = h.node(2);
    me.receive(destinationAck(me), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + 500);
    me.receive(flood(me, 5, DST), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + MINUTE);
    t.equal(handovers(h, from).length, 0, "no DATA hop");
    t.equal(me.stats.floodHandovers, 0, "no hand-over started");
  },
  "a DATA hop to the destination overheard before the flood is no answer: the flood (the originator's fallback after that try failed) is still handed over (answeredFirst)"(t) {
    // A relay 0x66 tries the routed last hop to D; D never decodes it (only 2 hears it), so the
    // originator falls back to a corridor flood of the same (src, dst, seq) (forwarding.ts
    // `exhausted`). Review of the merge, 2026-12-05: taking that DATA hop for an answer, 2 handed
    // nothing over and D got nothing.
    const h = mesh(t, [[5, 2], [2, DST]]);
    const from = h.txLog.length;
    const me = h.node(2);
    me.receive(encodeFrame({ type: FrameType.DATA, tx: 0x66, next: DST, ttl: 5, hops: 2, priority: 4, src: SRC, dst: DST, seq: SEQ, dstCluster: me.cluster, wantAck: true, bounced: false, attempt: 0, payload: new Uint8Array([9, 8, 7]) }), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + 20_000);
    me.receive(flood(me, 5, DST), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + MINUTE);
    t.deepEqual(handovers(h, from).map((x) => [x.tx, x.next]), [[2, DST]], "2 hands the flood over");
    t.equal(deliveredAtDst(h), 1, "the destination has it");
  },
  "a better-placed holder heard relaying the flood is not ranked: it has no hand-over pending, so the holder beside the destination hands over (relayersRankOut)"(t) {
    // 1 and 2 both beside D, equal links: the lower short id ranks first. The better one is heard
    // sending a copy of the flood (relaying it), so the other does the hand-over, and without a rank
    // step's wait behind it: ranked (rank 1 < HANDOVER_RANKS), it would hand over too, one step later.
    const h = mesh(t, [[1, 2], [1, DST], [2, DST]]);
    const better = shortId(1) < shortId(2) ? 1 : 2;
    const other = better === 1 ? 2 : 1;
    const from = h.txLog.length;
    const me = h.node(other);
    const heard = h.now;
    me.receive(flood(me, better, DST), { rssi: -90, snr: SNR, at: heard });
    h.run(h.now + MINUTE);
    t.deepEqual(handovers(h, from).map((x) => [x.tx, x.next]), [[other, DST]], "the holder that did not relay hands over");
    t.equal(deliveredAtDst(h), 1, "the destination has it");
    // The hand-over's wait (flood-handover.ts #rerank): HANDOVER_QUIET_WAITS backup waits (§15), plus
    // one rank step (§15 *Ranked forwarders*) per better-placed holder ranked.
    const slot = slotTimeMs(h.modem);
    const air = airtimeMs(h.modem, listedHeaderBytes(FrameType.FLOOD) + 3 + me.config.frameOverheadBytes);
    const quiet = HANDOVER_QUIET_WAITS * (2 ** me.config.floodContentionCw * slot + 2 * air);
    const step = air + RANK_GUARD_SLOTS * slot;
    const sentAt = h.txLog.slice(from).find((r) => r.tx === other && r.type === FrameType.DATA)?.at ?? Infinity;
    t.ok(sentAt - heard >= quiet && sentAt - heard < quiet + step, `the DATA hop left after the quiet and before one rank step more (${(sentAt - heard).toFixed(1)} ms; quiet ${quiet.toFixed(1)} ms, step ${step.toFixed(1)} ms)`);
  },
  "a better-placed holder inferred from the first copy's reach list only delays the hand-over: it still goes when that holder never got the flood (HANDOVER_RANKS)"(t) {
    // 5's copy reaches `other` only; 5's reach list shows `better` (beside D, lower short id) as a
    // holder though it never got the flood. `other` waits a rank step behind it instead of standing
    // down (with HANDOVER_RANKS 1 nobody handed over and D got nothing).
    const h = mesh(t, [[5, 1], [5, 2], [1, DST], [2, DST], [1, 2]]);
    const better = shortId(1) < shortId(2) ? 1 : 2;
    const other = better === 1 ? 2 : 1;
    const from = h.txLog.length;
    const me = h.node(other);
    me.receive(flood(me, 5, DST), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + MINUTE);
    t.deepEqual(handovers(h, from).map((x) => [x.tx, x.next]), [[other, DST]], "the holder ranked second hands over");
    t.equal(deliveredAtDst(h), 1, "the destination has it");
  },
  "a driving holder keeps rank 0 only: ranked second on the first copy, it leaves the hop to the better-placed holder"(t) {
    // The same rig as above, `other` driving (220 m every 20 s round a triangle): its view of who
    // holds what is stale, and on highway-convoy the later ranks cost delivery (§14).
    const h = mesh(t, [[5, 1], [5, 2], [1, DST], [2, DST], [1, 2]]);
    const better = shortId(1) < shortId(2) ? 1 : 2;
    const other = better === 1 ? 2 : 1;
    const me = h.node(other);
    const home = gridPosition(other, 0);
    for (let k = 0; k < 6; k++) {
      const corner = k % 3;
      me.setPosition(h.now, { lat: home.lat + (corner === 0 ? 0 : corner === 1 ? 220 / 111_200 : 110 / 111_200), lon: home.lon + (corner === 2 ? 190 / 74_300 : 0) });
      h.run(h.now + 20_000);
    }
    // D heard since the last step, so its link is not outrun (LINK_OUTRUN_M).
    h.node(DST).send(h.now, other, new Uint8Array([1]));
    h.run(h.now + 5_000);
    t.ok(me.driving(h.now), "driving");
    t.ok(me.usableNeighbour(DST, h.now), "D a usable neighbour");
    const from = h.txLog.length;
    me.receive(flood(me, 5, DST), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + MINUTE);
    t.equal(handovers(h, from).length, 0, "no DATA hop from the driving holder ranked second");
  },
  "a holder whose neighbours do not include the destination sends nothing"(t) {
    const h = mesh(t, [[5, 2], [2, 4], [4, DST]]);
    const from = h.txLog.length;
    const me = h.node(2);
    me.receive(flood(me, 5, DST), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + MINUTE);
    t.equal(handovers(h, from).length, 0, "no DATA hop");
  },
  "a flood that asks for no end-to-end ACK is not handed over (nothing would tell its holders it arrived)"(t) {
    const h = mesh(t, [[5, 2], [2, DST]]);
    const from = h.txLog.length;
    const me = h.node(2);
    me.receive(flood(me, 5, DST, false), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + MINUTE);
    t.equal(handovers(h, from).length, 0, "no DATA hop");
  },
  "a better-placed holder only inferred from a copy's reach list delays the hand-over, and it still goes when that holder does not act"(t) {
    // 2 holds the flood beside D and holds back its relay; 6's copy then shows 1 (beside D, lower
    // short id) as a holder, though 1 missed that copy. 2 waits a rank step behind 1, hears nothing
    // from it, and hands over itself (review of the merge, 2026-12-05: it used to stand down and
    // the destination got nothing).
    const h = mesh(t, [[5, 2], [2, DST], [1, DST], [1, 2], [6, 2], [6, 1]]);
    const me = h.node(2);
    const copy = (tx: NodeId, seq = SEQ): Uint8Array => encodeFrame({ type: FrameType.FLOOD, tx, ttl: 5, hops: 2, priority: 4, wantAck: true, scopeKind: FloodScope.NETWORK, src: SRC, dst: DST, seq, srcCluster: me.cluster, dstCluster: me.cluster, payload: new Uint8Array([1]) });
    const from = h.txLog.length;
    me.receive(copy(5), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + 50);
    me.receive(copy(6), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + MINUTE);
    t.equal(me.stats.handoversCalledOff, 0, "not called off");
    t.deepEqual(handovers(h, from).map((x) => [x.tx, x.next]), [[2, DST]], "2 hands over");
    t.equal(deliveredAtDst(h), 1, "the destination has it");
  },
  "a hand-over evicted by newer ones (anyone may send floods under invented ids) sends the flood relay it held back"(t) {
    const h = mesh(t, [[5, 2], [2, DST]]);
    const me = h.node(2);
    const copy = (seq: number): Uint8Array => encodeFrame({ type: FrameType.FLOOD, tx: 5, ttl: 5, hops: 2, priority: 4, wantAck: true, scopeKind: FloodScope.NETWORK, src: SRC, dst: DST, seq, srcCluster: me.cluster, dstCluster: me.cluster, payload: new Uint8Array([1]) });
    const from = h.txLog.length;
    for (let i = 0; i <= HANDOVER_PENDING_MAX; i++) me.receive(copy(SEQ + i), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + MINUTE);
    const floods = h.txLog.slice(from).filter((r) => r.tx === 2 && r.type === FrameType.FLOOD).map((r) => {
      const d = decodeFrame(r.bytes);
      return d.ok && d.frame.type === FrameType.FLOOD ? d.frame.seq : -1;
    });
    t.deepEqual(floods, [SEQ], "the evicted first one is relayed as a flood");
    t.equal(handovers(h, from).length, 0, "(handovers() counts the first message only)");
    t.equal(deliveredAtDst(h), 1, "the destination has the first message");
  },
  "unnamedFloodRelay: a relay held back for a hand-over and released when the hand-over is evicted keeps its kind: after the named forwarders' turns (review, session 17)"(t) {
    // 2 holds the originator's own copy (hops 0) of a flood naming six others, heard strongly, with
    // DST its usable neighbour: the rule makes it an unnamed relay, which the hand-over holds back.
    const named = [11, 12, 13, 14, 15, 16].map((i) => shortId(i));
    const relayAt = (on: boolean): { at: number; step: number } => {
      const h = mesh(t, [[5, 2], [2, DST]], { unnamedFloodRelay: on });
      const me = h.node(2);
      const copy = (seq: number): Uint8Array => encodeFrame({ type: FrameType.FLOOD, tx: SRC, ttl: 5, hops: 0, priority: 4, wantAck: true, scopeKind: FloodScope.NETWORK, src: SRC, dst: DST, seq, srcCluster: me.cluster, dstCluster: me.cluster, forwarders: named, payload: new Uint8Array([1]) });
      const from = h.txLog.length;
      const start = h.now;
      me.receive(copy(SEQ), { rssi: -60, snr: SNR, at: h.now });
      // Newer hand-overs evict it: the relay it held back goes now.
      const other = (seq: number): Uint8Array => encodeFrame({ type: FrameType.FLOOD, tx: 5, ttl: 5, hops: 2, priority: 4, wantAck: true, scopeKind: FloodScope.NETWORK, src: SRC, dst: DST, seq, srcCluster: me.cluster, dstCluster: me.cluster, payload: new Uint8Array([1]) });
      for (let i = 1; i <= HANDOVER_PENDING_MAX; i++) me.receive(other(SEQ + i), { rssi: -90, snr: SNR, at: h.now });
      h.run(h.now + MINUTE);
      const r = h.txLog.slice(from).find((x) => {
        const d = decodeFrame(x.bytes);
        return x.tx === 2 && d.ok && d.frame.type === FrameType.FLOOD && d.frame.seq === SEQ;
      });
      // One forwarder's turn (§15 *Ranked forwarders*): the relay's airtime and the guard slots.
      const step = r === undefined ? 0 : airtimeMs(h.modem, r.bytes.length + me.config.frameOverheadBytes) + RANK_GUARD_SLOTS * slotTimeMs(h.modem);
      return { at: r === undefined ? -1 : r.at - start, step };
    };
    t.equal(relayAt(false).at, -1, "without the rule 2 is not named and relays nothing");
    const { at, step } = relayAt(true);
    t.ok(at >= 6 * step, `the released relay waits out the six named forwarders' turns (${at} ms, a turn ${step.toFixed(0)} ms)`);
  },
  "answeredStandDown: a relay still waiting for its turn drops the flood when the destination's answer is overheard"(t) {
    // load-800 seed 1: 519 FLOOD relay transmissions (193 s of 3,719 s) went out in the
    // destination's range after its end-to-end ACK had gone on the air.
    const relayed = (config: Partial<MeshConfig>): { floods: number; dropped: number } => {
      // 2 is not beside the destination (2 — 4 — DST): it relays, and hands nothing over.
      const h = mesh(t, [[5, 2], [2, 4], [4, DST]], config);
      const from = h.txLog.length;
      const me = h.node(2);
      const relayable = encodeFrame({ type: FrameType.FLOOD, tx: 5, ttl: 5, hops: 1, priority: 4, wantAck: true, scopeKind: FloodScope.CORRIDOR, src: SRC, dst: DST, seq: SEQ, srcCluster: me.cluster, dstCluster: me.cluster, payload: new Uint8Array([1]) });
      me.receive(relayable, { rssi: -90, snr: SNR, at: h.now });
      // The answer comes while the relay waits out its contention window.
      me.receive(destinationAck(me), { rssi: -90, snr: SNR, at: h.now });
      h.run(h.now + MINUTE);
      return { floods: h.txLog.slice(from).filter((r) => r.tx === 2 && r.type === FrameType.FLOOD).length, dropped: me.stats.relaysAnswered };
    };
    t.deepEqual(relayed({}), { floods: 0, dropped: 1 }, "the waiting relay is dropped");
    t.deepEqual(relayed({ answeredStandDown: false }), { floods: 1, dropped: 0 }, "with the rule off it goes");
  },
  "answeredStandDown: the destination's answer overheard before the first copy: the flood is not relayed"(t) {
    const h = mesh(t, [[5, 2], [2, 4], [4, DST]]);
    const from = h.txLog.length;
    const me = h.node(2);
    me.receive(destinationAck(me), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + 500);
    const relayable = encodeFrame({ type: FrameType.FLOOD, tx: 5, ttl: 5, hops: 1, priority: 4, wantAck: true, scopeKind: FloodScope.CORRIDOR, src: SRC, dst: DST, seq: SEQ, srcCluster: me.cluster, dstCluster: me.cluster, payload: new Uint8Array([1]) });
    me.receive(relayable, { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + MINUTE);
    t.equal(h.txLog.slice(from).filter((r) => r.tx === 2 && r.type === FrameType.FLOOD).length, 0, "no FLOOD relay");
    t.equal(me.stats.relaysAnswered, 1, "counted");
  },
  "deliveredHopAck: a destination with no route back answers the flood with a hop ACK, and the holder beside it hands nothing over"(t) {
    // 5 relays the flood's last copy; DST and the holder 2 both get it. DST knows no way back to
    // SRC, so its end-to-end ACK never goes on the air; its hop ACK to 5 does, and 2 overhears it.
    const run = (config: Partial<MeshConfig>): { hopAcks: number; handovers: number; delivered: number } => {
      const h = mesh(t, [[5, 2], [5, DST], [2, DST]], config);
      const from = h.txLog.length;
      for (const i of [DST, 2]) h.node(i).receive(flood(h.node(i), 5, DST), { rssi: -90, snr: SNR, at: h.now });
      h.run(h.now + MINUTE);
      const hopAcks = h.txLog.slice(from).filter((r) => {
        if (r.tx !== DST || r.type !== FrameType.ACK) return false;
        const d = decodeFrame(r.bytes);
        return d.ok && d.frame.type === FrameType.ACK && d.frame.kind === "hop" && d.frame.to === 5 && d.frame.src === SRC && d.frame.seq === SEQ && d.frame.status === AckStatus.DELIVERED;
      }).length;
      return { hopAcks, handovers: handovers(h, from).length, delivered: deliveredAtDst(h) };
    };
    // Rule `ackWayBack` (§7.4) would send the end-to-end ACK back the way the flood came: off here,
    // so the ACK has no way back at all.
    t.deepEqual(run({ ackWayBack: false }), { hopAcks: 1, handovers: 0, delivered: 1 }, "one hop ACK; no DATA hop to a destination that has the message");
    t.deepEqual(run({ ackWayBack: false, deliveredHopAck: false }), { hopAcks: 0, handovers: 1, delivered: 1 }, "with the rule off the holder carries it again");
  },
  "deliveredHopAck: a destination with a route back sends its end-to-end ACK and no hop ACK"(t) {
    // As above, but the source (6) is in the mesh, so DST has a route back: the holders overhear
    // its end-to-end ACK, and a hop ACK too would be one frame more for nothing (review: the
    // rule's no-route condition had no test that failed without it).
    const h = mesh(t, [[6, 5], [5, 2], [5, DST], [2, DST]]);
    const from = h.txLog.length;
    const me = h.node(DST);
    me.receive(flood(me, 5, DST, true, 6), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + MINUTE);
    const acks = (kind: "hop" | "e2e"): number =>
      h.txLog.slice(from).filter((r) => {
        if (r.tx !== DST || r.type !== FrameType.ACK) return false;
        const d = decodeFrame(r.bytes);
        return d.ok && d.frame.type === FrameType.ACK && d.frame.kind === kind && (kind === "hop" ? d.frame.src === 6 : d.frame.dst === 6) && d.frame.seq === SEQ;
      }).length;
    t.ok(acks("e2e") >= 1, "the end-to-end ACK goes back");
    t.equal(acks("hop"), 0, "no hop ACK of the flood");
  },
  "a message handed over is acknowledged to its sender, not reported failed (the hand-over asks for the flood's ACK)"(t) {
    // Four clusters in a row; node 2 (west) cannot place node 12 (east), so each message is a
    // network flood (coveredLookupSkipped), and the holder beside 12 hands it over. Before, the
    // hand-over's DATA asked for no end-to-end ACK: 12 got every message and 2 reported every one
    // failed (review of 2026-12-05).
    const h = clusterRowMesh(4, { coveredLookupSkipped: true });
    t.ok(h.runUntil(() => h.fullyRouted(), h.now + 10 * MINUTE, 1_000) > 0, "converged");
    h.run(h.now + 2 * MINUTE);
    for (let m = 0; m < 2; m++) {
      h.node(2).send(h.now, 12, new Uint8Array([m]), { wantAck: true });
      h.run(h.now + 2 * MINUTE);
    }
    let handed = 0;
    for (let id = 1; id <= 16; id++) handed += h.node(id).stats.floodHandovers;
    t.ok(handed >= 1, "the messages went over a hand-over");
    t.equal(h.eventsOf(12, "delivered").length, 2, "both arrived");
    t.equal(h.eventsOf(2, "acked").length, 2, "both acknowledged to the sender");
    t.equal(h.eventsOf(2, "send-failed").length, 0, "none reported failed");
  },
  "handoverAcked: a destination that acknowledged the flood confirms a hand-over copy's hop only, no second end-to-end ACK"(t) {
    const h = mesh(t, [[6, 5], [5, 2], [5, DST], [2, DST]]);
    const from = h.txLog.length;
    const me = h.node(DST);
    me.receive(flood(me, 5, DST, true, 6), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + 10_000);
    // The holder 2's hand-over of the same message, as if it had not heard the answer.
    me.receive(dataCopy(me, 2, 1, 0), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + MINUTE);
    const acks = acksOfDst(h, from);
    t.equal(acks.filter((a) => a.f.kind === "e2e").length, 1, "one end-to-end ACK, for the flood");
    t.equal(acks.filter((a) => a.f.kind === "hop" && a.f.to === 2).length, 1, "the hand-over's hop confirmed");
  },
  "handoverAcked: the source's end-to-end retry (attempt 1) 10 s after the flood is acknowledged end to end, not with a hop ACK"(t) {
    // The source missed the flood's ACK (review: the rule answered every copy, a retry too, with
    // a hop ACK only, so such a source never got an ACK).
    const h = mesh(t, [[6, 5], [5, 2], [5, DST], [2, DST]]);
    const from = h.txLog.length;
    const me = h.node(DST);
    me.receive(flood(me, 5, DST, true, 6), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + 10_000);
    me.receive(dataCopy(me, 5, 8, 1), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + MINUTE);
    t.ok(acksOfDst(h, from).some((a) => a.f.kind === "e2e" && a.f.attempt === 1), "the retry is acknowledged end to end");
  },
  "handoverAcked: the hand-over's copy first, the flood's copy next: one end-to-end ACK chain"(t) {
    const h = mesh(t, [[6, 5], [5, 2], [5, DST], [2, DST]]);
    const from = h.txLog.length;
    const me = h.node(DST);
    me.receive(dataCopy(me, 2, 1, 0), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + 5_000);
    me.receive(flood(me, 5, DST, true, 6), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + MINUTE);
    const e2e = acksOfDst(h, from).filter((a) => a.f.kind === "e2e");
    t.ok(e2e.length > 0, "the hand-over's copy is acknowledged end to end");
    t.equal(e2e.filter((a) => a.at - e2e[0].at > 3_000).length, 0, "the flood's copy 5 s later starts no second chain");
  },
  "with the rule off the same holder sends nothing (the flood's last copy is all)"(t) {
    const h = mesh(t, [[5, 2], [2, DST]], { agreedHandover: false });
    const from = h.txLog.length;
    const me = h.node(2);
    me.receive(flood(me, 5, DST), { rssi: -90, snr: SNR, at: h.now });
    h.run(h.now + MINUTE);
    t.equal(handovers(h, from).length, 0, "no DATA hop");
    t.equal(deliveredAtDst(h), 0, "the destination never got it");
  },
});
