// Rule `crowdedNeighbours` (docs/protocol.md §15): a node whose own neighbour table has room but
// whose neighbours mostly advertise full lists sits at the edge of a crowd: the lists condition (a)
// of the named stand-down reads show part of each neighbour's neighbours, and rule
// `nearlyAllReached` applies to it as to a node with a full table (condition (c), three copies, stays).
import type { Neighbour } from "./neighbour-table";

/**
 * Rule `crowdedNeighbours`: the share of our usable neighbours (at least this many of them,
 * CROWDED_NEIGHBOURS_MIN) whose advertised lists are full-size from which we count as crowded.
 */
export const CROWDED_NEIGHBOURS_SHARE = 0.5;

/** Rule `crowdedNeighbours`: fewest usable neighbours the share is taken over (fewer: no evidence). */
export const CROWDED_NEIGHBOURS_MIN = 4;

/**
 * Rule `crowdedNeighbours` (§15): whether at least CROWDED_NEIGHBOURS_SHARE of `usable` (our
 * usable neighbours, at least CROWDED_NEIGHBOURS_MIN of them) advertise lists of `maxListed`
 * entries or more (our own entry in them included): tables as full as ours would be, so each shows only part of what its owner
 * hears. Condition (a) of the named stand-down reads those lists, and a neighbour that lists none
 * of the copies' senders then mostly heard one all the same, as at a node whose own table is full.
 */
export function neighboursMostlyFull(usable: readonly Neighbour[], maxListed: number): boolean {
  if (usable.length < CROWDED_NEIGHBOURS_MIN) return false;
  let full = 0;
  // A list naming us carries one entry fewer into our two-hop view (our own is not kept there).
  for (const n of usable) if (n.twoHop.size >= maxListed - 1) full++;
  return full >= CROWDED_NEIGHBOURS_SHARE * usable.length;
}
