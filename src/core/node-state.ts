// The state every concern of a System 5 node shares (docs/protocol.md §1), the routed-frame and
// queue-tag types they pass between them, and the node's counters. MeshNode (mesh-node.ts) is the
// Station façade over these concerns.
import type { GatewayRole } from "./bridge/gateway-role";
import type { Flooding } from "./flooding";
import type { Forwarding } from "./forwarding";
import type { EndToEnd } from "./end-to-end";
import type { GeoPoint } from "./geohash";
import type { LocationService } from "./location-service";
import type { MeshConfig } from "./config";
import type { NodeId, PriorityLevel, StationEvent } from "./station";
import type { OgmItem } from "./ogm-builder";
import type { OgmPlane } from "./ogm-plane";
import type { RelayDuty } from "./relay-duty";
import { emptySeqreqCounters, type SeqnoRequests, type SeqreqCounters } from "./seqno-request";
import type { Rng } from "./rng";
import { ChannelMeter } from "./channel-load";
import { DedupCache } from "./dedup";
import { DutyLedger } from "./duty-ledger";
import { FloodBudget } from "./flood-budget";
import { metresBetween } from "./position";
import { LocationCache } from "./location-cache";
import { emptyLinkCounters, type LinkCounters, NeighbourTable } from "./neighbour-table";
import { NeighbourTrust } from "./trust";
import { SeqReceiver, SeqSender } from "./seq-tracker";
import { TxQueue } from "./tx-queue";
import { airtimeMs, type LoRaModulation } from "./airtime";
import { clusterDistance, type ClusterId, clusterParent, clusterPrecision, NO_CLUSTER } from "./cluster";
import { slotTimeMs, SNR_LIMIT_DB } from "./presets";
import { AckStatus, type AckStatusCode, type DataFrame, type E2eAckFrame, FrameType, type LocateAnswerFrame } from "./frames";
import { type DestKind, emptyRouteCounters, type RouteCounters, type RouteEntry, RouteTable } from "./route-table";

