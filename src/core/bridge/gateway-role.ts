// The gateway role (docs/protocol.md "Bridge"): a node with an internet uplink joins its cluster
// to the clusters other gateways serve. It knows the live gateways (presence records), advertises
// the clusters they serve in its OGMs at the bridge's metric, takes routed frames whose best way
// is the bridge, publishes its cluster's broadcasts whose scope reaches beyond, and injects what
// arrives for its cluster onto the air (one gateway per cluster: rule B4). It works on inner
// (unsealed) frames: the SecureStation (security/secure-bridge.ts) seals what it publishes and
// opens, authenticates and replay-checks what arrives before it gets here.
import { type BridgePort, type BridgeRxMeta, type BridgeTxFrame, isUnicastId, type NodeId } from "../station";
import type { OgmItem } from "../ogm-builder";
import type { NodeState, Unicast } from "../node-state";
import { identityKey, routedKey } from "../node-state";
import { AckStatus, type BcastFrame, FrameType, listedKey, type LocateQueryFrame, METRIC_INFINITY, shortId } from "../frames";
import { clusterContains, clusterFromGeohash, type ClusterId, clusterToGeohash, NO_CLUSTER } from "../cluster";
import { decodeFrame, encodeFrame } from "../codec";
import { nextHopCount } from "../hop-count";
import { relayedFields } from "../routed-rules";
import { BRIDGE_MAX_CLUSTERS, isClusterPrefix } from "./topics";
import { bridgeLinkMetric, broadcastCrosses, crossesBridge, designatedGateway, locateCrosses } from "./rules";
import { makeRoom, setNewest } from "../bounded";

/** What takeRouted needs of a LoRa route option (route-choice.ts RouteOption). */
export interface RouteOptionLike {
  readonly metric: number;
}

/** What takeRouted needs of a LoRa route option (route-choice.ts RouteOption). */
export interface RouteOptionLike {
  readonly metric: number;
}

/** Frames waiting for the transport; beyond, new ones are refused (the routed ones go by LoRa). */
export const BRIDGE_OUTBOX = 16;
/** Gateways tracked at once (presence records beyond are counted and ignored). */
export const MAX_BRIDGE_PEERS = 32;
/** OGMs that carry the retraction of a bridge route once it is withdrawn (as route-table.ts). */
const BRIDGE_RETRACTIONS = 2;
/** DATA frames injected whose gateway of origin is remembered for their end-to-end ACKs. */
const REVERSE_MAX = 64;
/** Broadcast keys remembered as crossed (either way), so none crosses twice. */
const CROSSED_MAX = 256;

/** What the gateway counted: everything it dropped, and what it carried. */
export interface BridgeStats {
  /** Frames handed to the transport (routed and broadcast). */
  published: number;
  publishedBroadcasts: number;
  /** Frames the security layer passed in (opened and fresh). */
  received: number;
  /** Routed frames taken from the bridge into this cluster (delivered here or sent on by LoRa). */
  injected: number;
  injectedBroadcasts: number;
  /** Location queries published (B7), and those answered here for a member of this cluster. */
  publishedLocates: number;
  answeredLocates: number;
  /** Inner frames that do not decode. */
  dropMalformed: number;
  /** Frame types that never cross (OGM, hop ACK, FLOOD, KEY: rule B2). */
  dropType: number;
  /** Sent by a node that is not a live gateway. */
  dropUnknownGateway: number;
  /** For a cluster this gateway does not serve. */
  dropNotServed: number;
  /** For a cluster another live gateway injects (rule B4): the duplicate suppressed. */
  dropNotDesignated: number;
  /** Seen before (dedup cache). */
  dropDuplicate: number;
  /** Out of hops, or no room in the transmit queue. */
  dropTtl: number;
  dropQueueFull: number;
  /** Refused because the outbox was full (routed frames then go by LoRa if they can). */
  dropOutboxFull: number;
  /** Frames waiting for the transport when the uplink went down. */
  dropUplinkDown: number;
  /** Presence reports with a bad id or bad prefixes, or beyond MAX_BRIDGE_PEERS. */
  badPresence: number;
  /** Times the bridge routes were withdrawn (uplink down, or a peer's last-will). */
  withdrawals: number;
}

