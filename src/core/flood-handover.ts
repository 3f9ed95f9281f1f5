// Rule `agreedHandover` (docs/protocol.md §14): one agreed hand-over per corridor or network flood.
// A node that holds a flood and has its destination as a usable neighbour offers to carry the last
// hop as one confirmed DATA hop, once the flood's own burst has passed; the neighbours of the
// destination rank themselves by the link to it that each advertises, so only the best-placed one
// acts, and the others stand down when they overhear its hand-over or the destination's answer.
import { type Frame, type FloodFrame, FloodScope, floodKey, FrameType, listedHeaderBytes, shortId } from "./frames";
import type { Flooding } from "./flooding";
import type { NodeState } from "./node-state";
import { nextHopCount } from "./hop-count";
import { byteToQuality, qualityToByte } from "./link-quality";
import { addNewest } from "./bounded";
import { destinationDelivered } from "./routed-rules";

/**
 * Rule `agreedHandover`: a holder ranked 0 … HANDOVER_RANKS − 1 among the destination's neighbours
 * known to hold the flood on its first copy waits a rank step behind each better-placed one and
 * stands down when it overhears theirs; one with more before it leaves the last hop to them. The
 * better-placed holders are mostly inferred from reach lists and may never have got the flood, so
 * with 1 (rank 0 only) the destination often got nothing (§14, duty-cycle-stress).
 */
export const HANDOVER_RANKS = 4;

/** Rule `agreedHandover`: the hand-over's attempts, the first and one retry (most floods did arrive, so a third try mostly repeats). */
export const HANDOVER_ATTEMPTS = 2;

/**
 * Rule `agreedHandover`: the quiet a hand-over waits after the flood's last copy, in backup waits
 * (§15: the longest relay contention and two frames): the first for the flood's burst to pass,
 * the second for the destination's end-to-end ACK of a copy that reached it.
 */
export const HANDOVER_QUIET_WAITS = 2;

/** Rule `agreedHandover`: a hand-over still waiting this long after the flood was first heard goes anyway (copies keep coming on a busy channel). */
export const HANDOVER_MAX_WAIT_MS = 20_000;

/** Rule `agreedHandover`: hand-overs waiting at once, the oldest given up (anyone may send floods under invented ids). */
export const HANDOVER_PENDING_MAX = 8;

/**
 * Rule `answeredFirst` (§14): messages whose answer (the destination's end-to-end ACK, or its hop
 * ACK of a DATA of the message) this node overheard, remembered so a flood copy heard later starts
 * no hand-over; the oldest forgotten first. A DATA hop to the destination is not an answer: it shows
 * a try, and a flood of the same message mostly follows a routed try that failed (the fallback).
 */
export const HANDOVER_ANSWERED_MAX = 32;

/**
 * Rule `agreedHandover`: the place of a holder whose advertised link to the destination is `mine`
 * (the rq byte its OGMs report, 0..1) among the other holders: how many report a better one, ties
 * broken by the lower short id. Every neighbour of the destination computes the same order from
 * the same OGM lists, so at most one of them is rank 0.
 */
export function handoverRank(self: number, mine: number, others: Iterable<{ readonly short: number; readonly rq: number }>): number {
  let rank = 0;
  for (const o of others) if (o.short !== self && (o.rq > mine || (o.rq === mine && o.short < self))) rank++;
  return rank;
}

/** A hand-over waiting for its flood's burst to pass. */
interface PendingHandover {
  readonly flood: FloodFrame;
  /** Short ids known to hold the flood: the senders of the copies heard and the nodes they reach (§15 *Reached*). */
  readonly holders: Set<number>;
  /**
   * Short ids of the nodes heard sending a copy (rule `relayersRankOut`): a holder that relays the
   * flood has no hand-over of it pending (one that has holds its relay back), so it is not ranked.
   */
  readonly senders: Set<number>;
  /** When the last copy was heard. */
  lastCopy: number;
  /** The latest it waits until (HANDOVER_MAX_WAIT_MS after the first copy). */
  readonly deadline: number;
  /** Quiet after the last copy, rank included, ms. */
  waitMs: number;
  /** Set when the node held back its own relay of the flood for this hand-over (`named`: as a named forwarder). */
  withheld?: { readonly named: boolean; readonly unnamedExtra: boolean };
}

export class FloodHandover {
  readonly n: NodeState;
  readonly #pending = new Map<string, PendingHandover>();
  /** Rule `answeredFirst`: messages already answered or carried to their destination, by flood key (bounded). */
  readonly #answered = new Set<string>();
  readonly #flood: Pick<Flooding, "reach" | "backupWaitMs" | "rankStepMs" | "relayWithheld" | "answered">;

