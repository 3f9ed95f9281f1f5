// Distance-vector route table (docs/protocol.md §5): node routes to members of the own cluster
// (and direct neighbours of any cluster), cluster routes to other clusters. One entry per
// destination per advertising neighbour; Babel's feasibility condition per source; at most
// `routesPerDestination` selected routes, best metric first, through distinct next hops.
//
// Sources: a node route's source is its destination; a cluster route's source is the border
// node that originated it ((cluster, origin)), as Babel treats a prefix announced by several
// routers.
import type { MeshConfig } from "./config";
import { METRIC_INFINITY } from "./frames";
import { seqNewer } from "./link-quality";
import { addMetric, isFeasible, updatedFeasibility, type SeqMetric } from "./metric";
import type { NeighbourTable } from "./neighbour-table";
import { RouteHealth } from "./route-health";
import type { NodeId } from "./station";
import { trustScaledMetric } from "./trust";

/** A next hop's trust at a time, 0..1 (§7.5); everyone is fully trusted without one. */
export type TrustLookup = (neighbour: NodeId, now: number) => number;

export type DestKind = "node" | "cluster";

export interface RouteEntry {
  readonly neighbour: NodeId;
  origin: NodeId;
  seqno: number;
  advMetric: number;
  holdUntil: number;
  readonly health: RouteHealth;
  deadSeqno: number;
  /**
   * The feasibility distance of this entry's source, once one exists (records are updated in
   * place; if one is evicted, the old record only makes feasibility stricter, which is safe).
   */
  fd: Fd | undefined;
}

export interface Destination {
  readonly kind: DestKind;
  readonly key: number;
  readonly entries: RouteEntry[];
  /** Node destinations learnt only as a direct neighbour in another cluster: not advertised. */
  foreign: boolean;
  /** What we last advertised, for change detection. */
  lastAdvert: (SeqMetric & { origin: NodeId }) | undefined;
  /** Retractions still to advertise after losing every route. */
  retracting: number;
  /** When the advertisement last changed materially (for "changes first"). */
  changedAt: number;
  /** When we last answered a seqno request for it (§5.6): that answer goes first, whatever it says. */
  answeredAt: number;
  /** Best route last time it was computed (route-changed events, advertisements, eviction). */
  bestVia: NodeId | undefined;
  bestMetric: number;
  bestEntry: RouteEntry | undefined;
}

/** A usable route: an entry and its total metric at the time of the query. */
export interface SelectedRoute {
  readonly entry: RouteEntry;
  readonly metric: number;
}

/**
 * What an update did. "unchanged": the same advertisement again (hold refreshed); "refreshed":
 * only the seqno moved or the metric moved by less than 1/8 — recorded, but not worth
 * re-evaluating the destination now (route choice for data always selects afresh, and the
 * periodic refresh catches up); "updated": worth re-evaluating now.
 */
export type UpdateOutcome = "new-destination" | "updated" | "refreshed" | "unchanged" | "ignored";

export interface RouteChange {
  readonly kind: DestKind;
  readonly key: number;
  readonly via: NodeId | undefined;
  readonly metric: number;
  readonly appeared: boolean;
  /** Appeared and never advertised by us before: news worth an early OGM. */
  readonly fresh: boolean;
  readonly lost: boolean;
}

/** What happens to destinations and their best routes, counted (MeshStats): what churns. */
export interface RouteCounters {
  /** Destinations dropped to make room for a nearer one; newcomers refused by a full table. */
  destEvicted: number;
  destRefused: number;
  /** Best-route changes: to a better route while the old one still worked (metric moved past the margin). */
  switchBetter: number;
  /** Best-route changes because the old best stopped working, by why: its entry went (expired, retracted, replaced), its neighbour left the table, its link became unusable, it died of failures. */
  switchEntryGone: number;
  switchNbrGone: number;
  switchLinkDown: number;
  switchDead: number;
  /** Frames moved to another route after one timeout on a quiet channel (quietFailover, §7.3). */
  quietFailovers: number;
}

export function emptyRouteCounters(): RouteCounters {
  return { destEvicted: 0, destRefused: 0, switchBetter: 0, switchEntryGone: 0, switchNbrGone: 0, switchLinkDown: 0, switchDead: 0, quietFailovers: 0 };
}

