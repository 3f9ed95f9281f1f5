// MeshCore as a simulated router (shared/reference/meshcore.md; docs/simulator.md §MeshCore).
// Only repeaters relay: floods through every repeater after a random delay in [0, 5·t], direct
// packets by the repeater the path names next. A DM to a contact without a known path floods;
// the destination answers with a PATH packet (the route the flood took, with the ACK inside), the
// sender answers that with a reciprocal PATH sent direct, and later DMs and their ACKs go direct,
// one transmission per hop, the path bytes in every frame. A DM without its ACK is retried 3
// times, the last one as a flood that learns the path again. Repeaters advertise themselves at
// MeshCore's default intervals; companions only when their user asks (never, here).
import { airtimeMs } from "../../core/airtime";
import { DutyLedger } from "../../core/duty-ledger";
import type { ModemPreset } from "../../core/presets";
import { subBandFor } from "../../core/regions";
import type { SeededRng } from "../../core/rng";
import { BROADCAST, NODE_NONE, isPriority, isUnicastId } from "../../core/station";
import type { NodeId, PriorityLevel, RxMeta, SendOptions, SendResult, StationEvent, TxFrame } from "../../core/station";
import type { MobileStation, RouterContext } from "./context";
import {
  MAX_PATH,
  ROUTE_DIRECT,
  ROUTE_FLOOD,
  TYPE_ACK,
  TYPE_ADVERT,
  TYPE_GRP_TXT,
  TYPE_PATH,
  TYPE_TXT_MSG,
  CHANNEL_HASH,
  ackPayload,
  advertPayload,
  bytesHash,
  cipherLength,
  decodePacket,
  encodePacket,
  groupPayload,
  pathPlain,
  peerPayload,
  peerPayloadFrom,
  peerPlain,
  readAck,
  readPathPlain,
  textPlain,
  TEXT_PREFIX_BYTES,
} from "./meshcore-frame";
import type { Packet } from "./meshcore-frame";

/** `flood.max`: a repeater does not relay a flood whose path already holds this many hops. */
export const DEFAULT_FLOOD_MAX = 64;
/** Repeater retransmit delay: U[0, DELAY_SPREAD·t], t = airtime(path + payload + 2) × factor. */
export const DELAY_SPREAD = 5;
/** MeshCore repeater defaults `txdelay` (floods) and `direct.txdelay` (unverified). */
export const TX_DELAY_FACTOR = 0.5;
export const DIRECT_TX_DELAY_FACTOR = 0.2;
/** Channel check: busy → try again after 200 ms. */
export const CAD_RETRY_MS = 200;
/** Airtime budget factor `af` (default 1): after a transmission of T the radio waits af·T. */
export const AIRTIME_BUDGET_FACTOR = 1;
/** Retries of a DM without its ACK; the last goes as a flood. */
export const MAX_RETRIES = 3;
/** ACK timeouts of the companion firmware (unverified): flood 500 ms + 16·airtime; direct 500 ms + (6·airtime + 250 ms)·(hops + 1). */
export const SEND_TIMEOUT_BASE_MS = 500;
export const FLOOD_TIMEOUT_FACTOR = 16;
export const DIRECT_TIMEOUT_PER_HOP_FACTOR = 6;
export const DIRECT_TIMEOUT_PER_HOP_EXTRA_MS = 250;
/** Delays before a destination's answers: the PATH return and ACK (TXT_ACK_DELAY), the reciprocal PATH. */
export const ANSWER_DELAY_MS = 200;
export const RECIPROCAL_PATH_DELAY_MS = 500;
/** Repeater adverts: zero-hop every `advert.interval` (240 min), flooded every `flood.advert.interval` (12 h). */
export const ADVERT_INTERVAL_MS = 240 * 60_000;
export const FLOOD_ADVERT_INTERVAL_MS = 12 * 3_600_000;
/** Loop detection `minimal`: drop a flood whose path already names this repeater twice. */
export const LOOP_HASH_LIMIT = 2;
/** MeshCore's longest text in a message. */
export const MAX_TEXT = 160;
// Recently seen packet hashes (MeshCore's table holds 128) and the outbound queue's depth.
const SEEN_CAPACITY = 128;
const MAX_QUEUE = 32;

