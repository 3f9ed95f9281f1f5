// Self-contained HTML report: charts drawn in the browser by Observable Plot, whose library is
// bundled inline (src/sim/report/plot-library.ts), the chart data as JSON, and the table; nothing is
// fetched, so it opens offline and can be archived with the JSON. Charts: unicast delivery (against
// nodes when the scenarios differ in size, bars per router otherwise), total airtime per delivered
// message (log scale, ticks at every decade; bars for one scenario), and the per-node airtime
// distribution of each scenario.
import { settingsLines, type Summary } from "../aggregate";
import { BREAKDOWN_HEAD, breakdownCells } from "./breakdown";
import { secs } from "./format";
import { SATURATION_DELIVERY, loadCurves } from "./load-chart";
import { plotLibrary } from "./plot-library";
import { COLUMNS } from "./table";
const COLOURS = ["#d62728", "#ff7f0e", "#bcbd22", "#2ca02c", "#1f77b4", "#9467bd", "#8c564b", "#e377c2"];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** One chart for the browser script below: what to draw, not how. */
export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  /** bar: one bar per router; line: a line per router over a numeric x; dots: routers side by side in each scenario's column. */
  readonly kind: "bar" | "line" | "dots";
  readonly x: { readonly label: string; readonly log?: boolean };
  readonly y: { readonly label: string; readonly log?: boolean; readonly percent?: boolean; readonly max?: number };
  readonly data: ReadonlyArray<{ readonly router: string; readonly x: number | string; readonly y: number }>;
}

function routersOf(rows: readonly Summary[]): string[] {
  return [...new Set(rows.map((r) => r.router))];
}

