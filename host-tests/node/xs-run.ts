// Runs a scenario entry on the XS engine (xsnap, XS 13; scripts/xs.mjs) and returns the JSON it
// printed after `marker`. The entries are ES2022-only modules that
// print(`${marker} ${JSON.stringify(result)}`), so the result can be compared with a Node run.
import path from "node:path";
import { expect } from "vitest";
// @ts-expect-error: plain ESM helper without type declarations
import { runBundledOnXs } from "../../scripts/xs.mjs";

type Run = { status: number | null; stdout: string; stderr: string };

export async function runOnXs(entry: string, marker: string): Promise<unknown> {
  const run = (await (runBundledOnXs as (e: string, o: { quiet: boolean }) => Promise<Run>)(path.join(__dirname, entry), { quiet: true })) as Run;
  expect(run.status, run.stderr).toBe(0);
  const line = run.stdout.split("\n").find((l) => l.startsWith(`${marker} `));
  expect(line, run.stdout).toBeDefined();
  return JSON.parse(line!.slice(marker.length + 1));
}
