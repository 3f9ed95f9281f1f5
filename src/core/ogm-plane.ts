// OGMs (docs/protocol.md §4, §5, §8): taking in what a neighbour's OGM says (link sensing, its
// routes, the metric floor and lie strikes), route changes and the Trickle resets they bring, and
// building our own OGM on the Trickle schedule. One of the concerns MeshNode (mesh-node.ts) composes.
import type { Destination, DestKind, RouteChange } from "./route-table";
import { FrameType, MAX_FRAME_BYTES, METRIC_INFINITY, OGM_INTERVAL_MAX_UNITS, OGM_INTERVAL_UNIT_MS, type OgmFrame, shortId } from "./frames";
import { KNOWN_IDS_MAX, NEWCOMER_IDS_MAX, NodeState, OGM_PRIORITY } from "./node-state";
import { clusterContains, type ClusterId, clusterParent, clusterPrecision, formatCluster, NO_CLUSTER } from "./cluster";
import { encodeFrame } from "./codec";
import { formatNodeId, type NodeId, type RxMeta } from "./station";
import { jitter, KnownIds, trickleMinInterval, TrickleTimer } from "./ogm-schedule";
import { plausibleMetric } from "./trust";
import { qualityToByte } from "./link-quality";
import { OGM_QUIET_MAX_CYCLE, type OgmItem, selectOgmItems } from "./ogm-builder";

/**
 * Rule `homelessRoutes` (§17): a homeless node (no fix, no neighbour consensus) advertises its
 * node routes like any node, so a network of boards without GPS (a Heltec V3 has none) still
 * routes beyond its local flood's two hops. A node with a cluster keeps what a homeless neighbour
 * advertises as foreign: it uses those routes but does not pass them on as members of its own
 * cluster, so a homeless node between clusters cannot spill one cluster's members into another.
 */
export function homelessAdvert(ourCluster: ClusterId, senderHomeless: boolean): boolean {
  return ourCluster !== NO_CLUSTER && senderHomeless;
}

/**
 * Rule `improvementOnly` (§8.3): in a quiet OGM a route whose only news is a lower metric than we
 * last advertised — from the same source or another, at the same seqno or a newer one — does not
 * go first; it rides the rotation. A receiver's route through us works as it is, and it only
 * overestimates what the route costs: a lower metric is never infeasible for it (§5.3), and a
 * stale higher one cannot make a loop. A worse metric, a retraction, a route back after one, a new
 * destination, or the answer to a seqno request (§5.6, `answered`) still goes first. Why: on
 * medium-city (seed 1, the window's second half) 318 of 391 changed route entries in OGMs were
 * metrics that had fallen by more than a quarter as link estimates recovered from the collisions
 * of the cold start; once the same-source, same-seqno case rode the rotation, most changed
 * entries left were falls that came with a newer seqno (node routes, medium-city) or another
 * source (cluster routes, dense-urban: 650 of 1,423).
 */
export function improvementOnly(last: { seqno: number; metric: number; origin: NodeId } | undefined, adv: { seqno: number; metric: number; origin: NodeId }, answered = false): boolean {
  return !answered && last !== undefined && last.metric < METRIC_INFINITY && adv.metric < last.metric;
}

/**
 * Rule `settledFalls` (§8.3): `improvementOnly` holds in a quiet OGM and, at a crowded node (rule
 * `crowdedCeiling`: a full table, static, no driving neighbour), also in the OGM that announces
 * the settled interval (`ogmSettledMs`, or the ceiling if shorter) without a restart pending: the
 * first OGM after the cold start's climb, which ends a shorter interval and so is not yet a quiet
 * one. Why: on dense-urban (seed 1, the 30-min window) those OGMs, at about 15 minutes, carried
 * 10.6 changed route entries each, 6.9 of them falls as link estimates recovered from the cold
 * start's collisions (156 bytes against 107 for the quiet OGMs after them); a fall is never
 * infeasible for a receiver and cannot close a loop, whenever it is sent. Why crowded nodes only:
 * on highway-convoy the rule at every node cost broadcast coverage (seeds 1–5, 87.3 → 82.7 %).
 */
