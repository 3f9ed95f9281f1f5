// Self-contained HTML report: inline SVG charts and a table, no scripts or external files, so it
// opens anywhere and can be archived with the JSON. Charts: delivery vs nodes, total airtime per
// delivered message (log scale), and the per-node airtime distribution of each scenario.
import { settingsLines, type Summary } from "../aggregate";
import { secs } from "./format";
import { SATURATION_DELIVERY, loadCurves } from "./load-chart";
import { COLUMNS } from "./table";

const COLOURS = ["#d62728", "#ff7f0e", "#bcbd22", "#2ca02c", "#1f77b4", "#9467bd", "#8c564b", "#e377c2"];
const W = 720;
const H = 320;
const M = { l: 60, r: 150, t: 20, b: 40 };

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

interface Series {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

interface Axis {
  readonly label: string;
  readonly log: boolean;
  readonly min: number;
  readonly max: number;
  readonly format: (v: number) => string;
}

function scale(a: Axis, v: number, lo: number, hi: number): number {
  const f = a.log ? (Math.log10(v) - Math.log10(a.min)) / (Math.log10(a.max) - Math.log10(a.min) || 1) : (v - a.min) / (a.max - a.min || 1);
  return lo + f * (hi - lo);
}

function ticks(a: Axis): number[] {
  if (a.log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(a.min)); e <= Math.ceil(Math.log10(a.max)); e++) {
      const v = 10 ** e;
      if (v >= a.min * 0.999 && v <= a.max * 1.001) out.push(v);
    }
    return out.length >= 2 ? out : [a.min, a.max];
  }
  return Array.from({ length: 6 }, (_, i) => a.min + ((a.max - a.min) * i) / 5);
}

function chart(title: string, x: Axis, y: Axis, series: readonly Series[], lines: boolean): string {
  const px = (v: number) => scale(x, v, M.l, W - M.r);
  const py = (v: number) => scale(y, v, H - M.b, M.t);
  const parts: string[] = [`<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`];
  parts.push(`<rect x="${M.l}" y="${M.t}" width="${W - M.l - M.r}" height="${H - M.t - M.b}" fill="#fafafa" stroke="#ccc"/>`);
  for (const t of ticks(x)) {
    const X = px(t);
    parts.push(`<line x1="${X}" y1="${H - M.b}" x2="${X}" y2="${M.t}" stroke="#eee"/><text x="${X}" y="${H - M.b + 15}" font-size="11" text-anchor="middle">${esc(x.format(t))}</text>`);
  }
  for (const t of ticks(y)) {
    const Y = py(t);
    parts.push(`<line x1="${M.l}" y1="${Y}" x2="${W - M.r}" y2="${Y}" stroke="#eee"/><text x="${M.l - 6}" y="${Y + 4}" font-size="11" text-anchor="end">${esc(y.format(t))}</text>`);
  }
  parts.push(`<text x="${(M.l + W - M.r) / 2}" y="${H - 5}" font-size="12" text-anchor="middle">${esc(x.label)}</text>`);
  parts.push(`<text x="14" y="${(M.t + H - M.b) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${(M.t + H - M.b) / 2})">${esc(y.label)}</text>`);
  series.forEach((s, i) => {
    const c = COLOURS[i % COLOURS.length];
    const pts = s.points.filter(([a, b]) => (!x.log || a > 0) && (!y.log || b > 0));
    if (lines && pts.length > 1) parts.push(`<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${pts.map(([a, b]) => `${px(a).toFixed(1)},${py(b).toFixed(1)}`).join(" ")}"/>`);
    if (!lines || pts.length <= 40) for (const [a, b] of pts) parts.push(`<circle cx="${px(a).toFixed(1)}" cy="${py(b).toFixed(1)}" r="3" fill="${c}"/>`);
    parts.push(`<rect x="${W - M.r + 10}" y="${M.t + i * 18}" width="10" height="10" fill="${c}"/><text x="${W - M.r + 25}" y="${M.t + i * 18 + 9}" font-size="12">${esc(s.name)}</text>`);
  });
  parts.push("</svg>");
  return `<figure><figcaption>${esc(title)}</figcaption>${parts.join("")}</figure>`;
}

