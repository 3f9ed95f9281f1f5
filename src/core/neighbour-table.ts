// Neighbours heard through their OGMs (docs/protocol.md §4): reception window, the quality they
// report hearing us with (tq), what they advertise about themselves, and their own neighbour
// lists (our two-hop view, used by silencing). Bounded by maxNeighbours with an eviction rule.
import type { ClusterId } from "./cluster";
import { DEFAULT_CONFIG, type MeshConfig } from "./config";
import { byteToQuality, gapLossWeight, linkQuality, OgmWindow, type OgmReception } from "./link-quality";
import { linkCost, METRIC_MAX } from "./metric";
import { METRIC_INFINITY } from "./frames";
import type { OgmFrame } from "./frames";
import { OGM_CLUSTER_ROUTE_BYTES, OGM_INTERVAL_LONGEST_MS, OGM_INTERVAL_UNIT_MS, OGM_NODE_ROUTE_BYTES, shortId } from "./frames";
import { OGM_QUIET_MAX_CYCLE } from "./ogm-builder";
import type { NodeId } from "./station";

export interface Neighbour {
  readonly id: NodeId;
  readonly window: OgmWindow;
  firstHeardAt: number;
  /** Last frame of any kind heard from it (every frame shows the link works, §4). */
  lastFrameAt: number;
  /** How far we had travelled (NeighbourTable.travelledM) when we last heard it (rule `linkOutrun`). */
  heardAtTravelM: number;
  /** Advertised OGM interval, ms. */
  intervalMs: number;
  /** OGMs the neighbour needs to advertise its whole table. */
  cycle: number;
  /** Quality the neighbour reports hearing us with, 0..1, and when it last said so. */
  tq: number;
  tqAt: number;
  cluster: ClusterId;
  hasFix: boolean;
  homeless: boolean;
  /** Its last OGM said it was driving (flag b6, rule `drivenOff`). */
  driving: boolean;
  border: boolean;
  relayActive: boolean;
  /** 0..1, or -1 for external power. */
  battery: number;
  load: number;
  relayPrio: number;
  routeSeq: number;
  rssi: number;
  snr: number;
  /** SNR of every frame heard from it, smoothed (×¾ + ¼ per frame): the link's margin (§4). */
  snrAvg: number;
  /**
   * The neighbour's own neighbours by short id: the rq byte it reports for each and when it last
   * listed them, packed into one number (seconds · 256 + rq) — no object per entry, as a node
   * holds up to maxNeighbours of these lists (read through NeighbourTable.twoHopRq).
   */
  readonly twoHop: Map<number, number>;
  /** Whether its OGMs have told us its neighbours (a list with entries, or a complete empty one). */
  listed: boolean;
  /** Whether we last reported it usable (for up/down events and the usability hysteresis). */
  up: boolean;
  /** Whether it has ever been usable (only a first appearance triggers an early OGM). */
  everUp: boolean;
  /** Frames to it that went unconfirmed in a row, over any route, each weighted by hopFailureWeight (§4). */
  failStreak: number;
  /** Unresponsive: unusable until its next OGM (§7.2). */
  suspended: boolean;
  /** Smoothed confirmation round trip to this neighbour and its variation, ms (0: no sample yet). */
  srtt: number;
  rttvar: number;
  /** Link quality (Q, and Q with collisions told apart) cached at `qAt` (recomputed after an OGM or a second later). */
  qCache: number;
  lqCache: number;
  qAt: number;
}

/** Share of linkUsableQ below which a usable link stops being usable. */
const LINK_HYSTERESIS = 0.75;

/**
 * Rule `linkOutrun` (§4): metres this node may travel without hearing a neighbour before the link
 * to it no longer carries routed frames. Why: on highway-convoy the next hop of a frame was often
 * kilometres away (a car that had driven off, or wrapped round to the road's start), yet its link
 * quality, sampled from OGMs minutes apart, still counted it usable: a fifth of the DATA
 * transmissions went to a node with no link at all, each sent three times.
 */
export const LINK_OUTRUN_M = 500;

/**
 * Rule `drivenOff` (§4): how long a node that is not moving keeps a neighbour whose last OGM said
 * it was driving (flag b6) as a next hop and a forwarder to name, without hearing any frame from
 * it: LINK_OUTRUN_M at DRIVING_MPS (5 m/s, node-state.ts), 100 s. Such a neighbour has driven at
 * least as far from us by then as `linkOutrun` lets a moving node drive from its neighbours.
 */
