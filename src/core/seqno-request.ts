// Seqno requests and the withdrawn-source rule (docs/protocol.md §5.6–5.7).
//
// A node starved for a source — it holds advertisements of it, every one refused by feasibility
// (§5.3) — asks for a newer sequence number instead of waiting up to `seqnoEveryOgms` of the
// source's OGMs (at Trickle's 32-minute intervals, four hours): Babel's seqno request (RFC 8966
// §3.8.2). The request goes to the neighbour whose advertisement it holds and travels toward the
// source along each node's selected route, hop-limited; the source answers by raising its
// routeSeq and sending its OGM early, and every node that passed the request on sends its OGM
// early once the newer seqno reaches it, so the answer comes back the way the request went.
//
// The withdrawn-source rule: when a source itself retracts a route (a gateway's bridge routes
// going down, a border node losing its link), what its other neighbours still advertise from it at
// that seqno or older is an echo of a route that no longer exists; it is dropped at once instead of
// being held for the rest of its hold time (§20.4 measured about 6,100 s of it).
//
// Everything here is bounded and rate-limited: anyone with the network key can send requests.
import type { Destination, DestKind } from "./route-table";
import { encodeFrame } from "./codec";
import { FrameType, type SeqnoRequestFrame } from "./frames";
import { seqDelta } from "./link-quality";
import { type NodeState, OGM_PRIORITY } from "./node-state";
import type { NodeId } from "./station";
import { type ClusterId, clusterContains, NO_CLUSTER } from "./cluster";
import { setNewest } from "./bounded";

/** What the seqno-request rules counted (part of MeshStats). */
export interface SeqreqCounters {
  /** Requests this node sent because it was starved for a source. */
  seqreqSent: number;
  /** Requests passed on toward the source. */
  seqreqForwarded: number;
  /** Requests answered by bringing our OGM forward (as the source, or holding the seqno asked for, or a route the asker has not heard yet). */
  seqreqAnswered: number;
  /** Times our own routeSeq was raised for a request. */
  seqreqBumps: number;
  /**
   * Requests dropped: the same source asked about again within the gap, the source table full of
   * requests younger than the gap, or the relay budget spent (a flood of requests ends here).
   */
  seqreqRateLimited: number;
  /** Requests dropped: from a node that is not our neighbour, no route toward the source, or the hop limit reached. */
  seqreqUnroutable: number;
  /** OGMs an answer could not bring forward (one per seqreqAnswerGapMs): the answer rides the next one. */
  seqreqOgmDeferred: number;
  /** Route entries dropped or refused as echoes of a route their source withdrew (§5.7). */
  echoesSuperseded: number;
}

export function emptySeqreqCounters(): SeqreqCounters {
  return { seqreqSent: 0, seqreqForwarded: 0, seqreqAnswered: 0, seqreqBumps: 0, seqreqRateLimited: 0, seqreqUnroutable: 0, seqreqOgmDeferred: 0, echoesSuperseded: 0 };
}

/** Sources remembered per table (requests asked, passed on, withdrawals): the oldest go first. */
export const SEQREQ_SOURCES_MAX = 64;
/** Requests a starved node sends for one source before it waits for news of it. */
export const SEQREQ_TRIES = 3;
/** Requests a node may pass on at once; the budget refills one per seqreqGapMs / SEQREQ_RELAY_REFILL (§5.6). */
export const SEQREQ_RELAY_BURST = 4;
/** Relay budget refills per seqreqGapMs: with the default 60 s gap, one request every 15 s. */
export const SEQREQ_RELAY_REFILL = 4;
/** How long a request passed on waits for its answer. */
const PENDING_MS = 10 * 60_000;

interface Asked {
  at: number;
  tries: number;
}

interface Pending {
  readonly seqno: number;
  readonly until: number;
  /** We passed it on for a neighbour (so the answer must go out early), rather than asked ourselves. */
  readonly forwarded: boolean;
}

interface Withdrawn {
  readonly seqno: number;
  readonly until: number;
}

