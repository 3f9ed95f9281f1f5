// Test and benchmark topologies on the ideal channel: one implementation used by the protocol
// tests (host-tests/shared) and the core figures of the benchmark (src/demo/figures.ts).
import type { MeshConfig } from "../core/config";
import { cellToGeohash, encodeGeohash, geohashBounds, geohashToCell, offsetCell, type GeoPoint } from "../core/geohash";
import { SeededRng } from "../core/rng";
import type { NodeId } from "../core/station";
import { gridPosition, IdealMesh } from "./ideal-mesh";

/** A line of n nodes, each linked to the next. */
export function lineMesh(n: number, seed: number, config: Partial<MeshConfig> = {}): IdealMesh {
  const h = new IdealMesh({ seed, config });
  for (let i = 1; i <= n; i++) h.addNode(i, gridPosition(i, 0));
  for (let i = 1; i < n; i++) h.link(i, i + 1);
  return h;
}

/** A side × side grid, 4-connected; node id = 1 + x + side·y. */
export function gridMesh(side: number, seed: number, config: Partial<MeshConfig> = {}): IdealMesh {
  const h = new IdealMesh({ seed, config });
  const id = (x: number, y: number): number => 1 + x + side * y;
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) h.addNode(id(x, y), gridPosition(x, y));
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      if (x < side - 1) h.link(id(x, y), id(x + 1, y));
      if (y < side - 1) h.link(id(x, y), id(x, y + 1));
    }
  }
  return h;
}

export function connected(nodes: readonly NodeId[], adj: ReadonlyMap<NodeId, readonly NodeId[]>, allowed?: ReadonlySet<NodeId>): boolean {
  const pool = allowed ?? new Set(nodes);
  const start = nodes.find((x) => pool.has(x));
  if (start === undefined) return true;
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length > 0) {
    const v = stack.pop() as NodeId;
    for (const w of adj.get(v) ?? []) {
      if (pool.has(w) && !seen.has(w)) {
        seen.add(w);
        stack.push(w);
      }
    }
  }
  return [...pool].every((x) => seen.has(x));
}

/** A connected random geometric graph of n nodes in the unit square (link within `range`), one cluster. */
export function randomMesh(n: number, seed: number, range: number, config: Partial<MeshConfig> = {}): { h: IdealMesh; adj: Map<NodeId, NodeId[]> } {
  const rng = new SeededRng(seed);
  for (;;) {
    const xy: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) xy.push([rng.next(), rng.next()]);
    const adj = new Map<NodeId, NodeId[]>();
    for (let i = 1; i <= n; i++) adj.set(i, []);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        if (Math.hypot(xy[i][0] - xy[j][0], xy[i][1] - xy[j][1]) <= range) {
          adj.get(i + 1)?.push(j + 1);
          adj.get(j + 1)?.push(i + 1);
        }
      }
    }
    if (connected([...adj.keys()], adj)) {
      const h = new IdealMesh({ seed, config });
      for (let i = 0; i < n; i++) h.addNode(i + 1, gridPosition(xy[i][0] * 10, xy[i][1] * 10));
      for (const [a, bs] of adj) for (const b of bs) if (a < b) h.link(a, b);
      return { h, adj };
    }
  }
}

/** A point inside a geohash cell, at fractions (fx, fy) of its width and height. */
export function inCell(hash: string, fx: number, fy: number): GeoPoint {
  const b = geohashBounds(hash);
  return { lat: b.minLat + fy * (b.maxLat - b.minLat), lon: b.minLon + fx * (b.maxLon - b.minLon) };
}

/** Precision-6 cells near 48.1 N 11.5 E: W, M = east of W, E = east of M, N = north of M. */
export const CELLS = (() => {
  const W = encodeGeohash(48.1, 11.5, 6);
  const at = (dx: number, dy: number): string => cellToGeohash(offsetCell(geohashToCell(W), dx, dy));
  return Object.freeze({ W, M: at(1, 0), E: at(2, 0), N: at(1, 1) });
})();

/**
 * Three clusters in a row (W, M, E), four nodes each in a chain, plus a cluster N above M whose
 * four nodes also link W to E (an alternative outside the W–E rectangle).
 *   W: 1-2-3-4   M: 5-6-7-8   E: 9-10-11-12   N: 13-14-15-16
 *   4-5, 8-9 join the row; 3-13, 16-10 join N.
 */
export function clusterRowMesh(seed: number, config: Partial<MeshConfig> = {}): IdealMesh {
  const h = new IdealMesh({ seed, config: { geohashPrecision: 6, ...config } });
  const cells: Array<[string, number]> = [[CELLS.W, 1], [CELLS.M, 5], [CELLS.E, 9], [CELLS.N, 13]];
  for (const [cell, first] of cells) for (let i = 0; i < 4; i++) h.addNode(first + i, inCell(cell, 0.2 + 0.2 * i, 0.5));
  for (const first of [1, 5, 9, 13]) for (let i = 0; i < 3; i++) h.link(first + i, first + i + 1);
  h.link(4, 5);
  h.link(8, 9);
  h.link(3, 13);
  h.link(16, 10);
  return h;
}

/** Three clusters in a row (W, M, E), 12 nodes each on a jittered 4×3 grid, links within 1.6 grid steps. */
export function threeClusterMesh(seed: number, config: Partial<MeshConfig> = {}): IdealMesh {
  const h = new IdealMesh({ seed, config: { geohashPrecision: 6, ...config } });
  const rng = new SeededRng(99);
  const pos = new Map<NodeId, [number, number]>();
  let id = 1;
  for (const [ci, cell] of [CELLS.W, CELLS.M, CELLS.E].entries()) {
    for (let gx = 0; gx < 4; gx++) {
      for (let gy = 0; gy < 3; gy++) {
        const fx = (gx + 0.5 + 0.3 * (rng.next() - 0.5)) / 4;
        const fy = (gy + 0.5 + 0.3 * (rng.next() - 0.5)) / 3;
        h.addNode(id, inCell(cell, fx, fy));
        pos.set(id, [ci * 4 + fx * 4, fy * 3]);
        id++;
      }
    }
  }
  for (const [a, pa] of pos) for (const [b, pb] of pos) if (a < b && Math.hypot(pa[0] - pb[0], pa[1] - pb[1]) <= 1.6) h.link(a, b);
  return h;
}

/**
 * A grid of cx × cy precision-6 clusters starting at W, each holding a k × k patch of nodes;
 * nodes form one 4-connected grid across the patches. Node id = 1 + gx + (cx·k)·gy.
 */
export function clusterGridMesh(cx: number, cy: number, k: number, seed: number, config: Partial<MeshConfig> = {}): IdealMesh {
  const h = new IdealMesh({ seed, config: { geohashPrecision: 6, ...config } });
  const w = cx * k;
  const id = (gx: number, gy: number): number => 1 + gx + w * gy;
  const base = geohashToCell(CELLS.W);
  for (let gy = 0; gy < cy * k; gy++) {
    for (let gx = 0; gx < w; gx++) {
      const cell = cellToGeohash(offsetCell(base, Math.floor(gx / k), Math.floor(gy / k)));
      h.addNode(id(gx, gy), inCell(cell, ((gx % k) + 0.5) / k, ((gy % k) + 0.5) / k));
    }
  }
  for (let gy = 0; gy < cy * k; gy++) {
    for (let gx = 0; gx < w; gx++) {
      if (gx < w - 1) h.link(id(gx, gy), id(gx + 1, gy));
      if (gy < cy * k - 1) h.link(id(gx, gy), id(gx, gy + 1));
    }
  }
  return h;
}