export interface MeshCoreOptions {
  /** Whether this node repeats (docs/simulator.md §MeshCore: which nodes are repeaters). */
  readonly repeater: boolean;
  readonly floodMax: number;
}

/** `routerParams.meshcore.floodMax`, validated by the scenario reader; the default otherwise. */
export function floodMaxParam(params: Readonly<Record<string, unknown>>): number {
  const f = params.floodMax;
  return typeof f === "number" && Number.isInteger(f) && f >= 0 && f <= MAX_PATH ? f : DEFAULT_FLOOD_MAX;
}

interface Pending {
  bytes: Uint8Array;
  due: number;
  priority: PriorityLevel;
  kind: "data" | "control";
  order: number;
  air: number;
  /** The DM this frame is an attempt of. */
  dm: Dm | undefined;
}

interface Dm {
  seq: number;
  dst: NodeId;
  text: Uint8Array;
  timestamp: number;
  priority: PriorityLevel;
  wantAck: boolean;
  attempt: number;
  /** Path length of the current attempt, −1 when it floods. */
  pathLen: number;
  timer: number;
  checksums: number[];
}

export class MeshCoreStation implements MobileStation {
  readonly id: NodeId;
  readonly repeater: boolean;
  readonly floodMax: number;
  readonly #rng: SeededRng;
  readonly #preset: ModemPreset;
  readonly #ledger: DutyLedger;
  readonly #hash: number;
  readonly #contacts = new Map<number, NodeId[]>();
  readonly #outPath = new Map<NodeId, Uint8Array>();
  readonly #seen = new Set<number>();
  readonly #seenRing = new Array<number>(SEEN_CAPACITY).fill(-1);
  #seenNext = 0;
  readonly #queue: Pending[] = [];
  #inFlight: Pending | undefined;
  #order = 0;
  #nextTxAllowed = 0;
  readonly #dms = new Map<number, Dm>();
  readonly #byChecksum = new Map<number, Dm>();
  #seq = 0;
  #clock = 0;
  #advertAt = Infinity;
  #floodAdvertAt = Infinity;
  readonly #events: StationEvent[] = [];
  /** Counters for tests and diagnostics. */
  readonly stats = { malformed: 0, relayedFlood: 0, relayedDirect: 0, loopDrops: 0, hopCapDrops: 0, queueDrops: 0, dutyHolds: 0, adverts: 0 };

  constructor(ctx: RouterContext, options: MeshCoreOptions) {
    this.id = ctx.id;
    this.repeater = options.repeater;
    this.floodMax = options.floodMax;
    this.#rng = ctx.rng;
    this.#preset = ctx.preset;
    this.#hash = ctx.id & 0xff;
    const band = subBandFor(ctx.region, ctx.frequencyHz, ctx.preset.bandwidthHz);
    this.#ledger = new DutyLedger({ dutyCycle: band ? band.dutyCycle : 1 });
    for (const c of ctx.contacts ?? []) {
      if (c === ctx.id) continue;
      const list = this.#contacts.get(c & 0xff);
      if (list) list.push(c);
      else this.#contacts.set(c & 0xff, [c]);
    }
    if (this.repeater) {
      // A repeater has been up for a while: its advert timers run at a random phase.
      this.#advertAt = ctx.now + this.#rng.next() * ADVERT_INTERVAL_MS;
      this.#floodAdvertAt = ctx.now + this.#rng.next() * FLOOD_ADVERT_INTERVAL_MS;
    }
  }

  /** The stored path towards a contact (repeater hashes), if any. */
  pathTo(dst: NodeId): Uint8Array | undefined {
    return this.#outPath.get(dst);
  }

  // ---- Station contract -------------------------------------------------------------------

