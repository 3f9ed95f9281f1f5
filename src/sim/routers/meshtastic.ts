// Meshtastic-model routers as Stations: naive flooding and managed flooding (FloodingRouter +
// ReliableRouter behaviour of firmware ≥ 2.6, radios.md §5.4–5.8, simulators.md §4). The
// next-hop router (nexthop.ts) extends the managed one.
//
// Modelled: SNR-weighted rebroadcast contention (CW = map(SNR −20…10 → 3…8), slot from the core),
// CLIENT cancels its queued rebroadcast on hearing a copy, ROUTER relays early and never
// cancels, DM rebroadcasts cancelled when the ACK is overheard, hop_limit/hop_start, duplicate
// history with FIFO eviction, routing ACKs flooded back with the firmware's response hop limit,
// originator retransmission (3 transmissions) stopped by an implicit ACK (any rebroadcast heard)
// or the real ACK, own-packet delay from channel utilisation, a 16-frame TX queue, and the core
// DutyLedger: sends refused and frames held so the rolling-hour plan is never broken.
import { airtimeMs } from "../../core/airtime";
import { DutyLedger } from "../../core/duty-ledger";
import { slotTimeMs } from "../../core/presets";
import type { ModemPreset } from "../../core/presets";
import { subBandFor } from "../../core/regions";
import { randInt } from "../../core/rng";
import type { SeededRng } from "../../core/rng";
import { BROADCAST, isPriority, isUnicastId } from "../../core/station";
import type { NodeId, PriorityLevel, RxMeta, SendOptions, SendResult, StationEvent, TxFrame } from "../../core/station";
import type { MobileStation, RoleName, RouterContext } from "./context";
import {
  MAX_APP_PAYLOAD,
  PORT_DATA,
  PORT_ROUTING,
  decodeFrame,
  encodeFrame,
  rewriteHop,
  routingBody,
} from "./header";
import type { Decoded, Header } from "./header";

export const CW_MIN = 3;
export const CW_MAX = 8;
export const SNR_MIN_DB = -20;
export const SNR_MAX_DB = 10;
/** Firmware PROCESSING_TIME in the retransmission timeout, ms. */
export const PROCESSING_TIME_MS = 4500;
/** Transmissions of a want_ack packet by its originator (1 + 2 retries, NUM_RELIABLE_RETX = 3). */
export const ORIGIN_TRANSMISSIONS = 3;
export const MAX_TX_QUEUE = 16;
/** Highest hop limit the 3-bit header field carries. */
export const HOP_MAX = 7;
// Duplicate history capacity: firmware uses max(2·MAX_NUM_NODES, 100); ESP32 builds allow ~250 nodes.
const HISTORY_CAPACITY = 500;
// Channel utilisation window: 6 × 10 s, as the firmware's AirTime class.
const UTIL_BUCKET_MS = 10_000;
const UTIL_BUCKETS = 6;

export type FloodMode = "naive" | "managed";

export interface MeshtasticOptions {
  readonly mode: FloodMode;
  /** Hop limit the node puts on its own packets (managed: 3, 5 or 7). */
  readonly hopLimit: number;
}

/**
 * Arduino map() as the firmware calls it on a float SNR: truncated to long, integer division.
 * The SNR is first clamped to the mapped range −20…10 dB, as Meshtasticator clamps it and as a
 * real radio's packet SNR saturates: the simulator's SNR (RSSI − noise floor) can reach 60 dB
 * next to a sender, which the unclamped map would turn into a window of 2^16 slots.
 */
export function contentionWindow(snrDb: number): number {
  const s = Math.trunc(Math.min(SNR_MAX_DB, Math.max(SNR_MIN_DB, snrDb)));
  return Math.trunc(((s - SNR_MIN_DB) * (CW_MAX - CW_MIN)) / (SNR_MAX_DB - SNR_MIN_DB)) + CW_MIN;
}

