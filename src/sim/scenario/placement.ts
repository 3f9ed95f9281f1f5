// Node placement for one seed: where every node stands, how high its antenna is, its role, tier
// and whether it is indoors. Placement rules follow the seed's scenarios (system5-upstream.md §7.2)
// and Meshtasticator's connected random placement (simulators.md §1.2).
import { randNormal, randRange } from "../../core/rng";
import type { SeededRng } from "../../core/rng";
import type { RoleName } from "../routers/context";
import type { Scenario, Tier } from "./schema";

export interface PlacedNode {
  x: number;
  y: number;
  readonly heightM: number;
  readonly gainDbi: number;
  readonly indoor: boolean;
  readonly role: RoleName;
  readonly tier: string;
  readonly battery: number;
}

// Tries per node before the connectivity/spacing rule is given up for that node.
const MAX_TRIES = 200;

export function placeNodes(s: Scenario, rng: SeededRng): PlacedNode[] {
  const pos = rng.fork("positions");
  const attrs = rng.fork("attributes");
  let nodes: PlacedNode[];
  switch (s.placement) {
    case "explicit":
      nodes = (s.explicitNodes ?? []).map((n) => ({
        x: n.x,
        y: n.y,
        heightM: n.heightM ?? s.radio.antennaHeightM,
        gainDbi: n.antennaGainDbi ?? s.radio.antennaGainDbi,
        indoor: n.indoor ?? attrs.next() < s.indoor.share,
        role: n.role ?? "CLIENT",
        tier: n.tier ?? "",
        battery: randRange(attrs, 0.3, 1),
      }));
      break;
    case "tiers":
      nodes = placeTiers(s, pos, attrs);
      break;
    default: {
      const pts = s.placement === "linear" ? linear(s, pos) : s.placement === "clustered" ? clustered(s, pos) : connectedRandom(s, pos);
      nodes = pts.map(([x, y]) => ({
        x,
        y,
        heightM: s.radio.antennaHeightM,
        gainDbi: s.radio.antennaGainDbi,
        indoor: attrs.next() < s.indoor.share,
        role: "CLIENT" as RoleName,
        tier: "",
        battery: randRange(attrs, 0.3, 1),
      }));
    }
  }
  if (s.routerShare > 0) {
    // Promote a random share of clients to ROUTER (scenario-wide setting).
    const roles = rng.fork("roles");
    nodes = nodes.map((n) => (n.role === "CLIENT" && roles.next() < s.routerShare ? { ...n, role: "ROUTER" as RoleName } : n));
  }
  return nodes;
}

/** Uniform in the area, ≥ minSpacing apart, each new node within the median range of an earlier one. */
function connectedRandom(s: Scenario, rng: SeededRng): Array<[number, number]> {
  const pts: Array<[number, number]> = [];
  const grid = new Map<string, number[]>();
  const cell = Math.max(s.rangeM, 1);
  const keyOf = (x: number, y: number) => `${Math.floor(x / cell)},${Math.floor(y / cell)}`;
  const near = (x: number, y: number): { ok: boolean; connected: boolean } => {
    const cx = Math.floor(x / cell);
    const cy = Math.floor(y / cell);
    let connected = pts.length === 0;
    for (let dx = -1; dx <= 1; dx++)
      for (let dy = -1; dy <= 1; dy++) {
        for (const j of grid.get(`${cx + dx},${cy + dy}`) ?? []) {
          const d = Math.hypot(pts[j][0] - x, pts[j][1] - y);
          if (d < s.minSpacingM) return { ok: false, connected };
          if (d <= s.rangeM) connected = true;
        }
      }
    return { ok: true, connected };
  };
  for (let i = 0; i < s.nodeCount; i++) {
    let x = 0;
    let y = 0;
    for (let t = 0; t < MAX_TRIES; t++) {
      x = rng.next() * s.widthM;
      y = rng.next() * s.heightM;
      const n = near(x, y);
      if (n.ok && n.connected) break;
    }
    pts.push([x, y]);
    const k = keyOf(x, y);
    const list = grid.get(k);
    if (list) list.push(i);
    else grid.set(k, [i]);
  }
  return pts;
}

