// Filling an OGM (docs/protocol.md §8.3): everything when it fits; otherwise entries that
// changed since the last OGM first (up to half the space), then the rest in rotation, and a
// `cycle` telling receivers how many OGMs a full pass takes (it sets their hold times).
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

export function itemBytes(item: OgmItem): number {
  return item.section === "nbr" ? OGM_NEIGHBOUR_BYTES : item.section === "node" ? OGM_NODE_ROUTE_BYTES : OGM_CLUSTER_ROUTE_BYTES;
}

export interface OgmSelection {
  readonly neighbours: OgmNeighbour[];
  readonly nodeRoutes: OgmNodeRoute[];
  readonly clusterRoutes: OgmClusterRoute[];
  /** OGMs needed for a full pass over all items (≥ 1). */
  readonly cycle: number;
  /** Items carried (for marking advertisements as sent). */
  readonly carried: OgmItem[];
  /** Rotation cursor to pass to the next call. */
  readonly cursor: number;
}

/**
 * Picks what goes into one OGM of at most `maxBytes`. `items` is the full candidate list in a
 * stable order; `cursor` continues the rotation from the previous OGM.
 */
export function selectOgmItems(items: readonly OgmItem[], maxBytes: number, cursor: number): OgmSelection {
  const capacity = maxBytes - OGM_FIXED_BYTES;
  let total = 0;
  for (const it of items) total += itemBytes(it);
  const carried: OgmItem[] = [];
  let nextCursor = 0;
  if (total <= capacity) {
    carried.push(...items);
  } else {
    const taken = new Uint8Array(items.length);
    let used = 0;
    // Changed entries first, within half the space so rotation always progresses.
    for (let i = 0; i < items.length && used < capacity / 2; i++) {
      const b = itemBytes(items[i]);
      if (items[i].changed && used + b <= capacity / 2) {
        taken[i] = 1;
        used += b;
      }
    }
    const n = items.length;
    let i = ((cursor % n) + n) % n;
    let scanned = 0;
    for (; scanned < n; scanned++, i = (i + 1) % n) {
      if (taken[i]) continue;
      const b = itemBytes(items[i]);
      if (used + b > capacity) break;
      taken[i] = 1;
      used += b;
    }
    nextCursor = i;
    for (let k = 0; k < n; k++) if (taken[k]) carried.push(items[k]);
  }
  const neighbours: OgmNeighbour[] = [];
  const nodeRoutes: OgmNodeRoute[] = [];
  const clusterRoutes: OgmClusterRoute[] = [];
  for (const it of carried) {
    if (it.section === "nbr") neighbours.push(it.entry);
    else if (it.section === "node") nodeRoutes.push(it.entry);
    else clusterRoutes.push(it.entry);
  }
  const cycle = Math.max(1, Math.min(255, Math.ceil(total / capacity)));
  return { neighbours, nodeRoutes, clusterRoutes, cycle, carried, cursor: nextCursor };
}
