#!/usr/bin/env node
// `npx system5 …` launcher. It needs nothing but Node: on a fresh clone it installs the
// dependencies (npm ci) and bundles the TypeScript sources, then hands over to dist/cli.mjs.
// Later runs only rebuild when a source file is newer than the bundle.
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const say = (text) => process.stderr.write(`system5: ${text}\n`);

function mtime(p) {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

function newest(dir) {
  let best = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    best = Math.max(best, entry.isDirectory() ? newest(p) : mtime(p));
  }
  return best;
}

const { installedAsLocked } = await import(pathToFileURL(path.join(root, "scripts/install-state.mjs")).href);
const stamp = path.join(root, "node_modules/.system5-installed");
const stale = !existsSync(stamp) || mtime(stamp) < mtime(path.join(root, "package-lock.json"));
if (stale && installedAsLocked(root)) {
  spawnSync("touch", [stamp]);
} else if (stale) {
  if (lstatSync(path.join(root, "node_modules"), { throwIfNoEntry: false })?.isSymbolicLink()) {
    say("node_modules is a link to another tree and does not match package-lock.json; run npm ci where it points, or replace the link");
    process.exit(1);
  }
  say("installing dependencies (npm ci), once, about a minute…");
  // --loglevel=error: npm's warnings here are known and harmless (README "Tests": EBADENGINE for
  // amaro, a Node 22 package that @agoric/xsnap pulls in and nothing here calls); errors still show.
  const npm = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: root, stdio: ["ignore", 2, 2] });
  if (npm.status !== 0) {
    say("npm ci failed; see the messages above");
    process.exit(1);
  }
  spawnSync("touch", [stamp]);
}

const bundle = path.join(root, "dist/cli.mjs");
if (mtime(bundle) < Math.max(newest(path.join(root, "src")), mtime(path.join(root, "scripts/build.mjs")))) {
  const { buildAll } = await import(pathToFileURL(path.join(root, "scripts/build.mjs")).href);
  await buildAll({ quiet: true });
}

const { main } = await import(pathToFileURL(bundle).href);
process.exitCode = await main(process.argv.slice(2));
