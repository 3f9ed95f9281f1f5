// SecureStation around real MeshNodes and around stub stations (issue 7): a secured mesh
// converges and delivers plain messages and end-to-end DMs that relays cannot read; a node with
// another network key cannot join; replays, forgeries, reflections and tampered DMs are counted
// and dropped; a DM waiting for a key is sent once it arrives or fails clearly; a frame that
// cannot be sealed is dropped and reported.
import { airtimeMs } from "../../src/core/airtime";
import { FrameType } from "../../src/core/frames";
import { MeshNode } from "../../src/core/mesh-node";
import { PRESETS } from "../../src/core/presets";
import { SeededRng } from "../../src/core/rng";
import { COUNTER_LIMIT, MemoryCounterStore } from "../../src/core/security/frame-counter";
import { openFrame, SEAL_OVERHEAD_BYTES, sealFrame } from "../../src/core/security/frame-seal";
import { encodeKeyFrame } from "../../src/core/security/key-frame";
import { networkKeys } from "../../src/core/security/keys";
import { PeerKeys } from "../../src/core/security/peer-keys";
import { sealDm } from "../../src/core/security/dm-seal";
import { SecureStation, type SecureDelivered, type SecureStationOptions } from "../../src/core/security/secure-station";
import type { BridgePort, BridgeRxMeta, BridgeTxFrame, NodeId, RxMeta, SendOptions, SendRefusal, SendResult, Station, StationEvent, TxFrame } from "../../src/core/station";
import { gridPosition } from "../../src/demo/ideal-mesh";
import { suite, type Assert } from "./harness";
import { toHex } from "./hex";
import { TEST_NETWORK_KEY } from "./security.cases";
import { StationAir } from "./station-air";

const OTHER_KEY = TEST_NETWORK_KEY.map((b, i) => (i === 0 ? b ^ 0x80 : b));
const META: RxMeta = { rssi: -90, snr: 8, at: 0 };

export function secretFor(id: number): Uint8Array {
  return new Uint8Array(32).map((_, i) => (id * 31 + i * 7) & 0xff);
}

/** A secured MeshNode as the firmware builds one: the node reserves the seal's bytes. */
export function secureNode(id: NodeId, x: number, networkKey = TEST_NETWORK_KEY, now = 0, secret = secretFor(id)): SecureStation {
  const inner = new MeshNode({ id, rng: new SeededRng(id), now, modem: PRESETS.SHORT_FAST, config: { frameOverheadBytes: SEAL_OVERHEAD_BYTES }, position: gridPosition(x, 0) });
  return new SecureStation({ inner, networkKey, counterStore: new MemoryCounterStore(), nodeSecretKey: secret, now });
}

/** A line 1-2-...-n of secured nodes, run until every node routes to both ends. */
export function securedLine(t: Assert, n: number): StationAir {
  const air = new StationAir(PRESETS.SHORT_FAST);
  for (let i = 1; i <= n; i++) air.add(secureNode(i, i));
  for (let i = 1; i < n; i++) air.link(i, i + 1);
  const mesh = (id: number): MeshNode => (air.stations.get(id) as SecureStation).inner as MeshNode;
  for (let step = 0; step < 300; step++) {
    air.run(air.now + 1000);
    if (mesh(1).hasRouteTo(n, air.now) && mesh(n).hasRouteTo(1, air.now)) return air;
  }
  return t.fail(`secured ${n}-node line did not converge in 300 s`);
}

/** A Station that records what it is given and transmits what the test queues. */
export class StubStation implements Station {
  readonly received: Uint8Array[] = [];
  readonly outbox: Uint8Array[] = [];
  readonly done: string[] = [];
  events: StationEvent[] = [];
  seq = 0;
  constructor(readonly id: NodeId) {}
  send(_now: number, _dst: NodeId, _payload: Uint8Array, _o?: SendOptions): SendResult {
    return { ok: true, seq: ++this.seq };
  }
  receive(bytes: Uint8Array, _meta: RxMeta): void {
    this.received.push(bytes);
  }
  tick(): void {}
  nextWakeup(): number {
    return this.outbox.length > 0 ? 0 : Infinity;
  }
  pollTransmit(): TxFrame | undefined {
    return this.outbox.length > 0 ? { bytes: this.outbox[0], priority: 3, kind: "data" } : undefined;
  }
  transmitDone(_now: number, outcome: "sent" | "busy"): void {
    this.done.push(outcome);
    if (outcome === "sent") this.outbox.shift();
  }
  drainEvents(): StationEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }
}

/** A stub whose send() refuses with `refuse` while it is set, and records what it accepted. */
class RefusingStub extends StubStation {
  refuse: SendRefusal | undefined;
  refusals = 0;
  readonly sent: Array<{ dst: NodeId; payload: Uint8Array; options: SendOptions; at: number; seq: number }> = [];
  override send(now: number, dst: NodeId, payload: Uint8Array, o: SendOptions = {}): SendResult {
    if (this.refuse !== undefined) {
      this.refusals++;
      return { ok: false, code: this.refuse, reason: `refused (${this.refuse})` };
    }
    this.sent.push({ dst, payload: payload.slice(), options: o, at: now, seq: this.seq + 1 });
    return { ok: true, seq: ++this.seq };
  }
}

const INNER_DATA = new Uint8Array([0x11, 1, 0, 0, 0, 2, 0, 0, 0, 64, 0, 3, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0x68, 0x69]);

function stubPair(): { a: SecureStation; sa: StubStation; b: SecureStation; sb: StubStation } {
  const sa = new StubStation(1);
  const sb = new StubStation(2);
  const a = new SecureStation({ inner: sa, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), now: 0 });
  const b = new SecureStation({ inner: sb, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), now: 0 });
  return { a, sa, b, sb };
}

function transmit(s: SecureStation, now = 0): Uint8Array {
  const f = s.pollTransmit(now);
  if (f === undefined) throw new Error("nothing to transmit");
  s.transmitDone(now, "sent");
  return f.bytes;
}

/**
 * Two nodes A (1) and B (2) joined by a hand-driven path (rule `keyAskAfterMinute` and
 * `keyAnswerAtMinuteEnd`, docs/security.md §8): A sends B a DM at 0 without B's key. Each key
 * message A sends reaches B `requestDelay(i)` ms later (i = 0, 1, ... in order; undefined: lost);
 * each answer B sends reaches A `answerDelay(i)` ms later (undefined: lost); the DM reaches B 1 s
 * after it goes. MEDIUM_FAST: the rule `keyAskInTime` stays out.
 */
