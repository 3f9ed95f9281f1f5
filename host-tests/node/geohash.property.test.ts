// Geohash against ngeohash as a test oracle, on random positions and precisions. (Points exactly
// on a cell edge are excluded: ngeohash puts them in the lower cell, geohash.org and we in the
// upper one; random doubles never land there.)
import fc from "fast-check";
import ngeohash from "ngeohash";
import { describe, expect, test } from "vitest";
import { clusterFromGeohash, clusterToGeohash } from "../../src/core/cluster";
import { axisBits, commonPrefix, decodeGeohash, encodeGeohash, geohashNeighbours, GEOHASH_ALPHABET } from "../../src/core/geohash";

/** True when a coordinate lies exactly on a cell edge at this precision (conventions differ there). */
function onEdge(a: number, o: number, p: number): boolean {
  const { lonBits, latBits } = axisBits(p);
  return Number.isInteger(((o + 180) / 360) * 2 ** lonBits) || Number.isInteger(((a + 90) / 180) * 2 ** latBits);
}

const lat = fc.double({ min: -89.999, max: 89.999, noNaN: true });
const lon = fc.double({ min: -179.999, max: 179.999, noNaN: true });
const precision = fc.integer({ min: 1, max: 12 });
const hash = fc.string({ unit: fc.constantFrom(...GEOHASH_ALPHABET), minLength: 1, maxLength: 12 });

describe("geohash matches ngeohash", () => {
  test("encode", () => {
    fc.assert(
      fc.property(lat, lon, precision, (a, o, p) => {
        if (onEdge(a, o, p)) return; // conventions differ exactly on an edge
        expect(encodeGeohash(a, o, p)).toBe(ngeohash.encode(a, o, p));
      }),
      { numRuns: 5000 },
    );
  });
  test("decode", () => {
    fc.assert(
      fc.property(hash, (h) => {
        const ours = decodeGeohash(h);
        const theirs = ngeohash.decode(h);
        expect(ours.lat).toBeCloseTo(theirs.latitude, 9);
        expect(ours.lon).toBeCloseTo(theirs.longitude, 9);
        expect(ours.latError).toBeCloseTo(theirs.error.latitude, 9);
        expect(ours.lonError).toBeCloseTo(theirs.error.longitude, 9);
      }),
      { numRuns: 5000 },
    );
  });
  test("neighbours (including the antimeridian and the poles)", () => {
    fc.assert(
      fc.property(hash, (h) => {
        expect(geohashNeighbours(h)).toEqual(ngeohash.neighbors(h));
      }),
      { numRuns: 3000 },
    );
  });
  test("a position lies in its own cell and the cell of every prefix", () => {
    fc.assert(
      fc.property(lat, lon, precision, (a, o, p) => {
        const h = encodeGeohash(a, o, p);
        const d = decodeGeohash(h);
        expect(Math.abs(d.lat - a)).toBeLessThanOrEqual(d.latError + 1e-12);
        expect(Math.abs(d.lon - o)).toBeLessThanOrEqual(d.lonError + 1e-12);
        for (let q = 1; q < p; q++) expect(encodeGeohash(a, o, q)).toBe(h.slice(0, q));
      }),
      { numRuns: 2000 },
    );
  });
  test("common prefix and cluster ids", () => {
    fc.assert(
      fc.property(hash, hash, (a, b) => {
        const c = commonPrefix(a, b);
        expect(a.startsWith(c) && b.startsWith(c)).toBe(true);
        if (c.length < Math.min(a.length, b.length)) expect(a[c.length]).not.toBe(b[c.length]);
        const short = a.slice(0, 6);
        expect(clusterToGeohash(clusterFromGeohash(short))).toBe(short);
      }),
      { numRuns: 3000 },
    );
  });
});
