// Bench part `load` (docs/simulator.md §Capacity): Medium City with 50 → 2000 offered unicasts
// per hour besides the seed's broadcasts, every router: unicast delivery and airtime per
// delivered message at each load, and where each router saturates. BENCH_LOAD_SEEDS seeds
// (default 2), BENCH_LOAD_POINTS a comma list of loads to run fewer, BENCH_LOAD_ROUTERS a comma
// list of routers (default: every one), BENCH_LOAD_HTML a file for the report with the capacity charts.
import { writeFileSync } from "node:fs";
import { summarise } from "./aggregate";
import { resultsHtml } from "./report/html";
import { SATURATION_DELIVERY, loadCurves } from "./report/load-chart";
import { progressBar } from "./report/progress";
import { runBatch } from "./run";
import type { Task } from "./run";
import { loadScenarios } from "./scenario/builtin";
import { offeredUnicastsPerHour, seedBroadcastsPerHour } from "./scenario/load";

/**
 * The routers BENCH_LOAD_ROUTERS names (a comma list): unset, empty or only commas means every
 * router, so a blank variable never runs a bench of nothing; an unknown name is a clear error.
 */
export function loadRouters(env: string | undefined, allRouters: readonly string[]): readonly string[] {
  const only = (env ?? "").split(",").map((r) => r.trim()).filter((r) => r.length > 0);
  const unknown = only.filter((r) => !allRouters.includes(r));
  if (unknown.length > 0) throw new Error(`BENCH_LOAD_ROUTERS: unknown router ${unknown.join(", ")}; known: ${allRouters.join(", ")}`);
  return only.length > 0 ? only : allRouters;
}

export async function loadPart(out: NodeJS.WritableStream, allRouters: readonly string[]): Promise<void> {
  const routers = loadRouters(process.env.BENCH_LOAD_ROUTERS, allRouters);
  const seeds = Number(process.env.BENCH_LOAD_SEEDS ?? 2);
  const points = process.env.BENCH_LOAD_POINTS?.split(",").map(Number);
  const scenarios = loadScenarios().filter((s) => points === undefined || points.includes(offeredUnicastsPerHour(s.name) ?? -1));
  const tasks: Task[] = [];
  for (const scenario of scenarios) for (const router of routers) for (let k = 0; k < seeds; k++) tasks.push({ scenario, router, seed: 1 + k });
  const bar = progressBar(`load, ${tasks.length} runs`);
  const t0 = performance.now();
  const rows = summarise(await runBatch(tasks, { onProgress: (f) => bar.update(f) }));
  bar.stop();
  const loads = scenarios.map((s) => offeredUnicastsPerHour(s.name) as number);
  out.write(`\nCapacity: medium-city, offered unicasts/h ${loads.join(", ")} besides ${Math.round(seedBroadcastsPerHour())} broadcasts/h (${seeds} seeds, ${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  out.write(`  ${"router".padEnd(10)}${loads.map((u) => `${u}/h`.padStart(16)).join("")}   (unicast delivery % / airtime per delivered message s)\n`);
  for (const c of loadCurves(rows)) {
    const cell = (u: number): string => {
      const d = c.delivery.find(([x]) => x === u)?.[1];
      const a = c.airtime.find(([x]) => x === u)?.[1];
      return `${d === undefined ? "–" : (d * 100).toFixed(1)} / ${a === undefined ? "–" : a.toFixed(2)}`.padStart(16);
    };
    out.write(`  ${c.router.padEnd(10)}${loads.map(cell).join("")}\n`);
  }
  out.write(`  saturation (the load from which delivery stays below ${SATURATION_DELIVERY * 100} %): ${loadCurves(rows).map((c) => `${c.router} ${c.saturatesAt === undefined ? "none" : `${c.saturatesAt}/h`}`).join(", ")}\n`);
  const html = process.env.BENCH_LOAD_HTML;
  if (html) {
    writeFileSync(html, resultsHtml(rows, "System 5 simulator: capacity (medium-city)", `Offered unicasts/h ${loads.join(", ")}, routers ${routers.join(", ")}, seeds 1..${seeds}.`));
    out.write(`  wrote ${html}\n`);
  }
}
