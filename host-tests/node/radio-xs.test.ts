// The drivers run unchanged on XS: the same scenario (both drivers on their emulators, the air and
// the virtual clock) runs under xsnap (XS 13, what the project's XS tests use) and must give
// exactly the result it gives on Node.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import * as esbuild from "esbuild";
import { expect, test } from "vitest";
import { runScenario } from "./radio-scenario";
// @ts-expect-error: plain ESM helper without type declarations
import { xsnapBinary } from "../../scripts/xs.mjs";

test("the radio scenario gives the same result on XS as on Node", async () => {
  const root = path.resolve(__dirname, "../..");
  const outDir = path.join(root, ".cache/xs");
  mkdirSync(outDir, { recursive: true });
  const bundle = path.join(outDir, "radio-scenario.js");
  await esbuild.build({
    entryPoints: [path.join(__dirname, "radio-scenario.xs.ts")],
    bundle: true,
    format: "iife",
    target: "es2022",
    platform: "neutral",
    outfile: bundle,
    logLevel: "warning",
  });
  const run = spawnSync((xsnapBinary as (o: { quiet: boolean }) => string)({ quiet: true }), [bundle], { encoding: "utf8" });
  expect(run.status, run.stderr).toBe(0);
  const line = run.stdout.split("\n").find((l) => l.startsWith("SCENARIO "));
  expect(line, run.stdout).toBeDefined();
  const onXs = JSON.parse(line!.slice("SCENARIO ".length));
  const onNode = runScenario();
  expect(onNode.received.length).toBeGreaterThanOrEqual(4);
  expect(onNode.cad).toEqual([false, true]);
  expect(onNode.violations).toEqual([]);
  expect(onXs).toEqual(JSON.parse(JSON.stringify(onNode)));
});
