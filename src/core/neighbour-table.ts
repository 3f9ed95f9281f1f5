// Neighbours heard through their OGMs (docs/protocol.md §4): reception window, the quality they
// report hearing us with (tq), what they advertise about themselves, and their own neighbour
// lists (our two-hop view, used by silencing). Bounded by maxNeighbours with an eviction rule.
import type { ClusterId } from "./cluster";
import type { MeshConfig } from "./config";
import { byteToQuality, linkQuality, OgmWindow, type OgmReception } from "./link-quality";
import { linkCost } from "./metric";
import { METRIC_INFINITY } from "./frames";
import type { OgmFrame } from "./frames";
import { OGM_INTERVAL_UNIT_MS } from "./frames";
import type { NodeId } from "./station";

export interface Neighbour {
  readonly id: NodeId;
  readonly window: OgmWindow;
  firstHeardAt: number;
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
  /** The neighbour's own neighbours: the rq it reports for each and when it last listed them. */
  readonly twoHop: Map<NodeId, { rq: number; at: number }>;
  /** Whether we last reported it usable (for up/down events). */
  up: boolean;
  /** Frames to it that went unconfirmed in a row, over any route. */
  failStreak: number;
  /** Unresponsive: unusable until its next OGM (§7.2). */
  suspended: boolean;
}

export type NeighbourChange = { readonly id: NodeId; readonly up: boolean };

export class NeighbourTable {
  readonly #cfg: MeshConfig;
  readonly #self: NodeId;
  readonly #map = new Map<NodeId, Neighbour>();
  #ignored = 0;

  constructor(self: NodeId, cfg: MeshConfig) {
    this.#self = self;
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
    return n.window.rq(now, n.intervalMs, this.#cfg.lqMinSpan);
  }

  /** tq, forgotten once no report has come for a hold time. */
  tq(n: Neighbour, now: number): number {
    return now - n.tqAt > this.holdMs(n) ? 0 : n.tq;
  }

  /** Link quality Q = rq · tq at `now`. */
  quality(n: Neighbour, now: number): number {
    return linkQuality(this.rq(n, now), this.tq(n, now));
  }

  usable(n: Neighbour, now: number): boolean {
    return !n.suspended && this.quality(n, now) >= this.#cfg.linkUsableQ;
  }

  cost(n: Neighbour, now: number): number {
    return n.suspended ? METRIC_INFINITY : linkCost(this.quality(n, now), this.#cfg.linkUsableQ, this.#cfg.hopPenalty);
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
      return true;
    }
    return false;
  }

  noteSuccess(id: NodeId): void {
    const n = this.#map.get(id);
    if (n !== undefined) n.failStreak = 0;
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
        up: false,
        failStreak: 0,
        suspended: false,
      };
      this.#map.set(f.tx, n);
    }
    const reception = n.window.record(f.ogmSeq, now);
    if (reception === "duplicate") return { n, reception };
    n.suspended = false;
    n.failStreak = 0;
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
    let listedMe = false;
    for (const e of f.neighbours) {
      if (e.id === this.#self) {
        n.tq = byteToQuality(e.rq);
        n.tqAt = now;
        listedMe = true;
      } else {
        n.twoHop.set(e.id, { rq: byteToQuality(e.rq), at: now });
      }
    }
    // With the whole table in every OGM (cycle 1), not being listed means not being heard.
    if (!listedMe && f.cycle === 1) {
      n.tq = 0;
      n.tqAt = now;
    }
    if (f.cycle === 1) {
      // A complete list: forget two-hop entries it no longer carries.
      for (const id of n.twoHop.keys()) if (!f.neighbours.some((e) => e.id === id)) n.twoHop.delete(id);
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
      const silentFor = now - n.window.lastHeardAt;
      if (this.rq(n, now) === 0 || silentFor > this.#cfg.neighbourTimeoutFactor * n.intervalMs) {
        this.#map.delete(n.id);
        lost.push(n.id);
        if (n.up) changes.push({ id: n.id, up: false });
        continue;
      }
      const hold = this.holdMs(n);
      for (const [id, e] of n.twoHop) if (now - e.at > hold) n.twoHop.delete(id);
      const up = this.usable(n, now);
      if (up !== n.up) {
        n.up = up;
        changes.push({ id: n.id, up });
      }
    }
    return { lost, changes };
  }

  /** Removes a neighbour outright (e.g. for tests or an explicit reset). */
  delete(id: NodeId): boolean {
    return this.#map.delete(id);
  }
}
