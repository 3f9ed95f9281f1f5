// Observable Plot (and the d3 modules it uses) as one minified browser script defining the
// global `Plot`, bundled by esbuild from node_modules when a report is written, so the HTML report
// carries its charting library inline and opens offline, with nothing fetched. Built once per
// process (about half a second).
import { createRequire } from "node:module";
import * as esbuild from "esbuild";

let cached: string | undefined;

export function plotLibrary(): string {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  const entry = require.resolve("@observablehq/plot");
  const result = esbuild.buildSync({
    stdin: { contents: `export * from ${JSON.stringify(entry)};`, resolveDir: process.cwd(), loader: "js" },
    bundle: true,
    format: "iife",
    globalName: "Plot",
    minify: true,
    platform: "browser",
    target: "es2020",
    write: false,
    logLevel: "silent",
    legalComments: "inline",
  });
  // "</script" inside the library would end the inline script early.
  cached = result.outputFiles[0].text.replace(/<\/script/gi, "<\\/script");
  return cached;
}