/**
 * A metric change larger than this share counts as news worth advertising first. One lost OGM
 * in an 8-wide reception window moves a link's cost by about 1/8, so a smaller threshold would
 * mark nearly every route changed at every OGM in a large lossy mesh.
 */
const MATERIAL_CHANGE = 1 / 4;
/** A new best route must beat the current one by this share before the node switches (§5.5). */
const SWITCH_MARGIN = 1 / 8;
/** How many OGMs carry a retraction before the destination is forgotten. */
const RETRACTIONS = 2;

/**
 * A dead route comes back with a newer seqno (§7.2) only once it has been dead as long as its
 * source's own schedule takes to move the seqno at the shortest OGM interval (seqnoEveryOgms ×
 * 30 s = 4 min), when this node sends seqno requests (§5.6): a seqno raised early for a request
 * must not revive, within minutes, every route that died of failures — a black hole's included.
 * Without requests, at once (as before: the wait cost inter-city delivery in the cut, §20.4).
 */
export function reviveAfterMs(cfg: MeshConfig): number {
  return cfg.seqnoRequests ? cfg.seqnoEveryOgms * cfg.ogmIntervalSteps[0][1] : 0;
}

export class RouteTable {
  readonly #self: NodeId;
  readonly #cfg: MeshConfig;
  readonly #nbrs: NeighbourTable;
  readonly #nodes = new Map<number, Destination>();
  readonly #clusters = new Map<number, Destination>();
  /** Feasibility distances per source, with when they were last touched (for bounded eviction). */
  readonly #fd = new FeasibilityTable();
  readonly #trust: TrustLookup | undefined;
  readonly #counts: RouteCounters;

  constructor(self: NodeId, cfg: MeshConfig, neighbours: NeighbourTable, trust?: TrustLookup, counters: RouteCounters = emptyRouteCounters()) {
    this.#self = self;
    this.#cfg = cfg;
    this.#nbrs = neighbours;
    this.#trust = trust;
    this.#counts = counters;
  }