function routersOf(rows: readonly Summary[]): string[] {
  return [...new Set(rows.map((r) => r.router))];
}

function deliveryVsNodes(rows: readonly Summary[]): string {
  const routers = routersOf(rows);
  const series = routers.map((name) => {
    // Mean delivery per node count (several scenarios can share a count).
    const byN = new Map<number, number[]>();
    for (const r of rows) if (r.router === name && r.mean.unicastDelivery !== null) (byN.get(r.nodes) ?? byN.set(r.nodes, []).get(r.nodes))?.push(r.mean.unicastDelivery);
    const points = [...byN.entries()].sort((a, b) => a[0] - b[0]).map(([n, v]) => [n, v.reduce((a, b) => a + b, 0) / v.length] as const);
    return { name, points };
  });
  const ns = rows.map((r) => r.nodes);
  return chart(
    "Unicast delivery vs nodes (mean over scenarios of each size)",
    { label: "nodes", log: true, min: Math.min(...ns), max: Math.max(...ns), format: (v) => String(Math.round(v)) },
    { label: "unicast delivery", log: false, min: 0, max: 1, format: (v) => `${Math.round(v * 100)} %` },
    series,
    true,
  );
}

function airtimePerMessage(rows: readonly Summary[]): string {
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  const vals = rows.map((r) => r.mean.airtimePerDeliveredS).filter((v): v is number => v !== null && v > 0);
  if (vals.length === 0) return "";
  const routers = routersOf(rows);
  // Routers side by side around each scenario's number, so equal values do not hide each other.
  const series = routers.map((name, k) => ({
    name,
    points: rows
      .filter((r) => r.router === name && r.mean.airtimePerDeliveredS !== null)
      .map((r) => [scenarios.indexOf(r.scenario) + 1 + 0.5 * ((k + 0.5) / routers.length - 0.5), r.mean.airtimePerDeliveredS as number] as const),
  }));
  return (
    chart(
      "Total airtime (data + control) per delivered message, log scale; x = scenario number in the table below",
      { label: "scenario", log: false, min: 0, max: scenarios.length + 1, format: (v) => String(Math.round(v)) },
      { label: "airtime per delivered message (s)", log: true, min: Math.min(...vals) / 1.5, max: Math.max(...vals) * 1.5, format: (v) => secs(v) },
      series,
      false,
    ) + `<p class="key">${scenarios.map((s, i) => `${i + 1} ${esc(s)}`).join(" · ")}</p>`
  );
}

function loadDistribution(rows: readonly Summary[]): string {
  const out: string[] = [];
  for (const sc of [...new Set(rows.map((r) => r.scenario))]) {
    const mine = rows.filter((r) => r.scenario === sc);
    const max = Math.max(...mine.flatMap((r) => r.nodeAirtimeS), 1e-3);
    const series = mine.map((r) => {
      const a = r.nodeAirtimeS;
      const step = Math.max(1, Math.floor(a.length / 200));
      const pts: Array<readonly [number, number]> = [];
      for (let i = 0; i < a.length; i += step) pts.push([a[i], (i + 1) / a.length]);
      if (a.length > 0) pts.push([a[a.length - 1], 1]);
      return { name: r.router, points: pts };
    });
    out.push(
      `<details${out.length === 0 ? " open" : ""}><summary>${esc(sc)}</summary>${chart(
        `Per-node TX airtime in the measurement window, ${sc} (CDF over nodes and seeds)`,
        { label: "node airtime (s)", log: false, min: 0, max, format: (v) => secs(v) },
        { label: "share of nodes", log: false, min: 0, max: 1, format: (v) => `${Math.round(v * 100)} %` },
        series,
        true,
      )}</details>`,
    );
  }
  return out.join("\n");
}

