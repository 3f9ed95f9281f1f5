// The hostile-frame fuzz (issue 14, docs/security.md §13.6): frames any holder of the network key
// could send (decodable, validly sealed, every field hostile) thrown at a MeshNode inside a
// SecureStation, and at a bare MeshNode, with time passing, timers firing and transmissions
// completing in between. The only property is that nothing throws. `host-tests/node/
// hostile-frames.property.test.ts` runs about 10^4 frames in CI; `npm run bench fuzz` runs 10^6.
import fc from "fast-check";
import { clusterFromGeohash } from "../core/cluster";
import { encodeFrame } from "../core/codec";
import { FrameType, MAX_FRAME_BYTES, OGM_INTERVAL_MAX_UNITS, type Frame } from "../core/frames";
import { MeshNode } from "../core/mesh-node";
import { PRESETS } from "../core/presets";
import { SeededRng } from "../core/rng";
import { keyedDm, keyedPlainEnvelope, keyMessage, keyOffer, PayloadKind } from "../core/security/dm-seal";
import { MemoryCounterStore } from "../core/security/frame-counter";
import { SEAL_OVERHEAD_BYTES, sealFrame } from "../core/security/frame-seal";
import { encodeKeyFrame } from "../core/security/key-frame";
import { networkKeys } from "../core/security/keys";
import { MemoryPeerStore } from "../core/security/peer-keys";
import { SecureStation } from "../core/security/secure-station";
import type { Station } from "../core/station";

/** The node under attack, and the ids the attacker uses most (the victim's own, its neighbours'). */
const VICTIM = 2;
const NEAR = [1, 3, 4];
export const FUZZ_NETWORK_KEY = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
const FRAME_KEY = networkKeys(FUZZ_NETWORK_KEY).frame;

const id = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(VICTIM, ...NEAR) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 0xfffffffe }) },
  { weight: 1, arbitrary: fc.constantFrom(0x7fffffff, 0x80000000, 0xfffffffe) },
);
const u8 = fc.oneof(fc.constantFrom(0, 1, 254, 255), fc.integer({ min: 0, max: 255 }));
const u16 = fc.oneof(fc.constantFrom(0, 1, 0x7fff, 0xfffe, 0xffff), fc.integer({ min: 0, max: 0xffff }));
const prio = fc.integer({ min: 0, max: 7 }) as fc.Arbitrary<0 | 1 | 2 | 3 | 4 | 5 | 6 | 7>;
const cluster = fc.constantFrom(0, clusterFromGeohash("u281"), clusterFromGeohash("u28"), clusterFromGeohash("u2"), clusterFromGeohash("9q8yy"));
const status = fc.integer({ min: 0, max: 3 }) as fc.Arbitrary<0 | 1 | 2 | 3>;
const publicKey = fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.constant(new Uint8Array(32)), fc.constant(new Uint8Array(32).fill(0xff)));
/** Application payloads, often shaped like the security envelope (plain, DM, key messages). */
const payload = (max: number): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    fc.uint8Array({ maxLength: max }),
    publicKey.map((k) => keyMessage(PayloadKind.KEY_REQUEST, k)),
    publicKey.map((k) => keyMessage(PayloadKind.KEY_ANSWER, k)),
    fc.uint8Array({ minLength: 13, maxLength: Math.min(max, 60) }).map((b) => Uint8Array.of(PayloadKind.DM, ...b.subarray(1))),
    publicKey.map((k) => keyMessage(PayloadKind.KEY_NOTICE, k)),
    fc.tuple(id, publicKey).map(([owner, k]) => keyOffer(owner, k)),
    fc.tuple(publicKey, fc.uint8Array({ minLength: 0, maxLength: Math.min(max - 33, 60) })).map(([k, b]) => keyedDm(k, Uint8Array.of(PayloadKind.DM, ...b))),
    fc.tuple(publicKey, fc.uint8Array({ maxLength: Math.min(max - 33, 60) })).map(([k, b]) => keyedPlainEnvelope(k, b)),
  );