/** Firmware getHopLimitForResponse(): hops the request used plus a margin of two, capped. */
export function responseHopLimit(hopStart: number, hopLimit: number, configured: number): number {
  if (hopStart !== 0) {
    const used = hopStart < hopLimit ? configured : hopStart - hopLimit;
    if (used > configured) return used;
    if (used + 2 < configured) return used + 2;
  }
  return configured;
}

interface History {
  relayers: number[];
  weRelayed: boolean;
}

interface Pending {
  bytes: Uint8Array;
  key: string;
  due: number;
  priority: PriorityLevel;
  kind: "data" | "control";
  order: number;
  air: number;
  /** SNR of the copy we relay (NaN for own packets): decides the re-drawn delay after "busy". */
  snr: number;
  reliable: Reliable | undefined;
}

interface Reliable {
  key: string;
  bytes: Uint8Array;
  remaining: number;
  timer: number;
  origin: boolean;
  dst: NodeId;
  id: number;
  priority: PriorityLevel;
  kind: "data" | "control";
  nextHop: number;
  queued: Pending | undefined;
}

export class MeshtasticStation implements MobileStation {
  readonly id: NodeId;
  readonly role: RoleName;
  readonly mode: FloodMode;
  readonly hopLimit: number;
  protected readonly rng: SeededRng;
  protected readonly preset: ModemPreset;
  protected readonly slotMs: number;
  protected readonly ledger: DutyLedger;
  protected readonly ourByte: number;
  protected readonly events: StationEvent[] = [];
  readonly #queue: Pending[] = [];
  readonly #history = new Map<string, History>();
  readonly #reliable = new Map<string, Reliable>();
  #inFlight: Pending | undefined;
  #order = 0;
  readonly #utilIndex = new Float64Array(UTIL_BUCKETS).fill(-1);
  readonly #utilMs = new Float64Array(UTIL_BUCKETS);
  /** Counters the simulator may read for diagnostics. */
  readonly stats = { malformed: 0, cancelledRelays: 0, dutyHolds: 0, queueDrops: 0 };

  constructor(ctx: RouterContext, options: MeshtasticOptions) {
    this.id = ctx.id;
    this.role = ctx.role;
    this.mode = options.mode;
    this.hopLimit = Math.min(HOP_MAX, Math.max(0, options.hopLimit));
    this.rng = ctx.rng;
    this.preset = ctx.preset;
    this.slotMs = slotTimeMs(ctx.preset);
    const band = subBandFor(ctx.region, ctx.frequencyHz, ctx.preset.bandwidthHz);
    this.ledger = new DutyLedger({ dutyCycle: band ? band.dutyCycle : 1 });
    this.ourByte = ctx.id & 0xff;
  }

  // ---- Station contract -------------------------------------------------------------------

  send(now: number, dst: NodeId, payload: Uint8Array, options?: SendOptions): SendResult {
    const priority = options?.priority ?? 3;
    if (!isPriority(priority)) return { ok: false, code: "bad-priority", reason: `priority ${String(priority)} is not 0..7` };
    if (dst !== BROADCAST && (!isUnicastId(dst) || dst === this.id))
      return { ok: false, code: "bad-destination", reason: `cannot send to ${dst}` };
    if (payload.length > MAX_APP_PAYLOAD)
      return { ok: false, code: "too-large", reason: `payload of ${payload.length} bytes exceeds ${MAX_APP_PAYLOAD}` };
    if (this.#queue.length >= MAX_TX_QUEUE) {
      this.stats.queueDrops++;
      return { ok: false, code: "queue-full", reason: "transmit queue full" };
    }
    const wantAck = this.mode === "managed" && dst !== BROADCAST && options?.wantAck === true;
    const id = this.newPacketId();
    const header: Header = {
      to: dst,
      from: this.id,
      id,
      hopLimit: this.hopLimit,
      wantAck,
      hopStart: this.hopLimit,
      nextHop: dst === BROADCAST ? 0 : this.nextHopFor(now, dst),
      relayNode: this.ourByte,
    };
    const bytes = encodeFrame(header, PORT_DATA, payload);
    const air = airtimeMs(this.preset, bytes.length);
    if (!this.ledger.allows(now, air, priority)) {
      return { ok: false, code: "duty-cycle", reason: "the rolling-hour duty-cycle budget is used up" };
    }
    const key = keyOf(this.id, id);
    this.remember(key);
    const reliable = wantAck ? this.newReliable(key, bytes, true, dst, id, priority, "data", header.nextHop) : undefined;
    this.enqueue(bytes, key, now + this.ownDelay(now), priority, "data", NaN, reliable);
    return { ok: true, seq: id };
  }

