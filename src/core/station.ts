// The sans-I/O contract between a mesh protocol instance and whatever drives it (the firmware's
// radio loop, the simulator, the test harness). Modelled on quinn-proto / h11: bytes and time go
// in, frames to send and events come out; the driver owns the clock, the radio and the RNG.
//
// The System 5 MeshNode implements it, and so do the simulator's baseline routers, so one radio
// and MAC model drives every router the same way.
//
// Driving loop (firmware and simulator alike):
//   - on a received frame:      station.receive(bytes, {rssi, snr, at})
//   - at station.nextWakeup():  station.tick(now)
//   - when the radio is idle:   f = station.pollTransmit(now); if f, do CAD/listen-before-talk,
//                               then either transmit and call station.transmitDone(end, "sent")
//                               or call station.transmitDone(now, "busy") so it backs off and retries
//   - after any call:           station.drainEvents() for the application
//
// Times are milliseconds on the driver's monotonic clock (any origin); all calls pass `now`.

/** Node address: unsigned 32-bit. */
export type NodeId = number;

/** Reserved ids. */
export const NODE_NONE: NodeId = 0;
export const BROADCAST: NodeId = 0xffffffff;

export function isUnicastId(id: number): boolean {
  return Number.isInteger(id) && id > NODE_NONE && id < BROADCAST;
}

/** Formats a node id the way logs, the console and docs show it: 8 hex digits. */
export function formatNodeId(id: NodeId): string {
  return (id >>> 0).toString(16).padStart(8, "0");
}

/** Radio metadata of a received frame. */
export interface RxMeta {
  /** Packet RSSI, dBm. */
  readonly rssi: number;
  /** Packet SNR, dB. */
  readonly snr: number;
  /** Time the frame ended (RxDone), ms. */
  readonly at: number;
}

/** Message priorities P0..P7 (seed: SOS, critical, navigation, text, telemetry, status, file, firmware). */
export const Priority = Object.freeze({
  SOS: 0,
  CRITICAL: 1,
  NAVIGATION: 2,
  TEXT: 3,
  TELEMETRY: 4,
  STATUS: 5,
  FILE: 6,
  FIRMWARE: 7,
});
export type PriorityLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

export function isPriority(p: unknown): p is PriorityLevel {
  return typeof p === "number" && Number.isInteger(p) && p >= 0 && p <= 7;
}

/** A frame the station wants on the air. */
export interface TxFrame {
  readonly bytes: Uint8Array;
  readonly priority: PriorityLevel;
  /** What kind of traffic this is, for accounting: user data or protocol control. */
  readonly kind: "data" | "control";
}

export interface SendOptions {
  /** Default P3 (text). */
  readonly priority?: PriorityLevel;
  /** Ask the destination for an end-to-end acknowledgement (unicast only). */
  readonly wantAck?: boolean;
  /** Broadcast scope (System 5: how many cluster rings to cover); ignored for unicast. */
  readonly scope?: number;
  /**
   * Unicast only: one hop to `dst`, a usable neighbour, with hop confirmation and retries, but no
   * other route and no flood (System 5: refused with `no-route` when `dst` is not a usable
   * neighbour; fails with `no-route` when the hop never confirms). Other routers may ignore it.
   */
  readonly oneHop?: boolean;
  /**
   * Unicast only: this message answers a flood just heard from `dst` (a key answer). With no
   * route it goes back the way that flood came (System 5 rule `keyWayBack`). Others may ignore it.
   */
  readonly wayBack?: boolean;
}

export type SendResult =
  | { readonly ok: true; readonly seq: number }
  | { readonly ok: false; readonly code: SendRefusal; readonly reason: string };

/** Why a send was refused; `reason` holds a sentence the application can show. */
export type SendRefusal =
  | "bad-destination"
  | "too-large"
  | "bad-priority"
  | "queue-full"
  | "qos-gate"
  | "duty-cycle"
  | "no-route";

/** What a station tells its application. */
export type StationEvent =
  | {
      readonly type: "delivered";
      readonly at: number;
      readonly src: NodeId;
      readonly dst: NodeId;
      readonly seq: number;
      readonly payload: Uint8Array;
      readonly hops: number;
      readonly priority: PriorityLevel;
    }
  | { readonly type: "acked"; readonly at: number; readonly dst: NodeId; readonly seq: number; readonly hops: number }
  | {
      readonly type: "send-failed";
      readonly at: number;
      readonly dst: NodeId;
      readonly seq: number;
      readonly code: string;
      readonly reason: string;
    }
  | { readonly type: "gap"; readonly at: number; readonly src: NodeId; readonly missing: number; readonly from: number; readonly to: number }
  | { readonly type: "out-of-order"; readonly at: number; readonly src: NodeId; readonly seq: number; readonly expected: number }
  | { readonly type: "route-changed"; readonly at: number; readonly dst: NodeId | string; readonly nextHop: NodeId | undefined }
  | { readonly type: "neighbour-up"; readonly at: number; readonly neighbour: NodeId }
  | { readonly type: "neighbour-down"; readonly at: number; readonly neighbour: NodeId }
  | { readonly type: "fallback-flood"; readonly at: number; readonly dst: NodeId; readonly seq: number }
  | { readonly type: "log"; readonly at: number; readonly level: "info" | "warn"; readonly text: string };

