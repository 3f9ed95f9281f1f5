// Property tests for the codec: any valid frame round-trips byte-exactly; any byte string
// decodes to a frame or a typed error without throwing; corrupting a valid frame never yields
// a frame with non-integer fields.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { clusterFromGeohash } from "../../src/core/cluster";
import { FrameType, MAX_FRAME_BYTES, type Frame } from "../../src/core/frames";
import { GEOHASH_ALPHABET } from "../../src/core/geohash";
import { MeshNode } from "../../src/core/mesh-node";
import { SeededRng } from "../../src/core/rng";
import { PRESETS } from "../../src/core/presets";
import { MAX_BCAST_FORWARDERS } from "../../src/core/frames";

const nodeId = fc.integer({ min: 1, max: 0xfffffffe });
const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const prio = fc.integer({ min: 0, max: 7 }) as fc.Arbitrary<0 | 1 | 2 | 3 | 4 | 5 | 6 | 7>;
const cluster = fc.oneof(
  fc.constant(0),
  fc.string({ unit: fc.constantFrom(...GEOHASH_ALPHABET), minLength: 1, maxLength: 6 }).map(clusterFromGeohash),
);
const realCluster = fc.string({ unit: fc.constantFrom(...GEOHASH_ALPHABET), minLength: 1, maxLength: 6 }).map(clusterFromGeohash);
const payload = (max: number) => fc.uint8Array({ maxLength: max });
const status = fc.integer({ min: 0, max: 3 }) as fc.Arbitrary<0 | 1 | 2 | 3>;
const distinctPair = fc.tuple(nodeId, nodeId).filter(([a, b]) => a !== b);

const routed = fc.record({ tx: nodeId, next: nodeId, ttl: u8, hops: u8, priority: prio, pair: distinctPair, seq: u16, dstCluster: cluster });

const data: fc.Arbitrary<Frame> = fc
  .record({ h: routed, wantAck: fc.boolean(), bounced: fc.boolean(), attempt: fc.integer({ min: 0, max: 3 }), way: fc.boolean(), payload: payload(MAX_FRAME_BYTES - 26) })
  .map(({ h, wantAck, bounced, attempt, way, payload }) => {
    const { pair, ...rest } = h;
    return { type: FrameType.DATA, ...rest, src: pair[0], dst: pair[1], wantAck, bounced, attempt, ...(way ? { wayHop: true as const } : {}), payload };
  });

const e2eAck: fc.Arbitrary<Frame> = fc.record({ h: routed, status, ackedHops: u8, attempt: fc.integer({ min: 0, max: 3 }) }).map(({ h, status, ackedHops, attempt }) => {
  const { pair, ...rest } = h;
  return { type: FrameType.ACK, kind: "e2e" as const, ...rest, src: pair[0], dst: pair[1], status, ackedHops, attempt };
});

const hopAck: fc.Arbitrary<Frame> = fc
  .record({ tx: nodeId, to: nodeId, status, src: nodeId, dst: nodeId, seq: u16, acks: fc.constantFrom(FrameType.DATA, FrameType.ACK, FrameType.LOCATE_A) }, { requiredKeys: ["tx", "to", "status", "src", "dst", "seq"] })
  .map((r) => ({ type: FrameType.ACK, kind: "hop" as const, ...r }));

