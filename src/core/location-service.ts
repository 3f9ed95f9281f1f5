// The location service (docs/protocol.md §16): lookups that widen ring by ring, answering
// queries from the location cache, relaying them, and taking answers in. One of the concerns
// MeshNode (mesh-node.ts) composes.
import { FloodScope, FrameType, listedKey, locateKey, shortId, LOCATE_A_BYTES, LOCATE_Q_BYTES, type LocateAnswerFrame, type LocateQueryFrame } from "./frames";
import { LOCATE_CW, NodeState, identityKey, type Unicast } from "./node-state";
import { encodeFrame } from "./codec";
import type { NodeId } from "./station";
import { inLocateScope } from "./scope";
import { type ClusterId, clusterContains, clusterDistance, NO_CLUSTER } from "./cluster";
import { busyLookupSkipped, coveredLookupSkipped, farLookupLevel, firstLookupLevel, type Lookup, Lookups } from "./locate";
import { unlocatableReason } from "./flood-budget";
import { bridgeLinkMetric } from "./bridge/rules";

export class LocationService {
  readonly n: NodeState;
  readonly lookups = new Lookups<Unicast>();
  /** Last query id used. */
  qid = 0;

  constructor(n: NodeState) {
    this.n = n;
  }

  /** How long one level of a lookup waits for an answer (configurable, else from the modem). */
  locateTimeout(level: number): number {
    if (this.n.config.locateTimeoutMs > 0) return this.n.config.locateTimeoutMs;
    const roundTrip = this.n.airtime(LOCATE_Q_BYTES) + this.n.airtime(LOCATE_A_BYTES) + 2 ** LOCATE_CW * this.n.slotMs;
    return 2_000 + (2 + 6 * level) * roundTrip;
  }

