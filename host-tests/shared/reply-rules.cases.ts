// Rules for the replies to a message or a query — end-to-end ACKs and locate answers — on their
// way back (docs/protocol.md §7.1 `replyHopAck`), on the ideal channel with known answers.
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { AckStatus, FrameType, type HopAckFrame } from "../../src/core/frames";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { PRESETS, slotTimeMs } from "../../src/core/presets";
import type { MeshConfig } from "../../src/core/config";
import { suite, type Assert } from "./harness";

const MINUTE = 60_000;

/** A converged line 1 – 2 – 3. */
function line3(t: Assert, seed: number, config: Partial<MeshConfig> = {}): IdealMesh {
  const h = new IdealMesh({ seed, config });
  for (let i = 1; i <= 3; i++) h.addNode(i, gridPosition(i, 0));
  h.link(1, 2);
  h.link(2, 3);
  t.ok(h.runUntil(() => h.fullyRouted(), 10 * MINUTE, 1_000) > 0, "the line converges");
  return h;
}

/** Hop ACKs node `from` sent to `to` since `since` (index into the transmit log). */
function hopAcks(h: IdealMesh, from: number, to: number, since: number): HopAckFrame[] {
  const out: HopAckFrame[] = [];
  for (const r of h.txLog.slice(since)) {
    if (r.tx !== from || r.type !== FrameType.ACK) continue;
    const d = decodeFrame(r.bytes);
    if (d.ok && d.frame.type === FrameType.ACK && d.frame.kind === "hop" && d.frame.to === to) out.push(d.frame);
  }
  return out;
}

function isE2eAck(bytes: Uint8Array): boolean {
  const d = decodeFrame(bytes);
  return d.ok && d.frame.type === FrameType.ACK && d.frame.kind === "e2e";
}

/** The attempt of an end-to-end ACK, or undefined for any other frame. */
function e2eAttempt(bytes: Uint8Array): number | undefined {
  const d = decodeFrame(bytes);
  return d.ok && d.frame.type === FrameType.ACK && d.frame.kind === "e2e" ? d.frame.attempt : undefined;
}