export const DRIVEN_OFF_MS = 100_000;

/** Weight of a new frame's SNR in the smoothed SNR. */
const SNR_ALPHA = 1 / 4;

/**
 * A newcomer may take the place of a neighbour that has stayed unusable only after it had this many
 * of its OGM intervals (×1.25) to become usable: its tq needs one of its OGMs to list us (§18).
 */
const PROBATION_INTERVALS = 2;

/** How long a computed link quality is reused: it changes on OGMs and at overdue boundaries (≥ 1.25 intervals). */
const QUALITY_CACHE_MS = 1000;

export type NeighbourChange = { readonly id: NodeId; readonly up: boolean };

/** Cluster routes the longest conforming pass is reckoned with (`holdCapMs`): the exact clusters within clusterDetailRings 2 (24) and a few aggregates. */
export const HOLD_CAP_CLUSTER_ROUTES = 32;

/**
 * The longest pass a node that follows the protocol announces, OGMs: a quiet pass (at most
 * OGM_QUIET_MAX_CYCLE) or the regular rotation over a full default table (maxDestinations 128 node
 * routes and HOLD_CAP_CLUSTER_ROUTES cluster routes at ogmRouteBytes 64 per OGM: 22 OGMs). Protocol
 * constants, not the receiver's own settings: the sender's table is what sets its cycle.
 * Sized for default tables: a sender with maxDestinations above 128 or ogmRouteBytes below 64
 * (config allows 4,096 and 12) has a longer pass, and its routes get fewer than routeHoldFactor
 * passes at the interval ceiling; a network configured so should raise this on every node (§5.5).
 */
export const HOLD_CAP_CYCLE = Math.max(
  OGM_QUIET_MAX_CYCLE,
  Math.ceil((DEFAULT_CONFIG.maxDestinations * OGM_NODE_ROUTE_BYTES + HOLD_CAP_CLUSTER_ROUTES * OGM_CLUSTER_ROUTE_BYTES) / DEFAULT_CONFIG.ogmRouteBytes),
);

/**
 * Rule `holdCap` (§5.5, §16): the longest a receiver holds what one OGM said (its routes, its
 * two-hop view, the placements it vouches for), whatever `cycle` and interval it announces:
 * routeHoldFactor (3.5) passes of HOLD_CAP_CYCLE (22) OGMs at the longest interval the frame can
 * announce (8,160 s, OGM_INTERVAL_LONGEST_MS), 174.5 h. Why: the hold is the sender's own `cycle` × interval × 3.5, and a
 * neighbour announcing `cycle` 255 at 1,020 s (the frame's longest before the 32-min ceiling)
 * pinned its routes and placements for 10 days. The cap is the longest hold a conforming sender
 * can earn, so a route keeps its full loss tolerance (3.5 passes): a 128-route neighbour passes
 * in 16+ OGMs at the ceiling (8.5 h at 32 min), and a cap of fewer passes expired its routes
 * after one lost OGM.
 */
export function holdCapMs(cfg: Pick<MeshConfig, "routeHoldFactor">): number {
  return cfg.routeHoldFactor * HOLD_CAP_CYCLE * OGM_INTERVAL_LONGEST_MS;
}

/** What happens to neighbour records, counted (MeshStats): what churns in a crowded table. */
export interface LinkCounters {
  /** Neighbours dropped to make room for a newcomer. */
  nbrEvicted: number;
  /** Newcomers not tracked because the table was full of better neighbours. */
  nbrIgnored: number;
  /** Neighbours lost: rq decayed to 0 or silent for the timeout (§4). */
  nbrLost: number;
  /** Neighbours suspended as unresponsive (§4). */
  nbrSuspended: number;
}

export function emptyLinkCounters(): LinkCounters {
  return { nbrEvicted: 0, nbrIgnored: 0, nbrLost: 0, nbrSuspended: 0 };
}

export class NeighbourTable {
  readonly #cfg: MeshConfig;
  readonly #selfShort: number;
  readonly #map = new Map<NodeId, Neighbour>();
  readonly #counts: LinkCounters;
  readonly #snrLimitDb: number;
  /** How far this node has travelled, metres (set by the node as its position changes). */
  travelledM = 0;
  /** Whether this node is moving now (set by the node: NodeState.moving); rule `drivenOff`. */
  selfMoving: (now: number) => boolean = () => false;

