// Forwarding and custody (docs/protocol.md §6, §7): where a routed frame (DATA, end-to-end ACK,
// LOCATE_A) goes next, its confirmation by the next hop, retries and failover, handing a frame
// back when no route works, end-to-end acknowledgements and the reverse paths answers fall back
// on. One of the concerns MeshNode (mesh-node.ts) composes; the shared state is NodeState.
import type { Destination, DestKind, RouteEntry } from "./route-table";
import type { QueuedFrame } from "./tx-queue";
import { AckStatus, type AckStatusCode, type DataFrame, type E2eAckFrame, FloodScope, type FloodScopeKind, type Frame, FrameType, type HopAckFrame, type HopAckedType, type LocateAnswerFrame, locateKey, METRIC_INFINITY, shortId } from "./frames";
import { BUSY_ALLOWANCE_SLOTS, confirmsWait, CUSTODY_MS, MAX_ACK_WAIT_MS, MAX_CUSTODY, NodeState, groupOf, identityKey, keyOf, routedKey, type Awaiting, type Custody, type Tag, type Unicast } from "./node-state";
import { chooseRoute, type RouteOption } from "./route-choice";
import { clusterContains, type ClusterId, clusterParent, NO_CLUSTER } from "./cluster";
import { encodeFrame } from "./codec";
import { MAX_HOP_COUNT, nextHopCount } from "./hop-count";
import { formatNodeId, type NodeId, type PriorityLevel } from "./station";
import { hash32, randInt } from "./rng";
import { hopFailureWeight } from "./link-quality";
import { floodOnceReason } from "./flood-budget";
import { heardShortcut, takesShortcut, twoHopShortcut } from "./shortcut";
import { makeRoom } from "./bounded";
import { WayBack } from "./way-back";
import { loopTakesTable, wayCameRound } from "./came-round";
import { directAckHop } from "./direct-ack";
import { bouncedOnAir, handBackSpent, hopAckNamesReplies, REPLY_GROUPS, relayedFields, sentBefore } from "./routed-rules";

/** A timeout weighing at least this much (busy share below about a third) fails over at once (§7.3). */
const QUIET_FAILOVER_WEIGHT = 0.5;

export class Forwarding {
  readonly n: NodeState;
  /** Frames sent on, waiting for their next hop's confirmation. */
  readonly awaiting = new Map<string, Awaiting>();
  /** Frames handed on, remembered for bounces (§7.3). */
  readonly custody = new Map<string, Custody>();
  /** Ways back without a route: locate queries' reverse hops, and rule `floodWayBack` (§14). */
  readonly wayBack: WayBack;

  constructor(n: NodeState) {
    this.n = n;
    this.wayBack = new WayBack(n.id, n.config);
  }

  routeOptions(dst: NodeId, dstCluster: ClusterId, now: number, exclude: ReadonlySet<NodeId>): RouteOption<{ kind: DestKind; key: number; entry: RouteEntry }>[] {
    const out: RouteOption<{ kind: DestKind; key: number; entry: RouteEntry }>[] = [];
    const add = (kind: DestKind, key: number): void => {
      const d = this.n.routes.get(kind, key);
      if (d === undefined) return;
      for (const r of this.n.routes.selected(d, now)) {
        if (exclude.has(r.entry.neighbour)) continue;
        const n = this.n.nbrs.get(r.entry.neighbour);
        if (n === undefined || this.n.nbrs.outrun(n, now)) continue;
        out.push({
          route: { kind, key, entry: r.entry },
          metric: r.metric,
          health: r.entry.health.value(now, this.n.config),
          load: n.load,
          battery: n.battery < 0 ? 1 : n.battery,
          trust: this.n.trust.value(n.id, now),
        });
      }
    };
    add("node", dst);
    if (out.length > 0) return out;
    const cluster = dstCluster !== NO_CLUSTER ? dstCluster : (this.n.locations.lookup(dst, now)?.cluster ?? NO_CLUSTER);
    if (cluster === NO_CLUSTER || clusterContains(cluster, this.n.cluster)) return out;
    add("cluster", cluster);
    if (out.length > 0) return out;
    // Aggregates (§5.4) only while we know nothing more specific: a node that holds entries for
    // the exact cluster, or lies in the region where it is advertised exactly, hands the frame
    // back when those fail rather than send it up an aggregate, which leads only to the nearest
    // edge of the region and can lead straight back.
    if ((this.n.routes.get("cluster", cluster)?.entries.length ?? 0) > 0 || !this.n.summarised(cluster)) return out;
    // Toward the region: first our own exact routes into the nearest cluster we know in it (the
    // route our own aggregate advertises). Each hop along such a route knows that cluster at a
    // smaller metric, so the distance to the region shrinks at every hop: no loop. Only a node
    // that knows no cluster of the region at all follows a neighbour's aggregate.
    const parent = clusterParent(cluster);
    let nearest: Destination | undefined;
    let nearestMetric = METRIC_INFINITY;
    for (const d of this.n.routes.destinations("cluster")) {
      if (d.key === cluster || clusterParent(d.key) !== parent) continue;
      for (const r of this.n.routes.selected(d, now)) {
        if (r.metric < nearestMetric && !exclude.has(r.entry.neighbour)) {
          nearest = d;
          nearestMetric = r.metric;
        }
      }
    }
    if (nearest !== undefined) add("cluster", nearest.key);
    else add("cluster", parent);
    return out;
  }