  send(now: number, dst: NodeId, payload: Uint8Array, options?: SendOptions): SendResult {
    const priority = options?.priority ?? 3;
    if (!isPriority(priority)) return { ok: false, code: "bad-priority", reason: `priority ${String(priority)} is not 0..7` };
    if (dst !== BROADCAST && (!isUnicastId(dst) || dst === this.id)) return { ok: false, code: "bad-destination", reason: `cannot send to ${dst}` };
    if (payload.length > MAX_TEXT) return { ok: false, code: "too-large", reason: `payload of ${payload.length} bytes exceeds MeshCore's ${MAX_TEXT}` };
    if (this.#queue.length >= MAX_QUEUE) {
      this.stats.queueDrops++;
      return { ok: false, code: "queue-full", reason: "transmit queue full" };
    }
    const seq = ++this.#seq;
    const timestamp = this.#timestamp(now);
    if (dst === BROADCAST) {
      const body = groupPayload(textPlain(timestamp, 0, payload));
      this.#enqueueOwn({ route: ROUTE_FLOOD, type: TYPE_GRP_TXT, path: new Uint8Array(0), payload: body }, now, priority, "data", undefined);
      return { ok: true, seq };
    }
    if (!this.#contacts.has(dst & 0xff) || !(this.#contacts.get(dst & 0xff) ?? []).includes(dst))
      return { ok: false, code: "bad-destination", reason: `${dst} is not a contact` };
    const dm: Dm = { seq, dst, text: payload.slice(), timestamp, priority, wantAck: options?.wantAck !== false, attempt: 0, pathLen: -1, timer: Infinity, checksums: [] };
    this.#dms.set(seq, dm);
    this.#attempt(now, dm);
    return { ok: true, seq };
  }

  receive(bytes: Uint8Array, meta: RxMeta): void {
    const p = decodePacket(bytes);
    if (!p) {
      this.stats.malformed++;
      return;
    }
    const now = meta.at;
    const h = packetHash(p);
    if (p.route === ROUTE_DIRECT && p.path.length > 0) {
      // Only the repeater the path names next forwards it, once; everyone else ignores it.
      if (!this.repeater || p.path[0] !== this.#hash || this.#seen.has(h)) return;
      this.#remember(h);
      this.#forwardDirect(now, p);
      return;
    }
    if (this.#seen.has(h)) return;
    this.#remember(h);
    const consumed = this.#handle(now, p);
    if (p.route === ROUTE_FLOOD && this.repeater && !consumed) this.#relayFlood(now, p);
  }

  tick(now: number): void {
    for (const dm of [...this.#dms.values()]) {
      if (dm.timer > now) continue;
      if (!dm.wantAck || dm.attempt >= MAX_RETRIES) {
        this.#forget(dm);
        if (dm.wantAck) this.#events.push({ type: "send-failed", at: now, dst: dm.dst, seq: dm.seq, code: "max-retransmit", reason: "no acknowledgement after the last retry" });
        continue;
      }
      dm.attempt++;
      this.#attempt(now, dm);
    }
    if (now >= this.#advertAt) {
      this.#advertAt += ADVERT_INTERVAL_MS;
      this.#advert(now, ROUTE_DIRECT);
    }
    if (now >= this.#floodAdvertAt) {
      this.#floodAdvertAt += FLOOD_ADVERT_INTERVAL_MS;
      this.#advert(now, ROUTE_FLOOD);
    }
  }

  nextWakeup(): number {
    let t = Math.min(this.#advertAt, this.#floodAdvertAt);
    for (const p of this.#queue) t = Math.min(t, Math.max(p.due, this.#nextTxAllowed));
    for (const dm of this.#dms.values()) if (dm.timer < t) t = dm.timer;
    return t;
  }

  pollTransmit(now: number): TxFrame | undefined {
    if (this.#inFlight || now < this.#nextTxAllowed) return undefined;
    let best = -1;
    for (let i = 0; i < this.#queue.length; i++) {
      const p = this.#queue[i];
      if (p.due > now) continue;
      const b = best < 0 ? undefined : this.#queue[best];
      if (!b || p.due < b.due || (p.due === b.due && p.order < b.order)) best = i;
    }
    if (best < 0) return undefined;
    const p = this.#queue[best];
    if (!this.#ledger.allows(now, p.air, p.priority)) {
      // Held until the rolling hour has room: the regional plan is never broken.
      this.stats.dutyHolds++;
      p.due = this.#ledger.earliestStart(now, p.air, p.priority);
      if (p.due === Infinity) {
        // Longer than the whole budget: it can never go out.
        this.#queue.splice(best, 1);
        if (p.dm && this.#dms.get(p.dm.seq) === p.dm) {
          this.#forget(p.dm);
          this.#events.push({ type: "send-failed", at: now, dst: p.dm.dst, seq: p.dm.seq, code: "duty-cycle", reason: "frame longer than the duty-cycle budget" });
        }
      }
      return undefined;
    }
    this.#queue.splice(best, 1);
    this.#inFlight = p;
    return { bytes: p.bytes, priority: p.priority, kind: p.kind };
  }

  transmitDone(now: number, outcome: "sent" | "busy"): void {
    const p = this.#inFlight;
    if (!p) return;
    this.#inFlight = undefined;
    if (outcome === "busy") {
      p.due = now + CAD_RETRY_MS;
      this.#queue.push(p);
      return;
    }
    this.#ledger.record(now - p.air, p.air);
    this.#nextTxAllowed = now + p.air * AIRTIME_BUDGET_FACTOR;
    const dm = p.dm;
    if (dm && this.#dms.get(dm.seq) === dm) dm.timer = now + ackTimeoutMs(p.air, dm.pathLen);
  }

  drainEvents(): StationEvent[] {
    return this.#events.splice(0, this.#events.length);
  }

  // ---- sending ----------------------------------------------------------------------------

  /** One attempt of a DM: direct along the stored path, or a flood (no path, or the last retry). */
  #attempt(now: number, dm: Dm): void {
    let path = this.#outPath.get(dm.dst);
    if (path && dm.attempt === MAX_RETRIES) {
      // The last retry floods and forgets the path, so the answer brings a fresh one.
      this.#outPath.delete(dm.dst);
      this.#events.push({ type: "fallback-flood", at: now, dst: dm.dst, seq: dm.seq });
      this.#events.push({ type: "route-changed", at: now, dst: dm.dst, nextHop: undefined });
      path = undefined;
    }
    const body = peerPayload(this.id, dm.dst, textPlain(dm.timestamp, dm.attempt, dm.text));
    const checksum = ackChecksum(body, this.id);
    dm.checksums.push(checksum);
    this.#byChecksum.set(checksum, dm);
    dm.pathLen = path ? path.length : -1;
    dm.timer = Infinity;
    const packet: Packet = { route: path ? ROUTE_DIRECT : ROUTE_FLOOD, type: TYPE_TXT_MSG, path: path ?? new Uint8Array(0), payload: body };
    this.#enqueueOwn(packet, now, dm.priority, "data", dm);
  }

  #enqueueOwn(packet: Packet, due: number, priority: PriorityLevel, kind: "data" | "control", dm: Dm | undefined): void {
    // Our own packet: its echoes from repeaters are duplicates.
    this.#remember(packetHash(packet));
    this.#enqueue(encodePacket(packet), due, priority, kind, dm);
  }

  #enqueue(bytes: Uint8Array, due: number, priority: PriorityLevel, kind: "data" | "control", dm: Dm | undefined): boolean {
    if (this.#queue.length >= MAX_QUEUE) {
      this.stats.queueDrops++;
      return false;
    }
    this.#queue.push({ bytes, due, priority, kind, order: this.#order++, air: airtimeMs(this.#preset, bytes.length), dm });
    return true;
  }

  #advert(now: number, route: number): void {
    this.stats.adverts++;
    this.#enqueueOwn({ route, type: TYPE_ADVERT, path: new Uint8Array(0), payload: advertPayload(this.id, this.#timestamp(now)) }, now, 5, "control", undefined);
  }

  /** MeshCore timestamps are seconds, kept strictly increasing per node so every message differs. */
  #timestamp(now: number): number {
    this.#clock = Math.max(this.#clock + 1, Math.floor(now / 1000));
    return this.#clock;
  }

  // ---- receiving --------------------------------------------------------------------------

  /** Handles a packet that reached its end here (flood, or direct with its path used up); true = addressed to us, not to be relayed. */
  #handle(now: number, p: Packet): boolean {
    switch (p.type) {
      case TYPE_TXT_MSG:
        return this.#textReceived(now, p);
      case TYPE_PATH:
        return this.#pathReceived(now, p);
      case TYPE_ACK: {
        const checksum = readAck(p.payload);
        if (checksum === undefined) {
          this.stats.malformed++;
          return true;
        }
        return this.#ackReceived(now, checksum);
      }
      case TYPE_GRP_TXT:
        if (p.payload[0] === CHANNEL_HASH && p.payload.length >= 3 + TEXT_PREFIX_BYTES) {
          const plain = p.payload.subarray(3);
          this.#deliver(now, NODE_NONE, BROADCAST, plain.slice(TEXT_PREFIX_BYTES), p.route === ROUTE_FLOOD ? p.path.length : 0);
        }
        return false;
      default:
        return false;
    }
  }

  /** The contact that sent a peer payload to us (hash and MAC), if any. */
  #sender(payload: Uint8Array): NodeId | undefined {
    if (payload.length < 4 || payload[0] !== this.#hash) return undefined;
    for (const c of this.#contacts.get(payload[1]) ?? []) if (peerPayloadFrom(payload, c, this.id)) return c;
    return undefined;
  }

  #textReceived(now: number, p: Packet): boolean {
    const src = this.#sender(p.payload);
    if (src === undefined) return false;
    const plain = peerPlain(p.payload);
    if (plain.length < TEXT_PREFIX_BYTES) {
      this.stats.malformed++;
      return true;
    }
    this.#deliver(now, src, this.id, plain.slice(TEXT_PREFIX_BYTES), p.route === ROUTE_FLOOD ? p.path.length : 0);
    const checksum = ackChecksum(p.payload, src);
    if (p.route === ROUTE_FLOOD) {
      // Tell the sender the way here (the path the flood took), with the ACK inside.
      const body = peerPayload(this.id, src, pathPlain(p.path, checksum));
      this.#enqueueOwn({ route: ROUTE_FLOOD, type: TYPE_PATH, path: new Uint8Array(0), payload: body }, now + ANSWER_DELAY_MS, 2, "control", undefined);
    } else {
      const back = this.#outPath.get(src);
      const packet: Packet = { route: back ? ROUTE_DIRECT : ROUTE_FLOOD, type: TYPE_ACK, path: back ?? new Uint8Array(0), payload: ackPayload(checksum) };
      this.#enqueueOwn(packet, now + ANSWER_DELAY_MS, 2, "control", undefined);
    }
    return true;
  }

  #pathReceived(now: number, p: Packet): boolean {
    const src = this.#sender(p.payload);
    if (src === undefined) return false;
    const r = readPathPlain(peerPlain(p.payload));
    if (!r) {
      this.stats.malformed++;
      return true;
    }
    const old = this.#outPath.get(src);
    this.#outPath.set(src, r.path);
    if (!old || !sameBytes(old, r.path)) this.#events.push({ type: "route-changed", at: now, dst: src, nextHop: r.path.length > 0 ? r.path[0] : src });
    if (r.ack !== undefined) this.#ackReceived(now, r.ack);
    if (p.route === ROUTE_FLOOD) {
      // Reciprocal path, sent direct: the other end learns the way back here.
      const body = peerPayload(this.id, src, pathPlain(p.path, undefined));
      this.#enqueueOwn({ route: ROUTE_DIRECT, type: TYPE_PATH, path: r.path, payload: body }, now + RECIPROCAL_PATH_DELAY_MS, 2, "control", undefined);
    }
    return true;
  }

  #ackReceived(now: number, checksum: number): boolean {
    const dm = this.#byChecksum.get(checksum);
    if (!dm) return false;
    this.#forget(dm);
    this.#events.push({ type: "acked", at: now, dst: dm.dst, seq: dm.seq, hops: Math.max(0, dm.pathLen) });
    // Ours: a repeater does not pass it on.
    return true;
  }

  #forget(dm: Dm): void {
    this.#dms.delete(dm.seq);
    for (const c of dm.checksums) this.#byChecksum.delete(c);
    const i = this.#queue.findIndex((q) => q.dm === dm);
    if (i >= 0) this.#queue.splice(i, 1);
  }

