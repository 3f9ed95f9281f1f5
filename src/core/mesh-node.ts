// The System 5 node engine: a sans-I/O state machine implementing the Station contract
// (station.ts). It composes link sensing, the distance-vector route table, route choice,
// reinforcement and failover, OGM scheduling, the transmit queue and the duty-cycle ledger.
// docs/protocol.md is the specification; section numbers below refer to it.
import { airtimeMs, type LoRaModulation } from "./airtime";
import { clusterContains, clusterDistance, clusterOf, clusterParent, clusterPrecision, formatCluster, NO_CLUSTER, type ClusterId } from "./cluster";
import { decodeFrame, encodeFrame } from "./codec";
import { resolveConfig, type MeshConfig } from "./config";
import { DedupCache } from "./dedup";
import { DutyLedger } from "./duty-ledger";
import {
  AckStatus,
  FloodScope,
  FrameType,
  LOCATE_A_BYTES,
  LOCATE_Q_BYTES,
  MAX_BCAST_PAYLOAD,
  MAX_FRAME_BYTES,
  MAX_UNICAST_PAYLOAD,
  METRIC_INFINITY,
  OGM_INTERVAL_UNIT_MS,
  ROUTED_HEADER_BYTES,
  shortId,
  type AckStatusCode,
  type BcastFrame,
  type DataFrame,
  type E2eAckFrame,
  type FloodFrame,
  type FloodScopeKind,
  type Frame,
  type HopAckFrame,
  type LocateAnswerFrame,
  type LocateQueryFrame,
  type OgmFrame,
} from "./frames";
import type { GeoPoint } from "./geohash";
import { qualityToByte } from "./link-quality";
import { Lookups, type Lookup } from "./locate";
import { LocationCache } from "./location-cache";
import { NeighbourTable, type Neighbour } from "./neighbour-table";
import { selectOgmItems, type OgmItem } from "./ogm-builder";
import { jitter, ogmInterval } from "./ogm-schedule";
import { consensusCluster } from "./position";
import { slotTimeMs, SNR_LIMIT_DB } from "./presets";
import { gateRefusal, networkHealth } from "./qos";
import { randInt, type Rng } from "./rng";
import { chooseRoute, type RouteOption } from "./route-choice";
import { RouteTable, type DestKind, type Destination, type RouteChange, type RouteEntry } from "./route-table";
import { inBroadcastScope, inCorridor, inLocateScope } from "./scope";
import { SeqReceiver, SeqSender } from "./seq-tracker";
import { mayMute, relayPriority } from "./silencing";
import {
  BROADCAST,
  formatNodeId,
  isPriority,
  isUnicastId,
  type NodeId,
  type PriorityLevel,
  type RxMeta,
  type SendOptions,
  type SendResult,
  type Station,
  type StationEvent,
  type TxFrame,
} from "./station";
import { NeighbourTrust, plausibleMetric } from "./trust";
import { TxQueue, type QueuedFrame } from "./tx-queue";

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

/** Counters for diagnostics, the console and the simulator. */
export interface MeshStats {
  rxFrames: number;
  rxMalformed: number;
  rxMalformedByCode: Record<string, number>;
  rxDuplicates: number;
  txFrames: number;
  txByType: Record<string, number>;
  txAirtimeMs: number;
  originated: number;
  delivered: number;
  relayed: number;
  ackTimeouts: number;
  retries: number;
  failovers: number;
  bounces: number;
  routeDeaths: number;
  sendFailed: number;
  refusedNoRoute: number;
  dropsQueueFull: number;
  dropsTtl: number;
  dropsUnroutable: number;
  channelBusy: number;
  dutyDeferrals: number;
  qosRefusals: number;
  fallbackFloods: number;
  networkFloods: number;
  localFloods: number;
  floodRelays: number;
  broadcasts: number;
  broadcastRelays: number;
  /** Flood or broadcast relays stood down because the copies heard covered every neighbour. */
  relaysSuppressed: number;
  e2eRetries: number;
  /** Route entries carried in OGMs, and how many of them as changes (sent first). */
  ogmRouteEntries: number;
  ogmChangedEntries: number;
  locateQueries: number;
  locateRelays: number;
  locateAnswersSent: number;
  locateAnswersReceived: number;
  /** Advertised route entries discarded by the metric floor (§7.5). */
  implausibleEntries: number;
  /** Times a neighbour's advertisements started being ignored for lying. */
  liarsDistrusted: number;
  /** Frames a next hop took for relaying and never carried on, as far as we could tell (§7.5). */
  trustFailures: number;
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
}

/** One destination's routes as the console shows them. */
export interface RouteInfo {
  readonly kind: DestKind;
  readonly destination: NodeId | ClusterId;
  readonly routes: ReadonlyArray<{ readonly via: NodeId; readonly metric: number; readonly health: number }>;
}

// A routed frame (DATA, end-to-end ACK, LOCATE_A) in this node's custody.
interface Unicast {
  readonly ftype: typeof FrameType.DATA | typeof FrameType.ACK | typeof FrameType.LOCATE_A;
  readonly src: NodeId;
  readonly dst: NodeId;
  readonly seq: number;
  readonly priority: PriorityLevel;
  dstCluster: ClusterId;
  readonly wantAck: boolean;
  readonly payload: Uint8Array;
  readonly status: AckStatusCode;
  readonly ackedHops: number;
  readonly target: NodeId;
  readonly targetCluster: ClusterId;
  readonly ageMin: number;
  ttl: number;
  hops: number;
  readonly originated: boolean;
  /** Where it came from (undefined at the originator): where a bounce goes. */
  readonly prevHop: NodeId | undefined;
  readonly tried: Set<NodeId>;
  nextHop: NodeId;
  via: { kind: DestKind; key: number; entry: RouteEntry } | undefined;
  attempts: number;
  /** First hop fixed by the protocol (an end-to-end ACK goes back the way the DATA came). */
  forcedNextHop: NodeId | undefined;
  bounced: boolean;
  /** End-to-end attempt (DATA): relays treat each attempt as a frame of its own. */
  attempt: number;
}

type Tag =
  | { readonly kind: "ogm"; readonly items: OgmItem[] }
  | { readonly kind: "unicast"; readonly u: Unicast }
  | { readonly kind: "relay"; readonly key: string }
  | { readonly kind: "plain" };

interface Awaiting {
  readonly u: Unicast;
  readonly nextHop: NodeId;
  readonly deadline: number;
  /** When our transmission ended (for the round-trip estimate). */
  readonly sentAt: number;
}

// What a node remembers about a frame it handed on, so that a bounce can be taken back (§7.3).
interface Custody {
  readonly prevHop: NodeId | undefined;
  readonly tried: Set<NodeId>;
  readonly originated: boolean;
  readonly until: number;
  /** We handed it back because none of our routes worked: if it comes round again, refuse it. */
  readonly bouncedAway: boolean;
}

const TYPE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [FrameType.OGM]: "ogm",
  [FrameType.DATA]: "data",
  [FrameType.ACK]: "ack",
  [FrameType.LOCATE_Q]: "locate-q",
  [FrameType.LOCATE_A]: "locate-a",
  [FrameType.FLOOD]: "flood",
  [FrameType.BCAST]: "bcast",
});

/** Priority given to OGMs in the queue: the mesh works only while they flow. */
const OGM_PRIORITY: PriorityLevel = 1;
/** How long a node remembers frames it handed on (for bounces). */
const CUSTODY_MS = 10 * 60_000;
const MAX_CUSTODY = 128;
/** Longest channel-busy backoff exponent. */
const MAX_BUSY_CW = 8;
/** Contention exponent for location queries and answers. */
const LOCATE_CW = 4;
/** Smallest relay contention exponent (Meshtastic's CWmin). */
const MIN_RELAY_CW = 3;
/** Reverse hops remembered (queries relayed in the last few minutes). */
const REVERSE_MAX = 128;
/** Distinct OGM senders remembered for the channel floor (a dense-mesh ceiling, not a table limit). */
const OGM_SENDERS_MAX = 512;
/** OGM intervals after which a silent sender no longer counts as sharing the channel. */
const OGM_SENDER_MEMORY = 3;
/** Longest confirmation wait, however slow the measured round trips. */
const MAX_ACK_WAIT_MS = 60_000;
/** Messages awaiting an end-to-end ACK at most (the oldest is given up beyond). */
const E2E_PENDING_MAX = 32;
/** Slots a confirmation wait allows for the next hop finding the channel busy (a few backoffs). */
const BUSY_ALLOWANCE_SLOTS = 32;

function emptyStats(): MeshStats {
  return {
    rxFrames: 0,
    rxMalformed: 0,
    rxMalformedByCode: {},
    rxDuplicates: 0,
    txFrames: 0,
    txByType: {},
    txAirtimeMs: 0,
    originated: 0,
    delivered: 0,
    relayed: 0,
    ackTimeouts: 0,
    retries: 0,
    failovers: 0,
    bounces: 0,
    routeDeaths: 0,
    sendFailed: 0,
    refusedNoRoute: 0,
    dropsQueueFull: 0,
    dropsTtl: 0,
    dropsUnroutable: 0,
    channelBusy: 0,
    dutyDeferrals: 0,
    qosRefusals: 0,
    fallbackFloods: 0,
    networkFloods: 0,
    localFloods: 0,
    floodRelays: 0,
    broadcasts: 0,
    broadcastRelays: 0,
    relaysSuppressed: 0,
    e2eRetries: 0,
    ogmRouteEntries: 0,
    ogmChangedEntries: 0,
    locateQueries: 0,
    locateRelays: 0,
    locateAnswersSent: 0,
    locateAnswersReceived: 0,
    implausibleEntries: 0,
    liarsDistrusted: 0,
    trustFailures: 0,
  };
}

function groupOf(ftype: number): string {
  return ftype === FrameType.ACK ? "a" : ftype === FrameType.LOCATE_A ? "l" : "d";
}

/** A routed frame's identity for custody, duplicate suppression and confirmations. */
function identityKey(group: string, src: NodeId, dst: NodeId, seq: number, attempt = 0): string {
  return attempt === 0 ? `${group}:${src}:${dst}:${seq}` : `${group}:${src}:${dst}:${seq}:${attempt}`;
}

function keyOf(u: Unicast): string {
  return identityKey(groupOf(u.ftype), u.src, u.dst, u.seq, u.ftype === FrameType.DATA ? u.attempt : 0);
}

export class MeshNode implements Station {
  readonly id: NodeId;
  readonly config: MeshConfig;
  readonly #rng: Rng;
  readonly #modem: LoRaModulation;
  readonly #slotMs: number;
  readonly #ledger: DutyLedger;
  readonly #nbrs: NeighbourTable;
  readonly #routes: RouteTable;
  readonly #trust: NeighbourTrust;
  readonly #queue: TxQueue<Tag>;
  readonly #dedup: DedupCache;
  readonly #seqOut: SeqSender;
  readonly #seqIn: SeqReceiver;
  readonly #locations: LocationCache;
  readonly #awaiting = new Map<string, Awaiting>();
  readonly #custody = new Map<string, Custody>();
  #events: StationEvent[] = [];
  #inFlight: QueuedFrame<Tag> | undefined;
  readonly #stats = emptyStats();