/** Metadata of a frame that arrived over the internet bridge (docs/protocol.md "Bridge"). */
export interface BridgeRxMeta {
  /** Time the transport handed the frame in, ms (the driver's clock). */
  readonly at: number;
  /** The gateway that published it (from the transport; not trusted: the sealed frame's tx is). */
  readonly gateway: NodeId;
}

/** A frame a gateway wants published on the bridge, and the cluster prefix whose topic it goes to. */
export interface BridgeTxFrame {
  readonly bytes: Uint8Array;
  /** Geohash prefix (1..6 characters) of the cluster topic: clusterTopic(net, cluster). */
  readonly cluster: string;
}

/**
 * Optional second interface of a gateway: the internet bridge. Frames are bytes exactly as on the
 * air (sealed by the security layer); the transport never opens or builds one. Driving loop:
 *   - broker connected / lost:          bridge.bridgeStatus(now, up)
 *   - a presence record (or last-will): bridge.bridgePeer(now, gateway, up, clusters)
 *   - a message on a cluster topic:     bridge.bridgeReceive(bytes, {at, gateway})
 *   - whenever the uplink is up:        while ((f = bridge.pollBridge(now))) publish f.bytes to clusterTopic(net, f.cluster)
 * nextWakeup() of the station also covers frames waiting in pollBridge.
 */
export interface BridgePort {
  /** The uplink came up (true) or went down (false): broker connected / lost. */
  bridgeStatus(now: number, up: boolean): void;
  /** Another gateway's presence record changed (retained record seen, or its last-will). */
  bridgePeer(now: number, gateway: NodeId, up: boolean, clusters: readonly string[]): void;
  /** A frame arrived over the bridge. Malformed, oversized, wrong-network or replayed frames are counted and dropped, never relayed onto the air. */
  bridgeReceive(bytes: Uint8Array, meta: BridgeRxMeta): void;
  /** The next frame to publish, and the cluster prefix whose topic it goes to. */
  pollBridge(now: number): BridgeTxFrame | undefined;
  /** The cluster prefixes this gateway serves: the transport subscribes to their topics. */
  bridgeClusters(): readonly string[];
}

/** The contract every protocol instance implements. */
export interface Station {
  readonly id: NodeId;
  /** Queue an application message. Broadcast with dst = BROADCAST. */
  send(now: number, dst: NodeId, payload: Uint8Array, options?: SendOptions): SendResult;
  /** A frame arrived from the radio. Malformed frames are counted and dropped, never thrown. */
  receive(bytes: Uint8Array, meta: RxMeta): void;
  /** Run timers due at `now`. */
  tick(now: number): void;
  /** Earliest time the station wants tick() or has a frame ready; Infinity when idle. */
  nextWakeup(): number;
  /** The next frame to transmit now, if any is due and the duty-cycle plan allows it. */
  pollTransmit(now: number): TxFrame | undefined;
  /** Outcome of the frame last returned by pollTransmit: on air until `now`, or channel busy. */
  transmitDone(now: number, outcome: "sent" | "busy"): void;
  /** Events since the last call, oldest first. */
  drainEvents(): StationEvent[];
  /**
   * Optional, for a layer below the station that puts frames of its own on the air (the security
   * layer's KEY frames): the earliest time a frame of `onAirBytes` may start by this station's
   * duty-cycle plan (`now` when at once, Infinity when never), so every transmission of the node
   * is in one ledger.
   */
  foreignFrameStart?(now: number, onAirBytes: number, priority: PriorityLevel): number;
  /** Optional: such a frame went out, ending at `end`; it is recorded in the duty-cycle ledger. */
  foreignFrameSent?(end: number, onAirBytes: number): void;
  /**
   * Optional: whether this node's lookups run (the clusters it knows reach beyond the widest ring a
   * lookup asks, so rule `coveredLookupSkipped` does not apply): nodes across such a mesh find it
   * by a lookup, whose answer carries its key (the security layer's rule `lookupCarriesKey`).
   */
  lookupsRun?(now: number): boolean;
  /**
   * Optional: whether `id` is a usable neighbour now, the test SendOptions.oneHop applies (the
   * security layer's cache offers, rules `quietCacheOffer` and `neighbourCacheAnswer`, ask it
   * before queueing one).
   */
  usableNeighbour?(id: NodeId, now: number): boolean;
  /** The internet bridge: present only on a node configured as a gateway (config.gateway). */
  readonly bridge?: BridgePort;
}
