// The launcher (bin/system5.mjs) runs npm ci only when node_modules does not hold what
// package-lock.json asks for; npm ci empties node_modules first, so a needless run costs a
// minute and, through a linked node_modules, another tree's install.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { installedAsLocked } from "../../scripts/install-state.mjs";

const repo = path.resolve(__dirname, "../..");

function tree(locked: Record<string, object>, installed: Record<string, object> | undefined): string {
  const root = mkdtempSync(path.join(tmpdir(), "system5-launcher-"));
  writeFileSync(path.join(root, "package-lock.json"), JSON.stringify({ packages: { "": { name: "x" }, ...locked } }));
  mkdirSync(path.join(root, "node_modules"));
  if (installed) writeFileSync(path.join(root, "node_modules/.package-lock.json"), JSON.stringify({ packages: installed }));
  return root;
}

const a = { "node_modules/a": { version: "1.0.0" } };
const optional = { "node_modules/@esbuild/win32-x64": { version: "0.2.0", optional: true } };

describe("launcher install check", () => {
  test("a tree installed at the locked versions needs no npm ci, platform packages for others aside", () => {
    expect(installedAsLocked(tree({ ...a, ...optional }, a))).toBe(true);
  });
  test("a missing package, another version, a package the lock no longer names, or no npm record: reinstall", () => {
    expect(installedAsLocked(tree({ ...a, "node_modules/b": { version: "2.0.0" } }, a))).toBe(false);
    expect(installedAsLocked(tree(a, { "node_modules/a": { version: "1.0.1" } }))).toBe(false);
    expect(installedAsLocked(tree(a, { ...a, "node_modules/old": { version: "0.1.0" } }))).toBe(false);
    expect(installedAsLocked(tree(a, undefined))).toBe(false);
  });
  test("a stale linked node_modules is refused with a message, not emptied by npm ci", () => {
    const root = mkdtempSync(path.join(tmpdir(), "system5-launcher-"));
    mkdirSync(path.join(root, "bin"));
    mkdirSync(path.join(root, "scripts"));
    copyFileSync(path.join(repo, "bin/system5.mjs"), path.join(root, "bin/system5.mjs"));
    copyFileSync(path.join(repo, "scripts/install-state.mjs"), path.join(root, "scripts/install-state.mjs"));
    const elsewhere = tree(a, { "node_modules/a": { version: "0.9.0" } });
    writeFileSync(path.join(elsewhere, "node_modules/.system5-installed"), "");
    utimesSync(path.join(elsewhere, "node_modules/.system5-installed"), 1, 1);
    writeFileSync(path.join(root, "package-lock.json"), JSON.stringify({ packages: { "": {}, ...a } }));
    symlinkSync(path.join(elsewhere, "node_modules"), path.join(root, "node_modules"));
    const run = spawnSync(process.execPath, [path.join(root, "bin/system5.mjs"), "--version"], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/node_modules is a link to another tree/);
    expect(run.stderr).not.toMatch(/installing dependencies/);
  });
});