  /**
   * Rules `heardShortcut` and `twoHopShortcut` (§6.1, shortcut.ts): a next hop for a frame to
   * `dst` past the tables — the destination itself when heard directly, else (without a node route)
   * a neighbour that reports hearing it, on a node whose neighbour table is full (with room, the
   * cluster routes of a sparse mesh are kept: §6.2) — or undefined. Not on a driving node, whose
   * links age fast.
   */
  shortcut(dst: NodeId, tried: ReadonlySet<NodeId>, nodeRouted: boolean, now: number): NodeId | undefined {
    if (this.n.driving(now)) return undefined;
    const heard = heardShortcut(dst, this.n.nbrs, this.n.flood.reach.heard, now, tried);
    if (heard !== undefined || nodeRouted || !this.n.nbrs.full) return heard;
    return twoHopShortcut(dst, this.n.nbrs, now, tried);
  }

  /** Whether a unicast to `dst` in `dstCluster` would leave this node now: a route to it or its cluster, or the bridge. */
  reaches(dst: NodeId, dstCluster: ClusterId, now: number): boolean {
    return this.routeOptions(dst, dstCluster, now, new Set()).length > 0 || this.bridgeReaches(dst, dstCluster, now);
  }

  /** Whether this node is a gateway whose bridge is a way to `dst` in `dstCluster` now (for an end-to-end ACK `ack`, also back the way its DATA came). */
  bridgeReaches(dst: NodeId, dstCluster: ClusterId, now: number, ack?: { readonly src: NodeId; readonly dst: NodeId; readonly seq: number }): boolean {
    if (this.n.bridge === undefined) return false;
    return this.n.bridge.reaches(dstCluster !== NO_CLUSTER ? dstCluster : (this.n.locations.lookup(dst, now)?.cluster ?? NO_CLUSTER), ack);
  }

  newUnicast(p: {
    ftype: Unicast["ftype"];
    src: NodeId;
    dst: NodeId;
    seq: number;
    priority: PriorityLevel;
    dstCluster: ClusterId;
    wantAck?: boolean;
    payload?: Uint8Array;
    status?: AckStatusCode;
    ackedHops?: number;
    target?: NodeId;
    targetCluster?: ClusterId;
    ageMin?: number;
    originated: boolean;
    prevHop: NodeId | undefined;
    ttl: number;
    hops: number;
    forcedNextHop?: NodeId;
    oneHop?: boolean;
    wayBack?: boolean;
    maxAttempts?: number;
    tried?: Set<NodeId>;
    attempt?: number;
  }): Unicast {
    return {
      ftype: p.ftype,
      src: p.src,
      dst: p.dst,
      seq: p.seq,
      priority: p.priority,
      dstCluster: p.dstCluster,
      wantAck: p.wantAck ?? false,
      payload: p.payload ?? new Uint8Array(0),
      status: p.status ?? AckStatus.DELIVERED,
      ackedHops: p.ackedHops ?? 0,
      target: p.target ?? 0,
      targetCluster: p.targetCluster ?? NO_CLUSTER,
      ageMin: p.ageMin ?? 0,
      ttl: p.ttl,
      hops: p.hops,
      originated: p.originated,
      prevHop: p.prevHop,
      tried: p.tried ?? new Set(),
      nextHop: 0,
      via: undefined,
      attempts: 0,
      forcedNextHop: p.forcedNextHop,
      oneHop: p.oneHop ?? false,
      ...(p.wayBack === true ? { wayBack: true } : {}),
      maxAttempts: p.maxAttempts,
      handedBack: false,
      attempt: p.attempt ?? 0,
    };
  }

  /**
   * Sends a frame in custody on its next route: the forced first hop if any, else a route drawn
   * by Share(r) among those not yet tried. With none left the frame is bounced or reported.
   */
  dispatch(u: Unicast, now: number, failover: boolean, delayMs = 0): void {
    let nextHop: NodeId | undefined;
    let via: Unicast["via"];
    // Rule `wayRoundRefused` (§3.2 b7): set below only when this hop is a way back, cleared first
    // so that no exit (the bridge's included) carries an earlier attempt's way hop.
    u.viaWayBack = false;
    if (u.forcedNextHop !== undefined && !u.tried.has(u.forcedNextHop)) {
      const n = this.n.nbrs.get(u.forcedNextHop);
      if (n !== undefined && this.n.nbrs.usable(n, now)) nextHop = u.forcedNextHop;
    }
    if (nextHop === undefined && u.ftype === FrameType.ACK && this.n.config.directDataAck) nextHop = directAckHop(u, this.n.nbrs, this.n.moving(now), this.n.channel.recentBusyShare(now));
    if (nextHop === undefined && u.ftype === FrameType.ACK && this.n.config.ackRetracesData) nextHop = this.dataHopBack(u, now);
    if (nextHop === undefined && u.oneHop) {
      // A relay's one hop (rule `agreedHandover`, §14) is not its message: no failure to report.
      if (!u.originated) return void this.n.stats.dropsUnroutable++;
      return this.fail(u, now, "no-route", `its one hop to ${formatNodeId(u.dst)} went unconfirmed`);
    }
    if (nextHop === undefined) {
      const options = this.routeOptions(u.dst, u.dstCluster, now, u.tried);
      // A gateway: the bridge takes the frame when it beats every LoRa option (bridge/rules.ts B1).
      if (this.n.bridge?.takeRouted(u, options, now) === true) return;
      const choice = chooseRoute(options, this.n.rng, this.n.config, this.n.nbrs.full);
      const short = takesShortcut(u.ftype) && u.loopFrom === undefined ? this.shortcut(u.dst, u.tried, options[0]?.route.kind === "node", now) : undefined;
      // Rule `loopTakesTable`: whether the hop this frame goes to now is a two-hop shortcut.
      u.viaTwoHop = short !== undefined && short !== u.dst;
      if (short !== undefined) {
        nextHop = short;
        this.n.stats.shortcuts++;
      } else if (choice !== undefined) {
        nextHop = choice.route.entry.neighbour;
        via = choice.route;
      } else if (options.length === 0) this.n.seqreq.onNoRoute(u.dst, u.dstCluster, now); // §5.6
    }
    if (nextHop === undefined) {
      // The reverse hop just carried the query or the DATA to us: worth trying even over a link
      // too lossy to count as usable for routing (confirmation and retries still apply).
      const back = this.reverseHopFor(u, now);
      if (back !== undefined && !u.tried.has(back)) {
        nextHop = back;
        u.viaTwoHop = false;
        u.viaWayBack = u.ftype === FrameType.DATA;
      }
    }
    if (nextHop === undefined && u.loopFrom !== undefined) return void this.n.stats.dropsUnroutable++;
    if (nextHop === undefined) {
      if (handBackSpent(u)) this.dropHandedBack(u, now);
      else this.exhausted(u, now);
      return;
    }
    if (failover) this.n.stats.failovers++;
    u.nextHop = nextHop;
    u.via = via;
    u.attempts = 0;
    via?.entry.health.used(now, this.n.config);
    this.enqueueUnicast(u, now, delayMs);
  }

