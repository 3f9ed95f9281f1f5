// Golden byte vectors, written by hand from the byte tables of docs/protocol.md §3 (not produced
// by the encoder), and the decoder's typed errors.
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { clusterFromGeohash } from "../../src/core/cluster";
import { FrameType, OGM_INTERVAL_UNIT_MS, ogmBytes, shortId, type Frame } from "../../src/core/frames";
import { suite, type Assert } from "./harness";
import { hex, toHex } from "./hex";

const U281 = clusterFromGeohash("u281"); // 0xD0901800
const U282 = clusterFromGeohash("u282"); // 0xD0902800

const VECTORS: Array<[string, Frame, string]> = [
  [
    "DATA",
    {
      type: FrameType.DATA, tx: 0x0a0b0c0d, next: 0x11223344, ttl: 64, hops: 2, priority: 3, wantAck: true, bounced: false, attempt: 0,
      src: 0x01020304, dst: 0x05060708, seq: 0x1234, dstCluster: U281, payload: new Uint8Array([0x68, 0x69]),
    },
    "11 0d0c0b0a 44332211 40 02 0b 04030201 08070605 3412 001890d0 6869",
  ],
  [
    "hop ACK",
    { type: FrameType.ACK, kind: "hop", tx: 0x0a0b0c0d, to: 0x11223344, status: 1, src: 0x01020304, dst: 0x05060708, seq: 0x1234 },
    "12 0d0c0b0a 44332211 02 04030201 08070605 3412",
  ],
  [
    "hop ACK naming an end-to-end ACK (kind b3–4 = 2)",
    { type: FrameType.ACK, kind: "hop", tx: 0x0a0b0c0d, to: 0x11223344, status: 1, src: 0x01020304, dst: 0x05060708, seq: 0x1234, acks: FrameType.ACK },
    "12 0d0c0b0a 44332211 12 04030201 08070605 3412",
  ],
  [
    "end-to-end ACK",
    {
      type: FrameType.ACK, kind: "e2e", tx: 0x0a0b0c0d, next: 0x11223344, ttl: 64, hops: 0, priority: 3,
      src: 0x05060708, dst: 0x01020304, seq: 0x1234, dstCluster: 0, status: 0, ackedHops: 9, attempt: 0,
    },
    // Attempt 0 leaves flags b5–6 clear: the bytes of an ACK from before the field (§3.4).
    "12 0d0c0b0a 44332211 40 00 03 08070605 04030201 3412 00000000 01 09",
  ],
  [
    "end-to-end ACK of a retried DATA (attempt 2 echoed in flags b5–6)",
    {
      type: FrameType.ACK, kind: "e2e", tx: 0x0a0b0c0d, next: 0x11223344, ttl: 64, hops: 0, priority: 3,
      src: 0x05060708, dst: 0x01020304, seq: 0x1234, dstCluster: 0, status: 0, ackedHops: 9, attempt: 2,
    },
    "12 0d0c0b0a 44332211 40 00 43 08070605 04030201 3412 00000000 01 09",
  ],
  [
    "OGM",
    {
      type: FrameType.OGM, tx: 0x0a0b0c0d, ogmSeq: 0x0102, hasFix: true, border: true, relayActive: false, homeless: false,
      cluster: U281, battery: 200, load: 10, intervalUnits: 8, relayPrio: 0x55, routeSeq: 0x0304, cycle: 1,
      neighbours: [{ short: 0x0304, rq: 255 }],
      nodeRoutes: [{ dst: 0x05060708, seqno: 0x0506, metric: 0x0120 }],
      clusterRoutes: [{ cluster: U282, origin: 0x11223344, seqno: 7, metric: 0x0200 }],
    },
    // Flag b4 (the compact layout) always set; no cluster-route count: they fill the rest.
    "10 0d0c0b0a 0201 13 001890d0 c8 0a 08 55 0403 01 01 01" +
      " 0403 ff" +
      " 08070605 0605 2001" +
      " 002890d0 44332211 0700 0002",
  ],
  [
    "OGM with a cluster route of its own (6-byte form, rule ownClusterRoute)",
    {
      type: FrameType.OGM, tx: 0x0a0b0c0d, ogmSeq: 0x0102, hasFix: true, border: true, relayActive: false, homeless: false,
      cluster: U281, battery: 200, load: 10, intervalUnits: 8, relayPrio: 0x55, routeSeq: 0x0304, cycle: 1,
      neighbours: [],
      nodeRoutes: [],
      clusterRoutes: [
        { cluster: U282, origin: 0x0a0b0c0d, seqno: 0x0304, metric: 0x0120 },
        // Its own origin but an older seqno (a retraction, §5.5): the full form.
        { cluster: U282, origin: 0x0a0b0c0d, seqno: 0x0303, metric: 0xffff },
      ],
    },
    // bit 0 of the first word marks the own form: origin and seqno are the header's tx and routeSeq.
    "10 0d0c0b0a 0201 13 001890d0 c8 0a 08 55 0403 01 00 00" +
      " 012890d0 2001" +
      " 002890d0 0d0c0b0a 0303 ffff",
  ],
  [
    "LOCATE_Q",
    { type: FrameType.LOCATE_Q, tx: 0x0a0b0c0d, ttl: 5, hops: 1, scope: 2, asker: 0x01020304, qid: 0x00ff, askerCluster: U281, target: 0x05060708 },
    "13 0d0c0b0a 05 01 02 04030201 ff00 001890d0 08070605",
  ],
  [
    "LOCATE_A",
    {
      type: FrameType.LOCATE_A, tx: 0x0a0b0c0d, next: 0x11223344, ttl: 64, hops: 1, priority: 2,
      src: 0x05060708, dst: 0x01020304, seq: 0x00ff, dstCluster: U281, target: 0x09090909, targetCluster: U282, ageMin: 12,
    },
    "14 0d0c0b0a 44332211 40 01 02 08070605 04030201 ff00 001890d0 09090909 002890d0 0c",
  ],
  [
    "FLOOD",
    {
      type: FrameType.FLOOD, tx: 0x0a0b0c0d, ttl: 20, hops: 0, priority: 0, wantAck: true, scopeKind: 0,
      src: 0x01020304, dst: 0x05060708, seq: 1, srcCluster: U281, dstCluster: U282, payload: new Uint8Array([0xaa]),
    },
    "15 0d0c0b0a 14 00 08 04030201 08070605 0100 001890d0 002890d0 aa",
  ],
  [
    "LOCATE_Q naming two forwarders (§15 directed frames)",
    {
      type: FrameType.LOCATE_Q, tx: 0x0a0b0c0d, ttl: 5, hops: 1, scope: 2, asker: 0x01020304, qid: 0x00ff, askerCluster: U281, target: 0x05060708,
      forwarders: [0x1234, 0x0042],
    },
    "13 0d0c0b0a 05 01 42 04030201 ff00 001890d0 08070605 02 3412 4200",
  ],
  [
    "FLOOD backup naming one forwarder",
    {
      type: FrameType.FLOOD, tx: 0x0a0b0c0d, ttl: 20, hops: 0, priority: 0, wantAck: true, scopeKind: 2,
      src: 0x01020304, dst: 0x05060708, seq: 1, srcCluster: U281, dstCluster: U282, forwarders: [0xbeef], backup: true, payload: new Uint8Array([0xaa]),
    },
    "15 0d0c0b0a 14 00 e8 04030201 08070605 0100 001890d0 002890d0 01 efbe aa",
  ],
  [
    "BCAST",
    {
      type: FrameType.BCAST, tx: 0x0a0b0c0d, ttl: 32, hops: 3, priority: 4, scope: 7,
      src: 0x01020304, seq: 0xbeef, originCluster: U281, payload: new Uint8Array([1, 2, 3]),
    },
    "16 0d0c0b0a 20 03 3c 04030201 efbe 001890d0 010203",
  ],
  [
    "DATA sent on by a way back (flags b7, rule wayRoundRefused, §3.2)",
    {
      type: FrameType.DATA, tx: 0x0a0b0c0d, next: 0x11223344, ttl: 64, hops: 2, priority: 3, wantAck: true, bounced: false, attempt: 0, wayHop: true,
      src: 0x01020304, dst: 0x05060708, seq: 0x1234, dstCluster: U281, payload: new Uint8Array([0x68, 0x69]),
    },
    "11 0d0c0b0a 44332211 40 02 8b 04030201 08070605 3412 001890d0 6869",
  ],
];

