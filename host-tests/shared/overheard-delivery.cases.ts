// Rule `overheardDelivery` (docs/protocol.md §7.4) on small topologies with known answers: a
// driving destination takes in a DATA for it that names another next hop (a relay's route to it
// that went stale as it drove), once; it answers it when that hop is not its own usable
// neighbour, and its hop ACK ends the relay's wait on that hop. Nodes that do not drive are left
// as they were.
import { decodeFrame } from "../../src/core/codec";
import { encodeFrame } from "../../src/core/codec";
import { AckStatus, FrameType, type AckStatusCode, type HopAckedType } from "../../src/core/frames";
import type { MeshConfig } from "../../src/core/config";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { suite, type Assert } from "./harness";

const MINUTE = 60_000;
const DST = 5;

/** Runs the mesh `ms` on while nodes `ids` drive east at 30 m/s (a step every 5 s), so they count as driving (DRIVING_MPS). */
function drive(h: IdealMesh, ids: readonly number[], ms: number): void {
  const end = h.now + ms;
  let east = 0;
  while (h.now < end) {
    h.run(Math.min(end, h.now + 5_000));
    east += 150;
    for (const id of ids) {
      const home = gridPosition(id - 1, 0);
      h.node(id).setPosition(h.now, { lat: home.lat, lon: home.lon + east / (111_200 * Math.cos((home.lat * Math.PI) / 180)) });
    }
  }
}

interface Outcome {
  /** Times the destination took the message in within 3 s of the send. */
  delivered: number;
  /** Hop ACKs (status delivered) the destination sent to 2, and its end-to-end ACKs, within 3 s. */
  hopAcksTo2: number;
  e2eAcks: number;
  overheard: number;
  /** DATA of the message's first attempt 2 sent to 3 within 20 s. */
  dataTo3: number;
}

/**
 * Line 1 – 2 – 3 – 4 – 5, converged; 2 and 5 drive for a minute (`driving`; links are the harness's,
 * so they stay); then 5 comes within 2's range and (`threeGone`) 3 falls
 * silent, as on a road where 5 drove past. Node 1 sends a message to 5 at once, before any OGM
 * tells 2 of its new link: 2 passes the DATA to 3, its route, and 5 hears that hop. 3 is not 5's
 * neighbour.
 */
function staleRoute(t: Assert, wantAck: boolean, threeGone: boolean, config: Partial<MeshConfig> = {}, driving = true): Outcome {
  const h = new IdealMesh({ seed: 11, config });
  for (let i = 1; i <= 5; i++) h.addNode(i, gridPosition(i - 1, 0));
  for (let i = 1; i < 5; i++) h.link(i, i + 1);
  t.ok(h.runUntil(() => h.fullyRouted(), 10 * MINUTE, 1_000) > 0, "the line converges");
  if (driving) drive(h, [2, DST], MINUTE);
  else h.run(h.now + MINUTE);
  t.equal(h.node(DST).driving(h.now) && h.node(2).driving(h.now), driving, driving ? "2 and 5 drive" : "they stand");
  h.link(2, DST);
  if (threeGone) h.kill(3);
  const from = h.txLog.length;
  const at = h.now;
  t.ok(h.node(1).send(at, DST, new Uint8Array([0x5a]), { priority: 3, wantAck }).ok, "1 sends");
  h.run(at + 3_000);
  const frames = (tx: number) => h.txLog.slice(from).filter((r) => r.tx === tx).map((r) => decodeFrame(r.bytes));
  t.ok(frames(2).some((d) => d.ok && d.frame.type === FrameType.DATA && d.frame.next === 3 && d.frame.dst === DST), "2 sends the DATA to 3, its route to 5");
  const sent = frames(DST);
  const outcome = {
    delivered: h.eventsOf(DST, "delivered").filter((e) => e.src === 1).length,
    hopAcksTo2: sent.filter((d) => d.ok && d.frame.type === FrameType.ACK && d.frame.kind === "hop" && d.frame.to === 2 && d.frame.status === AckStatus.DELIVERED).length,
    e2eAcks: sent.filter((d) => d.ok && d.frame.type === FrameType.ACK && d.frame.kind === "e2e" && d.frame.dst === 1).length,
    overheard: h.node(DST).stats.overheardDeliveries,
  };
  h.run(at + 20_000);
  const dataTo3 = frames(2).filter((d) => d.ok && d.frame.type === FrameType.DATA && d.frame.next === 3 && d.frame.attempt === 0).length;
  return { ...outcome, dataTo3 };
}