/** Counters for diagnostics, the console and the simulator. */
export interface MeshStats extends LinkCounters, RouteCounters, SeqreqCounters {
  rxFrames: number;
  rxMalformed: number;
  rxMalformedByCode: Record<string, number>;
  /** Frames that decode but no real node sends (hop count at its limit, a query "from" us): dropped. */
  rxImplausible: number;
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
  /** Repeats withdrawn, or their waits ended, by a late confirmation from a hop already tried (rule lateConfirmation, §7.1). */
  lateConfirmations: number;
  /** Custody ended by a copy overheard past the next hop (rule downstreamCopy, §7.1). */
  downstreamCopies: number;
  /** Copies come round a loop of shortcuts sent on once more by a table route (rule `loopTakesTable`, §7.3). */
  loopCopies: number;
  /** DATA passed on by a way back that came round to us from another node, refused (rule `wayRoundRefused`, §14). */
  waysRound: number;
  /** DATA for us taken in though it named another next hop (rule overheardDelivery, §7.4). */
  overheardDeliveries: number;
  /** Our messages acknowledged by an end-to-end ACK that named another next hop, or by the destination's own hop ACK (rule overheardAck, §7.4). */
  overheardAcks: number;
  bounces: number;
  /** Relayed frames dropped because their hand-back went unconfirmed (rule handBackSpent, §7.3). */
  handBacksLost: number;
  routeDeaths: number;
  sendFailed: number;
  refusedNoRoute: number;
  /** Routed frames sent past the tables (rules heardShortcut and twoHopShortcut, §6.1). */
  shortcuts: number;
  dropsQueueFull: number;
  dropsTtl: number;
  dropsUnroutable: number;
  channelBusy: number;
  dutyDeferrals: number;
  qosRefusals: number;
  fallbackFloods: number;
  networkFloods: number;
  /** Lookups not started because their widest level would ask every cluster known (rule `coveredLookupSkipped`, §16). */
  lookupsCovered: number;
  /** Lookups that asked a level past the widest (§16 `farLookupLevel`). */
  lookupsFar: number;
  localFloods: number;
  /** Fallback floods not started because the same message was flooded already (§14.1 `floodOnce`). */
  floodsHeld: number;
  /** Lookups not started because one for the same target failed lately (§14.1 `lookupSkipped`). */
  lookupsSkipped: number;
  /** Lookups not started because the channel was at least 40 % busy (LOOKUP_BUSY_SHARE): the network flood went at once (§16 `busyLookupSkipped`). */
  lookupsBusy: number;
  floodRelays: number;
  broadcasts: number;
  broadcastRelays: number;
  /** Broadcasts sent again naming backup forwarders because a named one was not heard relaying (§15). */
  broadcastBackups: number;
  /** Floods and location queries sent again naming backup forwarders (§15 *Directed frames*). */
  floodBackups: number;
  /** Frames of ours sent once more because no copy was heard (rule `resendUnechoed`, §14). */
  unechoedResends: number;
  /** Floods carried to their destination as one confirmed DATA hop (rule agreedHandover, §14). */
  floodHandovers: number;
  /** Hand-overs called off: another node carried it, the destination answered, or our link to the destination went (rule agreedHandover). */
  handoversCalledOff: number;
  /** Flood or broadcast relays stood down because the copies heard covered every neighbour. */
  relaysSuppressed: number;
  /** Location-query relays dropped from the queue because the target's answer was heard (rule `answeredQuery`, §16). */
  queryRelaysAnswered: number;
  /** Waiting relays dropped because PENDING_RELAYS_MAX were waiting (flooding.ts). */
  relaysShed: number;
  /** Flood relays dropped, or not queued, because the destination's answer to the message was overheard (rule answeredStandDown, §14). */
  relaysAnswered: number;
  e2eRetries: number;
  /** Route entries carried in OGMs, and how many of them as changes (sent first). */
  ogmRouteEntries: number;
  ogmChangedEntries: number;
  /** Trickle resets (something genuinely new, §8.2), and early OGMs they brought forward. */
  ogmResets: number;
  ogmEarly: number;
  /** News (other than our own new cluster) that brought no early OGM because the neighbour table was full (§8.2). */
  ogmNewsCrowded: number;
  /** Destinations new to a full node route table, left to ride the next regular OGM (rule `fullTableNews`). */
  ogmNewsFullTable: number;
  /** A neighbour heard for the first time brought a long-ceiling OGM forward to 16 min (§8.1, `newcomerCeiling`). */
  ogmNewcomerCaps: number;
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

/** How long after moving a node still counts as moving (§15, §14). */
export const MOVING_MS = 5 * 60_000;

/**
 * At this speed or more a moving node counts as driving (§14 `resendUnechoed`, §14.1
 * `movingFloodMemory`): 18 km/h, above walking and running, below any road vehicle in traffic. A
 * walker's neighbourhood hardly changes in the minute those rules count on (building-emergency,
 * walkers at 0.5–1.5 m/s on a saturated channel, seed 1: with the rules for every moving node,
 * airtime per delivered message 55.7 → 63.7 s and broadcast coverage 46.8 → 40.3 %).
 */
export const DRIVING_MPS = 5;
/**
 * A node driving at DRIVING_MPS or more counts an odometer step (MOVED_METRES, 100 m) at least
 * every 20 s; with none for twice that it has stopped, whatever its last speed said (review: a
 * parked car counted as driving for the rest of MOVING_MS, 5 min, and so advertised OGM flag b6,
 * rule `drivenOff` §4, and hid its lost neighbours from its health, rule `drivingHealth` §11).
 */
export const DRIVING_STEP_GAP_MS = 40_000;

/**
 * Rule `netSpeed` (§14): a node's speed is its net displacement over the odometer's last two
 * counted steps, divided by their time. One step over the time since the step before read a
 * static node's GPS glitch (150 m a second after a fix, within plausibleStep) as 150 m/s, so it
 * counted as driving for MOVING_MS; a glitch out and back nets about nothing.
 */
export class SpeedTrail {
  /** The fixes that began the last two counted steps and ended the last one, oldest first (at most three). */
  readonly #at: { p: GeoPoint; t: number }[] = [];

  /** The odometer's anchor moved without a counted step (the first fix, or an implausible jump): start over from here. */
  restart(p: GeoPoint, t: number): void {
    this.#at.length = 0;
    this.#at.push({ p, t });
  }

