// Attacks by someone who holds the network key (issue 14): on the default network that is anyone
// with a radio, since the default key is public. Each case replays one attack against secured
// MeshNodes and checks that it fails. docs/security.md §1 and §13 describe each defence and what
// it cannot stop. Pure ES2022 so the same cases run on XS.
import { encodeFrame } from "../../src/core/codec";
import { FrameType } from "../../src/core/frames";
import { MeshNode } from "../../src/core/mesh-node";
import { airtimeMs } from "../../src/core/airtime";
import { PRESETS } from "../../src/core/presets";
import { sealDm } from "../../src/core/security/dm-seal";
import { MemoryCounterStore } from "../../src/core/security/frame-counter";
import { SEAL_OVERHEAD_BYTES, sealFrame } from "../../src/core/security/frame-seal";
import { encodeKeyFrame, KEY_FRAME_BYTES } from "../../src/core/security/key-frame";
import { networkKeys } from "../../src/core/security/keys";
import { MemoryPeerStore, PeerKeys } from "../../src/core/security/peer-keys";
import { SecureStation, type SecureDelivered } from "../../src/core/security/secure-station";
import type { NodeId, StationEvent } from "../../src/core/station";
import { suite, type Assert } from "./harness";
import { secretFor, securedLine, secureNode, StubStation } from "./secure-station.cases";
import { TEST_NETWORK_KEY } from "./security.cases";
import type { StationAir } from "./station-air";

const FRAME_KEY = networkKeys(TEST_NETWORK_KEY).frame;
/** The attacker's own transmitter id (it needs none: it seals under whatever id it likes). */
const MALLORY = 0x0badcafe;

function station(air: StationAir, id: NodeId): SecureStation {
  return air.stations.get(id) as SecureStation;
}

function mesh(air: StationAir, id: NodeId): MeshNode {
  return station(air, id).inner as MeshNode;
}

/** Seals an inner frame with the network key, as any key holder can. */
function forge(t: Assert, inner: Uint8Array, counter: number): Uint8Array {
  const r = sealFrame(FRAME_KEY, inner, counter);
  if (!r.ok) return t.fail(`could not seal: ${r.reason}`);
  return r.bytes;
}

function delivered(air: StationAir, at: NodeId, from: NodeId, since: number): SecureDelivered[] {
  return (air.eventsOf(at, "delivered") as SecureDelivered[]).filter((e) => e.src === from && e.at >= since);
}

/** Runs `fn` and fails the case (rather than the run) if it throws. */
function noThrow(t: Assert, what: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    t.fail(`${what} threw: ${e instanceof Error ? e.message : String(e)}`);
  }
}


/** A victim node (id 3) on a stub inner station, whose pins persist in `store`. */
function victim(store: MemoryPeerStore, now: number): { v: SecureStation; inner: StubStation } {
  const inner = new StubStation(3);
  const v = new SecureStation({ inner, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: secretFor(3), peerStore: store, now });
  return { v, inner };
}

/** An attacker's frame counter: every forged frame gets a fresh one, as a careful forger would. */
let forgedCounter = 0x4000_0000;

function keyFrame(t: Assert, owner: NodeId, publicKey: Uint8Array, request: boolean): Uint8Array {
  return forge(t, encodeKeyFrame({ owner, request, publicKey }), forgedCounter++);
}

/** A DM envelope from `src` to 3 sealed under `pair`'s pairwise key with 3, handed to the victim as its inner node would. */
function dmEvent(pair: PeerKeys, victimKey: Uint8Array, counter: number, text: number[], at: number): StationEvent {
  pair.learn(3, victimKey);
  const key = pair.dmKey(3);
  if (key === undefined) throw new Error("no pairwise key");
  return { type: "delivered", at, src: pair.self, dst: 3, seq: counter & 0xffff, payload: sealDm(key, pair.self, 3, counter, Uint8Array.from(text)), hops: 2, priority: 3 };
}

function privateFrom(events: StationEvent[], src: NodeId): SecureDelivered[] {
  return events.filter((e): e is SecureDelivered => e.type === "delivered" && e.src === src && (e as SecureDelivered).private);
}

