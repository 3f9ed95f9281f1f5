// The terminal table: one row per scenario and router, means over seeds (± spread for delivery).
import type { Summary } from "../aggregate";
import { num, pct, secs } from "./format";

export interface Column {
  readonly title: string;
  readonly cell: (s: Summary) => string;
  readonly left?: boolean;
}

/** The result columns, shared by the terminal table and the HTML report. */
export const COLUMNS: readonly Column[] = [
  { title: "scenario", cell: (s) => s.scenario, left: true },
  { title: "router", cell: (s) => s.router, left: true },
  { title: "nodes", cell: (s) => String(s.nodes) },
  { title: "uni %", cell: (s) => (s.mean.unicastDelivery === null ? "–" : `${pct(s.mean.unicastDelivery)}±${pct(s.sd.unicastDelivery, 0)}`) },
  { title: "acked %", cell: (s) => pct(s.mean.unicastAcked) },
  { title: "false fail", cell: (s) => num(s.mean.falseFailures, 1) },
  { title: "bcast %", cell: (s) => pct(s.mean.broadcastCoverage) },
  { title: "data TX", cell: (s) => num(s.mean.dataTx) },
  { title: "total TX", cell: (s) => num(s.mean.totalTx) },
  { title: "ctrl %", cell: (s) => pct(s.mean.controlShare, 0) },
  { title: "late ctrl %", cell: (s) => pct(s.mean.controlShareLate, 0) },
  { title: "late ogm+loc %", cell: (s) => pct(s.mean.ogmLocationShareLate, 1) },
  { title: "air s", cell: (s) => secs(s.mean.totalAirtimeS) },
  { title: "air/msg s", cell: (s) => secs(s.mean.airtimePerDeliveredS) },
  { title: "limit/msg s", cell: (s) => secs(s.mean.limitAirtimePerMessageS) },
  { title: "air ×limit", cell: (s) => num(s.mean.airtimeVsLimit, 2) },
  { title: "bcast TX", cell: (s) => num(s.mean.broadcastTxPerMessage, 1) },
  { title: "CDS TX", cell: (s) => num(s.mean.limitBroadcastTx, 1) },
  { title: "TX ×CDS", cell: (s) => num(s.mean.broadcastTxVsLimit, 2) },
  { title: "node max s", cell: (s) => secs(s.mean.maxNodeAirtimeS) },
  { title: "duty max %", cell: (s) => pct(s.mean.maxNodeDutyShare, 2) },
  { title: "util %", cell: (s) => pct(s.mean.channelUtilisation) },
  { title: "p50 s", cell: (s) => secs(s.mean.latencyP50S) },
  { title: "p95 s", cell: (s) => secs(s.mean.latencyP95S) },
  { title: "viol", cell: (s) => num(s.mean.dutyCycleViolations) },
  { title: "refused", cell: (s) => num(s.mean.dutyCycleRefusals) },
  { title: "fallback", cell: (s) => num(s.mean.fallbackFloods) },
  { title: "switches", cell: (s) => num(s.mean.routeSwitches) },
];

export function formatTable(rows: readonly Summary[]): string {
  const cells = rows.map((r) => COLUMNS.map((c) => c.cell(r)));
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i].length)));
  const line = (vals: readonly string[]) =>
    vals.map((v, i) => (COLUMNS[i].left ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join("  ").trimEnd();
  const out = [line(COLUMNS.map((c) => c.title)), widths.map((w) => "-".repeat(w)).join("  ")];
  let last = "";
  for (let i = 0; i < rows.length; i++) {
    if (last && rows[i].scenario !== last) out.push("");
    last = rows[i].scenario;
    out.push(line(cells[i]));
  }
  return out.join("\n");
}
