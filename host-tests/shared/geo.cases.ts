// Geohash and cluster ids on known values (the ngeohash oracle and random positions are in
// host-tests/node/geohash.property.test.ts, which runs on Node only).
import {
  clusterContains,
  clusterDistance,
  clusterFromGeohash,
  clusterInRectangle,
  clusterOf,
  clusterParent,
  clusterPrecision,
  clusterToGeohash,
  isValidClusterId,
  NO_CLUSTER,
} from "../../src/core/cluster";
import { commonPrefix, decodeGeohash, encodeGeohash, geohashBounds, geohashNeighbours, geohashToCell } from "../../src/core/geohash";
import { metresBetween } from "../../src/core/position";
import { suite } from "./harness";

export default suite("geohash and clusters", {
  "known encodings"(t) {
    t.equal(encodeGeohash(57.64911, 10.40744, 11), "u4pruydqqvj"); // Niemeyer's example (geohash.org)
    t.equal(encodeGeohash(48.137, 11.575, 4), "u281"); // Munich, the seed's example
    t.equal(encodeGeohash(37.7749, -122.4194, 5), "9q8yy"); // San Francisco
    t.equal(encodeGeohash(-33.8688, 151.2093, 6), "r3gx2f"); // Sydney
  },
  "decode returns the cell centre and half-size"(t) {
    const d = decodeGeohash("u281");
    t.ok(Math.abs(d.lat - 48.137) <= d.latError && Math.abs(d.lon - 11.575) <= d.lonError);
    t.near(d.latError, 0.0878906, 1e-6);
    t.near(d.lonError, 0.1757812, 1e-6);
    const b = geohashBounds("s");
    t.deepEqual(b, { minLat: 0, maxLat: 45, minLon: 0, maxLon: 45 });
  },
  "neighbours in N, NE, E, SE, S, SW, W, NW order, wrapping at the antimeridian"(t) {
    t.deepEqual(geohashNeighbours("u281"), ["u284", "u286", "u283", "u282", "u280", "u0xb", "u0xc", "u0xf"]);
    const across = geohashNeighbours("xbpb"); // on the antimeridian
    t.equal(across[2], "8000", "east of xbpb wraps to 8000");
  },
  "common prefix"(t) {
    t.equal(commonPrefix("u281z", "u28bc"), "u28");
    t.equal(commonPrefix("abc", "xyz"), "");
  },
  "cluster ids: stop bit encodes precision, 0 is no cluster"(t) {
    for (const h of ["u", "u2", "u28", "u281", "u281z", "u281zz"]) {
      const id = clusterFromGeohash(h);
      t.equal(clusterPrecision(id), h.length, h);
      t.equal(clusterToGeohash(id), h);
      t.ok(isValidClusterId(id));
    }
    t.ok(isValidClusterId(NO_CLUSTER));
    t.ok(!isValidClusterId(1), "stop bit at position 0 is not a precision");
    t.throws(() => clusterFromGeohash("u281zzz"), /1\.\.6/);
    t.equal(clusterOf(48.137, 11.575, 4), clusterFromGeohash("u281"));
  },
  "cluster parents and containment are geohash prefixes"(t) {
    const hashes = ["0", "z", "u2", "zz", "00", "u28", "u281", "u281z", "u281zz", "000000", "zzzzzz", "ezs42", "s0000p"];
    for (const h of hashes) {
      const id = clusterFromGeohash(h);
      t.equal(clusterParent(id), h.length > 1 ? clusterFromGeohash(h.slice(0, -1)) : NO_CLUSTER, `parent of ${h}`);
      for (const o of hashes) {
        t.equal(clusterContains(clusterFromGeohash(o), id), h.startsWith(o), `${o} contains ${h}`);
      }
    }
    t.equal(clusterParent(NO_CLUSTER), NO_CLUSTER);
    t.ok(!clusterContains(NO_CLUSTER, clusterFromGeohash("u2")));
    t.ok(!clusterContains(clusterFromGeohash("u2"), NO_CLUSTER));
    t.ok(!clusterContains(1, clusterFromGeohash("u2")), "an invalid id contains nothing");
  },
  "cluster distance in rings"(t) {
    const c = clusterFromGeohash("u281");
    t.equal(clusterDistance(c, c), 0);
    for (const n of geohashNeighbours("u281")) t.equal(clusterDistance(c, clusterFromGeohash(n)), 1, n);
    const cell = geohashToCell("u281");
    t.ok(cell.x > 0 && cell.y > 0);
    t.equal(clusterDistance(c, NO_CLUSTER), Infinity);
    t.equal(clusterDistance(c, clusterFromGeohash("u28")), Infinity, "different precision");
  },
  "corridor rectangle"(t) {
    const a = clusterFromGeohash("u281");
    const b = clusterFromGeohash("u28c"); // two cells north-east-ish
    t.ok(clusterInRectangle(a, a, b));
    t.ok(clusterInRectangle(b, a, b));
    const ca = geohashToCell("u281");
    const cb = geohashToCell("u28c");
    t.ok(ca.x !== cb.x || ca.y !== cb.y);
    t.ok(!clusterInRectangle(clusterFromGeohash("u0xb"), a, b), "south-west of both");
  },

  "metresBetween: across the 180th meridian the longitude difference wraps"(t) {
    // Fiji, 0.02° of longitude either side of 180°, on the equator: about 2.2 km, not 40,000 km.
    const east = { lat: 0, lon: 179.99 };
    const west = { lat: 0, lon: -179.99 };
    const d = metresBetween(east, west);
    t.ok(Math.abs(d - 2_223.9) < 1, `179.99° E to 179.99° W: ${d.toFixed(1)} m`);
    t.ok(Math.abs(metresBetween(west, east) - d) < 1e-6, "the same both ways");
    t.ok(Math.abs(metresBetween({ lat: 0, lon: 10 }, { lat: 0, lon: 10.02 }) - d) < 1e-6, "as far as the same step anywhere else");
    t.ok(Math.abs(metresBetween({ lat: 0, lon: -90 }, { lat: 0, lon: 90 }) - 180 * 111_195) < 1, "half way round stays half way round");
  },
});
