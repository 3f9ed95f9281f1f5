// Frame types and their fields as the codec produces them (docs/protocol.md §3). Values are the
// wire quantities (bytes 0..255 for battery, load, rq; 4-second units for the OGM interval) so a
// decoded frame re-encodes to the same bytes; conversions live with their users.
import type { ClusterId } from "./cluster";
import type { NodeId, PriorityLevel } from "./station";

export const PROTOCOL_VERSION = 1;
export const MAX_FRAME_BYTES = 255;

// `as const`: the literal codes must survive Object.freeze under the Moddable typings too, whose
// XS overload (freeze(obj, deep?)) would otherwise widen them to number (mcconfig compiles with it).
export const FrameType = Object.freeze({
  OGM: 0,
  DATA: 1,
  ACK: 2,
  LOCATE_Q: 3,
  LOCATE_A: 4,
  FLOOD: 5,
  BCAST: 6,
  // 7 is the security layer's key announcement (security/frame-seal.ts), never seen by the core.
  SEQREQ: 8,
} as const);
export type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];

/** Header sizes in bytes. */
export const LINK_HEADER_BYTES = 5;
export const ROUTED_HEADER_BYTES = 26;
export const HOP_ACK_BYTES = 20;
export const E2E_ACK_BYTES = ROUTED_HEADER_BYTES + 2;
export const OGM_FIXED_BYTES = 21;
export const OGM_NEIGHBOUR_BYTES = 3;
export const OGM_NODE_ROUTE_BYTES = 8;
export const OGM_CLUSTER_ROUTE_BYTES = 12;
/** A cluster route the OGM's sender originates at its own routeSeq (`ownClusterRoute`, §3.5). */
export const OGM_OWN_CLUSTER_ROUTE_BYTES = 6;
/**
 * OGM flag b4 (§3.5): the compact layout (no cluster-route count, own cluster routes in 6 bytes).
 * Always set; an OGM without it is in the layout of the firmware before it, and refused.
 */
export const OGM_COMPACT_LAYOUT = 0x10;
/**
 * OGM flag b5 (§3.5, §8.1): the `interval` byte counts 8-second units, for an interval beyond
 * what 255 units of 4 s can say (the 32-min Trickle ceiling); clear, 4-second units as before.
 * Decoded, `intervalUnits` is always in 4-s units (up to OGM_INTERVAL_MAX_UNITS).
 */
export const OGM_INTERVAL_8S = 0x20;
/**
 * OGM flag b6: the sender is driving (moving at DRIVING_MPS or more, §14), rule `drivenOff` (§4):
 * a node that does not move counts such a neighbour gone once it has not heard it for
 * DRIVEN_OFF_MS. Absent (0) in OGMs of a node that is not driving.
 */
export const OGM_DRIVING = 0x40;
/**
 * OGM flag b7 (§3.5, §8.1): the `interval` byte counts 16-second units (128..255: 2,048–4,080 s),
 * for an interval beyond what 8-s units can say (rule `crowdedCeiling`). With b5 as well, 32-s
 * units (`OGM_INTERVAL_32S`).
 */
export const OGM_INTERVAL_16S = 0x80;
/**
 * OGM flags b5 and b7 together (§3.5, §8.1 `crowdedLongCeiling`): the `interval` byte counts
 * 32-second units (128..255: 4,096–8,160 s), only beyond what 16-s units can say.
 */
export const OGM_INTERVAL_32S = OGM_INTERVAL_8S | OGM_INTERVAL_16S;
/** Most 4-s units an OGM's interval can say: 255 units of 32 s (flags b5 and b7), 8,160 s. */
export const OGM_INTERVAL_MAX_UNITS = 2040;
export const LOCATE_Q_BYTES = 22;
export const LOCATE_A_BYTES = ROUTED_HEADER_BYTES + 9;
export const FLOOD_HEADER_BYTES = 26;
export const BCAST_HEADER_BYTES = 18;
export const SEQREQ_BYTES = 21;

export const MAX_DATA_PAYLOAD = MAX_FRAME_BYTES - ROUTED_HEADER_BYTES;
export const MAX_FLOOD_PAYLOAD = MAX_FRAME_BYTES - FLOOD_HEADER_BYTES;
export const MAX_BCAST_PAYLOAD = MAX_FRAME_BYTES - BCAST_HEADER_BYTES;
/**
 * Most forwarders a BCAST, FLOOD or LOCATE_Q names (§15): beyond, the sender names none and
 * distributors relay.
 */
