// A node's cluster without GPS (docs/protocol.md §17): adopt what at least consensusShare of the
// neighbours that report a cluster say, if at least consensusMin of them say it; else homeless.
import { NO_CLUSTER, type ClusterId } from "./cluster";

export interface Consensus {
  readonly cluster: ClusterId;
  /** How many neighbours reported the adopted (or leading) cluster, and how many reported any. */
  readonly votes: number;
  readonly reporting: number;
}

export function consensusCluster(reported: readonly ClusterId[], share: number, min: number): Consensus {
  const counts = new Map<ClusterId, number>();
  let reporting = 0;
  for (const c of reported) {
    if (c === NO_CLUSTER) continue;
    reporting++;
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let best: ClusterId = NO_CLUSTER;
  let votes = 0;
  for (const [c, n] of counts) if (n > votes || (n === votes && c < best)) [best, votes] = [c, n];
  const adopted = votes >= min && votes >= share * reporting ? best : NO_CLUSTER;
  return { cluster: adopted, votes, reporting };
}

/**
 * Metres between two positions, equirectangular (exact enough over the few km of a radio hop).
 * The longitude difference wraps into [−180°, 180°), so two points either side of the 180th
 * meridian are as close as they are, not most of the way round the Earth.
 */
export function metresBetween(a: { readonly lat: number; readonly lon: number }, b: { readonly lat: number; readonly lon: number }): number {
  const m = 111_195; // metres per degree of latitude
  const dLat = (b.lat - a.lat) * m;
  const rawLon = b.lon - a.lon;
  const wrappedLon = rawLon - 360 * Math.floor((rawLon + 180) / 360);
  const dLon = wrappedLon * m * Math.cos(((a.lat + b.lat) / 2) * (Math.PI / 180));
  return Math.sqrt(dLat * dLat + dLon * dLon);
}