function emptyBridgeStats(): BridgeStats {
  return {
    published: 0, publishedBroadcasts: 0, received: 0, injected: 0, injectedBroadcasts: 0, publishedLocates: 0, answeredLocates: 0, dropMalformed: 0, dropType: 0, dropUnknownGateway: 0,
    dropNotServed: 0, dropNotDesignated: 0, dropDuplicate: 0, dropTtl: 0, dropQueueFull: 0, dropOutboxFull: 0, dropUplinkDown: 0, badPresence: 0, withdrawals: 0,
  };
}

interface Peer {
  readonly prefixes: readonly ClusterId[];
}

export class GatewayRole implements BridgePort {
  readonly n: NodeState;
  readonly stats: BridgeStats = emptyBridgeStats();
  #up = false;
  readonly #peers = new Map<NodeId, Peer>();
  #outbox: Array<BridgeTxFrame & { readonly at: number }> = [];
  /** Remote clusters advertised in the last OGM at the bridge metric. */
  #advertised = new Set<ClusterId>();
  /** Withdrawn remote clusters → retractions still to advertise. */
  readonly #withdrawn = new Map<ClusterId, number>();
  /** Broadcast keys published or injected. */
  readonly #crossed = new Set<string>();
  /** DATA injected here → the gateway that published it: its end-to-end ACK goes back there. */
  readonly #reverse = new Map<string, NodeId>();

  constructor(n: NodeState) {
    this.n = n;
  }

  get up(): boolean {
    return this.#up;
  }

  /** The bridge link's metric now (rule B1). */
  metric(): number {
    return bridgeLinkMetric(this.n.config);
  }

  /** Cluster prefixes served: the configured ones, else the node's own cluster. */
  served(): ClusterId[] {
    const cfg = this.n.config.bridgeClusters;
    if (cfg.length > 0) return cfg.map(clusterFromGeohash);
    return this.n.cluster === NO_CLUSTER ? [] : [this.n.cluster];
  }

  bridgeClusters(): readonly string[] {
    return this.served().map(clusterToGeohash);
  }