function expectError(t: Assert, bytes: Uint8Array, code: string, label: string): void {
  const r = decodeFrame(bytes);
  t.ok(!r.ok, `${label}: should not decode`);
  if (!r.ok) {
    t.equal(r.error.code, code, `${label}: ${r.error.message}`);
    t.ok(r.error.message.length > 0, `${label}: has a message`);
  }
}

const cases: Record<string, (t: Assert) => void> = {};
for (const [name, frame, bytes] of VECTORS) {
  cases[`golden ${name}: encodes to the documented bytes`] = (t) => t.equal(toHex(encodeFrame(frame)), toHex(hex(bytes)));
  cases[`golden ${name}: decodes back to the same frame`] = (t) => {
    const r = decodeFrame(hex(bytes));
    t.ok(r.ok, r.ok ? "" : r.error.message);
    if (r.ok) t.deepEqual(r.frame, frame);
  };
}

const DATA = hex(VECTORS[0][2]);
const OGM = hex(VECTORS[5][2]);

Object.assign(cases, {
  "cluster ids on the wire: u281 = 0xD0901800"(t: Assert) {
    t.equal(U281, 0xd0901800);
    t.equal(U282, 0xd0902800);
  },
  "header sizes: DATA 26 bytes, OGM 21 + entries (neighbour 3, node route 8, cluster route 12, own cluster route 6)"(t: Assert) {
    t.equal(DATA.length - 2, 26);
    t.equal(OGM.length, 21 + 3 + 8 + 12);
    t.equal(hex(VECTORS[6][2]).length, 21 + 6 + 12);
    t.equal(ogmBytes(1, 1, 2, 1), 21 + 3 + 8 + 12 + 6);
  },
  "an OGM in the layout before the compact one (flag b4 clear) is refused as another version"(t: Assert) {
    // The old layout of the golden OGM: flags without b4, and a third count byte (cluster routes).
    const old = hex("10 0d0c0b0a 0201 03 001890d0 c8 0a 08 55 0403 01 01 01 01 0403 ff 08070605 0605 2001 002890d0 44332211 0700 0002");
    expectError(t, old, "bad-version", "old-layout OGM");
    const noFlag = OGM.slice();
    noFlag[7] &= ~0x10;
    expectError(t, noFlag, "bad-version", "OGM without b4");
  },
  "an OGM interval beyond 1,020 s counts 8-s units (flag b5), only there; decoded, always 4-s units"(t: Assert) {
    const d = decodeFrame(OGM);
    t.ok(d.ok && d.frame.type === FrameType.OGM && d.frame.intervalUnits === 8, "b5 clear: 8 units of 4 s, 32 s");
    t.equal(OGM_INTERVAL_UNIT_MS, 4000);
    const long = OGM.slice();
    long[7] |= 0x20;
    long[14] = 240; // 240 × 8 s: the 32-min ceiling
    const l = decodeFrame(long);
    t.ok(l.ok && l.frame.type === FrameType.OGM && l.frame.intervalUnits === 480, "b5 set: 240 × 8 s = 480 × 4 s, 1,920 s");
    if (l.ok) t.equal(toHex(encodeFrame(l.frame)), toHex(long), "and encoded back the same");
    const longest = long.slice();
    longest[14] = 255;
    const m = decodeFrame(longest);
    t.ok(m.ok && m.frame.type === FrameType.OGM && m.frame.intervalUnits * OGM_INTERVAL_UNIT_MS === 2_040_000, "255 × 8 s: 2,040 s, the longest");
    const short = long.slice();
    short[14] = 127; // 1,016 s fits 4-s units: one encoding per interval
    expectError(t, short, "bad-field", "b5 set for an interval 4-s units can say");
    const zero = OGM.slice();
    zero[14] = 0;
    expectError(t, zero, "bad-field", "OGM interval 0");
    const odd = encodeFrame({ ...(d.ok ? d.frame : ({} as Frame)), intervalUnits: 257 } as Frame);
    t.equal(odd[14], 129, "257 × 4 s goes out as 129 × 8 s (rounded up)");
    t.equal(odd[7] & 0x20, 0x20);
    t.throws(() => encodeFrame({ ...(d.ok ? d.frame : ({} as Frame)), intervalUnits: 2041 } as Frame), /1\.\.2040/, "beyond 8,160 s is refused by the encoder");
  },
  "an OGM interval beyond 2,040 s counts 16-s units (flag b7, rule crowdedCeiling), only there; with b5 as well, 32-s units beyond 4,080 s"(t: Assert) {
    const d = decodeFrame(OGM);
    const base = d.ok ? d.frame : ({} as Frame);
    // [4-s units asked, flag bits b5|b7, interval byte, 4-s units decoded, what it is]: 16-s units
    // (b7, rule crowdedCeiling) from 2,048 s, 32-s units (b5 and b7, rule crowdedLongCeiling, §3.5,
    // §8.1) from 4,096 s, each only where the shorter unit cannot say the interval; rounded up.
    const cases: ReadonlyArray<readonly [number, number, number, number, string]> = [
      [960, 0x80, 240, 960, "64 min: 240 × 16 s, b7 alone"],
      [511, 0x80, 128, 512, "511 × 4 s goes out as 128 × 16 s (rounded up)"],
      [1020, 0x80, 255, 1020, "255 × 16 s, 4,080 s: the longest in 16-s units"],
      [1920, 0xa0, 240, 1920, "128 min: 240 × 32 s, b5 and b7"],
      [1021, 0xa0, 128, 1024, "1,021 × 4 s goes out as 128 × 32 s (rounded up)"],
      [2040, 0xa0, 255, 2040, "255 × 32 s, 8,160 s: the longest"],
    ];
    for (const [units, bits, byte, decoded, what] of cases) {
      const bytes = encodeFrame({ ...base, intervalUnits: units } as Frame);
      t.equal(bytes[7] & 0xa0, bits, `${what}: flags`);
      t.equal(bytes[14], byte, `${what}: interval byte`);
      const back = decodeFrame(bytes);
      t.ok(back.ok && back.frame.type === FrameType.OGM && back.frame.intervalUnits === decoded, `${what}: decoded ${decoded} × 4 s`);
    }
    const hour = encodeFrame({ ...base, intervalUnits: 960 } as Frame);
    const twoHours = encodeFrame({ ...base, intervalUnits: 1920 } as Frame);
    const both = hour.slice();
    both[7] |= 0x20;
    const bothD = decodeFrame(both);
    t.ok(bothD.ok && bothD.frame.type === FrameType.OGM && bothD.frame.intervalUnits === 1920, "b5 added to 240 × 16 s reads 240 × 32 s");
    const short32 = twoHours.slice();
    short32[14] = 127; // 4,064 s fits 16-s units: one encoding per interval
    expectError(t, short32, "bad-field", "b5 and b7 set for an interval 16-s units can say");
    const short = hour.slice();
    short[14] = 127; // 2,032 s fits 8-s units: one encoding per interval
    expectError(t, short, "bad-field", "b7 set for an interval 8-s units can say");
  },
  "cluster routes fill the rest of an OGM: a cut or empty one is refused"(t: Assert) {
    expectError(t, OGM.slice(0, OGM.length - 2), "truncated", "cluster route cut in its metric");
    const own = hex(VECTORS[6][2]);
    expectError(t, own.slice(0, 21 + 4), "truncated", "own cluster route without its metric");
    const zero = new Uint8Array(OGM.length + 6);
    zero.set(OGM);
    expectError(t, zero, "bad-field", "a cluster route of cluster 0");
    const ownZero = new Uint8Array(OGM.length + 6);
    ownZero.set(OGM);
    ownZero[OGM.length] = 1;
    expectError(t, ownZero, "bad-field", "an own cluster route of cluster 0");
    const notCluster = OGM.slice();
    notCluster[OGM.length - 12] = 0x05; // the own form (bit 0) of 0xd0902804, whose stop bit (bit 2) gives no precision
    expectError(t, notCluster, "bad-field", "own form of an invalid cluster id");
  },
  "short ids fold the two halves of a node id"(t: Assert) {
    t.equal(shortId(0x12345678), 0x1234 ^ 0x5678);
    t.equal(shortId(0x0000abcd), 0xabcd);
  },
  "empty and short frames are truncated"(t: Assert) {
    expectError(t, new Uint8Array(0), "truncated", "empty");
    expectError(t, DATA.slice(0, 20), "truncated", "DATA cut in its header");
    expectError(t, OGM.slice(0, OGM.length - 1), "truncated", "OGM missing its last byte");
    expectError(t, hex("12 0d0c0b0a 44332211 00 04030201"), "truncated", "short ACK");
  },
  "frames over 255 bytes are oversized"(t: Assert) {
    const big = new Uint8Array(256);
    big.set(DATA);
    expectError(t, big, "oversized", "256 bytes");
  },
  "unknown version and type"(t: Assert) {
    const v2 = DATA.slice();
    v2[0] = 0x21;
    expectError(t, v2, "bad-version", "version 2");
    const t9 = DATA.slice();
    t9[0] = 0x19;
    expectError(t, t9, "unknown-type", "type 9");
  },
  "forwarder lists of FLOOD and LOCATE_Q: too long, cut, or trailing bytes are refused"(t: Assert) {
    expectError(t, hex("13 0d0c0b0a 05 01 42 04030201 ff00 001890d0 08070605 11" + " 0100".repeat(17)), "bad-field", "LOCATE_Q naming 17");
    expectError(t, hex("13 0d0c0b0a 05 01 42 04030201 ff00 001890d0 08070605 02 3412"), "truncated", "LOCATE_Q list cut");
    expectError(t, hex("13 0d0c0b0a 05 01 42 04030201 ff00 001890d0 08070605 01 3412 00"), "inconsistent", "LOCATE_Q trailing byte");
    expectError(t, hex("13 0d0c0b0a 05 01 02 04030201 ff00 001890d0 08070605 00"), "inconsistent", "LOCATE_Q list without its flag");
    expectError(t, hex("13 0d0c0b0a 05 01 0a 04030201 ff00 001890d0 08070605"), "reserved-bits", "LOCATE_Q flags bit 3");
    expectError(t, hex("15 0d0c0b0a 14 00 48 04030201 08070605 0100 001890d0 002890d0 11"), "bad-field", "FLOOD naming 17");
    expectError(t, hex("15 0d0c0b0a 14 00 48 04030201 08070605 0100 001890d0 002890d0 03 3412"), "truncated", "FLOOD list cut");
  },
  "DATA flag b7 is the way-back hop (rule wayRoundRefused): set, it decodes as wayHop; clear (every frame of the firmware before it), no wayHop and the same bytes back"(t: Assert) {
    const old = decodeFrame(DATA);
    t.ok(old.ok && old.frame.type === FrameType.DATA && old.frame.wayHop === undefined, "a frame of the old style: no wayHop");
    if (old.ok) t.equal(toHex(encodeFrame(old.frame)), toHex(DATA), "and re-encodes to its own bytes");
    const r = DATA.slice();
    r[11] |= 0x80;
    const way = decodeFrame(r);
    t.ok(way.ok && way.frame.type === FrameType.DATA && way.frame.wayHop === true && way.frame.wantAck && !way.frame.bounced && way.frame.attempt === 0, "b7 is wayHop, the other flags unchanged");
    if (way.ok) t.equal(toHex(encodeFrame(way.frame)), toHex(r), "round trip");
    r[11] |= 0x70;
    const all = decodeFrame(r);
    t.ok(all.ok && all.frame.type === FrameType.DATA && all.frame.wayHop === true && all.frame.bounced && all.frame.attempt === 3, "b4–7 together");
  },
  "reserved bits are refused"(t: Assert) {
    // OGM flags: b6 is `driving` (rule drivenOff, §4), b7 16-s interval units (rule crowdedCeiling, §3.5);
    // b7 on an interval 8-s units can say is refused as a bad field.
    const o = OGM.slice();
    o[7] |= 0x80;
    expectError(t, o, "bad-field", "OGM flags bit 7 on a short interval");
    // A hop ACK's kind: b0 hop, b1–2 status, b3–4 the acknowledged type; b5–7 stay reserved.
    for (const bit of [0x20, 0x40, 0x80]) {
      const a = hex(VECTORS[1][2]);
      a[9] |= bit;
      expectError(t, a, "reserved-bits", `hop ACK kind bit ${Math.log2(bit)}`);
    }
    // An end-to-end ACK has b0–2 priority and b5–6 attempt; b3, b4 and b7 stay reserved.
    for (const bit of [0x08, 0x10, 0x80]) {
      const a = hex(VECTORS[3][2]);
      a[11] |= bit;
      expectError(t, a, "reserved-bits", `end-to-end ACK flags bit ${Math.log2(bit)}`);
    }
  },
  "inconsistent frames"(t: Assert) {
    // An OGM's cluster routes fill the frame: three bytes more are a cluster route cut short.
    const trailing = new Uint8Array(OGM.length + 3);
    trailing.set(OGM);
    expectError(t, trailing, "truncated", "OGM with trailing bytes");
    const same = DATA.slice();
    same.set(same.slice(12, 16), 16); // dst := src
    expectError(t, same, "inconsistent", "src == dst");
    const homeless = OGM.slice();
    homeless[7] |= 0x08; // homeless flag with a cluster
    expectError(t, homeless, "inconsistent", "homeless with a cluster");
    // The backup flag (b7) without a forwarder list (b6).
    expectError(t, hex("13 0d0c0b0a 05 01 82 04030201 ff00 001890d0 08070605"), "inconsistent", "LOCATE_Q backup without a list");
    expectError(t, hex("15 0d0c0b0a 14 00 88 04030201 08070605 0100 001890d0 002890d0 aa"), "inconsistent", "FLOOD backup without a list");
    expectError(t, hex("16 0d0c0b0a 20 03 bc 04030201 efbe 001890d0 010203"), "inconsistent", "BCAST backup without a list");
    // The encoder never writes it: a backup with no list goes out as a plain frame.
    const bare = encodeFrame({ type: FrameType.BCAST, tx: 0x0a0b0c0d, ttl: 32, hops: 3, priority: 4, scope: 7, src: 0x01020304, seq: 0xbeef, originCluster: U281, backup: true, payload: new Uint8Array([1]) });
    t.equal(bare[7] & 0xc0, 0, "no b6, no b7");
    const d = decodeFrame(bare);
    t.ok(d.ok && d.frame.type === FrameType.BCAST && d.frame.backup === undefined, "decodes as a plain broadcast");
  },
  "bad fields"(t: Assert) {
    const tx0 = DATA.slice();
    tx0.fill(0, 1, 5);
    expectError(t, tx0, "bad-field", "transmitter 0");
    const bc = DATA.slice();
    bc.fill(0xff, 12, 16);
    expectError(t, bc, "bad-field", "broadcast source");
    const cl = DATA.slice();
    cl.set([0x01, 0x00, 0x00, 0x00], 22); // stop bit at bit 0: 31 bits is not 5·p
    expectError(t, cl, "bad-field", "cluster id without a valid stop bit");
  },
  "every prefix of a valid frame decodes to an error or to a frame of whole numbers"(t: Assert) {
    for (const [, , bytes] of VECTORS) {
      const full = hex(bytes);
      for (let n = 0; n < full.length; n++) {
        const r = decodeFrame(full.slice(0, n));
        if (r.ok) {
          for (const [k, v] of Object.entries(r.frame)) {
            if (typeof v === "number") t.ok(Number.isInteger(v), `prefix ${n}: field ${k} = ${v}`);
          }
        }
      }
    }
  },
  "DATA carries the end-to-end attempt in flag bits 5–6"(t: Assert) {
    const f = { ...(VECTORS[0][1] as Extract<Frame, { type: 1 }>), attempt: 2 };
    const bytes = encodeFrame(f);
    t.equal(bytes[11], 0x0b | (2 << 5));
    const r = decodeFrame(bytes);
    t.ok(r.ok && r.frame.type === FrameType.DATA && r.frame.attempt === 2);
  },
  "an end-to-end ACK echoes its DATA's attempt (flags b5–6), and the encoder refuses one beyond 3"(t: Assert) {
    const a = VECTORS[3][1] as Extract<Frame, { kind: "e2e" }>;
    for (let attempt = 0; attempt <= 3; attempt++) {
      const bytes = encodeFrame({ ...a, attempt });
      t.equal(bytes[11], 0x03 | (attempt << 5));
      const r = decodeFrame(bytes);
      t.ok(r.ok && r.frame.type === FrameType.ACK && r.frame.kind === "e2e" && r.frame.attempt === attempt, `attempt ${attempt}`);
    }
    t.throws(() => encodeFrame({ ...a, attempt: 4 }), /attempt/);
  },
  "the encoder refuses a hop ACK naming a type it cannot name (kind b3–4 holds DATA, ACK, LOCATE_A)"(t: Assert) {
    const a = VECTORS[1][1] as Extract<Frame, { kind: "hop" }>;
    for (const acks of [FrameType.OGM, FrameType.FLOOD, 7, -1]) {
      t.throws(() => encodeFrame({ ...a, acks } as unknown as Frame), /hop ACK cannot name/, `type ${acks}`);
    }
    t.equal(encodeFrame({ ...a, acks: FrameType.LOCATE_A })[9], (a.status << 1) | (3 << 3), "LOCATE_A is 3");
  },
  "the encoder refuses frames it cannot represent"(t: Assert) {
    const f = VECTORS[0][1] as Extract<Frame, { type: 1 }>;
    t.throws(() => encodeFrame({ ...f, payload: new Uint8Array(230) }), /exceeds 255/);
    t.throws(() => encodeFrame({ ...f, ttl: 256 }), /ttl/);
    t.throws(() => encodeFrame({ ...f, next: 0 }), /next/);
  },
});

export default suite("codec", cases);
