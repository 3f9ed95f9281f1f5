// Filling an OGM (docs/protocol.md §8.3). Neighbour entries rotate at most `maxNeighbours` per
// OGM; route entries that changed since the last OGM go first (as many as fit), then unchanged
// ones in rotation within a byte budget. `cycle` tells receivers how many OGMs a full pass over
// everything takes; it sets their hold times.
import {
  OGM_CLUSTER_ROUTE_BYTES,
  OGM_FIXED_BYTES,
  OGM_NEIGHBOUR_BYTES,
  OGM_NODE_ROUTE_BYTES,
  type OgmClusterRoute,
  type OgmNeighbour,
  type OgmNodeRoute,
} from "./frames";

export type OgmItem =
  | { readonly section: "nbr"; readonly entry: OgmNeighbour; readonly changed: boolean }
  | { readonly section: "node"; readonly entry: OgmNodeRoute; readonly changed: boolean }
  | { readonly section: "cluster"; readonly entry: OgmClusterRoute; readonly changed: boolean };

/** Least bytes of unchanged route entries a quiet OGM carries (`quietOgmBudget`). */
export const OGM_QUIET_ROUTE_BYTES = 24;
/** Longest full pass a quiet OGM may take, OGMs (`quietOgmBudget`). */
export const OGM_QUIET_MAX_CYCLE = 8;

export function itemBytes(item: OgmItem): number {
  return item.section === "nbr" ? OGM_NEIGHBOUR_BYTES : item.section === "node" ? OGM_NODE_ROUTE_BYTES : OGM_CLUSTER_ROUTE_BYTES;
}

export interface OgmBudget {
  /** Whole frame, bytes. */
  readonly maxBytes: number;
  /** Neighbour entries per OGM. */
  readonly maxNeighbours: number;
  /** Bytes of unchanged route entries per OGM (changed ones may use the rest of the frame). */
  readonly routeBytes: number;
  /**
   * A quiet OGM (§8.3, `quietOgmBudget`): the rotation slows to at most this many OGMs per full
   * pass (the receivers' hold times grow with `cycle`, so this is what keeps them consistent).
   */
  readonly quietCycle?: number;
  /** Rule `pacedNeighbours` (§8.3, `pacedNeighbourLimit`): the neighbour list keeps pace with the route pass. */
  readonly pacedNeighbours?: boolean;
}

/**
 * Rule `pacedNeighbours` (§8.3): how many neighbour entries an OGM carries when its neighbour list
 * may keep pace with its route pass rather than fill `maxNeighbours`: the new neighbours (they
 * learn their tq from us, and a full table admits us once our OGM lists it) and a rotation of the
 * rest that names each within the OGMs a pass over the routes takes anyway. The `cycle` the OGM
 * announces (and so every receiver's hold of its tq and two-hop entries, 3.5 × cycle × interval)
 * stays what the routes made it. Why: on dense-urban every OGM of the default window named 10
 * neighbours (30 bytes of about 105), while its route pass took about 5 OGMs: half of those
 * entries refreshed what the receivers would hold anyway.
 */
/** How many OGMs a pass over `totalBytes` of entries takes at `perOgm` bytes an OGM (1 for none). */
function passLength(totalBytes: number, perOgm: number): number {
  return totalBytes === 0 ? 1 : Math.ceil(totalBytes / perOgm);
}

export function pacedNeighbourLimit(maxNeighbours: number, nbrCount: number, newCount: number, routeBytesTotal: number, routeBytes: number): number {
  const routeCycle = passLength(routeBytesTotal, Math.max(OGM_CLUSTER_ROUTE_BYTES, routeBytes));
  return Math.min(maxNeighbours, Math.max(1, newCount + Math.ceil(Math.max(0, nbrCount - newCount) / routeCycle)));
}

/**
 * Rule `quietOgmBudget` (§8.3): once the node's interval sits at its ceiling (nothing new for a
 * whole interval), the unchanged part of an OGM rotates more slowly, its full pass taking at most
 * `budget.quietCycle` OGMs. Routes get the bytes that bound needs (a rotation stops at the first
 * entry that does not fit, so it carries at least the budget less one entry's bytes but one), at
 * least OGM_QUIET_ROUTE_BYTES; the neighbour list as many entries as keep its pass within the
 * routes' (both share `cycle`, hence the receivers' hold times). Returns undefined when the
 * quiet budget would be no smaller than the regular one. Changed entries still go first.
 * Why: once converged nearly every OGM is a scheduled one at the ceiling that repeats the last
 * pass, and what it refreshes is held for many intervals.
 */
export function quietOgmBudget(budget: OgmBudget, nbrCount: number, routeBytesTotal: number): { routeBytes: number; maxNeighbours: number; cycle: number } | undefined {
  const maxCycle = Math.max(1, budget.quietCycle ?? 1);
  const slack = OGM_CLUSTER_ROUTE_BYTES - 1;
  const routeBytes = Math.max(OGM_QUIET_ROUTE_BYTES, Math.ceil(routeBytesTotal / maxCycle) + slack);
  if (routeBytes >= budget.routeBytes) return undefined;
  const routeCycle = passLength(routeBytesTotal, routeBytes - slack);
  const cycle = Math.max(routeCycle, Math.ceil(nbrCount / budget.maxNeighbours));
  const maxNeighbours = Math.min(budget.maxNeighbours, Math.max(1, Math.ceil(nbrCount / cycle)));
  return { routeBytes, maxNeighbours, cycle };
}

