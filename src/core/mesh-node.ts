// The System 5 node: a sans-I/O state machine implementing the Station contract (station.ts), a
// thin façade that takes frames, timers and sends and dispatches them to the node's concerns —
// forwarding and custody (forwarding.ts), the end-to-end wait and delivery (end-to-end.ts),
// floods and broadcasts (flooding.ts), the location service (location-service.ts), OGMs
// (ogm-plane.ts) and relay duty (relay-duty.ts) — over the state they share (node-state.ts).
// docs/protocol.md is the specification.
import type { DestKind } from "./route-table";
import type { GeoPoint } from "./geohash";
import type { Neighbour } from "./neighbour-table";
import type { QueuedFrame } from "./tx-queue";
import { BROADCAST, formatNodeId, isPriority, isUnicastId, type NodeId, type PriorityLevel, type RxMeta, type SendOptions, type SendResult, type Station, type StationEvent, type TxFrame } from "./station";
import { FloodScope, FrameType, MAX_BCAST_PAYLOAD, MAX_FRAME_BYTES, MAX_UNICAST_PAYLOAD, METRIC_INFINITY } from "./frames";
import { Flooding } from "./flooding";
import { Forwarding } from "./forwarding";
import { EndToEnd } from "./end-to-end";
import { LocationService } from "./location-service";
import { ANSWER_HOLD_SLOTS, MAX_BUSY_CW, NodeState, TYPE_NAMES, keyOf, type MeshStats, type Tag } from "./node-state";
import { OgmPlane } from "./ogm-plane";
import { RelayDuty } from "./relay-duty";
import { SeqnoRequests } from "./seqno-request";
import { airtimeMs, type LoRaModulation } from "./airtime";
import { channelCongestion, gateRefusal, networkHealth } from "./qos";
import { consensusCluster, metresBetween } from "./position";
import { decodeFrame } from "./codec";
import { hopCountAtLimit } from "./hop-count";
import { randInt, type Rng } from "./rng";
import { relayPriority } from "./silencing";
import { resolveConfig, type MeshConfig } from "./config";
import { modemDefaults } from "./slow-modem";
import { heardNeighbours } from "./heard-send";
import { type ClusterId, clusterHolds, clusterOf, formatCluster, NO_CLUSTER } from "./cluster";
import { type BridgeStats, GatewayRole } from "./bridge/gateway-role";
import type { BcastFrame } from "./frames";

export type { MeshStats } from "./node-state";

/** A node that moved this far within `movingMs` counts as moving (§15). */
const MOVED_METRES = 100;
/**
 * Rule `plausibleStep` (§4): the fastest a node is taken to travel, m/s (70 m/s = 252 km/h, above
 * any road vehicle). A step between fixes longer than this speed allows is a GPS glitch (a wild
 * fix, or the 0,0 some modules send): the odometer re-anchors there without counting it.
 */
export const MAX_PLAUSIBLE_SPEED_MPS = 70;

export interface MeshNodeOptions {
  readonly id: NodeId;
  readonly rng: Rng;
  /** Boot time on the driver's clock, ms. */
  readonly now: number;
  /** Modem parameters of the network (airtime, slot time). */
  readonly modem: LoRaModulation;
  /** Duty cycle of the node's sub-band, 0..1; 1 = no limit (default). */
  readonly dutyCycle?: number;
  readonly config?: Partial<MeshConfig>;
  /** Current GPS position; undefined = no fix. */
  readonly position?: GeoPoint;
  /** Battery level 0..1; undefined = external power. */
  readonly battery?: number;
}

/** One neighbour as the console shows it. */
export interface NeighbourInfo {
  readonly id: NodeId;
  readonly rq: number;
  readonly tq: number;
  readonly q: number;
  readonly usable: boolean;
  readonly cluster: ClusterId;
  readonly rssi: number;
  readonly snr: number;
  readonly battery: number;
  readonly load: number;
  /** When this neighbour was last heard, ms (the node's clock). */
  readonly lastHeardAt: number;
}

