// Cluster ids: a geohash prefix of precision 1..6 packed into 32 bits for the wire
// (docs/protocol.md §2): the 5·p prefix bits left-aligned, then a stop bit, then zeros.
// The stop bit's position gives the precision; 0 means "no cluster" (a homeless node).
import {
  cellDistance,
  cellToGeohash,
  encodeGeohash,
  GEOHASH_ALPHABET,
  geohashBounds,
  geohashToCell,
  isValidGeohash,
  type GeoCell,
} from "./geohash";

export type ClusterId = number;

export const NO_CLUSTER: ClusterId = 0;
export const MAX_CLUSTER_PRECISION = 6;

/** Packs a geohash of 1..6 characters. */
export function clusterFromGeohash(hash: string): ClusterId {
  if (!isValidGeohash(hash) || hash.length > MAX_CLUSTER_PRECISION) {
    throw new RangeError(`"${hash}" is not a cluster geohash of 1..${MAX_CLUSTER_PRECISION} characters`);
  }
  let v = 0;
  for (let i = 0; i < hash.length; i++) v = v * 32 + GEOHASH_ALPHABET.indexOf(hash[i]);
  const bits = 5 * hash.length;
  return v * 2 ** (32 - bits) + 2 ** (31 - bits);
}

/** Precision of a packed cluster id, or 0 if the id is not a valid encoding (or is NO_CLUSTER). */
export function clusterPrecision(id: ClusterId): number {
  if (!Number.isInteger(id) || id <= 0 || id > 0xffffffff) return 0;
  // Position of the lowest set bit (the stop bit); `id & -id` isolates it in 32-bit arithmetic.
  const low = 31 - Math.clz32(id & -id);
  const bits = 31 - low;
  if (bits % 5 !== 0) return 0;
  const p = bits / 5;
  return p >= 1 && p <= MAX_CLUSTER_PRECISION ? p : 0;
}

export function isValidClusterId(id: number): boolean {
  return id === NO_CLUSTER || clusterPrecision(id) > 0;
}

/** The geohash a packed cluster id stands for ("" for NO_CLUSTER). */
export function clusterToGeohash(id: ClusterId): string {
  if (id === NO_CLUSTER) return "";
  const p = clusterPrecision(id);
  if (p === 0) throw new RangeError(`0x${id.toString(16)} is not a cluster id`);
  let v = Math.floor(id / 2 ** (32 - 5 * p));
  let out = "";
  for (let i = 0; i < p; i++) {
    out = GEOHASH_ALPHABET[v % 32] + out;
    v = Math.floor(v / 32);
  }
  return out;
}

/** Cluster of a position at a precision. */
export function clusterOf(lat: number, lon: number, precision: number): ClusterId {
  return clusterFromGeohash(encodeGeohash(lat, lon, precision));
}

export function clusterCell(id: ClusterId): GeoCell {
  return geohashToCell(clusterToGeohash(id));
}

export function clusterFromCell(cell: GeoCell): ClusterId {
  return clusterFromGeohash(cellToGeohash(cell));
}

/** Ring distance between two clusters (0 same, 1 adjacent …); Infinity if either is none or precisions differ. */
/**
 * Whether (lat, lon) lies within `cluster`'s cell grown by `margin` of the cell's size on every
 * side: the hysteresis of cluster membership (§2), so a node moving along a cell border does not
 * change cluster back and forth.
 */
export function clusterHolds(cluster: ClusterId, lat: number, lon: number, margin: number): boolean {
  if (cluster === NO_CLUSTER) return false;
  const b = geohashBounds(clusterToGeohash(cluster));
  const dLat = (b.maxLat - b.minLat) * margin;
  const dLon = (b.maxLon - b.minLon) * margin;
  return lat >= b.minLat - dLat && lat <= b.maxLat + dLat && lon >= b.minLon - dLon && lon <= b.maxLon + dLon;
}

export function clusterDistance(a: ClusterId, b: ClusterId): number {
  if (a === NO_CLUSTER || b === NO_CLUSTER) return Infinity;
  if (a === b) return 0;
  const ca = clusterCell(a);
  const cb = clusterCell(b);
  if (ca.precision !== cb.precision) return Infinity;
  return cellDistance(ca, cb);
}

/**
 * Whether cluster `c` lies in the grid rectangle spanned by clusters `a` and `b` (inclusive),
 * taking the shorter way round in longitude. Used to bound the corridor flood (§14).
 */
export function clusterInRectangle(c: ClusterId, a: ClusterId, b: ClusterId): boolean {
  if (c === NO_CLUSTER || a === NO_CLUSTER || b === NO_CLUSTER) return false;
  const cc = clusterCell(c);
  const ca = clusterCell(a);
  const cb = clusterCell(b);
  if (cc.precision !== ca.precision || cc.precision !== cb.precision) return false;
  const yLo = Math.min(ca.y, cb.y);
  const yHi = Math.max(ca.y, cb.y);
  if (cc.y < yLo || cc.y > yHi) return false;
  // Longitude: walk from a to b the short way; c must be on that arc.
  const nx = 2 ** Math.ceil((5 * cc.precision) / 2);
  const east = (((cb.x - ca.x) % nx) + nx) % nx;
  const span = east <= nx / 2 ? east : nx - east;
  const start = east <= nx / 2 ? ca.x : cb.x;
  const offset = (((cc.x - start) % nx) + nx) % nx;
  return offset <= span;
}

/** Shows a cluster id as its geohash, or "-" for none. */
export function formatCluster(id: ClusterId): string {
  return id === NO_CLUSTER ? "-" : clusterPrecision(id) > 0 ? clusterToGeohash(id) : `?${id.toString(16)}`;
}

/** The cluster one geohash character shorter that contains `id` (NO_CLUSTER for precision 1 or none). */
export function clusterParent(id: ClusterId): ClusterId {
  const p = clusterPrecision(id);
  if (p <= 1) return NO_CLUSTER;
  // Arithmetic, not strings: this runs for every cluster entry of every OGM received.
  const parentBits = 5 * (p - 1);
  const prefix = Math.floor(id / 2 ** (32 - parentBits));
  return prefix * 2 ** (32 - parentBits) + 2 ** (31 - parentBits);
}

/** Whether `outer` is `inner` or one of its prefixes (an aggregate covering it). */
export function clusterContains(outer: ClusterId, inner: ClusterId): boolean {
  const po = clusterPrecision(outer);
  const pi = clusterPrecision(inner);
  if (po === 0 || pi === 0 || po > pi) return false;
  const unit = 2 ** (32 - 5 * po);
  return Math.floor(outer / unit) === Math.floor(inner / unit);
}