  #deliver(now: number, src: NodeId, dst: NodeId, payload: Uint8Array, hops: number): void {
    this.#events.push({ type: "delivered", at: now, src, dst, seq: 0, payload, hops, priority: 3 });
  }

  #remember(h: number): void {
    if (this.#seen.has(h)) return;
    const old = this.#seenRing[this.#seenNext];
    if (old >= 0) this.#seen.delete(old);
    this.#seenRing[this.#seenNext] = h;
    this.#seenNext = (this.#seenNext + 1) % SEEN_CAPACITY;
    this.#seen.add(h);
  }

  // ---- repeating --------------------------------------------------------------------------

  #relayFlood(now: number, p: Packet): void {
    if (p.path.length >= this.floodMax || p.path.length >= MAX_PATH) {
      this.stats.hopCapDrops++;
      return;
    }
    let mine = 0;
    for (const b of p.path) if (b === this.#hash) mine++;
    if (mine >= LOOP_HASH_LIMIT) {
      this.stats.loopDrops++;
      return;
    }
    const path = new Uint8Array(p.path.length + 1);
    path.set(p.path);
    path[p.path.length] = this.#hash;
    const delay = this.#retransmitDelay(p, TX_DELAY_FACTOR);
    if (this.#enqueue(encodePacket({ ...p, path }), now + delay, 3, kindOf(p.type), undefined)) this.stats.relayedFlood++;
  }

  #forwardDirect(now: number, p: Packet): void {
    const delay = this.#retransmitDelay(p, DIRECT_TX_DELAY_FACTOR);
    if (this.#enqueue(encodePacket({ ...p, path: p.path.slice(1) }), now + delay, 3, kindOf(p.type), undefined)) this.stats.relayedDirect++;
  }

  #retransmitDelay(p: Packet, factor: number): number {
    const t = airtimeMs(this.#preset, p.path.length + p.payload.length + 2) * factor;
    return this.#rng.next() * DELAY_SPREAD * t;
  }
}