  #servesHere(c: ClusterId): boolean {
    for (const s of this.served()) if (clusterContains(s, c)) return true;
    return false;
  }

  /** Live peers' prefixes that are remote (not ours): prefix → gateways serving it. */
  #remote(): Map<ClusterId, NodeId[]> {
    const out = new Map<ClusterId, NodeId[]>();
    if (!this.#up) return out;
    for (const [id, p] of this.#peers) {
      for (const c of p.prefixes) {
        if (this.#servesHere(c) || (this.n.cluster !== NO_CLUSTER && clusterContains(c, this.n.cluster))) continue;
        const list = out.get(c);
        if (list === undefined) out.set(c, [id]);
        else list.push(id);
      }
    }
    return out;
  }

  /** The most specific remote prefix holding `cluster`, and the gateways serving it. */
  target(cluster: ClusterId): { prefix: ClusterId; gateways: NodeId[] } | undefined {
    if (cluster === NO_CLUSTER || this.#servesHere(cluster)) return undefined;
    let best: { prefix: ClusterId; gateways: NodeId[] } | undefined;
    for (const [prefix, gateways] of this.#remote()) {
      if (!clusterContains(prefix, cluster)) continue;
      if (best === undefined || clusterContains(best.prefix, prefix)) best = { prefix, gateways };
    }
    return best;
  }

  /**
   * Whether the bridge is a way to `cluster` now, or, for an end-to-end ACK (`ack`: its src, dst
   * and seq), back to the gateway that published the DATA it acknowledges.
   */
  reaches(cluster: ClusterId, ack?: { readonly src: NodeId; readonly dst: NodeId; readonly seq: number }): boolean {
    return this.target(cluster) !== undefined || (ack !== undefined && this.#backTo(ack) !== undefined);
  }

  /** The live gateway an end-to-end ACK goes back to: the one that published its DATA. */
  #backTo(ack: { readonly src: NodeId; readonly dst: NodeId; readonly seq: number }): NodeId | undefined {
    if (!this.#up) return undefined;
    for (let a = 0; a <= 3; a++) {
      const g = this.#reverse.get(identityKey("d", ack.dst, ack.src, ack.seq, a));
      if (g !== undefined && this.#peers.has(g)) return g;
    }
    return undefined;
  }

  #rememberReverse(key: string, gateway: NodeId): void {
    setNewest(this.#reverse, key, gateway, REVERSE_MAX);
  }

  /** Live gateways serving `cluster` (this one included while its uplink is up). */
  #servers(cluster: ClusterId): NodeId[] {
    const out: NodeId[] = [];
    if (this.#up && this.#servesHere(cluster)) out.push(this.n.id);
    for (const [id, p] of this.#peers) if (p.prefixes.some((c) => clusterContains(c, cluster))) out.push(id);
    return out;
  }

  /** Whether this gateway speaks for `cluster` on the bridge (rule B4). */
  designatedFor(cluster: ClusterId): boolean {
    return designatedGateway(cluster, this.#servers(cluster)) === this.n.id;
  }

  // --- the transport's calls -------------------------------------------------------------------

  bridgeStatus(now: number, up: boolean): void {
    if (up === this.#up) return;
    if (!up) {
      this.stats.dropUplinkDown += this.#outbox.length;
      this.#outbox = [];
      this.#withdraw(this.#advertised, now);
      this.#up = false;
      this.n.log(now, "warn", "bridge: uplink down, bridge routes withdrawn");
    } else {
      this.#up = true;
      this.n.log(now, "info", "bridge: uplink up");
    }
    this.#announce(now);
  }

  bridgePeer(now: number, gateway: NodeId, up: boolean, clusters: readonly string[]): void {
    if (!isUnicastId(gateway) || gateway === this.n.id) {
      this.stats.badPresence++;
      return;
    }
    if (!up) {
      const had = this.#peers.get(gateway);
      if (had === undefined) return;
      const before = new Set(this.#remote().keys());
      this.#peers.delete(gateway);
      const after = this.#remote();
      const gone = [...before].filter((c) => !after.has(c));
      this.#withdraw(gone, now);
      this.n.log(now, "info", `bridge: gateway ${gateway.toString(16).padStart(8, "0")} gone`);
      this.#announce(now);
      return;
    }
    if (!Array.isArray(clusters) || clusters.length > BRIDGE_MAX_CLUSTERS || !clusters.every(isClusterPrefix)) {
      this.stats.badPresence++;
      return;
    }
    if (!this.#peers.has(gateway) && this.#peers.size >= MAX_BRIDGE_PEERS) {
      this.stats.badPresence++;
      return;
    }
    const before = new Set(this.#remote().keys());
    this.#peers.set(gateway, { prefixes: clusters.map(clusterFromGeohash) });
    const after = this.#remote();
    this.#withdraw([...before].filter((c) => !after.has(c)), now);
    for (const c of after.keys()) this.#withdrawn.delete(c);
    this.#announce(now);
  }

  pollBridge(now: number): BridgeTxFrame | undefined {
    if (!this.#up) return undefined;
    const f = this.#outbox.shift();
    void now;
    return f === undefined ? undefined : { bytes: f.bytes, cluster: f.cluster };
  }

  /** When a frame waits for the transport (the node's nextWakeup covers it). */
  nextWakeup(): number {
    return this.#up && this.#outbox.length > 0 ? this.#outbox[0].at : Infinity;
  }

  /** An opened, fresh inner frame from the bridge (security/secure-bridge.ts checked it). */
  bridgeReceive(inner: Uint8Array, meta: BridgeRxMeta): void {
    const now = meta.at;
    this.stats.received++;
    const d = decodeFrame(inner);
    if (!d.ok) {
      this.stats.dropMalformed++;
      return;
    }
    const f = d.frame;
    if (!crossesBridge(f.type, f.type === FrameType.ACK && f.kind === "hop")) {
      this.stats.dropType++;
      return;
    }
    if (!this.#peers.has(f.tx)) {
      this.stats.dropUnknownGateway++;
      return;
    }
    if (f.type === FrameType.BCAST) return this.#injectBroadcast(f, now);
    if (f.type === FrameType.LOCATE_Q) return this.#answerLocate(f, now);
    if (f.type === FrameType.DATA || f.type === FrameType.LOCATE_A || (f.type === FrameType.ACK && f.kind === "e2e")) {
      // Rule B4: a frame naming this gateway as its next hop is its to inject (the sender chose
      // it, or sends an answer back the way its DATA came); one naming another live gateway of
      // the cluster is that one's; one naming neither (the sender's view of the live set is
      // stale) goes to the gateway designated by this one's view.
      if (f.next !== this.n.id) {
        const servers = this.#servers(f.dstCluster);
        if (!this.#servesHere(f.dstCluster)) {
          this.stats.dropNotServed++;
          return;
        }
        if (servers.includes(f.next) || designatedGateway(f.dstCluster, servers) !== this.n.id) {
          this.stats.dropNotDesignated++;
          return;
        }
      }
      const isData = f.type === FrameType.DATA;
      const key = routedKey(f);
      if (this.n.dedup.has(key, now)) {
        this.stats.dropDuplicate++;
        return;
      }
      if (f.dst === this.n.id) {
        this.stats.injected++;
        if (f.type === FrameType.DATA) {
          this.#rememberReverse(key, f.tx);
          this.n.e2e.deliver(f.src, f.seq, f.payload, nextHopCount(f.hops), f.priority, now);
          if (f.wantAck) this.n.e2e.sendE2eAck(f.src, f.seq, nextHopCount(f.hops), f.priority, undefined, f.attempt, now);
        } else if (f.type === FrameType.ACK) this.n.e2e.onAckForMe(f, now);
        else this.n.loc.onLocateAnswer(f, now);
        return;
      }
      if (f.ttl <= 1) {
        this.stats.dropTtl++;
        return;
      }
      if (!this.n.queue.hasRoomFor(isData ? "data" : "control")) {
        this.stats.dropQueueFull++;
        return;
      }
      this.n.dedup.add(key, now);
      this.stats.injected++;
      if (isData) this.#rememberReverse(key, f.tx);
      const u = this.n.fwd.newUnicast({
        ...relayedFields(f),
        originated: false,
        prevHop: undefined,
        ttl: f.ttl - 1,
        hops: nextHopCount(f.hops),
      });
      this.n.fwd.dispatch(u, now, false);
    }
  }

  #injectBroadcast(f: BcastFrame, now: number): void {
    const key = listedKey(f);
    const mine = this.n.cluster;
    if (mine === NO_CLUSTER || !this.#servesHere(mine) || !broadcastCrosses(f.scope, f.originCluster, mine)) {
      this.stats.dropNotServed++;
      return;
    }
    if (!this.designatedFor(mine)) {
      this.stats.dropNotDesignated++;
      return;
    }
    if (this.n.dedup.has(key, now) || this.#crossed.has(key)) {
      this.stats.dropDuplicate++;
      return;
    }
    if (f.ttl <= 1) {
      this.stats.dropTtl++;
      return;
    }
    this.#remember(key);
    this.stats.injectedBroadcasts++;
    // Named as its own forwarder: the injecting gateway relays it whether or not it is muted,
    // and names its own forwarders from its two-hop view (flooding.ts).
    this.n.flood.onBroadcast({ ...f, forwarders: [shortId(this.n.id)] }, now);
  }

  /**
   * A location query from the bridge (rule B7): the gateway that speaks for its cluster answers
   * for a member its node routes reach now, on the member's behalf; the query goes no further.
   */
  #answerLocate(f: LocateQueryFrame, now: number): void {
    const mine = this.n.cluster;
    if (mine === NO_CLUSTER || !this.#servesHere(mine)) {
      this.stats.dropNotServed++;
      return;
    }
    if (!this.designatedFor(mine)) {
      this.stats.dropNotDesignated++;
      return;
    }
    const key = listedKey(f);
    if (!this.n.dedup.add(key, now)) {
      this.stats.dropDuplicate++;
      return;
    }
    this.n.locations.learn(f.asker, f.askerCluster, now);
    const d = this.n.routes.get("node", f.target);
    const member = f.target === this.n.id || (d !== undefined && !d.foreign && this.n.routes.selected(d, now).length > 0);
    if (!member || f.asker === this.n.id) return;
    this.stats.answeredLocates++;
    this.n.loc.sendAnswer(f, mine, undefined, now);
  }

  // --- the core's calls ------------------------------------------------------------------------

  /**
   * Dispatch of a routed frame (forwarding.ts): takes it onto the bridge when the bridge is a way
   * to its cluster and beats every LoRa option's metric (ties stay on LoRa). Returns false to let
   * LoRa route choice go on.
   */
  takeRouted(u: Unicast, options: readonly RouteOptionLike[], now: number): boolean {
    if (!this.#up || u.ttl <= 1) return false;
    const cluster = u.dstCluster !== NO_CLUSTER ? u.dstCluster : (this.n.locations.lookup(u.dst, now)?.cluster ?? NO_CLUSTER);
    let best = METRIC_INFINITY;
    for (const o of options) best = Math.min(best, o.metric);
    if (best <= this.metric()) return false;
    const t = this.target(cluster);
    let topic: ClusterId;
    let next: NodeId;
    if (t !== undefined) {
      topic = t.prefix;
      next = designatedGateway(cluster, t.gateways) ?? 0;
      u.dstCluster = cluster;
    } else {
      // An end-to-end ACK with no route: back to the gateway that published its DATA.
      const g = u.ftype === FrameType.ACK ? this.#backTo(u) : undefined;
      const prefixes = g === undefined ? undefined : this.#peers.get(g)?.prefixes;
      if (g === undefined || prefixes === undefined || prefixes.length === 0) return false;
      topic = prefixes[0];
      next = g;
    }
    if (this.#outbox.length >= BRIDGE_OUTBOX) {
      this.stats.dropOutboxFull++;
      return false;
    }
    u.nextHop = next;
    u.via = undefined;
    this.#outbox.push({ bytes: encodeFrame(this.n.fwd.buildRouted(u)), cluster: clusterToGeohash(topic), at: now });
    this.stats.published++;
    // The previous hop waits for a confirmation it cannot overhear: confirm at once.
    if (u.prevHop !== undefined) this.n.fwd.sendHopAck(u.prevHop, u.ftype, u.src, u.dst, u.seq, AckStatus.DELIVERED, u.priority, now);
    this.n.fwd.handedOn(u, now);
    return true;
  }

  /**
   * A broadcast this node originated or heard for the first time: the gateway that speaks for
   * its cluster (rule B4) publishes it to every remote prefix its scope reaches (rule B3).
   */
  onLocalBroadcast(f: BcastFrame, now: number): void {
    const key = listedKey(f);
    if (!this.#up || this.#crossed.has(key) || this.n.cluster === NO_CLUSTER || !this.designatedFor(this.n.cluster)) return;
    if (f.ttl <= 1) return;
    this.#remember(key);
    const out: BcastFrame = { type: FrameType.BCAST, tx: this.n.id, ttl: f.ttl - 1, hops: nextHopCount(f.hops), priority: f.priority, scope: f.scope, src: f.src, seq: f.seq, originCluster: f.originCluster, payload: f.payload };
    const bytes = encodeFrame(out);
    for (const prefix of this.#remote().keys()) {
      if (f.originCluster !== NO_CLUSTER && clusterContains(prefix, f.originCluster)) continue;
      if (!broadcastCrosses(f.scope, f.originCluster, prefix)) continue;
      if (this.#outbox.length >= BRIDGE_OUTBOX) {
        this.stats.dropOutboxFull++;
        continue;
      }
      this.#outbox.push({ bytes, cluster: clusterToGeohash(prefix), at: now });
      this.stats.published++;
      this.stats.publishedBroadcasts++;
    }
  }

  /** A location query heard on the air: at its widest level it is asked beyond the bridge (B7). */
  onLocalLocateQuery(f: LocateQueryFrame, now: number): void {
    const key = listedKey(f);
    if (!this.#up || this.#crossed.has(key) || !locateCrosses(f.scope, this.n.config.locateMaxScope)) return;
    if (this.n.cluster === NO_CLUSTER || !this.designatedFor(this.n.cluster) || f.ttl <= 1) return;
    this.#remember(key);
    // Its forwarder list names our neighbours: meaningless beyond the bridge (§15 *Directed frames*).
    const { forwarders: _list, backup: _backup, ...bare } = f;
    const bytes = encodeFrame({ ...bare, tx: this.n.id, ttl: f.ttl - 1, hops: nextHopCount(f.hops) });
    for (const prefix of this.#remote().keys()) {
      if (f.askerCluster !== NO_CLUSTER && clusterContains(prefix, f.askerCluster)) continue;
      if (this.#outbox.length >= BRIDGE_OUTBOX) {
        this.stats.dropOutboxFull++;
        continue;
      }
      this.#outbox.push({ bytes, cluster: clusterToGeohash(prefix), at: now });
      this.stats.published++;
      this.stats.publishedLocates++;
    }
  }

  /**
   * OGM building (ogm-plane.ts): the remote clusters at the bridge metric, originated by this
   * gateway, unless the OGM already carries a better route to one (a LoRa route then wins, as it
   * does for data); withdrawn ones as retractions for BRIDGE_RETRACTIONS OGMs.
   */
  advertise(items: OgmItem[], routeSeq: number): void {
    const metric = this.metric();
    const now = new Set<ClusterId>();
    for (const c of this.#remote().keys()) {
      const i = items.findIndex((it) => it.section === "cluster" && it.entry.cluster === c);
      const had = i >= 0 ? items[i] : undefined;
      if (had?.section === "cluster" && had.entry.metric <= metric) continue;
      const item: OgmItem = { section: "cluster", entry: { cluster: c, origin: this.n.id, seqno: routeSeq, metric }, changed: !this.#advertised.has(c) };
      if (i >= 0) items[i] = item;
      else items.push(item);
      now.add(c);
    }
    for (const [c, left] of this.#withdrawn) {
      if (left <= 0 || now.has(c)) {
        this.#withdrawn.delete(c);
        continue;
      }
      this.#withdrawn.set(c, left - 1);
      if (items.some((it) => it.section === "cluster" && it.entry.cluster === c)) continue;
      items.push({ section: "cluster", entry: { cluster: c, origin: this.n.id, seqno: routeSeq, metric: METRIC_INFINITY }, changed: true });
    }
    this.#advertised = now;
  }

  #withdraw(clusters: Iterable<ClusterId>, now: number): void {
    let any = false;
    for (const c of clusters) {
      this.#withdrawn.set(c, BRIDGE_RETRACTIONS);
      any = true;
    }
    if (any) {
      this.stats.withdrawals++;
      void now;
    }
  }

  /**
   * The bridge changed (rule B5): the next OGM goes out as early as the triggered-update gap
   * allows, so neighbours learn of new or withdrawn bridge routes within one gap.
   */
  #announce(now: number): void {
    const o = this.n.ogm;
    if (!o.trickle.reset(false)) return; // an early OGM is pending already
    const earliest = Math.max(now, o.lastOgmBuiltAt + this.n.config.triggeredMinGapFactor * o.minOgmInterval(now));
    if (earliest < o.nextOgmAt) {
      o.nextOgmAt = earliest;
      this.n.stats.ogmEarly++;
    } else o.trickle.cancelEarly();
  }

  #remember(key: string): void {
    makeRoom(this.#crossed, CROSSED_MAX);
    this.#crossed.add(key);
  }
}