export interface OgmCursors {
  readonly nbr: number;
  readonly route: number;
}

export interface OgmSelection {
  readonly neighbours: OgmNeighbour[];
  readonly nodeRoutes: OgmNodeRoute[];
  readonly clusterRoutes: OgmClusterRoute[];
  /** OGMs needed for a full pass over all items (≥ 1). */
  readonly cycle: number;
  /** Items carried (for marking advertisements as sent). */
  readonly carried: OgmItem[];
  /** Rotation cursors to pass to the next call. */
  readonly cursors: OgmCursors;
}

/** Takes up to `limitBytes` of `items`: those `first` accepts first, then the rest from `cursor` on. */
function rotate(items: readonly OgmItem[], limitBytes: number, cursor: number, first: (it: OgmItem) => boolean, firstLimit: number): { taken: OgmItem[]; cursor: number } {
  const n = items.length;
  const taken = new Uint8Array(n);
  let used = 0;
  for (let i = 0; i < n; i++) {
    const b = itemBytes(items[i]);
    if (first(items[i]) && used + b <= firstLimit) {
      taken[i] = 1;
      used += b;
    }
  }
  let i = n === 0 ? 0 : ((cursor % n) + n) % n;
  for (let scanned = 0; scanned < n; scanned++, i = (i + 1) % n) {
    if (taken[i]) continue;
    const b = itemBytes(items[i]);
    if (used + b > limitBytes) break;
    taken[i] = 1;
    used += b;
  }
  const out: OgmItem[] = [];
  for (let k = 0; k < n; k++) if (taken[k]) out.push(items[k]);
  return { taken: out, cursor: i };
}

/** Picks what goes into one OGM. `items` is the full candidate list in a stable order. */
export function selectOgmItems(items: readonly OgmItem[], budget: OgmBudget, cursors: OgmCursors): OgmSelection {
  const nbrs = items.filter((it) => it.section === "nbr");
  const routes = items.filter((it) => it.section !== "nbr");
  let quiet: ReturnType<typeof quietOgmBudget>;
  if (budget.quietCycle !== undefined) {
    let total = 0;
    for (const it of routes) total += itemBytes(it);
    quiet = quietOgmBudget(budget, nbrs.length, total);
    if (quiet !== undefined) budget = { ...budget, routeBytes: quiet.routeBytes, maxNeighbours: quiet.maxNeighbours };
  }
  if (budget.pacedNeighbours === true && quiet === undefined) {
    let total = 0;
    let fresh = 0;
    for (const it of routes) total += itemBytes(it);
    for (const it of nbrs) if (it.changed) fresh++;
    budget = { ...budget, maxNeighbours: pacedNeighbourLimit(budget.maxNeighbours, nbrs.length, fresh, total, budget.routeBytes) };
  }
  const nbrLimit = Math.min(budget.maxNeighbours, Math.floor((budget.maxBytes - OGM_FIXED_BYTES) / OGM_NEIGHBOUR_BYTES)) * OGM_NEIGHBOUR_BYTES;
  // New neighbours first, so they learn their tq from us quickly.
  const n = rotate(nbrs, nbrLimit, cursors.nbr, (it) => it.changed, nbrLimit);
  const room = budget.maxBytes - OGM_FIXED_BYTES - n.taken.length * OGM_NEIGHBOUR_BYTES;
  let changedBytes = 0;
  let routeBytes = 0;
  for (const it of routes) {
    routeBytes += itemBytes(it);
    if (it.changed) changedBytes += itemBytes(it);
  }
  // Changed entries go first whatever the budget; in a quiet OGM the rotation keeps its own bytes
  // after them, else a few routes changing every OGM would stop it and the announced cycle would
  // not hold (the regular budget is the floor a rotation gets anyway).
  const routeLimit = Math.min(room, quiet !== undefined ? changedBytes + budget.routeBytes : Math.max(budget.routeBytes, changedBytes));
  const r = rotate(routes, routeLimit, cursors.route, (it) => it.changed, room);
  const neighbours: OgmNeighbour[] = [];
  const nodeRoutes: OgmNodeRoute[] = [];
  const clusterRoutes: OgmClusterRoute[] = [];
  for (const it of n.taken) neighbours.push(it.entry as OgmNeighbour);
  for (const it of r.taken) {
    if (it.section === "node") nodeRoutes.push(it.entry);
    else if (it.section === "cluster") clusterRoutes.push(it.entry);
  }
  const nbrCycle = passLength(nbrs.length * OGM_NEIGHBOUR_BYTES, Math.max(OGM_NEIGHBOUR_BYTES, nbrLimit));
  const routeCycle = passLength(routeBytes, Math.max(OGM_CLUSTER_ROUTE_BYTES, Math.min(room, budget.routeBytes)));
  const cycle = Math.max(1, Math.min(255, Math.max(nbrCycle, routeCycle, quiet?.cycle ?? 1)));
  return { neighbours, nodeRoutes, clusterRoutes, cycle, carried: [...n.taken, ...r.taken], cursors: { nbr: n.cursor, route: r.cursor } };
}