  /**
   * `snrLimitDb`: the demodulation limit of the network's spreading factor (presets.ts); without
   * it every missed OGM counts as link loss.
   */
  constructor(self: NodeId, cfg: MeshConfig, counters: LinkCounters = emptyLinkCounters(), snrLimitDb = Infinity) {
    this.#selfShort = shortId(self);
    this.#cfg = cfg;
    this.#counts = counters;
    this.#snrLimitDb = snrLimitDb;
  }

  get size(): number {
    return this.#map.size;
  }

  /** Whether the table is full: we may hear more neighbours than it holds (§8.2, §15). */
  get full(): boolean {
    return this.#map.size >= this.#cfg.maxNeighbours;
  }

  get(id: NodeId): Neighbour | undefined {
    return this.#map.get(id);
  }

  values(): IterableIterator<Neighbour> {
    return this.#map.values();
  }

  /** Hold time for what a neighbour advertises: a few full table passes, at most `holdCapMs`. */
  holdMs(n: Neighbour): number {
    return Math.min(holdCapMs(this.#cfg), this.#cfg.routeHoldFactor * Math.max(1, n.cycle) * n.intervalMs);
  }

  /** Receive quality as counted: every missed OGM counts (what OGMs report, §4). */
  rq(n: Neighbour, now: number): number {
    return n.window.rq(now, n.intervalMs, this.#cfg.lqMinSpan, n.lastFrameAt);
  }

  /**
   * A frame of any kind from `id` was decoded: the neighbour is alive and its link to us works,
   * so OGMs do not count as overdue while its frames keep coming (§4). Long OGM intervals would
   * otherwise leave the node blind to its links between OGMs. It also ends a suspension.
   */
  heardFrame(id: NodeId, now: number, snr?: number): void {
    const n = this.#map.get(id);
    if (n === undefined) return;
    if (snr !== undefined && Number.isFinite(snr)) n.snrAvg += SNR_ALPHA * (snr - n.snrAvg);
    // Heard again: a suspension (§4) ends here rather than at its next OGM, which with long OGM
    // intervals can be many minutes away. A frame heard shows only that its direction to us works,
    // so it gets one more chance, not a clean slate: the next unconfirmed frame on a quiet
    // channel suspends it again (only a confirmation clears the streak).
    if (n.suspended) {
      n.suspended = false;
      n.failStreak = Math.min(n.failStreak, this.#cfg.healthDeadAfter - 1);
      n.qAt = -Infinity;
    }
    if (now > n.lastFrameAt) {
      n.lastFrameAt = now;
      n.qAt = -Infinity;
    }
    n.heardAtTravelM = this.travelledM;
  }

  /**
   * Rule `linkOutrun` (§4): we have travelled more than LINK_OUTRUN_M since we last heard `n`, so
   * the link may be long gone whatever its quality says: it carries no routed frame until `n` is
   * heard again. A node that does not move never outruns a link.
   */
  outrun(n: Neighbour, now: number): boolean {
    if (this.travelledM - n.heardAtTravelM > LINK_OUTRUN_M) return true;
    // Rule `drivenOff`: a static node cannot outrun anyone, but a driving neighbour outruns it.
    return n.driving && now - n.lastFrameAt > DRIVEN_OFF_MS && !this.selfMoving(now);
  }

  /** tq, forgotten once no report has come for a hold time. */
  tq(n: Neighbour, now: number): number {
    return now - n.tqAt > this.holdMs(n) ? 0 : n.tq;
  }

  /** Link quality Q = rq · tq at `now`, every miss counted. */
  quality(n: Neighbour, now: number): number {
    this.#refreshQuality(n, now);
    return n.qCache;
  }

  /**
   * Link quality with collisions told apart from link loss (rule `gapLossWeight`, §4): OGMs missed
   * between ones that arrived count only by the link's SNR margin; overdue ones (nothing heard
   * since) count fully; tq is taken as reported, so a collision loss counts once, not twice. It
   * sets the link's cost and whether a usable link stays usable; becoming usable still needs Q.
   */
  linkQuality(n: Neighbour, now: number): number {
    this.#refreshQuality(n, now);
    return n.lqCache;
  }

  /** Receive quality with OGMs missed in gaps counted by the link's SNR margin (gapLossWeight, §4). */
  linkRq(n: Neighbour, now: number): number {
    return n.window.rq(now, n.intervalMs, this.#cfg.lqMinSpan, n.lastFrameAt, gapLossWeight(n.snrAvg - this.#snrLimitDb));
  }

  #refreshQuality(n: Neighbour, now: number): void {
    if (now >= n.qAt && now - n.qAt < QUALITY_CACHE_MS) return;
    const tq = this.tq(n, now);
    n.qCache = linkQuality(this.rq(n, now), tq);
    n.lqCache = linkQuality(this.linkRq(n, now), tq);
    n.qAt = now;
  }

  /**
   * The quality a link needs to count as usable: linkUsableQ to become usable, three quarters of
   * it to stay usable, so a link hovering at the threshold does not flap (every flap would change
   * routes and trigger early OGMs).
   */
  #threshold(n: Neighbour): number {
    return n.up ? this.#cfg.linkUsableQ * LINK_HYSTERESIS : this.#cfg.linkUsableQ;
  }

  usable(n: Neighbour, now: number): boolean {
    return !n.suspended && (n.up ? this.linkQuality(n, now) : this.quality(n, now)) >= this.#threshold(n);
  }

  /**
   * Cost of the link (§5.1), raised by the unconfirmed hops in a row on it (`hopFailureCost`, §4):
   * each weighted failure adds the link's whole cost again, so after a failure on a quiet channel
   * the next route of the multipath set is the cheaper one and carries the traffic, while a
   * failure on a busy channel (likely a collision) moves it less.
   */
  cost(n: Neighbour, now: number): number {
    if (!this.usable(n, now)) return METRIC_INFINITY;
    const c = linkCost(this.linkQuality(n, now), 0, this.#cfg.hopPenalty);
    return c >= METRIC_INFINITY || n.failStreak <= 0 ? c : Math.min(METRIC_MAX, Math.round(c * (1 + n.failStreak)));
  }

  /**
   * A frame to this neighbour went unconfirmed. After healthDeadAfter in a row, over any of
   * its routes, it is suspended until it is heard again: every route through it drops at once
   * instead of each destination finding out by its own timeouts. Returns true on suspension.
   */
  noteFailure(id: NodeId, weight = 1): boolean {
    const n = this.#map.get(id);
    if (n === undefined || n.suspended) return false;
    n.failStreak += weight;
    if (n.failStreak >= this.#cfg.healthDeadAfter) {
      n.suspended = true;
      this.#counts.nbrSuspended++;
      n.qAt = -Infinity;
      return true;
    }
    return false;
  }

  noteSuccess(id: NodeId): void {
    const n = this.#map.get(id);
    if (n !== undefined) n.failStreak = 0;
  }

  /**
   * A confirmation from `id` came `sampleMs` after our transmission ended. Smoothed as TCP does
   * (RFC 6298: SRTT ← 7/8·SRTT + 1/8·R, RTTVAR ← 3/4·RTTVAR + 1/4·|SRTT − R|), so confirmation
   * waits follow a congested channel instead of declaring routes dead.
   */
  noteRoundTrip(id: NodeId, sampleMs: number): void {
    const n = this.#map.get(id);
    if (n === undefined || !(sampleMs >= 0)) return;
    if (n.srtt === 0) {
      n.srtt = sampleMs;
      n.rttvar = sampleMs / 2;
    } else {
      n.rttvar = 0.75 * n.rttvar + 0.25 * Math.abs(n.srtt - sampleMs);
      n.srtt = 0.875 * n.srtt + 0.125 * sampleMs;
    }
  }

  /** The measured confirmation timeout for `id` (SRTT + 4·RTTVAR), or 0 without samples. */
  measuredTimeout(id: NodeId): number {
    const n = this.#map.get(id);
    return n === undefined || n.srtt === 0 ? 0 : n.srtt + 4 * n.rttvar;
  }

  /** Usable neighbours at `now`. */
  usableList(now: number): Neighbour[] {
    const out: Neighbour[] = [];
    for (const n of this.#map.values()) if (this.usable(n, now)) out.push(n);
    return out;
  }

  /**
   * Records an OGM. Returns the neighbour record (undefined if the table was full of better
   * neighbours and this one was not admitted) and what kind of reception it was.
   */
  onOgm(
    f: OgmFrame,
    rssi: number,
    snr: number,
    now: number,
    carriers?: () => ReadonlySet<NodeId>,
  ): { n: Neighbour | undefined; reception: OgmReception | "ignored"; evicted?: NodeId } {
    let n = this.#map.get(f.tx);
    let evicted: NodeId | undefined;
    if (n === undefined) {
      if (this.full) {
        evicted = this.#evictFor(snr, this.#listsUs(f), now, carriers?.());
        if (evicted === undefined) {
          this.#counts.nbrIgnored++;
          return { n: undefined, reception: "ignored" };
        }
      }
      n = {
        id: f.tx,
        window: new OgmWindow(this.#cfg.lqWindow),
        firstHeardAt: now,
        lastFrameAt: now,
        heardAtTravelM: this.travelledM,
        intervalMs: 0,
        cycle: 1,
        tq: 0,
        tqAt: -Infinity,
        cluster: 0,
        hasFix: false,
        homeless: true,
        driving: false,
        border: false,
        relayActive: true,
        battery: 1,
        load: 0,
        relayPrio: 0,
        routeSeq: 0,
        rssi,
        snr,
        snrAvg: snr,
        twoHop: new Map(),
        listed: false,
        up: false,
        everUp: false,
        failStreak: 0,
        suspended: false,
        qCache: 0,
        lqCache: 0,
        qAt: -Infinity,
        srtt: 0,
        rttvar: 0,
      };
      this.#map.set(f.tx, n);
    }
    const reception = n.window.record(f.ogmSeq, now);
    if (reception === "duplicate") return { n, reception };
    n.suspended = false;
    n.failStreak = 0;
    n.qAt = -Infinity;
    n.heardAtTravelM = this.travelledM;
    n.intervalMs = f.intervalUnits * OGM_INTERVAL_UNIT_MS;
    n.cycle = f.cycle;
    n.cluster = f.cluster;
    n.hasFix = f.hasFix;
    n.homeless = f.homeless;
    n.driving = f.driving === true;
    n.border = f.border;
    n.relayActive = f.relayActive;
    n.battery = f.battery === 255 ? -1 : f.battery / 254;
    n.load = f.load / 255;
    n.relayPrio = f.relayPrio;
    n.routeSeq = f.routeSeq;
    n.rssi = rssi;
    n.snr = snr;
    // Our entry in its list is the tq of our link. Should two of its neighbours share our short
    // id, the lower rq is taken (conservative).
    let mine = -1;
    for (const e of f.neighbours) {
      if (e.short === this.#selfShort) mine = mine < 0 ? e.rq : Math.min(mine, e.rq);
      else n.twoHop.set(e.short, Math.floor(now / 1000) * 256 + e.rq);
    }
    if (mine >= 0) {
      n.tq = byteToQuality(mine);
      n.tqAt = now;
    } else if (f.cycle === 1) {
      // With the whole table in every OGM (cycle 1), not being listed means not being heard.
      n.tq = 0;
      n.tqAt = now;
    }
    if (f.neighbours.length > 0 || f.cycle === 1) n.listed = true;
    if (evicted !== undefined) return { n, reception, evicted };
    if (f.cycle === 1 && n.twoHop.size > f.neighbours.length) {
      // A complete list: forget two-hop entries it no longer carries.
      const listed = new Set(f.neighbours.map((e) => e.short));
      for (const short of n.twoHop.keys()) if (!listed.has(short)) n.twoHop.delete(short);
    }
    return { n, reception };
  }

  /**
   * The interval a newcomer's probation counts: its own, at most `ogmSettledMs` (16 min).
   * A node at the 32-min ceiling that hears us for the first time sends its next OGM within 16 min
   * (rule `newcomerCeiling`, §8.1), so that is as long as its OGM listing us can take.
   */
  #probationInterval(n: Neighbour): number {
    return Math.min(n.intervalMs, this.#cfg.ogmSettledMs);
  }

  /** Whether an OGM lists us: its sender has us in its table and hears us. */
  #listsUs(f: OgmFrame): boolean {
    for (const e of f.neighbours) if (e.short === this.#selfShort && e.rq > 0) return true;
    return false;
  }

  /**
   * Full table (rule `admitNeighbour`, §18): whom a newcomer may replace. Never a neighbour that
   * is the next hop of a selected route (`carriers`), nor one still in its probation; of the rest
   * the weakest: unusable before usable, then the lowest smoothed SNR. An unusable one past its
   * probation gives way to a newcomer that lists us (the link works both ways at once) or is
   * stronger; a usable one only to a newcomer that lists us and is stronger by 3 dB. Why: the
   * old rule let every newcomer replace any unusable neighbour, and every neighbour starts
   * unusable (tq 0 until its OGM lists us), so in a crowded neighbourhood each newcomer evicted
   * the last (dense-urban: 101,618 evictions in 40 min on 200 nodes of 24-entry tables).
   */
  #evictFor(snr: number, listsUs: boolean, now: number, carriers: ReadonlySet<NodeId> | undefined): NodeId | undefined {
    let worst: Neighbour | undefined;
    let worstUsable = true;
    for (const n of this.#map.values()) {
      if (carriers?.has(n.id) === true) continue;
      const usable = this.usable(n, now);
      if (!usable && now - n.firstHeardAt < PROBATION_INTERVALS * 1.25 * this.#probationInterval(n)) continue;
      if (worst === undefined || (worstUsable && !usable) || (usable === worstUsable && n.snrAvg < worst.snrAvg)) {
        worst = n;
        worstUsable = usable;
      }
    }
    if (worst === undefined) return undefined;
    const admit = worstUsable ? listsUs && snr > worst.snrAvg + 3 : listsUs || snr > worst.snrAvg;
    if (!admit) return undefined;
    this.#map.delete(worst.id);
    this.#counts.nbrEvicted++;
    return worst.id;
  }

  /**
   * Drops neighbours that are gone (rq decayed to 0, or silent for the timeout) and two-hop
   * entries past their hold, and reports neighbours whose usability changed.
   */
  expire(now: number): { lost: NodeId[]; changes: NeighbourChange[]; droveOff: NodeId[] } {
    const lost: NodeId[] = [];
    const changes: NeighbourChange[] = [];
    // Lost neighbours whose last OGM said they were driving (rule `drivingHealth`, §11).
    const droveOff: NodeId[] = [];
    for (const n of this.#map.values()) {
      const silentFor = now - Math.max(n.window.lastHeardAt, n.lastFrameAt);
      if (this.rq(n, now) === 0 || silentFor > this.#cfg.neighbourTimeoutFactor * n.intervalMs) {
        this.#map.delete(n.id);
        this.#counts.nbrLost++;
        lost.push(n.id);
        if (n.driving) droveOff.push(n.id);
        if (n.up) changes.push({ id: n.id, up: false });
        continue;
      }
      const up = this.usable(n, now);
      if (up !== n.up) {
        n.up = up;
        changes.push({ id: n.id, up });
      }
    }
    return { lost, changes, droveOff };
  }

  /**
   * Short ids of the nodes `n` reports hearing at rq ≥ `minRq` (whom a frame it relays reaches,
   * §15), or undefined while its OGMs have not told us its neighbours.
   */
  covers(n: Neighbour, minRq: number): Set<number> | undefined {
    if (!n.listed) return undefined;
    const out = new Set<number>();
    for (const [short, v] of n.twoHop) if (byteToQuality(v % 256) >= minRq) out.add(short);
    return out;
  }

  /** How well `n` reports hearing the node with this short id, 0..1 (0 when it does not list it). */
  twoHopRq(n: Neighbour, short: number): number {
    const v = n.twoHop.get(short);
    return v === undefined ? 0 : byteToQuality(v % 256);
  }

  /**
   * Forgets two-hop entries not confirmed within a hold time (once per OGM is enough), and keeps
   * each list within twice maxNeighbours (a neighbour lists at most its own maxNeighbours).
   */
  pruneTwoHop(now: number): void {
    const cap = 2 * this.#cfg.maxNeighbours;
    for (const n of this.#map.values()) {
      const oldest = Math.floor((now - this.holdMs(n)) / 1000);
      for (const [id, v] of n.twoHop) if (Math.floor(v / 256) < oldest) n.twoHop.delete(id);
      if (n.twoHop.size > cap) {
        const byAge = [...n.twoHop.entries()].sort((a, b) => a[1] - b[1]);
        for (let i = 0; i < byAge.length - cap; i++) n.twoHop.delete(byAge[i][0]);
      }
    }
  }

  /** Removes a neighbour outright (e.g. for tests or an explicit reset). */
  delete(id: NodeId): boolean {
    return this.#map.delete(id);
  }
}
