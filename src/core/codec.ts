// The one frame codec (docs/protocol.md §3). encodeFrame() throws RangeError on a frame the
// node built wrongly (a programming error); decodeFrame() never throws and never reads outside
// the bytes it is given: it returns a typed error for truncated, oversized, unknown-version,
// unknown-type or inconsistent input.
import { isValidClusterId } from "./cluster";
import {
  AckStatus,
  BCAST_HEADER_BYTES,
  forwarderListBytes,
  MAX_BCAST_FORWARDERS,
  E2E_ACK_BYTES,
  FLOOD_HEADER_BYTES,
  FrameType,
  HOP_ACK_BYTES,
  LOCATE_A_BYTES,
  LOCATE_Q_BYTES,
  MAX_FRAME_BYTES,
  OGM_COMPACT_LAYOUT,
  OGM_INTERVAL_8S,
  OGM_INTERVAL_16S,
  OGM_INTERVAL_32S,
  OGM_DRIVING,
  OGM_INTERVAL_MAX_UNITS,
  OGM_FIXED_BYTES,
  OGM_NEIGHBOUR_BYTES,
  OGM_NODE_ROUTE_BYTES,
  ogmBytes,
  ownClusterRoute,
  PROTOCOL_VERSION,
  ROUTED_HEADER_BYTES,
  SEQREQ_BYTES,
  type AckStatusCode,
  type BcastFrame,
  type DataFrame,
  type E2eAckFrame,
  type FloodFrame,
  type FloodScopeKind,
  type Frame,
  type HopAckFrame,
  type HopAckedType,
  type LocateAnswerFrame,
  type LocateQueryFrame,
  type OgmFrame,
  type RoutedHeader,
  type SeqnoRequestFrame,
} from "./frames";
import { isUnicastId, type PriorityLevel } from "./station";

export type DecodeErrorCode =
  | "truncated"
  | "oversized"
  | "bad-version"
  | "unknown-type"
  | "reserved-bits"
  | "bad-field"
  | "inconsistent";

export interface DecodeError {
  readonly code: DecodeErrorCode;
  readonly message: string;
}

export type DecodeResult = { readonly ok: true; readonly frame: Frame } | { readonly ok: false; readonly error: DecodeError };

// ---------------------------------------------------------------------------------------------
// Decoding

class Fail {
  constructor(readonly error: DecodeError) {}
}

