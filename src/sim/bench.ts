// `npm run bench`: the core protocol figures (sizes, convergence, silencing, broadcast relays,
// corridor), the 26 seed scenarios for every available router over 5 seeds, the System 5
// targets checked against managed flooding (hop limit 7), and the simulator speed figure (the
// 1500-node scenario, one simulated hour, the routers timed together on all cores).
import { writeFileSync } from "node:fs";
import { coreFigures } from "../demo/figures";
import { internetPart } from "./bench-internet";
import { loadPart } from "./bench-load";
import { profilesPart } from "./bench-profiles";
import { cryptoFigures } from "./crypto-figures";
import { hostileFuzz } from "./hostile-fuzz";
import { ramFigures } from "./ram-figures";
import { summarise } from "./aggregate";
import type { Summary } from "./aggregate";
import { formatTable } from "./report/table";
import { progressBar } from "./report/progress";
import { registeredRouters, routerEntry } from "./routers/registry";
import "./routers/plugins";
import { runBatch } from "./run";
import type { Task } from "./run";
import { builtinScenarios, findBuiltin, insiderScenarios, seedScenarios } from "./scenario/builtin";
import { repeaterNote } from "./scenario/repeaters";
import type { Scenario } from "./scenario/schema";
import { viewBench } from "../view/host/bench-view";

// `node dist/bench.mjs [part ...]` runs only those parts (default: every part but fuzz, which takes
// about a quarter of an hour: `npm run bench fuzz`).
const KNOWN_PARTS = ["core", "crypto", "ram", "speed", "table", "limit", "sweep", "insiders", "profiles", "load", "internet", "view", "fuzz"];
const ON_REQUEST = new Set(["fuzz"]);
const PARTS = new Set(process.argv.slice(2).length > 0 ? process.argv.slice(2) : KNOWN_PARTS.filter((p) => !ON_REQUEST.has(p)));
for (const p of PARTS) if (!KNOWN_PARTS.includes(p)) throw new Error(`unknown bench part "${p}": the parts are ${KNOWN_PARTS.join(", ")}`);
const SEEDS = Number(process.env.BENCH_SEEDS ?? 5);
const SWEEP_SEEDS = Number(process.env.BENCH_SWEEP_SEEDS ?? 2);
const SPEED_SCENARIO = "metro-scale";

async function main(): Promise<void> {
  const routers = registeredRouters().map((r) => r.name);
  const out = process.stdout;
  if (!routerEntry("system5")) out.write("note: the System 5 router is not plugged in yet; its targets are listed but not checked\n\n");

  if (PARTS.has("core")) {
    for (const line of coreFigures(SEEDS)) out.write(`${line}\n`);
    out.write("\n");
  }
  if (PARTS.has("crypto")) {
    for (const line of await cryptoFigures()) out.write(`${line}\n`);
    out.write("\n");
  }
  if (PARTS.has("ram")) {
    for (const line of await ramFigures()) out.write(`${line}\n`);
    out.write("\n");
  }
  if (PARTS.has("speed")) await speed(out);
  const rows = PARTS.has("table") ? await table(out, routers) : undefined;
  if (PARTS.has("limit")) await limit(out, rows);
  if (PARTS.has("sweep")) await scaleSweep(out, routers);
  if (PARTS.has("insiders")) await insiders(out);
  if (PARTS.has("profiles")) await profilesPart(out, routers, SEEDS);
  if (PARTS.has("load")) await loadPart(out, routers);
  if (PARTS.has("internet")) await internetPart(out);
  if (PARTS.has("fuzz")) fuzz(out);
  if (PARTS.has("view")) await viewBench(out);
}

