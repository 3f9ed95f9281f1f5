// The ways locate answers and queries take (docs/protocol.md §7.1 `downstreamCopy` for answers,
// §16 `queryListCapped`, `answeredQuery`, `answerShortcut`), on small topologies with known answers. Pure ES2022, so it runs on XS too.
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { FrameType, type LocateAnswerFrame, type LocateQueryFrame, MAX_BCAST_FORWARDERS, shortId } from "../../src/core/frames";
import { chooseForwarders } from "../../src/core/forwarders";
import { BROADCAST } from "../../src/core/station";
import type { MeshConfig } from "../../src/core/config";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { suite } from "./harness";

const MINUTE = 60_000;
const RX = { rssi: -80, snr: 8 };

/** The line 1 – 2 – 3, converged (slow-modem.cases.ts uses it too, with its own seed and config). */
export function three(seed = 11, config: Partial<MeshConfig> = {}): IdealMesh {
  const h = new IdealMesh({ seed, config });
  for (let i = 1; i <= 3; i++) h.addNode(i, gridPosition(i - 1, 0));
  h.link(1, 2);
  h.link(2, 3);
  h.runUntil(() => h.fullyRouted(), 10 * MINUTE, 1_000);
  h.run(h.now + MINUTE);
  return h;
}

export default suite("reply ways", {
  "downstreamCopy: a copy of our locate answer heard past the next hop ends our custody; an upstream copy does not"(t) {
    for (const hopsAhead of [2, 0]) {
      const h = three();
      const one = h.node(1);
      // 3 asks for 1 through 2; 1 answers through 2 and misses 2's forward.
      const query: LocateQueryFrame = {
        type: FrameType.LOCATE_Q, tx: 2, ttl: 4, hops: 1, scope: 1, asker: 3, qid: 21, askerCluster: h.node(3).cluster, target: 1,
      };
      let now = h.now;
      one.receive(encodeFrame(query), { ...RX, at: now });
      let answer: LocateAnswerFrame | undefined;
      for (let k = 0; k < 40 && answer === undefined; k++, now += 50) {
        for (let f = one.pollTransmit(now); f !== undefined; f = one.pollTransmit(now)) {
          const d = decodeFrame(f.bytes);
          one.transmitDone(now, "sent");
          if (d.ok && d.frame.type === FrameType.LOCATE_A) answer = d.frame;
        }
      }
      if (answer === undefined) throw new Error("node 1 sent no answer");
      t.equal(answer.next, 2, "the answer went to 2");
      const at = now + 8_000; // past the hop's confirmation timeout
      one.tick(at);
      const copy: LocateAnswerFrame = { ...answer, tx: 9, next: 3, ttl: answer.ttl - hopsAhead, hops: answer.hops + hopsAhead };
      one.receive(encodeFrame(copy), { ...RX, at: at + 1 });
      let repeats = 0;
      for (let f = one.pollTransmit(at + 10_000); f !== undefined; f = one.pollTransmit(at + 10_000)) {
        if ((f.bytes[0] & 15) === FrameType.LOCATE_A) repeats++;
        one.transmitDone(at + 10_000, "sent");
      }
      t.equal(repeats, hopsAhead > 0 ? 0 : 1, `hop count +${hopsAhead}: ${hopsAhead > 0 ? "no repeat" : "the repeat goes"}`);
      t.equal(one.stats.downstreamCopies, hopsAhead > 0 ? 1 : 0);
    }
  },
  "answeredQuery: a named forwarder that hears the target's answer drops its relay of the query, and a backup naming it later too"(t) {
    for (const answered of [false, true]) {
      const h = three();
      const two = h.node(2);
      // 3 asks for a target nobody places and names 2 as its forwarder; the target (heard by 2,
      // not a neighbour it holds) answers 3 directly before 2's relay leaves.
      const target = 0x0777_0777;
      const query: LocateQueryFrame = {
        type: FrameType.LOCATE_Q, tx: 3, ttl: 8, hops: 0, scope: 1, asker: 3, qid: 33, askerCluster: h.node(3).cluster, target, forwarders: [shortId(2)],
      };
      const answer: LocateAnswerFrame = {
        type: FrameType.LOCATE_A, tx: target, next: 3, ttl: 8, hops: 0, priority: 2, src: target, dst: 3, seq: 33, dstCluster: h.node(3).cluster, target, targetCluster: h.node(3).cluster, ageMin: 0,
      };
      const relays = () => h.txLog.filter((r) => r.tx === 2 && r.type === FrameType.LOCATE_Q).length;
      const counted = two.stats.queryRelaysAnswered;
      two.receive(encodeFrame(query), { ...RX, at: h.now });
      if (answered) two.receive(encodeFrame(answer), { ...RX, at: h.now });
      h.run(h.now + 10_000);
      t.equal(relays(), answered ? 0 : 1, answered ? "answered: 2 does not relay the query" : "unanswered: 2 relays it");
      t.equal(two.stats.queryRelaysAnswered - counted, answered ? 1 : 0, "counted");
      // The asker's backup naming 2 again (§15 *Backup forwarders*): relayed by neither.
      two.receive(encodeFrame({ ...query, backup: true }), { ...RX, at: h.now });
      h.run(h.now + 10_000);
      t.equal(relays(), answered ? 0 : 1, "a backup after the relay, or after the answer, is not relayed");
    }
  },
  "answerShortcut: a target that heard the asker's query straight from it answers straight back, not over its route"(t) {
    const h = three();
    const one = h.node(1);
    t.deepEqual(one.nextHopsTo(3, h.now), [2], "node 1 routes to 3 through 2");
    // 3's query reaches 1 directly (1 hears 3, which is not in its neighbour table).
    const query: LocateQueryFrame = { type: FrameType.LOCATE_Q, tx: 3, ttl: 8, hops: 0, scope: 1, asker: 3, qid: 44, askerCluster: h.node(3).cluster, target: 1 };
    const since = h.txLog.length;
    one.receive(encodeFrame(query), { ...RX, at: h.now });
    h.run(h.now + 5_000);
    const answers = h.txLog.slice(since).filter((r) => r.tx === 1 && r.type === FrameType.LOCATE_A).map((r) => {
      const d = decodeFrame(r.bytes);
      return d.ok && d.frame.type === FrameType.LOCATE_A ? d.frame.next : -1;
    });
    t.equal(answers[0], 3, "the answer's first hop is the asker itself");
  },
  "queryListCapped: a choice that needs more forwarders than a list holds names the first that many when capped, none otherwise"(t) {
    // 20 neighbours, each the only way to a two-hop node of its own: 20 forwarders needed.
    const neighbours = Array.from({ length: 20 }, (_, i) => ({ short: 100 + i, prio: i, active: true, covers: new Set([500 + i]) }));
    const view = { self: 1, neighbours, max: MAX_BCAST_FORWARDERS };
    t.equal(chooseForwarders(view), undefined, "uncapped: none (the distributor rule)");
    const capped = chooseForwarders({ ...view, capped: true });
    t.equal(capped?.length, MAX_BCAST_FORWARDERS, "capped: a full list");
    // Ties go to the higher relay priority (§15): the 16 with the highest priorities, in that order.
    t.deepEqual(capped, Array.from({ length: 16 }, (_, i) => 119 - i), "in rank order");
  },
  "queryListCapped: a hub that needs 18 forwarders names 16 in its location query and none in its broadcast"(t) {
    // Hub 1 hears spokes 2..19; each spoke alone hears a leaf of its own (20..37). Lookups on
    // (§16 `coveredLookupSkipped` off): one cluster, within the widest ring.
    const h = new IdealMesh({ seed: 3, config: { coveredLookupSkipped: false } });
    h.addNode(1, gridPosition(0, 0));
    for (let i = 0; i < 18; i++) {
      h.addNode(2 + i, gridPosition(1, i));
      h.addNode(20 + i, gridPosition(2, i));
      h.link(1, 2 + i);
      h.link(2 + i, 20 + i);
    }
    h.runUntil(() => h.fullyRouted(), 20 * MINUTE, 2_000);
    h.run(h.now + 2 * MINUTE);
    const since = h.txLog.length;
    h.node(1).send(h.now, 0x0777_0777, new Uint8Array([1]), { wantAck: false }); // nobody places it: a lookup
    h.node(1).send(h.now, BROADCAST, new Uint8Array([2]), { priority: 4 });
    h.run(h.now + 2_000);
    const lists = (type: number) =>
      h.txLog.slice(since).filter((r) => r.tx === 1 && r.type === type).map((r) => {
        const d = decodeFrame(r.bytes);
        return d.ok && (d.frame.type === FrameType.LOCATE_Q || d.frame.type === FrameType.BCAST) ? d.frame.forwarders?.length ?? 0 : -1;
      });
    t.deepEqual(lists(FrameType.LOCATE_Q), [MAX_BCAST_FORWARDERS], "the query names 16");
    t.deepEqual(lists(FrameType.BCAST), [0], "the broadcast names none");
  },
});
