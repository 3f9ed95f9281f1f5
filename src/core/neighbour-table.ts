// Neighbours heard through their OGMs (docs/protocol.md §4): reception window, the quality they
// report hearing us with (tq), what they advertise about themselves, and their own neighbour
// lists (our two-hop view, used by silencing). Bounded by maxNeighbours with an eviction rule.
import type { ClusterId } from "./cluster";
import type { MeshConfig } from "./config";
import { byteToQuality, linkQuality, OgmWindow, type OgmReception } from "./link-quality";
import { linkCost } from "./metric";
import { METRIC_INFINITY } from "./frames";
import type { OgmFrame } from "./frames";
import { OGM_INTERVAL_UNIT_MS, shortId } from "./frames";
import type { NodeId } from "./station";

export interface Neighbour {
  readonly id: NodeId;
  readonly window: OgmWindow;
  firstHeardAt: number;
  /** Last frame of any kind heard from it (every frame shows the link works, §4). */
  lastFrameAt: number;
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
  border: boolean;
  relayActive: boolean;
  /** 0..1, or -1 for external power. */
  battery: number;
  load: number;
  relayPrio: number;
  routeSeq: number;
  rssi: number;
  snr: number;
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
  /** Frames to it that went unconfirmed in a row, over any route. */
  failStreak: number;
  /** Unresponsive: unusable until its next OGM (§7.2). */
  suspended: boolean;
  /** Smoothed confirmation round trip to this neighbour and its variation, ms (0: no sample yet). */
  srtt: number;
  rttvar: number;
  /** Link quality cached at `qAt` (recomputed after an OGM or a second later). */
  qCache: number;
  qAt: number;
}

/** Share of linkUsableQ below which a usable link stops being usable. */
const LINK_HYSTERESIS = 0.75;

/** How long a computed link quality is reused: it changes on OGMs and at overdue boundaries (≥ 1.25 intervals). */
const QUALITY_CACHE_MS = 1000;

export type NeighbourChange = { readonly id: NodeId; readonly up: boolean };

export class NeighbourTable {
  readonly #cfg: MeshConfig;
  readonly #selfShort: number;
  readonly #map = new Map<NodeId, Neighbour>();
  #ignored = 0;

  constructor(self: NodeId, cfg: MeshConfig) {
    this.#selfShort = shortId(self);
    this.#cfg = cfg;
  }

  get size(): number {
    return this.#map.size;
  }

  /** Newcomers not tracked because the table was full of better neighbours. */
  get ignored(): number {
    return this.#ignored;
  }

  get(id: NodeId): Neighbour | undefined {
    return this.#map.get(id);
  }

  values(): IterableIterator<Neighbour> {
    return this.#map.values();
  }

  /** Hold time for what a neighbour advertises: a few full table passes. */
  holdMs(n: Neighbour): number {
    return this.#cfg.routeHoldFactor * Math.max(1, n.cycle) * n.intervalMs;
  }