function keyExchangeOverPath(
  o: { readonly requestDelay: (i: number) => number | undefined; readonly answerDelay: (i: number) => number | undefined; readonly a?: Partial<SecureStationOptions>; readonly b?: Partial<SecureStationOptions> },
): { requestsAt: number[]; requestsArrived: number[]; answersAt: number[]; ignored: number; dmAt: number | undefined; failed: number; b: SecureStation } {
  const sa = new RefusingStub(1);
  const sb = new RefusingStub(2);
  const base = { networkKey: TEST_NETWORK_KEY, modem: PRESETS.MEDIUM_FAST, now: 0 };
  const a = new SecureStation({ ...base, inner: sa, counterStore: new MemoryCounterStore(), nodeSecretKey: secretFor(1), ...o.a });
  const b = new SecureStation({ ...base, inner: sb, counterStore: new MemoryCounterStore(), nodeSecretKey: secretFor(2), ...o.b });
  for (const s of [a, b]) {
    s.pollTransmit(0); // the boot KEY frames, heard by nobody
    s.transmitDone(0, "sent");
  }
  const inFlight: Array<{ at: number; to: RefusingStub; from: number; seq: number; payload: Uint8Array }> = [];
  const requestsArrived: number[] = [];
  let dmAt: number | undefined;
  let aSeen = 0;
  let bSeen = 0;
  let requests = 0;
  let answers = 0;
  let failed = 0;
  t0: for (let now = 0; now <= 200_000; now += 500) {
    for (const m of inFlight.filter((x) => x.at <= now)) {
      inFlight.splice(inFlight.indexOf(m), 1);
      if (m.to === sb && m.payload[0] === 2) requestsArrived.push(now);
      m.to.events.push({ type: "delivered", at: now, src: m.from, dst: m.to.id, seq: m.seq, payload: m.payload, hops: 2, priority: 2 });
    }
    if (now === 0) t0Check(a.send(0, 2, new Uint8Array([7]), { private: true }).ok);
    a.tick(now);
    b.tick(now);
    for (const e of a.drainEvents()) if (e.type === "send-failed") failed++;
    for (const e of b.drainEvents()) if (e.type === "delivered" && (e as SecureDelivered).private === true && dmAt === undefined) dmAt = now;
    for (; aSeen < sa.sent.length; aSeen++) {
      const m = sa.sent[aSeen];
      const delay = m.payload[0] === 2 ? o.requestDelay(requests++) : 1000;
      if (delay !== undefined) inFlight.push({ at: now + delay, to: sb, from: 1, seq: m.seq, payload: m.payload });
    }
    for (; bSeen < sb.sent.length; bSeen++) {
      const m = sb.sent[bSeen];
      const delay = m.payload[0] === 3 ? o.answerDelay(answers++) : undefined;
      if (delay !== undefined) inFlight.push({ at: now + delay, to: sa, from: 2, seq: m.seq, payload: m.payload });
    }
    if (dmAt !== undefined && inFlight.length === 0) break t0;
  }
  return {
    requestsAt: sa.sent.filter((m) => m.payload[0] === 2).map((m) => m.at),
    requestsArrived,
    answersAt: sb.sent.filter((m) => m.payload[0] === 3).map((m) => m.at),
    ignored: b.stats.keyRequestsIgnored,
    dmAt,
    failed,
    b,
  };
}

function t0Check(ok: boolean): void {
  if (!ok) throw new Error("the DM was not queued");
}

