// `system5 sim` and `system5 scenarios`: the simulator's command line (contract in
// docs/simulator.md §Command line; other tools depend on it: extend, don't rename).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { InvalidArgumentError } from "commander";
import type { Command } from "commander";
import { summarise } from "../sim/aggregate";
import type { RunRecord } from "../sim/aggregate";
import { resultsCsv, resultsJson } from "../sim/report/files";
import { resultsHtml } from "../sim/report/html";
import { progressBar } from "../sim/report/progress";
import { formatTable } from "../sim/report/table";
import { ROUTER_NAMES, registeredRouters, routerEntry } from "../sim/routers/registry";
import "../sim/routers/plugins";
import { runBatch } from "../sim/run";
import type { Task } from "../sim/run";
import { builtinScenarios, seedScenarios } from "../sim/scenario/builtin";
import { loadScenario } from "../sim/scenario/file";
import type { Scenario } from "../sim/scenario/schema";

export interface SimArgs {
  readonly scenario: string;
  readonly seeds: number;
  readonly seed: number;
  readonly routers?: string;
  readonly json?: string;
  readonly out?: string;
  readonly duration?: number;
  readonly warmup?: number;
  readonly threads?: number;
}

function intArg(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

function secondsArg(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a positive number of seconds");
  return n;
}

/** The routers to run: the --routers list, checked, or every registered router. */
export function resolveRouters(arg: string | undefined): string[] {
  if (arg === undefined) return registeredRouters().map((r) => r.name);
  const names = arg.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) throw new Error("--routers: give at least one router");
  for (const n of names) {
    if (routerEntry(n)) continue;
    if (n === "system5")
      throw new Error("router system5 is not available yet: the System 5 core has not been plugged into the simulator (src/sim/routers/plugins.ts)");
    throw new Error(`--routers: unknown router "${n}"; known: ${ROUTER_NAMES.join(", ")}`);
  }
  return [...new Set(names)];
}

/** The scenarios a --scenario argument names (all = the seed's 26). */
export function resolveScenarios(arg: string, timing: { duration?: number; warmup?: number }): Scenario[] {
  const list = arg === "all" ? seedScenarios() : arg.split(",").map((a) => loadScenario(a.trim()));
  return list.map((s) => ({
    ...s,
    timing: { ...s.timing, durationS: timing.duration ?? s.timing.durationS, warmupS: timing.warmup ?? s.timing.warmupS },
  }));
}

export function makeTasks(scenarios: readonly Scenario[], routers: readonly string[], seed: number, seeds: number): Task[] {
  const tasks: Task[] = [];
  for (const scenario of scenarios)
    for (const router of routers) for (let k = 0; k < seeds; k++) tasks.push({ scenario, router, seed: (seed + k) >>> 0 });
  return tasks;
}

export async function simCommand(args: SimArgs, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const routers = resolveRouters(args.routers);
  const scenarios = resolveScenarios(args.scenario, args);
  if (args.routers === undefined && !routerEntry("system5"))
    process.stderr.write("system5: note: the System 5 router is not plugged in yet; running the baselines only\n");
  const tasks = makeTasks(scenarios, routers, args.seed, args.seeds);
  const bar = progressBar(`${tasks.length} runs`);
  const t0 = performance.now();
  let records: RunRecord[];
  try {
    records = await runBatch(tasks, { threads: args.threads, onProgress: (f) => bar.update(f) });
  } finally {
    bar.stop();
  }
  const wallS = (performance.now() - t0) / 1000;
  const rows = summarise(records);
  out.write(`${formatTable(rows)}\n`);
  const events = records.reduce((a, r) => a + r.metrics.events, 0);
  out.write(`\n${tasks.length} runs, ${events.toLocaleString("en-US")} events in ${wallS.toFixed(1)} s (${Math.round(events / wallS).toLocaleString("en-US")} events/s)\n`);
  const json = resultsJson(rows);
  if (args.json) writeOut(args.json, json);
  if (args.out) {
    mkdirSync(args.out, { recursive: true });
    writeOut(path.join(args.out, "results.json"), json);
    writeOut(path.join(args.out, "results.csv"), resultsCsv(rows));
    const seedsText = args.seeds === 1 ? `seed ${args.seed}` : `seeds ${args.seed}..${args.seed + args.seeds - 1}`;
    writeOut(
      path.join(args.out, "report.html"),
      resultsHtml(rows, "System 5 LoRa mesh simulator", `${scenarios.length} scenario(s), routers ${routers.join(", ")}, ${seedsText}.`),
    );
    out.write(`wrote ${path.join(args.out, "results.json")}, results.csv, report.html\n`);
  }
}

function writeOut(file: string, text: string): void {
  try {
    const dir = path.dirname(file);
    if (dir) mkdirSync(dir, { recursive: true });
    writeFileSync(file, text);
  } catch (e) {
    throw new Error(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

export function scenariosCommand(out: NodeJS.WritableStream = process.stdout): void {
  const rows = builtinScenarios().map((s, i) => [
    i < 26 ? String(i + 1) : "",
    s.name,
    String(s.nodeCount),
    `${(s.widthM / 1000).toFixed(1)} km`,
    s.radio.preset.name,
    s.radio.region.name,
    `p${s.geohashPrecision}`,
    s.description,
  ]);
  const head = ["#", "name", "nodes", "area", "preset", "region", "geohash", "description"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  out.write(`${[line(head), ...rows.map(line)].join("\n")}\n`);
}

export function registerSimCommands(program: Command): void {
  program
    .command("sim")
    .description("run the LoRa mesh simulator: routers × scenarios × seeds, with a table, JSON, CSV and an HTML report")
    .requiredOption("--scenario <name|all|path>", "built-in scenario name or number, all (the 26), a scenario JSON file, or a comma list")
    .option("--seeds <n>", "seeds per scenario and router", intArg("--seeds", 1, 1000), 3)
    .option("--seed <s>", "first seed (the others follow it)", intArg("--seed", 0, 4294967295), 1)
    .option("--routers <list>", `comma list of ${ROUTER_NAMES.join(", ")} (default: every available router)`)
    .option("--json <file>", "write the results JSON here")
    .option("--out <dir>", "write results.json, results.csv and report.html here")
    .option("--duration <s>", "override the measurement window, s", secondsArg)
    .option("--warmup <s>", "override the warm-up, s", secondsArg)
    .option("--threads <n>", "worker threads (default: cores)", intArg("--threads", 1, 64))
    .action(async (opts: SimArgs) => {
      await simCommand(opts);
    });
  program
    .command("scenarios")
    .description("list the built-in simulator scenarios with their node counts")
    .action(() => scenariosCommand());
}
