// Runs a scenario entry on the XS engine (xsnap, XS 13): bundles it with esbuild into a classic
// script and returns the JSON it printed after `marker`. The entries are ES2022-only modules that
// print(`${marker} ${JSON.stringify(result)}`), so the result can be compared with a Node run.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import * as esbuild from "esbuild";
import { expect } from "vitest";
// @ts-expect-error: plain ESM helper without type declarations
import { xsnapBinary } from "../../scripts/xs.mjs";

export async function runOnXs(entry: string, marker: string): Promise<unknown> {
  const root = path.resolve(__dirname, "../..");
  const outDir = path.join(root, ".cache/xs");
  mkdirSync(outDir, { recursive: true });
  const bundle = path.join(outDir, `${path.basename(entry, ".ts")}.js`);
  await esbuild.build({
    entryPoints: [path.join(__dirname, entry)],
    bundle: true,
    format: "iife",
    target: "es2022",
    platform: "neutral",
    outfile: bundle,
    logLevel: "warning",
  });
  const run = spawnSync((xsnapBinary as (o: { quiet: boolean }) => string)({ quiet: true }), [bundle], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  expect(run.status, run.stderr).toBe(0);
  const line = run.stdout.split("\n").find((l) => l.startsWith(`${marker} `));
  expect(line, run.stdout).toBeDefined();
  return JSON.parse(line!.slice(marker.length + 1));
}