interface AckOutcome {
  /** 1's `acked` events for its message within 3 s of the send. */
  acked: number;
  /** End-to-end ACKs of the message 3 sent, and their next hops. */
  acksFrom3: number[];
  overheardAcks: number;
}

/**
 * Rule `overheardAck` (§7.4). Line 1 – 2 – 3, and 3 reaches 1 one way (1 hears 3; 3 never hears 1,
 * so neither holds the other usable: DATA goes 1 → 2 → 3 and 3's ACK back 3 → 2 → 1). 2's forward
 * of the end-to-end ACK is lost on the air, as a relay's last hop to a car that drove on: 1 can
 * learn of the delivery only from 3's own ACK, which names 2. With `hopAckFrom` a hop ACK is
 * written to 1 as node `hopAckFrom` would send it after 3's ACK went unheard too.
 */
function ackNamedElsewhere(t: Assert, config: Partial<MeshConfig> = {}, hopAckFrom?: number): AckOutcome {
  const h = new IdealMesh({ seed: 11, config: { overheardAck: true, ...config } });
  for (let i = 1; i <= 3; i++) h.addNode(i, gridPosition(i - 1, 0));
  h.link(1, 2);
  h.link(2, 3);
  h.link(3, 1, { oneWay: true });
  t.ok(h.runUntil(() => h.fullyRouted(), 10 * MINUTE, 1_000) > 0, "the line converges");
  const isE2e = (bytes: Uint8Array): boolean => {
    const d = decodeFrame(bytes);
    return d.ok && d.frame.type === FrameType.ACK && d.frame.kind === "e2e";
  };
  h.dropIf = (bytes, from) => (from === 2 || (hopAckFrom !== undefined && from === 3)) && isE2e(bytes);
  const from = h.txLog.length;
  const at = h.now;
  const r = h.node(1).send(at, 3, new Uint8Array([0x5c]), { priority: 3, wantAck: true });
  t.ok(r.ok, "1 sends");
  h.run(at + 2_000);
  t.equal(h.eventsOf(3, "delivered").filter((e) => e.src === 1).length, 1, "3 takes the message in");
  if (hopAckFrom !== undefined && r.ok) {
    const me = h.node(1);
    me.receive(encodeFrame({ type: FrameType.ACK, kind: "hop", tx: hopAckFrom, to: 1, status: AckStatus.DELIVERED, src: 1, dst: 3, seq: r.seq }), { rssi: -90, snr: 8, at: h.now });
    h.events.get(1)?.push(...me.drainEvents()); // the harness drains a node only when it wakes
  }
  h.run(at + 3_000);
  const acksFrom3 = h.txLog
    .slice(from)
    .filter((x) => x.tx === 3)
    .map((x) => decodeFrame(x.bytes))
    .flatMap((d) => (d.ok && d.frame.type === FrameType.ACK && d.frame.kind === "e2e" && d.frame.dst === 1 ? [d.frame.next] : []));
  return { acked: h.eventsOf(1, "acked").filter((e) => r.ok && e.seq === r.seq).length, acksFrom3, overheardAcks: h.node(1).stats.overheardAcks };
}

interface InjectedOutcome {
  /** Hop counts of 1's `acked` events for its message. */
  ackedHops: number[];
  failed: number;
  rxDuplicates: number;
}

/**
 * The line of `ackNamedElsewhere` with every end-to-end ACK of 2 and 3 lost on the air; once 3 has
 * the message, the frames `frames(seq)` (from 3, about 1's message) reach 1 in turn, 300 ms apart.
 */