/** One destination's routes as the console shows them. */
export interface RouteInfo {
  readonly kind: DestKind;
  readonly destination: NodeId | ClusterId;
  readonly routes: ReadonlyArray<{ readonly via: NodeId; readonly metric: number; readonly health: number }>;
}

export class MeshNode implements Station {
  readonly id: NodeId;
  readonly config: MeshConfig;
  readonly #s: NodeState;
  #inFlight: QueuedFrame<Tag> | undefined;

  constructor(options: MeshNodeOptions) {
    if (!isUnicastId(options.id)) throw new RangeError(`node id ${options.id} is not a unicast id (1..0xFFFFFFFE)`);
    this.id = options.id;
    this.config = resolveConfig(modemDefaults(options.modem, options.config));
    const s = new NodeState(this.id, this.config, options);
    this.#s = s;
    s.fwd = new Forwarding(s);
    s.e2e = new EndToEnd(s);
    s.flood = new Flooding(s);
    s.loc = new LocationService(s);
    s.ogm = new OgmPlane(s);
    s.duty = new RelayDuty(s);
    s.seqreq = new SeqnoRequests(s);
    if (this.config.gateway) s.bridge = new GatewayRole(s);
    s.ogm.ogmSeq = randInt(s.rng, 0x10000);
    s.ogm.routeSeq = randInt(s.rng, 0x10000);
    s.duty.relayRandom = randInt(s.rng, 8);
    s.duty.relayPrio = relayPriority(s.battery, 0, s.duty.relayRandom);
    s.duty.nextRotationAt = options.now + this.config.silenceRotationMs;
    s.loc.qid = randInt(s.rng, 0x10000);
    // A position given at boot is the first fix: it anchors the odometer (the first setPosition
    // step then counts) and is checked like any other.
    if (this.#acceptFix(options.now, options.position)) this.#setPosition(options.position);
    // First OGM soon after boot, spread over one slot-scaled second so a mesh powered on at
    // once does not transmit in lockstep.
    s.ogm.nextOgmAt = options.now + s.rng.next() * Math.min(s.ogm.intervalMs, 5_000);
    s.nextSweepAt = options.now + s.sweepPeriod();
  }

  // ---------------------------------------------------------------------------------------------
  // Public surface beyond Station: position, battery, inspection.

  get cluster(): ClusterId {
    return this.#s.cluster;
  }

  get stats(): Readonly<MeshStats> {
    return this.#s.stats;
  }

  /** The internet bridge (docs/protocol.md "Bridge"): on a node configured as a gateway only. */
  get bridge(): GatewayRole | undefined {
    return this.#s.bridge;
  }

  /** What the gateway role counted (undefined on a node that is no gateway). */
  get bridgeStats(): Readonly<BridgeStats> | undefined {
    return this.#s.bridge?.stats;
  }

  /** Current OGM interval, ms (before jitter). */
  get ogmIntervalMs(): number {
    return this.#s.ogm.intervalMs;
  }

  /** Share of the duty budget in use at `now`. */
  dutyUtilisation(now: number): number {
    return this.#s.ledger.utilisation(now);
  }

  /** Updates the GPS position (undefined = fix lost). */
  setPosition(now: number, position: GeoPoint | undefined): void {
    const before = this.#s.cluster;
    if (!this.#acceptFix(now, position)) return;
    this.#setPosition(position);
    if (this.#s.cluster !== before) {
      this.#s.log(now, "info", `cluster ${formatCluster(before)} → ${formatCluster(this.#s.cluster)}`);
      this.#s.routes.keepNodeRoutesAsForeign();
      this.#s.ogm.triggerOgm(now, "own", this.#s.cluster);
    }
  }

  /** How far this node has travelled by its odometer, m (rules linkOutrun and plausibleStep, §4). */
  get travelledM(): number {
    return this.#s.nbrs.travelledM;
  }

  /** Whether this node counts as driving (DRIVING_MPS, rule `netSpeed`, §14). */
  driving(now: number): boolean {
    return this.#s.driving(now);
  }

  /** Battery level 0..1, or undefined for external power. */
  setBattery(level: number | undefined): void {
    this.#s.battery = level === undefined ? -1 : Math.min(1, Math.max(0, level));
  }

  neighbours(now: number): NeighbourInfo[] {
    const out: NeighbourInfo[] = [];
    for (const n of this.#s.nbrs.values()) {
      const rq = this.#s.nbrs.rq(n, now);
      const tq = this.#s.nbrs.tq(n, now);
      out.push({
        id: n.id,
        rq,
        tq,
        q: rq * tq,
        usable: this.#s.nbrs.usable(n, now),
        cluster: n.cluster,
        rssi: n.rssi,
        snr: n.snr,
        battery: n.battery,
        load: n.load,
        lastHeardAt: n.window.lastHeardAt,
      });
    }
    return out.sort((a, b) => a.id - b.id);
  }

  routeTable(now: number): RouteInfo[] {
    const out: RouteInfo[] = [];
    for (const kind of ["node", "cluster"] as const) {
      for (const d of this.#s.routes.destinations(kind)) {
        const routes = this.#s.routes
          .selected(d, now)
          .map((r) => ({ via: r.entry.neighbour, metric: r.metric, health: r.entry.health.value(now, this.config) }));
        if (routes.length > 0) out.push({ kind, destination: d.key, routes });
      }
    }
    return out;
  }

  /** How far this node trusts a neighbour to carry frames on, 0..1 (§7.5), and whether it ignores its advertisements. */
  trustOf(id: NodeId, now: number): { readonly trust: number; readonly distrusted: boolean } {
    return { trust: this.#s.trust.value(id, now), distrusted: this.#s.trust.distrusted(id, now) };
  }

  /** Usable next hops toward a node right now (for tests and the console). */
  nextHopsTo(dst: NodeId, now: number): NodeId[] {
    return this.#s.fwd.routeOptions(dst, this.#s.dstClusterFor(dst, now), now, new Set()).map((o) => o.route.entry.neighbour);
  }

  /** Whether this node has at least one usable route to `dst` (or is it), as far as it knows where `dst` is. */
  hasRouteTo(dst: NodeId, now: number): boolean {
    return dst === this.id || this.nextHopsTo(dst, now).length > 0;
  }

  /**
   * Whether the routing tables hold a way to `dst` in `dstCluster`: a node route, or a route to
   * its cluster. Unlike hasRouteTo it does not depend on this node knowing where `dst` is.
   */
  canReach(dst: NodeId, dstCluster: ClusterId, now: number): boolean {
    return dst === this.id || this.#s.fwd.routeOptions(dst, dstCluster, now, new Set()).length > 0 || this.#s.fwd.bridgeReaches(dst, dstCluster, now);
  }

  // ---------------------------------------------------------------------------------------------
  // Station: send

  usableNeighbour(id: NodeId, now: number): boolean {
    const n = this.#s.nbrs.get(id);
    return n !== undefined && this.#s.nbrs.usable(n, now);
  }

  /** SendOptions.oneHop: DATA to a usable neighbour as one confirmed hop (TTL 1), no other route, no flood. */
  #sendOneHop(now: number, dst: NodeId, payload: Uint8Array, priority: PriorityLevel): SendResult {
    if (!this.usableNeighbour(dst, now)) return { ok: false, code: "no-route", reason: `${formatNodeId(dst)} is not a usable neighbour` };
    const seq = this.#s.seqOut.next(dst);
    const u = this.#s.fwd.newUnicast({
      ftype: FrameType.DATA, src: this.id, dst, seq, priority, dstCluster: NO_CLUSTER, payload: payload.slice(),
      originated: true, prevHop: undefined, ttl: 1, hops: 0, forcedNextHop: dst, oneHop: true,
    });
    this.#s.dedup.add(keyOf(u), now);
    this.#s.stats.originated++;
    this.#s.fwd.dispatch(u, now, false);
    return { ok: true, seq };
  }