export default suite("secure station", {
  "a secured 4-node line converges; a DM to the far end is delivered and no relay sees its plaintext"(t) {
    const air = securedLine(t, 4);
    const node = (id: number): SecureStation => air.stations.get(id) as SecureStation;
    // Record what the relays' inner nodes are handed after the seal is opened.
    const relayInput: Uint8Array[] = [];
    for (const id of [2, 3]) {
      const inner = node(id).inner;
      const receive = inner.receive.bind(inner);
      inner.receive = (bytes, meta) => {
        relayInput.push(bytes);
        receive(bytes, meta);
      };
    }
    const secret = new Uint8Array(40).map((_, i) => 0x41 + (i % 26)); // "ABCD…": easy to spot
    const start = air.now;
    const r = node(1).send(air.now, 4, secret, { private: true, wantAck: true });
    t.ok(r.ok, "queued while node 4's key is fetched");
    air.run(air.now + 60_000);
    const got = air.eventsOf(4, "delivered") as SecureDelivered[];
    t.equal(got.length, 1, "delivered once");
    t.deepEqual(got[0].payload, secret);
    t.ok(got[0].private, "marked private");
    t.equal(got[0].src, 1);
    const acked = air.eventsOf(1, "acked");
    t.ok(r.ok && acked.some((e) => e.seq === r.seq && e.dst === 4), "the ack carries the seq the app was given");
    const needle = toHex(secret.subarray(0, 6));
    t.ok(relayInput.length > 0, "the relays were handed frames");
    t.ok(relayInput.every((b) => !toHex(b).includes(needle)), "no opened frame at a relay holds the plaintext");
    t.ok(air.air.every((rec) => !toHex(rec.bytes).includes(needle)), "nor does any frame on the air");
    t.equal(air.eventsOf(2, "delivered").length + air.eventsOf(3, "delivered").length, 0, "relays deliver nothing");
    t.atLeast(air.air.filter((rec) => rec.at >= start && (rec.bytes[0] & 15) === FrameType.DATA).length, 6, "key request, answer and DM each crossed 3 hops");
    t.equal(node(4).stats.dmReceived, 1);
    t.ok(node(1).knowsKeyOf(4) && node(4).knowsKeyOf(1), "both ends learned each other's key");
    t.equal(node(1).fingerprintOf(4), node(4).fingerprintOf(4), "fingerprints agree");
  },
  "on a secured mesh plain messages arrive unchanged, neighbours learn keys from KEY frames, every frame is sealed"(t) {
    const air = securedLine(t, 3);
    const node = (id: number): SecureStation => air.stations.get(id) as SecureStation;
    t.ok(node(1).knowsKeyOf(2) && node(2).knowsKeyOf(1) && node(2).knowsKeyOf(3), "KEY frames at boot taught the neighbours");
    t.ok(!node(1).knowsKeyOf(3), "KEY frames go one hop only");
    t.ok(node(1).send(air.now, 3, new Uint8Array([1, 2, 3])).ok);
    air.run(air.now + 30_000);
    const got = air.eventsOf(3, "delivered") as SecureDelivered[];
    t.equal(got.length, 1);
    t.deepEqual(got[0].payload, new Uint8Array([1, 2, 3]));
    t.ok(!got[0].private);
    const keys = networkKeys(TEST_NETWORK_KEY);
    t.ok(air.air.every((rec) => openFrame(keys.frame, rec.bytes).ok), "every frame on the air opens under the network key");
    t.ok(air.air.every((rec) => rec.bytes.length <= 255));
    for (const id of [1, 2, 3]) t.equal(node(id).stats.badTag + node(id).stats.replayed, 0, `node ${id}: nothing rejected on an honest mesh`);
  },
  "KEY frames spend the node's own duty-cycle budget: held back while the plan has no room, recorded when sent"(t) {
    const build = (dutyCycle: number) => {
      const inner = new MeshNode({ id: 7, rng: new SeededRng(7), now: 0, modem: PRESETS.SHORT_FAST, dutyCycle, config: { frameOverheadBytes: SEAL_OVERHEAD_BYTES }, position: gridPosition(1, 0) });
      return { inner, s: new SecureStation({ inner, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: secretFor(7), now: 0 }) };
    };
    const free = build(1);
    const f = free.s.pollTransmit(0);
    t.ok(f !== undefined && (f.bytes[0] & 15) === 7, "with room in the plan the boot KEY frame goes out first");
    const air = airtimeMs(PRESETS.SHORT_FAST, f!.bytes.length);
    free.s.transmitDone(air, "sent");
    t.near(free.inner.stats.txAirtimeMs, air, 1e-9, "its airtime is in the node's own account");
    // 0.001 % of an hour is 36 ms: less than one KEY frame at SHORT_FAST.
    const tight = build(0.00001);
    const g = tight.s.pollTransmit(0);
    t.ok(g === undefined || (g.bytes[0] & 15) !== 7, "no KEY frame beyond the plan");
    t.equal(tight.s.stats.keyFramesDeferred, 1);
    t.equal(tight.s.stats.keyFramesSent, 0);
    tight.s.pollTransmit(1_000);
    t.equal(tight.s.stats.keyFramesDeferred, 1, "not tried again before the plan could allow it");
  },
  "a node with another network key cannot join: its frames fail the tag and it learns nothing"(t) {
    const air = new StationAir(PRESETS.SHORT_FAST);
    air.add(secureNode(1, 1));
    air.add(secureNode(2, 2));
    air.add(secureNode(9, 3, OTHER_KEY));
    air.link(1, 2);
    air.link(2, 9);
    air.run(200_000);
    const node = (id: number): SecureStation => air.stations.get(id) as SecureStation;
    const mesh = (id: number): MeshNode => node(id).inner as MeshNode;
    t.ok(mesh(1).hasRouteTo(2, air.now), "the honest pair converged");
    t.atLeast(node(2).stats.badTag, 3, "node 2 rejected the intruder's frames");
    t.atLeast(node(9).stats.badTag, 3, "and the intruder rejected theirs");
    t.ok(!mesh(2).hasRouteTo(9, air.now) && !mesh(1).hasRouteTo(9, air.now), "no route to the intruder");
    t.equal(mesh(9).neighbours(air.now).length, 0, "the intruder has no neighbours");
    t.ok(!node(2).knowsKeyOf(9) && !node(9).knowsKeyOf(2), "no keys exchanged");
  },
  "a replayed frame, a reflected own frame and a forged one never reach the inner station"(t) {
    const { a, sa, b, sb } = stubPair();
    sa.outbox.push(INNER_DATA);
    const sealed = transmit(a);
    b.receive(sealed, META);
    t.equal(sb.received.length, 1);
    t.deepEqual(sb.received[0], INNER_DATA, "the inner station gets the inner frame");
    b.receive(sealed, META);
    t.equal(sb.received.length, 1, "the replay is dropped");
    t.equal(b.stats.replayed, 1);
    a.receive(sealed, META);
    t.equal(a.stats.ownFrame, 1, "a reflection of one's own frame is dropped");
    const forged = sealed.slice();
    forged[12] ^= 1;
    b.receive(forged, META);
    t.equal(b.stats.badTag, 1);
    b.receive(sealed.subarray(0, 10), META);
    t.equal(b.stats.truncated, 1);
    t.equal(sb.received.length, 1, "nothing else got through");
  },
  "a frame retried after a busy channel keeps its counter; the next frame gets a new one"(t) {
    const { a, sa } = stubPair();
    sa.outbox.push(INNER_DATA);
    const first = a.pollTransmit(0);
    a.transmitDone(0, "busy");
    const again = a.pollTransmit(1);
    t.ok(first !== undefined && again !== undefined);
    if (first && again) t.deepEqual(again.bytes, first.bytes, "same sealed bytes after busy");
    a.transmitDone(1, "sent");
    sa.outbox.push(INNER_DATA);
    const next = a.pollTransmit(2);
    t.ok(next !== undefined && first !== undefined && toHex(next.bytes) !== toHex(first.bytes), "a new transmission, a new counter");
    t.deepEqual(sa.done, ["busy", "sent"], "the inner station heard each outcome");
  },
  "a frame that cannot be sealed (counter exhausted) is dropped and reported, never thrown"(t) {
    const sa = new StubStation(1);
    const a = new SecureStation({ inner: sa, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(COUNTER_LIMIT), now: 0 });
    sa.outbox.push(INNER_DATA);
    t.equal(a.pollTransmit(0), undefined);
    t.deepEqual(sa.done, ["sent"], "to the inner node the frame is lost on the air");
    t.equal(a.stats.sealFailed, 1);
    const logs = a.drainEvents().filter((e) => e.type === "log");
    t.ok(logs.length === 1 && logs[0].type === "log" && /rotate the network key/.test(logs[0].text), "a warning says what to do");
  },
  "TOFU: a second key announced for a pinned id is refused and reported"(t) {
    const sb = new StubStation(2);
    const b = new SecureStation({ inner: sb, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: secretFor(2), now: 0 });
    const sender = (secret: Uint8Array, counter: number): Uint8Array => {
      const s = new StubStation(7);
      const st = new SecureStation({ inner: s, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(counter), now: 0 });
      s.outbox.push(encodeKeyFrame({ owner: 7, request: false, publicKey: new PeerKeys(7, secret).publicKey }));
      return transmit(st);
    };
    b.receive(sender(secretFor(7), 0), META);
    t.ok(b.knowsKeyOf(7));
    const pinned = b.fingerprintOf(7);
    b.receive(sender(secretFor(8), 1000), META);
    t.equal(b.stats.keyConflicts, 1);
    t.equal(b.fingerprintOf(7), pinned, "the first key stays");
    t.ok(b.drainEvents().some((e) => e.type === "log" && /pinned/.test(e.text)));
    t.equal(sb.received.length, 0, "KEY frames are the wrapper's own, never the inner node's");
  },
  "a DM altered, redirected or replayed on the way is rejected by its destination"(t) {
    const sb = new StubStation(2);
    const b = new SecureStation({ inner: sb, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: secretFor(2), now: 0 });
    const alice = new PeerKeys(1, secretFor(1));
    alice.learn(2, b.publicKey as Uint8Array);
    // b learns alice's key from a routed KEY_ANSWER (kind 3 ‖ public key).
    const answer = new Uint8Array(33);
    answer[0] = 3;
    answer.set(alice.publicKey, 1);
    const deliver = (payload: Uint8Array, dst = 2): void => {
      sb.events.push({ type: "delivered", at: 0, src: 1, dst, seq: 1, payload, hops: 2, priority: 3 });
    };
    deliver(answer);
    b.drainEvents();
    t.ok(b.knowsKeyOf(1));
    const dm = sealDm(alice.dmKey(2) as Uint8Array, 1, 2, 77, new Uint8Array([9, 9, 9]));
    const flipped = dm.slice();
    flipped[6] ^= 0x10;
    deliver(flipped);
    deliver(sealDm(alice.dmKey(2) as Uint8Array, 1, 3, 78, new Uint8Array([9, 9, 9])), 2); // sealed for dst 3
    deliver(dm);
    deliver(dm);
    const got = b.drainEvents().filter((e) => e.type === "delivered");
    t.equal(got.length, 1, "only the intact DM, once");
    t.deepEqual(got[0].type === "delivered" ? got[0].payload : undefined, new Uint8Array([9, 9, 9]));
    t.equal(b.stats.dmRejected, 3);
  },
  "a KEY_ANSWER refused for want of a route back is retried: the first DM between fresh nodes arrives in seconds, not at the 30 s request retry"(t) {
    // Two nodes whose boot KEY frames went out before they could hear each other, so the keys
    // travel as routed KEY_REQUEST / KEY_ANSWER. Watch for the moment one node (the sender) routes
    // to the other while the other has no usable neighbour yet: the KEY_REQUEST reaches it, but
    // its inner MeshNode refuses the KEY_ANSWER ("no neighbour heard yet").
    const air = new StationAir(PRESETS.SHORT_FAST);
    air.add(secureNode(1, 1));
    air.add(secureNode(2, 2));
    air.run(2000);
    air.link(1, 2);
    const node = (id: number): SecureStation => air.stations.get(id) as SecureStation;
    const mesh = (id: number): MeshNode => node(id).inner as MeshNode;
    const usable = (id: number): number => mesh(id).neighbours(air.now).filter((n) => n.usable).length;
    let pair: [NodeId, NodeId] | undefined;
    for (let step = 0; step < 1200 && pair === undefined; step++) {
      air.run(air.now + 50);
      for (const [a, b] of [[1, 2], [2, 1]]) if (pair === undefined && mesh(a).hasRouteTo(b, air.now) && usable(b) === 0) pair = [a, b];
    }
    if (pair === undefined) return t.fail("no moment where one node routes to the other before the other can answer");
    const [from, to] = pair;
    t.ok(!node(from).knowsKeyOf(to) && !node(to).knowsKeyOf(from), "no keys yet: they must come by routed key messages");
    const start = air.now;
    const r = node(from).send(air.now, to, new Uint8Array([7, 7, 7]), { private: true });
    t.ok(r.ok, "queued while the key is fetched");
    air.run(start + 60_000);
    const got = air.eventsOf(to, "delivered") as SecureDelivered[];
    t.equal(got.length, 1, "delivered once");
    t.ok(got[0].private);
    t.deepEqual(got[0].payload, new Uint8Array([7, 7, 7]));
    t.atMost(got[0].at - start, 15_000, "delivered well before the requester's 30 s retry");
    t.equal(node(to).stats.keyAnswersRetried, 1, "the refused answer went out on a retry");
    t.equal(node(to).stats.keyAnswersDropped, 0);
    t.equal(node(from).stats.dmFailed, 0);
    t.equal(air.eventsOf(from, "send-failed").length, 0);
  },
  "a key request or DM the inner station refuses for now is retried every refusedRetryMs; one refused for good fails with its seq"(t) {
    const s1 = new RefusingStub(1);
    const a = new SecureStation({ inner: s1, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: secretFor(1), now: 0, refusedRetryMs: 1000 });
    a.pollTransmit(0); // the boot KEY frame
    a.transmitDone(0, "sent");
    s1.refuse = "no-route";
    const r = a.send(0, 2, new Uint8Array([5, 6]), { private: true });
    t.ok(r.ok, "queued: the refused key request is the layer's business, not the app's");
    t.equal(s1.refusals, 1);
    t.equal(a.nextWakeup(), 1000, "the request is retried after refusedRetryMs, not keyRetryMs");
    a.tick(1000);
    t.equal(s1.refusals, 2);
    s1.refuse = undefined;
    a.tick(a.nextWakeup());
    t.equal(s1.sent.length, 1);
    t.equal(s1.sent[0].payload[0], 2, "a KEY_REQUEST went out");
    t.equal(a.stats.keyRequestsRetried, 1);
    t.atLeast(a.nextWakeup(), 30_000, "then the usual 30 s between requests");
    // The answer comes while the inner station refuses again (its queue full): the DM stays pending.
    s1.refuse = "queue-full";
    const answer = new Uint8Array(33);
    answer[0] = 3;
    answer.set(new PeerKeys(2, secretFor(2)).publicKey, 1);
    s1.events.push({ type: "delivered", at: 3000, src: 2, dst: 1, seq: 1, payload: answer, hops: 1, priority: 2 });
    t.equal(a.drainEvents().length, 0, "no send-failed: the DM is kept");
    t.ok(a.knowsKeyOf(2));
    t.equal(a.nextWakeup(), 4000);
    const r2 = a.send(3500, 2, new Uint8Array([8]), { private: true });
    t.ok(r2.ok, "a later DM queues behind the first");
    t.equal(s1.sent.length, 1, "nothing jumped the queue");
    s1.refuse = undefined;
    a.tick(4000);
    t.equal(s1.sent.length, 3, "both DMs went out");
    t.deepEqual([s1.sent[1].payload[0], s1.sent[2].payload[0]], [1, 1], "as DMs");
    t.equal(a.stats.dmRetried, 1);
    t.equal(a.stats.dmSent, 2);
    t.equal(a.drainEvents().length, 0);
    // A DM the inner station keeps refusing fails at its deadline, with the seq the app was given.
    s1.refuse = "duty-cycle";
    const r3 = a.send(5000, 2, new Uint8Array([9]), { private: true });
    t.ok(!r3.ok && r3.code === "duty-cycle", "with the key known and nothing queued, a refusal is the app's at once");
    const b = new SecureStation({ inner: new RefusingStub(3), networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: secretFor(3), now: 0, keyWaitMs: 10_000 });
    const sb = b.inner as RefusingStub;
    b.pollTransmit(0);
    b.transmitDone(0, "sent");
    sb.refuse = "no-route";
    const r4 = b.send(0, 2, new Uint8Array([1]), { private: true });
    // Five peers ask for b's key while nothing can go out: at most four answers are held.
    for (const id of [4, 5, 6, 7, 8]) {
      const request = new Uint8Array(33);
      request[0] = 2;
      request.set(new PeerKeys(id, secretFor(id)).publicKey, 1);
      sb.events.push({ type: "delivered", at: 0, src: id, dst: 3, seq: 1, payload: request, hops: 1, priority: 2 });
    }
    b.drainEvents();
    t.equal(b.stats.keyAnswersDropped, 1, "the oldest held answer made room for the newest");
    let now = 0;
    for (let guard = 0; guard < 100 && now < 20_000; guard++) {
      b.tick(now);
      now = Math.max(now + 1, b.nextWakeup());
    }
    const events = b.drainEvents();
    const failed = events.filter((e) => e.type === "send-failed");
    t.equal(failed.length, 1);
    t.ok(r4.ok && failed[0].type === "send-failed" && failed[0].seq === r4.seq && failed[0].code === "no-key", "the app hears of it, with its seq");
    t.atLeast(sb.refusals, 5 + 4 * 4, "requests and answers were retried meanwhile");
    t.equal(b.stats.keyAnswersDropped, 5, "the held answers are given up at their deadline");
    t.equal(events.filter((e) => e.type === "log" && /key answer to 0000000[4-8] not sent/.test(e.text)).length, 4, "each reported");
    t.equal(b.nextWakeup(), Infinity, "nothing left to retry");
  },
  "keyAskInTime: at SF12 a key request is not asked again when its answer could not come back before the DM gives up"(t) {
    const run = (modem: (typeof PRESETS)[keyof typeof PRESETS], floodContentionCw?: number) => {
      const s1 = new RefusingStub(1);
      // The schedule before keyAskAfterMinute (0, 30, 90 s), which this rule was measured against.
      const a = new SecureStation({ inner: s1, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: secretFor(1), now: 0, modem, floodContentionCw, keyAskAfterMinute: false });
      a.pollTransmit(0);
      a.transmitDone(0, "sent");
      t.ok(a.send(0, 2, new Uint8Array([5]), { private: true }).ok);
      for (let now = a.nextWakeup(); now <= 130_000; now = a.nextWakeup()) a.tick(now);
      const failed = a.drainEvents().filter((e) => e.type === "send-failed" && e.code === "no-key");
      return { at: s1.sent.map((x) => x.at), tooLate: a.stats.keyRequestsTooLate, failed: failed.length };
    };
    // LONG_SLOW: a flooded answer (2 hops each way, 2^8 slots and a key message each) takes 111 s,
    // so a retry at 30 s or 90 s could not release the DM before its 120-s key wait ends.
    const slow = run(PRESETS.LONG_SLOW);
    t.deepEqual(slow.at, [0], "one request within the key wait at SF12");
    t.atLeast(slow.tooLate, 1, "the retries not asked are counted");
    t.equal(slow.failed, 1, "the DM still fails with no-key at its deadline");
    // MEDIUM_FAST: the answer's round trip (14 s) is within the retry interval; the rule stays out.
    const fast = run(PRESETS.MEDIUM_FAST);
    t.deepEqual(fast.at, [0, 30_000, 90_000], "the backoff alone spaces the requests");
    t.equal(fast.tooLate, 0);
    t.equal(fast.failed, 1);
    // The round trip is reckoned with the inner node's own contention window: at 2^4 slots a
    // flooded answer comes back within the retry interval even at SF12, so the rule stays out.
    const shortWindow = run(PRESETS.LONG_SLOW, 4);
    t.deepEqual(shortWindow.at, [0, 30_000, 90_000], "the node's floodContentionCw, not the default, sets the answer's round trip");
    t.equal(shortWindow.tooLate, 0);
  },
  "keyAnswerAtMinuteEnd: a request from a peer that once held our key is still answered at the minute's end (the request shows it lost the key)"(t) {
    const key9 = new PeerKeys(9, secretFor(9)).publicKey;
    const lateAnswers = (heldBefore: boolean): number[] => {
      const sb = new RefusingStub(2);
      const b = new SecureStation({ inner: sb, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: secretFor(2), now: 0, modem: PRESETS.MEDIUM_FAST, keyAnswerAtMinuteEnd: true });
      b.pollTransmit(0);
      b.transmitDone(0, "sent");
      let seq = 1;
      const deliver = (at: number, kind: number): void => {
        const p = new Uint8Array(33);
        p[0] = kind;
        p.set(key9, 1);
        sb.events.push({ type: "delivered", at, src: 9, dst: 2, seq: seq++, payload: p, hops: 2, priority: 2 });
        b.drainEvents();
      };
      if (heldBefore) deliver(1000, 3); // an hour ago node 9 answered: it held our key then
      deliver(3_600_000, 2); // it asks (lost our key): answered at once
      deliver(3_645_000, 2); // its retry, 45 s into our minute: owed at the minute's end
      for (let now = 3_645_000; now <= 3_700_000; now += 1000) b.tick(now);
      return sb.sent.filter((m) => m.dst === 9 && m.payload[0] === 3).map((m) => m.at);
    };
    t.deepEqual(lateAnswers(false), [3_600_000, 3_660_000]);
    t.deepEqual(lateAnswers(true), [3_600_000, 3_660_000], "an old answer from the asker does not call the owed one off");
  },
  "keyAskAfterMinute with a short retry interval: no two requests at once, the third a retry interval after the second"(t) {
    // Every request lost: the schedule alone. keyRetryMs 10 s: 0, 60, 70 s (the clamp), then doubling.
    const r = keyExchangeOverPath({ requestDelay: () => undefined, answerDelay: () => undefined, a: { keyRetryMs: 10_000 } });
    t.deepEqual(r.requestsAt.slice(0, 3), [0, 60_000, 70_000]);
    t.equal(new Set(r.requestsAt).size, r.requestsAt.length, "no two requests at the same moment");
  },
  "keyAskAfterMinute (the failure it mends): with the second request at 60 s alone, a first request held up 20 s makes the retry land inside the answerer's minute; the DM fails"(t) {
    // The first request reaches B 20 s late (a queue on the way), B's answer is lost; later
    // requests take 2 s. The retry at 60 s reaches B 42 s after its answer: ignored (§13.4).
    const path = { requestDelay: (i: number) => (i === 0 ? 20_000 : 2000), answerDelay: (i: number) => (i === 0 ? undefined : 2000) };
    const lone = keyExchangeOverPath({ ...path, a: { keyRetryMs: 60_000, keyAskAfterMinute: false }, b: { keyAnswerAtMinuteEnd: false } });
    t.deepEqual(lone.requestsAt, [0, 60_000], "second request at 60 s, the next (180 s) after the DM's 120-s wait");
    t.deepEqual(lone.requestsArrived, [20_000, 62_000]);
    t.deepEqual(lone.answersAt, [20_000], "the retry at 60 s was not answered");
    t.equal(lone.ignored, 1, "ignored by the answerer's one answer a minute per asker");
    t.equal(lone.failed, 1, "the DM failed (no-key) at 120 s");
    // The schedule of before (0, 30, 90 s): its retry at 30 s is ignored the same way, the one at 90 s is answered.
    const old = keyExchangeOverPath({ ...path, a: { keyAskAfterMinute: false }, b: { keyAnswerAtMinuteEnd: false } });
    t.deepEqual(old.requestsAt, [0, 30_000, 90_000]);
    t.deepEqual(old.answersAt, [20_000, 92_000]);
    t.equal(old.failed, 0);
    t.ok(old.dmAt !== undefined && old.dmAt < 120_000, "delivered");
    // keyAskAfterMinute alone: the third request keeps its time (90 s) and is answered.
    const asker = keyExchangeOverPath({ ...path, b: { keyAnswerAtMinuteEnd: false } });
    t.deepEqual(asker.requestsAt, [0, 60_000, 90_000], "three requests in the key wait, the second after the answerer's minute");
    t.deepEqual(asker.answersAt, [20_000, 92_000]);
    t.equal(asker.failed, 0);
    // Both rules (keyAnswerAtMinuteEnd is off by default): the retry inside B's minute is answered when the minute ends (80 s), 18 s later.
    const both = keyExchangeOverPath({ ...path, b: { keyAnswerAtMinuteEnd: true } });
    t.deepEqual(both.answersAt, [20_000, 80_000]);
    t.deepEqual(both.requestsAt, [0, 60_000], "the key came before a third request was due");
    t.equal(both.ignored, 0);
    t.equal(both.b.stats.keyAnswersLate, 1);
    t.ok(both.failed === 0 && both.dmAt !== undefined && both.dmAt < 90_000, "delivered");
  },
  "keyAskAfterMinute: an unanswered key request is asked again at 60 s (the answerer's minute), then at 90 s and 210 s"(t) {
    const run = (keyAskAfterMinute?: boolean): number[] => {
      const s1 = new RefusingStub(1);
      const a = new SecureStation({ inner: s1, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: secretFor(1), now: 0, modem: PRESETS.MEDIUM_FAST, keyWaitMs: 600_000, keyAskAfterMinute });
      a.pollTransmit(0);
      a.transmitDone(0, "sent");
      t.ok(a.send(0, 2, new Uint8Array([5]), { private: true }).ok);
      for (let now = a.nextWakeup(); now <= 300_000; now = a.nextWakeup()) a.tick(now);
      return s1.sent.map((x) => x.at);
    };
    t.deepEqual(run(), [0, 60_000, 90_000, 210_000], "by default");
    t.deepEqual(run(false), [0, 30_000, 90_000, 210_000], "the schedule of before");
    // LONG_FAST (keyAskInTime, a 32-s round trip): 0 and 60 s; 90 s is too late for the 120-s wait.
    const s1 = new RefusingStub(1);
    const a = new SecureStation({ inner: s1, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: secretFor(1), now: 0, modem: PRESETS.LONG_FAST });
    a.pollTransmit(0);
    a.transmitDone(0, "sent");
    t.ok(a.send(0, 2, new Uint8Array([5]), { private: true }).ok);
    for (let now = a.nextWakeup(); now <= 130_000; now = a.nextWakeup()) a.tick(now);
    t.deepEqual(s1.sent.map((x) => x.at), [0, 60_000]);
    t.atLeast(a.stats.keyRequestsTooLate, 1);
  },
  "keyAnswerAtMinuteEnd: a request inside the asker's minute is answered when it ends; once per asker a minute, whatever a forger sends"(t) {
    // The first request reaches B 20 s late, its answer and the third request are lost: only the
    // retry at 60 s (at B at 62 s, 42 s into its minute) can bring the key.
    const path = { requestDelay: (i: number) => (i === 0 ? 20_000 : i === 1 ? 2000 : undefined), answerDelay: (i: number) => (i === 0 ? undefined : 2000) };
    const on = keyExchangeOverPath({ ...path, b: { keyAnswerAtMinuteEnd: true } });
    t.deepEqual(on.answersAt, [20_000, 80_000], "answered when B's minute ended");
    t.ok(on.failed === 0 && on.dmAt !== undefined, "the DM arrived");
    const off = keyExchangeOverPath({ ...path, b: { keyAnswerAtMinuteEnd: false } });
    t.deepEqual(off.answersAt, [20_000]);
    t.equal(off.ignored, 1, "without the rule the retry is ignored");
    t.equal(off.failed, 1, "and the DM fails");
    // A request 30 s into the minute (the minute ends more than 20 s later) is ignored as before.
    const early = keyExchangeOverPath({ requestDelay: (i: number) => (i === 0 ? 20_000 : i === 1 ? 2000 : undefined), answerDelay: (i: number) => (i === 0 ? undefined : 2000), a: { keyAskAfterMinute: false }, b: { keyAnswerAtMinuteEnd: true } });
    t.deepEqual(early.answersAt, [20_000]);
    // Forged: a key holder asks under one id every 5 s for 10 minutes. At most one answer a
    // minute, as without the rule; the answers owed are one per asker.
    const forged = (rule: boolean): number => {
      const sb = new RefusingStub(2);
      const b = new SecureStation({ inner: sb, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: secretFor(2), now: 0, modem: PRESETS.MEDIUM_FAST, keyAnswerAtMinuteEnd: rule });
      b.pollTransmit(0);
      b.transmitDone(0, "sent");
      const request = new Uint8Array(33);
      request[0] = 2;
      request.set(new PeerKeys(9, secretFor(9)).publicKey, 1);
      for (let now = 0; now < 600_000; now += 1000) {
        if (now % 5000 === 0) sb.events.push({ type: "delivered", at: now, src: 9, dst: 2, seq: now / 5000, payload: request, hops: 2, priority: 2 });
        b.drainEvents();
        b.tick(now);
      }
      const at = sb.sent.filter((m) => m.payload[0] === 3).map((m) => m.at);
      for (let i = 1; i < at.length; i++) t.atLeast(at[i] - at[i - 1], 60_000, "a minute between answers to one asker");
      return at.length;
    };
    t.equal(forged(true), forged(false), "no more answers than without the rule");
    t.atMost(forged(true), 10);
  },
  "keyAnswerAtMinuteEnd: the answer owed is called off when the asker shows it holds our key (its DM opened)"(t) {
    // B's first answer arrives (10 s) but A's retry had gone already (a slow path): A's DM reaches B before B's minute ends.
    const sa = new RefusingStub(1);
    const sb = new RefusingStub(2);
    const a = new SecureStation({ inner: sa, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: secretFor(1), now: 0, modem: PRESETS.MEDIUM_FAST });
    const b = new SecureStation({ inner: sb, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: secretFor(2), now: 0, modem: PRESETS.MEDIUM_FAST, keyAnswerAtMinuteEnd: true });
    for (const s of [a, b]) {
      s.pollTransmit(0);
      s.transmitDone(0, "sent");
    }
    const request = sa.sent.length;
    t.ok(a.send(0, 2, new Uint8Array([4]), { private: true }).ok);
    const req = sa.sent[request].payload;
    sb.events.push({ type: "delivered", at: 1000, src: 1, dst: 2, seq: 1, payload: req, hops: 2, priority: 2 });
    b.drainEvents();
    t.equal(sb.sent.filter((m) => m.payload[0] === 3).length, 1, "answered");
    // A retry (the same request) arrives 45 s into B's minute: owed at 61 s.
    sb.events.push({ type: "delivered", at: 46_000, src: 1, dst: 2, seq: 2, payload: req, hops: 2, priority: 2 });
    b.drainEvents();
    t.equal(b.stats.keyAnswersLate, 1);
    t.equal(b.nextWakeup(), 61_000);
    // B's answer reaches A, whose DM reaches B at 50 s.
    sa.events.push({ type: "delivered", at: 47_000, src: 2, dst: 1, seq: 1, payload: sb.sent[sb.sent.length - 1].payload, hops: 2, priority: 2 });
    a.drainEvents();
    const dm = sa.sent[sa.sent.length - 1];
    t.equal(dm.payload[0], 1, "A's DM went as its key came");
    sb.events.push({ type: "delivered", at: 50_000, src: 1, dst: 2, seq: 3, payload: dm.payload, hops: 2, priority: 2 });
    t.equal(b.drainEvents().filter((e) => e.type === "delivered").length, 1);
    b.tick(61_000);
    t.equal(sb.sent.filter((m) => m.payload[0] === 3).length, 1, "no second answer");
    t.equal(b.stats.keyAnswersLateSpared, 1);
    t.equal(b.nextWakeup(), Infinity);
  },
  "one key request in flight per peer; a lost request is asked again at once, unanswered ones back off; a DM goes out as its key comes"(t) {
    const s1 = new RefusingStub(1);
    const a = new SecureStation({ inner: s1, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: secretFor(1), now: 0, keyWaitMs: 600_000, keyAskAfterMinute: false, keyAnswerAtMinuteEnd: false });
    a.pollTransmit(0);
    a.transmitDone(0, "sent");
    t.ok(a.send(0, 2, new Uint8Array([5]), { private: true }).ok);
    t.ok(a.send(0, 2, new Uint8Array([6]), { private: true }).ok);
    t.equal(s1.sent.length, 1, "one request for both DMs");
    t.equal(s1.sent[0].payload[0], 2);
    t.ok(s1.sent[0].options.wantAck !== true, "no end-to-end ACK: the asker's backoff re-asks instead (measured cheaper)");
    t.equal(a.stats.keyRequestsSent, 1);
    // Unanswered, and not reported lost: asked again after 30 s, then 60 s, then 120 s.
    const run = (until: number): void => {
      for (let now = a.nextWakeup(); now <= until; now = a.nextWakeup()) a.tick(now);
    };
    run(250_000);
    t.deepEqual(s1.sent.map((x) => x.at), [0, 30_000, 90_000, 210_000], "the interval doubles while no key comes");
    // The inner station gives up on the last request (no end-to-end ACK): it is asked again at once.
    s1.events.push({ type: "send-failed", at: 215_000, dst: 2, seq: s1.sent[3].seq, code: "no-route", reason: "lost" });
    t.equal(a.drainEvents().filter((e) => e.type === "send-failed").length, 0, "the loss of a key message is not the app's");
    t.equal(a.stats.keyRequestsLost, 1);
    a.tick(215_000);
    t.equal(s1.sent.length, 5, "a request no longer in flight is re-sent without waiting out its interval");
    t.equal(s1.sent[4].at, 215_000);
    // The answer comes: both DMs go out at once, in order, and their wait is counted.
    const answer = new Uint8Array(33);
    answer[0] = 3;
    answer.set(new PeerKeys(2, secretFor(2)).publicKey, 1);
    s1.events.push({ type: "delivered", at: 216_000, src: 2, dst: 1, seq: 1, payload: answer, hops: 2, priority: 2 });
    a.drainEvents();
    t.equal(s1.sent.length, 7);
    t.deepEqual([s1.sent[5].payload[0], s1.sent[6].payload[0]], [1, 1], "the held DMs went out as the key came");
    t.equal(a.stats.dmReleased, 2);
    t.equal(a.stats.dmKeyWaitMs, 2 * 216_000);
    t.equal(a.nextWakeup(), Infinity, "nothing left to ask");
    // Asked by a peer: the answer's loss is counted, not re-sent.
    const request = new Uint8Array(33);
    request[0] = 2;
    request.set(new PeerKeys(3, secretFor(3)).publicKey, 1);
    s1.events.push({ type: "delivered", at: 220_000, src: 3, dst: 1, seq: 1, payload: request, hops: 2, priority: 2 });
    a.drainEvents();
    const ans = s1.sent[7];
    t.ok(ans.payload[0] === 3 && a.stats.keyAnswersSent === 1);
    t.equal(ans.options.wayBack, true, "rule keyWayBack: the answer asks to go back the way the request came");
    t.ok(s1.sent.slice(0, 7).every((x) => x.options.wayBack !== true), "requests and DMs keep today's path");
    s1.events.push({ type: "send-failed", at: 225_000, dst: 3, seq: ans.seq, code: "no-route", reason: "lost" });
    a.drainEvents();
    a.tick(225_000);
    t.equal(a.stats.keyAnswersLost, 1);
    t.equal(s1.sent.length, 8, "a lost answer is not re-sent: the asker asks again");
    // Asked again within the minute: still one answer per asker per minute (§13.4).
    s1.events.push({ type: "delivered", at: 230_000, src: 3, dst: 1, seq: 2, payload: request, hops: 2, priority: 2 });
    a.drainEvents();
    t.equal(s1.sent.length, 8);
    s1.events.push({ type: "delivered", at: 281_000, src: 3, dst: 1, seq: 3, payload: request, hops: 2, priority: 2 });
    a.drainEvents();
    t.equal(s1.sent.length, 9, "answered again once the minute is over");
    t.equal(a.stats.keyRequestsOverBudget, 0);
  },
  "a DM to a node that never answers fails with a clear send-failed after the key wait, with its seq"(t) {
    const air = securedLine(t, 2);
    const node1 = air.stations.get(1) as SecureStation;
    const r = node1.send(air.now, 0x0badc0de, new Uint8Array([1]), { private: true });
    t.ok(r.ok, "queued");
    air.run(air.now + 125_000);
    const failed = air.eventsOf(1, "send-failed");
    t.equal(failed.length, 1);
    t.ok(r.ok && failed[0].seq === r.seq && failed[0].code === "no-key" && /private message not sent/.test(failed[0].reason));
    t.ok(!node1.send(air.now, 0xffffffff, new Uint8Array([1]), { private: true }).ok, "no private broadcast");
  },
  "bridge: a counter below every track of a gateway already tracked is an old publication, refused; the air keeps tentative tracks"(t) {
    /** A gateway stub: records the frames its bridge port was handed. */
    class GatewayStub extends StubStation {
      readonly bridged: Uint8Array[] = [];
      readonly bridge: BridgePort = {
        bridgeStatus: () => {},
        bridgePeer: () => {},
        bridgeReceive: (bytes: Uint8Array, _meta: BridgeRxMeta) => void this.bridged.push(bytes),
        pollBridge: (): BridgeTxFrame | undefined => undefined,
        bridgeClusters: () => [],
      };
    }
    const g = new GatewayStub(2);
    const st = new SecureStation({ inner: g, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), now: 0 });
    const bridge = st.bridge;
    t.ok(bridge !== undefined);
    if (bridge === undefined) return;
    const frame = networkKeys(TEST_NETWORK_KEY).frame;
    // Publications of gateway 1 (INNER_DATA's tx) at the given counters.
    const publish = (counter: number): void => {
      const r = sealFrame(frame, INNER_DATA, counter);
      if (r.ok) bridge.bridgeReceive(r.bytes, { at: 0, gateway: 1 });
    };
    publish(1000); // first contact: a track from 1000
    publish(1001);
    t.equal(g.bridged.length, 2);
    publish(500); // recorded before this gateway first heard gateway 1, replayed now
    t.equal(g.bridged.length, 2, "the old publication is not let through");
    t.equal(bridge.stats.tooOld, 1);
    publish(990); // late but in reach of the track (63 below its top): taken once
    t.equal(g.bridged.length, 3);
    publish(990);
    t.equal(bridge.stats.replayed, 1);
    publish(5_000_000); // a reboot jumps up: a new track
    t.equal(g.bridged.length, 4);
    publish(900); // below both tracks' bottoms (990 and 5 000 000)
    t.equal(bridge.stats.tooOld, 2);
    t.equal(g.bridged.length, 4);
    // The air path is unchanged (§6.1): the same low counter heard on the radio opens a tentative track.
    const air = sealFrame(frame, INNER_DATA, 400);
    if (air.ok) st.receive(air.bytes, { rssi: -90, snr: 5, at: 1 });
    t.equal(g.received.length, 1, "taken on the air");
    t.equal(bridge.stats.opened, 4);
  },
});
