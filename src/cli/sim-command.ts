// `system5 sim` and `system5 scenarios`: the simulator's command line (contract in
// docs/simulator.md §Command line; other tools depend on it: extend, don't rename).
import { accessSync, constants, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { InvalidArgumentError } from "commander";
import type { Command } from "commander";
import { settingsLines, summarise } from "../sim/aggregate";
import type { RunRecord } from "../sim/aggregate";
import { resultsCsv, resultsJson } from "../sim/report/files";
import { resultsHtml } from "../sim/report/html";
import { progressBar } from "../sim/report/progress";
import { internetTable } from "../sim/report/internet";
import { formatTable } from "../sim/report/table";
import { formatBreakdown } from "../sim/report/breakdown";
import { ROUTER_NAMES, registeredRouters, routerEntry } from "../sim/routers/registry";
import "../sim/routers/plugins";
import { repeaterNote } from "../sim/scenario/repeaters";
import { runBatch } from "../sim/run";
import type { Task } from "../sim/run";
import { builtinNumber, builtinScenarios, seedScenarios } from "../sim/scenario/builtin";
import { checkScenario } from "../sim/scenario/checks";
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
  readonly breakdown?: boolean;
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

export function makeTasks(scenarios: readonly Scenario[], routers: readonly string[], seed: number, seeds: number, breakdown = false): Task[] {
  const tasks: Task[] = [];
  for (const scenario of scenarios)
    for (const router of routers) for (let k = 0; k < seeds; k++) tasks.push({ scenario, router, seed: (seed + k) >>> 0, ...(breakdown ? { breakdown } : {}) });
  return tasks;
}

/** A problem with the command line or its files, found before anything runs (exit code 2). */
export class SimUsageError extends Error {}

/** Fails now, not after a 20-minute run, when `file` (or the files under `dir`) could not be written. */
export function checkOutputPath(target: string, kind: "file" | "dir"): void {
  const dir = kind === "dir" ? target : path.dirname(path.resolve(target));
  if (kind === "file" && existsSync(target) && statSync(target).isDirectory()) throw new SimUsageError(`--json ${target}: is a directory; give a file name`);
  if (kind === "dir" && existsSync(target) && !statSync(target).isDirectory()) throw new SimUsageError(`--out ${target}: is a file; give a directory`);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new SimUsageError(`${kind === "dir" ? "--out" : "--json"} ${target}: cannot write there (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** docs/simulator.md of this repository, for the report's link (undefined when not found). */
function metricsHref(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = path.dirname(dir)) {
    const doc = path.join(dir, "docs", "simulator.md");
    if (existsSync(doc)) return `${pathToFileURL(doc).href}#metrics-exact-definitions`;
  }
  return undefined;
}

export async function simCommand(args: SimArgs, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  let routers: string[];
  let scenarios: Scenario[];
  try {
    routers = resolveRouters(args.routers);
    scenarios = resolveScenarios(args.scenario, args);
  } catch (e) {
    throw new SimUsageError(e instanceof Error ? e.message : String(e));
  }
  if (args.json) checkOutputPath(args.json, "file");
  if (args.out) checkOutputPath(args.out, "dir");
  const errors: string[] = [];
  for (const s of scenarios) {
    const check = checkScenario(s);
    for (const w of check.warnings) process.stderr.write(`system5: warning: ${w}\n`);
    errors.push(...check.errors);
  }
  if (errors.length > 0) throw new SimUsageError(errors.join("; "));
  if (args.routers === undefined && !routerEntry("system5"))
    process.stderr.write("system5: note: the System 5 router is not plugged in yet; running the baselines only\n");
  const tasks = makeTasks(scenarios, routers, args.seed, args.seeds, args.breakdown === true);
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
  for (const line of settingsLines(rows)) out.write(`${line}\n`);
  const breakdown = formatBreakdown(rows);
  if (breakdown) out.write(`\n${breakdown}\n`);
  if (routers.some((r) => r.startsWith("meshcore"))) out.write(`\n${repeaterNote(scenarios)}\n`);
  const internet = internetTable(rows);
  if (internet) out.write(`\n${internet}\n`);
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
      resultsHtml(rows, "System 5 LoRa mesh simulator", `${scenarios.length} scenario(s), routers ${routers.join(", ")}, ${seedsText}.${routers.some((r) => r.startsWith("meshcore")) ? ` ${repeaterNote(scenarios)}` : ""}`, { metricsHref: metricsHref() }),
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
    String(builtinNumber(i) ?? ""),
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
    .option("--breakdown", "also tally window airtime by frame kind and by origin or relay (table, JSON, report)")
    .action(async (opts: SimArgs) => {
      try {
        await simCommand(opts);
      } catch (e) {
        if (e instanceof SimUsageError) program.error(`system5: ${e.message}`, { exitCode: 2 });
        throw e;
      }
    });
  program
    .command("scenarios")
    .description("list the built-in simulator scenarios with their node counts")
    .action(() => scenariosCommand());
}
