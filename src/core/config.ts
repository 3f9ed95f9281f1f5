// Every tunable of the protocol, with the default docs/protocol.md §19 gives and its reason
// there. resolveConfig() merges a partial configuration over the defaults and rejects bad values
// with one message per problem, so a wrong setting never reaches the engine.
import { BRIDGE_MAX_CLUSTERS, isClusterPrefix } from "./bridge/topics";
import { OGM_INTERVAL_LONGEST_MS } from "./frames";

export interface MeshConfig {
  /** Geohash precision of a cluster, 1..6 (seed: 4). */
  geohashPrecision: number;
  /**
   * Clusters within this many rings of the own one are advertised exactly; farther ones under
   * their parent prefix (docs/protocol.md §5.4, hierarchical aggregation).
   */
  clusterDetailRings: number;
  /** A node keeps its cluster until it is this share of a cell beyond the cell's border (§2). */
  clusterHysteresis: number;
  /** OGM interval steps [max neighbours, interval ms]; the last applies above the others (seed). */
  ogmIntervalSteps: ReadonlyArray<readonly [number, number]>;
  ogmJitter: number;
  ogmDutyShare: number;
  ogmMaxBytes: number;
  /**
   * Bytes a link layer below the core adds to every frame this node sends (the security
   * layer's counter and tag, docs/security.md). Payload limits and the OGM size shrink by it and
   * every airtime the node computes includes it, so the duty-cycle ledger stays exact.
   */
  frameOverheadBytes: number;
  /** Neighbour entries per OGM (the rest rotate). */
  ogmMaxNeighbours: number;
  /**
   * Bytes of unchanged route entries per OGM (changed entries may use the rest of the frame).
   * Below 64 a full table's pass outgrows HOLD_CAP_CYCLE (docs/protocol.md §5.5 holdCap).
   */
  ogmRouteBytes: number;
  /** Share of channel time the OGMs of a whole neighbourhood may take. */
  ogmChannelShare: number;
  ogmMaxIntervalMs: number;
  /** Longest Trickle interval (§8.1): the OGM interval doubles up to this while nothing new is heard. */
  ogmTrickleMaxMs: number;
  /**
   * The settled interval (§8.1, §8.3): from an interval this long on (or the ceiling, if shorter)
   * OGMs are quiet ones, and a neighbour heard for the first time brings a longer interval back
   * to it (rule `newcomerCeiling`); a newcomer's probation counts at most this long an interval.
   */
  ogmSettledMs: number;
  /**
   * The ceiling of a crowded node (§8.1, rule `crowdedCeiling`): a static node whose neighbour
   * table is full steps from the settled interval to 4 × it, then to this one (128 min, rule
   * `crowdedLongCeiling`; 64 min before it, the step's own end). At or below ogmTrickleMaxMs the
   * rule is off.
   */
  ogmCrowdedMaxMs: number;
  /**
   * Rule `pacedNeighbours` (§8.3): at a crowded node that has heard at least twice as many
   * neighbours as its table holds, an OGM that announces the settled interval or longer names its
   * neighbours at the pace of its route pass, not `ogmMaxNeighbours` each time.
   */
  pacedNeighbours: boolean;
  triggeredMinGapFactor: number;
  lqWindow: number;
  lqMinSpan: number;
  linkUsableQ: number;
  neighbourTimeoutFactor: number;
  hopPenalty: number;
  seqnoEveryOgms: number;
  /**
   * Whether a starved node sends seqno requests (§5.6). Off by default: measured, they did not
   * help (docs/protocol.md §5.6). Requests from others are answered either way (bounded).
   */
  seqnoRequests: boolean;
  /**
   * Whether a source's own retraction ends the echoes of its route held through other
   * neighbours (§5.7). Off by default: measured, no gain (docs/protocol.md §5.7).
   */
  withdrawnEchoes: boolean;
  /** Hops a seqno request may travel toward the source (§5.6, Babel's hop count). */
  seqreqHops: number;
  /** Shortest wait between two requests for one source, doubling per retry (§5.6). */
  seqreqGapMs: number;
  /** Shortest gap between two OGMs a node brings forward to answer requests (§5.6). */
  seqreqAnswerGapMs: number;
  routesPerDestination: number;
  routeHoldFactor: number;
  weightQuality: number;
  weightLoad: number;
  weightBattery: number;
  backpressureSoft: number;
  backpressureHard: number;
  healthReward: number;
  healthPenalty: number;
  healthDeadAfter: number;
  healthFade: number;
  healthFadePeriodMs: number;
  healthFloor: number;
  /**
   * Metric floor (docs/protocol.md §7.5): a route advertised through a neighbour to anything but
   * the neighbour itself costs at least this much; entries below are discarded as lies.
   */
  metricFloor: number;
  /** OGMs with impossible entries before all of that neighbour's advertisements are ignored. */
  lieStrikes: number;
  /** How long a neighbour caught lying has its advertisements ignored, ms. */
  lieDistrustMs: number;
  /** Next-hop trust: factor on a failure to carry a frame on (§7.5). */
  trustPenalty: number;
  /** Next-hop trust: share of the remaining distrust regained per confirmation. */
  trustReward: number;
  /** Next-hop trust never falls below this (a distrusted next hop stays a last resort). */
  trustFloor: number;
  /** Next-hop trust: the deficit halves every this many ms without news. */
  trustRecoveryMs: number;
  attemptsGoodLink: number;
  attemptsWeakLink: number;
  relayJitterSlots: number;
  ackGuardMs: number;
  txQueueSize: number;
  sosReserve: number;
  dataTtl: number;
  /** Originator re-sends of a message whose end-to-end ACK did not come (wantAck only). */
  e2eRetries: number;
  /** Wait for an end-to-end ACK; 0 = derive from the route length and the modem. */
  e2eTimeoutMs: number;
  /** Network Health Score gate thresholds for max priority 5, 3, 1, 0 (seed 0.8/0.6/0.4/0.2). */
  qosThresholds: readonly [number, number, number, number];
  qosEnabled: boolean;
  nhsMemoryMs: number;
  silencingEnabled: boolean;
  silenceRotationMs: number;
  corridorEnabled: boolean;
  /** Rule `agreedHandover` (§14): the best-placed neighbour of a flood's destination carries its last hop as one confirmed DATA hop. */
  agreedHandover: boolean;
  /** Rule `answeredStandDown` (§14): a flood relay not yet sent is dropped when the destination's answer to the message is overheard. */
  answeredStandDown: boolean;
  /** Rule `deliveredHopAck` (§14): a flood's destination whose end-to-end ACK has no route back says so in a hop ACK the holders overhear. */
  deliveredHopAck: boolean;
  /** Rule `lateAckGrace` (§7.4): the send-failed of the last attempt waits one more end-to-end wait for a late ACK. */
  lateAckGrace: boolean;
  /** Rule `overheardDelivery` (§7.4): a DATA for us is taken in whichever next hop it names. */
  overheardDelivery: boolean;
  /** Rule `overheardAck` (§7.4): an originator takes its message's end-to-end ACK whichever next hop it names, and the destination's own hop ACK "delivered" of it, as the acknowledgement. */
  overheardAck: boolean;
  /** Rule `floodAckRepeat` (§14): a flood's destination sends its one-hop end-to-end ACK to its source once more after the flood's relays, when either end drives. */
  floodAckRepeat: boolean;
  /** Rule `floodWayBack` (§14): a message without a route goes back the way a flood or DATA from its destination came. Default off; on for a slow modem (slow-modem.ts). */
  floodWayBack: boolean;
  /** Rule `fullTableNews` (§8.2): a destination new to a full node route table brings no early OGM; it rides the next regular one. */
  fullTableNews: boolean;
  /** Rule `ackWayBack` (§7.4): an end-to-end ACK without a route goes back the way the acknowledged flood came. */
  ackWayBack: boolean;
  /** Rule `keyWayBack` (§14): a key answer without a route goes back the way the asker's flood came, and relays pass a DATA without a route on the way a flood from its destination came. */
  keyWayBack: boolean;
  /** Rule `keyAnswerWayPasses` (§14; default off): a key answer (SendOptions.wayBack) from a node with no usable neighbour but a flood's way back to its asker goes that way instead of being refused `no-route` and by the QoS gate's health 0. */
  keyAnswerWayPasses: boolean;
  /** Rule `wayRoundRefused` (§14, §3.2): a node sets DATA flag b7 on a hop it takes by a way back; a copy of a DATA we passed on by a way back that comes back to us by a way back (b7) with a hop count two or more above ours (round a cycle of ways) is refused NO_ROUTE, not confirmed and lost. On since session 18's flag (the count alone took failovers and table loops for cycles). */
  wayRoundRefused: boolean;
  /** Rule `loopTakesTable` (§7.3): a copy of a frame we sent on by a two-hop shortcut that comes back round a loop goes on by a table route, or ends as before. */
  loopTakesTable: boolean;
  /** Rule `heardNeighbourSend` (§8.5): with neighbours heard but none usable, a send goes through them instead of being refused. Default off; on for a slow modem (slow-modem.ts). */
  heardNeighbourSend: boolean;
  /** Rule `unnamedFloodRelay` (§15 *Directed frames*): a node holding a unicast flood it was not named for relays it too, after the named ones, standing down on the copy counter only. Default off; on for a slow modem (slow-modem.ts). */
  unnamedFloodRelay: boolean;
  /** Rule `ackRetracesData` (§7.4): an end-to-end ACK goes back hop by hop the way its DATA came (the hop that handed it the DATA), before any table route. Default off: it cost bay-area airtime (§7.4). */
  ackRetracesData: boolean;
  /** Rule `directDataAck` (§7.4): the end-to-end ACK of a DATA that came straight from its originator goes straight back to it when our neighbour table holds no entry for it (as a full table leaves most out) and the channel is not busy; the ACK of a repeated DATA goes by the table. */
  directDataAck: boolean;
  corridorHopCap: number;
  broadcastHopCap: number;
  broadcastScope: number;
  floodContentionCw: number;
  /** A waiting flood/broadcast relay stands down after hearing this many copies (0 = never). */
  relayCopyThreshold: number;
  /** Whether a BCAST names its forwarders from the sender's two-hop view (§15). */
  broadcastForwarders: boolean;
  /** Rule `triangleReach` (§15): margin over the SF's limit, dB, at which a broadcast copy's sender and a node we hear both count as near (0 = off). */
  triangleMarginDb: number;
  /** Rule `crowdedNeighbours` (§15): rule `nearlyAllReached` also for a table with room among usable neighbours mostly advertising full lists. */
  crowdedNeighbours: boolean;
  /** Rule `relayListTail` (§15): gain a relay's broadcast forwarder ranked RELAY_TAIL_RANK or later needs, with a full table (0 = off). */
  relayTailGain: number;
  locationTtlMs: number;
  locateMaxScope: number;
  /** Rule `coveredLookupSkipped` (§16): no lookup when its widest level would ask every cluster the node knows of. */
  coveredLookupSkipped: boolean;
  /** Rule `farLookupLevel` (§16): after the widest level, one more asking as far as the farthest cluster known. */
  farLookupLevel: boolean;
  locateTimeoutMs: number;
  networkFloodEnabled: boolean;
  consensusShare: number;
  consensusMin: number;
  homelessFloodTtl: number;
  maxNeighbours: number;
  /** Node-route destinations held (§18). Above 128 a full table's OGM pass outgrows HOLD_CAP_CYCLE (§5.5 holdCap). */
  maxDestinations: number;
  maxClusters: number;
  maxEntriesPerDestination: number;
  maxSources: number;
  dedupSize: number;
  dedupHoldMs: number;
  maxSeqTrackers: number;
  maxLocations: number;
  /** This node has an internet uplink and joins clusters over the bridge (docs/protocol.md "Bridge"). */
  gateway: boolean;
  /** Cluster prefixes (geohash, 1..6 characters) a gateway serves; empty = its own cluster. */
  bridgeClusters: readonly string[];
  /** Fixed metric added to the bridge link, so traffic LoRa can carry in a few hops stays on LoRa. */
  bridgeCost: number;
  /** Nominal one-way latency of the bridge, ms (priced into its metric). */
  bridgeLatencyMs: number;
  /** Nominal share of bridge frames lost, 0..0.9 (priced into its metric as ETX). */
  bridgeLoss: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

export const DEFAULT_CONFIG: Readonly<MeshConfig> = Object.freeze({
  geohashPrecision: 4,
  clusterDetailRings: 2,
  clusterHysteresis: 0.25,
  ogmIntervalSteps: Object.freeze([
    Object.freeze([8, 30 * SECOND] as const),
    Object.freeze([20, 60 * SECOND] as const),
    Object.freeze([40, 120 * SECOND] as const),
    Object.freeze([Infinity, 180 * SECOND] as const),
  ]),
  ogmJitter: 0.1,
  ogmDutyShare: 0.25,
  ogmMaxBytes: 255,
  frameOverheadBytes: 0,
  ogmMaxNeighbours: 10,
  ogmRouteBytes: 64,
  ogmChannelShare: 0.1,
  ogmMaxIntervalMs: OGM_INTERVAL_LONGEST_MS,
  ogmTrickleMaxMs: 32 * MINUTE,
  ogmSettledMs: 16 * MINUTE,
  ogmCrowdedMaxMs: 128 * MINUTE,
  pacedNeighbours: true,
  triggeredMinGapFactor: 0.25,
  lqWindow: 8,
  lqMinSpan: 2,
  linkUsableQ: 0.2,
  neighbourTimeoutFactor: 3.5,
  hopPenalty: 32,
  seqnoEveryOgms: 8,
  seqnoRequests: false,
  withdrawnEchoes: false,
  seqreqHops: 16,
  seqreqGapMs: 60 * SECOND,
  seqreqAnswerGapMs: 2 * MINUTE,
  routesPerDestination: 3,
  routeHoldFactor: 3.5,
  weightQuality: 0.4,
  weightLoad: 0.35,
  weightBattery: 0.25,
  backpressureSoft: 0.8,
  backpressureHard: 0.95,
  healthReward: 1.05,
  healthPenalty: 0.5,
  healthDeadAfter: 3,
  healthFade: 0.95,
  healthFadePeriodMs: 30 * SECOND,
  healthFloor: 0.1,
  metricFloor: 256,
  lieStrikes: 2,
  lieDistrustMs: 30 * MINUTE,
  trustPenalty: 0.5,
  trustReward: 0.2,
  trustFloor: 0.05,
  trustRecoveryMs: 20 * MINUTE,
  attemptsGoodLink: 3,
  attemptsWeakLink: 5,
  relayJitterSlots: 4,
  ackGuardMs: 1000,
  txQueueSize: 32,
  sosReserve: 0.1,
  dataTtl: 64,
  e2eRetries: 1,
  e2eTimeoutMs: 0,
  qosThresholds: Object.freeze([0.8, 0.6, 0.4, 0.2] as const),
  qosEnabled: true,
  nhsMemoryMs: 10 * MINUTE,
  silencingEnabled: true,
  silenceRotationMs: 10 * MINUTE,
  corridorEnabled: true,
  agreedHandover: true,
  answeredStandDown: true,
  deliveredHopAck: true,
  lateAckGrace: true,
  overheardDelivery: true,
  // On since session 18, measured on all eight bench scenarios (§7.4).
  overheardAck: true,
  floodAckRepeat: true,
  floodWayBack: false,
  fullTableNews: true,
  ackWayBack: true,
  keyWayBack: true,
  keyAnswerWayPasses: false,
  wayRoundRefused: true,
  loopTakesTable: true,
  heardNeighbourSend: false,
  unnamedFloodRelay: false,
  ackRetracesData: false,
  directDataAck: true,
  corridorHopCap: 20,
  broadcastHopCap: 32,
  broadcastScope: 7,
  floodContentionCw: 8,
  relayCopyThreshold: 3,
  broadcastForwarders: true,
  triangleMarginDb: 8,
  crowdedNeighbours: true,
  relayTailGain: 0,
  locationTtlMs: 30 * MINUTE,
  locateMaxScope: 4,
  coveredLookupSkipped: true,
  farLookupLevel: true,
  locateTimeoutMs: 0, // 0 = derive from the modem: see MeshNode (a few round-trip airtimes)
  networkFloodEnabled: true,
  consensusShare: 0.8,
  consensusMin: 2,
  homelessFloodTtl: 2,
  maxNeighbours: 48,
  maxDestinations: 128,
  maxClusters: 256,
  maxEntriesPerDestination: 4,
  maxSources: 256,
  dedupSize: 256,
  dedupHoldMs: 15 * MINUTE,
  maxSeqTrackers: 64,
  maxLocations: 256,
  gateway: false,
  bridgeClusters: Object.freeze([]) as readonly string[],
  bridgeCost: 1024,
  bridgeLatencyMs: 200,
  bridgeLoss: 0.01,
});

/**
 * Table sizes for a microcontroller without PSRAM (Heltec V2/V3; the T-Beam has PSRAM but runs
 * the same firmware): about a quarter of the defaults' memory. The firmware applies these; the
 * simulator and tests run with the defaults.
 */
export const DEVICE_LIMITS: Readonly<Partial<MeshConfig>> = Object.freeze({
  maxNeighbours: 24,
  maxDestinations: 64,
  maxClusters: 32,
  maxEntriesPerDestination: 3,
  maxSources: 128,
  dedupSize: 128,
  maxSeqTrackers: 32,
  maxLocations: 96,
  txQueueSize: 16,
});

type Check = (c: MeshConfig) => string | undefined;

/**
 * A range or type rule, as frozen data rather than a closure per setting: the table is preloaded
 * by xsl into flash, where closures over factory parameters would stay in RAM (xsl warns).
 */
interface Rule {
  readonly key: keyof MeshConfig;
  readonly kind: "int" | "num" | "bool";
  readonly lo: number;
  readonly hi: number;
}

function intIn(key: keyof MeshConfig, lo: number, hi: number): Rule {
  return Object.freeze({ key, kind: "int", lo, hi });
}

function numIn(key: keyof MeshConfig, lo: number, hi: number): Rule {
  return Object.freeze({ key, kind: "num", lo, hi });
}

function bool(key: keyof MeshConfig): Rule {
  return Object.freeze({ key, kind: "bool", lo: 0, hi: 0 });
}

function checkRule(r: Rule, c: MeshConfig): string | undefined {
  const v = c[r.key] as unknown;
  if (r.kind === "bool") return typeof v === "boolean" ? undefined : `${r.key} must be true or false`;
  if (r.kind === "int") return typeof v === "number" && Number.isInteger(v) && v >= r.lo && v <= r.hi ? undefined : `${r.key} must be an integer ${r.lo}..${r.hi} (got ${String(v)})`;
  return typeof v === "number" && v >= r.lo && v <= r.hi ? undefined : `${r.key} must be a number ${r.lo}..${r.hi} (got ${String(v)})`;
}

/** At most BRIDGE_MAX_CLUSTERS cluster prefixes, each a geohash of 1..6 characters (bridge/topics.ts). */
function checkBridgeClusters(c: MeshConfig): string | undefined {
  const v = c.bridgeClusters as unknown;
  if (!Array.isArray(v) || v.length > BRIDGE_MAX_CLUSTERS) return `bridgeClusters must list at most ${BRIDGE_MAX_CLUSTERS} cluster prefixes`;
  for (const p of v) {
    if (!isClusterPrefix(p)) return `bridgeClusters: "${String(p)}" is not a geohash of 1..6 characters`;
  }
  return undefined;
}

const CHECKS: ReadonlyArray<Rule | Check> = Object.freeze([
  intIn("geohashPrecision", 1, 6),
  intIn("clusterDetailRings", 1, 64),
  (c) => {
    const s = c.ogmIntervalSteps;
    if (!Array.isArray(s) || s.length === 0) return "ogmIntervalSteps must list [neighbours, ms] steps";
    for (let i = 0; i < s.length; i++) {
      const [n, ms] = s[i];
      if (!(n >= 0) || !(ms >= 1000)) return `ogmIntervalSteps[${i}] must be [neighbours ≥ 0, interval ≥ 1000 ms]`;
      if (i > 0 && !(n > s[i - 1][0])) return "ogmIntervalSteps must have increasing neighbour counts";
    }
    if (s[s.length - 1][0] !== Infinity) return "the last ogmIntervalSteps entry must cover any neighbour count (Infinity)";
    return undefined;
  },
  numIn("ogmJitter", 0, 0.5),
  numIn("clusterHysteresis", 0, 1),
  numIn("ogmDutyShare", 0.01, 1),
  intIn("ogmMaxBytes", 64, 255),
  intIn("frameOverheadBytes", 0, 32),
  intIn("ogmMaxNeighbours", 1, 64),
  intIn("ogmRouteBytes", 12, 233),
  numIn("ogmChannelShare", 0.005, 1),
  intIn("ogmMaxIntervalMs", 10_000, OGM_INTERVAL_LONGEST_MS),
  intIn("ogmTrickleMaxMs", 10_000, OGM_INTERVAL_LONGEST_MS),
  intIn("ogmSettledMs", 10_000, OGM_INTERVAL_LONGEST_MS),
  intIn("ogmCrowdedMaxMs", 10_000, OGM_INTERVAL_LONGEST_MS),
  bool("pacedNeighbours"),
  numIn("triggeredMinGapFactor", 0, 1),
  intIn("lqWindow", 2, 32),
  intIn("lqMinSpan", 1, 32),
  numIn("linkUsableQ", 0.01, 1),
  numIn("neighbourTimeoutFactor", 1.5, 20),
  intIn("hopPenalty", 0, 1024),
  intIn("seqnoEveryOgms", 1, 255),
  bool("seqnoRequests"),
  bool("withdrawnEchoes"),
  intIn("seqreqHops", 1, 255),
  intIn("seqreqGapMs", 1_000, 3_600_000),
  intIn("seqreqAnswerGapMs", 0, 3_600_000),
  intIn("routesPerDestination", 1, 8),
  numIn("routeHoldFactor", 1.5, 20),
  numIn("weightQuality", 0, 1),
  numIn("weightLoad", 0, 1),
  numIn("weightBattery", 0, 1),
  (c) => (Math.abs(c.weightQuality + c.weightLoad + c.weightBattery - 1) < 1e-9 ? undefined : "route weights must sum to 1"),
  numIn("backpressureSoft", 0, 1),
  numIn("backpressureHard", 0, 1),
  (c) => (c.backpressureSoft < c.backpressureHard ? undefined : "backpressureSoft must be below backpressureHard"),
  numIn("healthReward", 1, 2),
  numIn("healthPenalty", 0.01, 1),
  intIn("healthDeadAfter", 1, 20),
  numIn("healthFade", 0.5, 1),
  intIn("healthFadePeriodMs", 1000, 3_600_000),
  numIn("healthFloor", 0.001, 1),
  intIn("metricFloor", 0, 0xfffe),
  intIn("lieStrikes", 1, 100),
  intIn("lieDistrustMs", 0, 86_400_000),
  numIn("trustPenalty", 0.01, 1),
  numIn("trustReward", 0, 1),
  numIn("trustFloor", 0.001, 1),
  intIn("trustRecoveryMs", 1000, 86_400_000),
  intIn("attemptsGoodLink", 1, 10),
  intIn("attemptsWeakLink", 1, 10),
  intIn("relayJitterSlots", 0, 64),
  intIn("ackGuardMs", 0, 60_000),
  intIn("txQueueSize", 4, 256),
  numIn("sosReserve", 0, 0.5),
  intIn("dataTtl", 1, 255),
  intIn("e2eRetries", 0, 5),
  intIn("e2eTimeoutMs", 0, 3_600_000),
  (c) => {
    const t = c.qosThresholds;
    if (!Array.isArray(t) || t.length !== 4) return "qosThresholds must be four numbers";
    for (let i = 0; i < 4; i++) if (!(t[i] >= 0 && t[i] <= 1) || (i > 0 && !(t[i] < t[i - 1]))) return "qosThresholds must decrease within 0..1";
    return undefined;
  },
  bool("qosEnabled"),
  intIn("nhsMemoryMs", 0, 86_400_000),
  bool("silencingEnabled"),
  bool("broadcastForwarders"),
  intIn("triangleMarginDb", 0, 60),
  bool("crowdedNeighbours"),
  intIn("relayTailGain", 0, 64),
  intIn("silenceRotationMs", 10_000, 86_400_000),
  bool("corridorEnabled"),
  bool("agreedHandover"),
  bool("answeredStandDown"),
  bool("deliveredHopAck"),
  bool("lateAckGrace"),
  bool("overheardDelivery"),
  bool("overheardAck"),
  bool("floodAckRepeat"),
  bool("floodWayBack"),
  bool("fullTableNews"),
  bool("ackWayBack"),
  bool("keyWayBack"),
  bool("keyAnswerWayPasses"),
  bool("wayRoundRefused"),
  bool("loopTakesTable"),
  bool("heardNeighbourSend"),
  bool("unnamedFloodRelay"),
  bool("ackRetracesData"),
  bool("directDataAck"),
  intIn("corridorHopCap", 1, 255),
  intIn("broadcastHopCap", 1, 255),
  intIn("broadcastScope", 0, 7),
  intIn("floodContentionCw", 0, 10),
  intIn("relayCopyThreshold", 0, 16),
  intIn("locationTtlMs", 60_000, 86_400_000),
  intIn("locateMaxScope", 0, 7),
  bool("coveredLookupSkipped"),
  bool("farLookupLevel"),
  intIn("locateTimeoutMs", 0, 600_000),
  bool("networkFloodEnabled"),
  numIn("consensusShare", 0.5, 1),
  intIn("consensusMin", 1, 64),
  intIn("homelessFloodTtl", 1, 16),
  intIn("maxNeighbours", 2, 255),
  intIn("maxDestinations", 2, 4096),
  intIn("maxClusters", 1, 1024),
  intIn("maxEntriesPerDestination", 1, 16),
  intIn("maxSources", 8, 8192),
  intIn("dedupSize", 16, 8192),
  intIn("dedupHoldMs", 10_000, 86_400_000),
  intIn("maxSeqTrackers", 4, 4096),
  intIn("maxLocations", 8, 8192),
  bool("gateway"),
  checkBridgeClusters,
  intIn("bridgeCost", 0, 16_384),
  intIn("bridgeLatencyMs", 0, 60_000),
  numIn("bridgeLoss", 0, 0.9),
  (c) => (c.maxEntriesPerDestination >= c.routesPerDestination ? undefined : "maxEntriesPerDestination must be ≥ routesPerDestination"),
]);

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid mesh configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

/** Defaults merged with `partial`; throws ConfigError listing every problem (and unknown keys). */
export function resolveConfig(partial: Partial<MeshConfig> = {}): MeshConfig {
  const problems: string[] = [];
  for (const key of Object.keys(partial)) {
    if (!Object.prototype.hasOwnProperty.call(DEFAULT_CONFIG, key)) problems.push(`unknown setting "${key}"`);
  }
  const merged: MeshConfig = { ...DEFAULT_CONFIG };
  for (const key of Object.keys(partial) as Array<keyof MeshConfig>) {
    if (partial[key] !== undefined && Object.prototype.hasOwnProperty.call(DEFAULT_CONFIG, key)) {
      (merged as unknown as Record<string, unknown>)[key] = partial[key];
    }
  }
  for (const check of CHECKS) {
    const p = typeof check === "function" ? check(merged) : checkRule(check, merged);
    if (p !== undefined) problems.push(p);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return merged;
}