function ackInjected(t: Assert, frames: (seq: number, cluster: number) => Uint8Array[]): InjectedOutcome {
  const h = new IdealMesh({ seed: 11, config: { overheardAck: true } });
  for (let i = 1; i <= 3; i++) h.addNode(i, gridPosition(i - 1, 0));
  h.link(1, 2);
  h.link(2, 3);
  h.link(3, 1, { oneWay: true });
  t.ok(h.runUntil(() => h.fullyRouted(), 10 * MINUTE, 1_000) > 0, "the line converges");
  h.dropIf = (bytes, from) => {
    const d = decodeFrame(bytes);
    return (from === 2 || from === 3) && d.ok && d.frame.type === FrameType.ACK && d.frame.kind === "e2e";
  };
  const at = h.now;
  const me = h.node(1);
  const r = me.send(at, 3, new Uint8Array([0x5d]), { priority: 3, wantAck: true });
  t.ok(r.ok, "1 sends");
  h.run(at + 2_000);
  t.equal(h.eventsOf(3, "delivered").filter((e) => e.src === 1).length, 1, "3 takes the message in");
  const before = me.stats.rxDuplicates;
  if (r.ok) {
    for (const bytes of frames(r.seq, me.cluster)) {
      me.receive(bytes, { rssi: -90, snr: 8, at: h.now });
      h.events.get(1)?.push(...me.drainEvents()); // the harness drains a node only when it wakes
      h.run(h.now + 300);
    }
  }
  h.run(h.now + 1_000);
  return {
    ackedHops: h.eventsOf(1, "acked").filter((e) => r.ok && e.seq === r.seq).map((e) => e.hops),
    failed: h.eventsOf(1, "send-failed").filter((e) => r.ok && e.seq === r.seq).length,
    rxDuplicates: me.stats.rxDuplicates - before,
  };
}

const hopAckOf3 = (seq: number, status: AckStatusCode, acks?: HopAckedType): Uint8Array =>
  encodeFrame({ type: FrameType.ACK, kind: "hop", tx: 3, to: 1, status, src: 1, dst: 3, seq, ...(acks === undefined ? {} : { acks }) });
const e2eAckOf3 = (seq: number, cluster: number, next: number, status: AckStatusCode): Uint8Array =>
  encodeFrame({ type: FrameType.ACK, kind: "e2e", tx: 3, next, ttl: 9, hops: 0, priority: 3, src: 3, dst: 1, seq, dstCluster: cluster, status, ackedHops: 2, attempt: 0 });