/** 5. The hostile-frame fuzz (docs/security.md §13.6): BENCH_FUZZ_FRAMES (10^6) frames, zero throws expected. */
function fuzz(out: NodeJS.WritableStream): void {
  const total = Number(process.env.BENCH_FUZZ_FRAMES ?? 1_000_000);
  const perRun = 100;
  const runs = Math.max(1, Math.round(total / perRun));
  const bar = progressBar(`fuzz, ${runs * perRun} frames`);
  const t0 = performance.now();
  const r = hostileFuzz(runs, perRun, 14, (done) => bar.update(done / runs));
  bar.stop();
  const s = (performance.now() - t0) / 1000;
  out.write(`Hostile-frame fuzz (sealed with the network key, hostile fields) at a secured and a bare MeshNode:\n`);
  out.write(`  ${r.frames} frames in ${r.runs} runs, ${s.toFixed(0)} s: ${r.throws} throws${r.failure === undefined ? "" : `\n${r.failure}`}\n\n`);
  if (r.failure !== undefined) process.exitCode = 1;
}

/**
 * 4. Insiders (docs/simulator.md §Insiders): System 5 and managed7 on insiders-0/5/15, honest to
 * honest traffic, and System 5 with its §7.5 defences off (metric floor 0, no next-hop trust)
 * to show what they do. BENCH_INSIDER_SEEDS seeds (3).
 */
