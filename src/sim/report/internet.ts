// The internet table: for each run with an internet, inter-site unicast delivery and latency
// before, during and after the outage (or over the whole window), broadcasts' reach into the
// other sites, and what went over the broker (docs/simulator.md §Internet).
import type { Summary } from "../aggregate";
import { num, pct, secs } from "./format";

/** The table, or "" when no row has an internet. */
export function internetTable(rows: readonly Summary[]): string {
  const mine = rows.filter((r) => r.internet !== undefined);
  if (mine.length === 0) return "";
  const names = [...new Set(mine.flatMap((r) => r.internet?.windows.map((w) => w.name) ?? []))];
  const head = ["scenario", "router", ...names.flatMap((n) => [`${n} n`, `${n} %`, `${n} p95 s`]), "x-site bcast %", "published", "bridged"];
  const body = mine.map((r) => {
    const net = r.internet;
    const cells = [r.scenario, r.router];
    for (const n of names) {
      const w = net?.windows.find((x) => x.name === n);
      cells.push(w ? String(w.sent) : "–", pct(w?.delivery ?? null), secs(w?.latencyP95S ?? null));
    }
    cells.push(pct(net?.crossSiteBroadcastReach ?? null), num(net?.bridge.published ?? null), num(net?.bridge.delivered ?? null));
    return cells;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (v: readonly string[]) => v.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  const when = [...new Set(mine.flatMap((r) => r.internet?.windows.map((w) => `${w.name} ${w.fromS}–${w.toS} s`) ?? []))].join(", ");
  return [
    `Inter-site unicasts (${mine[0].internet?.sites.join(" ↔ ")}) by the time they were sent (${when}; n summed over seeds, p95 the seeds' mean); x-site bcast = share of the other sites' nodes a broadcast reached; published/bridged = frames to / copies from the broker per run`,
    line(head),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...body.map(line),
  ].join("\n");
}