const ogm: fc.Arbitrary<Frame> = fc
  .record({
    tx: nodeId,
    ogmSeq: u16,
    hasFix: fc.boolean(),
    border: fc.boolean(),
    relayActive: fc.boolean(),
    cluster,
    battery: u8,
    load: u8,
    // The interval in 4-s units. On the air: 4-s units to 255; beyond, 8-s units (flag b5): even
    // values 256..510 round-trip exactly; beyond that, 16-s units (flag b7): multiples of 4 from 512
    // to 1,020; beyond that, 32-s units (flags b5+b7): multiples of 8 from 1,024 to 2,040.
    intervalUnits: fc.oneof(
      fc.integer({ min: 1, max: 255 }),
      fc.integer({ min: 128, max: 255 }).map((u) => 2 * u),
      fc.integer({ min: 128, max: 255 }).map((u) => 4 * u),
      fc.integer({ min: 128, max: 255 }).map((u) => 8 * u),
    ),
    relayPrio: u8,
    routeSeq: u16,
    cycle: fc.integer({ min: 1, max: 255 }),
    neighbours: fc.array(fc.record({ short: u16, rq: u8 }), { maxLength: 12 }),
    nodeRoutes: fc.array(fc.record({ dst: nodeId, seqno: u16, metric: u16 }), { maxLength: 12 }),
    clusterRoutes: fc.array(fc.record({ cluster: realCluster, origin: nodeId, seqno: u16, metric: u16, own: fc.boolean() }), { maxLength: 6 }),
  })
  // Some cluster routes are the sender's own at its routeSeq: the 6-byte form (rule ownClusterRoute, §3.5).
  .map((r) => ({
    type: FrameType.OGM,
    ...r,
    homeless: r.cluster === 0,
    clusterRoutes: r.clusterRoutes.map(({ own, ...e }) => (own ? { ...e, origin: r.tx, seqno: r.routeSeq } : e)),
  }));

/** A forwarder list (§15), present or not, and the backup flag only with a list, as BCAST, FLOOD and LOCATE_Q carry them. */
const listed = fc.oneof(
  fc.constant({}),
  fc.record({ forwarders: fc.array(u16, { maxLength: 16 }) }),
  fc.record({ forwarders: fc.array(u16, { maxLength: 16 }), backup: fc.constant(true) }),
);

const locateQ: fc.Arbitrary<Frame> = fc
  .record({ tx: nodeId, ttl: u8, hops: u8, scope: fc.integer({ min: 0, max: 7 }), pair: distinctPair, qid: u16, askerCluster: cluster })
  .chain((f) => listed.map((l) => ({ ...f, ...l })))
  .map(({ pair, ...r }) => ({ type: FrameType.LOCATE_Q, ...r, asker: pair[0], target: pair[1] }));

const locateA: fc.Arbitrary<Frame> = fc
  .record({ h: routed, target: nodeId, targetCluster: cluster, ageMin: u8 })
  .map(({ h, ...r }) => {
    const { pair, ...rest } = h;
    return { type: FrameType.LOCATE_A, ...rest, src: pair[0], dst: pair[1], ...r };
  });

const flood: fc.Arbitrary<Frame> = fc
  .record({
    tx: nodeId, ttl: u8, hops: u8, priority: prio, wantAck: fc.boolean(),
    scopeKind: fc.integer({ min: 0, max: 2 }) as fc.Arbitrary<0 | 1 | 2>,
    pair: distinctPair, seq: u16, srcCluster: cluster, dstCluster: cluster, payload: payload(MAX_FRAME_BYTES - 26 - 33),
  })
  .chain((f) => listed.map((l) => ({ ...f, ...l })))
  .map(({ pair, ...r }) => ({ type: FrameType.FLOOD, ...r, src: pair[0], dst: pair[1] }));

const bcast: fc.Arbitrary<Frame> = fc
  .record({ tx: nodeId, ttl: u8, hops: u8, priority: prio, scope: fc.integer({ min: 0, max: 7 }), src: nodeId, seq: u16, originCluster: cluster, payload: payload(MAX_FRAME_BYTES - 18 - 33) })
  .chain((f) => listed.map((l) => ({ ...f, ...l })))
  .map((r) => ({ type: FrameType.BCAST, ...r }));

const anyFrame = fc.oneof(data, e2eAck, hopAck, ogm, locateQ, locateA, flood, bcast);

function integerFields(v: unknown): boolean {
  if (typeof v === "number") return Number.isInteger(v);
  if (v instanceof Uint8Array) return true;
  if (Array.isArray(v)) return v.every(integerFields);
  if (typeof v === "object" && v !== null) return Object.values(v).every(integerFields);
  return true;
}

