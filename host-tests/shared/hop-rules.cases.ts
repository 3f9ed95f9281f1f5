// Hop confirmations that end a frame's custody late or from further on (docs/protocol.md §7.1): known answers on a
// line of three nodes, with node 1 driven by hand so the order of its timeout, its repeat and
// the next hop's forward is exact. Pure ES2022, so it runs on XS too.
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { AckStatus, type DataFrame, type E2eAckFrame, FrameType } from "../../src/core/frames";
import type { MeshNode } from "../../src/core/mesh-node";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { suite } from "./harness";

/** Line 1 – 2 – 3, converged; the mesh loop is not run again, so node 1 is driven by hand. */
function line(): { h: IdealMesh; one: MeshNode } {
  const h = new IdealMesh({ seed: 7, config: { ogmTrickleMaxMs: 30_000 } });
  for (let i = 1; i <= 3; i++) h.addNode(i, gridPosition(i - 1, 0));
  h.link(1, 2);
  h.link(2, 3);
  h.runUntil(() => h.fullyRouted(), 10 * 60_000, 1_000);
  return { h, one: h.node(1) };
}

/** Everything node 1 puts on the air by `now` (each frame sent at once), decoded. */
function drain(one: MeshNode, now: number): ReturnType<typeof decodeFrame>[] {
  const out: ReturnType<typeof decodeFrame>[] = [];
  for (let f = one.pollTransmit(now); f !== undefined; f = one.pollTransmit(now)) {
    out.push(decodeFrame(f.bytes));
    one.transmitDone(now, "sent");
  }
  return out;
}

function dataTo(frames: ReturnType<typeof decodeFrame>[], next: number): DataFrame[] {
  const out: DataFrame[] = [];
  for (const d of frames) if (d.ok && d.frame.type === FrameType.DATA && d.frame.next === next) out.push(d.frame);
  return out;
}

/** Node 1 sends one DATA to 3 and its hop to 2 times out unconfirmed: the repeat is queued, not sent. */
function timedOut(wantAck: boolean): { h: IdealMesh; one: MeshNode; sent: DataFrame; at: number } {
  const { h, one } = line();
  let now = h.now;
  one.send(now, 3, new Uint8Array([42]), { wantAck });
  let sent: DataFrame | undefined;
  for (let k = 0; k < 20 && sent === undefined; k++, now += 50) sent = dataTo(drain(one, now), 2)[0];
  if (sent === undefined) throw new Error("node 1 sent no DATA to 2");
  // Past the hop's confirmation timeout (a few seconds) and well before any end-to-end deadline.
  const at = now + 8_000;
  one.tick(at);
  return { h, one, sent, at };
}