export const MAX_BCAST_FORWARDERS = 16;
/** Bytes a forwarder list of `n` entries adds to a BCAST, FLOOD or LOCATE_Q (0 without a list). */
export function forwarderListBytes(n: number | undefined): number {
  return n === undefined ? 0 : 1 + 2 * n;
}
/** Largest payload an application may send as unicast (it may travel as DATA or FLOOD). */
export const MAX_UNICAST_PAYLOAD = Math.min(MAX_DATA_PAYLOAD, MAX_FLOOD_PAYLOAD);

/** Route metric that means "unreachable" (a retraction). */
export const METRIC_INFINITY = 0xffff;

/** OGM interval unit (the byte's, twice this with flag b5, `OGM_INTERVAL_8S`). */
export const OGM_INTERVAL_UNIT_MS = 4000;
/** The longest OGM interval the frame can say: 2,040 units of 4 s (255 of 32 s, flags b5 and b7), 8,160 s. */
export const OGM_INTERVAL_LONGEST_MS = OGM_INTERVAL_MAX_UNITS * OGM_INTERVAL_UNIT_MS;

/** ACK status codes. */
export const AckStatus = Object.freeze({
  DELIVERED: 0,
  NO_ROUTE: 1,
  TTL_EXPIRED: 2,
  REFUSED: 3,
} as const);
export type AckStatusCode = (typeof AckStatus)[keyof typeof AckStatus];

/** FLOOD scope kinds. */
export const FloodScope = Object.freeze({
  CORRIDOR: 0,
  LOCAL: 1,
  NETWORK: 2,
} as const);
export type FloodScopeKind = (typeof FloodScope)[keyof typeof FloodScope];

/** BCAST scope value meaning "the whole network". */
export const BCAST_SCOPE_NETWORK = 7;

export interface OgmNeighbour {
  /** The neighbour's short id (shortId(): 16 bits folded from its node id). */
  readonly short: number;
  /** How well the originator hears this neighbour, 0..255. */
  readonly rq: number;
}

/**
 * A node's 16-bit short id, as neighbour lists carry it: the two halves of the id folded
 * together. A list is only ever matched against one's own id or one's own neighbours' ids, so
 * a collision needs two of one node's neighbours to share it (≈ n/65536 per lookup).
 */
export function shortId(id: NodeId): number {
  return ((id >>> 16) ^ id) & 0xffff;
}

export interface OgmNodeRoute {
  readonly dst: NodeId;
  readonly seqno: number;
  readonly metric: number;
}

export interface OgmClusterRoute {
  readonly cluster: ClusterId;
  readonly origin: NodeId;
  readonly seqno: number;
  readonly metric: number;
}

export interface OgmFrame {
  readonly type: typeof FrameType.OGM;
  readonly tx: NodeId;
  readonly ogmSeq: number;
  readonly hasFix: boolean;
  readonly border: boolean;
  readonly relayActive: boolean;
  readonly homeless: boolean;
  /** Flag b6 (`OGM_DRIVING`, rule `drivenOff` §4): the sender is driving; absent when it is not. */
  readonly driving?: boolean;
  readonly cluster: ClusterId;
  /** 0..254 ↦ 0..1, 255 = external power. */
  readonly battery: number;
  /** 0..255 ↦ 0..1. */
  readonly load: number;
  /** OGM interval in 4-second units, 1..255. */
  readonly intervalUnits: number;
  readonly relayPrio: number;
  readonly routeSeq: number;
  readonly cycle: number;
  readonly neighbours: readonly OgmNeighbour[];
  readonly nodeRoutes: readonly OgmNodeRoute[];
  readonly clusterRoutes: readonly OgmClusterRoute[];
}

/** Fields shared by DATA, end-to-end ACK and LOCATE_A. */
export interface RoutedHeader {
  readonly tx: NodeId;
  readonly next: NodeId;
  readonly ttl: number;
  readonly hops: number;
  readonly priority: PriorityLevel;
  readonly src: NodeId;
  readonly dst: NodeId;
  readonly seq: number;
  readonly dstCluster: ClusterId;
}