/** Forwarder lists (§15) naming random nodes, or often this mesh's own (short ids of small node ids). */
const forwarders = fc.array(fc.oneof(u16, fc.integer({ min: 1, max: 40 })), { maxLength: 16 });
const routed = fc.record({ tx: id, next: id, ttl: u8, hops: u8, priority: prio, src: id, dst: id, seq: u16, dstCluster: cluster });

const frame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({ h: routed, wantAck: fc.boolean(), bounced: fc.boolean(), attempt: fc.integer({ min: 0, max: 3 }), way: fc.boolean(), payload: payload(MAX_FRAME_BYTES - 26 - SEAL_OVERHEAD_BYTES) }).map(({ h, way, ...r }) => ({ type: FrameType.DATA, ...h, ...r, ...(way ? { wayHop: true as const } : {}) })),
  fc.record({ h: routed, status, ackedHops: u8, attempt: fc.integer({ min: 0, max: 3 }) }).map(({ h, ...r }) => ({ type: FrameType.ACK, kind: "e2e" as const, ...h, ...r })),
  fc
    .record({ tx: id, to: id, status, src: id, dst: id, seq: u16, acks: fc.constantFrom(FrameType.DATA, FrameType.ACK, FrameType.LOCATE_A) }, { requiredKeys: ["tx", "to", "status", "src", "dst", "seq"] })
    .map((r) => ({ type: FrameType.ACK, kind: "hop" as const, ...r })),
  fc
    .record({
      tx: id, ogmSeq: u16, hasFix: fc.boolean(), border: fc.boolean(), relayActive: fc.boolean(), cluster, battery: u8, load: u8,
      intervalUnits: fc.integer({ min: 1, max: OGM_INTERVAL_MAX_UNITS }), relayPrio: u8, routeSeq: u16, cycle: fc.integer({ min: 1, max: 255 }),
      neighbours: fc.array(fc.record({ short: u16, rq: u8 }), { maxLength: 8 }),
      nodeRoutes: fc.array(fc.record({ dst: id, seqno: u16, metric: u16 }), { maxLength: 8 }),
      clusterRoutes: fc.array(fc.record({ cluster: cluster.filter((c) => c !== 0), origin: id, seqno: u16, metric: u16 }), { maxLength: 4 }),
    })
    .map((r) => ({ type: FrameType.OGM, ...r, homeless: r.cluster === 0 })),
  fc
    .record({ tx: id, ttl: u8, hops: u8, scope: fc.integer({ min: 0, max: 7 }), asker: id, qid: u16, askerCluster: cluster, target: id, forwarders: forwarders, backup: fc.boolean() }, { requiredKeys: ["tx", "ttl", "hops", "scope", "asker", "qid", "askerCluster", "target"] })
    .map((r) => ({ type: FrameType.LOCATE_Q, ...r })),
  fc.record({ h: routed, target: id, targetCluster: cluster, ageMin: u8 }).map(({ h, ...r }) => ({ type: FrameType.LOCATE_A, ...h, ...r })),
  fc
    .record({
      tx: id, ttl: u8, hops: u8, priority: prio, wantAck: fc.boolean(), scopeKind: fc.integer({ min: 0, max: 2 }) as fc.Arbitrary<0 | 1 | 2>,
      src: id, dst: id, seq: u16, srcCluster: cluster, dstCluster: cluster, payload: payload(MAX_FRAME_BYTES - 26 - 33 - SEAL_OVERHEAD_BYTES),
      forwarders: forwarders, backup: fc.boolean(),
    }, { requiredKeys: ["tx", "ttl", "hops", "priority", "wantAck", "scopeKind", "src", "dst", "seq", "srcCluster", "dstCluster", "payload"] })
    .map((r) => ({ type: FrameType.FLOOD, ...r })),
  fc
    .record(
      { tx: id, ttl: u8, hops: u8, priority: prio, scope: fc.integer({ min: 0, max: 7 }), src: id, seq: u16, originCluster: cluster, payload: payload(MAX_FRAME_BYTES - 18 - 33 - SEAL_OVERHEAD_BYTES), forwarders: forwarders, backup: fc.boolean() },
      { requiredKeys: ["tx", "ttl", "hops", "priority", "scope", "src", "seq", "originCluster", "payload"] },
    )
    .map((r) => ({ type: FrameType.BCAST, ...r })),
) as fc.Arbitrary<Frame>;