  rq(n: Neighbour, now: number): number {
    return n.window.rq(now, n.intervalMs, this.#cfg.lqMinSpan, n.lastFrameAt);
  }

  /**
   * A frame of any kind from `id` was decoded: the neighbour is alive and its link to us works,
   * so OGMs do not count as overdue while its frames keep coming (§4). Long OGM intervals would
   * otherwise leave the node blind to its links between OGMs. It also ends a suspension.
   */
  heardFrame(id: NodeId, now: number): void {
    const n = this.#map.get(id);
    if (n === undefined) return;
    // Heard again: a suspension (§4) ends here, as it used to only on its next OGM, which with
    // long OGM intervals can be many minutes away.
    n.suspended = false;
    n.failStreak = 0;
    if (now > n.lastFrameAt) {
      n.lastFrameAt = now;
      n.qAt = -Infinity;
    }
  }

  /** tq, forgotten once no report has come for a hold time. */
  tq(n: Neighbour, now: number): number {
    return now - n.tqAt > this.holdMs(n) ? 0 : n.tq;
  }

  /** Link quality Q = rq · tq at `now`. */
  quality(n: Neighbour, now: number): number {
    if (now >= n.qAt && now - n.qAt < QUALITY_CACHE_MS) return n.qCache;
    n.qCache = linkQuality(this.rq(n, now), this.tq(n, now));
    n.qAt = now;
    return n.qCache;
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
    return !n.suspended && this.quality(n, now) >= this.#threshold(n);
  }

  cost(n: Neighbour, now: number): number {
    return n.suspended ? METRIC_INFINITY : linkCost(this.quality(n, now), this.#threshold(n), this.#cfg.hopPenalty);
  }

  /**
   * A frame to this neighbour went unconfirmed. After healthDeadAfter in a row, over any of
   * its routes, it is suspended until it is heard again: every route through it drops at once
   * instead of each destination finding out by its own timeouts. Returns true on suspension.
   */
  noteFailure(id: NodeId): boolean {
    const n = this.#map.get(id);
    if (n === undefined || n.suspended) return false;
    n.failStreak++;
    if (n.failStreak >= this.#cfg.healthDeadAfter) {
      n.suspended = true;
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
  onOgm(f: OgmFrame, rssi: number, snr: number, now: number): { n: Neighbour | undefined; reception: OgmReception | "ignored" } {
    let n = this.#map.get(f.tx);
    if (n === undefined) {
      if (this.#map.size >= this.#cfg.maxNeighbours && !this.#evictFor(snr, now)) {
        this.#ignored++;
        return { n: undefined, reception: "ignored" };
      }
      n = {
        id: f.tx,
        window: new OgmWindow(this.#cfg.lqWindow),
        firstHeardAt: now,
        lastFrameAt: now,
        intervalMs: 0,
        cycle: 1,
        tq: 0,
        tqAt: -Infinity,
        cluster: 0,
        hasFix: false,
        homeless: true,
        border: false,
        relayActive: true,
        battery: 1,
        load: 0,
        relayPrio: 0,
        routeSeq: 0,
        rssi,
        snr,
        twoHop: new Map(),
        listed: false,
        up: false,
        everUp: false,
        failStreak: 0,
        suspended: false,
        qCache: 0,
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
    n.intervalMs = f.intervalUnits * OGM_INTERVAL_UNIT_MS;
    n.cycle = f.cycle;
    n.cluster = f.cluster;
    n.hasFix = f.hasFix;
    n.homeless = f.homeless;
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
    if (f.cycle === 1 && n.twoHop.size > f.neighbours.length) {
      // A complete list: forget two-hop entries it no longer carries.
      const listed = new Set(f.neighbours.map((e) => e.short));
      for (const short of n.twoHop.keys()) if (!listed.has(short)) n.twoHop.delete(short);
    }
    return { n, reception };
  }

  // Full table: make room for a newcomer by dropping an unusable neighbour, or the weakest one
  // if the newcomer is clearly stronger (SNR, the only thing known about it yet).
  #evictFor(snr: number, now: number): boolean {
    let worst: Neighbour | undefined;
    let worstQ = Infinity;
    for (const n of this.#map.values()) {
      const q = this.quality(n, now);
      if (q < worstQ || (q === worstQ && worst !== undefined && n.snr < worst.snr)) {
        worst = n;
        worstQ = q;
      }
    }
    if (worst === undefined) return false;
    if (worstQ < this.#cfg.linkUsableQ || snr > worst.snr + 3) {
      this.#map.delete(worst.id);
      return true;
    }
    return false;
  }

  /**
   * Drops neighbours that are gone (rq decayed to 0, or silent for the timeout) and two-hop
   * entries past their hold, and reports neighbours whose usability changed.
   */
  expire(now: number): { lost: NodeId[]; changes: NeighbourChange[] } {
    const lost: NodeId[] = [];
    const changes: NeighbourChange[] = [];
    for (const n of this.#map.values()) {
      const silentFor = now - Math.max(n.window.lastHeardAt, n.lastFrameAt);
      if (this.rq(n, now) === 0 || silentFor > this.#cfg.neighbourTimeoutFactor * n.intervalMs) {
        this.#map.delete(n.id);
        lost.push(n.id);
        if (n.up) changes.push({ id: n.id, up: false });
        continue;
      }
      const up = this.usable(n, now);
      if (up !== n.up) {
        n.up = up;
        changes.push({ id: n.id, up });
      }
    }
    return { lost, changes };
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