export function fallsRide(quiet: boolean, crowded: boolean, announcesMs: number, settledMs: number, restarting: boolean): boolean {
  return quiet || (crowded && !restarting && announcesMs >= settledMs);
}

export class OgmPlane {
  readonly n: NodeState;
  ogmSeq = 0;
  routeSeq = 0;
  ogmsBuilt = 0;
  ogmCursors = { nbr: 0, route: 0 };
  /** `cycle` of our last OGM (a quiet OGM's pass may be at most twice as long, §8.3). */
  lastCycle = 1;
  lastOgmBuiltAt = -Infinity;
  /** Airtime of our last OGM (the duty floor of the interval scales with it). */
  lastOgmAirMs = 0;
  /** The OGM interval's Trickle schedule (§8.1) and the one-early-OGM rule (§8.2). */
  readonly trickle: TrickleTimer;
  /** Ids heard before: only genuinely new ones reset the Trickle timer. */
  readonly known = new KnownIds(KNOWN_IDS_MAX);
  /** Ids heard before, for `newcomerCeiling` only (any sender can invent them: kept apart from `known`). */
  readonly heard = new KnownIds(NEWCOMER_IDS_MAX);
  nextOgmAt = 0;
  /** Current OGM interval, ms (before jitter). */
  intervalMs: number;
  /** Aggregates we originate (parent prefix → metric last advertised). */
  readonly aggregates = new Map<ClusterId, number>();

  constructor(n: NodeState) {
    this.n = n;
    this.intervalMs = n.config.ogmIntervalSteps[0][1];
    this.trickle = new TrickleTimer(this.intervalMs);
  }