  enqueueUnicast(u: Unicast, now: number, delayMs = 0): void {
    const bytes = encodeFrame(this.buildRouted(u));
    const jitterSlots = u.originated && u.attempts === 0 ? 0 : randInt(this.n.rng, this.n.config.relayJitterSlots + 1);
    const f: QueuedFrame<Tag> = {
      bytes,
      priority: u.priority,
      kind: u.ftype === FrameType.DATA ? "data" : "control",
      isAck: u.ftype === FrameType.ACK,
      notBefore: now + delayMs + jitterSlots * this.n.slotMs,
      enqueuedAt: now,
      cw: 0,
      airtimeMs: this.n.airtime(bytes.length),
      tag: { kind: "unicast", u },
    };
    // A frame already in our custody is never dropped for lack of room.
    this.n.queue.push(f, true);
  }

  buildRouted(u: Unicast): Frame {
    const h = {
      tx: this.n.id,
      next: u.nextHop,
      ttl: u.ttl,
      hops: u.hops,
      priority: u.priority,
      src: u.src,
      dst: u.dst,
      seq: u.seq,
      dstCluster: u.dstCluster,
    };
    if (u.ftype === FrameType.DATA) {
      // Flag b7 (rule `wayRoundRefused`, §3.2): this hop is a way back; off, the bytes are as before.
      const wayHop = u.viaWayBack === true && this.n.config.wayRoundRefused ? { wayHop: true as const } : {};
      return { type: FrameType.DATA, ...h, wantAck: u.wantAck, bounced: bouncedOnAir(u), attempt: u.attempt, ...wayHop, payload: u.payload } satisfies DataFrame;
    }
    if (u.ftype === FrameType.ACK) {
      return { type: FrameType.ACK, kind: "e2e", ...h, status: u.status, ackedHops: u.ackedHops, attempt: u.attempt } satisfies E2eAckFrame;
    }
    return {
      type: FrameType.LOCATE_A,
      ...h,
      target: u.target,
      targetCluster: u.targetCluster,
      ageMin: u.ageMin,
    } satisfies LocateAnswerFrame;
  }

  /** DATA is always confirmed; ACK and LOCATE_A only while they are not on their final hop. */
  needsConfirmation(u: Unicast): boolean {
    return u.ftype === FrameType.DATA || u.nextHop !== u.dst;
  }

  /**
   * §7.2: wait for the next hop's forward, its queue and relay jitter, plus a guard — or longer
   * when the measured round trips to it say so (a congested channel delays every forward).
   */
  ackTimeout(f: QueuedFrame<Tag>, nextHop: NodeId): number {
    const n = this.n.nbrs.get(nextHop);
    const queueAhead = n === undefined ? 0 : n.load * this.n.config.txQueueSize;
    const modelled = f.airtimeMs * (2 + queueAhead) + (this.n.config.relayJitterSlots + BUSY_ALLOWANCE_SLOTS) * this.n.slotMs + this.n.config.ackGuardMs;
    return Math.min(MAX_ACK_WAIT_MS, Math.max(modelled, this.n.nbrs.measuredTimeout(nextHop)));
  }