  #table(kind: DestKind): Map<number, Destination> {
    return kind === "node" ? this.#nodes : this.#clusters;
  }

  #limit(kind: DestKind): number {
    return kind === "node" ? this.#cfg.maxDestinations : this.#cfg.maxClusters;
  }

  get(kind: DestKind, key: number): Destination | undefined {
    return this.#table(kind).get(key);
  }

  destinations(kind: DestKind): IterableIterator<Destination> {
    return this.#table(kind).values();
  }

  size(kind: DestKind): number {
    return this.#table(kind).size;
  }

  feasibility(kind: DestKind, key: number, origin: NodeId): SeqMetric | undefined {
    return this.#fd.get(kind, key, origin);
  }

  /**
   * Records an advertisement of (kind, key) by `neighbour`. Retractions remove the entry.
   * `foreign` marks a node destination that is only a direct neighbour in another cluster.
   */
  update(
    kind: DestKind,
    key: number,
    neighbour: NodeId,
    origin: NodeId,
    seqno: number,
    advMetric: number,
    holdUntil: number,
    now: number,
    foreign = false,
  ): UpdateOutcome {
    if (kind === "node" && key === this.#self) return "ignored";
    const table = this.#table(kind);
    let dest = table.get(key);
    if (advMetric >= METRIC_INFINITY) {
      if (dest === undefined) return "ignored";
      for (let i = 0; i < dest.entries.length; i++) {
        if (dest.entries[i].neighbour === neighbour) {
          dest.entries.splice(i, 1);
          return "updated";
        }
      }
      return "ignored";
    }
    let outcome: UpdateOutcome = "updated";
    if (dest === undefined) {
      if (table.size >= this.#limit(kind) && !this.#evictFor(kind, addMetric(advMetric, 0))) {
        this.#counts.destRefused++;
        return "ignored";
      }
      dest = {
        kind,
        key,
        entries: [],
        foreign,
        lastAdvert: undefined,
        retracting: 0,
        changedAt: now,
        answeredAt: -Infinity,
        bestVia: undefined,
        bestMetric: METRIC_INFINITY,
        bestEntry: undefined,
      };
      table.set(key, dest);
      outcome = "new-destination";
    } else if (!foreign) {
      dest.foreign = false;
    }
    const entries = dest.entries;
    let entry: RouteEntry | undefined;
    for (let i = 0; i < entries.length; i++) {
      if (entries[i].neighbour === neighbour) {
        entry = entries[i];
        break;
      }
    }
    if (entry === undefined) {
      if (entries.length >= this.#cfg.maxEntriesPerDestination) {
        // Replace the worst entry only if this one is better.
        let worst = 0;
        for (let i = 1; i < entries.length; i++) if (entries[i].advMetric > entries[worst].advMetric) worst = i;
        if (entries[worst].advMetric <= advMetric) return outcome === "new-destination" ? outcome : "ignored";
        entries.splice(worst, 1);
      }
      entry = { neighbour, origin, seqno, advMetric, holdUntil, health: new RouteHealth(now), deadSeqno: seqno, fd: undefined };
      entries.push(entry);
    } else {
      const same = entry.origin === origin && entry.seqno === seqno && entry.advMetric === advMetric;
      const revived = entry.health.dead && seqNewer(seqno, entry.deadSeqno) && now - entry.health.lastTouched >= reviveAfterMs(this.#cfg);
      if (revived) entry.health.revive(now);
      else if (same && outcome === "updated") {
        entry.holdUntil = holdUntil;
        return "unchanged";
      }
      const minor =
        !revived && outcome === "updated" && entry.origin === origin && Math.abs(advMetric - entry.advMetric) <= MATERIAL_CHANGE * entry.advMetric;
      if (entry.origin !== origin) entry.fd = undefined;
      entry.origin = origin;
      entry.seqno = seqno;
      entry.advMetric = advMetric;
      entry.holdUntil = holdUntil;
      if (minor) return "refreshed";
    }
    return outcome;
  }

  /** Marks an entry's route dead (remembering the seqno it died at). */
  markDead(entry: RouteEntry): void {
    entry.health.kill();
    entry.deadSeqno = entry.seqno;
  }

  /** Records that a route died from failures (health already counted them). */
  noteDeath(entry: RouteEntry): void {
    entry.deadSeqno = entry.seqno;
  }

  // Full table: drop the farthest destination, if it is farther than the newcomer.
  #evictFor(kind: DestKind, newMetric: number): boolean {
    let victim: Destination | undefined;
    let victimMetric = -1;
    for (const d of this.#table(kind).values()) {
      // bestMetric is what the last refresh found: exact enough to pick a victim, and cheap.
      const m = d.bestMetric;
      if (m > victimMetric) {
        victim = d;
        victimMetric = m;
      }
    }
    if (victim === undefined || victimMetric <= newMetric) return false;
    this.#table(kind).delete(victim.key);
    this.#counts.destEvicted++;
    return true;
  }

  /** Whether an entry is feasible against our feasibility distance for its source. */
  feasible(kind: DestKind, key: number, e: RouteEntry): boolean {
    if (e.origin === this.#self) return true;
    if (e.fd === undefined) e.fd = this.#fd.get(kind, key, e.origin);
    return isFeasible({ seqno: e.seqno, metric: e.advMetric }, e.fd);
  }

  /**
   * Starvation (§5.6): when no entry of `d` is usable and some are refused only by feasibility
   * (live, not dead, over a usable link), those entries: their sources are the ones to ask for a
   * newer seqno, their neighbours the ones to ask. Empty when a feasible route is usable.
   */
  starvedOn(d: Destination, now: number): RouteEntry[] {
    const out: RouteEntry[] = [];
    for (const e of d.entries) {
      if (e.holdUntil < now || e.health.dead) continue;
      const n = this.#nbrs.get(e.neighbour);
      if (n === undefined || addMetric(e.advMetric, this.#nbrs.cost(n, now)) >= METRIC_INFINITY) continue;
      if (this.feasible(d.kind, d.key, e)) return [];
      out.push(e);
    }
    return out;
  }

  /**
   * The withdrawn-source rule (§5.7): `origin` itself retracted its route to (kind, key) at
   * `seqno`, so what other neighbours still advertise from it at that seqno or an older one is an
   * echo of a route that no longer exists. Removes those entries; returns how many, and whether
   * the best route was one of them.
   */
  supersedeEchoes(kind: DestKind, key: number, origin: NodeId, seqno: number): { readonly removed: number; readonly wasBest: boolean } {
    const d = this.#table(kind).get(key);
    if (d === undefined) return { removed: 0, wasBest: false };
    let removed = 0;
    let wasBest = false;
    for (let i = d.entries.length - 1; i >= 0; i--) {
      const e = d.entries[i];
      if (e.origin !== origin || e.neighbour === origin || seqNewer(e.seqno, seqno)) continue;
      if (e === d.bestEntry) wasBest = true;
      d.entries.splice(i, 1);
      removed++;
    }
    return { removed, wasBest };
  }

  /**
   * Usable routes for a destination at `now`: live, not dead, feasible, over a usable link,
   * best metric first, at most routesPerDestination.
   */
  selected(dest: Destination, now: number, includeDead = false): SelectedRoute[] {
    const out: SelectedRoute[] = [];
    for (const e of dest.entries) {
      const metric = this.#usableMetric(dest, e, now, includeDead);
      if (metric < METRIC_INFINITY) out.push({ entry: e, metric });
    }
    if (out.length > 1) out.sort((a, b) => a.metric - b.metric || a.entry.neighbour - b.entry.neighbour);
    if (out.length > this.#cfg.routesPerDestination) out.length = this.#cfg.routesPerDestination;
    return out;
  }

  /** An entry's total metric at `now`, or INFINITY if it is expired, dead, infeasible or its link unusable. */
  #usableMetric(dest: Destination, e: RouteEntry, now: number, includeDead = false): number {
    if (e.holdUntil < now || (e.health.dead && !includeDead)) return METRIC_INFINITY;
    const n = this.#nbrs.get(e.neighbour);
    if (n === undefined) return METRIC_INFINITY;
    const metric = addMetric(e.advMetric, this.#nbrs.cost(n, now));
    if (metric >= METRIC_INFINITY || !this.feasible(dest.kind, dest.key, e)) return METRIC_INFINITY;
    // Trust-scaled metric (§7.5): feasibility is judged on what was advertised, selection and
    // our own advertisement on what the next hop has actually carried.
    return this.#trust === undefined ? metric : trustScaledMetric(metric, this.#trust(e.neighbour, now));
  }

  routes(kind: DestKind, key: number, now: number): SelectedRoute[] {
    const d = this.#table(kind).get(key);
    return d === undefined ? [] : this.selected(d, now);
  }

  /** The next hops of the selected best routes, as of the last refresh (neighbours that carry routes, §18). */
  nextHops(): Set<NodeId> {
    const out = new Set<NodeId>();
    for (const table of [this.#nodes, this.#clusters]) for (const d of table.values()) if (d.bestVia !== undefined) out.add(d.bestVia);
    return out;
  }

  /** Removes every entry learnt through a neighbour. */
  dropNeighbour(id: NodeId): void {
    for (const table of [this.#nodes, this.#clusters]) {
      for (const d of table.values()) {
        const i = d.entries.findIndex((e) => e.neighbour === id);
        if (i >= 0) d.entries.splice(i, 1);
      }
    }
  }

  /**
   * Removes every entry a neighbour advertised (caught lying, §7.5), keeping only the direct
   * route to the neighbour itself.
   */
  dropAdvertsOf(id: NodeId): void {
    for (const table of [this.#nodes, this.#clusters]) {
      for (const d of table.values()) {
        if (table === this.#nodes && d.key === id) continue;
        const i = d.entries.findIndex((e) => e.neighbour === id);
        if (i >= 0) d.entries.splice(i, 1);
      }
    }
  }

  /**
   * Our cluster changed (§2, mobility): node routes are kept — the links under them did not
   * change — but every node destination counts as foreign until a neighbour of our new cluster
   * advertises it, so it is not advertised as a member of our cluster nor addressed to it.
   */
  keepNodeRoutesAsForeign(): void {
    for (const d of this.#nodes.values()) d.foreign = true;
  }

  /**
   * Expires entries past their hold, recomputes each destination's best route, and reports
   * destinations that appeared, were lost or changed next hop. Lost destinations that we had
   * advertised start retracting; fully retracted empty ones are forgotten.
   */
  refresh(now: number): RouteChange[] {
    const changes: RouteChange[] = [];
    for (const table of [this.#nodes, this.#clusters]) {
      for (const d of table.values()) this.#refreshOne(d, now, changes);
    }
    this.#gcSources();
    return changes;
  }

  /** The same for a few destinations only (those an OGM just touched). */
  refreshSome(kind: DestKind, keys: Iterable<number>, now: number): RouteChange[] {
    const changes: RouteChange[] = [];
    const table = this.#table(kind);
    for (const key of keys) {
      const d = table.get(key);
      if (d !== undefined) this.#refreshOne(d, now, changes);
    }
    return changes;
  }

  #refreshOne(d: Destination, now: number, changes: RouteChange[]): void {
    for (let i = d.entries.length - 1; i >= 0; i--) if (d.entries[i].holdUntil < now) d.entries.splice(i, 1);
    // The best route, without allocating (this runs for every destination an OGM touches).
    let bestEntry: RouteEntry | undefined;
    let metric = METRIC_INFINITY;
    let currentMetric = METRIC_INFINITY;
    for (const e of d.entries) {
      const m = this.#usableMetric(d, e, now);
      if (e === d.bestEntry) currentMetric = m;
      if (m < metric || (m === metric && bestEntry !== undefined && e.neighbour < bestEntry.neighbour)) {
        metric = m;
        bestEntry = m < METRIC_INFINITY ? e : undefined;
      }
    }
    // Hysteresis: keep the current best unless another is better by more than 1/8, so routes
    // whose costs wander past each other do not flap (each flap is an event and an OGM change).
    if (d.bestEntry !== undefined && currentMetric < METRIC_INFINITY && metric > currentMetric * (1 - SWITCH_MARGIN)) {
      bestEntry = d.bestEntry;
      metric = currentMetric;
    }
    const via = bestEntry?.neighbour;
    const appeared = d.bestVia === undefined && via !== undefined;
    const lost = d.bestVia !== undefined && via === undefined;
    if (via !== d.bestVia && d.bestEntry !== undefined) this.#countSwitch(d.bestEntry, d.entries.includes(d.bestEntry), currentMetric, now);
    if (via !== d.bestVia) changes.push({ kind: d.kind, key: d.key, via, metric, appeared, lost, fresh: appeared && d.lastAdvert === undefined });
    if (lost && d.lastAdvert !== undefined && d.lastAdvert.metric < METRIC_INFINITY) d.retracting = RETRACTIONS;
    if (via !== undefined) d.retracting = 0;
    // "Changed" until advertised: new, lost, or a metric that moved materially since the last
    // advertisement. The OGM builder sends changed destinations first.
    const material =
      via !== undefined &&
      (d.lastAdvert === undefined ||
        d.lastAdvert.metric >= METRIC_INFINITY ||
        Math.abs(metric - d.lastAdvert.metric) > MATERIAL_CHANGE * d.lastAdvert.metric);
    if (appeared || lost || material) d.changedAt = now;
    d.bestVia = via;
    d.bestMetric = metric;
    d.bestEntry = bestEntry;
    if (d.entries.length === 0 && d.retracting === 0) this.#table(d.kind).delete(d.key);
  }

  #countSwitch(old: RouteEntry, present: boolean, oldMetric: number, now: number): void {
    const c = this.#counts;
    if (oldMetric < METRIC_INFINITY) c.switchBetter++;
    else if (!present || old.holdUntil < now) c.switchEntryGone++;
    else if (old.health.dead) c.switchDead++;
    else {
      const n = this.#nbrs.get(old.neighbour);
      if (n === undefined) c.switchNbrGone++;
      else c.switchLinkDown++;
    }
  }

  /**
   * What we would advertise for a destination now: the best route's (seqno, metric, origin),
   * a retraction if we are retracting, or undefined if there is nothing to say.
   * `selfSeq` is our own routeSeq (for routes we originate).
   */
  advertisement(d: Destination, now: number, selfSeq: number): (SeqMetric & { origin: NodeId }) | undefined {
    // The best route as of the last refresh (on every OGM that changed it, and every sweep):
    // loop-safe even if slightly stale, since the feasibility distance follows what we advertise.
    const e = d.bestEntry;
    if (e !== undefined && !e.health.dead && d.entries.includes(e)) {
      return { seqno: e.origin === this.#self ? selfSeq : e.seqno, metric: d.bestMetric, origin: e.origin };
    }
    const best = this.selected(d, now)[0];
    if (best !== undefined) {
      const origin = best.entry.origin;
      return { seqno: origin === this.#self ? selfSeq : best.entry.seqno, metric: best.metric, origin };
    }
    if (d.retracting > 0 && d.lastAdvert !== undefined) return { seqno: d.lastAdvert.seqno, metric: METRIC_INFINITY, origin: d.lastAdvert.origin };
    return undefined;
  }

  /** Records that an advertisement went out: update the feasibility distance (§5.3). */
  advertised(d: Destination, adv: SeqMetric & { origin: NodeId }, now: number): void {
    if (adv.metric >= METRIC_INFINITY) {
      d.retracting = Math.max(0, d.retracting - 1);
    }
    d.lastAdvert = adv;
    if (adv.origin === this.#self && d.kind === "cluster") return; // we are the source
    const fd = updatedFeasibility(this.#fd.get(d.kind, d.key, adv.origin), adv);
    if (fd !== undefined) this.#fd.set(d.kind, d.key, adv.origin, fd.seqno, fd.metric, now);
  }

  // Bound the feasibility-distance table: drop the least recently advertised sources beyond
  // maxSources, keeping any whose destination still has entries.
  #gcSources(): void {
    if (this.#fd.size <= this.#cfg.maxSources) return;
    this.#fd.shrink(this.#cfg.maxSources, (kind, key, origin) => {
      const d = this.#table(kind).get(key);
      return d !== undefined && d.entries.some((e) => e.origin === origin);
    });
  }
}

export interface Fd {
  seqno: number;
  metric: number;
  at: number;
}

/**
 * Feasibility distances by source without string keys (this runs for every route entry an OGM
 * carries): node sources by destination id, cluster sources by cluster then origin.
 */
class FeasibilityTable {
  readonly #nodes = new Map<number, Fd>();
  readonly #clusters = new Map<number, Map<NodeId, Fd>>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(kind: DestKind, key: number, origin: NodeId): Fd | undefined {
    return kind === "node" ? this.#nodes.get(key) : this.#clusters.get(key)?.get(origin);
  }

  set(kind: DestKind, key: number, origin: NodeId, seqno: number, metric: number, at: number): void {
    let map: Map<number, Fd> | undefined;
    let k = key;
    if (kind === "node") map = this.#nodes;
    else {
      map = this.#clusters.get(key);
      if (map === undefined) this.#clusters.set(key, (map = new Map()));
      k = origin;
    }
    const fd = map.get(k);
    if (fd === undefined) {
      map.set(k, { seqno, metric, at });
      this.#size++;
    } else {
      fd.seqno = seqno;
      fd.metric = metric;
      fd.at = at;
    }
  }

  /** Drops the least recently touched sources that `keep` does not protect until `max` remain. */
  shrink(max: number, keep: (kind: DestKind, key: number, origin: NodeId) => boolean): void {
    const all: Array<[DestKind, number, NodeId, number]> = [];
    for (const [k, fd] of this.#nodes) all.push(["node", k, k, fd.at]);
    for (const [c, m] of this.#clusters) for (const [o, fd] of m) all.push(["cluster", c, o, fd.at]);
    all.sort((a, b) => a[3] - b[3]);
    for (const [kind, key, origin] of all) {
      if (this.#size <= max) return;
      if (keep(kind, key, origin)) continue;
      if (kind === "node") this.#nodes.delete(key);
      else {
        const m = this.#clusters.get(key);
        m?.delete(origin);
        if (m !== undefined && m.size === 0) this.#clusters.delete(key);
      }
      this.#size--;
    }
  }
}
