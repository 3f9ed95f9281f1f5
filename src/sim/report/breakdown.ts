// The airtime breakdown (`sim --breakdown`, docs/simulator.md §Airtime by frame kind): one row
// per scenario, router, frame kind and role, means over seeds; the cells the terminal table and
// the HTML report both show.
import type { Summary } from "../aggregate";
import { withShares } from "../engine/breakdown";
import { num, pct, secs } from "./format";

export const BREAKDOWN_HEAD = ["scenario", "router", "kind", "role", "TX", "air s", "share %"] as const;

/** The rows' breakdown cells, in BREAKDOWN_HEAD order; empty when no row has a breakdown. */
export function breakdownCells(rows: readonly Summary[]): string[][] {
  const out: string[][] = [];
  for (const s of rows) {
    if (s.breakdown === undefined) continue;
    for (const r of withShares(s.breakdown)) out.push([s.scenario, s.router, r.kind, r.role, num(r.tx), secs(r.airtimeS), pct(r.share)]);
  }
  return out;
}

/** The terminal table, or undefined when no row has a breakdown. */
export function formatBreakdown(rows: readonly Summary[]): string | undefined {
  const cells = breakdownCells(rows);
  if (cells.length === 0) return undefined;
  const widths = BREAKDOWN_HEAD.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (vals: readonly string[]) => vals.map((v, i) => (i < 4 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join("  ").trimEnd();
  const out = ["Airtime by frame kind in the measurement window (means over seeds; docs/simulator.md §Airtime by frame kind)", line(BREAKDOWN_HEAD), widths.map((w) => "-".repeat(w)).join("  ")];
  let last = "";
  for (const c of cells) {
    const group = `${c[0]}\u0000${c[1]}`;
    if (last && group !== last) out.push("");
    last = group;
    out.push(line(c));
  }
  return out.join("\n");
}
