// Sanity checks on a loaded scenario, before anything runs: what a user most likely did not mean.
// Warnings (the run goes ahead): a node outside the area, two nodes at one spot. Errors (the run is
// refused, its figures would mean nothing): a network in which no two nodes can hear each other.
// "Hear" here is the median link: the path-loss model at the nodes' distance against the link
// budget (TX power + antenna gains − the preset's sensitivity), without shadowing.
import { SeededRng } from "../../core/rng";
import { pathLossDb } from "../physics/pathloss";
import { placeNodes } from "./placement";
import { sensitivityDbm } from "../../core/presets";
import type { Scenario } from "./schema";

/** Two nodes closer than this are "at one spot", m. */
const SAME_SPOT_M = 1;
/** Listed individually at most; the rest are counted. */
const MAX_LISTED = 5;

export interface ScenarioCheck {
  readonly warnings: string[];
  readonly errors: string[];
}

export function checkScenario(s: Scenario): ScenarioCheck {
  const warnings: string[] = [];
  const errors: string[] = [];
  const explicit = s.explicitNodes ?? [];
  const outside = explicit.map((n, i) => ({ n, i })).filter(({ n }) => n.x < 0 || n.y < 0 || n.x > s.widthM || n.y > s.heightM);
  if (outside.length > 0) {
    const listed = outside.slice(0, MAX_LISTED).map(({ n, i }) => `nodes[${i}] at (${n.x}, ${n.y})`);
    warnings.push(`${s.name}: ${outside.length} node(s) outside the ${s.widthM} × ${s.heightM} m area: ${listed.join(", ")}${outside.length > MAX_LISTED ? ", …" : ""}`);
  }
  const spots = new Map<string, number>();
  const same: string[] = [];
  explicit.forEach((n, i) => {
    const key = `${Math.round(n.x / SAME_SPOT_M)},${Math.round(n.y / SAME_SPOT_M)}`;
    const j = spots.get(key);
    if (j !== undefined) same.push(`nodes[${j}] and nodes[${i}] at (${n.x}, ${n.y})`);
    else spots.set(key, i);
  });
  if (same.length > 0) warnings.push(`${s.name}: ${same.length} pair(s) of nodes at one spot: ${same.slice(0, MAX_LISTED).join(", ")}${same.length > MAX_LISTED ? ", …" : ""}`);
  if (s.nodeCount >= 2 && !anyLink(s)) {
    errors.push(`${s.name}: no two nodes are in reach of each other (median link, ${s.radio.preset.name} at ${s.radio.txPowerDbm} dBm): the network has no link at all, so nothing can be measured; move the nodes closer or change the radio or path loss`);
  }
  return { warnings, errors };
}

function anyLink(s: Scenario): boolean {
  const nodes = placeNodes(s, new SeededRng(1));
  const budget = s.radio.txPowerDbm + 2 * s.radio.antennaGainDbi - sensitivityDbm(s.radio.preset, s.radio.noiseFigureDb);
  for (let a = 0; a < nodes.length; a++) {
    for (let b = a + 1; b < nodes.length; b++) {
      const d = Math.hypot(nodes[a].x - nodes[b].x, nodes[a].y - nodes[b].y);
      const gains = nodes[a].gainDbi + nodes[b].gainDbi - 2 * s.radio.antennaGainDbi;
      if (pathLossDb(s.pathLoss, d, s.radio.frequencyHz, nodes[a].heightM, nodes[b].heightM) <= budget + gains) return true;
    }
  }
  return false;
}