async function insiders(out: NodeJS.WritableStream): Promise<void> {
  const seeds = Number(process.env.BENCH_INSIDER_SEEDS ?? 3);
  const undefended = (s: Scenario): Scenario => ({
    ...s,
    name: `${s.name}-undefended`,
    routerParams: { ...s.routerParams, system5: { ...(s.routerParams.system5 ?? {}), config: { metricFloor: 0, trustPenalty: 1 } } },
  });
  const tasks: Task[] = [];
  for (const scenario of insiderScenarios()) {
    for (const router of ["system5", "managed7"].filter((r) => routerEntry(r))) for (let k = 0; k < seeds; k++) tasks.push({ scenario, router, seed: 1 + k });
    if (routerEntry("system5")) for (let k = 0; k < seeds; k++) tasks.push({ scenario: undefended(scenario), router: "system5", seed: 1 + k });
  }
  const bar = progressBar(`insiders, ${tasks.length} runs`);
  const t0 = performance.now();
  const rows = summarise(await runBatch(tasks, { onProgress: (f) => bar.update(f) }));
  bar.stop();
  out.write(`\nInsiders: black holes, grey holes, liars in turn (${seeds} seeds, ${((performance.now() - t0) / 1000).toFixed(0)} s; honest-to-honest traffic):\n${formatTable(rows)}\n`);
  const pct = (v: number | null | undefined): string => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)} %`);
  for (const net of ["insiders-", "insiders-sparse-"]) {
    const family = insiderScenarios().filter((s) => s.name.startsWith(net) && /^\d+$/.test(s.name.slice(net.length)));
    out.write(`  ${net}{${family.map((s) => s.name.slice(net.length)).join(",")}}:\n`);
    for (const [label, router, suffix] of [["System 5", "system5", ""], ["System 5 undefended", "system5", "-undefended"], ["managed7", "managed7", ""]] as const) {
      const cells = family.map((s) => rows.find((r) => r.router === router && r.scenario === s.name + suffix));
      out.write(`    ${label.padEnd(20)} unicast delivery ${cells.map((r) => pct(r?.mean.unicastDelivery)).join(" / ")}; p95 latency ${cells.map((r) => (r?.mean.latencyP95S ?? null) === null ? "–" : `${(r?.mean.latencyP95S ?? 0).toFixed(1)} s`).join(" / ")}\n`);
    }
  }
}

/** 1. Speed: 1500 nodes, one simulated hour of measurement, the four router families. */
async function speed(out: NodeJS.WritableStream): Promise<void> {
  const speedRouters = ["flood", "managed7", "nexthop", "system5"].filter((r) => routerEntry(r));
  const metro = findBuiltin(SPEED_SCENARIO);
  if (!metro) throw new Error(`${SPEED_SCENARIO} missing`);
  const speedScenario = { ...metro, timing: { warmupS: 0, durationS: 3600, drainS: 0 } };
  const speedTasks: Task[] = speedRouters.map((router) => ({ scenario: speedScenario, router, seed: 1 }));
  const bar = progressBar("speed");
  const t0 = performance.now();
  const speed = await runBatch(speedTasks, { onProgress: (f) => bar.update(f) });
  bar.stop();
  const speedS = (performance.now() - t0) / 1000;
  const speedEvents = speed.reduce((a, r) => a + r.metrics.events, 0);
  out.write(`Speed: ${SPEED_SCENARIO} (${metro.nodeCount} nodes), one simulated hour, routers ${speedRouters.join(", ")}:\n`);
  for (const r of speed) out.write(`  ${r.router.padEnd(9)} ${(r.wallMs / 1000).toFixed(1).padStart(6)} s  ${r.metrics.events.toLocaleString("en-US").padStart(12)} events  ${Math.round(r.metrics.events / (r.wallMs / 1000)).toLocaleString("en-US").padStart(10)} events/s\n`);
  out.write(`  total wall ${speedS.toFixed(1)} s on all cores (target < 120 s), ${Math.round(speedEvents / speedS).toLocaleString("en-US")} events/s\n\n`);
}

/** 2. The 26 scenarios × routers × seeds, with the System 5 targets. */
async function table(out: NodeJS.WritableStream, routers: readonly string[]): Promise<Summary[]> {
  const tasks: Task[] = [];
  for (const scenario of seedScenarios()) for (const router of routers) for (let k = 0; k < SEEDS; k++) tasks.push({ scenario, router, seed: 1 + k });
  const bar = progressBar(`${tasks.length} runs`);
  const t0 = performance.now();
  const records = await runBatch(tasks, { onProgress: (f) => bar.update(f) });
  bar.stop();
  const wall = (performance.now() - t0) / 1000;
  const rows = summarise(records);
  out.write(`${formatTable(rows)}\n\n`);
  const events = records.reduce((a, r) => a + r.metrics.events, 0);
  out.write(`${tasks.length} runs (${SEEDS} seeds), ${events.toLocaleString("en-US")} events in ${wall.toFixed(0)} s (${Math.round(events / wall).toLocaleString("en-US")} events/s)\n`);
  const violations = rows.reduce((a, r) => a + (r.mean.dutyCycleViolations ?? 0), 0);
  out.write(`duty-cycle violations, all routers and scenarios: ${violations} (must be 0)\n\n`);
  out.write(targets(rows));
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ results: rows.map((r) => ({ scenario: r.scenario, router: r.router, mean: r.mean })) }, null, 2));
  return rows;
}

/**
 * 2b. The physical limit per scenario (docs/simulator.md §The physical limit) and how far System 5,
 * managed7 and meshcore are from it: the table part's runs when it ran, else their own
 * (BENCH_LIMIT_SEEDS seeds, default BENCH_SEEDS).
 */
async function limit(out: NodeJS.WritableStream, tableRows: readonly Summary[] | undefined): Promise<void> {
  const routers = ["system5", "managed7", "meshcore"].filter((r) => routerEntry(r));
  let rows = tableRows;
  let seeds = SEEDS;
  if (!rows) {
    seeds = Number(process.env.BENCH_LIMIT_SEEDS ?? SEEDS);
    const tasks: Task[] = [];
    for (const scenario of seedScenarios()) for (const router of routers) for (let k = 0; k < seeds; k++) tasks.push({ scenario, router, seed: 1 + k });
    const bar = progressBar(`limit, ${tasks.length} runs`);
    rows = summarise(await runBatch(tasks, { onProgress: (f) => bar.update(f) }));
    bar.stop();
  }
  out.write(`\n${limitTable(rows, routers, seeds)}\n${routers.includes("meshcore") ? `${repeaterNote(seedScenarios())}\n` : ""}`);
}

/** 3. The scale sweep, 20 → 2000 nodes (fewer seeds: it is the largest part of the work). */
async function scaleSweep(out: NodeJS.WritableStream, routers: readonly string[]): Promise<void> {
  const sweepTasks: Task[] = [];
  for (const scenario of builtinScenarios().filter((s) => s.name.startsWith("scale-")))
    for (const router of routers) for (let k = 0; k < SWEEP_SEEDS; k++) sweepTasks.push({ scenario, router, seed: 1 + k });
  const bar = progressBar(`scale sweep, ${sweepTasks.length} runs`);
  const t0 = performance.now();
  const sweep = summarise(await runBatch(sweepTasks, { onProgress: (f) => bar.update(f) }));
  bar.stop();
  out.write(`\nScale sweep (${SWEEP_SEEDS} seeds, ${((performance.now() - t0) / 1000).toFixed(0)} s):\n${formatTable(sweep)}\n`);
}

/** Per scenario: the limit, then each router's delivery, airtime per delivered message and ratios to the limit. */
function limitTable(rows: readonly Summary[], routers: readonly string[], seeds: number): string {
  const f2 = (v: number | null | undefined): string => (v === null || v === undefined ? "–" : v.toFixed(2));
  const pct = (v: number | null | undefined): string => (v === null || v === undefined ? "–" : (v * 100).toFixed(1));
  const head = ["scenario", "limit s/msg", "CDS TX", ...routers.flatMap((r) => [`${r} uni %`, "air/msg s", "×limit", "bcast TX", "×CDS"])];
  const body: string[][] = [];
  for (const scenario of [...new Set(rows.map((r) => r.scenario))]) {
    const mine = rows.filter((r) => r.scenario === scenario);
    const any = mine[0];
    const cells = [scenario, f2(any.mean.limitAirtimePerMessageS), f2(any.mean.limitBroadcastTx)];
    for (const router of routers) {
      const r = mine.find((x) => x.router === router);
      cells.push(pct(r?.mean.unicastDelivery), f2(r?.mean.airtimePerDeliveredS), f2(r?.mean.airtimeVsLimit), r?.mean.broadcastTxPerMessage?.toFixed(1) ?? "–", f2(r?.mean.broadcastTxVsLimit));
    }
    body.push(cells);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (v: readonly string[]) => v.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [
    `Physical limit (global knowledge of the link table; ${seeds} seed${seeds === 1 ? "" : "s"}): limit airtime per delivered message and greedy-CDS transmissions per broadcast; ×limit = router's airtime per delivered message ÷ the limit, ×CDS = its transmissions per broadcast ÷ the CDS's`,
    line(head),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...body.map(line),
  ].join("\n");
}

/** The issue's System 5 targets, each with its figure and whether it is met. */
function targets(rows: readonly Summary[]): string {
  const s5 = rows.filter((r) => r.router === "system5");
  if (s5.length === 0) return "System 5 targets: not checked (router not registered)\n";
  const lines = ["System 5 targets:"];
  for (const r of s5) {
    const need = r.nodes <= 200 ? 0.99 : r.nodes <= 500 ? 0.95 : 0.9;
    const bay = r.scenario.startsWith("bay-area") ? 0.9 : need;
    const goal = Math.min(need, bay);
    const d = r.mean.unicastDelivery;
    const mf7 = rows.find((m) => m.scenario === r.scenario && m.router === "managed7");
    const ratio = mf7 && r.mean.airtimePerDeliveredS !== null && mf7.mean.airtimePerDeliveredS ? r.mean.airtimePerDeliveredS / mf7.mean.airtimePerDeliveredS : null;
    const airOk = r.nodes < 100 || (ratio !== null && ratio <= 0.2);
    lines.push(
      `  ${r.scenario.padEnd(28)} delivery ${d === null ? "–" : (d * 100).toFixed(1)} % (≥ ${goal * 100} %) ${d !== null && d >= goal ? "met" : "MISSED"}` +
        (r.nodes >= 100 ? `; airtime/msg vs managed7 ${ratio === null ? "–" : (ratio * 100).toFixed(1)} % (≤ 20 %) ${airOk ? "met" : "MISSED"}` : "") +
        `; busiest node ${((r.mean.maxNodeDutyShare ?? 0) * 100).toFixed(2)} % of the hour, violations ${r.mean.dutyCycleViolations}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
