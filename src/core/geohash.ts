// Geohash: base-32 strings naming nested lat/lon cells, bits interleaved starting with longitude
// (G. Niemeyer's public-domain scheme). Clusters are geohash prefixes (docs/protocol.md §2).
//
// Cells are also addressed as integer grid coordinates (x = longitude index, y = latitude index)
// at a precision; neighbours and ring distances are computed on that grid.

export const GEOHASH_ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz";
export const MAX_GEOHASH_PRECISION = 12;

const DECODE: Readonly<Record<string, number>> = (() => {
  const map: Record<string, number> = {};
  for (let i = 0; i < GEOHASH_ALPHABET.length; i++) map[GEOHASH_ALPHABET[i]] = i;
  return Object.freeze(map);
})();

export interface GeoBounds {
  readonly minLat: number;
  readonly maxLat: number;
  readonly minLon: number;
  readonly maxLon: number;
}

export interface GeoPoint {
  readonly lat: number;
  readonly lon: number;
}

/** Grid coordinates of a cell at some precision. */
export interface GeoCell {
  readonly x: number;
  readonly y: number;
  readonly precision: number;
}

export function isValidGeohash(hash: string): boolean {
  if (hash.length < 1 || hash.length > MAX_GEOHASH_PRECISION) return false;
  for (let i = 0; i < hash.length; i++) if (DECODE[hash[i]] === undefined) return false;
  return true;
}

function checkHash(hash: string): void {
  if (!isValidGeohash(hash)) throw new RangeError(`"${hash}" is not a geohash of 1..${MAX_GEOHASH_PRECISION} base-32 characters`);
}

function checkPrecision(precision: number): void {
  if (!Number.isInteger(precision) || precision < 1 || precision > MAX_GEOHASH_PRECISION) {
    throw new RangeError(`geohash precision ${precision} is not 1..${MAX_GEOHASH_PRECISION}`);
  }
}

/** Number of longitude and latitude bits at a precision. */
export function axisBits(precision: number): { lonBits: number; latBits: number } {
  const total = 5 * precision;
  return { lonBits: Math.ceil(total / 2), latBits: Math.floor(total / 2) };
}

/** Encodes a position. Latitude is clamped to [−90, 90] and longitude wrapped to [−180, 180). */
export function encodeGeohash(lat: number, lon: number, precision: number): string {
  checkPrecision(precision);
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) throw new RangeError(`position ${lat}, ${lon} is not finite`);
  return cellToGeohash(pointToCell(lat, lon, precision));
}

/** The grid cell containing a point. */
export function pointToCell(lat: number, lon: number, precision: number): GeoCell {
  const { lonBits, latBits } = axisBits(precision);
  const clampedLat = Math.min(90, Math.max(-90, lat));
  const wrappedLon = lon >= -180 && lon < 180 ? lon : ((((lon + 180) % 360) + 360) % 360) - 180;
  // Bisect on the raw coordinate, as the geohash algorithm does: scaling first (e.g. lon + 180)
  // rounds values within an ulp of a cell edge into the wrong cell.
  return { x: bisect(wrappedLon, -180, 180, lonBits), y: bisect(clampedLat, -90, 90, latBits), precision };
}

function bisect(value: number, lo: number, hi: number, bits: number): number {
  let index = 0;
  for (let i = 0; i < bits; i++) {
    const mid = (lo + hi) / 2;
    if (value >= mid) {
      index = index * 2 + 1;
      lo = mid;
    } else {
      index = index * 2;
      hi = mid;
    }
  }
  return index;
}

/** Grid coordinates of a geohash. */
export function geohashToCell(hash: string): GeoCell {
  checkHash(hash);
  let x = 0;
  let y = 0;
  let bit = 0;
  for (let i = 0; i < hash.length; i++) {
    const v = DECODE[hash[i]];
    for (let b = 4; b >= 0; b--) {
      const on = (v >> b) & 1;
      if (bit % 2 === 0) x = x * 2 + on;
      else y = y * 2 + on;
      bit++;
    }
  }
  return { x, y, precision: hash.length };
}

/** The geohash of a grid cell. */
export function cellToGeohash(cell: GeoCell): string {
  checkPrecision(cell.precision);
  const { lonBits, latBits } = axisBits(cell.precision);
  let out = "";
  let xi = lonBits - 1;
  let yi = latBits - 1;
  let bit = 0;
  for (let c = 0; c < cell.precision; c++) {
    let v = 0;
    for (let b = 0; b < 5; b++) {
      const on = bit % 2 === 0 ? Math.floor(cell.x / 2 ** xi--) % 2 : Math.floor(cell.y / 2 ** yi--) % 2;
      v = v * 2 + on;
      bit++;
    }
    out += GEOHASH_ALPHABET[v];
  }
  return out;
}

export function geohashBounds(hash: string): GeoBounds {
  const { x, y, precision } = geohashToCell(hash);
  const { lonBits, latBits } = axisBits(precision);
  const w = 360 / 2 ** lonBits;
  const h = 180 / 2 ** latBits;
  return { minLat: -90 + y * h, maxLat: -90 + (y + 1) * h, minLon: -180 + x * w, maxLon: -180 + (x + 1) * w };
}

/** Centre of the cell and half its size (the error of the encoded position). */
export function decodeGeohash(hash: string): GeoPoint & { latError: number; lonError: number } {
  const b = geohashBounds(hash);
  return {
    lat: (b.minLat + b.maxLat) / 2,
    lon: (b.minLon + b.maxLon) / 2,
    latError: (b.maxLat - b.minLat) / 2,
    lonError: (b.maxLon - b.minLon) / 2,
  };
}

/**
 * The cell `dy` rows north and `dx` columns east. Longitude wraps around the globe; latitude
 * stops at the poles (the neighbour beyond a pole row is the row itself).
 */
export function offsetCell(cell: GeoCell, dx: number, dy: number): GeoCell {
  const { lonBits, latBits } = axisBits(cell.precision);
  const nx = 2 ** lonBits;
  const ny = 2 ** latBits;
  return {
    x: (((cell.x + dx) % nx) + nx) % nx,
    y: Math.min(ny - 1, Math.max(0, cell.y + dy)),
    precision: cell.precision,
  };
}

/** The 8 neighbours in the order N, NE, E, SE, S, SW, W, NW. */
export function geohashNeighbours(hash: string): string[] {
  const c = geohashToCell(hash);
  const steps: Array<[number, number]> = [[0, 1], [1, 1], [1, 0], [1, -1], [0, -1], [-1, -1], [-1, 0], [-1, 1]];
  return steps.map(([dx, dy]) => cellToGeohash(offsetCell(c, dx, dy)));
}

/** Longest common prefix of two geohashes. */
export function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}

/**
 * Chebyshev distance between two cells of the same precision, in rings: 0 same cell, 1 adjacent
 * (including diagonals), … Longitude distance takes the shorter way round the globe.
 */
export function cellDistance(a: GeoCell, b: GeoCell): number {
  if (a.precision !== b.precision) throw new RangeError("cells of different precision");
  const nx = 2 ** axisBits(a.precision).lonBits;
  const dxRaw = Math.abs(a.x - b.x);
  return Math.max(Math.min(dxRaw, nx - dxRaw), Math.abs(a.y - b.y));
}
