// Rule `heardNeighbourSend` (docs/protocol.md §8.5): a node whose neighbours are all heard but none
// yet usable (no OGM of theirs has listed it, so tq is 0) sends through them rather than refusing.
// On a slow modem OGMs come minutes apart and a two-way link takes one OGM each way to show.
import type { Neighbour, NeighbourTable } from "./neighbour-table";

/**
 * The neighbours a send may go through when none is usable: those heard (rq > 0) and not
 * suspended. Empty when the rule is off, so `send` refuses `no-route` as before.
 */
export function heardNeighbours(nbrs: NeighbourTable, now: number, on: boolean): Neighbour[] {
  if (!on) return [];
  const out: Neighbour[] = [];
  for (const n of nbrs.values()) if (!n.suspended && nbrs.rq(n, now) > 0) out.push(n);
  return out;
}