/** Along the middle of the area's long side, with a small lateral scatter (a trail, a road). */
function linear(s: Scenario, rng: SeededRng): Array<[number, number]> {
  const horizontal = s.widthM >= s.heightM;
  const len = horizontal ? s.widthM : s.heightM;
  const across = horizontal ? s.heightM : s.widthM;
  const scatter = Math.min(across / 2, len * 0.01);
  const pts: Array<[number, number]> = [];
  for (let i = 0; i < s.nodeCount; i++) {
    const along = rng.next() * len;
    const off = across / 2 + (rng.next() * 2 - 1) * scatter;
    pts.push(horizontal ? [along, off] : [off, along]);
  }
  return pts;
}

/** max(3, n/15) centres, nodes normally scattered around them (σ = 8 % of the side). */
function clustered(s: Scenario, rng: SeededRng): Array<[number, number]> {
  const k = Math.max(3, Math.round(s.nodeCount / 15));
  const centres = Array.from({ length: k }, () => [randRange(rng, 0.1, 0.9) * s.widthM, randRange(rng, 0.1, 0.9) * s.heightM]);
  const sigma = 0.08 * Math.min(s.widthM, s.heightM);
  return Array.from({ length: s.nodeCount }, () => {
    const c = centres[Math.floor(rng.next() * k)];
    return [clamp(c[0] + randNormal(rng) * sigma, 0, s.widthM), clamp(c[1] + randNormal(rng) * sigma, 0, s.heightM)] as [number, number];
  });
}

function placeTiers(s: Scenario, pos: SeededRng, attrs: SeededRng): PlacedNode[] {
  const out: PlacedNode[] = [];
  for (const t of s.tiers ?? []) {
    for (const [x, y] of tierPoints(s, t, pos)) {
      out.push({
        x,
        y,
        heightM: randRange(attrs, t.heightM[0], t.heightM[1]),
        gainDbi: t.antennaGainDbi ?? s.radio.antennaGainDbi,
        indoor: attrs.next() < t.indoorShare,
        role: t.role,
        tier: t.name,
        battery: randRange(attrs, t.battery[0], t.battery[1]),
      });
    }
  }
  return out;
}

function tierPoints(s: Scenario, t: Tier, rng: SeededRng): Array<[number, number]> {
  const cx = s.widthM / 2;
  const cy = s.heightM / 2;
  const side = Math.min(s.widthM, s.heightM);
  if (t.layout === "ring") {
    // Evenly around a circle with jitter: summits ringing a basin.
    const r = t.spread * side;
    const phase = rng.next() * 2 * Math.PI;
    return Array.from({ length: t.count }, (_, i) => {
      const a = phase + (2 * Math.PI * i) / t.count + (rng.next() - 0.5) * (Math.PI / t.count);
      const rr = r * randRange(rng, 0.85, 1.15);
      return [clamp(cx + rr * Math.cos(a), 0, s.widthM), clamp(cy + rr * Math.sin(a), 0, s.heightM)] as [number, number];
    });
  }
  if (t.layout === "clusters") {
    const centres = Array.from({ length: t.clusters }, () => [randRange(rng, 0.15, 0.85) * s.widthM, randRange(rng, 0.15, 0.85) * s.heightM]);
    const sigma = t.spread * side;
    return Array.from({ length: t.count }, (_, i) => {
      const c = centres[i % t.clusters];
      return [clamp(c[0] + randNormal(rng) * sigma, 0, s.widthM), clamp(c[1] + randNormal(rng) * sigma, 0, s.heightM)] as [number, number];
    });
  }
  return Array.from({ length: t.count }, () => [rng.next() * s.widthM, rng.next() * s.heightM] as [number, number]);
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
