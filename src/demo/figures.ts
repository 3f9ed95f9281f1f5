// Core protocol figures for the benchmark: header and OGM sizes, convergence on the ideal
// channel, per-hop cost, silencing share, broadcast relays against naive flooding, corridor
// size against network size. Measured on the same topologies the protocol tests use.
import { airtimeMs } from "../core/airtime";
import { NO_CLUSTER } from "../core/cluster";
import {
  BCAST_HEADER_BYTES,
  E2E_ACK_BYTES,
  FLOOD_HEADER_BYTES,
  FrameType,
  HOP_ACK_BYTES,
  OGM_CLUSTER_ROUTE_BYTES,
  OGM_FIXED_BYTES,
  OGM_NEIGHBOUR_BYTES,
  OGM_NODE_ROUTE_BYTES,
  OGM_OWN_CLUSTER_ROUTE_BYTES,
  ROUTED_HEADER_BYTES,
  ogmBytes,
} from "../core/frames";
import { DEFAULT_CONFIG } from "../core/config";
import { OGM_QUIET_MAX_CYCLE, selectOgmItems, type OgmItem } from "../core/ogm-builder";
import { PRESETS } from "../core/presets";
import { inCorridor } from "../core/scope";
import { BROADCAST, type NodeId } from "../core/station";
import type { IdealMesh } from "./ideal-mesh";
import { clusterGridMesh, clusterRowMesh, gridMesh, lineMesh, randomMesh, threeClusterMesh } from "./topologies";

const MINUTE = 60_000;

function converge(h: IdealMesh, limitMs: number): number {
  return h.runUntil(() => h.fullyRouted(), h.now + limitMs, 1_000);
}

function range(values: readonly number[], digits = 0): string {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? lo.toFixed(digits) : `${lo.toFixed(digits)}–${hi.toFixed(digits)}`;
}

/**
 * One OGM's size and full-pass cycle for `destinations` node routes and `neighbours` neighbours;
 * with `quietCycle`, a quiet OGM at the interval ceiling allowed that long a pass (§8.3).
 */
export function ogmSizeFor(destinations: number, neighbours: number, quietCycle?: number): { bytes: number; cycle: number } {
  const items: OgmItem[] = [];
  for (let i = 0; i < neighbours; i++) items.push({ section: "nbr", entry: { short: i, rq: 255 }, changed: false });
  for (let i = 0; i < destinations; i++) items.push({ section: "node", entry: { dst: i + 1, seqno: 0, metric: 300 }, changed: false });
  const sel = selectOgmItems(
    items,
    { maxBytes: DEFAULT_CONFIG.ogmMaxBytes, maxNeighbours: DEFAULT_CONFIG.ogmMaxNeighbours, routeBytes: DEFAULT_CONFIG.ogmRouteBytes, quietCycle },
    { nbr: 0, route: 0 },
  );
  return { bytes: ogmBytes(sel.neighbours.length, sel.nodeRoutes.length, sel.clusterRoutes.length), cycle: sel.cycle };
}

