// The bridge's rules (docs/protocol.md "Bridge"), each small and named, each with its reason
// there: the bridge link's metric, which frame types may cross, when a broadcast crosses, and
// which gateway of a cluster talks to the bridge for it.
import type { MeshConfig } from "../config";
import { BCAST_SCOPE_NETWORK, FrameType, METRIC_INFINITY } from "../frames";
import { linkCost } from "../metric";
import { hash32 } from "../rng";
import { inBroadcastScope } from "../scope";
import { type ClusterId, NO_CLUSTER } from "../cluster";
import type { NodeId } from "../station";

/** Latency priced into the bridge metric: one metric unit per this many ms one way. */
export const BRIDGE_LATENCY_MS_PER_UNIT = 4;

/**
 * The metric of the bridge link (rule B1): ETX of its loss in the route metric's units plus the
 * hop penalty, as any LoRa link (metric.ts linkCost), plus its latency (one unit per 4 ms), plus
 * bridgeCost, the fixed price that keeps traffic LoRa carries in a few hops on LoRa. With the
 * defaults (1 % loss, 200 ms, 1024) it is 1365: about as much as five good LoRa hops (≈ 290 each).
 */
export function bridgeLinkMetric(cfg: Pick<MeshConfig, "bridgeLoss" | "bridgeLatencyMs" | "bridgeCost" | "hopPenalty">): number {
  // Any configured loss (≤ 0.9) gives a finite cost: the usable floor is below 1 − 0.9.
  const etx = linkCost(1 - cfg.bridgeLoss, 0.05, cfg.hopPenalty);
  if (etx >= METRIC_INFINITY) return METRIC_INFINITY;
  return Math.min(METRIC_INFINITY - 1, etx + Math.round(cfg.bridgeLatencyMs / BRIDGE_LATENCY_MS_PER_UNIT) + cfg.bridgeCost);
}

/**
 * Frame types that may cross the bridge (rule B2): routed frames (DATA, end-to-end ACK,
 * LOCATE_A), scoped broadcasts, and location queries at their widest level (B7). Link-local
 * frames (OGM, hop ACK, SEQREQ, KEY) describe one radio neighbourhood and mean nothing at the far end;
 * FLOOD frames (corridor, homeless and network floods of unicasts) never cross: the gateway
 * routes the unicast they carry instead.
 */
export function crossesBridge(type: number, hopAck: boolean): boolean {
  if (type === FrameType.ACK) return !hopAck;
  return type === FrameType.DATA || type === FrameType.LOCATE_A || type === FrameType.BCAST || type === FrameType.LOCATE_Q;
}

/**
 * Whether a location query crosses (rule B7): only at the widest level the lookup asks
 * (`locateMaxScope`), when nobody nearer has answered. Each far cluster's designated gateway
 * answers for the members its node routes reach; the query is not flooded there.
 */
export function locateCrosses(scope: number, maxScope: number): boolean {
  return scope >= maxScope && scope >= 2;
}

/**
 * Whether a broadcast of `scope` from `origin` crosses to the cluster prefix `far` (rule B3): only
 * when the far cluster lies inside its scope, the same rule (scope.ts) every node applies before
 * it delivers. A network-wide broadcast (scope 7, the default) crosses; one of k rings crosses
 * only to a prefix of the same precision within k rings (a prefix of another precision has no
 * ring distance, so only network-wide broadcasts reach it).
 */
export function broadcastCrosses(scope: number, origin: ClusterId, far: ClusterId): boolean {
  if (scope >= BCAST_SCOPE_NETWORK) return true;
  // Without a cluster on either side there is no ring distance: only network-wide broadcasts cross.
  if (origin === NO_CLUSTER || far === NO_CLUSTER || far === origin) return false;
  return inBroadcastScope(far, origin, scope);
}

/**
 * The gateway that speaks for cluster `cluster` on the bridge (rule B4), among the live gateways
 * serving it: highest-random-weight (rendezvous) hashing of (gateway, cluster). Every gateway that
 * sees the same live set picks the same one with no message exchanged; when it dies (its last-will)
 * the next highest takes over, and the clusters of the others do not move. It alone injects
 * frames arriving for that cluster onto the air, and alone publishes its cluster's broadcasts.
 */
export function designatedGateway(cluster: ClusterId, gateways: Iterable<NodeId>): NodeId | undefined {
  let best: NodeId | undefined;
  let bestScore = -1;
  for (const g of gateways) {
    const score = hash32(`${g >>> 0}:${cluster >>> 0}`);
    if (score > bestScore || (score === bestScore && best !== undefined && g < best)) {
      best = g;
      bestScore = score;
    }
  }
  return best;
}