  send(now: number, dst: NodeId, payload: Uint8Array, options: SendOptions = {}): SendResult {
    const priority = options.priority ?? 3;
    if (!isPriority(priority)) return { ok: false, code: "bad-priority", reason: `priority ${String(priority)} is not P0..P7` };
    if (dst === this.id) return { ok: false, code: "bad-destination", reason: "cannot send to this node itself" };
    if (dst !== BROADCAST && !isUnicastId(dst)) return { ok: false, code: "bad-destination", reason: `${dst} is not a node id` };
    const max = (dst === BROADCAST ? MAX_BCAST_PAYLOAD : MAX_UNICAST_PAYLOAD) - this.config.frameOverheadBytes;
    if (payload.length > max) return { ok: false, code: "too-large", reason: `payload of ${payload.length} bytes exceeds ${max}` };
    if (!this.#s.queue.hasRoomFor("data")) {
      return { ok: false, code: "queue-full", reason: `transmit queue full (${this.#s.queue.capacity} frames)` };
    }
    const alone = this.#s.nbrs.usableList(now).length === 0 && heardNeighbours(this.#s.nbrs, now, this.config.heardNeighbourSend).length === 0;
    // Rule `keyAnswerWayPasses` (§14): a key answer with no neighbour usable yet goes back the way
    // the asker's flood just came (its hop was heard); the gate's health 0 says no neighbourhood, not congestion.
    const wayPasses = alone && options.wayBack === true && this.config.keyAnswerWayPasses && dst !== BROADCAST && this.#s.fwd.wayBack.to(dst, now, undefined, true) !== undefined;
    if (alone && !wayPasses) {
      return { ok: false, code: "no-route", reason: "no neighbour heard yet: nothing to send through" };
    }
    const refusal = wayPasses ? undefined : gateRefusal(priority, this.health(now), this.config);
    if (refusal !== undefined) {
      this.#s.stats.qosRefusals++;
      return { ok: false, code: "qos-gate", reason: refusal };
    }
    if (dst === BROADCAST) return this.#broadcast(now, payload, priority, options.scope ?? this.config.broadcastScope);
    if (options.oneHop === true) return this.#sendOneHop(now, dst, payload, priority);

    const dstCluster = this.#s.dstClusterFor(dst, now);
    const routable = this.#s.fwd.routeOptions(dst, dstCluster, now, new Set()).length > 0 || this.#s.fwd.bridgeReaches(dst, dstCluster, now) || this.#s.fwd.wayBack.to(dst, now, undefined, options.wayBack === true) !== undefined;
    const homeless = this.#s.cluster === NO_CLUSTER;
    if (!routable && !homeless && dstCluster === NO_CLUSTER && !this.#s.loc.lookups.canAccept(dst)) {
      return { ok: false, code: "queue-full", reason: `too many destinations being located; try ${formatNodeId(dst)} later` };
    }
    const seq = this.#s.seqOut.next(dst);
    const u = this.#s.fwd.newUnicast({
      ftype: FrameType.DATA,
      src: this.id,
      dst,
      seq,
      priority,
      dstCluster,
      wantAck: options.wantAck === true,
      payload: payload.slice(),
      wayBack: options.wayBack === true,
      originated: true,
      prevHop: undefined,
      ttl: this.config.dataTtl,
      hops: 0,
    });
    this.#s.dedup.add(keyOf(u), now);
    this.#s.stats.originated++;
    if (u.wantAck) this.#s.e2e.awaitE2e(u, now);
    if (homeless && !routable) {
      // No cluster and no route: a local flood; the first node with a route takes it over (§17).
      this.#s.flood.sendFlood(u, FloodScope.LOCAL, now);
    } else if (routable) {
      this.#s.fwd.dispatch(u, now, false);
    } else if (dstCluster !== NO_CLUSTER) {
      // We know where it is but have no route there: the corridor flood (§14).
      this.#s.fwd.exhausted(u, now);
    } else {
      this.#s.loc.locate(u, now);
    }
    return { ok: true, seq };
  }

  #broadcast(now: number, payload: Uint8Array, priority: PriorityLevel, scope: number): SendResult {
    const r = this.#s.flood.sendBroadcast(now, payload, priority, scope);
    const b = this.#s.bridge;
    if (r.ok && b !== undefined) {
      const f: BcastFrame = { type: FrameType.BCAST, tx: this.id, ttl: this.config.broadcastHopCap, hops: 0, priority, scope, src: this.id, seq: r.seq, originCluster: this.#s.cluster, payload };
      b.onLocalBroadcast(f, now);
    }
    return r;
  }

  /**
   * Network Health Score (§11): the congestion this node measures (channel busy share, queue),
   * batteries, and the share of its neighbourhood still there: the neighbours usable now, and
   * those that left the table (fell silent) within the memory window.
   */
  health(now: number): number {
    const usable: boolean[] = [];
    const batteries: number[] = [this.#s.battery < 0 ? 1 : this.#s.battery];
    for (const n of this.#s.nbrs.values()) {
      if (!this.#s.nbrs.usable(n, now)) continue;
      usable.push(true);
      batteries.push(n.battery < 0 ? 1 : n.battery);
    }
    // Rule `heardNeighbourSend`: with none usable yet, the neighbours heard stand in for them.
    if (usable.length === 0) {
      for (const n of heardNeighbours(this.#s.nbrs, now, this.config.heardNeighbourSend)) {
        usable.push(true);
        batteries.push(n.battery < 0 ? 1 : n.battery);
      }
    }
    // Rule `drivingHealth` (§11): neighbours lost while we drove are not in `lost` (#sweep).
    for (const [id, at] of this.#s.lost) {
      if (now - at > this.config.nhsMemoryMs || this.#s.nbrs.get(id) !== undefined) {
        this.#s.lost.delete(id);
        continue;
      }
      usable.push(false);
    }
    const congestion = channelCongestion(this.#s.channel.busyShare(now), this.#s.queue.occupancy);
    return networkHealth({ congestion, usable, batteries });
  }

  /** Whether this node currently mutes flood and broadcast relaying (§12). */
  get muted(): boolean {
    return this.#s.duty.muted;
  }

  /** Whether this node has no cluster (no fix and no neighbour consensus, §17). */
  get homeless(): boolean {
    return this.#s.cluster === NO_CLUSTER;
  }

  /** Relay priority of the current rotation epoch (§12). */
  get relayPrio(): number {
    return this.#s.duty.relayPrio;
  }

  /** The cluster this node's location cache holds for `id`, if any. */
  locationOf(id: NodeId, now: number): ClusterId | undefined {
    return this.#s.locations.lookup(id, now)?.cluster;
  }

  // ---------------------------------------------------------------------------------------------
  // Station: receive

  receive(bytes: Uint8Array, meta: RxMeta): void {
    const now = meta.at;
    this.#s.stats.rxFrames++;
    const decoded = decodeFrame(bytes);
    // Every frame on the air is channel time, decodable or not (§8.1).
    this.#s.channel.record(now, this.#s.airtime(Math.min(bytes.length, MAX_FRAME_BYTES - this.config.frameOverheadBytes)), decoded.ok && decoded.frame.type === FrameType.OGM);
    if (!decoded.ok) {
      this.#s.stats.rxMalformed++;
      this.#s.stats.rxMalformedByCode[decoded.error.code] = (this.#s.stats.rxMalformedByCode[decoded.error.code] ?? 0) + 1;
      return;
    }
    const f = decoded.frame;
    if (f.tx === this.id) return; // our own frame echoed by a repeater or a test channel
    if ("hops" in f && hopCountAtLimit(f.hops)) {
      this.#s.stats.rxImplausible++;
      return;
    }
    this.#s.rxSnr = meta.snr;
    // Any frame a neighbour sends shows its link to us is alive (§4).
    this.#s.nbrs.heardFrame(f.tx, now, meta.snr);
    this.#s.flood.reach.heardFrom(f.tx, meta.snr, now);
    this.#s.fwd.overheard(f, now);
    this.#s.flood.handover.overheard(f, now);
    switch (f.type) {
      case FrameType.OGM:
        this.#s.ogm.onOgm(f, meta);
        break;
      case FrameType.DATA:
        if (f.next === this.id) {
          if (!f.bounced) this.#s.fwd.wayBack.learn(f.src, f.tx, now, false);
          if (f.dst === this.id) this.#s.e2e.onDataForMe(f, now);
          else this.#s.fwd.onRouted(f, now);
        } else if (f.dst === this.id && this.config.overheardDelivery && this.#s.drivingLink(f.tx, now)) this.#s.e2e.onDataOverheard(f, now);
        break;
      case FrameType.ACK:
        if (f.kind === "hop") {
          if (f.to === this.id) {
            this.#s.fwd.onHopAck(f, now);
            if (this.config.overheardAck) this.#s.e2e.onDestinationHopAck(f, now);
          }
        } else if (f.next === this.id) {
          if (f.dst === this.id) this.#s.e2e.onAckForMe(f, now);
          else this.#s.fwd.onRouted(f, now);
        } else if (f.dst === this.id && this.config.overheardAck) this.#s.e2e.onAckOverheard(f, now);
        break;
      case FrameType.LOCATE_A:
        this.#s.loc.answerHeard(f, now);
        if (f.next === this.id) {
          if (f.dst === this.id) this.#s.loc.onLocateAnswer(f, now);
          else this.#s.fwd.onRouted(f, now);
        }
        break;
      case FrameType.LOCATE_Q:
        this.#s.loc.onLocateQuery(f, now);
        this.#s.bridge?.onLocalLocateQuery(f, now);
        break;
      case FrameType.FLOOD:
        this.#s.flood.onFlood(f, now);
        break;
      case FrameType.BCAST:
        this.#s.flood.onBroadcast(f, now);
        this.#s.bridge?.onLocalBroadcast(f, now);
        break;
      case FrameType.SEQREQ:
        this.#s.seqreq.onRequest(f, now);
        break;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Station: timers and transmission

  tick(now: number): void {
    // Confirmation deadlines.
    if (this.#s.fwd.awaiting.size > 0) {
      for (const [key, w] of this.#s.fwd.awaiting) {
        if (w.deadline <= now) {
          this.#s.fwd.awaiting.delete(key);
          this.#s.fwd.onTimeout(w, now);
        }
      }
    }
    if (now >= this.#s.nextSweepAt) this.#sweep(now);
    if (this.#s.loc.lookups.size > 0) this.#s.loc.widenLookups(now);
    if (this.#s.e2e.pending.size > 0) this.#s.e2e.e2eDeadlines(now);
    if (now >= this.#s.ogm.nextOgmAt) this.#s.ogm.queueOgm(now);
    if (this.#s.flood.watches.size > 0) this.#s.flood.backups(now);
    if (this.#s.flood.handover.size > 0) this.#s.flood.handover.due(now);
  }

  nextWakeup(): number {
    let t = Math.min(this.#s.ogm.nextOgmAt, this.#s.nextSweepAt, this.#s.loc.lookups.earliestDeadline(), this.#s.flood.nextBackupAt(), this.#s.flood.handover.nextAt());
    for (const p of this.#s.e2e.pending.values()) if (p.deadline < t) t = p.deadline;
    for (const w of this.#s.fwd.awaiting.values()) if (w.deadline < t) t = w.deadline;
    if (this.#inFlight === undefined) t = Math.min(t, Math.max(this.#s.queue.earliest(), this.#s.answerHoldUntil));
    if (this.#s.bridge !== undefined) t = Math.min(t, this.#s.bridge.nextWakeup());
    return t;
  }

  pollTransmit(now: number): TxFrame | undefined {
    if (this.#inFlight !== undefined || now < this.#s.answerHoldUntil) return undefined;
    const f = this.#s.queue.take(
      now,
      (q) => this.#s.ledger.allows(now, q.airtimeMs, q.priority),
      (q) => {
        this.#s.stats.dutyDeferrals++;
        const at = this.#s.ledger.earliestStart(now, q.airtimeMs, q.priority);
        q.notBefore = Number.isFinite(at) ? Math.max(at, now + 1) : now + this.#s.ledger.windowMs;
      },
    );
    if (f === undefined) return undefined;
    if (f.tag.kind === "relay") {
      // A broadcast relay names its forwarders as it goes on the air (§15 *Reached*).
      f.bytes = this.#s.flood.relayBytes(f.tag.key, f.bytes, now);
      f.airtimeMs = this.#s.airtime(f.bytes.length);
    }
    this.#inFlight = f;
    return { bytes: f.bytes, priority: f.priority, kind: f.accountAs ?? f.kind };
  }

  foreignFrameStart(now: number, onAirBytes: number, priority: PriorityLevel): number {
    return this.#s.ledger.earliestStart(now, airtimeMs(this.#s.modem, onAirBytes), priority);
  }

  lookupsRun(): boolean {
    return this.#s.loc.lookupsRun();
  }

  foreignFrameSent(end: number, onAirBytes: number): void {
    const air = airtimeMs(this.#s.modem, onAirBytes);
    this.#s.ledger.record(end - air, air);
    this.#s.stats.txAirtimeMs += air;
  }

  transmitDone(now: number, outcome: "sent" | "busy"): void {
    const f = this.#inFlight;
    this.#inFlight = undefined;
    if (f === undefined) return;
    if (f.cw === 0) this.#s.channel.noteCarrierSense(outcome === "busy", now);
    if (outcome === "busy") {
      this.#s.stats.channelBusy++;
      f.cw = Math.min(MAX_BUSY_CW, f.cw + 1);
      f.notBefore = now + (1 + randInt(this.#s.rng, 2 ** f.cw)) * this.#s.slotMs;
      this.#s.queue.push(f, true);
      return;
    }
    this.#s.ledger.record(now - f.airtimeMs, f.airtimeMs);
    this.#s.channel.record(now, f.airtimeMs, f.tag.kind === "ogm");
    this.#s.stats.txFrames++;
    this.#s.stats.txAirtimeMs += f.airtimeMs;
    const name = TYPE_NAMES[f.bytes[0] & 15] ?? "?";
    this.#s.stats.txByType[name] = (this.#s.stats.txByType[name] ?? 0) + 1;
    const tag = f.tag;
    this.#s.flood.sent(f.bytes, tag.kind === "relay" ? tag.key : undefined, now);
    if (tag.kind === "relay") this.#s.flood.pendingRelays.delete(tag.key);
    if (tag.kind === "unicast") {
      const u = tag.u;
      if (this.#s.fwd.needsConfirmation(u)) {
        this.#s.fwd.awaiting.set(keyOf(u), {
          u,
          nextHop: u.nextHop,
          deadline: now + this.#s.fwd.ackTimeout(f, u.nextHop),
          sentAt: now,
        });
        this.#s.answerHoldUntil = now + ANSWER_HOLD_SLOTS * this.#s.slotMs;
      } else {
        this.#s.fwd.handedOn(u, now);
      }
    }
  }

  drainEvents(): StationEvent[] {
    const out = this.#s.events;
    this.#s.events = [];
    return out;
  }

  /**
   * Takes in a GPS fix (undefined = fix lost): false when it is not a position at all. A position
   * from anywhere (a GPS module, the console, a host, the boot settings) is input like a frame: one
   * that is not a number is dropped with a warning, the last good one kept. Otherwise the
   * odometer moves (rules linkOutrun and plausibleStep, §4).
   */
  #acceptFix(now: number, position: GeoPoint | undefined): boolean {
    const s = this.#s;
    if (position === undefined) return true;
    if (!(Number.isFinite(position.lat) && Number.isFinite(position.lon))) {
      s.log(now, "warn", `position ${position.lat}, ${position.lon} ignored: not finite`);
      return false;
    }
    const step = s.movedFrom === undefined ? 0 : metresBetween(s.movedFrom, position);
    if (s.movedFrom === undefined || step > MOVED_METRES) {
      // The anchor may trail the previous fix by up to MOVED_METRES, hence the slack.
      const plausible = MAX_PLAUSIBLE_SPEED_MPS * Math.max(0, now - s.lastFixAt) / 1000 + MOVED_METRES;
      if (s.movedFrom !== undefined && step <= plausible) {
        s.speedMps = s.speedTrail.step(position, now);
        s.movedAt = now;
        // The odometer counts in steps of MOVED_METRES, so GPS jitter does not add up (linkOutrun,
        // §4), and only steps a vehicle could make (plausibleStep, §4).
        s.nbrs.travelledM += step;
      }
      else s.speedTrail.restart(position, now);
      s.movedFrom = position;
    }
    s.lastFixAt = now;
    return true;
  }

  #setPosition(position: GeoPoint | undefined): void {
    this.#s.position = position;
    if (position === undefined) {
      this.#s.cluster = NO_CLUSTER;
      return;
    }
    // Membership with hysteresis (§2): a node near its cell's border keeps its cluster.
    const { lat, lon } = position;
    if (this.#s.cluster !== NO_CLUSTER && clusterHolds(this.#s.cluster, lat, lon, this.config.clusterHysteresis)) return;
    this.#s.cluster = clusterOf(lat, lon, this.config.geohashPrecision);
  }

  #sweep(now: number): void {
    this.#s.nextSweepAt = now + this.#s.sweepPeriod();
    const { lost, changes, droveOff } = this.#s.nbrs.expire(now);
    for (const id of lost) {
      this.#s.routes.dropNeighbour(id);
      // Rule `drivingHealth` (§11): a neighbour that drove off, or one we drove away from, did not
      // fail. Decided when the neighbour is lost (review: decided when health was read, the
      // neighbours left behind counted again once the car parked, and a failure just before it
      // set off was hidden).
      if (!droveOff.includes(id) && !this.#s.driving(now)) this.#s.lost.set(id, now);
    }
    if (now >= this.#s.duty.nextRotationAt) {
      // A new silencing epoch: a fresh random part of our relay priority (§12).
      this.#s.duty.relayRandom = randInt(this.#s.rng, 8);
      this.#s.duty.nextRotationAt = now + this.config.silenceRotationMs;
    }
    if (this.#s.position === undefined) this.#adoptCluster(now);
    for (const c of changes) {
      this.#s.events.push({ type: c.up ? "neighbour-up" : "neighbour-down", at: now, neighbour: c.id });
    }
    this.#s.ogm.routeChanges(this.#s.routes.refresh(now), now);
    for (const [k, c] of this.#s.fwd.custody) if (c.until < now) this.#s.fwd.custody.delete(k);
    this.#s.fwd.wayBack.expire(now);
  }

  /** Without a fix: the neighbours' consensus cluster, or homeless (§17). */
  #adoptCluster(now: number): void {
    const reported: ClusterId[] = [];
    for (const n of this.#s.nbrs.values()) if (!n.homeless && this.#s.nbrs.usable(n, now)) reported.push(n.cluster);
    const c = consensusCluster(reported, this.config.consensusShare, this.config.consensusMin).cluster;
    if (c === this.#s.cluster) return;
    this.#s.log(now, "info", `no GPS fix: cluster ${formatCluster(this.#s.cluster)} → ${formatCluster(c)} (${reported.length} neighbours reporting)`);
    this.#s.cluster = c;
    this.#s.routes.keepNodeRoutesAsForeign();
    this.#s.ogm.triggerOgm(now, "own", c);
  }

  /** For tests: the advertised metric we would send for a node destination now. */
  advertisedMetric(dst: NodeId, now: number): number {
    const d = this.#s.routes.get("node", dst);
    return d === undefined ? METRIC_INFINITY : (this.#s.routes.advertisement(d, now, this.#s.ogm.routeSeq)?.metric ?? METRIC_INFINITY);
  }

  /** For tests and the console: a neighbour record. */
  neighbour(id: NodeId): Neighbour | undefined {
    return this.#s.nbrs.get(id);
  }
}