export default suite("reply rules", {
  "the ACK of a retried message carries its attempt, so a relay that passed the first ACK on passes this one on too"(t) {
    // The premise is a last hop nobody retries: without rule `ackLastHopConfirmed` (§7.4).
    const h = line3(t, 5, { ackLastHopConfirmed: false });
    // 2's forward of 3's first ACK to 1 is lost (its last hop: nobody retries it), so 1 sends the
    // message again; 3 acknowledges the retry, and 2 must take that ACK for a new frame, not for a
    // copy of the one it passed on (which it would confirm and drop, §7.1 `replyHopAck`).
    let lost = 0;
    h.dropIf = (bytes, from) => from === 2 && isE2eAck(bytes) && lost++ === 0;
    const since = h.txLog.length;
    t.ok(h.node(1).send(h.now, 3, new Uint8Array([6]), { wantAck: true }).ok);
    h.run(h.now + 40_000); // past 1's end-to-end deadline (about 8 s) and its retry's
    t.equal(h.eventsOf(1, "acked").length, 1, "1 heard the second ACK");
    t.equal(h.eventsOf(1, "send-failed").length, 0, "and did not give the message up");
    const fromTo = (tx: number) => h.txLog.slice(since).filter((r) => r.tx === tx).map((r) => e2eAttempt(r.bytes)).filter((a) => a !== undefined);
    // 3 sends its first ACK twice (2's forward, its implicit confirmation, was lost too).
    t.deepEqual([...new Set(fromTo(3))], [0, 1], "3 acknowledged each attempt, echoing it");
    t.deepEqual(fromTo(2), [0, 1], "2 passed both ACKs on");
    t.equal(h.node(1).stats.delivered + h.node(3).stats.delivered, 1, "delivered once");
  },
  "e2eTimeout counts only the lookup levels a lookup asks: a target that is not a neighbour skips level 0"(t) {
    // One level of a minute (locateMaxScope 1): the lookup asks level 1 only, its own cluster.
    const h = new IdealMesh({ seed: 7, config: { locateMaxScope: 1, locateTimeoutMs: 60_000, coveredLookupSkipped: false } });
    h.addNode(1, gridPosition(0, 0));
    h.addNode(2, gridPosition(1, 0));
    h.link(1, 2);
    t.ok(h.runUntil(() => h.fullyRouted(), 10 * MINUTE, 1_000) > 0, "the pair converges");
    const sentAt = h.now;
    t.ok(h.node(1).send(sentAt, 0x0777_0777, new Uint8Array([5]), { wantAck: true }).ok);
    const retryAt = h.runUntil(() => h.node(1).stats.e2eRetries > 0, sentAt + 5 * MINUTE, 250);
    t.ok(retryAt > 0, "the message is sent again when no ACK comes");
    // The wait: the one level asked (60 s), the hops there and back (a few seconds at SHORT_FAST)
    // and the guard (4 s); counting level 0 too, which is never asked, had added another minute.
    t.ok(retryAt - sentAt > 64_000, `not before the lookup and the guard (${retryAt - sentAt} ms)`);
    t.ok(retryAt - sentAt < 100_000, `nor a skipped level later (${retryAt - sentAt} ms)`);
  },
  "e2eFloodAllowance: a message that goes as a flood waits for the flood relays' contention before it is sent again"(t) {
    // 1 has no fix (homeless): its message goes as a local flood, which 2 cannot pass on either.
    const h = new IdealMesh({ seed: 12 });
    h.addNode(1, undefined);
    h.addNode(2, gridPosition(1, 0));
    h.link(1, 2);
    t.ok(h.runUntil(() => h.node(1).hasRouteTo(2, h.now), 10 * MINUTE, 1_000) > 0, "1 hears 2");
    const sentAt = h.now;
    t.ok(h.node(1).send(sentAt, 0x0777_0777, new Uint8Array([3]), { wantAck: true }).ok);
    t.equal(h.node(1).stats.localFloods, 1, "sent as a local flood");
    const retryAt = h.runUntil(() => h.node(1).stats.e2eRetries > 0, sentAt + 5 * MINUTE, 250);
    t.ok(retryAt > 0, "sent again when no ACK comes");
    // 8 hops of flood relays, each waiting up to 2^8 slots (8.9 ms at SHORT_FAST): 18.2 s. The
    // routed allowance alone (hops there and back, the guard) is about 10 s.
    const contention = 8 * 2 ** 8 * slotTimeMs(PRESETS.SHORT_FAST);
    t.ok(retryAt - sentAt > contention, `not before 8 hops of flood contention (${retryAt - sentAt} ms > ${Math.round(contention)} ms)`);
    t.ok(retryAt - sentAt < 60_000, `nor a lookup's wait later: a homeless node asks none (${retryAt - sentAt} ms)`);
  },
  "replyHopAck: a relay answers an end-to-end ACK that arrives at ttl 1 with a ttl-expired hop ACK, and the sender stops"(t) {
    const h = line3(t, 8);
    // 3's ACKs reach 2 with one hop left: 2 may not pass them on.
    h.rewrite = (bytes, from) => {
      const d = decodeFrame(bytes);
      if (from === 3 && d.ok && d.frame.type === FrameType.ACK && d.frame.kind === "e2e") return encodeFrame({ ...d.frame, ttl: 1 });
      return bytes;
    };
    const since = h.txLog.length;
    t.ok(h.node(1).send(h.now, 3, new Uint8Array([9]), { wantAck: true }).ok);
    h.run(h.now + 5_000); // before 1 sends the message again (its end-to-end deadline, about 8 s)
    const answer = hopAcks(h, 2, 3, since);
    t.equal(answer.length, 1, "2 answered the ACK with one hop ACK");
    t.equal(answer[0]?.status, AckStatus.TTL_EXPIRED, "of status ttl-expired");
    t.equal(answer[0]?.acks, FrameType.ACK, "naming the end-to-end ACK (rule hopAckNamesReplies)");
    t.equal(h.txLog.slice(since).filter((r) => r.tx === 3 && isE2eAck(r.bytes)).length, 1, "3 sent its ACK once, no retries");
    t.equal(h.txLog.slice(since).filter((r) => r.tx === 2 && isE2eAck(r.bytes)).length, 0, "2 did not pass it on");
  },
  "hopAckNamesReplies: a hop ACK of DATA names no type, byte for byte the firmware before the field; one of a reply names it"(t) {
    const h = line3(t, 10);
    const since = h.txLog.length;
    t.ok(h.node(1).send(h.now, 3, new Uint8Array([2])).ok); // no end-to-end ACK: 3 confirms the last hop
    h.run(h.now + 5_000);
    const last = h.txLog.slice(since).filter((r) => r.tx === 3 && r.type === FrameType.ACK);
    t.equal(last.length, 1, "3 confirmed 2's DATA with one hop ACK");
    // 94babc1 wrote kind = status << 1 and refused b3–7 (reserved 0xf8): a node on it still hears this.
    t.equal(last[0]?.bytes[9], AckStatus.DELIVERED << 1, "kind b3–4 clear, as the old encoding");
    const d = last[0] === undefined ? undefined : decodeFrame(last[0].bytes);
    t.ok(d?.ok === true && d.frame.type === FrameType.ACK && d.frame.kind === "hop" && d.frame.acks === undefined, "it decodes as naming no type");
  },
  "a hop ACK names the type it answers: a refusal of a reply is not one of the DATA with the same (src, dst, seq)"(t) {
    const h = line3(t, 9);
    h.dropIf = (_bytes, from) => from === 2; // 1's DATA goes unconfirmed: it waits on 2
    const sent = h.node(1).send(h.now, 3, new Uint8Array([4]));
    t.ok(sent.ok);
    const seq = sent.ok ? sent.seq : 0;
    t.ok(h.runUntil(() => h.txLog.some((r) => r.tx === 1 && r.type === FrameType.DATA), h.now + 5_000, 20) > 0, "1 sent its DATA");
    h.run(h.now + 100); // its transmission ends: now it waits for 2's confirmation
    const refusal = (acks: typeof FrameType.DATA | typeof FrameType.ACK | typeof FrameType.LOCATE_A) =>
      encodeFrame({ type: FrameType.ACK, kind: "hop", tx: 2, to: 1, status: AckStatus.NO_ROUTE, src: 1, dst: 3, seq, acks });
    const before = { ...h.node(1).stats };
    h.node(1).receive(refusal(FrameType.ACK), { rssi: -80, snr: 8, at: h.now });
    h.node(1).receive(refusal(FrameType.LOCATE_A), { rssi: -80, snr: 8, at: h.now });
    t.equal(h.node(1).stats.routeDeaths, before.routeDeaths, "refusals of replies leave the DATA's route alone");
    t.equal(h.node(1).stats.failovers, before.failovers, "and the DATA where it is");
    h.node(1).receive(refusal(FrameType.DATA), { rssi: -80, snr: 8, at: h.now });
    t.equal(h.node(1).stats.routeDeaths, before.routeDeaths + 1, "a refusal naming DATA refuses it");
  },
  "replyHopAck: a relay confirms a copy of an end-to-end ACK it already passed on, so the ACK's sender stops"(t) {
    const h = line3(t, 3);
    // 2's forward of 3's ACK is lost (1 never gets it, 3 never overhears it): 3 sends it again.
    h.dropIf = (bytes, from) => from === 2 && isE2eAck(bytes);
    const since = h.txLog.length;
    t.ok(h.node(1).send(h.now, 3, new Uint8Array([7]), { wantAck: true }).ok);
    h.run(h.now + 5_000); // before 1 sends the message again (its end-to-end deadline, about 8 s)
    const acks = h.txLog.slice(since).filter((r) => r.tx === 3 && isE2eAck(r.bytes)).length;
    t.equal(acks, 2, "3 sent its ACK and one retry, no more");
    const confirm = hopAcks(h, 2, 3, since);
    t.equal(confirm.length, 1, "2 confirmed the copy with a hop ACK");
    t.equal(confirm[0]?.status, AckStatus.DELIVERED);
    t.equal(confirm[0]?.src, 3, "for the ACK from 3");
    t.equal(confirm[0]?.dst, 1, "to 1");
    t.equal(h.node(3).stats.dropsUnroutable, 0, "3 did not give the ACK up as unroutable");
  },
  "a hop ACK naming no type (the firmware before the field) still confirms a reply: 3 stops resending its ACK"(t) {
    const h = line3(t, 3);
    h.dropIf = (bytes, from) => from === 2 && isE2eAck(bytes);
    // 2 answers as a node on 94babc1 would: its hop ACK names no type (kind b3–4 clear).
    h.rewrite = (bytes, from) => {
      const d = decodeFrame(bytes);
      if (from !== 2 || !d.ok || d.frame.type !== FrameType.ACK || d.frame.kind !== "hop") return bytes;
      const { acks: _named, ...unnamed } = d.frame;
      return encodeFrame(unnamed);
    };
    const since = h.txLog.length;
    t.ok(h.node(1).send(h.now, 3, new Uint8Array([7]), { wantAck: true }).ok);
    h.run(h.now + 5_000);
    t.equal(h.txLog.slice(since).filter((r) => r.tx === 3 && isE2eAck(r.bytes)).length, 2, "3 sent its ACK and one retry, no more");
    t.equal(h.node(3).stats.dropsUnroutable, 0, "and took the unnamed hop ACK for its ACK's confirmation");
  },
  "replyHopAck: a relay with no route for an end-to-end ACK refuses it with no-route, and the sender stops at once"(t) {
    const h = line3(t, 4);
    const me = h.node(2);
    const since = h.txLog.length;
    // An ACK from 3 for a node nobody knows (no node route, no cluster): 2 cannot pass it on.
    const ack = encodeFrame({ type: FrameType.ACK, kind: "e2e", tx: 3, next: 2, ttl: 10, hops: 1, priority: 3, src: 3, dst: 0x0777_0777, seq: 9, dstCluster: 0, status: AckStatus.DELIVERED, ackedHops: 2, attempt: 0 });
    me.receive(ack, { rssi: -80, snr: 8, at: h.now });
    h.run(h.now + 5_000);
    const refusal = hopAcks(h, 2, 3, since);
    t.equal(refusal.length, 1, "2 answered with one hop ACK");
    t.equal(refusal[0]?.status, AckStatus.NO_ROUTE, "of status no-route");
    t.equal(refusal[0]?.seq, 9);
    // The sender's side: 3's ACK to 1 goes through 2, whose forward is lost, and 2's hop ACK for
    // 3's retry is turned into a refusal on the air: 3 gives up at once (1 – 2 – 3 has no other way).
    h.dropIf = (bytes, from) => from === 2 && isE2eAck(bytes);
    h.rewrite = (bytes, from) => {
      if (from !== 2) return bytes;
      const d = decodeFrame(bytes);
      // 2's confirmation of the DATA's last hop is left alone; its hop ACKs for ACKs become refusals.
      if (d.ok && d.frame.type === FrameType.ACK && d.frame.kind === "hop" && d.frame.src === 3) return encodeFrame({ ...d.frame, status: AckStatus.NO_ROUTE });
      return bytes;
    };
    const before = h.txLog.length;
    const drops = h.node(3).stats.dropsUnroutable;
    t.ok(h.node(1).send(h.now, 3, new Uint8Array([8]), { wantAck: true }).ok);
    h.run(h.now + 5_000); // before 1 sends the message again (its end-to-end deadline, about 8 s)
    t.equal(h.txLog.slice(before).filter((r) => r.tx === 3 && isE2eAck(r.bytes)).length, 2, "the ACK and the retry the refusal answered");
    t.equal(h.node(3).stats.dropsUnroutable, drops + 1, "then dropped: no other way back");
  },
  "SendOptions.oneHop: DATA to a usable neighbour as one confirmed hop; never another route or a flood"(t) {
    // A line 1 – 2 – 3 – 4, and 1 – 3 too: 4 is out of 1's reach, 2 is reachable directly and through 3.
    const h = new IdealMesh({ seed: 11 });
    for (let i = 1; i <= 4; i++) h.addNode(i, gridPosition(i, 0));
    h.link(1, 2);
    h.link(2, 3);
    h.link(1, 3);
    h.link(3, 4);
    t.ok(h.runUntil(() => h.fullyRouted(), 10 * MINUTE, 1_000) > 0, "the mesh converges");
    const far = h.node(1).send(h.now, 4, new Uint8Array([1, 2, 3]), { oneHop: true });
    t.ok(!far.ok && far.code === "no-route", "not a neighbour: refused");
    const from = h.txLog.length;
    const near = h.node(1).send(h.now, 2, new Uint8Array([4, 5, 6]), { oneHop: true });
    t.ok(near.ok);
    h.run(h.now + 10_000);
    t.equal(h.eventsOf(2, "delivered").filter((e) => e.src === 1 && e.payload[0] === 4).length, 1, "2 got it");
    t.equal(h.txLog.slice(from).filter((r) => r.tx === 1 && r.type === FrameType.DATA).length, 1, "one DATA frame");
    // The link 1 – 2 breaks (2 still reachable through 3): the hop is retried, then the message
    // fails; it neither goes through 3 nor floods.
    h.unlink(1, 2);
    const since = h.txLog.length;
    const lost = h.node(1).send(h.now, 2, new Uint8Array([7]), { oneHop: true });
    t.ok(lost.ok);
    h.run(h.now + 60_000);
    const tail = h.txLog.slice(since);
    const nextOf = (bytes: Uint8Array): number | undefined => {
      const d = decodeFrame(bytes);
      return d.ok && d.frame.type === FrameType.DATA ? d.frame.next : undefined;
    };
    const carries = (bytes: Uint8Array, first: number): boolean => {
      const d = decodeFrame(bytes);
      return d.ok && d.frame.type === FrameType.DATA && d.frame.payload[0] === first;
    };
    const sent = tail.filter((r) => r.tx === 1 && carries(r.bytes, 7)).map((r) => nextOf(r.bytes));
    t.ok(sent.length >= 2, "the hop was retried");
    t.ok(sent.every((n) => n === 2), "only ever to 2");
    t.equal(tail.filter((r) => r.type === FrameType.FLOOD).length, 0, "no flood");
    t.equal(tail.filter((r) => r.tx === 3 && r.type === FrameType.DATA).length, 0, "3 carried nothing");
    t.equal(h.eventsOf(2, "delivered").filter((e) => e.src === 1 && e.payload[0] === 7).length, 0);
    const failed = h.eventsOf(1, "send-failed").filter((e) => lost.ok && e.seq === lost.seq && e.dst === 2);
    t.equal(failed.length, 1, "the message failed");
    t.equal(failed[0]?.code, "no-route");
    // An ordinary send gets through 3 and 1 learns that route.
    t.ok(h.node(1).send(h.now, 2, new Uint8Array([8]), {}).ok);
    t.ok(h.runUntil(() => h.node(1).nextHopsTo(2, h.now).includes(3), h.now + 5 * MINUTE, 1_000) > 0, "1 routes to 2 through 3");
    // 2 still counts as 1's neighbour (its link has not timed out): a one-hop send is taken, tried on
    // 2 only, and fails, though a route through 3 is there.
    const at = h.txLog.length;
    const again = h.node(1).send(h.now, 2, new Uint8Array([9]), { oneHop: true });
    t.ok(again.ok);
    h.run(h.now + 60_000);
    const more = h.txLog.slice(at).filter((r) => r.tx === 1 && carries(r.bytes, 9)).map((r) => nextOf(r.bytes));
    t.ok(more.length >= 1 && more.every((n) => n === 2), `tried on 2 only: ${more.join(",")}`);
    t.equal(h.eventsOf(2, "delivered").filter((e) => e.src === 1 && e.payload[0] === 9).length, 0, "not carried through 3");
    t.equal(h.eventsOf(1, "send-failed").filter((e) => again.ok && e.seq === again.seq && e.dst === 2).length, 1, "failed");
  },
});