describe("codec properties", () => {
  test("every valid frame round-trips byte-exactly", () => {
    fc.assert(
      fc.property(anyFrame, (f) => {
        const bytes = encodeFrame(f);
        expect(bytes.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
        const r = decodeFrame(bytes);
        expect(r.ok, r.ok ? "" : r.error.message).toBe(true);
        if (r.ok) {
          expect(r.frame).toEqual(f);
          expect(encodeFrame(r.frame)).toEqual(bytes);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test("random bytes never throw and decode to a frame of whole numbers or a typed error", () => {
    const codes = new Set(["truncated", "oversized", "bad-version", "unknown-type", "reserved-bits", "bad-field", "inconsistent"]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = decodeFrame(bytes);
        if (r.ok) expect(integerFields(r.frame)).toBe(true);
        else expect(codes.has(r.error.code)).toBe(true);
      }),
      { numRuns: 20000 },
    );
  });

  test("version-1 garbage with a plausible type byte also never throws", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0x10, max: 0x1f }), fc.uint8Array({ maxLength: 260 }), (first, rest) => {
        const bytes = new Uint8Array(rest.length + 1);
        bytes[0] = first;
        bytes.set(rest, 1);
        const r = decodeFrame(bytes);
        if (r.ok) expect(integerFields(r.frame)).toBe(true);
      }),
      { numRuns: 20000 },
    );
  });

  test("a valid frame with one byte changed or cut short never throws", () => {
    fc.assert(
      fc.property(anyFrame, fc.nat(), u8, fc.nat(), (f, pos, value, cut) => {
        const bytes = encodeFrame(f);
        const mutated = bytes.slice();
        mutated[pos % mutated.length] = value;
        for (const b of [mutated, bytes.slice(0, cut % (bytes.length + 1))]) {
          const r = decodeFrame(b);
          if (r.ok) expect(integerFields(r.frame)).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });

  test("a BCAST's forwarder list of any bytes: a node counts a list the codec refuses and drops it, never throws", () => {
    const node = new MeshNode({ id: 0x0101_0101, rng: new SeededRng(3), now: 0, modem: PRESETS.MEDIUM_FAST, position: { lat: 48.1, lon: 11.5 } });
    let now = 1000;
    fc.assert(
      fc.property(nodeId, fc.boolean(), u8, fc.uint8Array({ maxLength: 60 }), (src, backup, count, rest) => {
        // A valid BCAST header with flag b6 (list present), and b7 (backup) or not, then any count and any bytes.
        const header = encodeFrame({ type: FrameType.BCAST, tx: 0x0202_0202, ttl: 5, hops: 1, priority: 2, scope: 1, src, seq: 7, originCluster: 0, payload: new Uint8Array(0) });
        header[7] |= 0x40 | (backup ? 0x80 : 0);
        const bytes = new Uint8Array(header.length + 1 + rest.length);
        bytes.set(header);
        bytes[header.length] = count;
        bytes.set(rest, header.length + 1);
        const r = decodeFrame(bytes);
        if (count > MAX_BCAST_FORWARDERS) expect(!r.ok && r.error.code).toBe("bad-field");
        else if (rest.length < 2 * count) expect(!r.ok && r.error.code).toBe("truncated");
        else {
          expect(r.ok && r.frame.type === FrameType.BCAST && r.frame.forwarders?.length).toBe(count);
          expect(r.ok && r.frame.type === FrameType.BCAST && r.frame.payload.length).toBe(rest.length - 2 * count);
        }
        const malformed = node.stats.rxMalformed;
        now += 500;
        expect(() => {
          node.receive(bytes, { rssi: -90, snr: 5, at: now });
          node.tick(now);
          node.pollTransmit(now);
          node.drainEvents();
        }).not.toThrow();
        expect(node.stats.rxMalformed).toBe(malformed + (r.ok ? 0 : 1));
      }),
      { numRuns: 3000 },
    );
  });
});