/** One step of the attack: a frame (inner bytes, sealed under `counter`), then `dt` ms of time. */
interface Step {
  readonly inner: Uint8Array | undefined;
  readonly counter: number;
  readonly dt: number;
}

const counter = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(0xfffffff0, 0xffffffff, 0x80000000), fc.integer({ min: 0, max: 0xffffffff }));
const dt = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 2000, max: 120_000 }));
const inner: fc.Arbitrary<Uint8Array | undefined> = fc.oneof(
  { weight: 8, arbitrary: frame.map((f) => tryEncode(f)) },
  { weight: 1, arbitrary: fc.record({ owner: id, request: fc.boolean(), publicKey }).map((k) => encodeKeyFrame(k)) },
);
const step: fc.Arbitrary<Step> = fc.record({ inner, counter, dt });

function tryEncode(f: Frame): Uint8Array | undefined {
  try {
    const b = encodeFrame(f);
    return b.length + SEAL_OVERHEAD_BYTES <= MAX_FRAME_BYTES ? b : undefined;
  } catch {
    return undefined; // a combination the encoder refuses (e.g. src = dst) is not a frame
  }
}

/** The victim: a secured MeshNode that knows a few neighbours, plus a bare MeshNode. */
class Victims {
  readonly secure: SecureStation;
  readonly bare: MeshNode;
  now = 1000;
  constructor(seed: number) {
    const mk = (): MeshNode => new MeshNode({ id: VICTIM, rng: new SeededRng(seed), now: 0, modem: PRESETS.MEDIUM_FAST, config: { frameOverheadBytes: SEAL_OVERHEAD_BYTES }, position: { lat: 48.1, lon: 11.5 } });
    const secret = new Uint8Array(32).map((_, i) => (seed + i * 13) & 0xff);
    this.secure = new SecureStation({ inner: mk(), networkKey: FUZZ_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: secret, peerStore: new MemoryPeerStore(), now: 0 });
    this.bare = mk();
  }

  apply(s: Step): void {
    if (s.inner !== undefined) {
      const sealed = sealFrame(FRAME_KEY, s.inner, s.counter);
      if (sealed.ok) this.secure.receive(sealed.bytes, { rssi: -90, snr: 5, at: this.now });
      if ((s.inner[0] & 15) < 7) this.bare.receive(s.inner, { rssi: -90, snr: 5, at: this.now });
    }
    this.now += s.dt;
    for (const st of [this.secure, this.bare] as Station[]) drive(st, this.now);
  }
}

/** Timers due, transmissions sent (one at a time), events drained: what a runner does. */
function drive(s: Station, now: number): void {
  for (let i = 0; i < 8 && s.nextWakeup() <= now; i++) s.tick(now);
  for (let i = 0; i < 4; i++) {
    const f = s.pollTransmit(now);
    if (f === undefined) break;
    s.transmitDone(now, i % 3 === 2 ? "busy" : "sent");
  }
  s.drainEvents();
}

export interface FuzzReport {
  readonly runs: number;
  readonly frames: number;
  readonly throws: number;
  /** The failing steps and the error, when something threw. */
  readonly failure: string | undefined;
}

/**
 * `runs` fresh victims, each given `framesPerRun` hostile frames. fast-check shrinks a failing run
 * to a short sequence; the report carries it.
 */
export function hostileFuzz(runs: number, framesPerRun: number, seed: number, onRun?: (done: number) => void): FuzzReport {
  let frames = 0;
  let done = 0;
  const r = fc.check(
    fc.property(fc.array(step, { minLength: framesPerRun, maxLength: framesPerRun }), (steps) => {
      const v = new Victims(seed + done);
      for (const s of steps) {
        v.apply(s);
        frames++;
      }
      onRun?.(++done);
    }),
    { numRuns: runs, seed, endOnFailure: true },
  );
  return { runs, frames, throws: r.failed ? 1 : 0, failure: r.failed ? `${String(r.errorInstance)}\n${fc.stringify(r.counterexample)}` : undefined };
}
