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
 * usable neighbours, at least CROWDED_NEIGHBOURS_MIN of them) advertised lists of `maxListed`
 * entries or more (our own entry in them included) over their last pass: tables as full as ours
 * would be, so each shows only part of what its owner hears. Condition (a) of the named stand-down
 * reads those lists, and a neighbour that lists none of the copies' senders then mostly heard one
 * all the same, as at a node whose own table is full.
 */
export function neighboursMostlyFull(usable: readonly Neighbour[], maxListed: number, now: number): boolean {
  if (usable.length < CROWDED_NEIGHBOURS_MIN) return false;
  let full = 0;
  // A list naming us carries one entry fewer into our two-hop view (our own is not kept there).
  for (const n of usable) if (listedLastPass(n, now) >= maxListed - 1) full++;
  return full >= CROWDED_NEIGHBOURS_SHARE * usable.length;
}

/**
 * How many entries of neighbour `n`'s two-hop view it named within its last pass (its `cycle` OGMs
 * at its interval) and half an interval more, for the jitter of its OGMs. Not the whole
 * view: that keeps what it named over a hold (3.5 passes), so a neighbour whose short list churns
 * would count as full (review, session 16: 9 entries an OGM, 5 of them new each time, summed to 39).
 */
export function listedLastPass(n: Neighbour, now: number): number {
  const since = Math.floor((now - (Math.max(1, n.cycle) + 0.5) * n.intervalMs) / 1000);
  let count = 0;
  // Each entry packs when it was last named, in seconds, above its rq byte (neighbour-table.ts).
  for (const v of n.twoHop.values()) if (Math.floor(v / 256) >= since) count++;
  return count;
}