  /** The odometer counted a step ending at `p`: the speed, m/s, over the last two steps (or the one, the first time). */
  step(p: GeoPoint, t: number): number {
    this.#at.push({ p, t });
    if (this.#at.length > 3) this.#at.shift();
    const first = this.#at[0];
    if (this.#at.length < 2) return 0;
    return (1_000 * metresBetween(first.p, p)) / Math.max(1, t - first.t);
  }
}

// A routed frame (DATA, end-to-end ACK, LOCATE_A) in this node's custody.
export interface Unicast {
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
  /** Sent with SendOptions.wayBack (rule `keyWayBack`): with no route, the way the destination's flood came. */
  wayBack?: boolean;
  /** Sent with SendOptions.oneHop: the forced hop only, never another route or a flood. */
  readonly oneHop: boolean;
  /** Attempts on a hop before it is given up, when fewer than the link's (rule agreedHandover, §14). */
  readonly maxAttempts?: number;
  /**
   * This node handed the frame back (§7.3: every route failed). Kept apart from the on-air
   * `bounced` flag, which a frame carries only while it goes back to prevHop (`bouncedOnAir`).
   */
  handedBack: boolean;
  /** Rule `loopTakesTable`: the hop it goes to now is a two-hop shortcut. */
  viaTwoHop?: boolean;
  /** Rule `wayRoundRefused`: a DATA whose hop now is a way back (`reverseHopFor`), not a route. */
  viaWayBack?: boolean;
  /** Rule `loopTakesTable`: a copy come round a loop, from this neighbour: table routes only, dropped if none works. */
  loopFrom?: NodeId;
  /**
   * End-to-end attempt (DATA, and an end-to-end ACK echoing its DATA's, §3.4; 0 for answers):
   * relays treat each attempt as a frame of its own.
   */
  attempt: number;
}

export type Tag =
  | { readonly kind: "ogm"; readonly items: OgmItem[] }
  | { readonly kind: "unicast"; readonly u: Unicast }
  | { readonly kind: "relay"; readonly key: string }
  | { readonly kind: "plain" };

export interface Awaiting {
  readonly u: Unicast;
  readonly nextHop: NodeId;
  readonly deadline: number;
  /** When our transmission ended (for the round-trip estimate). */
  readonly sentAt: number;
}

/**
 * Whether a confirmation from `from` ends the wait `w`: its next hop's, or (rule
 * `overheardDelivery`, §7.4, `destination` on) the DATA's destination's own "delivered", which it
 * sends when it took the DATA in from a hop that named another next hop.
 */
export function confirmsWait(w: Awaiting, from: NodeId, status: AckStatusCode, destination: boolean): boolean {
  return w.nextHop === from || (destination && from === w.u.dst && status === AckStatus.DELIVERED && w.u.ftype === FrameType.DATA);
}

// What a node remembers about a frame it handed on, so that a bounce can be taken back (§7.3).
export interface Custody {
  readonly prevHop: NodeId | undefined;
  readonly tried: Set<NodeId>;
  readonly originated: boolean;
  readonly until: number;
  /** We handed it back because none of our routes worked: if it comes round again, refuse it. */
  readonly bouncedAway: boolean;
  /** We sent it on by a two-hop shortcut (rule `loopTakesTable`, §7.3), with this payload (`hash32`). */
  readonly viaTwoHop?: boolean;
  readonly payloadSum?: number;
  /** Rule `wayRoundRefused` (§14): we sent it on by a way back, whose ways can point round a cycle, with this hop count. */
  readonly viaWayBack?: boolean;
  readonly sentHops?: number;
}

export const TYPE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [FrameType.OGM]: "ogm",
  [FrameType.DATA]: "data",
  [FrameType.ACK]: "ack",
  [FrameType.LOCATE_Q]: "locate-q",
  [FrameType.LOCATE_A]: "locate-a",
  [FrameType.FLOOD]: "flood",
  [FrameType.BCAST]: "bcast",
  [FrameType.SEQREQ]: "seqreq",
});

/** Priority given to OGMs in the queue: the mesh works only while they flow. */
export const OGM_PRIORITY: PriorityLevel = 1;
/** How long a node remembers frames it handed on (for bounces). */
export const CUSTODY_MS = 10 * 60_000;
export const MAX_CUSTODY = 128;
/** Longest channel-busy backoff exponent. */
export const MAX_BUSY_CW = 8;
/** Contention exponent for location queries and answers. */
export const LOCATE_CW = 4;
/** Smallest relay contention exponent (Meshtastic's CWmin). */
export const MIN_RELAY_CW = 3;
/** Reverse hops remembered (queries relayed in the last few minutes). */
export const REVERSE_MAX = 128;
/** Ids remembered as known for the Trickle reset rule (neighbours, destinations, clusters). */
export const KNOWN_IDS_MAX = 1024;
/**
 * Ids remembered as heard for rule `newcomerCeiling` (§8.1). A set of its own: ids any sender can
 * invent must not push the destinations and clusters of `KNOWN_IDS_MAX` out (they would be news again).
 * 256: more than the most nodes one node decodes in the scenarios (bay-area's mountain nodes reach 191).
 */
export const NEWCOMER_IDS_MAX = 256;
/** Longest gap between two sweeps of the tables, whatever the OGM interval. */
export const MAX_SWEEP_MS = 60_000;
/** Longest confirmation wait, however slow the measured round trips. */
export const MAX_ACK_WAIT_MS = 60_000;
/** Messages awaiting an end-to-end ACK at most (the oldest is given up beyond). */
export const E2E_PENDING_MAX = 32;
/** Slots a confirmation wait allows for the next hop finding the channel busy (a few backoffs). */
export const BUSY_ALLOWANCE_SLOTS = 32;
/**
 * Rule `answerHold` (§7.1): after a routed frame that awaits its next hop's confirmation, the node
 * sends nothing for this many slots, so an answer that comes at once (a hop ACK from the
 * destination, or for a repeat the next hop already took) starts first and the node's carrier
 * sense hears it, instead of both starting together and the half-duplex sender missing it.
 */
export const ANSWER_HOLD_SLOTS = 2;

export function emptyStats(): MeshStats {
  return {
    rxFrames: 0,
    rxMalformed: 0,
    rxMalformedByCode: {},
    rxImplausible: 0,
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
    lateConfirmations: 0,
    downstreamCopies: 0,
    loopCopies: 0,
    waysRound: 0,
    overheardDeliveries: 0,
    overheardAcks: 0,
    bounces: 0,
    handBacksLost: 0,
    routeDeaths: 0,
    sendFailed: 0,
    refusedNoRoute: 0,
    shortcuts: 0,
    dropsQueueFull: 0,
    dropsTtl: 0,
    dropsUnroutable: 0,
    channelBusy: 0,
    dutyDeferrals: 0,
    qosRefusals: 0,
    fallbackFloods: 0,
    networkFloods: 0,
    lookupsCovered: 0,
    lookupsFar: 0,
    localFloods: 0,
    floodsHeld: 0,
    lookupsSkipped: 0,
    lookupsBusy: 0,
    floodRelays: 0,
    broadcasts: 0,
    broadcastRelays: 0,
    broadcastBackups: 0,
    floodBackups: 0,
    unechoedResends: 0,
    floodHandovers: 0,
    handoversCalledOff: 0,
    relaysSuppressed: 0,
    queryRelaysAnswered: 0,
    relaysShed: 0,
    relaysAnswered: 0,
    e2eRetries: 0,
    ogmRouteEntries: 0,
    ogmChangedEntries: 0,
    ogmResets: 0,
    ogmEarly: 0,
    ogmNewsCrowded: 0,
    ogmNewsFullTable: 0,
    ogmNewcomerCaps: 0,
    locateQueries: 0,
    locateRelays: 0,
    locateAnswersSent: 0,
    locateAnswersReceived: 0,
    implausibleEntries: 0,
    liarsDistrusted: 0,
    trustFailures: 0,
    ...emptyLinkCounters(),
    ...emptyRouteCounters(),
    ...emptySeqreqCounters(),
  };
}

export function groupOf(ftype: number): string {
  return ftype === FrameType.ACK ? "a" : ftype === FrameType.LOCATE_A ? "l" : "d";
}

/** A routed frame's identity for custody, duplicate suppression and confirmations. */
export function identityKey(group: string, src: NodeId, dst: NodeId, seq: number, attempt = 0): string {
  return attempt === 0 ? `${group}:${src}:${dst}:${seq}` : `${group}:${src}:${dst}:${seq}:${attempt}`;
}

export function keyOf(u: Unicast): string {
  return identityKey(groupOf(u.ftype), u.src, u.dst, u.seq, u.ftype === FrameType.LOCATE_A ? 0 : u.attempt);
}

/**
 * A routed frame's identity as received: DATA and end-to-end ACKs carry their attempt (an ACK
 * echoes its DATA's, so a relay tells a re-ACK of a retry from a copy, §7.1); answers have none.
 */
export function routedKey(f: DataFrame | E2eAckFrame | LocateAnswerFrame): string {
  return identityKey(groupOf(f.type), f.src, f.dst, f.seq, f.type === FrameType.LOCATE_A ? 0 : f.attempt);
}

/**
 * What every concern of a node shares: identity and configuration, the tables, the queue, the
 * ledger, counters and events, and the node's position. The concerns (forwarding, flooding, the
 * location service, OGMs, relay duty) hold their own state and reach each other through it.
 */
export class NodeState {
  readonly id: NodeId;
  readonly config: MeshConfig;
  readonly rng: Rng;
  readonly modem: LoRaModulation;
  readonly slotMs: number;
  readonly ledger: DutyLedger;
  readonly nbrs: NeighbourTable;
  readonly trust: NeighbourTrust;
  readonly routes: RouteTable;
  readonly queue: TxQueue<Tag>;
  readonly dedup: DedupCache;
  readonly seqOut: SeqSender;
  readonly seqIn: SeqReceiver;
  readonly locations: LocationCache;
  /** Fallback floods and lookups started lately, per destination (§14.1). */
  readonly budget = new FloodBudget();
  /** Busy and OGM shares of the channel, measured (§8.1, §11). */
  readonly channel: ChannelMeter;
  readonly stats: MeshStats = emptyStats();
  events: StationEvent[] = [];
  position: GeoPoint | undefined;
  cluster: ClusterId = NO_CLUSTER;
  /** 0..1, or -1 for external power. */
  battery: number;
  /** Neighbours lost recently, for the health score's memory (§11). */
  readonly lost = new Map<NodeId, number>();
  /** SNR of the frame being handled (relay contention scales with it). */
  rxSnr = 0;
  nextSweepAt = 0;
  /** Rule `answerHold`: nothing goes on the air before this (ms). */
  answerHoldUntil = 0;
  /** Where we last counted as having moved from, and when (§15: a moving node names no forwarders). */
  movedFrom: GeoPoint | undefined;
  movedAt = -Infinity;
  /** Speed over the last two steps the odometer counted, m/s (rule `netSpeed`, §14). */
  speedMps = 0;
  /** Where the odometer's last counted steps started and ended (rule `netSpeed`). */
  readonly speedTrail = new SpeedTrail();
  /** Whether this node moved within MOVING_MS (§15: it names no forwarders). */
  moving(now: number): boolean {
    return now - this.movedAt < MOVING_MS;
  }
  /** Whether this node is moving at vehicle speed, DRIVING_MPS or more (§14: `resendUnechoed`, `movingFloodMemory`). */
  driving(now: number): boolean {
    return now - this.movedAt < DRIVING_STEP_GAP_MS && this.speedMps >= DRIVING_MPS;
  }
  /** Whether this node drives, or neighbour `id`'s last OGM said it did (rule `overheardDelivery`, §7.4: routes go stale by motion). */
  drivingLink(id: NodeId, now: number): boolean {
    return this.driving(now) || this.nbrs.get(id)?.driving === true;
  }
  /** When the last fix came (rule plausibleStep, §4). */
  lastFixAt = -Infinity;
  // The concerns, wired by MeshNode's constructor.
  fwd!: Forwarding;
  /** The originator's end-to-end wait and the destination's delivery (end-to-end.ts, §7.4). */
  e2e!: EndToEnd;
  flood!: Flooding;
  loc!: LocationService;
  ogm!: OgmPlane;
  duty!: RelayDuty;
  /** Seqno requests and the withdrawn-source rule (seqno-request.ts, §5.6–5.7). */
  seqreq!: SeqnoRequests;
  /** The gateway role (bridge/gateway-role.ts), on a node configured as a gateway only. */
  bridge: GatewayRole | undefined = undefined;