export default suite("insider attacks (network key holders)", {
  "replay-window poisoning: one forged frame under node 1's id with counter 0xFFFFFFF0 does not silence node 1"(t) {
    const air = securedLine(t, 2);
    const start = air.now;
    for (let i = 0; i < 2; i++) {
      t.ok(station(air, 1).send(air.now, 2, Uint8Array.of(i)).ok);
      air.run(air.now + 10_000);
    }
    t.equal(delivered(air, 2, 1, start).length, 2, "delivered before the attack");
    // The forged frame: a broadcast "from" node 1, sealed under node 1's id and a huge counter.
    const inner = encodeFrame({ type: FrameType.BCAST, tx: 1, ttl: 1, hops: 0, priority: 3, scope: 0, src: 1, seq: 999, originCluster: 0, payload: Uint8Array.of(0x66) });
    air.inject(MALLORY, forge(t, inner, 0xfffffff0), 2);
    t.equal(station(air, 2).stats.counterJumps, 1, "the jump is held on a track of its own");
    const after = air.now;
    const tooOld = station(air, 2).stats.tooOld;
    for (let i = 0; i < 5; i++) {
      t.ok(station(air, 1).send(air.now, 2, Uint8Array.of(10 + i)).ok);
      air.run(air.now + 10_000);
    }
    t.equal(delivered(air, 2, 1, after).length, 5, "every message after the attack is delivered");
    t.equal(station(air, 2).stats.tooOld, tooOld, "none of node 1's frames is refused as too old");
    air.run(air.now + 300_000);
    t.ok(mesh(air, 2).hasRouteTo(1, air.now), "node 2 still routes to node 1 five minutes later");
  },
  "a locate query naming the receiver as the asker is counted and dropped, not answered (it used to throw)"(t) {
    const air = securedLine(t, 2);
    const inner = encodeFrame({ type: FrameType.LOCATE_Q, tx: MALLORY, ttl: 3, hops: 0, scope: 0, asker: 2, qid: 4242, askerCluster: 0, target: 7 });
    const before = mesh(air, 2).stats.rxImplausible;
    noThrow(t, "the crafted locate query", () => {
      air.inject(MALLORY, forge(t, inner, 0), 2);
      air.run(air.now + 60_000);
    });
    t.equal(mesh(air, 2).stats.rxImplausible, before + 1, "counted");
    t.equal(mesh(air, 2).stats.locateAnswersSent, 0, "not answered");
  },
  "a DATA frame with hops = 255 is counted and dropped; one at 254 whose routes all fail is bounced without overflowing the hop count (it used to throw in tick)"(t) {
    const air = securedLine(t, 3);
    const data = (hops: number, seq: number): Uint8Array =>
      encodeFrame({ type: FrameType.DATA, tx: 1, next: 2, ttl: 9, hops, priority: 3, src: 1, dst: 3, seq, dstCluster: 0, wantAck: false, bounced: false, attempt: 0, payload: Uint8Array.of(1, 2, 3) });
    air.stations.delete(3); // node 3 falls silent: every route node 2 has for the frame fails
    const before = mesh(air, 2).stats;
    const implausible = before.rxImplausible;
    const bounces = before.bounces;
    noThrow(t, "the crafted DATA frames", () => {
      air.inject(MALLORY, forge(t, data(255, 1), 0x100000), 2);
      air.inject(MALLORY, forge(t, data(254, 2), 0x100001), 2);
      air.run(air.now + 120_000);
    });
    t.equal(mesh(air, 2).stats.rxImplausible, implausible + 1, "the 255-hop frame is counted as implausible");
    t.atLeast(mesh(air, 2).stats.bounces, bounces + 1, "the 254-hop frame was bounced back (at hop count 255)");
  },
  "duplicate ids: two nodes sealing under the same id each detect the other and warn (nonces would collide)"(t) {
    // Two boards that drew the same id, in range of each other.
    const a = secureNode(5, 1);
    const b = secureNode(5, 2, TEST_NETWORK_KEY, 0, secretFor(55));
    const pass = (from: SecureStation, to: SecureStation, now: number): void => {
      for (let i = 0; i < 20; i++) {
        const f = from.pollTransmit(now);
        if (f === undefined) break;
        from.transmitDone(now, "sent");
        to.receive(f.bytes, { rssi: -90, snr: 8, at: now });
      }
    };
    for (let now = 0; now <= 120_000; now += 1000) {
      a.tick(now);
      b.tick(now);
      pass(a, b, now);
      pass(b, a, now);
    }
    for (const [name, s] of [["a", a], ["b", b]] as const) {
      t.atLeast(s.stats.duplicateId, 1, `${name} heard frames under its id that it did not seal`);
      const warned = s.drainEvents().some((e) => e.type === "log" && e.level === "warn" && /under this node's id 00000005/.test(e.text));
      t.ok(warned, `${name} warned`);
    }
    // A node's own frame echoed back (a repeater, a replay) is not taken for a duplicate.
    const c = secureNode(6, 3);
    c.tick(0);
    const own = c.pollTransmit(0);
    if (own === undefined) return t.fail("node 6 sent nothing");
    c.transmitDone(0, "sent");
    c.receive(own.bytes, { rssi: -90, snr: 8, at: 1 });
    t.equal(c.stats.duplicateId, 0);
    t.equal(c.stats.ownFrame, 1);
  },
  "TOFU bypass: a peer talked to stays pinned through a flood of keys under fresh ids and through a reboot; a forged DM under its id is refused"(t) {
    const store = new MemoryPeerStore();
    let { v, inner } = victim(store, 0);
    const real = new PeerKeys(1, secretFor(1));
    const mallory = new PeerKeys(1, secretFor(0x66)); // claims id 1 with its own key
    v.receive(keyFrame(t, 1, real.publicKey, false), { rssi: -90, snr: 8, at: 1000 });
    const vKey = v.publicKey as Uint8Array;
    inner.events.push(dmEvent(real, vKey, 500, [0x68, 0x69], 2000));
    t.equal(privateFrom(v.drainEvents(), 1).length, 1, "node 1's DM is delivered and node 1 is now a peer talked to");
    t.equal(store.peers.size, 1, "its key is pinned in the store");
    // The flood: 100 KEY frames under fresh ids, one every 3 s.
    for (let i = 0; i < 100; i++) v.receive(keyFrame(t, 0x1000 + i, new PeerKeys(0x1000 + i, secretFor(0x1000 + i)).publicKey, false), { rssi: -90, snr: 8, at: 3000 + i * 3000 });
    let now = 400_000;
    const attack = (station: SecureStation, stub: StubStation, counter: number): StationEvent[] => {
      station.receive(keyFrame(t, 1, mallory.publicKey, false), { rssi: -90, snr: 8, at: now });
      stub.events.push(dmEvent(mallory, vKey, counter, [0x65, 0x76, 0x69, 0x6c], now + 1000));
      now += 10_000;
      return station.drainEvents();
    };
    let events = attack(v, inner, 10_000);
    t.equal(v.fingerprintOf(1), PeerKeysFingerprint(real), "node 1's pin survived the flood");
    t.equal(privateFrom(events, 1).length, 0, "the forged DM is not delivered");
    t.atLeast(v.stats.keyConflicts, 1, "the impostor's key is refused as a conflict");
    t.ok(events.some((e) => e.type === "log" && e.level === "warn" && /pinned to/.test(e.text)), "with a warning");
    t.atLeast(v.stats.dmRejected, 1);
    // Reboot: a new station on the same store.
    ({ v, inner } = victim(store, now));
    events = attack(v, inner, 20_000);
    t.equal(v.fingerprintOf(1), PeerKeysFingerprint(real), "the pin came back from the store");
    t.equal(privateFrom(events, 1).length, 0, "after the reboot the forged DM is refused too");
    t.atLeast(v.stats.keyConflicts, 1);
  },
  "replay after reboot: a recorded private message is refused once the receiver restarts; newer ones are delivered"(t) {
    const store = new MemoryPeerStore();
    let { v, inner } = victim(store, 0);
    const real = new PeerKeys(1, secretFor(1));
    v.receive(keyFrame(t, 1, real.publicKey, false), { rssi: -90, snr: 8, at: 1000 });
    const vKey = v.publicKey as Uint8Array;
    const recorded = dmEvent(real, vKey, 700, [0x70, 0x61, 0x79], 2000);
    inner.events.push(recorded);
    t.equal(privateFrom(v.drainEvents(), 1).length, 1, "delivered the first time");
    inner.events.push({ ...recorded, at: 3000 });
    t.equal(privateFrom(v.drainEvents(), 1).length, 0, "a replay before the reboot is refused (as it always was)");
    ({ v, inner } = victim(store, 10_000));
    inner.events.push({ ...recorded, at: 11_000 });
    t.equal(privateFrom(v.drainEvents(), 1).length, 0, "the recording is refused after the reboot");
    t.equal(v.stats.dmRejected, 1);
    inner.events.push(dmEvent(real, vKey, 1234, [0x6e, 0x65, 0x77], 12_000));
    t.equal(privateFrom(v.drainEvents(), 1).length, 1, "a newer DM from the same peer is delivered");
  },
  "KEY-request amplification: a request under a fresh id every 2 s for an hour keeps KEY airtime under its share, and X25519 work under its budget"(t) {
    const inner = new StubStation(2);
    const v = new SecureStation({ inner, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: secretFor(2), modem: PRESETS.LONG_FAST, now: 0 });
    const fake = new PeerKeys(0x7000, secretFor(0x7000)).publicKey;
    let sent = 0;
    for (let now = 0; now < 3_600_000; now += 2000) {
      // Half the requests under the same neighbour id, half under a new id each time.
      const owner = (now / 2000) % 2 === 0 ? 0x6000 : 0x7000 + now / 2000;
      v.receive(keyFrame(t, owner, fake, true), { rssi: -90, snr: 8, at: now });
      const f = v.pollTransmit(now + 1);
      if (f !== undefined) {
        v.transmitDone(now + 1, "sent");
        sent++;
      }
    }
    const perFrame = airtimeMs(PRESETS.LONG_FAST, KEY_FRAME_BYTES + SEAL_OVERHEAD_BYTES);
    const share = (sent * perFrame) / 3_600_000;
    t.equal(v.stats.keyFramesSent, sent);
    t.atMost(share, 0.005, `KEY airtime ${(share * 100).toFixed(2)} % of the hour`);
    t.atLeast(v.stats.keyRequestsIgnored, 1500, "most requests are not answered");
    // X25519: at most 6 a minute plus the first burst (the same key under 1800 ids).
    t.atMost(v.stats.keysLearned, 6 * 60 + 6, "keys learned (one X25519 each)");
    t.atLeast(v.stats.keysDeferred, 500, "the rest of the 900 fresh ids are deferred, not computed");
  },
});

function PeerKeysFingerprint(p: PeerKeys): string | undefined {
  return new SecureStation({ inner: new StubStation(p.self), networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: secretFor(p.self), now: 0 }).fingerprintOf(p.self);
}
