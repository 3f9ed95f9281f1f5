// Bundles the browser view (src/view) into dist/view/: the simulator and core as a Web Worker
// script, inlined as source into the page script (a Blob worker also starts from file://), plus
// the page's HTML and CSS. No CDN: every asset is in these three files.
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export async function buildView({ quiet = false } = {}) {
  const common = { bundle: true, platform: "browser", target: "es2022", format: "iife", logLevel: quiet ? "error" : "warning", minify: true };
  const worker = await esbuild.build({ ...common, entryPoints: [path.join(root, "src/view/worker.ts")], write: false });
  const out = path.join(root, "dist/view");
  await mkdir(out, { recursive: true });
  await esbuild.build({
    ...common,
    entryPoints: [path.join(root, "src/view/page/main.ts")],
    outfile: path.join(out, "view.js"),
    define: { __VIEW_WORKER_SOURCE__: JSON.stringify(worker.outputFiles[0].text) },
  });
  await copyFile(path.join(root, "src/view/page/index.html"), path.join(out, "index.html"));
  await copyFile(path.join(root, "src/view/page/view.css"), path.join(out, "view.css"));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildView();
}
