// Insiders: nodes that hold the network key (so authentication does not stop them) and misbehave
// as relays. Each is the router's own station wrapped by a Station decorator that filters and
// rewrites what it puts on the air; everything it receives and its own traffic are normal.
//
//   blackhole       never transmits a DATA, FLOOD or BCAST frame it relays for others, nor the
//                   hop ACKs that would claim it carried one: it looks like it forwarded nothing
//   greyhole        the same for a share of the messages (drawn once per message from the
//                   node's seeded generator, so its retransmissions share the fate)
//   liar            System 5 only: rewrites every finite route metric of its OGMs to an
//                   impossible LIE_METRIC (below one transmission) to attract traffic, and
//                   black-holes what it attracts
//   plausible-liar  the same, lying just within the metric floor (one perfect hop to everything)
//
// Baseline routers have no metrics to lie with: for them both liar kinds act as blackhole.
// Pure (no Node APIs): the shared tests use the classifiers too.
import { decodeFrame, encodeFrame } from "../../core/codec";
import { FrameType, METRIC_INFINITY, type Frame } from "../../core/frames";
import { METRIC_SCALE } from "../../core/metric";
import { shuffledIndices, type Rng } from "../../core/rng";
import type { NodeId, PriorityLevel, RxMeta, SendOptions, SendResult, StationEvent, TxFrame } from "../../core/station";
import type { GeoPosition, MobileStation } from "./context";
import { decodeFrame as decodeBaseline, PORT_DATA } from "./header";

export const INSIDER_KINDS = ["blackhole", "greyhole", "liar", "plausible-liar"] as const;
export type InsiderKind = (typeof INSIDER_KINDS)[number];

/** The liar's metric: below one perfect transmission, so impossible (docs/protocol.md §7.5). */
export const LIE_METRIC = 16;
/** The plausible liar's: one perfect hop at the default hop penalty, to every destination. */
export const PLAUSIBLE_LIE_METRIC = METRIC_SCALE + 32;
/** Share of messages a grey hole swallows. */
export const GREYHOLE_DROP_SHARE = 0.5;

/** How a router family's frames are read: which message a frame relays for someone else, if any. */
export type RelayClassifier = (bytes: Uint8Array, self: NodeId) => string | undefined;

/**
 * System 5: the message a frame carries on for someone else — a relayed DATA (or bounce), FLOOD
 * or BCAST, or a hop ACK confirming such a frame — or undefined for the node's own frames,
 * OGMs, locate traffic and end-to-end ACKs.
 */
export const system5Relay: RelayClassifier = (bytes, self) => {
  const r = decodeFrame(bytes);
  if (!r.ok) return undefined;
  const f = r.frame;
  switch (f.type) {
    case FrameType.DATA:
    case FrameType.FLOOD:
      return f.src === self ? undefined : `${f.src}:${f.dst}:${f.seq}`;
    case FrameType.BCAST:
      return f.src === self ? undefined : `b:${f.src}:${f.seq}`;
    case FrameType.ACK:
      return f.kind === "hop" && f.dst !== self ? `${f.src}:${f.dst}:${f.seq}` : undefined;
    default:
      return undefined;
  }
};

/** Meshtastic-like baselines: a rebroadcast or next-hop relay of someone else's data packet. */
export const baselineRelay: RelayClassifier = (bytes, self) => {
  const d = decodeBaseline(bytes);
  return d !== undefined && d.port === PORT_DATA && d.from !== self ? `${d.from}:${d.id}` : undefined;
};

/** A System 5 OGM with every finite route metric replaced by `metric`; other frames unchanged. */
export function lyingOgm(bytes: Uint8Array, metric: number): Uint8Array {
  const r = decodeFrame(bytes);
  if (!r.ok || r.frame.type !== FrameType.OGM) return bytes;
  const f = r.frame;
  const lie = (m: number): number => (m >= METRIC_INFINITY ? m : metric);
  const forged: Frame = {
    ...f,
    nodeRoutes: f.nodeRoutes.map((e) => ({ ...e, metric: lie(e.metric) })),
    clusterRoutes: f.clusterRoutes.map((e) => ({ ...e, metric: lie(e.metric) })),
  };
  return encodeFrame(forged);
}

export interface InsiderOptions {
  readonly kind: InsiderKind;
  /** The node's own generator for the grey hole's draws. */
  readonly rng: Rng;
  readonly classify: RelayClassifier;
  /** Whether OGMs can be forged (System 5); otherwise liars only swallow. */
  readonly canLie: boolean;
  readonly dropShare?: number;
}

