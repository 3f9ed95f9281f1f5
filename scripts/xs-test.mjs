// Runs the shared test suites on the XS engine: bundle host-tests/xs/main.ts with esbuild into a
// classic script (a module that throws at load would exit 0 silently on XS 13), run it with
// xsnap, echo its output, and fail unless it printed a clean "XS: N passed, 0 failed" line.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { xsnapBinary } from "./xs.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.join(root, ".cache/xs");
mkdirSync(outDir, { recursive: true });
const bundle = path.join(outDir, "tests.js");

await esbuild.build({
  entryPoints: [path.join(root, "host-tests/xs/main.ts")],
  bundle: true,
  format: "iife",
  target: "es2022",
  platform: "neutral",
  outfile: bundle,
  logLevel: "warning",
});

const xsnap = xsnapBinary();
const run = spawnSync(xsnap, [bundle], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
process.stdout.write(run.stdout ?? "");
process.stderr.write(run.stderr ?? "");
const summary = /XS: (\d+) passed, (\d+) failed/.exec(run.stdout ?? "");
if (run.status !== 0 || summary === null || summary[2] !== "0" || summary[1] === "0") {
  process.stderr.write(`xs: test run failed (exit ${run.status}${summary ? "" : ", no summary line"})\n`);
  process.exit(1);
}