  confirm(key: string, from: NodeId, status: AckStatusCode, now: number, late = true): boolean {
    const w = this.awaiting.get(key);
    if (w === undefined || !confirmsWait(w, from, status, this.n.config.overheardDelivery && this.n.drivingLink(from, now))) return late && status === AckStatus.DELIVERED && this.lateConfirmation(key, from, w, now);
    this.awaiting.delete(key);
    const u = w.u;
    this.n.nbrs.noteSuccess(from);
    // Only first attempts measure the round trip (a retransmission's confirmation may answer an earlier copy).
    if (u.attempts === 0) this.n.nbrs.noteRoundTrip(from, now - w.sentAt);
    if (status === AckStatus.DELIVERED) {
      if (from === w.nextHop) u.via?.entry.health.success(now, this.n.config);
      if (from !== u.dst) this.n.trust.success(from, now);
      this.handedOn(u, now);
      return true;
    }
    if (status === AckStatus.NO_ROUTE) {
      // The next hop has no way to this destination: try the others at once (§7.3).
      if (u.via !== undefined) this.routeFailedFor(u.via, now);
      u.tried.add(from);
      this.dispatch(u, now, true);
      return true;
    }
    // TTL expired further on: the frame is gone.
    this.n.stats.dropsTtl++;
    if (u.originated && u.ftype === FrameType.DATA) {
      this.fail(u, now, "ttl-expired", `frame to ${formatNodeId(u.dst)} ran out of hops`);
    }
    return true;
  }

  /**
   * Rule `lateConfirmation` (§7.1): a confirmation from a hop we already handed this frame to
   * (its forward, a hop ACK, the destination's end-to-end ACK), arriving after its timeout, while
   * our repeat — to the same hop or, after failover, to another — still waits in the queue or for
   * its own confirmation, ends our custody: the repeat is withdrawn unsent, or its wait ends. Why:
   * on dense-urban seed 1, 75 of 549 repeated DATA hops went out after the sender had heard the
   * previous hop's forward or hop ACK (the timeout fired first, then the forward came while the
   * repeat queued), each a copy the mesh then carried on as a second custody chain. Not on a
   * driving node (DRIVING_MPS, §14), nor `downstreamCopy`: there the rules cost delivery
   * (highway-convoy seeds 1–3, 82.1 → 73.5 % with them, 79.1 % without them on driving nodes).
   */
  lateConfirmation(key: string, from: NodeId, w: Awaiting | undefined, now: number): boolean {
    if (this.n.driving(now)) return false;
    // A loop copy's `loopFrom` is in `tried` only to keep routes off it: its copy is no confirmation.
    const ours = (u: Unicast): boolean => from !== u.prevHop && from !== u.loopFrom && from !== this.n.id && (u.nextHop === from || u.tried.has(from));
    let u: Unicast | undefined;
    if (w !== undefined) {
      if (!ours(w.u)) return false;
      this.awaiting.delete(key);
      u = w.u;
    } else {
      const q = this.n.queue.find((f) => f.tag.kind === "unicast" && keyOf(f.tag.u) === key && ours(f.tag.u));
      if (q === undefined || q.tag.kind !== "unicast") return false;
      u = q.tag.u;
      this.n.queue.remove((f) => f === q);
    }
    this.n.stats.lateConfirmations++;
    this.n.nbrs.noteSuccess(from);
    u.nextHop = from;
    this.handedOn(u, now);
    return true;
  }

  /**
   * Rule `downstreamCopy` (§7.1): a copy of a frame we hold in custody, sent by another node with a
   * higher hop count than ours (not a hand-back), was sent on past our next hop: the next hop's own
   * forward went unheard here but reached the hop after it. Our custody ends as on the next hop's
   * confirmation. Upstream copies (a previous hop's retry) carry a lower count and are not taken.
   * Only a frame we have sent already (awaiting its confirmation, or a repeat in the queue): a
   * first transmission still queued is never withdrawn, so a forged copy (anyone may hold the
   * network key) cannot delete a message before it goes on the air (review fix).
   * Why: on medium-city seed 1, 17 of 91 repeated DATA hops repeated a hop whose forward had
   * already reached the hop after it.
   */
  downstreamCopy(key: string, hops: number, now: number): void {
    if (this.n.driving(now)) return;
    const w = this.awaiting.get(key);
    const q = w === undefined ? this.n.queue.find((f) => f.tag.kind === "unicast" && keyOf(f.tag.u) === key && sentBefore(f.tag.u)) : undefined;
    const u = w?.u ?? (q?.tag.kind === "unicast" ? q.tag.u : undefined);
    if (u === undefined || !(hops > u.hops)) return;
    if (w !== undefined) this.awaiting.delete(key);
    else this.n.queue.remove((f) => f === q);
    this.n.stats.downstreamCopies++;
    this.handedOn(u, now);
  }

  /**
   * A next hop reported (by refusing or handing back) that it cannot reach one destination.
   * A node route to that destination is dead at once; a cluster route is only weakened, since
   * the rest of that cluster may be fine through it.
   */
  routeFailedFor(via: { readonly kind: DestKind; readonly key: number; readonly entry: RouteEntry }, now: number): void {
    if (via.entry.health.dead) return;
    if (via.kind === "node") this.n.routes.markDead(via.entry);
    else if (via.entry.health.failure(now, this.n.config)) this.n.routes.noteDeath(via.entry);
    if (via.entry.health.dead) this.n.stats.routeDeaths++;
  }