  onOgm(f: OgmFrame, meta: RxMeta): void {
    const now = meta.at;
    const { n, reception, evicted } = this.n.nbrs.onOgm(f, meta.rssi, meta.snr, now, () => this.n.routes.nextHops());
    if (evicted !== undefined) this.n.routes.dropNeighbour(evicted);
    // Admitted or not: a newcomer our full table turned away is admitted once its OGM lists us.
    if (n === undefined ? reception === "ignored" : n.firstHeardAt === now) this.newcomer(now, f.tx);
    if (n === undefined || reception === "duplicate") return;
    const hold = now + this.n.nbrs.holdMs(n);
    const touchedNodes: number[] = [n.id];
    const touchedClusters: number[] = [];
    const sameCluster = this.n.cluster === NO_CLUSTER || n.homeless || n.cluster === this.n.cluster;
    this.n.locations.learn(n.id, n.cluster, now, hold);
    // The neighbour itself, reachable directly. Only entries that changed are re-evaluated:
    // most of an OGM repeats what the last one said and only refreshes hold times.
    this.n.routes.update("node", n.id, n.id, n.id, f.routeSeq, 0, hold, now, !sameCluster);
    this.n.seqreq.heard("node", n.id, n.id, f.routeSeq, now);
    if (!sameCluster) {
      // We border its cluster: originate a route to that cluster (§5.4).
      const o = this.n.routes.update("cluster", n.cluster, n.id, this.n.id, this.routeSeq, 0, hold, now);
      if (o === "updated" || o === "new-destination") touchedClusters.push(n.cluster);
    }
    // Routes through a neighbour we cannot use are of no use to us: skip its route entries
    // (in a dense mesh most neighbours heard are not usable, and route entries are most of the
    // work an OGM costs). Its next OGMs bring them once the link qualifies.
    const advertsTrusted = this.checkAdverts(f, n.id, now);
    const routesUsable = this.n.nbrs.usable(n, now) && advertsTrusted;
    for (const e of f.nodeRoutes) {
      const plausible = plausibleMetric(e.metric, this.n.config);
      // A retraction places the node there for the cache's own TTL only, not the OGM's hold: it
      // says the route is gone, not that the node is still there (rule `placementHeld`, §16).
      if (advertsTrusted && plausible) this.n.locations.learn(e.dst, n.cluster, now, e.metric < METRIC_INFINITY ? hold : -Infinity);
      if (!routesUsable || !sameCluster || e.dst === this.n.id || !plausible) continue;
      const o = this.n.routes.update("node", e.dst, n.id, e.dst, e.seqno, e.metric, hold, now, homelessAdvert(this.n.cluster, n.homeless));
      // heard() first and always: an answer over a changed path ("updated") is an answer too.
      const answered = this.n.seqreq.heard("node", e.dst, e.dst, e.seqno, now);
      if (answered || o === "updated" || o === "new-destination") touchedNodes.push(e.dst);
    }
    for (const e of f.clusterRoutes) {
      if (!routesUsable || clusterContains(e.cluster, this.n.cluster) || e.origin === this.n.id || !plausibleMetric(e.metric, this.n.config)) continue;
      // The withdrawn-source rule (§5.7, seqno-request.ts): a source's own retraction ends its echoes.
      if (e.metric < METRIC_INFINITY && this.n.seqreq.isEcho("cluster", e.cluster, n.id, e.origin, e.seqno, now)) continue;
      const o = this.n.routes.update("cluster", e.cluster, n.id, e.origin, e.seqno, e.metric, hold, now);
      const echoesGone = e.metric >= METRIC_INFINITY && e.origin === n.id && this.n.seqreq.onSourceRetraction("cluster", e.cluster, n.id, e.seqno, now);
      const answered = this.n.seqreq.heard("cluster", e.cluster, e.origin, e.seqno, now);
      if (answered || echoesGone || o === "updated" || o === "new-destination") touchedClusters.push(e.cluster);
    }
    this.routeChanges(this.n.routes.refreshSome("node", touchedNodes, now), now);
    this.routeChanges(this.n.routes.refreshSome("cluster", touchedClusters, now), now);
    const up = this.n.nbrs.usable(n, now);
    if (up !== n.up) {
      n.up = up;
      this.n.events.push({ type: up ? "neighbour-up" : "neighbour-down", at: now, neighbour: n.id });
      if (up && !n.everUp) this.triggerOgm(now, "nbr", n.id);
      if (up) n.everUp = true;
    }
  }

  /**
   * Metric floor and lie strikes (§7.5): counts the impossible entries of an OGM against its
   * sender, and returns whether that sender's advertisements may be used at all.
   */
  checkAdverts(f: OgmFrame, from: NodeId, now: number): boolean {
    if (this.n.trust.distrusted(from, now)) return false;
    let lies = 0;
    for (const e of f.nodeRoutes) if (e.dst !== from && !plausibleMetric(e.metric, this.n.config)) lies++;
    for (const e of f.clusterRoutes) if (!plausibleMetric(e.metric, this.n.config)) lies++;
    if (lies === 0) return true;
    this.n.stats.implausibleEntries += lies;
    if (!this.n.trust.lie(from, now)) return true;
    this.n.stats.liarsDistrusted++;
    this.n.log(now, "warn", `${formatNodeId(from)} advertised impossible metrics: ignoring its routes for ${Math.round(this.n.config.lieDistrustMs / 60_000)} min`);
    this.n.routes.dropAdvertsOf(from);
    this.routeChanges(this.n.routes.refresh(now), now);
    return false;
  }

  routeChanges(changes: readonly RouteChange[], now: number): void {
    for (const c of changes) {
      this.n.events.push({
        type: "route-changed",
        at: now,
        dst: c.kind === "node" ? c.key : formatCluster(c.key),
        nextHop: c.via,
      });
      // Destinations new to us go out early; losses and returns ride the next regular OGM.
      if (c.appeared) this.triggerOgm(now, c.kind, c.key);
    }
  }