function sourceKey(kind: DestKind, key: number, origin: NodeId): string {
  return `${kind}:${key}:${origin}`;
}

/** Map.set with the oldest entry dropped beyond SEQREQ_SOURCES_MAX. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  setNewest(map, key, value, SEQREQ_SOURCES_MAX);
}

export class SeqnoRequests {
  readonly n: NodeState;
  /** Requests we sent or passed on, per source: rate limit and retries. */
  readonly #asked = new Map<string, Asked>();
  /** Requests waiting for a newer seqno, per source. */
  readonly #pending = new Map<string, Pending>();
  /** Sources that withdrew a route, with the seqno of the retraction (§5.7). */
  readonly #withdrawn = new Map<string, Withdrawn>();
  #lastAnswerAt = -Infinity;
  /** Requests we may still pass on now (the relay budget), and when it was last refilled. */
  #relayTokens = SEQREQ_RELAY_BURST;
  #relayAt = 0;
  #lastBumpAt = -Infinity;

  constructor(n: NodeState) {
    this.n = n;
  }

  /**
   * Rule `starvedRequest`, on demand: a frame for `dst` (in `dstCluster`) found no usable route.
   * If the destination it would take — the node, or its cluster — is starved, ask for a newer
   * seqno. Only destinations traffic wants are asked about: a request costs airtime at every hop.
   */
  onNoRoute(dst: NodeId, dstCluster: ClusterId, now: number): void {
    if (!this.n.config.seqnoRequests) return;
    const node = this.n.routes.get("node", dst);
    if (node !== undefined && node.entries.length > 0) {
      this.#starved(node, now);
      return;
    }
    const c = dstCluster !== NO_CLUSTER ? dstCluster : (this.n.locations.lookup(dst, now)?.cluster ?? NO_CLUSTER);
    if (c === NO_CLUSTER || clusterContains(c, this.n.cluster)) return;
    const d = this.n.routes.get("cluster", c);
    if (d !== undefined && d.entries.length > 0) this.#starved(d, now);
  }

  #starved(d: Destination, now: number): void {
    // One request per source among the entries feasibility refuses: the best of them may be the
    // echo of a route its source withdrew, which no newer seqno will revive.
    for (const e of this.n.routes.starvedOn(d, now)) {
      const fd = this.n.routes.feasibility(d.kind, d.key, e.origin);
      if (fd === undefined) continue; // nothing to supersede: the entry would be feasible
      const sk = sourceKey(d.kind, d.key, e.origin);
      const a = this.#asked.get(sk);
      if (a !== undefined && (a.tries >= SEQREQ_TRIES || now - a.at < this.n.config.seqreqGapMs * 2 ** (a.tries - 1))) continue;
      const seqno = (fd.seqno + 1) & 0xffff;
      remember(this.#asked, sk, { at: now, tries: (a?.tries ?? 0) + 1 });
      remember(this.#pending, sk, { seqno, until: now + PENDING_MS, forwarded: false });
      this.#send(d.kind, d.key, e.origin, seqno, e.neighbour, this.n.config.seqreqHops, now);
      this.n.stats.seqreqSent++;
    }
  }

  #send(kind: DestKind, key: number, origin: NodeId, seqno: number, next: NodeId, ttl: number, now: number): void {
    const f: SeqnoRequestFrame = { type: FrameType.SEQREQ, tx: this.n.id, next, ttl, cluster: kind === "cluster", key, origin, seqno };
    this.n.enqueuePlain(encodeFrame(f), OGM_PRIORITY, "control", now, now);
  }

  /** A request arrived (rules `answerAsSource`, `answerWithNews`, `forwardRequest`). Never throws. */
  onRequest(f: SeqnoRequestFrame, now: number): void {
    if (f.next !== this.n.id) return; // for another node: nothing to do
    const stats = this.n.stats;
    if (this.n.nbrs.get(f.tx) === undefined) {
      stats.seqreqUnroutable++;
      return;
    }
    const kind: DestKind = f.cluster ? "cluster" : "node";
    const sk = sourceKey(kind, f.key, f.origin);
    const a = this.#asked.get(sk);
    if (a !== undefined && now - a.at < this.n.config.seqreqGapMs) {
      stats.seqreqRateLimited++;
      // Our own request for this source is on its way: its answer now answers this one too.
      const p = this.#pending.get(sk);
      if (p !== undefined && !p.forwarded) this.#pending.set(sk, { ...p, forwarded: true });
      return;
    }
    if (a === undefined && this.#asked.size >= SEQREQ_SOURCES_MAX && this.#fullOfYoung(now)) {
      // Every source remembered was asked about within the gap: a request for yet another one is
      // refused rather than evicting one (rotating sources must not reopen the per-source limit).
      stats.seqreqRateLimited++;
      return;
    }
    // A request of our own keeps its retry count.
    remember(this.#asked, sk, { at: now, tries: a?.tries ?? 1 });
    if (f.origin === this.n.id) {
      // We are the source. One step at most per answer gap, however far ahead the asker's seqno
      // is: a forged request must not run our seqno round the 16-bit circle; and only for a route
      // we still originate (a withdrawn one is answered by our OGM's retraction alone).
      const ogm = this.n.ogm;
      if (this.#originates(kind, f.key) && seqDelta(f.seqno, ogm.routeSeq) > 0 && now - this.#lastBumpAt >= this.n.config.seqreqAnswerGapMs) {
        ogm.routeSeq = (ogm.routeSeq + 1) & 0xffff;
        this.#lastBumpAt = now;
        stats.seqreqBumps++;
      }
      stats.seqreqAnswered++;
      this.#answer(undefined, now);
      return;
    }
    const d = this.n.routes.get(kind, f.key);
    if (d === undefined) {
      stats.seqreqUnroutable++;
      return;
    }
    const best = d.bestEntry;
    if (best === undefined) {
      // We hold the destination but no route: the asker holds an advertisement we no longer
      // make, and our next OGM (its retraction) is the answer.
      stats.seqreqAnswered++;
      this.#answer(d, now);
      return;
    }
    if (best.origin !== f.origin || seqDelta(best.seqno, f.seqno) >= 0) {
      // We route through another source now, or hold the seqno asked for: the asker's copy of our
      // advertisement is stale, and our next OGM is the answer.
      stats.seqreqAnswered++;
      this.#answer(d, now);
      return;
    }
    // Others' hop limits are capped at ours: a forged ttl of 255 goes no further than our own request.
    const ttl = Math.min(f.ttl, this.n.config.seqreqHops);
    if (ttl <= 1 || best.neighbour === f.tx) {
      stats.seqreqUnroutable++;
      return;
    }
    if (!this.#relayToken(now)) {
      stats.seqreqRateLimited++;
      return;
    }
    remember(this.#pending, sk, { seqno: f.seqno, until: now + PENDING_MS, forwarded: true });
    this.#send(kind, f.key, f.origin, f.seqno, best.neighbour, ttl - 1, now);
    stats.seqreqForwarded++;
  }

  /** Whether the oldest source remembered was asked about within the gap (the table holds only young entries). */
  #fullOfYoung(now: number): boolean {
    const oldest = this.#asked.values().next().value;
    return oldest !== undefined && now - oldest.at < this.n.config.seqreqGapMs;
  }

  /**
   * The relay budget (rule `relayBudget`, §5.6): one token per seqreqGapMs / SEQREQ_RELAY_REFILL,
   * at most SEQREQ_RELAY_BURST held. Takes one if there is one.
   */
  #relayToken(now: number): boolean {
    const every = this.n.config.seqreqGapMs / SEQREQ_RELAY_REFILL;
    const earned = Math.floor((now - this.#relayAt) / every);
    if (earned > 0) {
      this.#relayTokens = Math.min(SEQREQ_RELAY_BURST, this.#relayTokens + earned);
      this.#relayAt = this.#relayTokens === SEQREQ_RELAY_BURST ? now : this.#relayAt + earned * every;
    }
    if (this.#relayTokens === 0) return false;
    this.#relayTokens--;
    return true;
  }

  /** Whether we originate (kind, key) ourselves now: our own id, a cluster we border, our aggregate, or a bridge route. */
  #originates(kind: DestKind, key: number): boolean {
    if (kind === "node") return key === this.n.id;
    if (this.n.routes.get("cluster", key)?.bestEntry?.origin === this.n.id) return true;
    return this.n.ogm.aggregates.has(key) || this.n.bridge?.reaches(key) === true;
  }

  /**
   * A neighbour advertised (kind, key) from `origin` at `seqno`: a request waiting for it is
   * answered. Returns whether one was (the destination must then be re-evaluated now).
   */
  heard(kind: DestKind, key: number, origin: NodeId, seqno: number, now: number): boolean {
    if (this.#pending.size === 0) return false;
    const sk = sourceKey(kind, key, origin);
    const p = this.#pending.get(sk);
    if (p === undefined) return false;
    if (p.until < now) {
      this.#pending.delete(sk);
      return false;
    }
    if (seqDelta(seqno, p.seqno) < 0) return false;
    this.#pending.delete(sk);
    this.#asked.delete(sk);
    if (p.forwarded) this.#answer(this.n.routes.get(kind, key), now);
    return true;
  }

  /**
   * Rule `withdrawnSource` (§5.7): `origin` retracted its own route to (kind, key) at `seqno`.
   * Echoes of it through other neighbours go now, and are refused until the source advertises
   * again or the longest hold passes; a node whose best route was such an echo advertises its
   * new choice early. Returns whether any entry went (the destination is then re-evaluated).
   */
  onSourceRetraction(kind: DestKind, key: number, origin: NodeId, seqno: number, now: number): boolean {
    if (!this.n.config.withdrawnEchoes) return false;
    const { removed, wasBest } = this.n.routes.supersedeEchoes(kind, key, origin, seqno);
    this.n.stats.echoesSuperseded += removed;
    remember(this.#withdrawn, sourceKey(kind, key, origin), { seqno, until: now + this.n.config.routeHoldFactor * this.n.config.ogmTrickleMaxMs });
    if (wasBest) this.#answer(this.n.routes.get(kind, key), now);
    return removed > 0;
  }

  /**
   * Whether an advertisement of (kind, key) from `origin` at `seqno`, by `neighbour`, is an echo
   * of a withdrawn route (and so refused). The source's own advertisement clears the record.
   */
  isEcho(kind: DestKind, key: number, neighbour: NodeId, origin: NodeId, seqno: number, now: number): boolean {
    if (this.#withdrawn.size === 0) return false;
    const sk = sourceKey(kind, key, origin);
    const w = this.#withdrawn.get(sk);
    if (w === undefined) return false;
    if (neighbour === origin || w.until < now || seqDelta(seqno, w.seqno) > 0) {
      this.#withdrawn.delete(sk);
      return false;
    }
    this.n.stats.echoesSuperseded++;
    return true;
  }

  /**
   * An answer: our OGM carries the destination first and goes out early — within the triggered
   * gap of §8.2 and, beyond the one early OGM of §8.2, at most once per seqreqAnswerGapMs.
   */
  #answer(d: Destination | undefined, now: number): void {
    if (d !== undefined) d.changedAt = d.answeredAt = now;
    if (now - this.#lastAnswerAt < this.n.config.seqreqAnswerGapMs) {
      this.n.stats.seqreqOgmDeferred++;
      return;
    }
    const ogm = this.n.ogm;
    const earliest = Math.max(now, ogm.lastOgmBuiltAt + this.n.config.triggeredMinGapFactor * ogm.minOgmInterval(now));
    if (earliest >= ogm.nextOgmAt) return; // the next OGM comes sooner anyway
    this.#lastAnswerAt = now;
    ogm.trickle.reset(false); // an extra OGM: it keeps the interval rather than doubling it
    ogm.nextOgmAt = earliest;
  }
}