export default suite("hop confirmations that come late", {
  "lateConfirmation: the next hop's forward heard after the timeout withdraws the queued repeat"(t) {
    for (const late of [false, true]) {
      const { one, sent, at } = timedOut(false);
      const before = one.stats.lateConfirmations;
      if (late) {
        const forward: DataFrame = { ...sent, tx: 2, next: 3, ttl: sent.ttl - 1, hops: sent.hops + 1 };
        one.receive(encodeFrame(forward), { rssi: -80, snr: 8, at: at + 1 });
      }
      const repeats = dataTo(drain(one, at + 10_000), 2).length;
      if (late) {
        t.equal(repeats, 0, "the repeat never goes on the air");
        t.equal(one.stats.lateConfirmations - before, 1);
      } else t.equal(repeats, 1, "without the forward, the repeat goes");
    }
  },
  "lateConfirmation: a hand-back heard after the timeout is no confirmation"(t) {
    const { one, sent, at } = timedOut(false);
    // 2 retries its own copy toward us as a hand-back: it gave the frame up, it did not pass it on.
    const bounce: DataFrame = { ...sent, tx: 2, next: 1, bounced: true, ttl: sent.ttl - 1 };
    one.receive(encodeFrame(bounce), { rssi: -80, snr: 8, at: at + 1 });
    t.equal(one.stats.lateConfirmations, 0);
  },
  "downstreamCopy: a copy sent on past the next hop ends our custody; an upstream copy does not"(t) {
    for (const hopsAhead of [2, 0]) {
      const { one, sent, at } = timedOut(false);
      // 2's forward went unheard here; 3 (or whoever is past 2) sends it on with a higher hop count.
      // A copy with no more hops than ours comes from upstream (a previous hop's retry).
      const copy: DataFrame = { ...sent, tx: 9, next: 4, ttl: sent.ttl - hopsAhead, hops: sent.hops + hopsAhead };
      one.receive(encodeFrame(copy), { rssi: -80, snr: 8, at: at + 1 });
      const repeats = dataTo(drain(one, at + 10_000), 2).length;
      t.equal(repeats, hopsAhead > 0 ? 0 : 1, `hop count +${hopsAhead}`);
      t.equal(one.stats.downstreamCopies, hopsAhead > 0 ? 1 : 0);
    }
  },
  "downstreamCopy: the destination's end-to-end ACK, heard from past the next hop, ends our custody"(t) {
    const { one, sent, at } = timedOut(true);
    const ack: E2eAckFrame = {
      type: FrameType.ACK, kind: "e2e", tx: 3, next: 2, ttl: 8, hops: 0, priority: sent.priority,
      src: 3, dst: 1, seq: sent.seq, dstCluster: sent.dstCluster, status: AckStatus.DELIVERED, ackedHops: 2, attempt: sent.attempt,
    };
    one.receive(encodeFrame(ack), { rssi: -80, snr: 8, at: at + 1 });
    t.equal(dataTo(drain(one, at + 2_000), 2).filter((d) => d.attempt === sent.attempt).length, 0, "the repeat never goes on the air");
    t.equal(one.stats.downstreamCopies, 1);
  },
  "downstreamCopy: a forged end-to-end ACK heard before our first transmission withdraws nothing"(t) {
    // Review fix: anyone may hold the network key, and a message's (src, dst, seq) is easy to guess.
    const { h, one } = line();
    const now = h.now;
    const r = one.send(now, 3, new Uint8Array([9]), { wantAck: false });
    if (!r.ok) throw new Error("send refused");
    const forged: E2eAckFrame = {
      type: FrameType.ACK, kind: "e2e", tx: 99, next: 98, ttl: 8, hops: 0, priority: 3,
      src: 3, dst: 1, seq: r.seq, dstCluster: 0, status: AckStatus.DELIVERED, ackedHops: 2, attempt: 0,
    };
    one.receive(encodeFrame(forged), { rssi: -80, snr: 8, at: now });
    let sent = 0;
    for (let k = 0; k < 20 && sent === 0; k++) sent = dataTo(drain(one, now + 50 * k), 2).length;
    t.equal(sent, 1, "the DATA still goes on the air");
    t.equal(one.stats.downstreamCopies, 0);
  },
  "ackConfirmsData: the destination's end-to-end ACK sent another way confirms the DATA hop to it"(t) {
    for (const viaUs of [false, true]) {
      const { h, one } = line();
      let now = h.now;
      // 1 sends to its neighbour 2, the destination; 2's ACK goes by way of 3 (as if its route back ran there).
      one.send(now, 2, new Uint8Array([7]), { wantAck: true });
      let sent: DataFrame | undefined;
      for (let k = 0; k < 20 && sent === undefined; k++, now += 50) sent = dataTo(drain(one, now), 2)[0];
      if (sent === undefined) throw new Error("node 1 sent no DATA to 2");
      const ack: E2eAckFrame = {
        type: FrameType.ACK, kind: "e2e", tx: 2, next: viaUs ? 1 : 3, ttl: 8, hops: 0, priority: sent.priority,
        src: 2, dst: 1, seq: sent.seq, dstCluster: sent.dstCluster, status: AckStatus.DELIVERED, ackedHops: 1, attempt: 0,
      };
      one.receive(encodeFrame(ack), { rssi: -80, snr: 8, at: now + 1 });
      one.tick(now + 8_000);
      // Its end-to-end wait may send a new attempt (the ACK has not reached 1 through 3 yet); the hop is not repeated.
      const repeats = dataTo(drain(one, now + 8_000), 2).filter((d) => d.attempt === sent.attempt).length;
      t.equal(repeats, 0, `no repeat of the DATA hop (ACK sent ${viaUs ? "to us" : "through 3"})`);
      // The hop is confirmed (confirm, as a next hop's forward is), not only dropped from custody as a copy past it.
      t.equal(one.stats.downstreamCopies, 0, "confirmed, not ended as a downstream copy");
      t.equal(one.stats.retries, 0);
      t.equal(one.stats.ackTimeouts, 0);
    }
  },
  "answerHold: after a DATA that awaits its hop's confirmation nothing goes on the air for two slots; after a broadcast the next frame goes at once"(t) {
    const { h, one } = line();
    const now = h.now;
    // Nothing of node 1's own queued: the two messages are the first frames it has to send.
    for (let f = one.pollTransmit(now); f !== undefined; f = one.pollTransmit(now)) one.transmitDone(now, "sent");
    t.ok(one.send(now, 3, new Uint8Array([1])).ok && one.send(now, 3, new Uint8Array([2])).ok);
    let at = now;
    let first: ReturnType<MeshNode["pollTransmit"]>;
    for (let k = 0; k < 40 && first === undefined; k++, at += 5) first = one.pollTransmit(at);
    t.ok(first !== undefined && (first.bytes[0] & 15) === FrameType.DATA, "the first DATA goes");
    one.transmitDone(at, "sent");
    t.equal(one.pollTransmit(at), undefined, "nothing at once after it");
    const wake = one.nextWakeup();
    t.ok(wake > at && wake - at < 100, `the hold ends a couple of slots later (${wake - at} ms)`);
    t.equal(one.pollTransmit(wake - 1), undefined, "nor just before the hold ends");
    const second = one.pollTransmit(wake);
    t.ok(second !== undefined && (second.bytes[0] & 15) === FrameType.DATA, "the second DATA goes when the hold ends");
    one.transmitDone(wake, "sent");
    // A broadcast awaits no hop's confirmation: it holds nothing.
    const later = wake + 60_000;
    for (let f = one.pollTransmit(later); f !== undefined; f = one.pollTransmit(later)) one.transmitDone(later, "sent");
    t.ok(one.send(later, 0xffffffff, new Uint8Array([3])).ok && one.send(later, 0xffffffff, new Uint8Array([4])).ok);
    const b1 = one.pollTransmit(later);
    t.ok(b1 !== undefined, "the first broadcast goes");
    one.transmitDone(later, "sent");
    t.ok(one.pollTransmit(later) !== undefined, "the second goes at once");
  },
});
