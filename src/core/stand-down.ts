// When a relay of a broadcast, flood or location query stands down (docs/protocol.md §15 *Named
// stand-down*, rules `nearlyAllReached` and `movingCopyCount`): the thresholds Flooding
// (flooding.ts) applies to the copies it hears and the reach it knows reached, and whose reach it
// counts (rules `coForwarderReach` and `coForwarderDefer`).

/**
 * Named stand-down (§15): a named forwarder stands down once at most this share of the nodes it
 * reaches is not known reached (the lists it learns from hold only each node's 24 strongest
 * neighbours, so "all reached" is almost never known).
 */
export const NAMED_STAND_DOWN_SHARE = 0.25;

/**
 * Rule `nearlyAllReached` (§15): with its neighbour table full, a named forwarder of a broadcast
 * stands down, whatever condition (a) says, once at most this share of the nodes it reaches is not
 * known reached (condition (c), the copies, still applies). In a crowd the lists (a) reads show 24
 * of each neighbour's 40–137 neighbours, so a neighbour "not known to hold the frame" mostly holds
 * it (medium-city seed 1: 90 % of those at relays that then reached no new node).
 */
export const NEARLY_ALL_REACHED_SHARE = 0.1;

/**
 * Rule `nearlyAllReached`: the channel busy share (`ChannelMeter.recentBusyShare`) from which the
 * rule is off. On a busy channel a copy from a sender that lists a node is weaker evidence that
 * the node decoded it (collisions), and broadcasts die from relays missing, not redundant ones.
 */
export const NEARLY_ALL_REACHED_BUSY = 0.3;

/** Named stand-down (§15): copies heard (the first included) before a named forwarder may stand down. */
export const NAMED_STAND_DOWN_COPIES = 3;

/**
 * Named stand-down (§15): the copies needed instead when our neighbour table is full. Where a node
 * hears more neighbours than it holds, two copies and most of its reach known reached are
 * evidence enough; the third copy was for sparse, lossy meshes, where few copies get through.
 */
export const CROWDED_STAND_DOWN_COPIES = 2;
/**
 * Rule `movingCopyCount` (§15): the copies (the first included) after which a moving node stands
 * down from relaying a broadcast that names no forwarders, instead of `relayCopyThreshold`. Its
 * two-hop view is as stale as the lists it no longer names (§15), so the copies it hears are its
 * only evidence of coverage, and on a road a second copy means transmissions on both sides. A
 * static distributor keeps three: the distributors form a connected dominating set (§12), and
 * each may be the only way to part of the mesh.
 */
export const MOVING_BCAST_COPIES = 2;

/**
 * Rule `coForwarderReach` (§15, broadcasts): the transmitters of a copy from `sender` naming
 * `forwarders` whose reach node `self` counts for its named stand-down: the sender, and the
 * forwarders named ahead of `self` (all of them when the copy does not name `self`). A neighbour
 * whose list names one of them hears it (a list names the nodes its owner hears), which the
 * transmitter's own list, 24 of its 40–137 neighbours, or none for one out of our range, does not
 * show. Not those ranked behind us: they may be counting on us the same way.
 */
export function transmittersAhead(self: number, sender: number, forwarders: readonly number[] | undefined): Set<number> {
  const list = forwarders ?? [];
  const at = list.indexOf(self);
  const out = new Set<number>(at >= 0 ? list.slice(0, at) : list);
  out.add(sender);
  out.delete(self);
  return out;
}

/**
 * Rule `coForwarderReach` (§15, broadcasts): the most nodes of a named forwarder's reach it may
 * count reached only because their lists name a co-forwarder it did not hear (one named ahead of
 * it, or in a copy not naming it). Such a co-forwarder often never sends (medium-city seed 1: 636
 * of 1,144 counted on did not), and about one in eleven of the nodes counted on it alone then
 * missed the broadcast; a stand-down resting on two or fewer such nodes risks little.
 */
export const CO_FORWARDER_BLIND_MAX = 2;
