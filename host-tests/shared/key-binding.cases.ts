// First contact without the round trip (docs/security.md §7.3 and §8 "First contact"): node ids
// bound to X25519 keys, so any node holding a key may hand it on and the receiver checks it with
// one hash; a relay answers a key request from its cache; a forged cache answer is refused; a
// first DM carries its sender's key so the receiver opens it without asking back; a broadcast
// carries its sender's key so a later DM to it needs no request at all; so does a location answer.
import { MeshNode } from "../../src/core/mesh-node";
import { PRESETS, slotTimeMs } from "../../src/core/presets";
import { SeededRng } from "../../src/core/rng";
import { keyedDm, keyMessage, keyOffer, PayloadKind, readKeyOffer, sealDm } from "../../src/core/security/dm-seal";
import { MemoryCounterStore } from "../../src/core/security/frame-counter";
import { SEAL_OVERHEAD_BYTES, openFrame, sealFrame } from "../../src/core/security/frame-seal";
import { encodeKeyFrame } from "../../src/core/security/key-frame";
import { DEFAULT_KEY_CACHE_SIZE, KeyCache } from "../../src/core/security/key-cache";
import { isBoundKey, keyedIdentity, keyIdOf } from "../../src/core/security/key-id";
import { networkKeys } from "../../src/core/security/keys";
import { PeerKeys } from "../../src/core/security/peer-keys";
import { x25519 } from "../../src/core/security/primitives";
import { SecureStation, type SecureDelivered } from "../../src/core/security/secure-station";
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { FloodScope, FrameType, LOCATE_A_BYTES, shortId } from "../../src/core/frames";
import { CACHE_OFFER_MAX_WAIT_MS } from "../../src/core/security/first-contact";
import { DEFAULT_CONFIG } from "../../src/core/config";
import type { NodeId, SendOptions, SendResult } from "../../src/core/station";
import { gridPosition } from "../../src/demo/ideal-mesh";
import { type Assert, suite } from "./harness";
import { toHex } from "./hex";
import { TEST_NETWORK_KEY } from "./security.cases";
import { StubStation } from "./secure-station.cases";
import { StationAir } from "./station-air";

/** Identities whose ids are their key ids, from a fixed seed (as the simulator draws them). */
export function identities(n: number, seed = 5): Array<{ id: number; secretKey: Uint8Array; publicKey: Uint8Array }> {
  const rng = new SeededRng(seed);
  const taken = new Set<number>();
  return Array.from({ length: n }, () => {
    const k = keyedIdentity(() => rng.nextUint32(), (x) => taken.has(x));
    taken.add(k.id);
    return k;
  });
}

/** The payload kinds of the routed DATA messages originated on the air (first byte of each envelope). */
export function originatedKinds(air: StationAir): number[] {
  const kinds: number[] = [];
  for (const rec of air.air) {
    const o = openFrame(networkKeys(TEST_NETWORK_KEY).frame, rec.bytes);
    if (!o.ok || (o.inner[0] & 15) !== FrameType.DATA) continue;
    const f = decodeFrame(o.inner);
    if (f.ok && f.frame.type === FrameType.DATA && f.frame.tx === f.frame.src) kinds.push(f.frame.payload[0]);
  }
  return kinds;
}

/** A stub that records every payload it is asked to send. */
class RecordingStub extends StubStation {
  readonly sent: Array<{ dst: NodeId; payload: Uint8Array }> = [];
  override send(_now: number, dst: NodeId, payload: Uint8Array, _o?: SendOptions): SendResult {
    this.sent.push({ dst, payload: payload.slice() });
    return { ok: true, seq: ++this.seq };
  }
}

function stubbed(id: number, secretKey: Uint8Array, idBinding: "required" | "optional" = "required"): { st: SecureStation; stub: RecordingStub } {
  const stub = new RecordingStub(id);
  const st = new SecureStation({ inner: stub, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: secretKey, now: 0, idBinding });
  return { st, stub };
}