  constructor(n: NodeState, flood: Pick<Flooding, "reach" | "backupWaitMs" | "rankStepMs" | "relayWithheld" | "answered">) {
    this.n = n;
    this.#flood = flood;
  }

  has(key: string): boolean {
    return this.#pending.has(key);
  }

  /**
   * The node would relay the flood `key` now: with a hand-over pending, it holds the relay back
   * (true) and owes it if the hand-over is given up for any reason but another node's carrying the
   * message or the destination's answer (`#giveUp`).
   */
  withhold(key: string, named: boolean, unnamedExtra = false): boolean {
    const p = this.#pending.get(key);
    if (p === undefined) return false;
    p.withheld = { named, unnamedExtra };
    return true;
  }

  /** A hand-over dropped without anyone having carried the message: the relay it held back goes now. */
  #giveUp(key: string, p: PendingHandover, now: number): void {
    this.#pending.delete(key);
    if (p.withheld !== undefined) this.#flood.relayWithheld(p.flood, key, p.withheld.named, now, p.withheld.unnamedExtra);
  }

  get size(): number {
    return this.#pending.size;
  }

  /**
   * The first copy of a corridor or network flood for someone else: if its destination is our
   * usable neighbour, wait for the flood to pass, then hand it over unless someone better placed
   * did.
   */
  consider(f: FloodFrame, now: number): void {
    if (!this.n.config.agreedHandover || f.scopeKind === FloodScope.LOCAL || !f.wantAck) return;
    const d = this.n.nbrs.get(f.dst);
    if (d === undefined || !this.n.nbrs.usable(d, now) || this.n.nbrs.outrun(d, now)) return;
    const key = floodKey(f.src, f.dst, f.seq);
    if (this.#pending.has(key) || this.#answered.has(key)) return;
    const holders = new Set<number>();
    this.#flood.reach.noteReached(holders, f.tx, f.forwarders);
    const p: PendingHandover = { flood: f, holders, senders: new Set([shortId(f.tx)]), lastCopy: now, deadline: now + HANDOVER_MAX_WAIT_MS, waitMs: 0 };
    // A driving holder (§14 `resendUnechoed`) keeps rank 0 only and ranks the senders too: its view of
    // who holds what is stale, and on highway-convoy the later ranks cost delivery.
    if (!this.#rerank(p, this.n.driving(now) ? 1 : HANDOVER_RANKS, now)) return;
    if (this.#pending.size >= HANDOVER_PENDING_MAX) {
      const [oldKey, old] = this.#pending.entries().next().value as [string, PendingHandover];
      this.#giveUp(oldKey, old, now);
    }
    this.#pending.set(key, p);
  }

  /** Another copy of a flood we may hand over: it restarts the quiet, and its sender's reach holds it too. */
  copy(key: string, f: FloodFrame, now: number): void {
    const p = this.#pending.get(key);
    if (p === undefined) return;
    p.lastCopy = now;
    p.senders.add(shortId(f.tx));
    this.#flood.reach.noteReached(p.holders, f.tx, f.forwarders);
    // A better-placed holder shown by a later copy is only inferred from reach lists and may never
    // have got the flood: ours waits a rank step behind each such holder instead, and is called off
    // when we overhear theirs (`overheard`). Given up only when our own link to the destination is gone.
    if (!this.#rerank(p, Infinity, now)) {
      this.#giveUp(key, p, now);
      this.n.stats.handoversCalledOff++;
    }
  }

  /**
   * Our rank among the holders known so far sets the wait (false: `maxRank` or more are better
   * placed, or our own link to the destination is gone).
   */
  #rerank(p: PendingHandover, maxRank: number, now: number): boolean {
    const d = this.n.nbrs.get(p.flood.dst);
    if (d === undefined || !this.n.nbrs.usable(d, now)) return false;
    const dst = shortId(p.flood.dst);
    const self = shortId(this.n.id);
    // What our own OGMs report for the destination, as its other neighbours see it.
    const mine = byteToQuality(qualityToByte(this.n.nbrs.linkRq(d, now)));
    const others: { short: number; rq: number }[] = [];
    const driving = this.n.driving(now);
    for (const n of this.n.nbrs.values()) {
      const s = shortId(n.id);
      // Rule `relayersRankOut` (not on a driving holder, above).
      if (n.id !== p.flood.dst && p.holders.has(s) && !(p.senders.has(s) && !driving)) others.push({ short: s, rq: this.n.nbrs.twoHopRq(n, dst) });
    }
    const rank = handoverRank(self, mine, others);
    if (rank >= maxRank) return false;
    // About the DATA hop's size (the routed header is as long as the flood's, §3).
    const bytes = listedHeaderBytes(FrameType.FLOOD) + p.flood.payload.length;
    // The flood's burst passes as a backup forwarder waits for it (§15), then one hop per better-placed holder.
    p.waitMs = HANDOVER_QUIET_WAITS * this.#flood.backupWaitMs(bytes) + rank * this.#flood.rankStepMs(bytes);
    return true;
  }

  /** Someone else carried the message to its destination, or the destination answered: our hand-over is not needed. */
  overheard(f: Frame, now: number): void {
    if (f.type === FrameType.DATA && f.next === f.dst && !f.bounced) {
      if (!this.n.config.agreedHandover) return;
      // Someone else carries the last hop (confirmed and retried): our pending hand-over is called
      // off, but it is no answer (rule `answeredFirst` below): a flood of the same message heard
      // later mostly is the originator's fallback after that routed try failed, and is handed over.
      if (this.#pending.delete(floodKey(f.src, f.dst, f.seq))) this.n.stats.handoversCalledOff++;
      return;
    }
    let key: string | undefined;
    if (f.type === FrameType.ACK && f.kind === "hop" && destinationDelivered(f)) key = floodKey(f.src, f.dst, f.seq);
    else if (f.type === FrameType.ACK && f.kind === "e2e") key = floodKey(f.dst, f.src, f.seq);
    if (key === undefined) return;
    // Rule `answeredStandDown` (§14): the destination has the message, so a relay of its flood we
    // have not sent yet carries it to nobody who needs it.
    if (this.n.config.answeredStandDown) this.#flood.answered(key, now, "flood");
    if (!this.n.config.agreedHandover && !this.n.config.answeredStandDown) return;
    if (this.#pending.delete(key)) this.n.stats.handoversCalledOff++;
    // Rule `answeredFirst`: the destination may have the flood before we get our first copy of it
    // (its answer then comes before our hand-over exists); remembered, a later copy starts none
    // (nor, rule `answeredStandDown`, a relay).
    addNewest(this.#answered, key, HANDOVER_ANSWERED_MAX);
  }

  /** Rule `answeredStandDown`: the destination's answer to flood `key` was overheard (HANDOVER_ANSWERED_MAX remembered). */
  answered(key: string): boolean {
    return this.#answered.has(key);
  }

  /** Earliest hand-over due (Infinity without any). */
  nextAt(): number {
    let t = Infinity;
    for (const p of this.#pending.values()) t = Math.min(t, quietDue(p));
    return t;
  }

  /** Hands over each flood whose burst has passed: one DATA hop to its destination, confirmed and retried (§7.1). */
  due(now: number): void {
    for (const [key, p] of this.#pending) {
      if (now < quietDue(p)) continue;
      const f = p.flood;
      const d = this.n.nbrs.get(f.dst);
      if (d === undefined || !this.n.nbrs.usable(d, now) || !this.n.queue.hasRoomFor("data")) {
        this.#giveUp(key, p, now);
        continue;
      }
      this.#pending.delete(key);
      // The copy asks for the end-to-end ACK the flood asked for: a destination the flood missed
      // answers its sender through us, so a message that arrived is not reported failed; one that
      // acknowledged the flood already confirms our hop only (rule `handoverAcked`, §14).
      const { src, dst, seq, priority, dstCluster, payload } = f;
      const hops = nextHopCount(f.hops);
      const u = this.n.fwd.newUnicast({ ftype: FrameType.DATA, src, dst, seq, priority, dstCluster, wantAck: f.wantAck, payload, originated: false, prevHop: undefined, ttl: 1, hops, forcedNextHop: dst, oneHop: true, maxAttempts: HANDOVER_ATTEMPTS });
      this.n.stats.floodHandovers++;
      this.n.fwd.dispatch(u, now, false);
    }
  }
}

/**
 * When a wait for a flood's burst to pass ends: `waitMs` after the last copy heard, at the latest
 * at `deadline` (copies keep coming on a busy channel). Rules `agreedHandover` and the security
 * layer's `quietCacheOffer` (docs/security.md §8) wait the same way.
 */
export function quietDue(p: { readonly lastCopy: number; readonly waitMs: number; readonly deadline: number }): number {
  return Math.min(p.deadline, p.lastCopy + p.waitMs);
}
