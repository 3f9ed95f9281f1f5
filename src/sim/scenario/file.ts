// The Node-only part of scenario loading: a --scenario argument may name a JSON file on disk.
// Kept apart from builtin.ts so the simulator itself (engine, routers, built-in scenarios) also
// bundles for the browser (src/view), which reads files through the page instead.
import { readFileSync } from "node:fs";
import { findBuiltin } from "./builtin";
import { ScenarioError, parseScenario } from "./schema";
import type { Scenario } from "./schema";

/** Whether a --scenario argument names a file rather than a built-in scenario. */
export function isScenarioPath(arg: string): boolean {
  return arg.endsWith(".json") || arg.includes("/") || arg.includes("\\");
}

/** Reads and parses a scenario file; throws ScenarioError with a clear message. Returns the JSON too. */
export function readScenarioFile(arg: string): { scenario: Scenario; json: unknown } {
  let text: string;
  try {
    text = readFileSync(arg, "utf8");
  } catch (e) {
    throw new ScenarioError(`cannot read scenario file ${arg}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(`${arg}: not valid JSON (${(e as Error).message})`);
  }
  return { scenario: parseScenario(json, arg), json };
}

/**
 * Resolves a --scenario argument: a built-in name or number, or a path to a JSON file
 * (anything ending in .json or containing a slash). Throws ScenarioError with a clear message.
 */
export function loadScenario(arg: string): Scenario {
  if (isScenarioPath(arg)) return readScenarioFile(arg).scenario;
  const s = findBuiltin(arg);
  if (!s) throw new ScenarioError(`unknown scenario "${arg}"; \`system5 scenarios\` lists the built-in ones`);
  return s;
}