  receive(bytes: Uint8Array, meta: RxMeta): void {
    const h = decodeFrame(bytes);
    if (!h) {
      this.stats.malformed++;
      return;
    }
    const now = meta.at;
    this.addUtil(now, airtimeMs(this.preset, bytes.length));
    this.heardFrame(now, h);
    const key = keyOf(h.from, h.id);
    if (h.from === this.id) {
      this.ownPacketRelayed(now, key, h);
      return;
    }
    const seen = this.#history.get(key);
    if (seen) {
      this.duplicate(now, key, h, seen, bytes, meta.snr);
      return;
    }
    const entry = this.remember(key);
    if (h.relayNode !== 0) addRelayer(entry, h.relayNode);
    if (h.port === PORT_ROUTING) {
      this.routingReceived(now, key, h, bytes, meta.snr, entry);
      return;
    }
    if (h.to === this.id) {
      this.deliver(now, h);
      if (h.wantAck) this.sendAck(now, h);
      return;
    }
    if (h.to === BROADCAST) this.deliver(now, h);
    this.maybeRelay(now, key, h, bytes, meta.snr, entry);
  }

  tick(now: number): void {
    for (const r of [...this.#reliable.values()]) {
      if (r.timer > now) continue;
      if (r.remaining > 0) {
        r.remaining--;
        r.timer = Infinity;
        if (r.remaining === 0 && r.nextHop !== 0) {
          // Last try: forget the next hop and flood (NextHopRouter).
          r.nextHop = 0;
          rewriteHop(r.bytes, r.bytes[12] & 7, 0, this.ourByte);
          if (r.origin) this.events.push({ type: "fallback-flood", at: now, dst: r.dst, seq: r.id });
        }
        const copy = r.bytes.slice();
        this.enqueue(copy, r.key, now + this.ownDelay(now), r.priority, r.kind, NaN, r);
      } else {
        this.#reliable.delete(r.key);
        if (r.origin) {
          this.events.push({
            type: "send-failed",
            at: now,
            dst: r.dst,
            seq: r.id,
            code: "max-retransmit",
            reason: "no acknowledgement after the last retransmission",
          });
        }
      }
    }
  }

  nextWakeup(): number {
    let t = Infinity;
    for (const p of this.#queue) if (p.due < t) t = p.due;
    for (const r of this.#reliable.values()) if (r.timer < t) t = r.timer;
    return t;
  }

  pollTransmit(now: number): TxFrame | undefined {
    if (this.#inFlight) return undefined;
    let best = -1;
    for (let i = 0; i < this.#queue.length; i++) {
      const p = this.#queue[i];
      if (p.due > now) continue;
      if (best < 0) {
        best = i;
        continue;
      }
      const b = this.#queue[best];
      if (p.priority < b.priority || (p.priority === b.priority && (p.due < b.due || (p.due === b.due && p.order < b.order))))
        best = i;
    }
    if (best < 0) return undefined;
    const p = this.#queue[best];
    if (!this.ledger.allows(now, p.air, p.priority)) {
      // Hold it until the rolling hour has room: the plan is never broken.
      this.stats.dutyHolds++;
      p.due = this.ledger.earliestStart(now, p.air, p.priority);
      if (p.due === Infinity) this.dropPending(best);
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
      p.due = now + (Number.isNaN(p.snr) ? this.ownDelay(now) : this.relayDelay(p.snr));
      this.#queue.push(p);
      return;
    }
    this.ledger.record(now - p.air, p.air);
    this.addUtil(now, p.air);
    const r = p.reliable;
    if (r && r.queued === p) {
      r.queued = undefined;
      if (this.#reliable.get(r.key) === r) r.timer = now + this.retransmitTimeout(now, p.air);
    }
  }

  drainEvents(): StationEvent[] {
    return this.events.splice(0, this.events.length);
  }

  /** Whether the packet (from, id) is in the duplicate history (the firmware's wasSeenRecently). */
  seenPacket(from: NodeId, id: number): boolean {
    return this.#history.has(keyOf(from, id));
  }

  // ---- hooks the next-hop router overrides ------------------------------------------------

  /** Next-hop byte for a DM to dst (0 = flood). */
  protected nextHopFor(_now: number, _dst: NodeId): number {
    return 0;
  }

  /** Any decoded frame: its transmitter is a direct neighbour (full id if 0-hop, else its byte). */
  protected heardFrame(_now: number, _h: Decoded): void {}

  /** A routing ACK from `ackFrom`, relayed by `relayByte`, for packet `requestId` we sent or relayed. */
  protected learnFromAck(_now: number, _h: Decoded, _relayersOfOriginal: readonly number[] | undefined, _weRelayed: boolean): void {}

  /** Whether a relay of a DM is for us to make, and with which next hop (undefined = not ours). */
  protected relayNextHop(_now: number, _h: Decoded): number | undefined {
    return 0;
  }

  /** Whether hearing this relay of a packet we sent counts as an implicit ACK. */
  protected implicitAck(_r: Reliable, _h: Decoded): boolean {
    return true;
  }

  // ---- internals ---------------------------------------------------------------------------

  protected newPacketId(): number {
    let id = 0;
    while (id === 0) id = this.rng.nextUint32();
    return id;
  }

  private remember(key: string): History {
    let h = this.#history.get(key);
    if (!h) {
      if (this.#history.size >= HISTORY_CAPACITY) {
        const oldest = this.#history.keys().next().value as string;
        this.#history.delete(oldest);
      }
      h = { relayers: [], weRelayed: false };
      this.#history.set(key, h);
    }
    return h;
  }

  private ownPacketRelayed(now: number, key: string, h: Decoded): void {
    const entry = this.#history.get(key);
    if (entry && h.relayNode !== 0) addRelayer(entry, h.relayNode);
    const r = this.#reliable.get(key);
    if (r && this.implicitAck(r, h)) this.stopRetransmission(key);
    void now;
  }

  private duplicate(now: number, key: string, h: Decoded, seen: History, bytes: Uint8Array, snr: number): void {
    if (h.relayNode !== 0) addRelayer(seen, h.relayNode);
    const r = this.#reliable.get(key);
    // A relayer waiting on its next hop hears it pass the packet on: implicit ACK.
    if (r && !r.origin && this.implicitAck(r, h)) this.stopRetransmission(key);
    if (this.mode !== "managed") return;
    const i = this.#queue.findIndex((p) => p.key === key && p.reliable === undefined);
    if (h.hopStart === h.hopLimit && h.hopLimit > 0 && h.relayNode === (h.from & 0xff)) {
      // The originator's own retransmission: relay it again unless a copy is still queued.
      if (i < 0 && h.port === PORT_DATA && h.to !== this.id) this.maybeRelay(now, key, h, bytes, snr, seen);
      return;
    }
    if (this.role === "ROUTER" || i < 0) return;
    this.#queue.splice(i, 1);
    this.stats.cancelledRelays++;
  }

  private routingReceived(now: number, key: string, h: Decoded, bytes: Uint8Array, snr: number, entry: History): void {
    const originalKey = keyOf(h.to, h.requestId);
    const original = this.#history.get(originalKey);
    if (h.to === this.id) {
      this.stopRetransmission(originalKey);
      this.events.push({ type: "acked", at: now, dst: h.from, seq: h.requestId, hops: h.hopStart - h.hopLimit });
      this.learnFromAck(now, h, original?.relayers, original?.weRelayed ?? false);
      return;
    }
    // An ACK for someone else: our queued relay of the original is moot, and a relayer's
    // pending retry can stop (the packet got there).
    const i = this.#queue.findIndex((p) => p.key === originalKey && p.reliable === undefined);
    if (i >= 0) {
      this.#queue.splice(i, 1);
      this.stats.cancelledRelays++;
    }
    if (this.#reliable.has(originalKey)) this.stopRetransmission(originalKey);
    this.learnFromAck(now, h, original?.relayers, original?.weRelayed ?? false);
    this.maybeRelay(now, key, h, bytes, snr, entry);
  }

  private maybeRelay(now: number, key: string, h: Decoded, bytes: Uint8Array, snr: number, entry: History): void {
    if (this.role === "CLIENT_MUTE") return;
    const naive = this.mode === "naive";
    if (!naive && h.hopLimit === 0) return;
    const nextHop = this.relayNextHop(now, h);
    if (nextHop === undefined) return;
    if (this.#queue.length >= MAX_TX_QUEUE) {
      this.stats.queueDrops++;
      return;
    }
    const copy = bytes.slice();
    rewriteHop(copy, naive ? h.hopLimit : h.hopLimit - 1, nextHop, this.ourByte);
    entry.weRelayed = true;
    const kind = h.port === PORT_ROUTING ? "control" : "data";
    const priority: PriorityLevel = h.port === PORT_ROUTING ? 2 : 3;
    if (h.nextHop !== 0 && h.nextHop === this.ourByte) {
      // We are the chosen next hop: no contention to win. Passing it on to a known next hop,
      // retry once and flood on the last try (NUM_INTERMEDIATE_RETX).
      const r = nextHop !== 0 ? this.newReliable(key, copy, false, h.to, h.id, priority, kind, nextHop, 2) : undefined;
      this.enqueue(copy, key, now + this.ownDelay(now), priority, kind, NaN, r);
      return;
    }
    const delay = naive ? randInt(this.rng, 1 << CW_MIN) * this.slotMs : this.relayDelay(snr);
    this.enqueue(copy, key, now + delay, priority, kind, naive ? NaN : snr, undefined);
  }

  private deliver(now: number, h: Decoded): void {
    this.events.push({
      type: "delivered",
      at: now,
      src: h.from,
      dst: h.to,
      seq: h.id,
      payload: h.payload.slice(),
      hops: h.hopStart - h.hopLimit,
      priority: 3,
    });
  }

  private sendAck(now: number, h: Decoded): void {
    const id = this.newPacketId();
    const hl = responseHopLimit(h.hopStart, h.hopLimit, this.hopLimit);
    const header: Header = {
      to: h.from,
      from: this.id,
      id,
      hopLimit: hl,
      wantAck: false,
      hopStart: hl,
      nextHop: this.nextHopFor(now, h.from),
      relayNode: this.ourByte,
    };
    const bytes = encodeFrame(header, PORT_ROUTING, routingBody(h.id));
    const key = keyOf(this.id, id);
    this.remember(key);
    if (this.#queue.length >= MAX_TX_QUEUE) {
      this.stats.queueDrops++;
      return;
    }
    this.enqueue(bytes, key, now + this.ownDelay(now), 2, "control", NaN, undefined);
  }

  private newReliable(
    key: string,
    bytes: Uint8Array,
    origin: boolean,
    dst: NodeId,
    id: number,
    priority: PriorityLevel,
    kind: "data" | "control",
    nextHop: number,
    transmissions = ORIGIN_TRANSMISSIONS,
  ): Reliable {
    const r: Reliable = { key, bytes: bytes.slice(), remaining: transmissions - 1, timer: Infinity, origin, dst, id, priority, kind, nextHop, queued: undefined };
    this.#reliable.set(key, r);
    return r;
  }

  private stopRetransmission(key: string): void {
    const r = this.#reliable.get(key);
    if (!r) return;
    this.#reliable.delete(key);
    if (r.queued) {
      const i = this.#queue.indexOf(r.queued);
      if (i >= 0) this.#queue.splice(i, 1);
      r.queued = undefined;
    }
  }

  private enqueue(
    bytes: Uint8Array,
    key: string,
    due: number,
    priority: PriorityLevel,
    kind: "data" | "control",
    snr: number,
    reliable: Reliable | undefined,
  ): void {
    const p: Pending = { bytes, key, due, priority, kind, order: this.#order++, air: airtimeMs(this.preset, bytes.length), snr, reliable };
    if (reliable) reliable.queued = p;
    this.#queue.push(p);
  }

  private dropPending(index: number): void {
    const [p] = this.#queue.splice(index, 1);
    if (p.reliable && p.reliable.origin) {
      this.#reliable.delete(p.reliable.key);
      this.events.push({ type: "send-failed", at: p.due, dst: p.reliable.dst, seq: p.reliable.id, code: "duty-cycle", reason: "frame longer than the duty-cycle budget" });
    }
  }

  /** Own packets: CW from channel utilisation (0–100 % → 3–8), U[0, 2^CW)·slot. */
  protected ownDelay(now: number): number {
    const cw = Math.trunc((this.channelUtilisation(now) * 100 * (CW_MAX - CW_MIN)) / 100) + CW_MIN;
    return randInt(this.rng, 1 << cw) * this.slotMs;
  }

  /** Rebroadcasts: SNR-weighted CW; ROUTER early window, everyone else behind 2·CWmax slots. */
  protected relayDelay(snr: number): number {
    const cw = Math.max(0, contentionWindow(snr));
    if (this.role === "ROUTER") return randInt(this.rng, 2 * cw) * this.slotMs;
    return (2 * CW_MAX + randInt(this.rng, 2 ** cw)) * this.slotMs;
  }

  /** 2·ToA + (2^CW + 2·CWmax + 2^((CWmax+CWmin)/2))·slot + 4.5 s (radios.md §5.4). */
  protected retransmitTimeout(now: number, air: number): number {
    const cw = Math.trunc(this.channelUtilisation(now) * (CW_MAX - CW_MIN)) + CW_MIN;
    return 2 * air + (2 ** cw + 2 * CW_MAX + 2 ** Math.trunc((CW_MAX + CW_MIN) / 2)) * this.slotMs + PROCESSING_TIME_MS;
  }

  /** Share of the last minute this node saw its channel busy (own TX and frames it decoded), 0..1. */
  channelUtilisation(now: number): number {
    const cur = Math.floor(now / UTIL_BUCKET_MS);
    let sum = 0;
    for (let i = 0; i < UTIL_BUCKETS; i++) if (this.#utilIndex[i] > cur - UTIL_BUCKETS) sum += this.#utilMs[i];
    return Math.min(1, sum / (UTIL_BUCKET_MS * UTIL_BUCKETS));
  }

  private addUtil(now: number, ms: number): void {
    const b = Math.floor(now / UTIL_BUCKET_MS);
    const slot = b % UTIL_BUCKETS;
    if (this.#utilIndex[slot] !== b) {
      this.#utilIndex[slot] = b;
      this.#utilMs[slot] = 0;
    }
    this.#utilMs[slot] += ms;
  }
}

export function keyOf(from: number, id: number): string {
  return `${from >>> 0}:${id >>> 0}`;
}

function addRelayer(h: History, byte: number): void {
  if (!h.relayers.includes(byte)) {
    if (h.relayers.length >= 6) h.relayers.shift();
    h.relayers.push(byte);
  }
}