  /**
   * Rule `ackRetracesData` (§7.4): the hop that handed us the DATA an end-to-end ACK answers, which
   * the ACK takes before any table route. At the destination that is the DATA's last hop (the
   * forced first hop the ACK was built with), at a relay the previous hop of the DATA in its custody
   * memory. The hop need not be a usable neighbour: it has just carried the DATA to us. Confirmation
   * applies; retries only when the hop is a usable neighbour (`onTimeout`), so a hop outside the
   * table gets one attempt, and a hop that fails is tried no more: the table routes follow.
   * Only at a static node whose neighbour table is full (where the table misses most of the nodes
   * it hears, the sender among them), and never to a neighbour whose last OGM said it was driving.
   */
  dataHopBack(u: Unicast, now: number): NodeId | undefined {
    if (!this.n.nbrs.full || this.n.moving(now)) return undefined;
    const back = u.originated ? u.forcedNextHop : this.custodyPrevHop(u, now);
    if (back === undefined || back === this.n.id || back === u.prevHop || u.tried.has(back)) return undefined;
    return this.n.nbrs.get(back)?.driving === true ? undefined : back;
  }

  /**
   * The hop the DATA an ACK `u` answers came from, in our custody memory while it holds: the
   * attempt this ACK answers first (its DATA came that way most lately), then the others.
   */
  custodyPrevHop(u: Unicast, now: number): NodeId | undefined {
    for (const a of [u.attempt, 0, 1, 2, 3]) {
      const c = this.custody.get(identityKey("d", u.dst, u.src, u.seq, a));
      if (c?.prevHop !== undefined && c.until >= now) return c.prevHop;
    }
    return undefined;
  }

  /**
   * The hop an ACK or a locate answer takes when distance vector has no route back: the reverse
   * of the path its DATA (custody memory) or its query (reverse memory) came along.
   */
  reverseHopFor(u: Unicast, now: number): NodeId | undefined {
    if (u.ftype === FrameType.ACK) {
      return this.custodyPrevHop(u, now) ?? this.wayBack.ackTo(u.dst, u.seq, now, u.originated ? undefined : { from: u.prevHop });
    }
    if (u.ftype === FrameType.DATA) return this.wayBack.to(u.dst, now, u.originated ? undefined : { from: u.prevHop }, u.wayBack === true);
    return u.ftype === FrameType.LOCATE_A ? this.wayBack.queryFrom(locateKey(u.dst, u.seq), now) : undefined;
  }

  /** The frame left our custody with a confirmation (or needs none): remember it for bounces. */
  handedOn(u: Unicast, now: number): void {
    if (u.ftype !== FrameType.DATA) return;
    if (u.originated && u.wantAck) this.n.e2e.pending.get(`${u.dst}:${u.seq}`)?.via.add(u.nextHop);
    this.remember(u, now, bouncedOnAir(u));
  }

  /** Keeps a DATA frame's custody record (bounded, oldest out first): who gave it us, whom we tried. */
  remember(u: Unicast, now: number, bouncedAway: boolean): void {
    const key = keyOf(u);
    this.custody.delete(key);
    makeRoom(this.custody, MAX_CUSTODY);
    const tried = new Set(u.tried);
    tried.add(u.nextHop);
    const viaTwoHop = u.viaTwoHop === true;
    const payloadSum = viaTwoHop && u.payload !== undefined ? hash32(u.payload) : undefined;
    this.custody.set(key, { prevHop: u.prevHop, tried, originated: u.originated, until: now + CUSTODY_MS, bouncedAway, viaTwoHop, payloadSum, ...(u.viaWayBack === true ? { viaWayBack: true, sentHops: u.hops } : {}) });
  }

  onTimeout(w: Awaiting, now: number): void {
    const u = w.u;
    this.n.stats.ackTimeouts++;
    // How much this timeout says about the link rather than the channel (hopFailureWeight, §4).
    const weight = hopFailureWeight(this.n.channel.airBusyShare(now));
    if (this.n.nbrs.noteFailure(w.nextHop, weight)) {
      const n = this.n.nbrs.get(w.nextHop);
      if (n !== undefined && n.up) {
        n.up = false;
        this.n.events.push({ type: "neighbour-down", at: now, neighbour: n.id });
      }
      this.n.ogm.routeChanges(this.n.routes.refresh(now), now);
    }
    let dead = false;
    if (u.via !== undefined) {
      dead = u.via.entry.health.failure(now, this.n.config);
      if (dead) {
        this.n.routes.noteDeath(u.via.entry);
        this.n.stats.routeDeaths++;
      }
    }
    u.attempts++;
    const n = this.n.nbrs.get(w.nextHop);
    const q = n === undefined ? 0 : this.n.nbrs.quality(n, now);
    const allowed = Math.min(u.maxAttempts ?? Infinity, q > 0.5 ? this.n.config.attemptsGoodLink : this.n.config.attemptsWeakLink);
    const quiet = !dead && this.quietFailover(u, w.nextHop, weight, now);
    if (!dead && !quiet && u.attempts < allowed && n !== undefined && this.n.nbrs.usable(n, now) && !this.n.nbrs.outrun(n, now)) {
      this.n.stats.retries++;
      this.enqueueUnicast(u, now);
      return;
    }
    // Every attempt on this next hop went unconfirmed: it took the frame and carried nothing on.
    if (quiet) this.n.stats.quietFailovers++;
    if (w.nextHop !== u.dst) this.distrustHop(w.nextHop, now);
    // A shortcut to a destination outside the neighbour table went unconfirmed: it is not taken
    // again until the destination is heard anew (`heardShortcut`; else one frame heard under its id,
    // forged or over a one-way link, would cost every DATA to it a wasted hop for the hold time).
    else if (n === undefined) this.n.flood.reach.heard.forget(shortId(u.dst));
    u.tried.add(w.nextHop);
    this.dispatch(u, now, true);
  }

