// Which nodes are MeshCore repeaters (docs/simulator.md §MeshCore). People decide that, not the
// protocol, so a scenario says it: nodes with the ROUTER role, nodes listed in
// `roles.repeaters` and every node of a tier listed in `roles.repeaterTiers`. A scenario that
// marks none gets the grid rule: the area is cut into square cells of side rangeM/√2 (any two
// points of a cell are within the scenario's median range), and in each cell holding nodes the
// node nearest the cell's centre (the lowest index on a tie) is a repeater, as a community puts
// one repeater per neighbourhood. Positions are those at placement; nothing here reads a link.
import type { PlacedNode } from "./placement";
import type { Scenario } from "./schema";

export type RepeaterRule = "marked" | "grid";

export interface RepeaterChoice {
  readonly repeater: Uint8Array;
  readonly rule: RepeaterRule;
  readonly count: number;
}

export function chooseRepeaters(s: Scenario, nodes: readonly PlacedNode[]): RepeaterChoice {
  const n = nodes.length;
  const repeater = new Uint8Array(n);
  const tiers = new Set(s.repeaters.tiers);
  for (let i = 0; i < n; i++) if (nodes[i].role === "ROUTER" || tiers.has(nodes[i].tier)) repeater[i] = 1;
  for (const i of s.repeaters.nodes) if (i < n) repeater[i] = 1;
  let count = repeater.reduce((a, b) => a + b, 0);
  if (count > 0) return { repeater, rule: "marked", count };
  const cell = Math.max(1, s.rangeM / Math.SQRT2);
  const best = new Map<string, { i: number; d: number }>();
  for (let i = 0; i < n; i++) {
    const cx = Math.floor(nodes[i].x / cell);
    const cy = Math.floor(nodes[i].y / cell);
    const d = Math.hypot(nodes[i].x - (cx + 0.5) * cell, nodes[i].y - (cy + 0.5) * cell);
    const key = `${cx},${cy}`;
    const b = best.get(key);
    if (!b || d < b.d) best.set(key, { i, d });
  }
  for (const { i } of best.values()) repeater[i] = 1;
  count = best.size;
  return { repeater, rule: "grid", count };
}

/** Whether a scenario marks its repeaters (else the grid rule applies): for reports. */
export function marksRepeaters(s: Scenario): boolean {
  return (
    s.repeaters.nodes.length > 0 ||
    s.repeaters.tiers.length > 0 ||
    s.routerShare > 0 ||
    (s.explicitNodes ?? []).some((n) => n.role === "ROUTER") ||
    (s.tiers ?? []).some((t) => t.role === "ROUTER")
  );
}

/** The sentence reports print about meshcore's repeaters for these scenarios. */
export function repeaterNote(scenarios: readonly Scenario[]): string {
  const grid = scenarios.filter((s) => !marksRepeaters(s)).map((s) => s.name);
  const marked = scenarios.filter((s) => marksRepeaters(s)).map((s) => s.name);
  const parts: string[] = [];
  if (marked.length > 0) parts.push(`repeaters are the nodes the scenario marks (ROUTER role, roles.repeaters, roles.repeaterTiers) in ${marked.join(", ")}`);
  if (grid.length > 0) parts.push(`${marked.length > 0 ? "in" : "no scenario marks any, so in"} ${grid.join(", ")} the node nearest the centre of each square cell of side rangeM/√2 repeats (the grid rule)`);
  return `meshcore: only repeaters relay; ${parts.join("; ")}. Their number per run is meshcoreRepeaters in the JSON.`;
}