  /**
   * Something new (§8.2): a neighbour usable for the first time, a destination or a cluster never
   * seen before, or our own new cluster. Ids already known do not count (table churn is not
   * news). Resets the Trickle interval (§8.1) and brings the next OGM forward, within the
   * triggered-update gap and at most once between two regular OGMs.
   */
  triggerOgm(now: number, kind: string, id: number): void {
    if (!this.known.learn(kind, id)) return;
    if (this.crowdedNews(kind)) return;
    if (this.fullTableNews(kind)) return;
    const minMs = this.minOgmInterval(now);
    this.n.stats.ogmResets++;
    if (!this.trickle.reset(kind === "own")) return;
    const earliest = Math.max(now, this.lastOgmBuiltAt + this.n.config.triggeredMinGapFactor * minMs);
    if (earliest < this.nextOgmAt) {
      this.nextOgmAt = earliest;
      this.n.stats.ogmEarly++;
    } else this.trickle.cancelEarly();
  }

  /**
   * Rule `newcomerCeiling` (§8.1): the long ceiling is for a neighbourhood without newcomers. A
   * neighbour heard for the first time (an id never heard before) caps the interval now running at
   * `ogmSettledMs` (16 min) after our last OGM: a newcomer learns its link to us from our OGM, and
   * would otherwise wait up to the whole 32 min for it. Not news (§8.2): no early OGM, no restart.
   * The heard ids have their own small set (`heard`, not `known`): anyone can invent ids, and they
   * must not push known destinations out.
   */
  newcomer(now: number, id: NodeId): void {
    if (!this.heard.learn("heard", id)) return;
    const cap = this.n.config.ogmSettledMs;
    if (this.intervalMs <= cap) return;
    this.trickle.cap(cap);
    this.intervalMs = cap;
    const due = Math.max(now, this.lastOgmBuiltAt + cap);
    if (due < this.nextOgmAt) {
      this.nextOgmAt = due;
      this.n.stats.ogmNewcomerCaps++;
    }
  }

  /**
   * In a crowded neighbourhood only our own new cluster is news (§8.2, `crowdedNews`): when our
   * neighbour table is full (we hear more neighbours than we hold), a neighbour usable for the
   * first time, a new destination or a new cluster brings no early OGM; it rides the next regular
   * one (new entries go first there, §8.3). Whoever told us heard it in an OGM most of our
   * neighbours heard too (in a crowded neighbourhood they hear each other), and a newcomer hears
   * the nodes around it directly.
   */
  crowdedNews(kind: string): boolean {
    if (kind === "own") return false;
    if (!this.n.nbrs.full) return false;
    this.n.stats.ogmNewsCrowded++;
    return true;
  }

  /**
   * Rule `fullTableNews` (§8.2): a node destination new to us is no news when our node route table
   * is full once it is in (`maxDestinations` entries; so the one that fills the last place is no
   * news either): it came in by pushing out a farther destination (the table
   * keeps the nearest, §5.5), so the table is turning over at its far edge, where every newcomer is
   * a far one and our neighbours' full tables keep their own nearest. It rides the next regular
   * OGM (new entries go first there, §8.3). Why: on bay-area (235 nodes, 64-entry tables) such
   * destinations brought most of the window's early OGMs, and early OGMs were most of its OGMs.
   */
  fullTableNews(kind: string): boolean {
    if (kind !== "node" || !this.n.config.fullTableNews) return false;
    if (this.n.routes.size("node") < this.n.config.maxDestinations) return false;
    this.n.stats.ogmNewsFullTable++;
    return true;
  }