  #ogmSeq: number;
  #routeSeq: number;
  #ogmsBuilt = 0;
  #ogmCursors = { nbr: 0, route: 0 };
  #lastOgmBuiltAt = -Infinity;
  /** Whether the next OGM was brought forward already (one early OGM between regular ones). */
  #triggeredSinceRegular = false;
  #nextOgmAt: number;
  #intervalMs: number;
  #nextSweepAt: number;

  #position: GeoPoint | undefined;
  #cluster: ClusterId = NO_CLUSTER;
  #battery: number;
  #relayPrio = 0;
  #relayRandom = 0;
  #muted = false;
  #nextRotationAt: number;
  /** Neighbours lost recently, for the health score's memory (§11). */
  readonly #lost = new Map<NodeId, number>();
  readonly #lookups = new Lookups<Unicast>();
  #qid: number;
  /** Messages we originated with wantAck, waiting for their end-to-end ACK (bounded). */
  readonly #e2e = new Map<string, { readonly copy: Unicast; deadline: number; retries: number; readonly via: Set<NodeId> }>();
  /** Flood and broadcast relays waiting in the queue: neighbours already covered, copies heard. */
  readonly #pendingRelays = new Map<string, { covered: Set<NodeId>; copies: number }>();
  /** Aggregates we originate (parent prefix → metric last advertised). */
  readonly #aggregates = new Map<ClusterId, number>();
  /** Reverse hops of locate queries, for answers without a route back. */
  readonly #reverse = new Map<string, { hop: NodeId; until: number }>();
  /** OGM senders heard recently, last-heard order (for the channel floor of §8.1). */
  readonly #ogmSenders = new Map<NodeId, number>();
  /** SNR of the frame being handled (relay contention scales with it). */
  #rxSnr = 0;

  constructor(options: MeshNodeOptions) {
    if (!isUnicastId(options.id)) throw new RangeError(`node id ${options.id} is not a unicast id (1..0xFFFFFFFE)`);
    this.id = options.id;
    this.config = resolveConfig(options.config);
    this.#rng = options.rng;
    this.#modem = options.modem;
    this.#slotMs = slotTimeMs(options.modem);
    this.#ledger = new DutyLedger({ dutyCycle: options.dutyCycle ?? 1, sosReserve: this.config.sosReserve });
    this.#nbrs = new NeighbourTable(this.id, this.config);
    this.#trust = new NeighbourTrust(this.config);
    this.#routes = new RouteTable(this.id, this.config, this.#nbrs, (id, now) => this.#trust.value(id, now));
    this.#queue = new TxQueue<Tag>(this.config.txQueueSize);
    this.#dedup = new DedupCache(this.config.dedupSize, this.config.dedupHoldMs);
    this.#seqOut = new SeqSender(this.config.maxSeqTrackers, this.#rng);
    this.#seqIn = new SeqReceiver(this.config.maxSeqTrackers);
    this.#locations = new LocationCache(this.config.maxLocations, this.config.locationTtlMs);
    this.#ogmSeq = randInt(this.#rng, 0x10000);
    this.#routeSeq = randInt(this.#rng, 0x10000);
    this.#battery = options.battery === undefined ? -1 : Math.min(1, Math.max(0, options.battery));
    this.#relayRandom = randInt(this.#rng, 8);
    this.#relayPrio = relayPriority(this.#battery, 0, this.#relayRandom);
    this.#nextRotationAt = options.now + this.config.silenceRotationMs;
    this.#qid = randInt(this.#rng, 0x10000);
    this.#setPosition(options.position);
    // First OGM soon after boot, spread over one slot-scaled second so a mesh powered on at
    // once does not transmit in lockstep.
    this.#intervalMs = this.config.ogmIntervalSteps[0][1];
    this.#nextOgmAt = options.now + this.#rng.next() * Math.min(this.#intervalMs, 5_000);
    this.#nextSweepAt = options.now + this.#sweepPeriod();
  }

  // ---------------------------------------------------------------------------------------------
  // Public surface beyond Station: position, battery, inspection.

  get cluster(): ClusterId {
    return this.#cluster;
  }

  get stats(): Readonly<MeshStats> {
    return this.#stats;
  }

  /** Current OGM interval, ms (before jitter). */
  get ogmIntervalMs(): number {
    return this.#intervalMs;
  }

  /** Share of the duty budget in use at `now`. */
  dutyUtilisation(now: number): number {
    return this.#ledger.utilisation(now);
  }

  /** Updates the GPS position (undefined = fix lost). */
  setPosition(now: number, position: GeoPoint | undefined): void {
    const before = this.#cluster;
    this.#setPosition(position);
    if (this.#cluster !== before) {
      this.#log(now, "info", `cluster ${formatCluster(before)} → ${formatCluster(this.#cluster)}`);
      this.#routes.resetNodeRoutes((id) => this.#nbrs.get(id) !== undefined);
      this.#triggerOgm(now);
    }
  }

  /** Battery level 0..1, or undefined for external power. */
  setBattery(level: number | undefined): void {
    this.#battery = level === undefined ? -1 : Math.min(1, Math.max(0, level));
  }

  neighbours(now: number): NeighbourInfo[] {
    const out: NeighbourInfo[] = [];
    for (const n of this.#nbrs.values()) {
      const rq = this.#nbrs.rq(n, now);
      const tq = this.#nbrs.tq(n, now);
      out.push({
        id: n.id,
        rq,
        tq,
        q: rq * tq,
        usable: this.#nbrs.usable(n, now),
        cluster: n.cluster,
        rssi: n.rssi,
        snr: n.snr,
        battery: n.battery,
        load: n.load,
      });
    }
    return out.sort((a, b) => a.id - b.id);
  }

  routeTable(now: number): RouteInfo[] {
    const out: RouteInfo[] = [];
    for (const kind of ["node", "cluster"] as const) {
      for (const d of this.#routes.destinations(kind)) {
        const routes = this.#routes
          .selected(d, now)
          .map((r) => ({ via: r.entry.neighbour, metric: r.metric, health: r.entry.health.value(now, this.config) }));
        if (routes.length > 0) out.push({ kind, destination: d.key, routes });
      }
    }
    return out;
  }

  /** How far this node trusts a neighbour to carry frames on, 0..1 (§7.5), and whether it ignores its advertisements. */
  trustOf(id: NodeId, now: number): { readonly trust: number; readonly distrusted: boolean } {
    return { trust: this.#trust.value(id, now), distrusted: this.#trust.distrusted(id, now) };
  }

  /** Usable next hops toward a node right now (for tests and the console). */
  nextHopsTo(dst: NodeId, now: number): NodeId[] {
    return this.#routeOptions(dst, this.#dstClusterFor(dst, now), now, new Set()).map((o) => o.route.entry.neighbour);
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
    return dst === this.id || this.#routeOptions(dst, dstCluster, now, new Set()).length > 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Station: send

  send(now: number, dst: NodeId, payload: Uint8Array, options: SendOptions = {}): SendResult {
    const priority = options.priority ?? 3;
    if (!isPriority(priority)) return { ok: false, code: "bad-priority", reason: `priority ${String(priority)} is not P0..P7` };
    if (dst === this.id) return { ok: false, code: "bad-destination", reason: "cannot send to this node itself" };
    if (dst !== BROADCAST && !isUnicastId(dst)) return { ok: false, code: "bad-destination", reason: `${dst} is not a node id` };
    const max = (dst === BROADCAST ? MAX_BCAST_PAYLOAD : MAX_UNICAST_PAYLOAD) - this.config.frameOverheadBytes;
    if (payload.length > max) return { ok: false, code: "too-large", reason: `payload of ${payload.length} bytes exceeds ${max}` };
    if (!this.#queue.hasRoomFor("data")) {
      return { ok: false, code: "queue-full", reason: `transmit queue full (${this.#queue.capacity} frames)` };
    }
    if (this.#nbrs.usableList(now).length === 0) {
      return { ok: false, code: "no-route", reason: "no neighbour heard yet: nothing to send through" };
    }
    const refusal = gateRefusal(priority, this.health(now), this.config);
    if (refusal !== undefined) {
      this.#stats.qosRefusals++;
      return { ok: false, code: "qos-gate", reason: refusal };
    }
    if (dst === BROADCAST) return this.#sendBroadcast(now, payload, priority, options.scope ?? this.config.broadcastScope);

    const dstCluster = this.#dstClusterFor(dst, now);
    const routable = this.#routeOptions(dst, dstCluster, now, new Set()).length > 0;
    const homeless = this.#cluster === NO_CLUSTER;
    if (!routable && !homeless && dstCluster === NO_CLUSTER && !this.#lookups.canAccept(dst)) {
      return { ok: false, code: "queue-full", reason: `too many destinations being located; try ${formatNodeId(dst)} later` };
    }
    const seq = this.#seqOut.next(dst);
    const u = this.#newUnicast({
      ftype: FrameType.DATA,
      src: this.id,
      dst,
      seq,
      priority,
      dstCluster,
      wantAck: options.wantAck === true,
      payload: payload.slice(),
      originated: true,
      prevHop: undefined,
      ttl: this.config.dataTtl,
      hops: 0,
    });
    this.#dedup.add(keyOf(u), now);
    this.#stats.originated++;
    if (u.wantAck) this.#awaitE2e(u, now);
    if (homeless) {
      // No cluster: local flooding only; the first node with a route takes it over (§17).
      this.#sendFlood(u, FloodScope.LOCAL, now);
    } else if (routable) {
      this.#dispatch(u, now, false);
    } else if (dstCluster !== NO_CLUSTER) {
      // We know where it is but have no route there: the corridor flood (§14).
      this.#exhausted(u, now);
    } else {
      this.#locate(u, now);
    }
    return { ok: true, seq };
  }

