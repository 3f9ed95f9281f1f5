// The bridge's names and records (docs/protocol.md "Bridge"): MQTT topics per cluster prefix and
// per gateway, the network tag that keeps two networks on one broker apart, and the retained
// presence record a gateway publishes (and its last-will replaces) so the others see it come and
// go. Pure functions: the transport (src/app, src/host) and the simulator share them.
//
//   s5/<net>/c/<cluster>   frames for a cluster prefix: payload = one sealed frame, as on the air
//   s5/<net>/gw/<gateway>  retained presence record of one gateway (its last-will: the same
//                          record with the online flag clear)
//
// <net> is networkTag(netId): 8 hex digits of the network key's public 32-bit id (keys.ts:
// HKDF of the key, one way). <cluster> is a geohash prefix of 1..6 characters; <gateway> the
// gateway's node id as 8 hex digits.
import { clusterFromGeohash, clusterPrecision, clusterToGeohash, MAX_CLUSTER_PRECISION } from "../cluster";
import { MAX_FRAME_BYTES } from "../frames";
import { isValidGeohash } from "../geohash";
import { readU32LE, writeU32LE } from "../security/bytes";
import { networkKeys } from "../security/keys";
import { formatNodeId, isUnicastId, type NodeId } from "../station";

/** First level of every topic. */
export const TOPIC_ROOT = "s5";
/** Largest frame accepted from (or published to) the bridge: the air's limit. Anything bigger is counted and dropped. */
export const BRIDGE_MAX_FRAME = MAX_FRAME_BYTES;
/** Most cluster prefixes one gateway serves (and one presence record lists). */
export const BRIDGE_MAX_CLUSTERS = 8;
/** Version byte of the presence record. */
export const PRESENCE_VERSION = 1;
/** Presence record: version, flags, gateway id, count. */
export const PRESENCE_FIXED_BYTES = 7;
/** Bytes per listed cluster: its packed 32-bit id (cluster.ts, as OGMs carry it). */
export const PRESENCE_CLUSTER_BYTES = 4;
/** Largest presence record. */
export const PRESENCE_MAX_BYTES = PRESENCE_FIXED_BYTES + BRIDGE_MAX_CLUSTERS * PRESENCE_CLUSTER_BYTES;
/** Flag bit 0: the gateway is online (clear in the last-will). */
export const PRESENCE_FLAG_UP = 1;

const HEX8 = /^[0-9a-f]{8}$/;

/** The network tag of a network id (SecureStation.netId): 8 lower-case hex digits. */
export function networkTag(netId: number): string {
  return formatNodeId(netId >>> 0);
}

/** The network tag of a 32-byte network key (throws RangeError on a key of the wrong length). */
export function networkTagOfKey(networkKey: Uint8Array): string {
  return networkTag(networkKeys(networkKey).netId);
}

/** Whether `s` is a cluster prefix a gateway can serve: a geohash of 1..6 characters. */
export function isClusterPrefix(s: unknown): s is string {
  return typeof s === "string" && s.length >= 1 && s.length <= MAX_CLUSTER_PRECISION && isValidGeohash(s);
}

function checkNet(net: string): void {
  if (!HEX8.test(net)) throw new RangeError(`"${net}" is not a network tag (8 lower-case hex digits)`);
}

/** `s5/<net>/c/<cluster>`: where frames for a cluster prefix are published. */
export function clusterTopic(net: string, cluster: string): string {
  checkNet(net);
  if (!isClusterPrefix(cluster)) throw new RangeError(`"${cluster}" is not a cluster prefix (a geohash of 1..${MAX_CLUSTER_PRECISION} characters)`);
  return `${TOPIC_ROOT}/${net}/c/${cluster}`;
}

/** `s5/<net>/gw/<gateway>` (gateway "+" gives the subscription filter for every gateway). */
export function presenceTopic(net: string, gateway: NodeId | "+"): string {
  checkNet(net);
  if (gateway === "+") return `${TOPIC_ROOT}/${net}/gw/+`;
  if (!isUnicastId(gateway)) throw new RangeError(`${String(gateway)} is not a gateway id`);
  return `${TOPIC_ROOT}/${net}/gw/${formatNodeId(gateway)}`;
}