  /**
   * Rule `quietOgmBudget` (§8.3): when the interval that ends now was already the settled one
   * (`ogmSettledMs`, 16 min, or the ceiling if shorter: nothing new for a whole interval), the
   * full pass may take up to twice as long as the last OGM said, in time: cycle × the interval
   * this OGM announces ≤ 2 × the last cycle × the interval ending now (at most
   * OGM_QUIET_MAX_CYCLE OGMs). Twice: what the last OGM carried is held for routeHoldFactor (3.5)
   * × its cycle × its interval, and the slower pass must refresh it first; in time, because where
   * the interval doubles (16 → 32 min) a pass of twice the OGMs would take four times as long.
   */
  quietCycle(now: number): number | undefined {
    const ceiling = this.ceiling(now);
    if (this.ogmsBuilt <= 1 || this.intervalMs < Math.min(ceiling, this.n.config.ogmSettledMs) || this.trickle.restarting) return undefined;
    const next = this.trickle.next(this.minOgmInterval(now), ceiling, this.growth(now));
    return Math.min(OGM_QUIET_MAX_CYCLE, Math.max(1, Math.floor((2 * this.lastCycle * this.intervalMs) / next)));
  }

  /**
   * Longest OGM interval now (§8.1): `ogmTrickleMaxMs` (32 min), but a moving node (§15) stops at
   * `ogmSettledMs` (16 min), rule `movingCeiling`: its neighbourhood is not a settled one, and
   * the nodes it passes learn their links to it from its OGMs.
   */
  ceiling(now: number): number {
    const max = Math.min(this.n.config.ogmTrickleMaxMs, this.n.config.ogmMaxIntervalMs);
    if (this.n.moving(now)) return Math.min(max, this.n.config.ogmSettledMs);
    return this.crowded(now) ? Math.min(this.n.config.ogmMaxIntervalMs, Math.max(max, this.n.config.ogmCrowdedMaxMs)) : max;
  }

  /**
   * Rule `crowdedCeiling` (§8.1): a static node whose neighbour table is full (it holds
   * `maxNeighbours` entries, `NeighbourTable.full`) and none of whose neighbours drives (OGM
   * flag b6: a roadside node serves passing cars) has `ogmCrowdedMaxMs` (128 min, rule `crowdedLongCeiling`) for ceiling,
   * and from the settled interval (16 min) its next regular OGM announces it at once (`growth`
   * 4, not 2). Why: once converged nearly every OGM is a scheduled one at the ceiling (§8.4), the
   * neighbours of a crowded node hear each other, and what it says is mostly what they hear
   * anyway; on dense-urban (200 nodes, every table full) the OGMs at the 32-min ceiling were
   * 19 % of the converged window's airtime. Why the step of 4: with doubling the 32-min OGM at
   * about 31 minutes would still announce 32 and the one at about 63 minutes 64, a saving that
   * starts only after the hour.
   */
  crowded(now: number): boolean {
    if (this.n.config.ogmCrowdedMaxMs <= this.n.config.ogmTrickleMaxMs || !this.n.nbrs.full || this.n.moving(now)) return false;
    for (const nb of this.n.nbrs.values()) if (nb.driving) return false;
    return true;
  }

  /** How much the Trickle interval grows after a regular OGM: 2, or 4 from the settled interval on for a crowded node (`crowdedCeiling`). */
  growth(now: number): number {
    return this.crowded(now) && this.trickle.intervalMs >= this.n.config.ogmSettledMs ? 4 : 2;
  }

  /** Shortest OGM interval now: seed minimum, duty floor, measured OGM share of the channel (§8.1). */
  minOgmInterval(now: number): number {
    return trickleMinInterval(this.lastOgmAirMs, this.n.ledger.dutyCycle, this.n.channel.ogmShare(now), this.n.config);
  }