  /**
   * Network Health Score from this node's own tables (§11): over the neighbours that make up
   * its routable neighbourhood (usable now), and those that were usable and went down within
   * the memory window (counted with Q 0, unreachable). Neighbours merely heard at the edge of
   * range were never part of it and do not count.
   */
  health(now: number): number {
    const qualities: number[] = [];
    const usable: boolean[] = [];
    const batteries: number[] = [this.#battery < 0 ? 1 : this.#battery];
    for (const n of this.#nbrs.values()) {
      if (!this.#nbrs.usable(n, now)) continue;
      qualities.push(this.#nbrs.quality(n, now));
      usable.push(true);
      batteries.push(n.battery < 0 ? 1 : n.battery);
    }
    for (const [id, at] of this.#lost) {
      if (now - at > this.config.nhsMemoryMs) {
        this.#lost.delete(id);
        continue;
      }
      const n = this.#nbrs.get(id);
      if (n === undefined || !this.#nbrs.usable(n, now)) {
        qualities.push(0);
        usable.push(false);
      }
    }
    return networkHealth({ qualities, usable, batteries });
  }

  /** Whether this node currently mutes flood and broadcast relaying (§12). */
  get muted(): boolean {
    return this.#muted;
  }

  /** Whether this node has no cluster (no fix and no neighbour consensus, §17). */
  get homeless(): boolean {
    return this.#cluster === NO_CLUSTER;
  }

  /** Relay priority of the current rotation epoch (§12). */
  get relayPrio(): number {
    return this.#relayPrio;
  }

  /** The cluster this node's location cache holds for `id`, if any. */
  locationOf(id: NodeId, now: number): ClusterId | undefined {
    return this.#locations.lookup(id, now)?.cluster;
  }

  // ---------------------------------------------------------------------------------------------
  // Station: receive

  receive(bytes: Uint8Array, meta: RxMeta): void {
    const now = meta.at;
    this.#stats.rxFrames++;
    const decoded = decodeFrame(bytes);
    if (!decoded.ok) {
      this.#stats.rxMalformed++;
      this.#stats.rxMalformedByCode[decoded.error.code] = (this.#stats.rxMalformedByCode[decoded.error.code] ?? 0) + 1;
      return;
    }
    const f = decoded.frame;
    if (f.tx === this.id) return; // our own frame echoed by a repeater or a test channel
    this.#rxSnr = meta.snr;
    this.#overheard(f, now);
    switch (f.type) {
      case FrameType.OGM:
        this.#onOgm(f, meta);
        break;
      case FrameType.DATA:
        if (f.next === this.id) {
          if (f.dst === this.id) this.#onDataForMe(f, now);
          else this.#onRouted(f, now);
        }
        break;
      case FrameType.ACK:
        if (f.kind === "hop") {
          if (f.to === this.id) this.#onHopAck(f, now);
        } else if (f.next === this.id) {
          if (f.dst === this.id) this.#onAckForMe(f, now);
          else this.#onRouted(f, now);
        }
        break;
      case FrameType.LOCATE_A:
        if (f.next === this.id) {
          if (f.dst === this.id) this.#onLocateAnswer(f, now);
          else this.#onRouted(f, now);
        }
        break;
      case FrameType.LOCATE_Q:
        this.#onLocateQuery(f, now);
        break;
      case FrameType.FLOOD:
        this.#onFlood(f, now);
        break;
      case FrameType.BCAST:
        this.#onBroadcast(f, now);
        break;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Station: timers and transmission

  tick(now: number): void {
    // Confirmation deadlines.
    if (this.#awaiting.size > 0) {
      for (const [key, w] of this.#awaiting) {
        if (w.deadline <= now) {
          this.#awaiting.delete(key);
          this.#onTimeout(w, now);
        }
      }
    }
    if (now >= this.#nextSweepAt) this.#sweep(now);
    if (this.#lookups.size > 0) this.#widenLookups(now);
    if (this.#e2e.size > 0) this.#e2eDeadlines(now);
    if (now >= this.#nextOgmAt) this.#queueOgm(now);
  }

  nextWakeup(): number {
    let t = Math.min(this.#nextOgmAt, this.#nextSweepAt, this.#lookups.earliestDeadline());
    for (const p of this.#e2e.values()) if (p.deadline < t) t = p.deadline;
    for (const w of this.#awaiting.values()) if (w.deadline < t) t = w.deadline;
    if (this.#inFlight === undefined) t = Math.min(t, this.#queue.earliest());
    return t;
  }

  pollTransmit(now: number): TxFrame | undefined {
    if (this.#inFlight !== undefined) return undefined;
    const f = this.#queue.take(
      now,
      (q) => this.#ledger.allows(now, q.airtimeMs, q.priority),
      (q) => {
        this.#stats.dutyDeferrals++;
        const at = this.#ledger.earliestStart(now, q.airtimeMs, q.priority);
        q.notBefore = Number.isFinite(at) ? Math.max(at, now + 1) : now + this.#ledger.windowMs;
      },
    );
    if (f === undefined) return undefined;
    this.#inFlight = f;
    return { bytes: f.bytes, priority: f.priority, kind: f.kind };
  }

  foreignFrameStart(now: number, onAirBytes: number, priority: PriorityLevel): number {
    return this.#ledger.earliestStart(now, airtimeMs(this.#modem, onAirBytes), priority);
  }

  foreignFrameSent(end: number, onAirBytes: number): void {
    const air = airtimeMs(this.#modem, onAirBytes);
    this.#ledger.record(end - air, air);
    this.#stats.txAirtimeMs += air;
  }

  transmitDone(now: number, outcome: "sent" | "busy"): void {
    const f = this.#inFlight;
    this.#inFlight = undefined;
    if (f === undefined) return;
    if (outcome === "busy") {
      this.#stats.channelBusy++;
      f.cw = Math.min(MAX_BUSY_CW, f.cw + 1);
      f.notBefore = now + (1 + randInt(this.#rng, 2 ** f.cw)) * this.#slotMs;
      this.#queue.push(f, true);
      return;
    }
    this.#ledger.record(now - f.airtimeMs, f.airtimeMs);
    this.#stats.txFrames++;
    this.#stats.txAirtimeMs += f.airtimeMs;
    const name = TYPE_NAMES[f.bytes[0] & 15] ?? "?";
    this.#stats.txByType[name] = (this.#stats.txByType[name] ?? 0) + 1;
    const tag = f.tag;
    if (tag.kind === "relay") this.#pendingRelays.delete(tag.key);
    if (tag.kind === "unicast") {
      const u = tag.u;
      if (this.#needsConfirmation(u)) {
        this.#awaiting.set(keyOf(u), {
          u,
          nextHop: u.nextHop,
          deadline: now + this.#ackTimeout(f, u.nextHop),
          sentAt: now,
        });
      } else {
        this.#handedOn(u, now);
      }
    }
  }

  drainEvents(): StationEvent[] {
    const out = this.#events;
    this.#events = [];
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Position and clusters

  /** Time on air of a frame of `bytes` as it goes out, with the link layer's overhead. */
  #airtime(bytes: number): number {
    return airtimeMs(this.#modem, bytes + this.config.frameOverheadBytes);
  }

  #setPosition(position: GeoPoint | undefined): void {
    this.#position = position;
    this.#cluster =
      position === undefined ? NO_CLUSTER : clusterOf(position.lat, position.lon, this.config.geohashPrecision);
  }

  #isBorder(now: number): boolean {
    if (this.#cluster === NO_CLUSTER) return false;
    for (const n of this.#nbrs.values()) {
      if (n.cluster !== NO_CLUSTER && n.cluster !== this.#cluster && this.#nbrs.usable(n, now)) return true;
    }
    return false;
  }

  /** The cluster to put in a frame for `dst`: ours if it is a member, else the location cache. */
  #dstClusterFor(dst: NodeId, now: number): ClusterId {
    const d = this.#routes.get("node", dst);
    if (d !== undefined && !d.foreign) return this.#cluster;
    const n = this.#nbrs.get(dst);
    if (n !== undefined && n.cluster !== NO_CLUSTER) return n.cluster;
    return this.#locations.lookup(dst, now)?.cluster ?? NO_CLUSTER;
  }

  // ---------------------------------------------------------------------------------------------
  // Routing (§6)

  #routeOptions(dst: NodeId, dstCluster: ClusterId, now: number, exclude: ReadonlySet<NodeId>): RouteOption<{ kind: DestKind; key: number; entry: RouteEntry }>[] {
    const out: RouteOption<{ kind: DestKind; key: number; entry: RouteEntry }>[] = [];
    const add = (kind: DestKind, key: number): void => {
      const d = this.#routes.get(kind, key);
      if (d === undefined) return;
      for (const r of this.#routes.selected(d, now)) {
        if (exclude.has(r.entry.neighbour)) continue;
        const n = this.#nbrs.get(r.entry.neighbour);
        if (n === undefined) continue;
        out.push({
          route: { kind, key, entry: r.entry },
          metric: r.metric,
          health: r.entry.health.value(now, this.config),
          load: n.load,
          battery: n.battery < 0 ? 1 : n.battery,
          trust: this.#trust.value(n.id, now),
        });
      }
    };
    add("node", dst);
    if (out.length > 0) return out;
    const cluster = dstCluster !== NO_CLUSTER ? dstCluster : (this.#locations.lookup(dst, now)?.cluster ?? NO_CLUSTER);
    if (cluster === NO_CLUSTER || clusterContains(cluster, this.#cluster)) return out;
    add("cluster", cluster);
    if (out.length > 0) return out;
    // Aggregates (§5.4) only while we know nothing more specific: a node that holds entries for
    // the exact cluster, or lies in the region where it is advertised exactly, hands the frame
    // back when those fail rather than send it up an aggregate, which leads only to the nearest
    // edge of the region and can lead straight back.
    if ((this.#routes.get("cluster", cluster)?.entries.length ?? 0) > 0 || !this.#summarised(cluster)) return out;
    // Toward the region: first our own exact routes into the nearest cluster we know in it (the
    // route our own aggregate advertises). Each hop along such a route knows that cluster at a
    // smaller metric, so the distance to the region shrinks at every hop: no loop. Only a node
    // that knows no cluster of the region at all follows a neighbour's aggregate.
    const parent = clusterParent(cluster);
    let nearest: Destination | undefined;
    let nearestMetric = METRIC_INFINITY;
    for (const d of this.#routes.destinations("cluster")) {
      if (d.key === cluster || clusterParent(d.key) !== parent) continue;
      for (const r of this.#routes.selected(d, now)) {
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

  #newUnicast(p: {
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
      bounced: false,
      attempt: p.attempt ?? 0,
    };
  }

  /**
   * Sends a frame in custody on its next route: the forced first hop if any, else a route drawn
   * by Share(r) among those not yet tried. With none left the frame is bounced or reported.
   */
  #dispatch(u: Unicast, now: number, failover: boolean, delayMs = 0): void {
    let nextHop: NodeId | undefined;
    let via: Unicast["via"];
    if (u.forcedNextHop !== undefined && !u.tried.has(u.forcedNextHop)) {
      const n = this.#nbrs.get(u.forcedNextHop);
      if (n !== undefined && this.#nbrs.usable(n, now)) nextHop = u.forcedNextHop;
    }
    if (nextHop === undefined) {
      const choice = chooseRoute(this.#routeOptions(u.dst, u.dstCluster, now, u.tried), this.#rng, this.config);
      if (choice !== undefined) {
        nextHop = choice.route.entry.neighbour;
        via = choice.route;
      }
    }
    if (nextHop === undefined) {
      // The reverse hop just carried the query or the DATA to us: worth trying even over a link
      // too lossy to count as usable for routing (confirmation and retries still apply).
      const back = this.#reverseHopFor(u, now);
      if (back !== undefined && !u.tried.has(back)) nextHop = back;
    }
    if (nextHop === undefined) {
      this.#exhausted(u, now);
      return;
    }
    if (failover) this.#stats.failovers++;
    u.nextHop = nextHop;
    u.via = via;
    u.attempts = 0;
    via?.entry.health.used(now, this.config);
    this.#enqueueUnicast(u, now, delayMs);
  }

  #enqueueUnicast(u: Unicast, now: number, delayMs = 0): void {
    const bytes = encodeFrame(this.#buildRouted(u));
    const jitterSlots = u.originated && u.attempts === 0 ? 0 : randInt(this.#rng, this.config.relayJitterSlots + 1);
    const f: QueuedFrame<Tag> = {
      bytes,
      priority: u.priority,
      kind: u.ftype === FrameType.DATA ? "data" : "control",
      isAck: u.ftype === FrameType.ACK,
      notBefore: now + delayMs + jitterSlots * this.#slotMs,
      enqueuedAt: now,
      cw: 0,
      airtimeMs: this.#airtime(bytes.length),
      tag: { kind: "unicast", u },
    };
    // A frame already in our custody is never dropped for lack of room.
    this.#queue.push(f, true);
  }

  #buildRouted(u: Unicast): Frame {
    const h = {
      tx: this.id,
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
      return { type: FrameType.DATA, ...h, wantAck: u.wantAck, bounced: u.bounced, attempt: u.attempt, payload: u.payload } satisfies DataFrame;
    }
    if (u.ftype === FrameType.ACK) {
      return { type: FrameType.ACK, kind: "e2e", ...h, status: u.status, ackedHops: u.ackedHops } satisfies E2eAckFrame;
    }
    return {
      type: FrameType.LOCATE_A,
      ...h,
      target: u.target,
      targetCluster: u.targetCluster,
      ageMin: u.ageMin,
    } satisfies LocateAnswerFrame;
  }

  /**
   * How long the originator waits for an end-to-end ACK: both ways along the route's estimated
   * hop count (from its metric; 2 spare hops), each hop an airtime there and back plus relay
   * jitter and a few busy-channel backoffs, plus the location lookups if the destination is
   * still unknown, plus the confirmation guard.
   */
  #e2eTimeout(u: Unicast, now: number): number {
    if (this.config.e2eTimeoutMs > 0) return this.config.e2eTimeoutMs;
    const best = this.#routeOptions(u.dst, u.dstCluster, now, new Set()).reduce((m, o) => Math.min(m, o.metric), METRIC_INFINITY);
    const hops = best >= METRIC_INFINITY ? 8 : Math.ceil(best / (256 + this.config.hopPenalty)) + 2;
    const perHop = 2 * this.#airtime(Math.min(MAX_FRAME_BYTES, ROUTED_HEADER_BYTES + u.payload.length)) + (this.config.relayJitterSlots + BUSY_ALLOWANCE_SLOTS) * this.#slotMs;
    let lookup = 0;
    if (best >= METRIC_INFINITY) for (let l = 0; l <= this.config.locateMaxScope; l++) lookup += this.#locateTimeout(l);
    return 2 * hops * perHop + lookup + 4 * this.config.ackGuardMs;
  }

  #awaitE2e(u: Unicast, now: number): void {
    if (this.#e2e.size >= E2E_PENDING_MAX) {
      const [oldestKey, oldest] = this.#e2e.entries().next().value as [string, { copy: Unicast }];
      this.#e2e.delete(oldestKey);
      this.#fail(oldest.copy, now, "no-ack", `too many messages awaiting acknowledgement; gave up on #${oldest.copy.seq}`);
    }
    this.#e2e.set(`${u.dst}:${u.seq}`, { copy: { ...u, tried: new Set() }, deadline: now + this.#e2eTimeout(u, now), retries: 0, via: new Set() });
  }

  /** End-to-end ACKs overdue: send the message again (the destination drops a duplicate and re-acks), or give up. */
  #e2eDeadlines(now: number): void {
    for (const p of this.#e2e.values()) {
      if (p.deadline > now) continue;
      // The first hops that took the message carried it into a path that lost it (§7.5).
      for (const v of p.via) if (v !== p.copy.dst) this.#distrustHop(v, now);
      p.via.clear();
      if (p.retries >= this.config.e2eRetries) {
        this.#fail(p.copy, now, "no-ack", `no end-to-end acknowledgement from ${formatNodeId(p.copy.dst)} for #${p.copy.seq}`);
        continue;
      }
      p.retries++;
      const u: Unicast = { ...p.copy, tried: new Set(), attempts: 0, via: undefined, bounced: false, ttl: this.config.dataTtl, hops: 0, attempt: Math.min(3, p.retries) };
      u.dstCluster = this.#dstClusterFor(u.dst, now) || u.dstCluster;
      p.deadline = now + this.#e2eTimeout(u, now);
      this.#stats.e2eRetries++;
      if (this.#routeOptions(u.dst, u.dstCluster, now, new Set()).length > 0) this.#dispatch(u, now, false);
      else this.#exhausted(u, now);
    }
  }

  /** DATA is always confirmed; ACK and LOCATE_A only while they are not on their final hop. */
  #needsConfirmation(u: Unicast): boolean {
    return u.ftype === FrameType.DATA || u.nextHop !== u.dst;
  }

  /**
   * §7.2: wait for the next hop's forward, its queue and relay jitter, plus a guard — or longer
   * when the measured round trips to it say so (a congested channel delays every forward).
   */
  #ackTimeout(f: QueuedFrame<Tag>, nextHop: NodeId): number {
    const n = this.#nbrs.get(nextHop);
    const queueAhead = n === undefined ? 0 : n.load * this.config.txQueueSize;
    const modelled = f.airtimeMs * (2 + queueAhead) + (this.config.relayJitterSlots + BUSY_ALLOWANCE_SLOTS) * this.#slotMs + this.config.ackGuardMs;
    return Math.min(MAX_ACK_WAIT_MS, Math.max(modelled, this.#nbrs.measuredTimeout(nextHop)));
  }

  #confirm(key: string, from: NodeId, status: AckStatusCode, now: number): boolean {
    const w = this.#awaiting.get(key);
    if (w === undefined || w.nextHop !== from) return false;
    this.#awaiting.delete(key);
    const u = w.u;
    this.#nbrs.noteSuccess(from);
    // Only first attempts measure the round trip (a retransmission's confirmation may answer an earlier copy).
    if (u.attempts === 0) this.#nbrs.noteRoundTrip(from, now - w.sentAt);
    if (status === AckStatus.DELIVERED) {
      u.via?.entry.health.success(now, this.config);
      if (from !== u.dst) this.#trust.success(from, now);
      this.#handedOn(u, now);
      return true;
    }
    if (status === AckStatus.NO_ROUTE) {
      // The next hop has no way to this destination: try the others at once (§7.3).
      if (u.via !== undefined) this.#routeFailedFor(u.via, now);
      u.tried.add(from);
      this.#dispatch(u, now, true);
      return true;
    }
    // TTL expired further on: the frame is gone.
    this.#stats.dropsTtl++;
    if (u.originated && u.ftype === FrameType.DATA) {
      this.#fail(u, now, "ttl-expired", `frame to ${formatNodeId(u.dst)} ran out of hops`);
    }
    return true;
  }

  /**
   * A next hop reported (by refusing or handing back) that it cannot reach one destination.
   * A node route to that destination is dead at once; a cluster route is only weakened, since
   * the rest of that cluster may be fine through it.
   */
  #routeFailedFor(via: { readonly kind: DestKind; readonly key: number; readonly entry: RouteEntry }, now: number): void {
    if (via.entry.health.dead) return;
    if (via.kind === "node") this.#routes.markDead(via.entry);
    else if (via.entry.health.failure(now, this.config)) this.#routes.noteDeath(via.entry);
    if (via.entry.health.dead) this.#stats.routeDeaths++;
  }

  /** Where a query came from, so its answer can go back the way it came (AODV-style). */
  #rememberReverse(key: string, hop: NodeId, now: number): void {
    if (this.#reverse.has(key)) return;
    if (this.#reverse.size >= REVERSE_MAX) {
      const oldest = this.#reverse.keys().next().value;
      if (oldest !== undefined) this.#reverse.delete(oldest);
    }
    this.#reverse.set(key, { hop, until: now + CUSTODY_MS });
  }

  /**
   * The hop an ACK or a locate answer takes when distance vector has no route back: the reverse
   * of the path its DATA (custody memory) or its query (reverse memory) came along.
   */
  #reverseHopFor(u: Unicast, now: number): NodeId | undefined {
    if (u.ftype === FrameType.ACK) {
      for (let a = 0; a <= 3; a++) {
        const c = this.#custody.get(identityKey("d", u.dst, u.src, u.seq, a));
        if (c?.prevHop !== undefined && c.until >= now) return c.prevHop;
      }
      return undefined;
    }
    if (u.ftype === FrameType.LOCATE_A) {
      const r = this.#reverse.get(`q:${u.dst}:${u.seq}`);
      return r !== undefined && r.until >= now ? r.hop : undefined;
    }
    return undefined;
  }

  /** The frame left our custody with a confirmation (or needs none): remember it for bounces. */
  #handedOn(u: Unicast, now: number): void {
    if (u.ftype !== FrameType.DATA) return;
    const key = keyOf(u);
    this.#custody.delete(key);
    if (this.#custody.size >= MAX_CUSTODY) {
      const oldest = this.#custody.keys().next().value;
      if (oldest !== undefined) this.#custody.delete(oldest);
    }
    if (u.originated && u.wantAck) this.#e2e.get(`${u.dst}:${u.seq}`)?.via.add(u.nextHop);
    const tried = new Set(u.tried);
    tried.add(u.nextHop);
    this.#custody.set(key, { prevHop: u.prevHop, tried, originated: u.originated, until: now + CUSTODY_MS, bouncedAway: u.bounced });
  }

  #onTimeout(w: Awaiting, now: number): void {
    const u = w.u;
    this.#stats.ackTimeouts++;
    if (this.#nbrs.noteFailure(w.nextHop)) {
      const n = this.#nbrs.get(w.nextHop);
      if (n !== undefined && n.up) {
        n.up = false;
        this.#events.push({ type: "neighbour-down", at: now, neighbour: n.id });
      }
      this.#routeChanges(this.#routes.refresh(now), now);
    }
    let dead = false;
    if (u.via !== undefined) {
      dead = u.via.entry.health.failure(now, this.config);
      if (dead) {
        this.#routes.noteDeath(u.via.entry);
        this.#stats.routeDeaths++;
      }
    }
    u.attempts++;
    const n = this.#nbrs.get(w.nextHop);
    const q = n === undefined ? 0 : this.#nbrs.quality(n, now);
    const allowed = q > 0.5 ? this.config.attemptsGoodLink : this.config.attemptsWeakLink;
    if (!dead && u.attempts < allowed && n !== undefined && this.#nbrs.usable(n, now)) {
      this.#stats.retries++;
      this.#enqueueUnicast(u, now);
      return;
    }
    // Every attempt on this next hop went unconfirmed: it took the frame and carried nothing on.
    if (w.nextHop !== u.dst) this.#distrustHop(w.nextHop, now);
    u.tried.add(w.nextHop);
    this.#dispatch(u, now, true);
  }

  /** Every route for this frame has been tried (§7.3): bounce it back, or report failure. */
  #exhausted(u: Unicast, now: number): void {
    if (u.ftype !== FrameType.DATA) {
      this.#stats.dropsUnroutable++;
      return;
    }
    if (!u.originated && u.prevHop !== undefined && u.ttl > 1) {
      this.#stats.bounces++;
      u.bounced = true;
      u.nextHop = u.prevHop;
      u.via = undefined;
      u.attempts = 0;
      u.ttl -= 1;
      u.hops += 1;
      // Our own next hop for the bounce is the previous hop; confirmation is its hop ACK.
      u.tried.add(u.prevHop);
      this.#enqueueUnicast(u, now);
      return;
    }
    if (u.originated && this.config.corridorEnabled && u.dstCluster !== NO_CLUSTER && this.#cluster !== NO_CLUSTER) {
      this.#sendFlood(u, FloodScope.CORRIDOR, now);
      return;
    }
    if (u.originated) {
      const n = u.tried.size;
      this.#fail(
        u,
        now,
        "no-route",
        n === 0 ? `no route to ${formatNodeId(u.dst)}` : `all ${n} route${n === 1 ? "" : "s"} to ${formatNodeId(u.dst)} failed`,
      );
    } else {
      this.#stats.dropsUnroutable++;
      this.#log(now, "warn", `dropped frame ${formatNodeId(u.src)}→${formatNodeId(u.dst)} #${u.seq}: no route and nowhere to hand it back`);
    }
  }

  #fail(u: Unicast, now: number, code: string, reason: string): void {
    this.#e2e.delete(`${u.dst}:${u.seq}`);
    this.#stats.sendFailed++;
    this.#events.push({ type: "send-failed", at: now, dst: u.dst, seq: u.seq, code, reason });
  }

  // ---------------------------------------------------------------------------------------------
  // Receiving routed frames

  /** Implicit acknowledgements: overhearing the next hop pass our frame on (§7.1). */
  #overheard(f: Frame, now: number): void {
    if (f.type === FrameType.LOCATE_A && f.src !== this.id) {
      // Someone else answered this query already: drop our own answer if it has not gone out.
      this.#queue.remove((q) => q.tag.kind === "unicast" && q.tag.u.ftype === FrameType.LOCATE_A && q.tag.u.originated && q.tag.u.dst === f.dst && q.tag.u.seq === f.seq && q.tag.u.target === f.target);
    }
    if (this.#awaiting.size === 0) return;
    switch (f.type) {
      case FrameType.DATA:
        this.#confirm(identityKey("d", f.src, f.dst, f.seq, f.attempt), f.tx, AckStatus.DELIVERED, now);
        break;
      case FrameType.FLOOD:
        this.#confirm(identityKey("d", f.src, f.dst, f.seq), f.tx, AckStatus.DELIVERED, now);
        break;
      case FrameType.LOCATE_A:
        this.#confirm(identityKey("l", f.src, f.dst, f.seq), f.tx, AckStatus.DELIVERED, now);
        break;
      case FrameType.ACK:
        if (f.kind === "e2e") {
          this.#confirm(identityKey("a", f.src, f.dst, f.seq), f.tx, AckStatus.DELIVERED, now);
          // An end-to-end ACK sent to us by the destination also acknowledges our DATA hop.
          if (f.next === this.id) this.#confirmAnyAttempt(f.dst, f.src, f.seq, f.tx, AckStatus.DELIVERED, now);
        }
        break;
      default:
        break;
    }
  }

  #onHopAck(f: HopAckFrame, now: number): void {
    this.#confirmAnyAttempt(f.src, f.dst, f.seq, f.tx, f.status, now);
  }

  /** Hop ACKs and end-to-end ACKs name no attempt: confirm whichever attempt waits on `from`. */
  #confirmAnyAttempt(src: NodeId, dst: NodeId, seq: number, from: NodeId, status: AckStatusCode, now: number): void {
    for (let a = 0; a <= 3; a++) if (this.#confirm(identityKey("d", src, dst, seq, a), from, status, now)) return;
  }

  #sendHopAck(to: NodeId, src: NodeId, dst: NodeId, seq: number, status: AckStatusCode, priority: PriorityLevel, now: number): void {
    const bytes = encodeFrame({ type: FrameType.ACK, kind: "hop", tx: this.id, to, status, src, dst, seq });
    const f: QueuedFrame<Tag> = {
      bytes,
      priority,
      kind: "control",
      isAck: true,
      notBefore: now,
      enqueuedAt: now,
      cw: 0,
      airtimeMs: this.#airtime(bytes.length),
      tag: { kind: "plain" },
    };
    if (!this.#queue.push(f)) this.#stats.dropsQueueFull++;
  }

  /** Hands a unicast payload addressed to us to the application once (§13 gap reporting). */
  #deliver(src: NodeId, seq: number, payload: Uint8Array, hops: number, priority: PriorityLevel, now: number): boolean {
    // Delivery is once per message, whichever attempt or path brings it.
    if (!this.#dedup.add(identityKey("r", src, this.id, seq), now)) {
      this.#stats.rxDuplicates++;
      return false;
    }
    this.#stats.delivered++;
    this.#trackSeq(`${src}`, src, seq, now);
    this.#events.push({ type: "delivered", at: now, src, dst: this.id, seq, payload, hops, priority });
    return true;
  }

  #trackSeq(key: string, src: NodeId, seq: number, now: number): void {
    const obs = this.#seqIn.observe(key, seq);
    if (obs.kind === "gap") {
      this.#events.push({ type: "gap", at: now, src, missing: obs.missing, from: obs.from, to: obs.to });
    } else if (obs.kind === "out-of-order") {
      this.#events.push({ type: "out-of-order", at: now, src, seq, expected: obs.expected });
    }
  }

  /** An end-to-end ACK back to `src`, first hop forced when the DATA's previous hop is known. */
  #sendE2eAck(src: NodeId, seq: number, hops: number, priority: PriorityLevel, via: NodeId | undefined, now: number): void {
    const ackKey = identityKey("a", this.id, src, seq);
    const pending =
      this.#awaiting.has(ackKey) ||
      this.#queue.find((q) => q.tag.kind === "unicast" && keyOf(q.tag.u) === ackKey) !== undefined;
    if (pending) return;
    const u = this.#newUnicast({
      ftype: FrameType.ACK,
      src: this.id,
      dst: src,
      seq,
      priority,
      dstCluster: this.#dstClusterFor(src, now),
      status: AckStatus.DELIVERED,
      ackedHops: Math.min(255, hops),
      originated: true,
      prevHop: undefined,
      ttl: this.config.dataTtl,
      hops: 0,
      forcedNextHop: via,
    });
    this.#dispatch(u, now, false);
  }

  #onDataForMe(f: DataFrame, now: number): void {
    this.#deliver(f.src, f.seq, f.payload, f.hops + 1, f.priority, now);
    // Acknowledge every copy: a repeat means the sender missed our earlier ACK.
    if (f.wantAck) this.#sendE2eAck(f.src, f.seq, f.hops + 1, f.priority, f.tx, now);
    else this.#sendHopAck(f.tx, f.src, f.dst, f.seq, AckStatus.DELIVERED, f.priority, now);
  }

  #onAckForMe(f: E2eAckFrame, now: number): void {
    if (!this.#dedup.add(identityKey("a", f.src, f.dst, f.seq), now)) {
      this.#stats.rxDuplicates++;
      return;
    }
    const pending = this.#e2e.get(`${f.src}:${f.seq}`);
    this.#e2e.delete(`${f.src}:${f.seq}`);
    if (f.status === AckStatus.DELIVERED) {
      if (pending !== undefined) for (const v of pending.via) if (v !== f.src) this.#trust.success(v, now);
      this.#events.push({ type: "acked", at: now, dst: f.src, seq: f.seq, hops: f.ackedHops });
    } else {
      this.#events.push({
        type: "send-failed",
        at: now,
        dst: f.src,
        seq: f.seq,
        code: f.status === AckStatus.TTL_EXPIRED ? "ttl-expired" : "refused",
        reason: `${formatNodeId(f.src)} answered with status ${f.status}`,
      });
    }
  }