export interface DataFrame extends RoutedHeader {
  readonly type: typeof FrameType.DATA;
  readonly wantAck: boolean;
  /** Handed back to the previous hop by a relay whose every route failed (§7.3). */
  readonly bounced: boolean;
  /** End-to-end attempt 0..3: the originator's re-sends after a missing end-to-end ACK (§7.4). */
  readonly attempt: number;
  /**
   * Flag b7 (rule `wayRoundRefused`, §3.2, §14): this hop was taken by a way back (the way a
   * flood came), not by a table route. Set per hop by the sender; absent on a table hop.
   */
  readonly wayHop?: true;
  readonly payload: Uint8Array;
}

export interface HopAckFrame {
  readonly type: typeof FrameType.ACK;
  readonly kind: "hop";
  readonly tx: NodeId;
  readonly to: NodeId;
  readonly status: AckStatusCode;
  readonly src: NodeId;
  readonly dst: NodeId;
  readonly seq: number;
  /**
   * The type of the acknowledged frame (kind b3–4, §3.4): DATA, an end-to-end ACK or a locate
   * answer, so a refusal of one is not taken for the others of the same (src, dst, seq). Absent
   * in hop ACKs from before the field, which apply to all three.
   */
  readonly acks?: HopAckedType;
}

/** The routed frame types a hop ACK may name (§3.4). */
export type HopAckedType = typeof FrameType.DATA | typeof FrameType.ACK | typeof FrameType.LOCATE_A;

export interface E2eAckFrame extends RoutedHeader {
  readonly type: typeof FrameType.ACK;
  readonly kind: "e2e";
  readonly status: AckStatusCode;
  /** Hops the acknowledged frame had travelled when it arrived. */
  readonly ackedHops: number;
  /**
   * The acknowledged DATA's end-to-end attempt 0..3, echoed (flags b5–6, §3.4): a relay tells the
   * destination's ACK of a retry from a copy of its ACK of the first attempt (§7.1 `replyHopAck`).
   * Frames from before the field carry 0.
   */
  readonly attempt: number;
}

export type AckFrame = HopAckFrame | E2eAckFrame;

export interface LocateQueryFrame {
  readonly type: typeof FrameType.LOCATE_Q;
  readonly tx: NodeId;
  readonly ttl: number;
  readonly hops: number;
  /** 0 neighbours, 1 own cluster, k ≥ 2 clusters within k − 1 rings (max 7). */
  readonly scope: number;
  readonly asker: NodeId;
  readonly qid: number;
  readonly askerCluster: ClusterId;
  readonly target: NodeId;
  /** Named forwarders (§15, flag b6), as in a BCAST: only they relay. */
  readonly forwarders?: readonly number[];
  /** Flag b7: a backup naming forwarders anew (§15 *Backup forwarders*). */
  readonly backup?: boolean;
}

export interface LocateAnswerFrame extends RoutedHeader {
  readonly type: typeof FrameType.LOCATE_A;
  readonly target: NodeId;
  readonly targetCluster: ClusterId;
  /** Minutes since the answerer last heard of the target, 255 = 255 or more. */
  readonly ageMin: number;
}

export interface FloodFrame {
  readonly type: typeof FrameType.FLOOD;
  readonly tx: NodeId;
  readonly ttl: number;
  readonly hops: number;
  readonly priority: PriorityLevel;
  readonly wantAck: boolean;
  readonly scopeKind: FloodScopeKind;
  readonly src: NodeId;
  readonly dst: NodeId;
  readonly seq: number;
  readonly srcCluster: ClusterId;
  readonly dstCluster: ClusterId;
  /** Named forwarders (§15, flag b6), as in a BCAST: only they relay (within the flood's scope). */
  readonly forwarders?: readonly number[];
  /** Flag b7: a backup naming forwarders anew (§15 *Backup forwarders*). */
  readonly backup?: boolean;
  readonly payload: Uint8Array;
}