export function coreFigures(seeds = 5): string[] {
  const out: string[] = [];
  out.push("Core protocol figures (src/core on the ideal in-memory channel, SHORT_FAST, seeds 1.." + seeds + ")");
  out.push(
    `  headers: routed DATA ${ROUTED_HEADER_BYTES} B (Meshtastic 16 B), hop ACK ${HOP_ACK_BYTES} B, end-to-end ACK ${E2E_ACK_BYTES} B, ` +
      `FLOOD ${FLOOD_HEADER_BYTES} B, BCAST ${BCAST_HEADER_BYTES} B; OGM ${OGM_FIXED_BYTES} B + ${OGM_NEIGHBOUR_BYTES}/neighbour + ` +
      `${OGM_NODE_ROUTE_BYTES}/node route + ${OGM_CLUSTER_ROUTE_BYTES}/cluster route (${OGM_OWN_CLUSTER_ROUTE_BYTES} when the sender originates it, §3.5)`,
  );
  for (const d of [10, 50, 200]) {
    const o = ogmSizeFor(d, 6);
    out.push(
      `  OGM with ${String(d).padStart(3)} known destinations, 6 neighbours: ${o.bytes} B per OGM, full table every ${o.cycle} OGM${o.cycle === 1 ? "" : "s"}` +
        ` (${airtimeMs(PRESETS.SHORT_FAST, o.bytes).toFixed(0)} ms at SHORT_FAST, ${airtimeMs(PRESETS.LONG_FAST, o.bytes).toFixed(0)} ms at LONG_FAST)`,
    );
    const q = ogmSizeFor(d, 6, OGM_QUIET_MAX_CYCLE);
    out.push(`      quiet, at the interval ceiling (§8.3): ${q.bytes} B per OGM, full table every ${q.cycle} OGMs (${airtimeMs(PRESETS.LONG_FAST, q.bytes).toFixed(0)} ms at LONG_FAST)`);
  }
  const lineT: number[] = [];
  const gridT: number[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    lineT.push(converge(lineMesh(30, seed), 60 * MINUTE) / 1000);
    gridT.push(converge(gridMesh(10, seed), 60 * MINUTE) / 1000);
  }
  out.push(`  convergence from cold start: 30-node line ${range(lineT)} s (${range(lineT.map((x) => x / 30), 1)} OGM intervals of 30 s), 10×10 grid ${range(gridT)} s (${range(gridT.map((x) => x / 30), 1)} intervals)`);

  const h = lineMesh(11, 11);
  converge(h, 60 * MINUTE);
  h.run(h.now + MINUTE);
  let start = h.now;
  h.node(1).send(h.now, 11, new Uint8Array(3));
  h.run(h.now + 30_000);
  const plain = [h.countTx(FrameType.DATA, start), h.countTx(FrameType.ACK, start)];
  start = h.now;
  h.node(1).send(h.now, 11, new Uint8Array(3), { wantAck: true });
  h.run(h.now + 60_000);
  out.push(`  a unicast across 10 hops: ${plain[0]} DATA + ${plain[1]} ACK transmissions; with an end-to-end ACK ${h.countTx(FrameType.DATA, start)} + ${h.countTx(FrameType.ACK, start)}`);

  const muted: number[] = [];
  for (let seed = 17; seed < 17 + seeds; seed++) {
    const { h: m } = randomMesh(60, seed, 0.22);
    converge(m, 10 * MINUTE);
    m.run(m.now + 3 * MINUTE);
    muted.push([...m.nodes.values()].filter((n) => n.muted).length / 60);
  }
  out.push(`  silencing in a 60-node random mesh: ${range(muted.map((x) => x * 100))} % of nodes muted`);

  const b = threeClusterMesh(6);
  converge(b, 10 * MINUTE);
  b.run(b.now + 3 * MINUTE);
  const relays: number[] = [];
  for (let k = 0; k < 10; k++) {
    const from = b.txLog.length;
    b.node(2 + k).send(b.now, BROADCAST, new Uint8Array([k]), { priority: 4, scope: 7 });
    b.run(b.now + 30_000);
    relays.push(b.txLog.slice(from).filter((r) => r.type === FrameType.BCAST).length);
  }
  out.push(`  broadcast in a 3-cluster mesh of ${b.nodes.size} nodes: ${range(relays)} transmissions per network-wide broadcast (naive flooding: ${b.nodes.size})`);

  out.push(...corridorFigures());
  return out;
}

/** Corridor size against network size: the 16-node cluster row (measured) and wider rows (eligible relays). */
function corridorFigures(): string[] {
  const out: string[] = [];
  const h = clusterRowMesh(4);
  converge(h, 10 * MINUTE);
  h.run(h.now + 2 * MINUTE);
  h.unlink(11, 12);
  h.link(10, 12);
  const from = h.txLog.length;
  h.node(1).send(h.now, 12, new Uint8Array([1]));
  h.run(h.now + 60_000);
  const relayed = new Set(h.txLog.slice(from).filter((r) => r.type === FrameType.FLOOD && r.tx !== 1).map((r) => r.tx));
  out.push(`  corridor flood, 4 clusters of 4 (W–E row plus an off-corridor cluster): ${relayed.size} of ${h.nodes.size - 1} other nodes relayed`);
  // Eligibility on a converged row of clusters, from each node's own state.
  const eligible = (mesh: IdealMesh, src: number, dst: NodeId): number => {
    const srcC = mesh.node(src).cluster;
    const dstC = mesh.node(dst).cluster;
    let n = 0;
    for (const node of mesh.nodes.values()) {
      const border = node.neighbours(mesh.now).some((x) => x.usable && x.cluster !== node.cluster && x.cluster !== NO_CLUSTER);
      const leads = node.routeTable(mesh.now).some((r) => r.kind === "cluster" && r.destination === dstC);
      if (inCorridor(node.cluster, border, leads, srcC, dstC)) n++;
    }
    return n;
  };
  for (const [cx, cy] of [[4, 3], [6, 5]] as const) {
    const k = 3;
    const g = clusterGridMesh(cx, cy, k, 3);
    converge(g, 30 * MINUTE);
    const row = Math.floor(cy / 2) * k + 1;
    const src = 1 + row * cx * k;
    const dst = src + cx * k - 1;
    out.push(
      `  corridor on a ${cx}×${cy} grid of clusters (${g.nodes.size} nodes): ${eligible(g, src, dst)} may relay a flood ` +
        `across the middle row (${cx * k * k} nodes in that row)`,
    );
  }
  return out;
}