/** ACK waiting time after an attempt went out: flood or direct over `pathLen` repeaters. */
export function ackTimeoutMs(airMs: number, pathLen: number): number {
  if (pathLen < 0) return SEND_TIMEOUT_BASE_MS + FLOOD_TIMEOUT_FACTOR * airMs;
  return SEND_TIMEOUT_BASE_MS + (DIRECT_TIMEOUT_PER_HOP_FACTOR * airMs + DIRECT_TIMEOUT_PER_HOP_EXTRA_MS) * (pathLen + 1);
}

/** The ACK checksum of a DM payload: its sender and content, as MeshCore's hash of text and key. */
function ackChecksum(payload: Uint8Array, srcId: NodeId): number {
  return bytesHash(payload, srcId >>> 0);
}

/** Duplicate key: payload type and payload (not the path, which grows hop by hop), as MeshCore's. */
function packetHash(p: Packet): number {
  if (p.type === TYPE_ACK) {
    const a = readAck(p.payload);
    if (a !== undefined) return a;
  }
  return bytesHash(p.payload, Math.imul(p.type + 1, 0x9e3779b1));
}

function kindOf(type: number): "data" | "control" {
  return type === TYPE_TXT_MSG || type === TYPE_GRP_TXT ? "data" : "control";
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Bytes a DM of `text` bytes costs on the air over `hops` repeaters (for docs and tests). */
export function dmFrameBytes(text: number, pathLen: number): number {
  return 2 + pathLen + 4 + cipherLength(TEXT_PREFIX_BYTES + text);
}