export interface BcastFrame {
  readonly type: typeof FrameType.BCAST;
  readonly tx: NodeId;
  readonly ttl: number;
  readonly hops: number;
  readonly priority: PriorityLevel;
  /** Cluster rings around the origin cluster, 0..6; 7 = whole network. */
  readonly scope: number;
  readonly src: NodeId;
  readonly seq: number;
  readonly originCluster: ClusterId;
  /**
   * The forwarders the sender chose (§15), by short id (flag b6, then a count byte and 2 bytes
   * each): only they relay. Absent: every distributor may relay (contention and suppression).
   */
  readonly forwarders?: readonly number[];
  /**
   * Flag b7: a backup (§15 *Backup forwarders*): the sender repeats the frame because a forwarder
   * it named was not heard relaying; the nodes it names now relay even if they hold the frame.
   */
  readonly backup?: boolean;
  readonly payload: Uint8Array;
}

/**
 * A seqno request (§3.10, §5.6): asks the source of a route for a newer sequence number, hop by
 * hop along the advertisements of that source (Babel's seqno request, RFC 8966 §3.8.2).
 */
export interface SeqnoRequestFrame {
  readonly type: typeof FrameType.SEQREQ;
  readonly tx: NodeId;
  /** The neighbour asked: the one whose advertisement of the source we hold. */
  readonly next: NodeId;
  /** Hops the request may still travel (≥ 1). */
  readonly ttl: number;
  /** A cluster route ((cluster, origin) is the source) rather than a node route. */
  readonly cluster: boolean;
  /** The destination: a node id, or a cluster id when `cluster`. */
  readonly key: number;
  /** The source: the destination itself for a node route, the border node or gateway for a cluster route. */
  readonly origin: NodeId;
  /** The sequence number wanted (newer than the asker's feasibility distance). */
  readonly seqno: number;
}

/** Frames relayed by the forwarders their sender names (§15): broadcasts, floods, location queries. */
export type ListedFrame = BcastFrame | FloodFrame | LocateQueryFrame;

/** Header bytes of a listed frame before its forwarder list (a LOCATE_Q has no payload after it). */
export function listedHeaderBytes(type: ListedFrame["type"]): number {
  return type === FrameType.BCAST ? BCAST_HEADER_BYTES : type === FrameType.FLOOD ? FLOOD_HEADER_BYTES : LOCATE_Q_BYTES;
}

/** A location query's identity (its asker and query id): the duplicate filter's key, and the reverse hop its answer takes. */
export function locateKey(asker: number, qid: number): string {
  return `q:${asker}:${qid}`;
}

/** A flood's identity (its message's source, destination and seq): one key for every flood of the message. */
export function floodKey(src: number, dst: number, seq: number): string {
  return `f:${src}:${dst}:${seq}`;
}

/** A listed frame's identity, as the duplicate filter and the relay queue key it. */
export function listedKey(f: ListedFrame): string {
  return f.type === FrameType.BCAST ? `b:${f.src}:${f.seq}` : f.type === FrameType.FLOOD ? floodKey(f.src, f.dst, f.seq) : locateKey(f.asker, f.qid);
}

export type Frame = OgmFrame | DataFrame | AckFrame | LocateQueryFrame | LocateAnswerFrame | FloodFrame | BcastFrame | SeqnoRequestFrame;

/**
 * Rule `ownClusterRoute` (§3.5): a cluster route whose origin is the OGM's sender and whose seqno
 * is the sender's own `routeSeq` (a border route or an aggregate it originates, §5.4) goes out in
 * 6 bytes, cluster and metric: the receiver takes origin and seqno from the OGM's header. Why: on
 * medium-city half the cluster routes in late OGMs are the sender's own; on dense-urban (seed 1,
 * the window's second half) 1.66 of 4.30.
 */
export function ownClusterRoute(e: OgmClusterRoute, tx: NodeId, routeSeq: number): boolean {
  return e.origin === tx && e.seqno === routeSeq;
}

/** Size in bytes of an OGM with these entry counts (`ownClusterRoutes` of the cluster routes in 6 bytes). */
export function ogmBytes(neighbours: number, nodeRoutes: number, clusterRoutes: number, ownClusterRoutes = 0): number {
  return (
    OGM_FIXED_BYTES +
    neighbours * OGM_NEIGHBOUR_BYTES +
    nodeRoutes * OGM_NODE_ROUTE_BYTES +
    (clusterRoutes - ownClusterRoutes) * OGM_CLUSTER_ROUTE_BYTES +
    ownClusterRoutes * OGM_OWN_CLUSTER_ROUTE_BYTES
  );
}
