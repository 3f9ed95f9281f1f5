// Where floods and broadcasts may go (docs/protocol.md §14–15): broadcast scope in cluster rings
// around the origin cluster, and corridor membership for the fallback flood.
import { clusterDistance, clusterInRectangle, NO_CLUSTER, type ClusterId } from "./cluster";
import { BCAST_SCOPE_NETWORK } from "./frames";

/** Whether a node in `mine` is inside a broadcast of `scope` rings from `origin`. */
export function inBroadcastScope(mine: ClusterId, origin: ClusterId, scope: number): boolean {
  if (scope >= BCAST_SCOPE_NETWORK) return true;
  // Without a cluster on either side the distance is unknown: a homeless node takes part.
  if (mine === NO_CLUSTER || origin === NO_CLUSTER) return true;
  return clusterDistance(mine, origin) <= scope;
}

/**
 * Whether a node relays a corridor flood: its cluster is the source's or the destination's, or
 * its cluster lies in the grid rectangle spanned by the two and it is a border node or knows a
 * route toward the destination cluster. (Border nodes alone cannot carry a flood across an
 * intermediate cluster wider than one radio hop; its interior nodes that lead toward the
 * destination must relay too.) With the destination cluster unknown the corridor is the source
 * cluster alone.
 */
export function inCorridor(mine: ClusterId, border: boolean, leadsToDst: boolean, src: ClusterId, dst: ClusterId): boolean {
  if (!inCorridorRectangle(mine, src, dst)) return false;
  return mine === src || mine === dst || border || leadsToDst;
}

/**
 * Whether a cluster lies in a corridor flood's rectangle (the source and destination clusters and
 * the grid rectangle they span; the source cluster alone when the destination's is unknown).
 * A forwarder a corridor flood names (§15 *Directed frames*) relays when its cluster is here.
 */
export function inCorridorRectangle(mine: ClusterId, src: ClusterId, dst: ClusterId): boolean {
  if (mine === NO_CLUSTER) return false;
  if (mine === src || mine === dst) return true;
  if (src === NO_CLUSTER || dst === NO_CLUSTER) return false;
  return clusterInRectangle(mine, src, dst);
}

/**
 * LOCATE_Q scope (§3.6): 0 neighbours only, 1 own cluster, k ≥ 2 clusters within k − 1 rings
 * of the asker's cluster.
 */
export function inLocateScope(mine: ClusterId, asker: ClusterId, scope: number): boolean {
  if (scope === 0) return false; // neighbours answer but never relay
  if (mine === NO_CLUSTER || asker === NO_CLUSTER) return scope >= 2;
  return clusterDistance(mine, asker) <= scope - 1;
}
