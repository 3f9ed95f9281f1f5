// JSON and CSV outputs. The JSON layout is the CLI contract ({ results: [...] }); both are
// byte-identical for the same seeds (no timings, no dates, fixed key order, rounded numbers).
import type { Summary } from "../aggregate";
import { METRIC_ORDER, jsonRecord, tidy } from "../aggregate";

export function resultsJson(rows: readonly Summary[]): string {
  return `${JSON.stringify({ results: rows.map(jsonRecord) }, null, 2)}\n`;
}

export function resultsCsv(rows: readonly Summary[]): string {
  const head = ["scenario", "router", "nodes", "seeds", "meanDegree", ...METRIC_ORDER, ...METRIC_ORDER.map((m) => `${m}Sd`)];
  const lines = [head.join(",")];
  for (const s of rows) {
    const vals = [
      s.scenario,
      s.router,
      s.nodes,
      s.seeds,
      tidy(s.meanDegree),
      ...METRIC_ORDER.map((m) => tidy(s.mean[m])),
      ...METRIC_ORDER.map((m) => tidy(s.sd[m])),
    ];
    lines.push(vals.map((v) => (v === null ? "" : String(v))).join(","));
  }
  return `${lines.join("\n")}\n`;
}