  /**
   * How long the lookup for `dst` that a message sent now waits on can take (`e2eTimeout`, §7.4):
   * the levels it will actually ask, from `firstLookupLevel` to `locateMaxScope`, or what is left
   * of the lookup already running; nothing when it is skipped (§14.1 `lookupSkipped`). Level 0 is
   * not asked for a target that is not a neighbour, so its wait is not counted either.
   */
  lookupWaitMs(dst: NodeId, now: number): number {
    const max = this.n.config.locateMaxScope;
    const running = this.lookups.get(dst);
    let wait = 0;
    let from: number;
    if (running !== undefined) {
      wait = Math.max(0, running.deadline - now);
      from = running.level + 1;
    } else if (this.n.budget.unlocatableSince(dst, now) !== undefined || this.#busySkip(dst, now) || this.#coveredSkip(dst, now)) return 0;
    else from = firstLookupLevel(this.n.nbrs.get(dst) !== undefined, max);
    for (let l = from; l <= max; l++) wait += this.locateTimeout(l);
    const far = this.#farLevel(now);
    if (far !== undefined && (running === undefined || running.level < far)) wait += this.locateTimeout(far);
    return wait;
  }

  /**
   * Rule `farLookupLevel` (§16, locate.ts): the level asked after the widest, if any. Not where a
   * gateway's routes are held: the widest level already crossed the bridge (rule B7), and the far
   * clusters known over it would send a query over the whole mesh and across the bridge again.
   */
  #farLevel(now: number): number | undefined {
    if (!this.n.config.farLookupLevel || this.#bridgeRouted(now)) return undefined;
    return farLookupLevel(this.n.config.locateMaxScope, this.n.cluster, this.#knownClusters());
  }

  locate(u: Unicast, now: number): void {
    const failedAt = this.lookups.get(u.dst) === undefined ? this.n.budget.unlocatableSince(u.dst, now) : undefined;
    if (failedAt !== undefined) {
      // Rule `lookupSkipped` (§14.1): the last lookup for this target failed lately.
      this.n.stats.lookupsSkipped++;
      this.lastResort(u, failedAt, now);
      return;
    }
    if (this.#busySkip(u.dst, now)) {
      // Rule `busyLookupSkipped` (§16): on a saturated channel the network flood at once.
      this.n.stats.lookupsBusy++;
      this.n.fwd.fallbackFlood(u, FloodScope.NETWORK, now);
      return;
    }
    if (this.#coveredSkip(u.dst, now)) {
      // Rule `coveredLookupSkipped` (§16): the lookup would ask every cluster we know of.
      this.n.stats.lookupsCovered++;
      this.n.fwd.fallbackFlood(u, FloodScope.NETWORK, now);
      return;
    }
    this.qid = (this.qid + 1) & 0xffff;
    const level = firstLookupLevel(this.n.nbrs.get(u.dst) !== undefined, this.n.config.locateMaxScope);
    const { lookup, started } = this.lookups.add(u.dst, u, now, this.qid, now + this.locateTimeout(level));
    if (!started) return;
    lookup.level = level;
    this.sendLocateQuery(lookup, now);
  }

  /**
   * Rule `busyLookupSkipped` (§16): no lookup for `dst` runs and the channel is at least LOOKUP_BUSY_SHARE (40 %) busy
   * as this node measures it, with network floods enabled (without them a lookup is the only way).
   */
  #busySkip(dst: NodeId, now: number): boolean {
    return this.n.config.networkFloodEnabled && this.lookups.get(dst) === undefined && busyLookupSkipped(this.n.channel.recentBusyShare(now));
  }

  /**
   * Rule `coveredLookupSkipped` (§16, locate.ts): no lookup for `dst` runs, network floods are
   * enabled, and the widest level would ask every cluster this node knows of.
   */
  #coveredSkip(dst: NodeId, now: number): boolean {
    if (!this.n.config.coveredLookupSkipped || !this.n.config.networkFloodEnabled || this.lookups.get(dst) !== undefined) return false;
    // A gateway's routes: there only a lookup finds a node (a query crosses at the widest level,
    // rule B7; a flood never does), so the lookup stays.
    if (this.#bridgeRouted(now)) return false;
    return coveredLookupSkipped(this.n.config.locateMaxScope, this.n.cluster, this.#knownClusters());
  }

  /**
   * Whether we hold a gateway's cluster route: one advertised at the bridge's price or more whose
   * origin lies beyond the clusters next to it (the clusters its bridge reaches, rule B1; a border
   * node originates routes at metric 0, and only to a cluster it hears, §5.4).
   */
  #bridgeRouted(now: number): boolean {
    const bridgePrice = bridgeLinkMetric(this.n.config);
    for (const d of this.n.routes.destinations("cluster")) {
      for (const e of d.entries) {
        if (e.advMetric < bridgePrice) continue;
        const at = this.n.nbrs.get(e.origin)?.cluster ?? this.n.locations.lookup(e.origin, now)?.cluster ?? NO_CLUSTER;
        if (at !== NO_CLUSTER && !clusterContains(d.key, at) && clusterDistance(at, d.key) > 1) return true;
      }
    }
    return false;
  }

  /**
   * Whether a lookup this node started would run: it has a cluster, may look up beyond its
   * neighbours, and knows a cluster beyond the widest ring a lookup asks (rule
   * `coveredLookupSkipped` would not skip it). Read by the security layer's rule `lookupCarriesKey`
   * (docs/security.md §8 rule 5).
   */
  lookupsRun(): boolean {
    const max = this.n.config.locateMaxScope;
    if (max < 1 || this.n.cluster === NO_CLUSTER) return false;
    return !coveredLookupSkipped(max, this.n.cluster, this.#knownClusters());
  }

  /** Every cluster this node knows of: its neighbours', its cluster routes' and its location cache's. */
  #knownClusters(): ClusterId[] {
    const out: ClusterId[] = [];
    for (const nb of this.n.nbrs.values()) out.push(nb.cluster);
    for (const d of this.n.routes.destinations("cluster")) if (d.entries.length > 0) out.push(d.key);
    this.n.locations.clustersInto(out);
    return out;
  }

  /** No lookup can place `u`'s destination (the last failed at `failedAt`): a network flood, or failure. */
  lastResort(u: Unicast, failedAt: number, now: number): void {
    if (this.n.config.networkFloodEnabled) this.n.fwd.fallbackFlood(u, FloodScope.NETWORK, now);
    else this.n.fwd.fail(u, now, "no-route", unlocatableReason(u.dst, failedAt, now));
  }

  sendLocateQuery(l: Lookup<Unicast>, now: number): void {
    const f: LocateQueryFrame = {
      type: FrameType.LOCATE_Q,
      tx: this.n.id,
      ttl: l.level === 0 ? 1 : this.n.config.broadcastHopCap,
      hops: 0,
      scope: l.level,
      asker: this.n.id,
      qid: l.qid,
      askerCluster: this.n.cluster,
      target: l.target,
    };
    this.n.dedup.add(listedKey(f), now);
    // A query that may be relayed names its forwarders (§15 *Directed frames*).
    this.n.enqueuePlain(encodeFrame(f.ttl > 1 ? this.n.flood.withForwarders(f, undefined, now) : f), 2, "control", now, now);
    this.n.stats.locateQueries++;
  }

  /** A level timed out: widen, or give up and use the last resort. */
  widenLookups(now: number): void {
    for (const l of this.lookups.due(now)) {
      const far = l.level === this.n.config.locateMaxScope ? this.#farLevel(now) : undefined;
      if (l.level < this.n.config.locateMaxScope || far !== undefined) {
        // Rule `farLookupLevel` (§16): after the widest ring, one query reaching the farthest cluster known.
        if (far !== undefined) this.n.stats.lookupsFar++;
        l.level = far ?? l.level + 1;
        this.qid = (this.qid + 1) & 0xffff;
        l.qid = this.qid;
        l.deadline = now + this.locateTimeout(l.level);
        this.sendLocateQuery(l, now);
        continue;
      }
      this.n.budget.noteLookupFailed(l.target, now);
      for (const u of this.lookups.finish(l.target)) this.lastResort(u, now, now);
    }
  }

  onLocateQuery(f: LocateQueryFrame, now: number): void {
    const key = listedKey(f);
    if (!this.n.dedup.add(key, now)) {
      this.n.flood.duplicate(f, key, now, f.target !== this.n.id && inLocateScope(this.n.cluster, f.askerCluster, f.scope));
      return;
    }
    // Our own queries come back as copies (caught above); a new one naming us as the asker is
    // forged, and answering it would address a frame to ourselves.
    if (f.asker === this.n.id) {
      this.n.stats.rxImplausible++;
      return;
    }
    this.n.locations.learn(f.asker, f.askerCluster, now);
    this.n.fwd.wayBack.rememberQuery(key, f.tx, now);
    // One answer per query (§16): the target's own. Nodes that only cached its cluster relay the
    // query on instead: in bay-area 132 queries drew 901 answers from caches, 12 of which arrived,
    // and cluster-mates of the target that do not hear each other still answered twice.
    const firstHand = f.target === this.n.id && this.n.cluster !== NO_CLUSTER;
    // The answer goes back the way the query came (its first hop is the neighbour we heard the
    // query from), else by distance vector, else by the reverse memory of the hops further back.
    if (firstHand) {
      this.sendAnswer(f, this.n.cluster, f.tx, now);
      return;
    }
    if (f.ttl <= 1 || !inLocateScope(this.n.cluster, f.askerCluster, f.scope)) return;
    // Relayed like a broadcast (§15): by the forwarders named, or, in a query naming none, by
    // the distributors in scope with the suppression of copies heard.
    const named = f.forwarders !== undefined;
    if (named ? !f.forwarders.includes(shortId(this.n.id)) : this.n.duty.muted) return;
    this.n.flood.relayListed(f, key, named, now);
  }

  /**
   * Answers `f` for its target, which lies in `targetCluster`: the target itself, or a gateway for
   * a member of its cluster (bridge rule B7). `via`: the first hop, when the answer goes back the
   * way the query came.
   */
  sendAnswer(f: LocateQueryFrame, targetCluster: ClusterId, via: NodeId | undefined, now: number): void {
    const u = this.n.fwd.newUnicast({
      ftype: FrameType.LOCATE_A,
      src: this.n.id,
      dst: f.asker,
      seq: f.qid,
      priority: 2,
      dstCluster: f.askerCluster,
      target: f.target,
      targetCluster,
      ageMin: 0,
      originated: true,
      prevHop: undefined,
      ttl: this.n.config.dataTtl,
      hops: 0,
      forcedNextHop: via,
    });
    this.n.stats.locateAnswersSent++;
    this.n.fwd.dispatch(u, now, false);
  }

  /**
   * Rule `answeredQuery` (§16): any LOCATE_A heard, whoever it is addressed to, says the query
   * it answers (asker `dst`, qid `seq`) reached the one node that answers it (§16 *One answer per
   * query*), so relaying that query further only costs air: our relay still queued is dropped and
   * a copy heard later is not relayed. Why: in a dense mesh the target hears the asker's query
   * directly and answers within a slot or two, while the named forwarders' relays (and the
   * forwarders they name) go on for seconds; dense-urban seed 1 after an hour's warm-up: of 175
   * query transmissions in the window, most went out after the answer's first hop.
   */
  answerHeard(f: LocateAnswerFrame, now: number): void {
    const key = locateKey(f.dst, f.seq);
    this.n.dedup.add(key, now);
    this.n.flood.answered(key, now, "query");
  }

  onLocateAnswer(f: LocateAnswerFrame, now: number): void {
    if (!this.n.dedup.add(identityKey("l", f.src, f.dst, f.seq), now)) return;
    this.n.stats.locateAnswersReceived++;
    this.n.locations.learn(f.target, f.targetCluster, now - f.ageMin * 60_000);
    if (this.lookups.get(f.target) === undefined) return;
    for (const u of this.lookups.finish(f.target)) {
      u.dstCluster = f.targetCluster;
      if (this.n.fwd.routeOptions(u.dst, u.dstCluster, now, u.tried).length > 0) this.n.fwd.dispatch(u, now, false);
      else this.n.fwd.exhausted(u, now);
    }
  }
}