  /**
   * Rule `quietFailover` (§7.3): a timeout on a quiet channel (weight ≥ ½: the busy share is below
   * about a third) is unlikely to be a collision, so the next hop is probably gone or deaf to us;
   * the frame moves to the next route of the multipath set at once instead of being sent again to
   * the same hop. On a busy channel the same hop is retried: a collision says nothing about it.
   */
  quietFailover(u: Unicast, hop: NodeId, weight: number, now: number): boolean {
    if (weight < QUIET_FAILOVER_WEIGHT || u.forcedNextHop === hop) return false;
    const exclude = new Set(u.tried);
    exclude.add(hop);
    return this.routeOptions(u.dst, u.dstCluster, now, exclude).length > 0;
  }

  /** Every route for this frame has been tried (§7.3): bounce it back, or report failure. */
  exhausted(u: Unicast, now: number): void {
    const wayBackFailed = this.wayBack.forgetFailed(u);
    if (u.ftype !== FrameType.DATA) {
      this.n.stats.dropsUnroutable++;
      return;
    }
    if (!u.originated && u.prevHop !== undefined && u.ttl > 1) {
      this.n.stats.bounces++;
      u.handedBack = true;
      u.nextHop = u.prevHop;
      u.via = undefined;
      u.attempts = 0;
      u.ttl -= 1;
      u.hops = nextHopCount(u.hops);
      // Our own next hop for the bounce is the previous hop; confirmation is its hop ACK.
      u.tried.add(u.prevHop);
      this.enqueueUnicast(u, now);
      return;
    }
    if (u.originated && this.n.cluster === NO_CLUSTER) {
      // A homeless originator whose routes failed (rule `homelessRoutes`, §17): its local flood.
      this.fallbackFlood(u, FloodScope.LOCAL, now);
      return;
    }
    if (u.originated && this.n.config.corridorEnabled && u.dstCluster !== NO_CLUSTER && this.n.cluster !== NO_CLUSTER) {
      this.fallbackFlood(u, FloodScope.CORRIDOR, now);
      return;
    }
    if (u.originated && wayBackFailed) {
      // Rule `floodWayBack`: the way back was the only route; the destination's cluster is not
      // known (the way was learnt from a DATA, or from a homeless source's flood), so look it up.
      this.n.loc.locate(u, now);
      return;
    }
    if (u.originated) {
      const n = u.tried.size;
      this.fail(
        u,
        now,
        "no-route",
        n === 0 ? `no route to ${formatNodeId(u.dst)}` : `all ${n} route${n === 1 ? "" : "s"} to ${formatNodeId(u.dst)} failed`,
      );
    } else {
      this.n.stats.dropsUnroutable++;
      this.n.log(now, "warn", `dropped frame ${formatNodeId(u.src)}→${formatNodeId(u.dst)} #${u.seq}: no route and nowhere to hand it back`);
    }
  }

  /**
   * The originator's last resort, a corridor or network flood, under rule `floodOnce` (§14.1):
   * once per message. A later copy of a flooded message with no route waits for the flood's ACK
   * while the message awaits one (its end-to-end deadline reports the outcome), else fails now.
   */
  fallbackFlood(u: Unicast, scope: FloodScopeKind, now: number): void {
    const at = this.n.budget.floodedAt(u.dst, u.seq, now, this.n.driving(now));
    if (at === undefined) {
      // Only a flood that was queued counts: one refused by a full queue leaves the message failed.
      if (this.n.flood.sendFlood(u, scope, now)) {
        this.n.budget.noteFlood(u.dst, u.seq, now);
        this.n.e2e.drivingFloodWait(u, now);
      } else this.fail(u, now, "queue-full", `transmit queue full (${this.n.queue.capacity} frames): the flood to ${formatNodeId(u.dst)} #${u.seq} was not sent`);
      return;
    }
    this.n.stats.floodsHeld++;
    if (!this.n.e2e.pending.has(`${u.dst}:${u.seq}`)) this.fail(u, now, "no-route", floodOnceReason(u.dst, u.seq, at, now));
  }

  fail(u: Unicast, now: number, code: string, reason: string): void {
    this.n.e2e.pending.delete(`${u.dst}:${u.seq}`);
    this.n.stats.sendFailed++;
    this.n.events.push({ type: "send-failed", at: now, dst: u.dst, seq: u.seq, code, reason });
  }