function mean(v: readonly number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

/** Delivery: against nodes when the scenarios have different sizes, else one bar per router. */
export function deliveryChart(rows: readonly Summary[]): ChartSpec | undefined {
  const sizes = new Set(rows.map((r) => r.nodes));
  const data: Array<{ router: string; x: number | string; y: number }> = [];
  for (const router of routersOf(rows)) {
    const byN = new Map<number, number[]>();
    for (const r of rows) if (r.router === router && r.mean.unicastDelivery !== null) (byN.get(r.nodes) ?? byN.set(r.nodes, []).get(r.nodes))?.push(r.mean.unicastDelivery);
    if (sizes.size > 1) for (const [n, v] of [...byN.entries()].sort((a, b) => a[0] - b[0])) data.push({ router, x: n, y: mean(v) });
    else if (byN.size > 0) data.push({ router, x: router, y: mean([...byN.values()].flat()) });
  }
  if (data.length === 0) return undefined;
  return sizes.size > 1
    ? { id: "delivery", title: "Unicast delivery vs nodes (mean over the scenarios of each size)", kind: "line", x: { label: "nodes", log: true }, y: { label: "unicast delivery", percent: true, max: 1 }, data }
    : { id: "delivery", title: `Unicast delivery, ${rows[0].scenario}${new Set(rows.map((r) => r.scenario)).size > 1 ? " and the other scenarios of this size (mean)" : ""}`, kind: "bar", x: { label: "router" }, y: { label: "unicast delivery", percent: true, max: 1 }, data };
}

/** Total airtime per delivered message: routers side by side per scenario (log), or bars for one scenario. */
export function airtimeChart(rows: readonly Summary[]): ChartSpec | undefined {
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  const data = rows
    .filter((r) => r.mean.airtimePerDeliveredS !== null && r.mean.airtimePerDeliveredS > 0)
    .map((r) => ({ router: r.router, x: scenarios.length > 1 ? r.scenario : r.router, y: r.mean.airtimePerDeliveredS as number }));
  if (data.length === 0) return undefined;
  const title = "Total airtime (data + control) per delivered message";
  return scenarios.length > 1
    ? { id: "airtime", title: `${title}, log scale`, kind: "dots", x: { label: "scenario" }, y: { label: "airtime per delivered message (s)", log: true }, data }
    : { id: "airtime", title: `${title}, ${scenarios[0]}`, kind: "bar", x: { label: "router" }, y: { label: "airtime per delivered message (s)" }, data };
}

/** Per-node TX airtime CDF of each scenario. */
export function loadCharts(rows: readonly Summary[]): ChartSpec[] {
  return [...new Set(rows.map((r) => r.scenario))].map((sc, k) => {
    const data: Array<{ router: string; x: number; y: number }> = [];
    for (const r of rows.filter((x) => x.scenario === sc)) {
      const a = r.nodeAirtimeS;
      const step = Math.max(1, Math.floor(a.length / 200));
      for (let i = 0; i < a.length; i += step) data.push({ router: r.router, x: a[i], y: (i + 1) / a.length });
      if (a.length > 0) data.push({ router: r.router, x: a[a.length - 1], y: 1 });
    }
    return { id: `load-${k}`, title: `Per-node TX airtime in the measurement window, ${sc} (CDF over nodes and seeds)`, kind: "line", x: { label: "node airtime (s)" }, y: { label: "share of nodes", percent: true, max: 1 }, data };
  });
}

/** Draws every chart spec with Plot; runs in the browser (plain ES2020, no imports). */
const DRAW = String.raw`
(function () {
  var specs = JSON.parse(document.getElementById("chart-data").textContent);
  var colours = JSON.parse(document.getElementById("chart-colours").textContent);
  function decades(values) {
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values), out = [];
    var top = Math.ceil(Math.log10(hi)), bottom = Math.floor(Math.log10(lo));
    if (top === bottom) top++;
    for (var e = bottom; e <= top; e++) out.push(Math.pow(10, e));
    return out;
  }
  function number(v) { return v >= 1000 ? v.toLocaleString("en-US") : String(+v.toPrecision(3)); }
  specs.forEach(function (s) {
    var el = document.getElementById(s.id);
    var routers = Array.from(new Set(s.data.map(function (d) { return d.router; })));
    var color = { domain: routers, range: colours.slice(0, routers.length).concat(colours), legend: routers.length > 1 && s.kind !== "bar" };
    var yAxis = { label: s.y.label, grid: true };
    if (s.y.percent) { yAxis.domain = [0, s.y.max || 1]; yAxis.tickFormat = function (v) { return Math.round(v * 100) + " %"; }; }
    else if (s.y.log) { var yt = decades(s.data.map(function (d) { return d.y; })); yAxis.type = "log"; yAxis.domain = [yt[0], yt[yt.length - 1]]; yAxis.ticks = yt; yAxis.tickFormat = number; }
    else { yAxis.tickFormat = number; yAxis.zero = true; }
    var label = function (d) { return s.y.percent ? (d.y * 100).toFixed(1) + " %" : number(d.y); };
    var opts = { width: 760, height: 340, marginLeft: 70, marginBottom: 50, y: yAxis, color: color, style: { fontSize: "12px" } };
    if (s.kind === "bar") {
      opts.x = { label: s.x.label, domain: routers };
      opts.marks = [Plot.barY(s.data, { x: "x", y: "y", fill: "router", title: label }), Plot.text(s.data, { x: "x", y: "y", text: label, dy: -8 }), Plot.ruleY([0])];
    } else if (s.kind === "dots") {
      opts.fx = { label: s.x.label, tickRotate: s.data.length > 40 ? -30 : 0 };
      opts.marginBottom = 90;
      opts.x = { axis: null, domain: routers, padding: 0.3 };
      opts.marks = [Plot.frame({ stroke: "#eee" }), Plot.dot(s.data, { fx: "x", x: "router", y: "y", fill: "router", r: 4, title: function (d) { return d.router + ": " + number(d.y) + " s"; } })];
    } else {
      var xs = s.data.map(function (d) { return d.x; });
      var xt = s.x.log ? decades(xs) : [];
      opts.x = s.x.log ? { label: s.x.label, type: "log", domain: [xt[0], xt[xt.length - 1]], ticks: xt, tickFormat: number, grid: true } : { label: s.x.label, grid: true, tickFormat: number };
      opts.marks = [Plot.line(s.data, { x: "x", y: "y", stroke: "router" }), Plot.dot(s.data.length <= 80 ? s.data : [], { x: "x", y: "y", fill: "router", r: 3, title: label })];
    }
    el.replaceChildren(Plot.plot(opts));
  });
})();
`;

function figure(spec: ChartSpec | undefined): string {
  return spec === undefined ? "" : `<figure><figcaption>${esc(spec.title)}</figcaption><div id="${esc(spec.id)}" class="chart">(charts need JavaScript)</div></figure>`;
}

/** JSON inside a script element: nothing in it may close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/** Capacity: delivery and airtime per delivered message against offered unicast load (load-N rows). */
export function capacityCharts(rows: readonly Summary[]): ChartSpec[] {
  const curves = loadCurves(rows);
  if (curves.length === 0) return [];
  const x = { label: "offered unicasts per hour (network-wide)", log: true };
  const delivery = curves.flatMap((c) => c.delivery.map(([u, y]) => ({ router: c.router, x: u, y })));
  const airtime = curves.flatMap((c) => c.airtime.filter(([, y]) => y > 0).map(([u, y]) => ({ router: c.router, x: u, y })));
  const specs: ChartSpec[] = [
    { id: "capacity-delivery", title: "Unicast delivery vs offered unicast load (the seed's broadcasts besides)", kind: "line", x, y: { label: "unicast delivery", percent: true, max: 1 }, data: delivery },
  ];
  if (airtime.length > 0) specs.push({ id: "capacity-airtime", title: "Airtime per delivered message vs offered unicast load, log scale", kind: "line", x, y: { label: "airtime per delivered message (s)", log: true }, data: airtime });
  return specs;
}

function capacitySection(rows: readonly Summary[], charts: readonly ChartSpec[]): string {
  if (charts.length === 0) return "";
  const saturation = loadCurves(rows).map((c) => `${c.router}: ${c.saturatesAt === undefined ? "not within the loads run" : `${c.saturatesAt}/h`}`).join(" · ");
  return `<h2>Capacity</h2>
${charts.map((c) => figure(c)).join("\n")}
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

/** `sim --breakdown`: window airtime by frame kind and role (docs/simulator.md §Airtime by frame kind). */
function breakdownSection(rows: readonly Summary[]): string {
  const cells = breakdownCells(rows);
  if (cells.length === 0) return "";
  const body = cells.map((c) => `<tr>${c.map((v, i) => `<td${i < 4 ? "" : ' class="n"'}>${esc(v)}</td>`).join("")}</tr>`);
  return `<h2>Airtime by frame kind</h2>
<table><thead><tr>${BREAKDOWN_HEAD.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${body.join("\n")}</tbody></table>`;
}

function table(rows: readonly Summary[]): string {
  const head = COLUMNS.map((c) => `<th>${esc(c.title)}</th>`).join("");
  const body = rows.map((s) => `<tr>${COLUMNS.map((c) => `<td${c.left ? "" : ' class="n"'}>${esc(c.cell(s))}</td>`).join("")}</tr>`);
  return `<table><thead><tr>${head}</tr></thead><tbody>${body.join("\n")}</tbody></table>`;
}

/** Where "docs/simulator.md §Metrics" points; the CLI passes the repository's file. */
export interface ReportLinks {
  readonly metricsHref?: string;
}

export function resultsHtml(rows: readonly Summary[], title: string, note: string, links: ReportLinks = {}): string {
  const delivery = deliveryChart(rows);
  const airtime = airtimeChart(rows);
  const loads = loadCharts(rows);
  const capacity = capacityCharts(rows);
  const specs = [delivery, airtime, ...capacity, ...loads].filter((c): c is ChartSpec => c !== undefined);
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
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
${figure(delivery)}
${figure(airtime)}
${capacitySection(rows, capacity)}
<h2>Per-node load distribution</h2>
${loads.map((c, i) => `<details${i === 0 ? " open" : ""}><summary>${esc(scenarios[i])}</summary>${figure(c)}</details>`).join("\n")}
${deadDestinations(rows)}
<h2>Results</h2>
${table(rows)}
${breakdownSection(rows)}
<p class="key">Definitions of every figure: ${links.metricsHref === undefined ? "docs/simulator.md §Metrics" : `<a href="${esc(links.metricsHref)}">docs/simulator.md §Metrics</a>`}.</p>
<script type="application/json" id="chart-data">${scriptJson(specs)}</script>
<script type="application/json" id="chart-colours">${scriptJson(COLOURS)}</script>
<script>${plotLibrary()}</script>
<script>${DRAW}</script>
</body></html>
`;
}
