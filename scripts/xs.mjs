// Locates (and builds on first use) the standalone XS 13 `xsnap` CLI from the sources that the
// @agoric/xsnap npm package ships. We build it ourselves with make and the system C compiler
// instead of relying on the package's postinstall (npm may skip install scripts), and without
// any network access.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const require = createRequire(import.meta.url);

export function xsnapPackageDir() {
  try {
    return path.dirname(require.resolve("@agoric/xsnap/package.json"));
  } catch {
    throw new Error("@agoric/xsnap is not installed: run `npm ci` first");
  }
}

export function xsnapBinary({ quiet = false } = {}) {
  const pkg = xsnapPackageDir();
  const bin = path.join(pkg, "moddable/build/bin/lin/release/xsnap");
  if (existsSync(bin)) return bin;
  if (process.platform !== "linux") {
    throw new Error(`building xsnap is only scripted for Linux (this is ${process.platform})`);
  }
  const makeDir = path.join(pkg, "xsnap-native/xsnap/makefiles/lin");
  if (!quiet) process.stderr.write("xs: building the XS engine (xsnap CLI) from @agoric/xsnap sources, ~20 s…\n");
  try {
    execFileSync(
      "make",
      [`MODDABLE=${path.join(pkg, "moddable")}`, "GOAL=release", 'CC=cc "-D__has_builtin(x)=1"', "-f", "xsnap.mk"],
      { cwd: makeDir, stdio: ["ignore", "ignore", "pipe"] },
    );
  } catch (e) {
    const stderr = e.stderr ? e.stderr.toString().split("\n").slice(-20).join("\n") : String(e);
    throw new Error(`building xsnap failed (needs gcc and make):\n${stderr}`);
  }
  if (!existsSync(bin)) throw new Error(`xsnap build finished but ${bin} is missing`);
  return bin;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Bundles `entry` (a TypeScript file, ES2022, no host APIs) with esbuild into a classic script in
 * .cache/xs (a module that throws at load would exit 0 silently on XS 13), runs it with xsnap
 * (after the xsnap options in `args`, e.g. ["-w", snapshot]) and returns spawnSync's result
 * (status, stdout, stderr).
 */
export async function runBundledOnXs(entry, { quiet = false, args = [] } = {}) {
  const outDir = path.join(root, ".cache/xs");
  mkdirSync(outDir, { recursive: true });
  const bundle = path.join(outDir, `${path.basename(entry).replace(/\.ts$/, "")}.js`);
  await esbuild.build({
    entryPoints: [path.resolve(root, entry)],
    bundle: true,
    format: "iife",
    target: "es2022",
    platform: "neutral",
    outfile: bundle,
    // XS 13 throws "not initialized yet" when a static field initializer names its own class
    // (@noble/curves' ed25519.js does, for ristretto255's BASE); lowered to assignments after the
    // class body it runs. The device's newer XS does not need this.
    supported: { "class-static-field": false },
    logLevel: "warning",
  });
  return spawnSync(xsnapBinary({ quiet }), [...args, bundle], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}