function deliver(stub: StubStation, src: number, dst: number, payload: Uint8Array, at = 1000): void {
  stub.events.push({ type: "delivered", at, src, dst, seq: 1, payload, hops: 3, priority: 2 });
}

/** A converged line of `n` secure MeshNodes with key-derived ids (each holds its neighbours' keys from their boot KEY frames). */
function keyLine(t: Assert, n: number): { air: StationAir; st: SecureStation[]; ids: ReturnType<typeof identities> } {
  const ids = identities(n, 11);
  const air = new StationAir(PRESETS.SHORT_FAST);
  const st = ids.map((k, i) => {
    const inner = new MeshNode({ id: k.id, rng: new SeededRng(i + 1), now: 0, modem: PRESETS.SHORT_FAST, config: { frameOverheadBytes: SEAL_OVERHEAD_BYTES }, position: gridPosition(i + 1, 0) });
    return new SecureStation({ inner, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: k.secretKey, now: 0, idBinding: "required" });
  });
  for (const s of st) air.add(s);
  for (let i = 0; i < n - 1; i++) air.link(ids[i].id, ids[i + 1].id);
  const first = st[0].inner as MeshNode;
  const last = st[n - 1].inner as MeshNode;
  for (let step = 0; step < 300 && !(first.hasRouteTo(last.id, air.now) && last.hasRouteTo(first.id, air.now)); step++) air.run(air.now + 1000);
  t.ok(first.hasRouteTo(last.id, air.now), "the line converged");
  return { air, st, ids };
}