  constructor(id: NodeId, config: MeshConfig, options: { readonly rng: Rng; readonly now: number; readonly modem: LoRaModulation; readonly dutyCycle?: number; readonly battery?: number }) {
    this.id = id;
    this.config = config;
    this.rng = options.rng;
    this.modem = options.modem;
    this.slotMs = slotTimeMs(options.modem);
    this.ledger = new DutyLedger({ dutyCycle: options.dutyCycle ?? 1, sosReserve: config.sosReserve });
    this.nbrs = new NeighbourTable(id, config, this.stats, SNR_LIMIT_DB[options.modem.sf]);
    this.nbrs.selfMoving = (now) => this.moving(now);
    this.trust = new NeighbourTrust(config);
    this.routes = new RouteTable(id, config, this.nbrs, (nid, now) => this.trust.value(nid, now), this.stats);
    this.queue = new TxQueue<Tag>(config.txQueueSize);
    this.dedup = new DedupCache(config.dedupSize, config.dedupHoldMs);
    this.seqOut = new SeqSender(config.maxSeqTrackers, this.rng);
    this.seqIn = new SeqReceiver(config.maxSeqTrackers);
    this.locations = new LocationCache(config.maxLocations, config.locationTtlMs);
    this.channel = new ChannelMeter(options.now);
    this.battery = options.battery === undefined ? -1 : Math.min(1, Math.max(0, options.battery));
  }

