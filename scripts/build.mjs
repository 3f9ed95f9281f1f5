// Bundles the host programs (CLI, benchmarks, host node runner) with esbuild into dist/.
// Fast (well under a second), so the launcher runs it whenever a source file is newer.
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { buildView } from "./build-view.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export const ENTRIES = {
  cli: "src/cli/main.ts",
  bench: "src/sim/bench.ts",
  "sim-worker": "src/sim/worker.ts",
};

export async function buildAll({ quiet = false } = {}) {
  await esbuild.build({
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([k, v]) => [k, path.join(root, v)])),
    outdir: path.join(root, "dist"),
    outExtension: { ".js": ".mjs" },
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    sourcemap: "linked",
    logLevel: quiet ? "error" : "warning",
  });
  await buildView({ quiet });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildAll();
}