  /** Implicit acknowledgements: overhearing the next hop pass our frame on (§7.1). */
  overheard(f: Frame, now: number): void {
    if (f.type === FrameType.LOCATE_A && f.src !== this.n.id) {
      // Someone else answered this query already: drop our own answer if it has not gone out.
      this.n.queue.remove((q) => q.tag.kind === "unicast" && q.tag.u.ftype === FrameType.LOCATE_A && q.tag.u.originated && q.tag.u.dst === f.dst && q.tag.u.seq === f.seq && q.tag.u.target === f.target);
    }
    // Nothing waits on a confirmation, nor does a repeat wait in the queue (rule lateConfirmation).
    if (this.awaiting.size === 0 && this.n.queue.find((q) => q.tag.kind === "unicast") === undefined) return;
    switch (f.type) {
      case FrameType.DATA:
        // A hand-back to us is no late confirmation: its sender gave the frame up (§7.3).
        if (!this.confirm(identityKey("d", f.src, f.dst, f.seq, f.attempt), f.tx, AckStatus.DELIVERED, now, !f.bounced) && !f.bounced) this.downstreamCopy(identityKey("d", f.src, f.dst, f.seq, f.attempt), f.hops, now);
        break;
      case FrameType.FLOOD:
        this.confirm(identityKey("d", f.src, f.dst, f.seq), f.tx, AckStatus.DELIVERED, now);
        break;
      case FrameType.LOCATE_A: {
        // A copy further on ends custody of an answer as it does of DATA and ACKs (`downstreamCopy`).
        const key = identityKey("l", f.src, f.dst, f.seq);
        if (!this.confirm(key, f.tx, AckStatus.DELIVERED, now)) this.downstreamCopy(key, f.hops, now);
        break;
      }
      case FrameType.ACK:
        if (f.kind === "e2e") {
          const key = identityKey("a", f.src, f.dst, f.seq, f.attempt);
          if (!this.confirm(key, f.tx, AckStatus.DELIVERED, now)) this.downstreamCopy(key, f.hops, now);
          // Rule `ackConfirmsData` (§7.1): an end-to-end ACK of our DATA sent by our next hop —
          // the destination itself, whichever way it sends it, or a relay passing it on — shows the
          // DATA arrived, so it also acknowledges our DATA hop; sent by anyone else, it ends our
          // custody of that attempt as a copy past the next hop does (rule `downstreamCopy`).
          if (f.next === this.n.id || !this.n.driving(now)) this.confirmAnyAttempt(f.dst, f.src, f.seq, f.tx, AckStatus.DELIVERED, now);
          this.downstreamCopy(identityKey("d", f.dst, f.src, f.seq, f.attempt), MAX_HOP_COUNT, now);
        }
        break;
      default:
        break;
    }
  }

  onHopAck(f: HopAckFrame, now: number): void {
    // The type it names, if any (§3.4): a refusal of a reply is not one of the DATA of the same
    // (src, dst, seq). A hop ACK naming none (from before the field) applies to all three.
    const named = f.acks === undefined ? undefined : groupOf(f.acks);
    if (named === undefined || named === "d") this.confirmAnyAttempt(f.src, f.dst, f.seq, f.tx, f.status, now);
    // An end-to-end ACK or locate answer is confirmed or refused the same way (rule `replyHopAck`,
    // §7.1), and a gateway confirms one it took onto the bridge so (nobody can overhear it there).
    for (const g of REPLY_GROUPS) if (named === undefined || named === g) this.confirmAnyAttempt(f.src, f.dst, f.seq, f.tx, f.status, now, g);
  }

  /** Hop ACKs name no attempt (nor does an end-to-end ACK its DATA's hop): confirm whichever attempt waits on `from`. */
  confirmAnyAttempt(src: NodeId, dst: NodeId, seq: number, from: NodeId, status: AckStatusCode, now: number, group = "d"): void {
    for (let a = 0; a <= 3; a++) if (this.confirm(identityKey(group, src, dst, seq, a), from, status, now)) return;
  }

  /** A hop ACK for the frame of type `acks` with this (src, dst, seq), naming a reply's type (rule `hopAckNamesReplies`, §3.4). */
  sendHopAck(to: NodeId, acks: HopAckedType, src: NodeId, dst: NodeId, seq: number, status: AckStatusCode, priority: PriorityLevel, now: number): void {
    const named = hopAckNamesReplies(acks);
    const bytes = encodeFrame({ type: FrameType.ACK, kind: "hop", tx: this.n.id, to, status, src, dst, seq, ...(named === undefined ? {} : { acks: named }) });
    const f: QueuedFrame<Tag> = {
      bytes,
      priority,
      kind: "control",
      isAck: true,
      notBefore: now,
      enqueuedAt: now,
      cw: 0,
      airtimeMs: this.n.airtime(bytes.length),
      tag: { kind: "plain" },
    };
    if (!this.n.queue.push(f)) this.n.stats.dropsQueueFull++;
  }