  /** Expiry work runs at a third of the OGM interval: timeouts and holds are multiples of it. */
  sweepPeriod(): number {
    return Math.min(MAX_SWEEP_MS, this.ogm.intervalMs / 3);
  }

  /** Time on air of a frame of `bytes` as it goes out, with the link layer's overhead. */
  airtime(bytes: number): number {
    return airtimeMs(this.modem, bytes + this.config.frameOverheadBytes);
  }

  isBorder(now: number): boolean {
    if (this.cluster === NO_CLUSTER) return false;
    for (const n of this.nbrs.values()) {
      if (n.cluster !== NO_CLUSTER && n.cluster !== this.cluster && this.nbrs.usable(n, now)) return true;
    }
    return false;
  }

  /** The cluster to put in a frame for `dst`: ours if it is a member, else the location cache. */
  dstClusterFor(dst: NodeId, now: number): ClusterId {
    const d = this.routes.get("node", dst);
    if (d !== undefined && !d.foreign) return this.cluster;
    const n = this.nbrs.get(dst);
    if (n !== undefined && n.cluster !== NO_CLUSTER) return n.cluster;
    return this.locations.lookup(dst, now)?.cluster ?? NO_CLUSTER;
  }

  /**
   * Whether we advertise cluster `c` only under its parent prefix (§5.4): a cluster of our own
   * precision, outside our parent region and more than clusterDetailRings cells away.
   */
  summarised(c: ClusterId): boolean {
    if (clusterPrecision(c) !== clusterPrecision(this.cluster)) return false;
    const parent = clusterParent(c);
    return parent !== NO_CLUSTER && parent !== clusterParent(this.cluster) && clusterDistance(c, this.cluster) > this.config.clusterDetailRings;
  }

  /** Whether our tables hold any route (live or not) toward a cluster or an aggregate covering it. */
  knowsWayTo(cluster: ClusterId): boolean {
    for (let c = cluster; c !== NO_CLUSTER; c = clusterParent(c)) {
      if ((this.routes.get("cluster", c)?.entries.length ?? 0) > 0) return true;
    }
    return false;
  }

  log(now: number, level: "info" | "warn", text: string): void {
    this.events.push({ type: "log", at: now, level, text });
  }

  load(now: number): number {
    return Math.max(this.queue.occupancy, this.ledger.utilisation(now));
  }

  enqueuePlain(bytes: Uint8Array, priority: PriorityLevel, kind: "data" | "control", notBefore: number, now: number): boolean {
    return this.queue.push(
      {
        bytes,
        priority,
        kind,
        isAck: false,
        notBefore,
        enqueuedAt: now,
        cw: 0,
        airtimeMs: this.airtime(bytes.length),
        tag: { kind: "plain" },
      },
      kind === "data",
    );
  }
}