/** Capacity: delivery and airtime per delivered message against offered unicast load (load-N rows). */
function loadCharts(rows: readonly Summary[]): string {
  const curves = loadCurves(rows);
  if (curves.length === 0) return "";
  const loads = curves.flatMap((c) => c.delivery.map(([u]) => u));
  const x = { label: "offered unicasts per hour (network-wide)", log: true, min: Math.min(...loads), max: Math.max(...loads), format: (v: number) => String(Math.round(v)) };
  const air = curves.flatMap((c) => c.airtime.map(([, a]) => a)).filter((a) => a > 0);
  const saturation = curves.map((c) => `${c.router}: ${c.saturatesAt === undefined ? "not within the loads run" : `${c.saturatesAt}/h`}`).join(" · ");
  return `<h2>Capacity</h2>
${chart("Unicast delivery vs offered unicast load (the seed's broadcasts besides)", x, { label: "unicast delivery", log: false, min: 0, max: 1, format: (v) => `${Math.round(v * 100)} %` }, curves.map((c) => ({ name: c.router, points: c.delivery })), true)}
${air.length === 0 ? "" : chart("Airtime per delivered message vs offered unicast load, log scale", x, { label: "airtime per delivered message (s)", log: true, min: Math.min(...air) / 1.5, max: Math.max(...air) * 1.5, format: (v) => secs(v) }, curves.map((c) => ({ name: c.router, points: c.airtime })), true)}
<p class="key">Saturation (the load from which unicast delivery stays below ${SATURATION_DELIVERY * 100} %): ${esc(saturation)}</p>`;
}

/** Live and dead destinations apart, for the rows where nodes died (docs/simulator.md §Metrics). */
function deadDestinations(rows: readonly Summary[]): string {
  const hit = rows.filter((r) => (r.mean.unicastSentDead ?? 0) > 0);
  if (hit.length === 0) return "";
  const pct = (v: number | null) => (v === null ? "–" : `${(v * 100).toFixed(1)} %`);
  const body = hit.map((r) => {
    const dead = r.mean.deadDstAirtimeS;
    const total = r.mean.totalAirtimeS;
    const cells = [r.scenario, r.router, pct(r.mean.unicastDelivery), pct(r.mean.unicastDeliveryLive), (r.mean.unicastSentDead ?? 0).toFixed(1), dead === null ? "–" : secs(dead), dead === null || !total ? "–" : pct(dead / total)];
    return `<tr>${cells.map((c, i) => `<td${i < 2 ? "" : ' class="n"'}>${esc(c)}</td>`).join("")}</tr>`;
  });
  return `<h2>Live and dead destinations</h2>
<table><thead><tr><th>scenario</th><th>router</th><th>unicast delivery, all</th><th>to live nodes</th><th>sent to dead nodes (per seed)</th><th>airtime on frames to dead nodes</th><th>share of all airtime</th></tr></thead><tbody>${body.join("\n")}</tbody></table>`;
}

function table(rows: readonly Summary[]): string {
  const head = COLUMNS.map((c) => `<th>${esc(c.title)}</th>`).join("");
  const body = rows.map((s) => `<tr>${COLUMNS.map((c) => `<td${c.left ? "" : ' class="n"'}>${esc(c.cell(s))}</td>`).join("")}</tr>`);
  return `<table><thead><tr>${head}</tr></thead><tbody>${body.join("\n")}</tbody></table>`;
}

export function resultsHtml(rows: readonly Summary[], title: string, note: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1400px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 6px}th{background:#f0f0f0}
td.n{text-align:right;font-variant-numeric:tabular-nums}figure{margin:1em 0}figcaption{font-weight:600;margin-bottom:.3em}
.key{font-size:12px;color:#555}details{margin:.3em 0}
</style></head><body>
<h1>${esc(title)}</h1>
<p>${esc(note)}</p>
${settingsLines(rows).map((l) => `<p class="key">${esc(l)}</p>`).join("\n")}
${deliveryVsNodes(rows)}
${airtimePerMessage(rows)}
${loadCharts(rows)}
<h2>Per-node load distribution</h2>
${loadDistribution(rows)}
${deadDestinations(rows)}
<h2>Results</h2>
${table(rows)}
<p class="key">Definitions of every figure: docs/simulator.md §Metrics.</p>
</body></html>
`;
}