  /** A routed frame for someone else with us as next hop: relay it, or take back a bounce. */
  onRouted(f: DataFrame | E2eAckFrame | LocateAnswerFrame, now: number): void {
    const isData = f.type === FrameType.DATA;
    const key = routedKey(f);
    if (isData && f.bounced) {
      this.onBounce(f, key, now);
      return;
    }
    if (isData && this.wayRound(f, key)) {
      this.n.stats.waysRound++;
      this.sendHopAck(f.tx, f.type, f.src, f.dst, f.seq, AckStatus.NO_ROUTE, f.priority, now);
      return;
    }
    if (this.n.dedup.has(key, now)) {
      this.n.stats.rxDuplicates++;
      if (!isData) {
        // Rule `replyHopAck` (§7.1): we passed this ACK or answer on and the sender missed our forward.
        this.sendHopAck(f.tx, f.type, f.src, f.dst, f.seq, AckStatus.DELIVERED, f.priority, now);
        return;
      }
      // A frame we already handed back (no route worked) came round by another path: refuse
      // it so the sender keeps it and fails over. Otherwise the sender retried because our
      // forward (its implicit ACK) went unheard: confirm explicitly.
      const bounced = this.custody.get(key)?.bouncedAway === true && !this.awaiting.has(key);
      this.sendHopAck(f.tx, f.type, f.src, f.dst, f.seq, bounced ? AckStatus.NO_ROUTE : AckStatus.DELIVERED, f.priority, now);
      if (!bounced && f.type === FrameType.DATA) loopTakesTable(this, f, key, now);
      return;
    }
    if (f.ttl <= 1) {
      this.n.stats.dropsTtl++;
      // Every routed frame, a reply too (rule `replyHopAck`, §7.1): its sender stops retrying a frame
      // that cannot go further, instead of spending every attempt's timeout on us.
      this.sendHopAck(f.tx, f.type, f.src, f.dst, f.seq, AckStatus.TTL_EXPIRED, f.priority, now);
      return;
    }
    const exclude = new Set<NodeId>([f.tx]);
    if (this.routeOptions(f.dst, f.dstCluster, now, exclude).length === 0 && (!takesShortcut(f.type) || this.shortcut(f.dst, exclude, false, now) === undefined) && !this.bridgeReaches(f.dst, f.dstCluster, now, f.type === FrameType.ACK ? f : undefined) && !this.hasReverseHop(f, now)) {
      // Refuse rather than accept a frame we cannot pass on: the sender fails over at once.
      this.n.stats.refusedNoRoute++;
      this.n.seqreq.onNoRoute(f.dst, f.dstCluster, now); // starved? ask for a newer seqno (§5.6)
      // Every routed frame, an ACK or answer too (rule `replyHopAck`, §7.1): the sender fails over at once.
      this.sendHopAck(f.tx, f.type, f.src, f.dst, f.seq, AckStatus.NO_ROUTE, f.priority, now);
      return;
    }
    if (!this.n.queue.hasRoomFor(isData ? "data" : "control")) {
      this.n.stats.dropsQueueFull++; // no confirmation: the sender keeps the frame and fails over
      return;
    }
    this.n.dedup.add(key, now);
    this.n.stats.relayed++;
    const u = this.newUnicast({
      ...relayedFields(f),
      originated: false,
      prevHop: f.tx,
      ttl: f.ttl - 1,
      hops: nextHopCount(f.hops),
      tried: exclude,
    });
    this.dispatch(u, now, false);
  }

  /** Rule `wayRoundRefused` (§14; came-round.ts). */
  wayRound(f: DataFrame, key: string): boolean {
    return this.n.config.wayRoundRefused && wayCameRound(f.hops, f.wayHop === true, this.awaiting.get(key)?.u, this.custody.get(key));
  }

  /** Whether an ACK or locate answer without a route could still go back the way its DATA or query came. */
  hasReverseHop(f: DataFrame | E2eAckFrame | LocateAnswerFrame, now: number): boolean {
    const probe = { ftype: f.type, src: f.src, dst: f.dst, seq: f.seq, originated: false, prevHop: f.tx } as Unicast;
    const back = this.reverseHopFor(probe, now);
    return back !== undefined && back !== f.tx;
  }

  /** A frame we handed on came back: try our remaining routes, or hand it further back (§7.3). */
  onBounce(f: DataFrame, key: string, now: number): void {
    this.sendHopAck(f.tx, f.type, f.src, f.dst, f.seq, AckStatus.DELIVERED, f.priority, now);
    const c = this.custody.get(key);
    if (c !== undefined) this.custody.delete(key);
    // A bounce we already took back (its hop ACK was lost) must not be processed twice.
    if (this.awaiting.has(key) || this.n.queue.find((q) => q.tag.kind === "unicast" && keyOf(q.tag.u) === key)) {
      return;
    }
    this.n.dedup.add(key, now);
    const tried = new Set<NodeId>(c?.tried ?? []);
    tried.add(f.tx);
    // The neighbour that handed it back has no way to the destination.
    for (const [kind, key] of [["node", f.dst], ["cluster", f.dstCluster]] as const) {
      const entry = this.n.routes.get(kind, key)?.entries.find((e) => e.neighbour === f.tx);
      if (entry !== undefined) this.routeFailedFor({ kind, key, entry }, now);
    }
    const originated = c?.originated ?? f.src === this.n.id;
    const u = this.newUnicast({
      ftype: FrameType.DATA,
      src: f.src,
      dst: f.dst,
      seq: f.seq,
      priority: f.priority,
      dstCluster: f.dstCluster,
      wantAck: f.wantAck,
      payload: f.payload,
      originated,
      prevHop: originated ? undefined : c?.prevHop,
      ttl: Math.max(1, f.ttl - 1),
      hops: nextHopCount(f.hops),
      tried,
      attempt: f.attempt,
    });
    this.dispatch(u, now, true);
  }

  /**
   * Rule `handBackSpent` (§7.3): a relayed frame whose hand-back found no taker is dropped, not
   * handed back again. Its custody stays, marked as handed back, so a later copy of the same
   * attempt (the previous hop's retry, or one come round another way) is refused with NO_ROUTE and
   * its sender fails over, rather than confirmed as a duplicate and lost here.
   */
  dropHandedBack(u: Unicast, now: number): void {
    this.remember(u, now, true);
    this.n.stats.handBacksLost++;
    this.n.log(now, "warn", `dropped frame ${formatNodeId(u.src)}→${formatNodeId(u.dst)} #${u.seq}: handed back to ${formatNodeId(u.prevHop ?? 0)}, unconfirmed`);
  }

  /** A next hop lost a frame it took for relaying: less of everything goes through it (§7.5). */
  distrustHop(id: NodeId, now: number): void {
    this.n.trust.failure(id, now);
    this.n.stats.trustFailures++;
  }
}