/** Bounds-checked little-endian reader; every read past the end raises a "truncated" Fail. */
class Reader {
  #pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
  ) {}
  get pos(): number {
    return this.#pos;
  }
  get remaining(): number {
    return this.bytes.length - this.#pos;
  }
  #need(n: number): void {
    if (this.#pos + n > this.bytes.length) {
      throw new Fail({
        code: "truncated",
        message: `${this.what}: needs ${this.#pos + n} bytes at offset ${this.#pos}, frame has ${this.bytes.length}`,
      });
    }
  }
  u8(): number {
    this.#need(1);
    return this.bytes[this.#pos++];
  }
  u16(): number {
    this.#need(2);
    const b = this.bytes;
    const v = b[this.#pos] | (b[this.#pos + 1] << 8);
    this.#pos += 2;
    return v;
  }
  u32(): number {
    this.#need(4);
    const b = this.bytes;
    const p = this.#pos;
    this.#pos += 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }
  rest(): Uint8Array {
    const out = this.bytes.slice(this.#pos);
    this.#pos = this.bytes.length;
    return out;
  }
}

function fail(code: DecodeErrorCode, message: string): never {
  throw new Fail({ code, message });
}

function nodeField(r: Reader, name: string): number {
  const at = r.pos;
  const v = r.u32();
  if (!isUnicastId(v)) fail("bad-field", `${r.what}: ${name} at offset ${at} is 0x${v.toString(16)}, not a node id`);
  return v;
}

function clusterField(r: Reader, name: string): number {
  const at = r.pos;
  const v = r.u32();
  if (!isValidClusterId(v)) fail("bad-field", `${r.what}: ${name} at offset ${at} is not a cluster id (0x${v.toString(16)})`);
  return v;
}

function reserved(r: Reader, value: number, mask: number, at: number): void {
  if ((value & mask) !== 0) fail("reserved-bits", `${r.what}: reserved bits set in byte ${at} (0x${value.toString(16)})`);
}

function status(r: Reader, v: number, at: number): AckStatusCode {
  if (v > AckStatus.REFUSED) fail("bad-field", `${r.what}: ACK status ${v} at offset ${at} is unknown`);
  return v as AckStatusCode;
}

function end(r: Reader, exact: number): void {
  if (r.bytes.length > exact) {
    fail("inconsistent", `${r.what}: ${r.bytes.length - exact} trailing bytes after a ${exact}-byte frame`);
  }
}

/**
 * The forwarder list of a BCAST, FLOOD or LOCATE_Q (§3.9, flag b6): a count byte, at most
 * MAX_BCAST_FORWARDERS, then that many short ids; and the backup flag b7.
 */
function listed(r: Reader, flags: number): { forwarders?: number[]; backup?: true } {
  let forwarders: number[] | undefined;
  if ((flags & 0x40) !== 0) {
    const at = r.pos;
    const n = r.u8();
    if (n > MAX_BCAST_FORWARDERS) fail("bad-field", `${r.what}: ${n} forwarders at offset ${at}, at most ${MAX_BCAST_FORWARDERS}`);
    forwarders = [];
    for (let i = 0; i < n; i++) forwarders.push(r.u16());
  }
  // A backup names forwarders anew (§15): the flag without a list means nothing.
  if ((flags & 0x80) !== 0 && forwarders === undefined) fail("inconsistent", `${r.what}: backup flag without a forwarder list`);
  return { ...(forwarders === undefined ? {} : { forwarders }), ...((flags & 0x80) !== 0 ? { backup: true } : {}) };
}

function routed(r: Reader, tx: number): RoutedHeader & { flags: number } {
  const next = nodeField(r, "next hop");
  const ttl = r.u8();
  const hops = r.u8();
  const flags = r.u8();
  const src = nodeField(r, "source");
  const dst = nodeField(r, "destination");
  const seq = r.u16();
  const dstCluster = clusterField(r, "destination cluster");
  if (src === dst) fail("inconsistent", `${r.what}: source and destination are both ${src.toString(16)}`);
  return { tx, next, ttl, hops, priority: (flags & 7) as PriorityLevel, src, dst, seq, dstCluster, flags };
}

function decodeOgm(r: Reader, tx: number): OgmFrame {
  const ogmSeq = r.u16();
  const flagsAt = r.pos;
  const flags = r.u8();
  if ((flags & OGM_COMPACT_LAYOUT) === 0) fail("bad-version", `${r.what}: OGM in the layout before the compact one (flag b4 clear at offset ${flagsAt})`);
  const cluster = clusterField(r, "cluster");
  const homeless = (flags & 8) !== 0;
  if (homeless !== (cluster === 0)) {
    fail("inconsistent", `${r.what}: homeless flag ${homeless} but cluster 0x${cluster.toString(16)}`);
  }
  const battery = r.u8();
  const load = r.u8();
  const intervalAt = r.pos;
  const intervalByte = r.u8();
  if (intervalByte === 0) fail("bad-field", `${r.what}: OGM interval 0`);
  // Flag b5: 8-s units, only for what 4-s units cannot say (one encoding per interval).
  const longUnits = (flags & OGM_INTERVAL_8S) !== 0;
  // Flag b7: 16-s units, only beyond what 8-s units can say; b5 and b7 together: 32-s units, only
  // beyond what 16-s units can say (rule crowdedLongCeiling, §3.5).
  const longerUnits = (flags & OGM_INTERVAL_16S) !== 0;
  const longestUnits = longUnits && longerUnits;
  if (longestUnits && intervalByte < 128) fail("bad-field", `${r.what}: OGM interval ${intervalByte} × 32 s at offset ${intervalAt} fits 16-s units (flags b5 and b7 set)`);
  if (longUnits && !longerUnits && intervalByte < 128) fail("bad-field", `${r.what}: OGM interval ${intervalByte} × 8 s at offset ${intervalAt} fits 4-s units (flag b5 set)`);
  if (longerUnits && !longUnits && intervalByte < 128) fail("bad-field", `${r.what}: OGM interval ${intervalByte} × 16 s at offset ${intervalAt} fits 8-s units (flag b7 set)`);
  const intervalUnits = longestUnits ? 8 * intervalByte : longerUnits ? 4 * intervalByte : longUnits ? 2 * intervalByte : intervalByte;
  const relayPrio = r.u8();
  const routeSeq = r.u16();
  const cycle = r.u8();
  if (cycle === 0) fail("bad-field", `${r.what}: OGM cycle 0`);
  const nNbr = r.u8();
  const nNode = r.u8();
  const expected = OGM_FIXED_BYTES + nNbr * OGM_NEIGHBOUR_BYTES + nNode * OGM_NODE_ROUTE_BYTES;
  if (r.bytes.length < expected) {
    fail("truncated", `${r.what}: entry counts ${nNbr}/${nNode} need ${expected} bytes, frame has ${r.bytes.length}`);
  }
  const neighbours = [];
  for (let i = 0; i < nNbr; i++) neighbours.push({ short: r.u16(), rq: r.u8() });
  const nodeRoutes = [];
  for (let i = 0; i < nNode; i++) {
    const dst = nodeField(r, `node route ${i}`);
    nodeRoutes.push({ dst, seqno: r.u16(), metric: r.u16() });
  }
  // Cluster routes fill the rest of the frame; bit 0 of each one's first word (never set in a
  // cluster id) marks the 6-byte form of rule ownClusterRoute (§3.5).
  const clusterRoutes = [];
  for (let i = 0; r.remaining > 0; i++) {
    const at = r.pos;
    const word = r.u32();
    const own = (word & 1) !== 0;
    const c = own ? word - 1 : word;
    if (c === 0 || !isValidClusterId(c)) fail("bad-field", `${r.what}: cluster route ${i} at offset ${at} is not a cluster id (0x${word.toString(16)})`);
    if (own) clusterRoutes.push({ cluster: c, origin: tx, seqno: routeSeq, metric: r.u16() });
    else {
      const origin = nodeField(r, `cluster route ${i} origin`);
      clusterRoutes.push({ cluster: c, origin, seqno: r.u16(), metric: r.u16() });
    }
  }
  return {
    type: FrameType.OGM,
    tx,
    ogmSeq,
    hasFix: (flags & 1) !== 0,
    border: (flags & 2) !== 0,
    relayActive: (flags & 4) !== 0,
    homeless,
    ...((flags & OGM_DRIVING) !== 0 ? { driving: true } : {}),
    cluster,
    battery,
    load,
    intervalUnits,
    relayPrio,
    routeSeq,
    cycle,
    neighbours,
    nodeRoutes,
    clusterRoutes,
  };
}

/** DATA flag b7: this hop was taken by a way back (rule `wayRoundRefused`, §3.2, §14). */
const DATA_WAY_HOP = 0x80;

function decodeData(r: Reader, tx: number): DataFrame {
  const { flags, ...h } = routed(r, tx);
  // b7: this hop a way back (rule `wayRoundRefused`, §3.2); no DATA flag bit is reserved now.
  const wayHop = (flags & DATA_WAY_HOP) !== 0 ? { wayHop: true as const } : {};
  return { type: FrameType.DATA, ...h, wantAck: (flags & 8) !== 0, bounced: (flags & 16) !== 0, attempt: (flags >> 5) & 3, ...wayHop, payload: r.rest() };
}

function decodeAck(r: Reader, tx: number): HopAckFrame | E2eAckFrame {
  // The kind bit sits at offset 9 (hop ACK) or 26 (end-to-end); the length tells them apart.
  if (r.bytes.length === HOP_ACK_BYTES) {
    const to = nodeField(r, "acknowledged node");
    const kind = r.u8();
    if ((kind & 1) !== 0) fail("inconsistent", `${r.what}: end-to-end ACK kind in a ${HOP_ACK_BYTES}-byte frame`);
    reserved(r, kind, 0xe0, 9);
    const st = status(r, (kind >> 1) & 3, 9);
    const acks = HOP_ACKED_TYPES[(kind >> 3) & 3];
    const src = nodeField(r, "source");
    const dst = nodeField(r, "destination");
    return { type: FrameType.ACK, kind: "hop", tx, to, status: st, src, dst, seq: r.u16(), ...(acks === undefined ? {} : { acks }) };
  }
  if (r.bytes.length < E2E_ACK_BYTES) {
    fail("truncated", `${r.what}: ${r.bytes.length} bytes is neither a hop ACK (${HOP_ACK_BYTES}) nor an end-to-end ACK (${E2E_ACK_BYTES})`);
  }
  end(r, E2E_ACK_BYTES);
  const { flags, ...h } = routed(r, tx);
  // b5–6: the acknowledged DATA's attempt (§3.4); 0 in frames from before the field.
  reserved(r, flags, 0x98, 11);
  const kind = r.u8();
  if ((kind & 1) !== 1) fail("inconsistent", `${r.what}: hop ACK kind in a ${E2E_ACK_BYTES}-byte frame`);
  reserved(r, kind, 0xf8, ROUTED_HEADER_BYTES);
  const st = status(r, kind >> 1, ROUTED_HEADER_BYTES);
  return { type: FrameType.ACK, kind: "e2e", ...h, status: st, ackedHops: r.u8(), attempt: (flags >> 5) & 3 };
}

function decodeLocateQ(r: Reader, tx: number): LocateQueryFrame {
  const ttl = r.u8();
  const hops = r.u8();
  const flags = r.u8();
  reserved(r, flags, 0x38, 7);
  const asker = nodeField(r, "asker");
  const qid = r.u16();
  const askerCluster = clusterField(r, "asker cluster");
  const target = nodeField(r, "target");
  if (target === asker) fail("inconsistent", `${r.what}: a node asking for itself`);
  const list = listed(r, flags);
  end(r, r.pos);
  return { type: FrameType.LOCATE_Q, tx, ttl, hops, scope: flags & 7, asker, qid, askerCluster, target, ...list };
}

function decodeLocateA(r: Reader, tx: number): LocateAnswerFrame {
  end(r, LOCATE_A_BYTES);
  const { flags, ...h } = routed(r, tx);
  reserved(r, flags, 0xf8, 11);
  const target = nodeField(r, "target");
  const targetCluster = clusterField(r, "target cluster");
  return { type: FrameType.LOCATE_A, ...h, target, targetCluster, ageMin: r.u8() };
}

function decodeFlood(r: Reader, tx: number): FloodFrame {
  if (r.bytes.length < FLOOD_HEADER_BYTES) fail("truncated", `${r.what}: ${r.bytes.length} bytes, header needs ${FLOOD_HEADER_BYTES}`);
  const ttl = r.u8();
  const hops = r.u8();
  const flags = r.u8();
  const scopeKind = (flags >> 4) & 3;
  if (scopeKind > 2) fail("bad-field", `${r.what}: flood scope kind ${scopeKind} is unknown`);
  const src = nodeField(r, "source");
  const dst = nodeField(r, "destination");
  if (src === dst) fail("inconsistent", `${r.what}: source and destination are both ${src.toString(16)}`);
  const seq = r.u16();
  const srcCluster = clusterField(r, "source cluster");
  const dstCluster = clusterField(r, "destination cluster");
  const list = listed(r, flags);
  return {
    type: FrameType.FLOOD,
    tx,
    ttl,
    hops,
    priority: (flags & 7) as PriorityLevel,
    wantAck: (flags & 8) !== 0,
    scopeKind: scopeKind as FloodScopeKind,
    src,
    dst,
    seq,
    srcCluster,
    dstCluster,
    ...list,
    payload: r.rest(),
  };
}

function decodeBcast(r: Reader, tx: number): BcastFrame {
  if (r.bytes.length < BCAST_HEADER_BYTES) fail("truncated", `${r.what}: ${r.bytes.length} bytes, header needs ${BCAST_HEADER_BYTES}`);
  const ttl = r.u8();
  const hops = r.u8();
  const flags = r.u8();
  const src = nodeField(r, "source");
  const seq = r.u16();
  const originCluster = clusterField(r, "origin cluster");
  const list = listed(r, flags);
  return {
    type: FrameType.BCAST,
    tx,
    ttl,
    hops,
    priority: (flags & 7) as PriorityLevel,
    scope: (flags >> 3) & 7,
    src,
    seq,
    originCluster,
    ...list,
    payload: r.rest(),
  };
}

function decodeSeqnoRequest(r: Reader, tx: number): SeqnoRequestFrame {
  end(r, SEQREQ_BYTES);
  const next = nodeField(r, "next");
  const ttl = r.u8();
  if (ttl === 0) fail("bad-field", `${r.what}: ttl 0 at offset 9`);
  const flags = r.u8();
  reserved(r, flags, 0xfe, 10);
  const cluster = (flags & 1) === 1;
  const key = cluster ? clusterField(r, "cluster") : nodeField(r, "destination");
  const origin = nodeField(r, "origin");
  if (!cluster && origin !== key) fail("inconsistent", `${r.what}: a node route's origin is not its destination`);
  return { type: FrameType.SEQREQ, tx, next, ttl, cluster, key, origin, seqno: r.u16() };
}

// Indexed by type code; 7 (the security layer's key announcement) never reaches the core.
const TYPE_NAMES: readonly (string | undefined)[] = Object.freeze(["OGM", "DATA", "ACK", "LOCATE_Q", "LOCATE_A", "FLOOD", "BCAST", undefined, "SEQREQ"]);

/** Decodes one frame. Never throws on any input (only a bug in this module would); never reads past `bytes`. */
export function decodeFrame(bytes: Uint8Array): DecodeResult {
  try {
    if (bytes.length > MAX_FRAME_BYTES) {
      return { ok: false, error: { code: "oversized", message: `frame of ${bytes.length} bytes exceeds ${MAX_FRAME_BYTES}` } };
    }
    const head = new Reader(bytes, "frame");
    const first = head.u8();
    const version = first >> 4;
    const type = first & 15;
    if (version !== PROTOCOL_VERSION) fail("bad-version", `frame: version ${version}, this node speaks ${PROTOCOL_VERSION}`);
    const name = TYPE_NAMES[type];
    if (name === undefined) fail("unknown-type", `frame: type ${type} is unknown`);
    const r = new Reader(bytes, name);
    r.u8();
    const tx = nodeField(r, "transmitter");
    let frame: Frame;
    switch (type) {
      case FrameType.OGM:
        frame = decodeOgm(r, tx);
        break;
      case FrameType.DATA:
        frame = decodeData(r, tx);
        break;
      case FrameType.ACK:
        frame = decodeAck(r, tx);
        break;
      case FrameType.LOCATE_Q:
        frame = decodeLocateQ(r, tx);
        break;
      case FrameType.LOCATE_A:
        frame = decodeLocateA(r, tx);
        break;
      case FrameType.FLOOD:
        frame = decodeFlood(r, tx);
        break;
      case FrameType.SEQREQ:
        frame = decodeSeqnoRequest(r, tx);
        break;
      default:
        frame = decodeBcast(r, tx);
        break;
    }
    return { ok: true, frame };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: e.error };
    // Anything else is a bug in this module: let it surface (the property and fuzz tests catch
    // it) rather than disguise it as a damaged frame.
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

class Writer {
  readonly buf: Uint8Array;
  pos = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }
  u8(v: number, name: string): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`${name} ${v} is not a byte`);
    this.buf[this.pos++] = v;
  }
  u16(v: number, name: string): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`${name} ${v} is not 16-bit`);
    this.buf[this.pos++] = v & 0xff;
    this.buf[this.pos++] = v >>> 8;
  }
  u32(v: number, name: string): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${name} ${v} is not 32-bit`);
    this.buf[this.pos++] = v & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = v >>> 24;
  }
  node(v: number, name: string): void {
    if (!isUnicastId(v)) throw new RangeError(`${name} ${v} is not a node id`);
    this.u32(v, name);
  }
  cluster(v: number, name: string): void {
    if (!isValidClusterId(v)) throw new RangeError(`${name} 0x${v.toString(16)} is not a cluster id`);
    this.u32(v, name);
  }
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
}

function priorityBits(p: number): number {
  if (!Number.isInteger(p) || p < 0 || p > 7) throw new RangeError(`priority ${p} is not 0..7`);
  return p;
}

/** A hop ACK's kind b3–4 (§3.4): 0 names no type (frames from before the field), then DATA, end-to-end ACK, locate answer. */
const HOP_ACKED_TYPES: ReadonlyArray<HopAckedType | undefined> = Object.freeze([undefined, FrameType.DATA, FrameType.ACK, FrameType.LOCATE_A]);

/** A hop ACK's kind b3–4 for the type it names: 0 for none; a type it cannot name is refused. */
function hopAckedBits(acks: HopAckedType | undefined): number {
  if (acks === undefined) return 0;
  const i = HOP_ACKED_TYPES.indexOf(acks);
  if (i < 1) throw new RangeError(`a hop ACK cannot name frame type ${String(acks)}`);
  return i;
}

/** The end-to-end attempt of DATA and of its ACK: two flag bits (§3.2, §3.4). */
function checkAttempt(attempt: number): void {
  if (!Number.isInteger(attempt) || attempt < 0 || attempt > 3) throw new RangeError(`attempt ${attempt} is not 0..3`);
}

function writeRouted(w: Writer, type: number, h: RoutedHeader, flags: number): void {
  if (h.src === h.dst) throw new RangeError("source and destination are the same node");
  w.u8((PROTOCOL_VERSION << 4) | type, "type");
  w.node(h.tx, "tx");
  w.node(h.next, "next");
  w.u8(h.ttl, "ttl");
  w.u8(h.hops, "hops");
  w.u8(priorityBits(h.priority) | flags, "flags");
  w.node(h.src, "src");
  w.node(h.dst, "dst");
  w.u16(h.seq, "seq");
  w.cluster(h.dstCluster, "dstCluster");
}

function checkList(fw: readonly number[] | undefined): readonly number[] | undefined {
  if (fw !== undefined && fw.length > MAX_BCAST_FORWARDERS) throw new RangeError(`${fw.length} forwarders: at most ${MAX_BCAST_FORWARDERS}`);
  return fw;
}

/** Flag bits b6 (forwarder list present) and b7 (backup, only with a list) of a BCAST, FLOOD or LOCATE_Q. */
function listFlags(f: { readonly forwarders?: readonly number[]; readonly backup?: boolean }): number {
  return f.forwarders === undefined ? 0 : 0x40 | (f.backup === true ? 0x80 : 0);
}

function writeList(w: Writer, fw: readonly number[] | undefined): void {
  if (fw === undefined) return;
  w.u8(fw.length, "forwarders");
  for (const x of fw) w.u16(x, "forwarder");
}

function checkSize(size: number, what: string): void {
  if (size > MAX_FRAME_BYTES) throw new RangeError(`${what} of ${size} bytes exceeds ${MAX_FRAME_BYTES}`);
}

/** Encodes a frame. Throws RangeError if a field is out of range or the frame is too large. */
export function encodeFrame(f: Frame): Uint8Array {
  switch (f.type) {
    case FrameType.OGM: {
      let own = 0;
      for (const e of f.clusterRoutes) if (ownClusterRoute(e, f.tx, f.routeSeq)) own++;
      const size = ogmBytes(f.neighbours.length, f.nodeRoutes.length, f.clusterRoutes.length, own);
      checkSize(size, "OGM");
      if (f.homeless !== (f.cluster === 0)) throw new RangeError("homeless flag and cluster disagree");
      const w = new Writer(size);
      w.u8((PROTOCOL_VERSION << 4) | FrameType.OGM, "type");
      w.node(f.tx, "tx");
      w.u16(f.ogmSeq, "ogmSeq");
      w.u8((f.hasFix ? 1 : 0) | (f.border ? 2 : 0) | (f.relayActive ? 4 : 0) | (f.homeless ? 8 : 0) | OGM_COMPACT_LAYOUT | (f.intervalUnits > 1020 ? OGM_INTERVAL_32S : f.intervalUnits > 510 ? OGM_INTERVAL_16S : f.intervalUnits > 255 ? OGM_INTERVAL_8S : 0) | (f.driving === true ? OGM_DRIVING : 0), "flags");
      w.cluster(f.cluster, "cluster");
      w.u8(f.battery, "battery");
      w.u8(f.load, "load");
      if (f.intervalUnits < 1 || f.intervalUnits > OGM_INTERVAL_MAX_UNITS) throw new RangeError(`OGM interval must be 1..${OGM_INTERVAL_MAX_UNITS} units`);
      w.u8(f.intervalUnits > 1020 ? Math.ceil(f.intervalUnits / 8) : f.intervalUnits > 510 ? Math.ceil(f.intervalUnits / 4) : f.intervalUnits > 255 ? Math.ceil(f.intervalUnits / 2) : f.intervalUnits, "intervalUnits");
      w.u8(f.relayPrio, "relayPrio");
      w.u16(f.routeSeq, "routeSeq");
      if (f.cycle < 1) throw new RangeError("OGM cycle must be ≥ 1");
      w.u8(f.cycle, "cycle");
      w.u8(f.neighbours.length, "neighbour count");
      w.u8(f.nodeRoutes.length, "node route count");
      for (const n of f.neighbours) {
        w.u16(n.short, "neighbour short id");
        w.u8(n.rq, "rq");
      }
      for (const e of f.nodeRoutes) {
        w.node(e.dst, "route dst");
        w.u16(e.seqno, "route seqno");
        w.u16(e.metric, "route metric");
      }
      for (const e of f.clusterRoutes) {
        if (e.cluster === 0) throw new RangeError("cluster route without a cluster");
        if (ownClusterRoute(e, f.tx, f.routeSeq)) {
          if (!isValidClusterId(e.cluster)) throw new RangeError(`route cluster 0x${e.cluster.toString(16)} is not a cluster id`);
          w.u32(e.cluster + 1, "route cluster (own)");
          w.u16(e.metric, "route metric");
          continue;
        }
        w.cluster(e.cluster, "route cluster");
        w.node(e.origin, "route origin");
        w.u16(e.seqno, "route seqno");
        w.u16(e.metric, "route metric");
      }
      return w.buf;
    }
    case FrameType.DATA: {
      const size = ROUTED_HEADER_BYTES + f.payload.length;
      checkSize(size, "DATA");
      const w = new Writer(size);
      checkAttempt(f.attempt);
      writeRouted(w, FrameType.DATA, f, (f.wantAck ? 8 : 0) | (f.bounced ? 16 : 0) | (f.attempt << 5) | (f.wayHop === true ? DATA_WAY_HOP : 0));
      w.bytes(f.payload);
      return w.buf;
    }
    case FrameType.ACK: {
      if (f.kind === "hop") {
        const w = new Writer(HOP_ACK_BYTES);
        w.u8((PROTOCOL_VERSION << 4) | FrameType.ACK, "type");
        w.node(f.tx, "tx");
        w.node(f.to, "to");
        w.u8((f.status << 1) | (hopAckedBits(f.acks) << 3), "kind");
        w.node(f.src, "src");
        w.node(f.dst, "dst");
        w.u16(f.seq, "seq");
        return w.buf;
      }
      const w = new Writer(E2E_ACK_BYTES);
      checkAttempt(f.attempt);
      writeRouted(w, FrameType.ACK, f, f.attempt << 5);
      w.u8(1 | (f.status << 1), "kind");
      w.u8(f.ackedHops, "ackedHops");
      return w.buf;
    }
    case FrameType.LOCATE_Q: {
      if (f.asker === f.target) throw new RangeError("a node asking for itself");
      const fw = checkList(f.forwarders);
      const w = new Writer(LOCATE_Q_BYTES + forwarderListBytes(fw?.length));
      w.u8((PROTOCOL_VERSION << 4) | FrameType.LOCATE_Q, "type");
      w.node(f.tx, "tx");
      w.u8(f.ttl, "ttl");
      w.u8(f.hops, "hops");
      if (!Number.isInteger(f.scope) || f.scope < 0 || f.scope > 7) throw new RangeError(`scope ${f.scope} is not 0..7`);
      w.u8(f.scope | listFlags(f), "flags");
      w.node(f.asker, "asker");
      w.u16(f.qid, "qid");
      w.cluster(f.askerCluster, "askerCluster");
      w.node(f.target, "target");
      writeList(w, fw);
      return w.buf;
    }
    case FrameType.LOCATE_A: {
      const w = new Writer(LOCATE_A_BYTES);
      writeRouted(w, FrameType.LOCATE_A, f, 0);
      w.node(f.target, "target");
      w.cluster(f.targetCluster, "targetCluster");
      w.u8(f.ageMin, "ageMin");
      return w.buf;
    }
    case FrameType.FLOOD: {
      const fw = checkList(f.forwarders);
      const size = FLOOD_HEADER_BYTES + forwarderListBytes(fw?.length) + f.payload.length;
      checkSize(size, "FLOOD");
      if (f.src === f.dst) throw new RangeError("source and destination are the same node");
      if (f.scopeKind < 0 || f.scopeKind > 2) throw new RangeError(`flood scope kind ${f.scopeKind}`);
      const w = new Writer(size);
      w.u8((PROTOCOL_VERSION << 4) | FrameType.FLOOD, "type");
      w.node(f.tx, "tx");
      w.u8(f.ttl, "ttl");
      w.u8(f.hops, "hops");
      w.u8(priorityBits(f.priority) | (f.wantAck ? 8 : 0) | (f.scopeKind << 4) | listFlags(f), "flags");
      w.node(f.src, "src");
      w.node(f.dst, "dst");
      w.u16(f.seq, "seq");
      w.cluster(f.srcCluster, "srcCluster");
      w.cluster(f.dstCluster, "dstCluster");
      writeList(w, fw);
      w.bytes(f.payload);
      return w.buf;
    }
    case FrameType.BCAST: {
      const fw = checkList(f.forwarders);
      const size = BCAST_HEADER_BYTES + forwarderListBytes(fw?.length) + f.payload.length;
      checkSize(size, "BCAST");
      if (!Number.isInteger(f.scope) || f.scope < 0 || f.scope > 7) throw new RangeError(`scope ${f.scope} is not 0..7`);
      const w = new Writer(size);
      w.u8((PROTOCOL_VERSION << 4) | FrameType.BCAST, "type");
      w.node(f.tx, "tx");
      w.u8(f.ttl, "ttl");
      w.u8(f.hops, "hops");
      w.u8(priorityBits(f.priority) | (f.scope << 3) | listFlags(f), "flags");
      w.node(f.src, "src");
      w.u16(f.seq, "seq");
      w.cluster(f.originCluster, "originCluster");
      writeList(w, fw);
      w.bytes(f.payload);
      return w.buf;
    }
    case FrameType.SEQREQ: {
      if (f.ttl < 1) throw new RangeError(`ttl ${f.ttl} is not 1..255`);
      if (!f.cluster && f.origin !== f.key) throw new RangeError("a node route's origin is not its destination");
      const w = new Writer(SEQREQ_BYTES);
      w.u8((PROTOCOL_VERSION << 4) | FrameType.SEQREQ, "type");
      w.node(f.tx, "tx");
      w.node(f.next, "next");
      w.u8(f.ttl, "ttl");
      w.u8(f.cluster ? 1 : 0, "flags");
      if (f.cluster) w.cluster(f.key, "cluster");
      else w.node(f.key, "destination");
      w.node(f.origin, "origin");
      w.u16(f.seqno, "seqno");
      return w.buf;
    }
  }
}

/** Frame type from the first byte without a full decode (0..15), or -1 for an empty frame. */
export function peekFrameType(bytes: Uint8Array): number {
  return bytes.length === 0 ? -1 : bytes[0] & 15;
}

/** The (src, dst, seq) identity of a unicast frame (DATA, FLOOD, routed ACK/LOCATE_A), if it has one. */
export function unicastIdentity(f: Frame): { src: number; dst: number; seq: number } | undefined {
  switch (f.type) {
    case FrameType.DATA:
    case FrameType.FLOOD:
    case FrameType.LOCATE_A:
      return { src: f.src, dst: f.dst, seq: f.seq };
    case FrameType.ACK:
      return f.kind === "e2e" ? { src: f.src, dst: f.dst, seq: f.seq } : undefined;
    default:
      return undefined;
  }
}