/** Messages whose fate was drawn, bounded (oldest forgotten first). */
const FATES_MAX = 512;

/** Counters of what an insider did, for tests and reports. */
export interface InsiderStats {
  swallowed: number;
  passed: number;
  forgedOgms: number;
}

export class InsiderStation implements MobileStation {
  readonly id: NodeId;
  readonly kind: InsiderKind;
  readonly inner: MobileStation;
  readonly stats: InsiderStats = { swallowed: 0, passed: 0, forgedOgms: 0 };
  readonly #opts: InsiderOptions;
  readonly #fates = new Map<string, boolean>();
  readonly #dropShare: number;

  constructor(inner: MobileStation, opts: InsiderOptions) {
    this.inner = inner;
    this.id = inner.id;
    this.kind = opts.kind;
    this.#opts = opts;
    this.#dropShare = opts.kind === "greyhole" ? (opts.dropShare ?? GREYHOLE_DROP_SHARE) : 1;
  }

  send(now: number, dst: NodeId, payload: Uint8Array, options?: SendOptions): SendResult {
    return this.inner.send(now, dst, payload, options);
  }

  receive(bytes: Uint8Array, meta: RxMeta): void {
    this.inner.receive(bytes, meta);
  }

  tick(now: number): void {
    this.inner.tick(now);
  }

  nextWakeup(): number {
    return this.inner.nextWakeup();
  }

  /**
   * The inner station's next frame as it goes on the air: a swallowed frame is reported sent to
   * the inner station at once (it believes it transmitted) and the next one is taken.
   */
  pollTransmit(now: number): TxFrame | undefined {
    for (;;) {
      const f = this.inner.pollTransmit(now);
      if (f === undefined) return undefined;
      const message = this.#opts.classify(f.bytes, this.id);
      if (message !== undefined && this.#swallows(message)) {
        this.stats.swallowed++;
        this.inner.transmitDone(now, "sent");
        continue;
      }
      if (message !== undefined) this.stats.passed++;
      if (this.#opts.canLie && (this.kind === "liar" || this.kind === "plausible-liar")) {
        const forged = lyingOgm(f.bytes, this.kind === "liar" ? LIE_METRIC : PLAUSIBLE_LIE_METRIC);
        if (forged !== f.bytes) {
          this.stats.forgedOgms++;
          return { ...f, bytes: forged };
        }
      }
      return f;
    }
  }

  transmitDone(now: number, outcome: "sent" | "busy"): void {
    this.inner.transmitDone(now, outcome);
  }

  drainEvents(): StationEvent[] {
    return this.inner.drainEvents();
  }

  // A layer above (the security layer's KEY frames) still spends the node's own duty-cycle budget.
  foreignFrameStart(now: number, onAirBytes: number, priority: PriorityLevel): number {
    return this.inner.foreignFrameStart?.(now, onAirBytes, priority) ?? now;
  }

  foreignFrameSent(end: number, onAirBytes: number): void {
    this.inner.foreignFrameSent?.(end, onAirBytes);
  }

  setPosition(now: number, position: GeoPosition): void {
    this.inner.setPosition?.(now, position);
  }

  // One draw per message: a grey hole's retransmissions and hop ACKs share the first's fate.
  #swallows(message: string): boolean {
    if (this.#dropShare >= 1) return true;
    let fate = this.#fates.get(message);
    if (fate === undefined) {
      fate = this.#opts.rng.next() < this.#dropShare;
      if (this.#fates.size >= FATES_MAX) {
        const oldest = this.#fates.keys().next().value;
        if (oldest !== undefined) this.#fates.delete(oldest);
      }
      this.#fates.set(message, fate);
    }
    return fate;
  }
}

/**
 * Which nodes are insiders and of what kind: the listed node indices, or round(share · n) of
 * them chosen by a shuffle from `rng` (a generator of their own, so nothing else in the run
 * changes), kinds assigned in turn. Returns a kind per node index, undefined for honest nodes.
 */
export function chooseInsiders(n: number, share: number, kinds: readonly InsiderKind[], rng: Rng, nodes?: readonly number[]): Array<InsiderKind | undefined> {
  const out: Array<InsiderKind | undefined> = new Array(n).fill(undefined);
  if (kinds.length === 0) return out;
  if (nodes !== undefined) {
    nodes.forEach((i, m) => (out[i] = kinds[m % kinds.length]));
    return out;
  }
  const k = Math.round(share * n);
  if (k === 0) return out;
  const order = shuffledIndices(rng, n);
  for (let m = 0; m < k; m++) out[order[m]] = kinds[m % kinds.length];
  return out;
}
