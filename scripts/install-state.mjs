// Whether node_modules already holds what package-lock.json asks for; bin/system5.mjs asks before
// it runs npm ci. Plain Node, no dependencies: it runs before anything is installed.
import { readFileSync } from "node:fs";
import path from "node:path";

// What npm ci would install is already there when every package the lock file names (optional
// ones for other platforms aside) is installed at its locked version, as npm's own record of the
// tree (node_modules/.package-lock.json) says. A checkout that only touched package-lock.json, or
// a node_modules copied from another clone, then needs no reinstall: npm ci deletes node_modules
// first, and a linked or shared one would be emptied for nothing.
export function installedAsLocked(root) {
  try {
    const locked = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8")).packages ?? {};
    const installed = JSON.parse(readFileSync(path.join(root, "node_modules/.package-lock.json"), "utf8")).packages ?? {};
    for (const [where, entry] of Object.entries(locked)) {
      if (where === "") continue;
      const have = installed[where];
      if (have === undefined ? !entry.optional : have.version !== entry.version) return false;
    }
    return Object.keys(installed).every((where) => where in locked);
  } catch {
    return false;
  }
}