  queueOgm(now: number): void {
    if (this.ogmsBuilt > 0 && this.ogmsBuilt % this.n.config.seqnoEveryOgms === 0) this.routeSeq = (this.routeSeq + 1) & 0xffff;
    this.ogmsBuilt++;
    this.ogmSeq = (this.ogmSeq + 1) & 0xffff;
    const items: OgmItem[] = [];
    const sinceLast = this.lastOgmBuiltAt;
    const quietCycle = this.quietCycle(now);
    const ceiling = this.ceiling(now);
    const crowded = this.crowded(now);
    const announces = this.trickle.next(this.minOgmInterval(now), ceiling, this.growth(now));
    const settled = Math.min(ceiling, this.n.config.ogmSettledMs);
    const restarting = this.trickle.restarting || this.ogmsBuilt <= 1;
    const falls = fallsRide(quietCycle !== undefined, crowded, announces, settled, restarting);
    // Rule `pacedNeighbours` (§8.3, ogm-builder.ts): the OGMs `settledFalls` lets falls ride in at a
    // crowded node that has heard at least twice as many neighbours as its table holds.
    const paced = this.n.config.pacedNeighbours && this.heard.size >= 2 * this.n.config.maxNeighbours && crowded && fallsRide(false, true, announces, settled, restarting);
    const changed = (d: Destination, adv: { seqno: number; metric: number; origin: NodeId }): boolean => d.changedAt > sinceLast && !(falls && improvementOnly(d.lastAdvert, adv, d.answeredAt > sinceLast));
    for (const n of this.n.nbrs.values()) {
      // What we report is the link's rq, collisions told apart (§4): the neighbour's tq of us.
      const rq = this.n.nbrs.linkRq(n, now);
      if (rq > 0) items.push({ section: "nbr", entry: { short: shortId(n.id), rq: qualityToByte(rq) }, changed: n.firstHeardAt > sinceLast });
    }
    const adverts = new Map<OgmItem, { kind: DestKind; key: number; adv: { seqno: number; metric: number; origin: NodeId } }>();
    const homeless = this.n.cluster === NO_CLUSTER;
    for (const d of this.n.routes.destinations("node")) {
      // A homeless node advertises its node routes too (rule `homelessRoutes`, §17).
      if (d.foreign) continue;
      const adv = this.n.routes.advertisement(d, now, this.routeSeq);
      if (adv === undefined) continue;
      const item: OgmItem = { section: "node", entry: { dst: d.key, seqno: adv.seqno, metric: adv.metric }, changed: changed(d, adv) };
      items.push(item);
      adverts.set(item, { kind: "node", key: d.key, adv });
    }
    // Cluster routes (§5.4): exact for clusters within clusterDetailRings of ours (or inside our
    // own parent region), summarised under the parent prefix beyond — we originate that
    // aggregate with our metric to the nearest cluster we know in that region (where lookup
    // step 3 sends such frames). Received aggregates propagate as they are unless they cover
    // us, or we originate the same aggregate ourselves.
    const own = new Map<ClusterId, number>();
    const nearestIn = new Map<ClusterId, number>();
    for (const d of this.n.routes.destinations("cluster")) {
      if (homeless || d.key === this.n.cluster || clusterContains(d.key, this.n.cluster)) continue;
      const adv = this.n.routes.advertisement(d, now, this.routeSeq);
      if (adv === undefined) continue;
      const parent = clusterParent(d.key);
      if (adv.metric < METRIC_INFINITY && clusterPrecision(d.key) === clusterPrecision(this.n.cluster)) {
        nearestIn.set(parent, Math.min(nearestIn.get(parent) ?? METRIC_INFINITY, adv.metric));
      }
      if (this.n.summarised(d.key)) {
        if (adv.metric < METRIC_INFINITY) own.set(parent, METRIC_INFINITY);
        continue;
      }
      const item: OgmItem = {
        section: "cluster",
        entry: { cluster: d.key, origin: adv.origin, seqno: adv.seqno, metric: adv.metric },
        changed: changed(d, adv),
      };
      items.push(item);
      adverts.set(item, { kind: "cluster", key: d.key, adv });
    }
    for (const parent of own.keys()) {
      const metric = nearestIn.get(parent) ?? METRIC_INFINITY;
      // Our own aggregate replaces a propagated one for the same prefix.
      for (let i = items.length - 1; i >= 0; i--) {
        const it = items[i];
        if (it.section === "cluster" && it.entry.cluster === parent) {
          items.splice(i, 1);
          adverts.delete(it);
        }
      }
      const last = this.aggregates.get(parent);
      const adv = { seqno: this.routeSeq, metric, origin: this.n.id };
      const lastAdv = last === undefined ? undefined : { ...adv, metric: last };
      const changed = last === undefined || (Math.abs(metric - last) > metric / 4 && !(falls && improvementOnly(lastAdv, adv)));
      items.push({ section: "cluster", entry: { cluster: parent, origin: this.n.id, seqno: this.routeSeq, metric }, changed });
      this.aggregates.set(parent, metric);
    }
    for (const p of this.aggregates.keys()) if (!own.has(p)) this.aggregates.delete(p);
    // A gateway: the clusters its bridge reaches (docs/protocol.md "Bridge", rule B1).
    this.n.bridge?.advertise(items, this.routeSeq);
    const sel = selectOgmItems(
      items,
      {
        maxBytes: Math.min(this.n.config.ogmMaxBytes, MAX_FRAME_BYTES - this.n.config.frameOverheadBytes),
        maxNeighbours: this.n.config.ogmMaxNeighbours,
        routeBytes: this.n.config.ogmRouteBytes,
        quietCycle,
        pacedNeighbours: paced,
      },
      this.ogmCursors,
    );
    this.ogmCursors = sel.cursors;
    this.lastCycle = sel.cycle;
    for (const it of sel.carried) {
      if (it.section === "nbr") continue;
      this.n.stats.ogmRouteEntries++;
      if (it.changed) this.n.stats.ogmChangedEntries++;
    }
    for (const it of sel.carried) {
      const a = adverts.get(it);
      if (a === undefined) continue;
      const d = this.n.routes.get(a.kind, a.key);
      if (d !== undefined) this.n.routes.advertised(d, a.adv, now);
    }
    this.n.nbrs.pruneTwoHop(now);
    this.n.duty.muted = this.n.duty.decideMute(now);
    const frame: OgmFrame = {
      type: FrameType.OGM,
      tx: this.n.id,
      ogmSeq: this.ogmSeq,
      hasFix: this.n.position !== undefined,
      border: this.n.isBorder(now),
      relayActive: !this.n.duty.muted,
      homeless,
      // Rule `drivenOff` (§4): neighbours that do not move count us gone soon after we fall silent.
      ...(this.n.driving(now) ? { driving: true } : {}),
      cluster: this.n.cluster,
      battery: this.n.battery < 0 ? 255 : Math.round(this.n.battery * 254),
      load: Math.round(this.n.load(now) * 255),
      intervalUnits: 1,
      relayPrio: this.n.duty.relayPrio,
      routeSeq: this.routeSeq,
      cycle: sel.cycle,
      neighbours: sel.neighbours,
      nodeRoutes: sel.nodeRoutes,
      clusterRoutes: sel.clusterRoutes,
    };
    // The interval depends on the OGM's own airtime (duty cap), so size it first.
    const probe = encodeFrame(frame);
    const air = this.n.airtime(probe.length);
    this.lastOgmAirMs = air;
    this.intervalMs = this.trickle.sent(this.minOgmInterval(now), this.ceiling(now), this.growth(now));
    const units = Math.min(OGM_INTERVAL_MAX_UNITS, Math.max(1, Math.ceil(this.intervalMs / OGM_INTERVAL_UNIT_MS)));
    const bytes = encodeFrame({ ...frame, intervalUnits: units });
    // A newer OGM supersedes one still waiting in the queue.
    this.n.queue.remove((q) => q.tag.kind === "ogm");
    this.n.queue.push({
      bytes,
      priority: OGM_PRIORITY,
      kind: "control",
      isAck: false,
      notBefore: now,
      enqueuedAt: now,
      cw: 0,
      airtimeMs: air,
      tag: { kind: "ogm", items: sel.carried },
    });
    this.lastOgmBuiltAt = now;
    this.nextOgmAt = now + jitter(this.intervalMs, this.n.rng, this.n.config);
    this.n.nextSweepAt = Math.min(this.n.nextSweepAt, now + this.n.sweepPeriod());
  }
}