  /** A routed frame for someone else with us as next hop: relay it, or take back a bounce. */
  #onRouted(f: DataFrame | E2eAckFrame | LocateAnswerFrame, now: number): void {
    const group = groupOf(f.type);
    const isData = f.type === FrameType.DATA;
    const key = identityKey(group, f.src, f.dst, f.seq, isData ? f.attempt : 0);
    if (isData && f.bounced) {
      this.#onBounce(f, key, now);
      return;
    }
    if (this.#dedup.has(key, now)) {
      this.#stats.rxDuplicates++;
      if (!isData) return;
      // A frame we already handed back (no route worked) came round by another path: refuse
      // it so the sender keeps it and fails over. Otherwise the sender retried because our
      // forward (its implicit ACK) went unheard: confirm explicitly.
      const bounced = this.#custody.get(key)?.bouncedAway === true && !this.#awaiting.has(key);
      this.#sendHopAck(f.tx, f.src, f.dst, f.seq, bounced ? AckStatus.NO_ROUTE : AckStatus.DELIVERED, f.priority, now);
      return;
    }
    if (f.ttl <= 1) {
      this.#stats.dropsTtl++;
      if (isData) this.#sendHopAck(f.tx, f.src, f.dst, f.seq, AckStatus.TTL_EXPIRED, f.priority, now);
      return;
    }
    const exclude = new Set<NodeId>([f.tx]);
    if (this.#routeOptions(f.dst, f.dstCluster, now, exclude).length === 0 && !this.#hasReverseHop(f, now)) {
      // Refuse rather than accept a frame we cannot pass on: the sender fails over at once.
      this.#stats.refusedNoRoute++;
      if (isData) this.#sendHopAck(f.tx, f.src, f.dst, f.seq, AckStatus.NO_ROUTE, f.priority, now);
      return;
    }
    if (!this.#queue.hasRoomFor(isData ? "data" : "control")) {
      this.#stats.dropsQueueFull++; // no confirmation: the sender keeps the frame and fails over
      return;
    }
    this.#dedup.add(key, now);
    this.#stats.relayed++;
    const u = this.#newUnicast({
      ftype: f.type,
      src: f.src,
      dst: f.dst,
      seq: f.seq,
      priority: f.priority,
      dstCluster: f.dstCluster,
      wantAck: isData ? f.wantAck : false,
      payload: isData ? f.payload : undefined,
      status: f.type === FrameType.ACK ? f.status : undefined,
      ackedHops: f.type === FrameType.ACK ? f.ackedHops : undefined,
      target: f.type === FrameType.LOCATE_A ? f.target : undefined,
      targetCluster: f.type === FrameType.LOCATE_A ? f.targetCluster : undefined,
      ageMin: f.type === FrameType.LOCATE_A ? f.ageMin : undefined,
      originated: false,
      prevHop: f.tx,
      ttl: f.ttl - 1,
      hops: Math.min(255, f.hops + 1),
      tried: exclude,
      attempt: isData ? f.attempt : 0,
    });
    this.#dispatch(u, now, false);
  }

  /** Whether an ACK or locate answer without a route could still go back the way its DATA or query came. */
  #hasReverseHop(f: DataFrame | E2eAckFrame | LocateAnswerFrame, now: number): boolean {
    if (f.type === FrameType.DATA) return false;
    const probe = { ftype: f.type, src: f.src, dst: f.dst, seq: f.seq } as Unicast;
    const back = this.#reverseHopFor(probe, now);
    return back !== undefined && back !== f.tx;
  }

  /** A frame we handed on came back: try our remaining routes, or hand it further back (§7.3). */
  #onBounce(f: DataFrame, key: string, now: number): void {
    this.#sendHopAck(f.tx, f.src, f.dst, f.seq, AckStatus.DELIVERED, f.priority, now);
    const c = this.#custody.get(key);
    if (c !== undefined) this.#custody.delete(key);
    // A bounce we already took back (its hop ACK was lost) must not be processed twice.
    if (this.#awaiting.has(key) || this.#queue.find((q) => q.tag.kind === "unicast" && keyOf(q.tag.u) === key)) {
      return;
    }
    this.#dedup.add(key, now);
    const tried = new Set<NodeId>(c?.tried ?? []);
    tried.add(f.tx);
    // The neighbour that handed it back has no way to the destination.
    for (const [kind, key] of [["node", f.dst], ["cluster", f.dstCluster]] as const) {
      const entry = this.#routes.get(kind, key)?.entries.find((e) => e.neighbour === f.tx);
      if (entry !== undefined) this.#routeFailedFor({ kind, key, entry }, now);
    }
    const originated = c?.originated ?? f.src === this.id;
    const u = this.#newUnicast({
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
      hops: Math.min(255, f.hops + 1),
      tried,
      attempt: f.attempt,
    });
    this.#dispatch(u, now, true);
  }

  // ---------------------------------------------------------------------------------------------
  // Floods and broadcasts (§14, §15, §17)

  /**
   * Whether we advertise cluster `c` only under its parent prefix (§5.4): a cluster of our own
   * precision, outside our parent region and more than clusterDetailRings cells away.
   */
  #summarised(c: ClusterId): boolean {
    if (clusterPrecision(c) !== clusterPrecision(this.#cluster)) return false;
    const parent = clusterParent(c);
    return parent !== NO_CLUSTER && parent !== clusterParent(this.#cluster) && clusterDistance(c, this.#cluster) > this.config.clusterDetailRings;
  }

  /** Whether our tables hold any route (live or not) toward a cluster or an aggregate covering it. */
  #knowsWayTo(cluster: ClusterId): boolean {
    for (let c = cluster; c !== NO_CLUSTER; c = clusterParent(c)) {
      if ((this.#routes.get("cluster", c)?.entries.length ?? 0) > 0) return true;
    }
    return false;
  }

  /**
   * Contention delay before relaying a flood or broadcast: U[0, 2^cw) slots with cw growing with
   * the SNR the frame arrived at (3 at the demodulation limit … floodContentionCw at 30 dB
   * above it), so the receivers farthest from the sender relay first and cover the most new
   * ground, and the near ones can hear them and stand down (§15).
   */
  #contention(): number {
    const margin = this.#rxSnr - (SNR_LIMIT_DB[this.#modem.sf] ?? -20);
    const top = this.config.floodContentionCw;
    const cw = Math.max(MIN_RELAY_CW, Math.min(top, Math.round(MIN_RELAY_CW + ((top - MIN_RELAY_CW) * margin) / 30)));
    return randInt(this.#rng, 2 ** cw) * this.#slotMs;
  }

  /** Relay and answer delay for location queries: short, as they need no coverage pruning. */
  #locateDelay(): number {
    return randInt(this.#rng, 2 ** LOCATE_CW) * this.#slotMs;
  }

  /**
   * Queues a flood or broadcast relay unless the frames already heard cover every usable
   * neighbour (neighbour-coverage pruning on the two-hop view). `from` is who we heard it from.
   */
  #queueRelay(key: string, bytes: Uint8Array, priority: PriorityLevel, from: NodeId, now: number): boolean {
    this.#pendingRelays.set(key, { covered: new Set<NodeId>(), copies: 1 });
    if (this.#coveredBy(key, from, now)) {
      this.#pendingRelays.delete(key);
      this.#stats.relaysSuppressed++;
      return false;
    }
    this.#queue.push(
      {
        bytes,
        priority,
        kind: "data",
        isAck: false,
        notBefore: now + this.#contention(),
        enqueuedAt: now,
        cw: 0,
        airtimeMs: this.#airtime(bytes.length),
        tag: { kind: "relay", key },
      },
      true,
    );
    return true;
  }

  /** Adds what `sender`'s transmission covered; true when every usable neighbour is covered. */
  #coveredBy(key: string, sender: NodeId, now: number): boolean {
    const covered = this.#pendingRelays.get(key)?.covered;
    if (covered === undefined) return false;
    covered.add(sender);
    const s = this.#nbrs.get(sender);
    let all = true;
    for (const w of this.#nbrs.usableList(now)) {
      if (covered.has(w.id)) continue;
      if (s !== undefined && this.#nbrs.twoHopRq(s, shortId(w.id)) > 0) covered.add(w.id);
      else all = false;
    }
    return all;
  }

  /**
   * A copy of a flood or broadcast we are about to relay was heard: stand down if it is
   * redundant — its senders cover every neighbour (needs the two-hop view), or we have heard it
   * relayCopyThreshold times (counter-based suppression, Ni et al. 1999: needs no topology, and
   * is what keeps a mesh where everyone hears everyone from relaying every copy).
   */
  #heardCopy(key: string, sender: NodeId, now: number): void {
    const pending = this.#pendingRelays.get(key);
    if (pending === undefined) return;
    pending.copies++;
    const enough = this.config.relayCopyThreshold > 0 && pending.copies >= this.config.relayCopyThreshold;
    if (this.#coveredBy(key, sender, now) || enough) {
      this.#pendingRelays.delete(key);
      if (this.#queue.remove((q) => q.tag.kind === "relay" && q.tag.key === key).length > 0) this.#stats.relaysSuppressed++;
    }
  }

  #enqueuePlain(bytes: Uint8Array, priority: PriorityLevel, kind: "data" | "control", notBefore: number, now: number): boolean {
    return this.#queue.push(
      {
        bytes,
        priority,
        kind,
        isAck: false,
        notBefore,
        enqueuedAt: now,
        cw: 0,
        airtimeMs: this.#airtime(bytes.length),
        tag: { kind: "plain" },
      },
      kind === "data",
    );
  }

  /** Sends a unicast message as a scoped flood: corridor fallback, homeless, or network-wide. */
  #sendFlood(u: Unicast, scopeKind: FloodScopeKind, now: number): void {
    const ttl =
      scopeKind === FloodScope.LOCAL ? this.config.homelessFloodTtl : scopeKind === FloodScope.CORRIDOR ? this.config.corridorHopCap : this.config.broadcastHopCap;
    const f: FloodFrame = {
      type: FrameType.FLOOD,
      tx: this.id,
      ttl,
      hops: 0,
      priority: u.priority,
      wantAck: u.wantAck,
      scopeKind,
      src: u.src,
      dst: u.dst,
      seq: u.seq,
      srcCluster: this.#cluster,
      dstCluster: u.dstCluster,
      payload: u.payload,
    };
    this.#dedup.add(`f:${u.src}:${u.dst}:${u.seq}`, now);
    this.#enqueuePlain(encodeFrame(f), u.priority, "data", now, now);
    if (scopeKind === FloodScope.LOCAL) {
      this.#stats.localFloods++;
    } else {
      if (scopeKind === FloodScope.CORRIDOR) this.#stats.fallbackFloods++;
      else this.#stats.networkFloods++;
      this.#events.push({ type: "fallback-flood", at: now, dst: u.dst, seq: u.seq });
    }
  }

  #onFlood(f: FloodFrame, now: number): void {
    const key = `f:${f.src}:${f.dst}:${f.seq}`;
    if (!this.#dedup.add(key, now)) {
      this.#stats.rxDuplicates++;
      this.#heardCopy(key, f.tx, now);
      return;
    }
    this.#locations.learn(f.src, f.srcCluster, now);
    if (f.dst === this.id) {
      this.#deliver(f.src, f.seq, f.payload, f.hops + 1, f.priority, now);
      if (f.wantAck) this.#sendE2eAck(f.src, f.seq, f.hops + 1, f.priority, undefined, now);
      return;
    }
    if (f.scopeKind === FloodScope.LOCAL && this.#cluster !== NO_CLUSTER && !this.#dedup.has(identityKey("d", f.src, f.dst, f.seq), now)) {
      // A homeless node's message: the first node that can route it takes it over (§17).
      const dstCluster = this.#dstClusterFor(f.dst, now);
      if (this.#routeOptions(f.dst, dstCluster, now, new Set()).length > 0 && this.#queue.hasRoomFor("data")) {
        this.#dedup.add(identityKey("d", f.src, f.dst, f.seq), now);
        this.#stats.relayed++;
        const u = this.#newUnicast({
          ftype: FrameType.DATA,
          src: f.src,
          dst: f.dst,
          seq: f.seq,
          priority: f.priority,
          dstCluster,
          wantAck: f.wantAck,
          payload: f.payload,
          originated: false,
          prevHop: undefined,
          ttl: this.config.dataTtl,
          hops: Math.min(255, f.hops + 1),
        });
        this.#dispatch(u, now, false);
        return;
      }
    }
    if (this.#muted || f.ttl <= 1) return;
    const relay =
      f.scopeKind === FloodScope.NETWORK ||
      f.scopeKind === FloodScope.LOCAL ||
      inCorridor(this.#cluster, this.#isBorder(now), this.#knowsWayTo(f.dstCluster), f.srcCluster, f.dstCluster);
    if (!relay) return;
    const bytes = encodeFrame({ ...f, tx: this.id, ttl: f.ttl - 1, hops: Math.min(255, f.hops + 1) });
    if (this.#queueRelay(key, bytes, f.priority, f.tx, now)) this.#stats.floodRelays++;
  }

  #sendBroadcast(now: number, payload: Uint8Array, priority: PriorityLevel, scope: number): SendResult {
    if (!Number.isInteger(scope) || scope < 0 || scope > 7) {
      return { ok: false, code: "bad-destination", reason: `broadcast scope ${scope} is not 0..7 cluster rings` };
    }
    const seq = this.#seqOut.next(BROADCAST);
    const f: BcastFrame = {
      type: FrameType.BCAST,
      tx: this.id,
      ttl: this.config.broadcastHopCap,
      hops: 0,
      priority,
      scope,
      src: this.id,
      seq,
      originCluster: this.#cluster,
      payload: payload.slice(),
    };
    this.#dedup.add(`b:${this.id}:${seq}`, now);
    this.#enqueuePlain(encodeFrame(f), priority, "data", now, now);
    this.#stats.broadcasts++;
    return { ok: true, seq };
  }

  #onBroadcast(f: BcastFrame, now: number): void {
    const key = `b:${f.src}:${f.seq}`;
    if (!this.#dedup.add(key, now)) {
      this.#stats.rxDuplicates++;
      this.#heardCopy(key, f.tx, now);
      return;
    }
    this.#locations.learn(f.src, f.originCluster, now);
    if (!inBroadcastScope(this.#cluster, f.originCluster, f.scope)) return;
    this.#trackSeq(`${f.src}:b`, f.src, f.seq, now);
    this.#events.push({ type: "delivered", at: now, src: f.src, dst: BROADCAST, seq: f.seq, payload: f.payload, hops: f.hops + 1, priority: f.priority });
    if (this.#muted || f.ttl <= 1) return;
    const bytes = encodeFrame({ ...f, tx: this.id, ttl: f.ttl - 1, hops: Math.min(255, f.hops + 1) });
    if (this.#queueRelay(key, bytes, f.priority, f.tx, now)) this.#stats.broadcastRelays++;
  }

  // ---------------------------------------------------------------------------------------------
  // Location service (§16)

  /** How long one level of a lookup waits for an answer (configurable, else from the modem). */
  #locateTimeout(level: number): number {
    if (this.config.locateTimeoutMs > 0) return this.config.locateTimeoutMs;
    const roundTrip = this.#airtime(LOCATE_Q_BYTES) + this.#airtime(LOCATE_A_BYTES) + 2 ** LOCATE_CW * this.#slotMs;
    return 2_000 + (2 + 6 * level) * roundTrip;
  }

  #locate(u: Unicast, now: number): void {
    this.#qid = (this.#qid + 1) & 0xffff;
    const { lookup, started } = this.#lookups.add(u.dst, u, now, this.#qid, now + this.#locateTimeout(0));
    if (started) this.#sendLocateQuery(lookup, now);
  }

  #sendLocateQuery(l: Lookup<Unicast>, now: number): void {
    const f: LocateQueryFrame = {
      type: FrameType.LOCATE_Q,
      tx: this.id,
      ttl: l.level === 0 ? 1 : this.config.broadcastHopCap,
      hops: 0,
      scope: l.level,
      asker: this.id,
      qid: l.qid,
      askerCluster: this.#cluster,
      target: l.target,
    };
    this.#dedup.add(`q:${this.id}:${l.qid}`, now);
    this.#enqueuePlain(encodeFrame(f), 2, "control", now, now);
    this.#stats.locateQueries++;
  }

  /** A level timed out: widen, or give up and use the last resort. */
  #widenLookups(now: number): void {
    for (const l of this.#lookups.due(now)) {
      if (l.level < this.config.locateMaxScope) {
        l.level++;
        this.#qid = (this.#qid + 1) & 0xffff;
        l.qid = this.#qid;
        l.deadline = now + this.#locateTimeout(l.level);
        this.#sendLocateQuery(l, now);
        continue;
      }
      for (const u of this.#lookups.finish(l.target)) {
        if (this.config.networkFloodEnabled) this.#sendFlood(u, FloodScope.NETWORK, now);
        else this.#fail(u, now, "no-route", `could not locate ${formatNodeId(u.dst)}`);
      }
    }
  }

  #onLocateQuery(f: LocateQueryFrame, now: number): void {
    if (!this.#dedup.add(`q:${f.asker}:${f.qid}`, now)) {
      this.#heardCopy(`q:${f.asker}:${f.qid}`, f.tx, now);
      return;
    }
    this.#locations.learn(f.asker, f.askerCluster, now);
    this.#rememberReverse(`q:${f.asker}:${f.qid}`, f.tx, now);
    let cluster: ClusterId = NO_CLUSTER;
    let ageMin = 0;
    if (f.target === this.id) {
      cluster = this.#cluster;
    } else {
      const e = this.#locations.lookup(f.target, now);
      if (e !== undefined) {
        cluster = e.cluster;
        ageMin = Math.min(255, Math.floor((now - e.at) / 60_000));
      }
    }
    // An answer goes back by distance vector, or else the way the query came (reverse memory).
    if (cluster !== NO_CLUSTER) {
      const u = this.#newUnicast({
        ftype: FrameType.LOCATE_A,
        src: this.id,
        dst: f.asker,
        seq: f.qid,
        priority: 2,
        dstCluster: f.askerCluster,
        target: f.target,
        targetCluster: cluster,
        ageMin,
        originated: true,
        prevHop: undefined,
        ttl: this.config.dataTtl,
        hops: 0,
      });
      // The target answers at once; others after a contention delay, cancelled if they hear
      // another answer to the same query first.
      this.#stats.locateAnswersSent++;
      this.#dispatch(u, now, false, f.target === this.id ? 0 : this.#locateDelay());
      return;
    }
    if (this.#muted || f.ttl <= 1 || !inLocateScope(this.#cluster, f.askerCluster, f.scope)) return;
    // Relayed like a broadcast, with the same suppression (coverage, copies heard).
    const bytes = encodeFrame({ ...f, tx: this.id, ttl: f.ttl - 1, hops: Math.min(255, f.hops + 1) });
    if (this.#queueRelay(`q:${f.asker}:${f.qid}`, bytes, 2, f.tx, now)) this.#stats.locateRelays++;
  }

  #onLocateAnswer(f: LocateAnswerFrame, now: number): void {
    if (!this.#dedup.add(identityKey("l", f.src, f.dst, f.seq), now)) return;
    this.#stats.locateAnswersReceived++;
    this.#locations.learn(f.target, f.targetCluster, now - f.ageMin * 60_000);
    if (this.#lookups.get(f.target) === undefined) return;
    for (const u of this.#lookups.finish(f.target)) {
      u.dstCluster = f.targetCluster;
      if (this.#routeOptions(u.dst, u.dstCluster, now, u.tried).length > 0) this.#dispatch(u, now, false);
      else this.#exhausted(u, now);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // OGMs (§4, §5, §8)

  #onOgm(f: OgmFrame, meta: RxMeta): void {
    const now = meta.at;
    this.#noteOgmSender(f.tx, now);
    const { n, reception } = this.#nbrs.onOgm(f, meta.rssi, meta.snr, now);
    if (n === undefined || reception === "duplicate") return;
    const hold = now + this.#nbrs.holdMs(n);
    const touchedNodes: number[] = [n.id];
    const touchedClusters: number[] = [];
    const sameCluster = this.#cluster === NO_CLUSTER || n.homeless || n.cluster === this.#cluster;
    this.#locations.learn(n.id, n.cluster, now);
    // The neighbour itself, reachable directly. Only entries that changed are re-evaluated:
    // most of an OGM repeats what the last one said and only refreshes hold times.
    this.#routes.update("node", n.id, n.id, n.id, f.routeSeq, 0, hold, now, !sameCluster);
    if (!sameCluster) {
      // We border its cluster: originate a route to that cluster (§5.4).
      const o = this.#routes.update("cluster", n.cluster, n.id, this.id, this.#routeSeq, 0, hold, now);
      if (o === "updated" || o === "new-destination") touchedClusters.push(n.cluster);
    }
    // Routes through a neighbour we cannot use are of no use to us: skip its route entries
    // (in a dense mesh most neighbours heard are not usable, and route entries are most of the
    // work an OGM costs). Its next OGMs bring them once the link qualifies.
    const advertsTrusted = this.#checkAdverts(f, n.id, now);
    const routesUsable = this.#nbrs.usable(n, now) && advertsTrusted;
    for (const e of f.nodeRoutes) {
      const plausible = plausibleMetric(e.metric, this.config);
      if (advertsTrusted && plausible) this.#locations.learn(e.dst, n.cluster, now);
      if (!routesUsable || !sameCluster || e.dst === this.id || !plausible) continue;
      const o = this.#routes.update("node", e.dst, n.id, e.dst, e.seqno, e.metric, hold, now);
      if (o === "updated" || o === "new-destination") touchedNodes.push(e.dst);
    }
    for (const e of f.clusterRoutes) {
      if (!routesUsable || clusterContains(e.cluster, this.#cluster) || e.origin === this.id || !plausibleMetric(e.metric, this.config)) continue;
      const o = this.#routes.update("cluster", e.cluster, n.id, e.origin, e.seqno, e.metric, hold, now);
      if (o === "updated" || o === "new-destination") touchedClusters.push(e.cluster);
    }
    this.#routeChanges(this.#routes.refreshSome("node", touchedNodes, now), now);
    this.#routeChanges(this.#routes.refreshSome("cluster", touchedClusters, now), now);
    const up = this.#nbrs.usable(n, now);
    if (up !== n.up) {
      n.up = up;
      this.#events.push({ type: up ? "neighbour-up" : "neighbour-down", at: now, neighbour: n.id });
      if (up && !n.everUp) this.#triggerOgm(now);
      if (up) n.everUp = true;
    }
  }

  /**
   * Metric floor and lie strikes (§7.5): counts the impossible entries of an OGM against its
   * sender, and returns whether that sender's advertisements may be used at all.
   */
  #checkAdverts(f: OgmFrame, from: NodeId, now: number): boolean {
    if (this.#trust.distrusted(from, now)) return false;
    let lies = 0;
    for (const e of f.nodeRoutes) if (e.dst !== from && !plausibleMetric(e.metric, this.config)) lies++;
    for (const e of f.clusterRoutes) if (!plausibleMetric(e.metric, this.config)) lies++;
    if (lies === 0) return true;
    this.#stats.implausibleEntries += lies;
    if (!this.#trust.lie(from, now)) return true;
    this.#stats.liarsDistrusted++;
    this.#log(now, "warn", `${formatNodeId(from)} advertised impossible metrics: ignoring its routes for ${Math.round(this.config.lieDistrustMs / 60_000)} min`);
    this.#routes.dropAdvertsOf(from);
    this.#routeChanges(this.#routes.refresh(now), now);
    return false;
  }

  /** A next hop lost a frame it took for relaying: less of everything goes through it (§7.5). */
  #distrustHop(id: NodeId, now: number): void {
    this.#trust.failure(id, now);
    this.#stats.trustFailures++;
  }

  #routeChanges(changes: readonly RouteChange[], now: number): void {
    for (const c of changes) {
      this.#events.push({
        type: "route-changed",
        at: now,
        dst: c.kind === "node" ? c.key : formatCluster(c.key),
        nextHop: c.via,
      });
      // Destinations new to us go out early; losses and returns ride the next regular OGM.
      if (c.fresh) this.#triggerOgm(now);
    }
  }

  /** Schedule the next OGM early, within the triggered-update gap (§8.2). */
  #triggerOgm(now: number): void {
    // At most one early OGM between two regular ones.
    if (this.#triggeredSinceRegular) return;
    const earliest = Math.max(now, this.#lastOgmBuiltAt + this.config.triggeredMinGapFactor * this.#intervalMs);
    if (earliest < this.#nextOgmAt) {
      this.#nextOgmAt = earliest;
      this.#triggeredSinceRegular = true;
    }
  }

  /** Expiry work runs at a third of the OGM interval: timeouts and holds are multiples of it. */
  #sweepPeriod(): number {
    return this.#intervalMs / 3;
  }

  #sweep(now: number): void {
    this.#nextSweepAt = now + this.#sweepPeriod();
    const { lost, changes } = this.#nbrs.expire(now);
    for (const id of lost) {
      this.#routes.dropNeighbour(id);
      this.#lost.set(id, now);
    }
    if (now >= this.#nextRotationAt) {
      // A new silencing epoch: a fresh random part of our relay priority (§12).
      this.#relayRandom = randInt(this.#rng, 8);
      this.#nextRotationAt = now + this.config.silenceRotationMs;
    }
    if (this.#position === undefined) this.#adoptCluster(now);
    for (const c of changes) {
      this.#events.push({ type: c.up ? "neighbour-up" : "neighbour-down", at: now, neighbour: c.id });
      if (!c.up) this.#lost.set(c.id, now);
    }
    this.#routeChanges(this.#routes.refresh(now), now);
    for (const [k, c] of this.#custody) if (c.until < now) this.#custody.delete(k);
    for (const [k, r] of this.#reverse) if (r.until < now) this.#reverse.delete(k);
  }

  /**
   * OGM senders heard recently, whether or not the neighbour table admitted them: in a dense
   * mesh every one of them shares the channel, and the channel floor of the OGM interval (§8.1)
   * must count them all, not only the table's maxNeighbours.
   */
  #noteOgmSender(id: NodeId, now: number): void {
    this.#ogmSenders.delete(id);
    this.#ogmSenders.set(id, now);
    if (this.#ogmSenders.size > OGM_SENDERS_MAX) {
      const oldest = this.#ogmSenders.keys().next().value;
      if (oldest !== undefined) this.#ogmSenders.delete(oldest);
    }
  }

  #ogmSendersHeard(now: number): number {
    // Senders not heard for a few of our intervals have gone quiet (or away).
    const horizon = now - OGM_SENDER_MEMORY * this.#intervalMs;
    for (const [id, at] of this.#ogmSenders) {
      if (at >= horizon) break; // insertion order is last-heard order
      this.#ogmSenders.delete(id);
    }
    return this.#ogmSenders.size;
  }

  /** Without a fix: the neighbours' consensus cluster, or homeless (§17). */
  #adoptCluster(now: number): void {
    const reported: ClusterId[] = [];
    for (const n of this.#nbrs.values()) if (!n.homeless && this.#nbrs.usable(n, now)) reported.push(n.cluster);
    const c = consensusCluster(reported, this.config.consensusShare, this.config.consensusMin).cluster;
    if (c === this.#cluster) return;
    this.#log(now, "info", `no GPS fix: cluster ${formatCluster(this.#cluster)} → ${formatCluster(c)} (${reported.length} neighbours reporting)`);
    this.#cluster = c;
    this.#routes.resetNodeRoutes((id) => this.#nbrs.get(id) !== undefined);
    this.#triggerOgm(now);
  }

  /** Silencing decision on our two-hop view (§12). */
  #decideMute(now: number): boolean {
    const usable = this.#nbrs.usableList(now);
    this.#relayPrio = relayPriority(this.#battery, usable.length, this.#relayRandom);
    if (!this.config.silencingEnabled) return false;
    const threshold = this.config.linkUsableQ;
    return mayMute({
      self: this.id,
      selfPrio: this.#relayPrio,
      neighbours: usable.map((n) => ({ id: n.id, prio: n.relayPrio, active: n.relayActive })),
      linked: (a, b) => {
        const na = this.#nbrs.get(a);
        const nb = this.#nbrs.get(b);
        const ra = na === undefined ? 0 : this.#nbrs.twoHopRq(na, shortId(b));
        const rb = nb === undefined ? 0 : this.#nbrs.twoHopRq(nb, shortId(a));
        return ra * rb >= threshold;
      },
    });
  }

  #load(now: number): number {
    return Math.max(this.#queue.occupancy, this.#ledger.utilisation(now));
  }

  #queueOgm(now: number): void {
    if (this.#ogmsBuilt > 0 && this.#ogmsBuilt % this.config.seqnoEveryOgms === 0) this.#routeSeq = (this.#routeSeq + 1) & 0xffff;
    this.#ogmsBuilt++;
    this.#ogmSeq = (this.#ogmSeq + 1) & 0xffff;
    const items: OgmItem[] = [];
    const sinceLast = this.#lastOgmBuiltAt;
    for (const n of this.#nbrs.values()) {
      const rq = this.#nbrs.rq(n, now);
      if (rq > 0) items.push({ section: "nbr", entry: { short: shortId(n.id), rq: qualityToByte(rq) }, changed: n.firstHeardAt > sinceLast });
    }
    const adverts = new Map<OgmItem, { kind: DestKind; key: number; adv: { seqno: number; metric: number; origin: NodeId } }>();
    const homeless = this.#cluster === NO_CLUSTER;
    for (const d of this.#routes.destinations("node")) {
      if (d.foreign || homeless) continue; // a homeless node routes nothing itself (§17)
      const adv = this.#routes.advertisement(d, now, this.#routeSeq);
      if (adv === undefined) continue;
      const item: OgmItem = { section: "node", entry: { dst: d.key, seqno: adv.seqno, metric: adv.metric }, changed: d.changedAt > sinceLast };
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
    for (const d of this.#routes.destinations("cluster")) {
      if (homeless || d.key === this.#cluster || clusterContains(d.key, this.#cluster)) continue;
      const adv = this.#routes.advertisement(d, now, this.#routeSeq);
      if (adv === undefined) continue;
      const parent = clusterParent(d.key);
      if (adv.metric < METRIC_INFINITY && clusterPrecision(d.key) === clusterPrecision(this.#cluster)) {
        nearestIn.set(parent, Math.min(nearestIn.get(parent) ?? METRIC_INFINITY, adv.metric));
      }
      if (this.#summarised(d.key)) {
        if (adv.metric < METRIC_INFINITY) own.set(parent, METRIC_INFINITY);
        continue;
      }
      const item: OgmItem = {
        section: "cluster",
        entry: { cluster: d.key, origin: adv.origin, seqno: adv.seqno, metric: adv.metric },
        changed: d.changedAt > sinceLast,
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
      const last = this.#aggregates.get(parent);
      const changed = last === undefined || Math.abs(metric - last) > metric / 4;
      items.push({ section: "cluster", entry: { cluster: parent, origin: this.id, seqno: this.#routeSeq, metric }, changed });
      this.#aggregates.set(parent, metric);
    }
    for (const p of this.#aggregates.keys()) if (!own.has(p)) this.#aggregates.delete(p);
    const sel = selectOgmItems(
      items,
      { maxBytes: Math.min(this.config.ogmMaxBytes, MAX_FRAME_BYTES - this.config.frameOverheadBytes), maxNeighbours: this.config.ogmMaxNeighbours, routeBytes: this.config.ogmRouteBytes },
      this.#ogmCursors,
    );
    this.#ogmCursors = sel.cursors;
    for (const it of sel.carried) {
      if (it.section === "nbr") continue;
      this.#stats.ogmRouteEntries++;
      if (it.changed) this.#stats.ogmChangedEntries++;
    }
    for (const it of sel.carried) {
      const a = adverts.get(it);
      if (a === undefined) continue;
      const d = this.#routes.get(a.kind, a.key);
      if (d !== undefined) this.#routes.advertised(d, a.adv, now);
    }
    const heard = Math.max(this.#nbrs.size, this.#ogmSendersHeard(now));
    this.#nbrs.pruneTwoHop(now);
    this.#muted = this.#decideMute(now);
    const frame: OgmFrame = {
      type: FrameType.OGM,
      tx: this.id,
      ogmSeq: this.#ogmSeq,
      hasFix: this.#position !== undefined,
      border: this.#isBorder(now),
      relayActive: !this.#muted,
      homeless,
      cluster: this.#cluster,
      battery: this.#battery < 0 ? 255 : Math.round(this.#battery * 254),
      load: Math.round(this.#load(now) * 255),
      intervalUnits: 1,
      relayPrio: this.#relayPrio,
      routeSeq: this.#routeSeq,
      cycle: sel.cycle,
      neighbours: sel.neighbours,
      nodeRoutes: sel.nodeRoutes,
      clusterRoutes: sel.clusterRoutes,
    };
    // The interval depends on the OGM's own airtime (duty cap), so size it first.
    const probe = encodeFrame(frame);
    const air = this.#airtime(probe.length);
    this.#intervalMs = ogmInterval(heard, air, this.#ledger.dutyCycle, this.config);
    const units = Math.min(255, Math.max(1, Math.ceil(this.#intervalMs / OGM_INTERVAL_UNIT_MS)));
    const bytes = encodeFrame({ ...frame, intervalUnits: units });
    // A newer OGM supersedes one still waiting in the queue.
    this.#queue.remove((q) => q.tag.kind === "ogm");
    this.#queue.push({
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
    this.#lastOgmBuiltAt = now;
    this.#nextOgmAt = now + jitter(this.#intervalMs, this.#rng, this.config);
    this.#triggeredSinceRegular = false;
    this.#nextSweepAt = Math.min(this.#nextSweepAt, now + this.#sweepPeriod());
  }

  #log(now: number, level: "info" | "warn", text: string): void {
    this.#events.push({ type: "log", at: now, level, text });
  }

  /** For tests: the advertised metric we would send for a node destination now. */
  advertisedMetric(dst: NodeId, now: number): number {
    const d = this.#routes.get("node", dst);
    return d === undefined ? METRIC_INFINITY : (this.#routes.advertisement(d, now, this.#routeSeq)?.metric ?? METRIC_INFINITY);
  }

  /** For tests and the console: a neighbour record. */
  neighbour(id: NodeId): Neighbour | undefined {
    return this.#nbrs.get(id);
  }
}