export default suite("key binding and first contact", {
  "a key id is the first 4 bytes (LE) of SHA-256(\"system5 key id\" ‖ key): known answer"(t) {
    const secret = new Uint8Array(32).map((_, i) => i + 1);
    const pk = x25519.getPublicKey(secret);
    t.equal(toHex(pk), "07a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7c");
    // Cross-checked with Python's hashlib: sha256(b"system5 key id" + pk)[:4], little-endian.
    t.equal(keyIdOf(pk), 0xff156b8b);
    t.ok(isBoundKey(0xff156b8b, pk));
    t.ok(!isBoundKey(0xff156b8a, pk), "one id off is not bound");
    t.ok(!isBoundKey(0xff156b8b, pk.subarray(1)), "a short key is not bound");
    // Seeded identities reproduce exactly (the simulator's ids).
    t.deepEqual(identities(4).map((k) => k.id.toString(16)), ["5df76a2f", "aff9327c", "e8998e80", "2524ce99"]);
    const cache = new KeyCache(2);
    const [a, b, c] = identities(3);
    t.ok(cache.offer(a.id, a.publicKey) && cache.offer(b.id, b.publicKey) && cache.offer(c.id, c.publicKey));
    t.ok(!cache.offer(a.id, b.publicKey), "a key under another id is refused");
    t.equal(cache.unbound, 1);
    t.equal(cache.get(a.id), undefined, "least recently used out");
    t.equal(toHex(cache.get(c.id) ?? new Uint8Array()), toHex(c.publicKey));
  },
  "the key cache keeps the first bound key seen for an id and counts a second one as a conflict"(t) {
    const [a, b] = identities(2);
    // Two keys bound to one 32-bit id take a 2^32 grind; a lax binding check stands in for one.
    const cache = new KeyCache(4, () => true);
    t.ok(cache.offer(a.id, a.publicKey));
    t.ok(cache.offer(a.id, a.publicKey), "the same key again is held");
    t.equal(cache.conflicts, 0);
    t.ok(!cache.offer(a.id, b.publicKey), "another key for the same id is refused");
    t.equal(cache.conflicts, 1);
    t.equal(toHex(cache.get(a.id) ?? new Uint8Array()), toHex(a.publicKey), "the first key stays");
  },
  "a key cache size that is not a number takes the default, so the cache still evicts"(t) {
    // Stand-in keys under a lax binding check: 129 X25519 keys would cost seconds on XS.
    const key = (i: number): Uint8Array => new Uint8Array(32).fill(i & 255);
    const cache = new KeyCache(Number.NaN, () => true);
    for (let i = 1; i <= DEFAULT_KEY_CACHE_SIZE + 1; i++) t.ok(cache.offer(i, key(i)));
    t.equal(cache.size, DEFAULT_KEY_CACHE_SIZE, "held at the default size");
    t.equal(cache.get(1), undefined, "the least recently used went");
    t.equal(toHex(cache.get(2) ?? new Uint8Array()), toHex(key(2)));
    const tiny = new KeyCache(1.7, () => true);
    t.ok(tiny.offer(1, key(1)) && tiny.offer(2, key(2)));
    t.equal(tiny.size, 1, "a fractional size is floored");
  },
  "a relay that holds the target's key answers the request on a line; the target learns the asker's key and does not answer"(t) {
    // Line A - B - C with key-derived ids. B heard C's KEY frame at boot; A did not.
    const { air, st, ids } = keyLine(t, 3);
    const [a, b, c] = st;
    t.ok(!a.knowsKeyOf(c.id) && b.knowsKeyOf(c.id), "B holds C's key, A does not");
    const r = a.send(air.now, c.id, new Uint8Array([1, 2, 3]), { private: true });
    t.ok(r.ok);
    t.equal(a.stats.keyRequestsSent, 1);
    air.run(air.now + 60_000);
    t.equal(b.stats.cacheAnswers, 1, "B answered from its cache");
    t.equal(c.stats.keyAnswersSent, 0, "C got a notice, not a request: no second answer");
    t.ok(c.knowsKeyOf(a.id), "C learned A's key from the notice");
    const got = air.eventsOf(ids[2].id, "delivered") as SecureDelivered[];
    t.equal(got.length, 1);
    t.ok(got[0].private && toHex(got[0].payload) === "010203", "the DM arrived, sealed end to end");
    t.equal(a.stats.dmReleased, 1);
    // What crossed the air: one request, one offer, no KEY_ANSWER.
    const kinds = originatedKinds(air);
    t.ok(kinds.includes(PayloadKind.KEY_REQUEST) && kinds.includes(PayloadKind.KEY_OFFER), `request and offer sent (${kinds.join(",")})`);
    t.ok(!kinds.includes(PayloadKind.KEY_ANSWER), "no KEY_ANSWER");
  },
  "rule neighbourCacheAnswer: a relay that is not the asker's neighbour passes a routed request on unchanged and the owner answers"(t) {
    // Line A - B - C - D. C heard D's KEY frame at boot, but A is not C's neighbour: an offer from
    // C would be an ordinary routed message that floods when its route back fails.
    const { air, st, ids } = keyLine(t, 4);
    const [a, b, c, d] = st;
    t.ok(!a.knowsKeyOf(d.id) && !b.knowsKeyOf(d.id) && c.knowsKeyOf(d.id), "only C holds D's key");
    t.ok(a.send(air.now, d.id, new Uint8Array([4, 5, 6]), { private: true }).ok);
    air.run(air.now + 60_000);
    t.equal(c.stats.cacheAnswers, 0, "C did not answer from its cache");
    t.equal(d.stats.keyAnswersSent, 1, "D got the request itself and answered");
    t.ok(d.knowsKeyOf(a.id) && a.knowsKeyOf(d.id));
    const got = air.eventsOf(ids[3].id, "delivered") as SecureDelivered[];
    t.equal(got.length, 1);
    t.ok(got[0].private && toHex(got[0].payload) === "040506", "the DM arrived");
    const kinds = originatedKinds(air);
    t.ok(!kinds.includes(PayloadKind.KEY_OFFER), `no KEY_OFFER (${kinds.join(",")})`);
  },
  "a forged cache answer is refused: a key not bound to the id it is offered for"(t) {
    const [ka, kd, kx] = identities(3, 21);
    const { st: a, stub } = stubbed(ka.id, ka.secretKey);
    t.ok(a.send(0, kd.id, new Uint8Array([9]), { private: true }).ok);
    t.equal(stub.sent.length, 1, "a key request went out");
    // An insider offers its own key for D, as a cache answer and as D's own answer.
    deliver(stub, kx.id, ka.id, keyOffer(kd.id, kx.publicKey));
    deliver(stub, kd.id, ka.id, keyMessage(PayloadKind.KEY_ANSWER, kx.publicKey));
    a.drainEvents();
    t.equal(a.stats.unboundKeys, 2, "both refused");
    t.ok(!a.knowsKeyOf(kd.id), "no key pinned for D");
    t.equal(stub.sent.length, 1, "the DM still waits");
    // The genuine key, from any node: taken, and the DM goes (with A's key in front).
    deliver(stub, kx.id, ka.id, keyOffer(kd.id, kd.publicKey), 2000);
    a.drainEvents();
    t.ok(a.knowsKeyOf(kd.id));
    t.equal(a.stats.keyOffersTaken, 1);
    t.equal(stub.sent.length, 2);
    t.equal(stub.sent[1].payload[0], PayloadKind.KEYED_DM, "the first DM carries the sender's key");
    // Optional binding (ids set by hand): an unbound key is still never taken from a third party.
    const { st: o, stub: os } = stubbed(0x1234, ka.secretKey, "optional");
    o.send(0, kd.id, new Uint8Array([9]), { private: true });
    deliver(os, kx.id, 0x1234, keyOffer(kd.id, kx.publicKey));
    o.drainEvents();
    t.ok(!o.knowsKeyOf(kd.id));
    // A KEY frame sealed under D's id with the insider's key is refused where binding is required.
    const { st: n } = stubbed(ka.id, ka.secretKey);
    const forged = sealFrame(networkKeys(TEST_NETWORK_KEY).frame, encodeKeyFrame({ owner: kd.id, request: false, publicKey: kx.publicKey }), 1);
    t.ok(forged.ok);
    if (forged.ok) n.receive(forged.bytes, { rssi: -90, snr: 8, at: 0 });
    t.equal(n.stats.unboundKeys, 1);
    t.ok(!n.knowsKeyOf(kd.id));
  },
  "rule quietCacheOffer: a neighbour of the asker holding the target's key offers it one hop, once the request's flood has passed, unless another offer comes first"(t) {
    const [ka, kb, kd, kc, ke, kf] = identities(6, 41);
    const frameKey = networkKeys(TEST_NETWORK_KEY).frame;
    // B's inner station: A and E are its usable neighbours, records every send with its options.
    class OfferStub extends StubStation {
      readonly sent: Array<{ dst: NodeId; payload: Uint8Array; options: SendOptions }> = [];
      override send(_now: number, dst: NodeId, payload: Uint8Array, o: SendOptions = {}): SendResult {
        this.sent.push({ dst, payload: payload.slice(), options: o });
        return { ok: true, seq: ++this.seq };
      }
      usableNeighbour(id: NodeId): boolean {
        return id === ka.id || id === ke.id;
      }
    }
    const stub = new OfferStub(kb.id);
    const b = new SecureStation({ inner: stub, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: kb.secretKey, now: 0, idBinding: "required" });
    let counter = 0;
    const hear = (inner: Uint8Array, at: number): void => {
      const sealed = sealFrame(frameKey, inner, ++counter);
      t.ok(sealed.ok);
      if (sealed.ok) b.receive(sealed.bytes, { rssi: -90, snr: 8, at });
    };
    // B heard D's KEY frame: D's bound key is in its cache.
    hear(encodeKeyFrame({ owner: kd.id, request: false, publicKey: kd.publicKey }), 0);
    const flood = (asker: NodeId, tx: NodeId, seq: number, forwarders?: number[]): Uint8Array =>
      encodeFrame({
        type: FrameType.FLOOD, tx, ttl: 5, hops: tx === asker ? 0 : 1, priority: 2, wantAck: false, scopeKind: FloodScope.NETWORK,
        src: asker, dst: kd.id, seq, srcCluster: 0, dstCluster: 0, forwarders, payload: keyMessage(PayloadKind.KEY_REQUEST, [ka, ke, kf].find((k) => k.id === asker)?.publicKey ?? ka.publicKey),
      });
    const kindHandedOn = (): number => {
      const f = decodeFrame(stub.received[stub.received.length - 1]);
      return f.ok && f.frame.type === FrameType.FLOOD ? f.frame.payload[0] : -1;
    };
    const offers = (): number => stub.sent.filter((x) => x.payload[0] === PayloadKind.KEY_OFFER).length;
    const quietMs = 2 ** DEFAULT_CONFIG.floodContentionCw * slotTimeMs(PRESETS.LONG_FAST);
    // A copy relayed by C (not the asker's own): not answered, passed on unchanged.
    hear(flood(ka.id, kc.id, 1), 1000);
    b.tick(1000 + CACHE_OFFER_MAX_WAIT_MS);
    t.equal(offers(), 0, "a copy from a relay is not answered");
    t.equal(kindHandedOn(), PayloadKind.KEY_REQUEST);
    // A's own flood naming B: B will answer, so it hands the flood on as a notice, but sends nothing yet.
    const t0 = 30_000;
    hear(flood(ka.id, ka.id, 2, [shortId(kb.id), shortId(kc.id)]), t0);
    t.equal(kindHandedOn(), PayloadKind.KEY_NOTICE, "the target learns A's key but does not answer a second time");
    b.tick(t0 + 1_000);
    t.equal(offers(), 0, "no offer while the flood is being relayed");
    // A copy relayed 3 s later restarts the quiet: nothing before the longest relay contention after it.
    hear(flood(ka.id, kc.id, 2), t0 + 3_000);
    t.equal(kindHandedOn(), PayloadKind.KEY_NOTICE, "copies of the request B answers go on as notices");
    b.tick(t0 + 3_000 + quietMs - 1);
    t.equal(offers(), 0, "quiet restarted by the copy");
    t.ok(b.nextWakeup() <= t0 + CACHE_OFFER_MAX_WAIT_MS, "B wakes for its offer");
    // The offer goes once the quiet (and B's rank) has passed after the last copy, not at the 20-s deadline.
    let at = t0 + 3_000 + quietMs;
    for (; at < t0 + CACHE_OFFER_MAX_WAIT_MS && offers() === 0; at += 100) b.tick(at);
    t.equal(offers(), 1, "offered once the flood has passed");
    t.ok(at < t0 + CACHE_OFFER_MAX_WAIT_MS, `before the deadline (${at - t0 - 3_000} ms after the last copy)`);
    const sent = stub.sent[stub.sent.length - 1];
    t.equal(sent.dst, ka.id, "to the asker");
    t.equal(sent.options.oneHop, true, "one hop, never a flood");
    const offer = readKeyOffer(sent.payload);
    t.equal(offer?.owner, kd.id);
    t.equal(toHex(offer?.publicKey ?? new Uint8Array()), toHex(kd.publicKey), "D's bound key");
    b.tick(t0 + 2 * CACHE_OFFER_MAX_WAIT_MS);
    t.equal(offers(), 1, "once");
    // E's flood naming others: B does not relay it, so hands it on unchanged, but still offers…
    const t1 = 200_000;
    hear(flood(ke.id, ke.id, 3, [shortId(kc.id)]), t1);
    t.equal(kindHandedOn(), PayloadKind.KEY_REQUEST, "not a forwarder: passed on as it came");
    // …unless it hears C's offer of D's key to E first.
    hear(encodeFrame({ type: FrameType.DATA, tx: kc.id, next: ke.id, ttl: 1, hops: 0, priority: 2, src: kc.id, dst: ke.id, seq: 9, dstCluster: 0, wantAck: false, bounced: false, attempt: 0, payload: keyOffer(kd.id, kd.publicKey) }), t1 + 2_000);
    b.tick(t1 + CACHE_OFFER_MAX_WAIT_MS);
    t.equal(offers(), 1, "called off");
    t.equal(b.stats.cacheOffersSuppressed, 1);
    // F, reached only through C: its own flood is not answered.
    hear(flood(kf.id, kf.id, 4), t1 + 100_000);
    b.tick(t1 + 100_000 + CACHE_OFFER_MAX_WAIT_MS);
    t.equal(offers(), 1, "an asker that is not a neighbour is not answered");
  },
  "the receiver opens a first DM without asking back: the DM carries its sender's key"(t) {
    const [ka, kd] = identities(2, 31);
    const { st: d, stub } = stubbed(kd.id, kd.secretKey);
    t.ok(!d.knowsKeyOf(ka.id));
    const pa = new PeerKeys(ka.id, ka.secretKey);
    pa.learn(kd.id, kd.publicKey);
    const envelope = keyedDm(ka.publicKey, sealDm(pa.dmKey(kd.id) as Uint8Array, ka.id, kd.id, 7, new Uint8Array([0x68, 0x69])));
    deliver(stub, ka.id, kd.id, envelope);
    const got = d.drainEvents().filter((e) => e.type === "delivered") as SecureDelivered[];
    t.equal(got.length, 1);
    t.ok(got[0].private && toHex(got[0].payload) === "6869", "opened at once");
    t.equal(stub.sent.length, 0, "no key request back");
    t.equal(d.stats.keyedDmReceived, 1);
    // The answer DM goes without D's key in front (A showed it holds it) and without a request.
    t.ok(d.send(2000, ka.id, new Uint8Array([1]), { private: true }).ok);
    t.equal(stub.sent.length, 1);
    t.equal(stub.sent[0].payload[0], PayloadKind.DM);
    // A keyed DM whose key is not the sender's (an insider's key under A's id) is refused: not bound.
    const [, , kx] = identities(3, 32);
    const { st: e, stub: es } = stubbed(kd.id, kd.secretKey);
    const px = new PeerKeys(ka.id, kx.secretKey);
    px.learn(kd.id, kd.publicKey);
    deliver(es, ka.id, kd.id, keyedDm(kx.publicKey, sealDm(px.dmKey(kd.id) as Uint8Array, ka.id, kd.id, 9, new Uint8Array([1]))));
    t.equal(e.drainEvents().filter((x) => x.type === "delivered").length, 0, "not delivered");
    t.equal(e.stats.unboundKeys, 1);
    t.ok(!e.knowsKeyOf(ka.id));
  },
  "rule lookupCarriesKey: a node whose lookups run broadcasts without its key; where they do not, the key rides as before"(t) {
    const [ka] = identities(1, 43);
    const { st: a, stub: as } = stubbed(ka.id, ka.secretKey);
    // The inner node knows clusters beyond the widest ring a lookup asks: nodes find it by a lookup,
    // whose answer carries its key, so the broadcast goes bare.
    let far = true;
    (as as unknown as { lookupsRun(now: number): boolean }).lookupsRun = () => far;
    t.ok(a.send(0, 0xffffffff, new Uint8Array([1, 2]), {}).ok);
    t.equal(as.sent[0].payload[0], PayloadKind.PLAIN, "no key while lookups run");
    t.equal(a.stats.keyedBroadcasts, 0);
    t.equal(a.stats.broadcastKeysSpared, 1);
    // Every cluster it knows now lies within the widest ring: no lookup finds it, the key rides.
    far = false;
    t.ok(a.send(1000, 0xffffffff, new Uint8Array([3]), {}).ok);
    t.equal(as.sent[1].payload[0], PayloadKind.KEYED_PLAIN, "the key rides once lookups would not run");
    t.equal(a.stats.keyedBroadcasts, 1);
    // The rule off: the key rides whatever the inner node says.
    const [kb] = identities(1, 44);
    const stub = new RecordingStub(kb.id);
    (stub as unknown as { lookupsRun(now: number): boolean }).lookupsRun = () => true;
    const b = new SecureStation({ inner: stub, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: kb.secretKey, now: 0, idBinding: "required", lookupCarriesKey: false });
    t.ok(b.send(0, 0xffffffff, new Uint8Array([1]), {}).ok);
    t.equal(stub.sent[0].payload[0], PayloadKind.KEYED_PLAIN);
    // A lone MeshNode knows no cluster beyond its own: its lookups would not run.
    const lone = new MeshNode({ id: 0x0a0b0c0d, rng: new SeededRng(3), now: 0, modem: PRESETS.SHORT_FAST, position: gridPosition(1, 0) });
    t.equal(lone.lookupsRun(), false);
  },
  "a broadcast carries its sender's key once an hour; a DM to it then needs no request"(t) {
    const [ka, kb] = identities(2, 41);
    const { st: a, stub: as } = stubbed(ka.id, ka.secretKey);
    t.ok(a.send(0, 0xffffffff, new Uint8Array([1, 2]), {}).ok);
    t.ok(a.send(1000, 0xffffffff, new Uint8Array([3]), {}).ok);
    t.ok(a.send(3_600_000, 0xffffffff, new Uint8Array([4]), {}).ok);
    t.deepEqual(as.sent.map((s) => s.payload[0]), [PayloadKind.KEYED_PLAIN, PayloadKind.PLAIN, PayloadKind.KEYED_PLAIN]);
    t.equal(a.stats.keyedBroadcasts, 2);
    const { st: b, stub: bs } = stubbed(kb.id, kb.secretKey);
    deliver(bs, ka.id, 0xffffffff, as.sent[0].payload);
    const got = b.drainEvents().filter((e) => e.type === "delivered") as SecureDelivered[];
    t.ok(got.length === 1 && toHex(got[0].payload) === "0102" && !got[0].private, "the app gets the payload alone");
    t.ok(b.send(2000, ka.id, new Uint8Array([5]), { private: true }).ok);
    t.equal(bs.sent.length, 1, "the DM went at once");
    t.equal(bs.sent[0].payload[0], PayloadKind.KEYED_DM);
    t.equal(b.stats.keysFromCache, 1);
    t.equal(b.stats.keyRequestsSent, 0);
    // A node whose id is not its key id does not put its key on broadcasts (nobody could check it).
    const { st: u, stub: us } = stubbed(0x1234, ka.secretKey, "optional");
    u.send(0, 0xffffffff, new Uint8Array([1]), {});
    t.equal(us.sent[0].payload[0], PayloadKind.PLAIN);
  },
  "a location answer carries the target's key: the asker's DM then needs no key request"(t) {
    const [kd, ka, kx] = identities(3, 51);
    const answer = (target: number) =>
      encodeFrame({ type: FrameType.LOCATE_A, tx: kd.id, next: ka.id, ttl: 8, hops: 0, priority: 2, src: kd.id, dst: ka.id, seq: 7, dstCluster: 0, target, targetCluster: 0, ageMin: 0 });
    // The target transmits its answer: its own key goes on after the core's 35 bytes.
    const d = new StubStation(kd.id);
    const sd = new SecureStation({ inner: d, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: kd.secretKey, now: 0, idBinding: "required" });
    sd.pollTransmit(0);
    sd.transmitDone(0, "sent"); // the boot KEY frame
    d.outbox.push(answer(kd.id));
    const tx = sd.pollTransmit(1);
    t.ok(tx !== undefined);
    const opened = openFrame(networkKeys(TEST_NETWORK_KEY).frame, tx?.bytes ?? new Uint8Array());
    t.ok(opened.ok && opened.inner.length === LOCATE_A_BYTES + 32 && toHex(opened.inner.subarray(LOCATE_A_BYTES)) === toHex(kd.publicKey), "35 + 32 bytes, the key last");
    t.equal(sd.stats.keyedLocateSent, 1);
    // The asker: its core gets the 35 bytes it knows; the key is cached, so the DM goes at once.
    const { st: a, stub } = stubbed(ka.id, ka.secretKey);
    a.receive(tx?.bytes ?? new Uint8Array(), { rssi: -90, snr: 8, at: 2 });
    t.equal(stub.received.length, 1);
    t.equal(stub.received[0].length, LOCATE_A_BYTES);
    t.ok(decodeFrame(stub.received[0]).ok, "the core decodes it");
    t.ok(a.send(3, kd.id, new Uint8Array([1]), { private: true }).ok);
    t.equal(a.stats.keyRequestsSent, 0, "no key request");
    t.equal(stub.sent[0].payload[0], PayloadKind.KEYED_DM);
    // An insider's key on an answer for D is not kept (not bound to D).
    const forged = sealFrame(networkKeys(TEST_NETWORK_KEY).frame, (() => {
      const f = answer(kd.id);
      const out = new Uint8Array(f.length + 32);
      out.set(f);
      out.set(kx.publicKey, f.length);
      return out;
    })(), 5);
    t.ok(forged.ok);
    const { st: b, stub: bs } = stubbed(ka.id, ka.secretKey);
    if (forged.ok) b.receive(forged.bytes, { rssi: -90, snr: 8, at: 2 });
    t.ok(b.send(3, kd.id, new Uint8Array([1]), { private: true }).ok);
    t.equal(b.stats.keyRequestsSent, 1, "the DM waits for a key request");
    t.equal(bs.sent[0].payload[0], PayloadKind.KEY_REQUEST);
  },
  "a location answer's key bytes go into the duty-cycle ledger, and the key stays off when the plan has no room"(t) {
    const [kd, ka] = identities(2, 51);
    const answer = encodeFrame({ type: FrameType.LOCATE_A, tx: kd.id, next: ka.id, ttl: 8, hops: 0, priority: 2, src: kd.id, dst: ka.id, seq: 7, dstCluster: 0, target: kd.id, targetCluster: 0, ageMin: 0 });
    /** A stub with a duty-cycle plan: records what the security layer books beside the inner frames. */
    class LedgerStub extends StubStation {
      readonly booked: Array<[number, number]> = [];
      startAt = 0;
      foreignFrameStart(now: number): number {
        return Math.max(now, this.startAt);
      }
      foreignFrameSent(end: number, onAirBytes: number): void {
        this.booked.push([end, onAirBytes]);
      }
    }
    const d = new LedgerStub(kd.id);
    const sd = new SecureStation({ inner: d, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: kd.secretKey, now: 0, idBinding: "required" });
    sd.pollTransmit(0);
    sd.transmitDone(0, "sent"); // the boot KEY frame, booked as its own frame
    t.equal(d.booked.length, 1);
    d.outbox.push(answer);
    const tx = sd.pollTransmit(1);
    t.equal(tx?.bytes.length, LOCATE_A_BYTES + 32 + SEAL_OVERHEAD_BYTES, "keyed");
    sd.transmitDone(1, "busy");
    t.equal(d.booked.length, 1, "nothing booked while the channel is busy");
    t.equal(sd.pollTransmit(2)?.bytes.length, LOCATE_A_BYTES + 32 + SEAL_OVERHEAD_BYTES, "the same frame again");
    sd.transmitDone(3, "sent");
    t.deepEqual(d.booked[1], [3, 32], "the 32 key bytes the inner node did not book");
    t.equal(d.booked.length, 2);
    // No room in the plan: the answer goes at its core length, nothing extra booked.
    d.startAt = 1_000_000;
    d.outbox.push(answer);
    t.equal(sd.pollTransmit(4)?.bytes.length, LOCATE_A_BYTES + SEAL_OVERHEAD_BYTES, "no key");
    sd.transmitDone(5, "sent");
    t.equal(d.booked.length, 2);
    t.equal(sd.stats.keyedLocateSent, 1);
    t.equal(sd.stats.keyedLocateDeferred, 1);
  },
});
