// Attacks by someone who holds the network key (issue 14): on the default network that is anyone
// with a radio, since the default key is public. Each case replays one attack against secured
// MeshNodes and checks that it fails. docs/security.md §1 and §13 describe each defence and what
// it cannot stop. Pure ES2022 so the same cases run on XS.
import { encodeFrame } from "../../src/core/codec";
import { FrameType } from "../../src/core/frames";
import { MeshNode } from "../../src/core/mesh-node";
import { sealFrame } from "../../src/core/security/frame-seal";
import { networkKeys } from "../../src/core/security/keys";
import type { SecureDelivered, SecureStation } from "../../src/core/security/secure-station";
import type { NodeId } from "../../src/core/station";
import { suite, type Assert } from "./harness";
import { secretFor, securedLine, secureNode } from "./secure-station.cases";
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
});