export type ParsedTopic =
  | { readonly kind: "cluster"; readonly net: string; readonly cluster: string }
  | { readonly kind: "presence"; readonly net: string; readonly gateway: NodeId };

/** What a topic names, or undefined for anything that is not a bridge topic (never throws). */
export function parseTopic(topic: unknown): ParsedTopic | undefined {
  if (typeof topic !== "string" || topic.length > 64) return undefined;
  const parts = topic.split("/");
  if (parts.length !== 4 || parts[0] !== TOPIC_ROOT || !HEX8.test(parts[1])) return undefined;
  if (parts[2] === "c" && isClusterPrefix(parts[3])) return { kind: "cluster", net: parts[1], cluster: parts[3] };
  if (parts[2] === "gw" && HEX8.test(parts[3])) {
    const gateway = parseInt(parts[3], 16);
    return isUnicastId(gateway) ? { kind: "presence", net: parts[1], gateway } : undefined;
  }
  return undefined;
}

/** A gateway's presence: online with the cluster prefixes it serves, or gone (its last-will). */
export interface PresenceRecord {
  readonly gateway: NodeId;
  readonly up: boolean;
  readonly clusters: readonly string[];
}

/**
 * Presence record bytes:
 *   off 0  1  version (1)
 *   off 1  1  flags: bit 0 online; the other bits 0
 *   off 2  4  gateway node id (u32 LE)
 *   off 6  1  n, clusters served (0..8)
 *   off 7  4n packed cluster ids (u32 LE, cluster.ts: the geohash bits, a stop bit, zeros)
 * Throws RangeError on a record that cannot be encoded (bad id, bad or too many prefixes).
 */
export function encodePresence(r: PresenceRecord): Uint8Array {
  if (!isUnicastId(r.gateway)) throw new RangeError(`${String(r.gateway)} is not a gateway id`);
  if (r.clusters.length > BRIDGE_MAX_CLUSTERS) throw new RangeError(`a gateway serves at most ${BRIDGE_MAX_CLUSTERS} cluster prefixes (got ${r.clusters.length})`);
  const out = new Uint8Array(PRESENCE_FIXED_BYTES + PRESENCE_CLUSTER_BYTES * r.clusters.length);
  out[0] = PRESENCE_VERSION;
  out[1] = r.up ? PRESENCE_FLAG_UP : 0;
  writeU32LE(out, 2, r.gateway);
  out[6] = r.clusters.length;
  for (let i = 0; i < r.clusters.length; i++) {
    const c = r.clusters[i];
    if (!isClusterPrefix(c)) throw new RangeError(`"${String(c)}" is not a cluster prefix`);
    writeU32LE(out, PRESENCE_FIXED_BYTES + PRESENCE_CLUSTER_BYTES * i, clusterFromGeohash(c));
  }
  return out;
}

/** The record in `bytes`, or undefined when they are not exactly one valid record (never throws). */
export function decodePresence(bytes: unknown): PresenceRecord | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.length < PRESENCE_FIXED_BYTES || bytes.length > PRESENCE_MAX_BYTES) return undefined;
  if (bytes[0] !== PRESENCE_VERSION || (bytes[1] & ~PRESENCE_FLAG_UP) !== 0) return undefined;
  const gateway = readU32LE(bytes, 2);
  const n = bytes[6];
  if (!isUnicastId(gateway) || n > BRIDGE_MAX_CLUSTERS || bytes.length !== PRESENCE_FIXED_BYTES + PRESENCE_CLUSTER_BYTES * n) return undefined;
  const clusters: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = readU32LE(bytes, PRESENCE_FIXED_BYTES + PRESENCE_CLUSTER_BYTES * i);
    if (clusterPrecision(id) === 0) return undefined;
    clusters.push(clusterToGeohash(id));
  }
  return { gateway, up: (bytes[1] & PRESENCE_FLAG_UP) !== 0, clusters };
}