export default suite("a DATA for us that names another next hop", {
  "overheardAck: an originator takes its message's end-to-end ACK that names another next hop, and the destination's own hop ACK 'delivered', not a relay's"(t) {
    const on = ackNamedElsewhere(t);
    t.ok(on.acksFrom3.length >= 1 && on.acksFrom3.every((n) => n === 2), "3's ACK names 2, its route back");
    t.equal(on.acked, 1, "1 takes it: acknowledged once");
    t.equal(on.overheardAcks, 1, "counted");
    const off = ackNamedElsewhere(t, { overheardAck: false });
    t.ok(off.acksFrom3.length >= 1 && off.acksFrom3.every((n) => n === 2), "the same ACK without the rule");
    t.equal(off.acked, 0, "without the rule 1 is not acknowledged");
    const fromDst = ackNamedElsewhere(t, {}, 3);
    t.equal(fromDst.acked, 1, "the destination's hop ACK, status delivered, of our DATA: acknowledged");
    const fromRelay = ackNamedElsewhere(t, {}, 2);
    t.equal(fromRelay.acked, 0, "a relay's hop ACK 'delivered' only confirms its hop");
    const fromDstOff = ackNamedElsewhere(t, { overheardAck: false }, 3);
    t.equal(fromDstOff.acked, 0, "without the rule the destination's hop ACK acknowledges nothing");
  },
  "overheardAck: the destination's hop ACK 'delivered' before its end-to-end ACK acknowledges once, one hop, and the end-to-end ACK is a duplicate"(t) {
    const o = ackInjected(t, (seq, cluster) => [hopAckOf3(seq, AckStatus.DELIVERED), e2eAckOf3(seq, cluster, 1, AckStatus.DELIVERED)]);
    t.deepEqual(o.ackedHops, [1], "one acked event, hops 1 (the destination answered our frame straight)");
    t.equal(o.rxDuplicates, 1, "the later end-to-end ACK counted as a duplicate");
    t.equal(o.failed, 0, "no send-failed");
  },
  "overheardAck: a hop ACK from the destination that names an end-to-end ACK, or says no route, acknowledges nothing"(t) {
    const namesAck = ackInjected(t, (seq) => [hopAckOf3(seq, AckStatus.DELIVERED, FrameType.ACK)]);
    t.deepEqual(namesAck.ackedHops, [], "a hop ACK of an end-to-end ACK: not our DATA's delivery");
    const noRoute = ackInjected(t, (seq) => [hopAckOf3(seq, AckStatus.NO_ROUTE)]);
    t.deepEqual(noRoute.ackedHops, [], "status no route: not a delivery");
    const named = ackInjected(t, (seq) => [hopAckOf3(seq, AckStatus.DELIVERED, FrameType.DATA)]);
    t.deepEqual(named.ackedHops, [1], "while one naming DATA, status delivered, is");
  },
  "overheardAck: an overheard end-to-end ACK with a refusal, naming another next hop, does not end the wait"(t) {
    const o = ackInjected(t, (seq, cluster) => [e2eAckOf3(seq, cluster, 2, AckStatus.REFUSED), e2eAckOf3(seq, cluster, 1, AckStatus.DELIVERED)]);
    t.equal(o.failed, 0, "no send-failed from the refusal addressed to 2");
    t.deepEqual(o.ackedHops, [2], "the message was still pending: the end-to-end ACK to 1 that follows acknowledges it");
    t.equal(o.rxDuplicates, 0, "and is no duplicate");
  },


  "overheardDelivery: the destination takes in a DATA it overhears on its way to a hop it does not hold, once, and answers it"(t) {
    const noAck = staleRoute(t, false, true);
    t.equal(noAck.delivered, 1, "delivered once");
    t.equal(noAck.overheard, 1, "counted");
    t.ok(noAck.hopAcksTo2 >= 1, "a hop ACK (status delivered) to the relay it heard");
    t.equal(noAck.dataTo3, 1, "which ends 2's wait on 3: no repeat");
    const ack = staleRoute(t, true, true);
    t.equal(ack.delivered, 1, "delivered once, with an end-to-end ACK asked for");
    t.ok(ack.e2eAcks >= 1, "its end-to-end ACK goes back");
    const off = staleRoute(t, false, true, { overheardDelivery: false });
    t.equal(off.delivered, 0, "without the rule: not delivered within 3 s");
    t.ok(off.dataTo3 > 1, "and 2 repeats its DATA to 3");
    const still = staleRoute(t, false, true, {}, false);
    t.equal(still.delivered, 0, "nor where neither 2 nor 5 drives: a static mesh is left as it was");
    t.equal(still.overheard, 0, "not counted");
  },
  "overheardDelivery: a DATA overheard on its way to the destination's own usable neighbour is taken in but not answered; the copy through that neighbour is"(t) {
    // 2 – 3 – 4 – 5 still works, and 2's next hop 3 is not 5's neighbour, so 5 answers. With 4 as
    // the named hop instead (1 sends through 2 → 3 → 4; 5 hears 3's hop to 4) 5 keeps quiet.
    const h = new IdealMesh({ seed: 11 });
    for (let i = 1; i <= 5; i++) h.addNode(i, gridPosition(i - 1, 0));
    for (let i = 1; i < 5; i++) h.link(i, i + 1);
    t.ok(h.runUntil(() => h.fullyRouted(), 10 * MINUTE, 1_000) > 0, "the line converges");
    drive(h, [3, DST], MINUTE);
    h.link(3, DST);
    const from = h.txLog.length;
    const at = h.now;
    t.ok(h.node(1).send(at, DST, new Uint8Array([0x5b]), { priority: 3, wantAck: false }).ok, "1 sends");
    h.run(at + 10_000);
    const sent = h.txLog.slice(from).map((r) => ({ tx: r.tx, d: decodeFrame(r.bytes) }));
    t.ok(sent.some((x) => x.tx === 3 && x.d.ok && x.d.frame.type === FrameType.DATA && x.d.frame.next === 4), "3 passes the DATA to 4, its route");
    t.equal(h.eventsOf(DST, "delivered").filter((e) => e.src === 1).length, 1, "5 delivers once");
    t.equal(h.node(DST).stats.overheardDeliveries, 1, "from 3's hop, overheard");
    const acks = sent.filter((x) => x.tx === DST && x.d.ok && x.d.frame.type === FrameType.ACK && x.d.frame.kind === "hop" && x.d.frame.status === AckStatus.DELIVERED).map((x) => (x.d.ok && x.d.frame.type === FrameType.ACK && x.d.frame.kind === "hop" ? x.d.frame.to : 0));
    t.deepEqual(acks, [4], "one hop ACK, to 4, for 4's copy; none to 3");
  },
});
