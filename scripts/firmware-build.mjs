// What mcconfig (Moddable SDK 8.2.3, tools/mcmanifest.js) makes of our manifests for one board,
// without the SDK: the modules by name with their source files, the preload list in order, the
// creation sizes, the config and the TypeScript options. The checks that stand in for the SDK's
// own build (host-tests/node/firmware-*.test.ts, the bench's RAM part) all start from here.
//
// The SDK's own manifests ($(MODDABLE)/…) are not read; what they contribute to our build is
// listed below (SDK_MODULES, SDK_PRELOADS, SDK_TS_TYPES), each with the SDK file it comes from.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const BOARDS = Object.freeze(["heltec-v2", "tbeam", "heltec-v3"]);
const SOURCE_EXTENSIONS = [".ts", ".js", ".mjs", ".json"];

/**
 * SDK modules our code imports, as the device has them (securesocket: modules/crypt/tls.json;
 * sntp: modules/network/sntp/manifest.json): native-backed classes whose methods
 * cannot run at preload. `embedded:provider/builtin` is not here: for an external target
 * modules/io/manifests/esp32/manifest.json maps it to the target folder's host/provider.
 */
export const SDK_MODULES = Object.freeze([
  "timer", "time", "preference", "net", "mc/config", "wifi", "mqtt", "securesocket", "sntp",
  "embedded:io/analog", "embedded:io/digital", "embedded:io/i2c", "embedded:io/serial", "embedded:io/smbus", "embedded:io/spi",
]);

/**
 * The SDK preloads `system` (modules/io/manifests/esp32/manifest.json), which imports the board's
 * provider and installs it as `globalThis.device` (modules/io/system/system.js): the provider and
 * everything it imports run at link time too.
 */
export const SDK_PRELOADS = Object.freeze(["system"]);

/**
 * mcconfig's defaults for tsconfig-base.json (mcmanifest.js TSConfigFile.generate), under the
 * manifest's own compilerOptions. `types` comes from examples/manifest_base.json
 * ($(MODDABLE)/xs/includes/xs and $(MODDABLE)/typings/global; npm @moddable/typings ships both).
 */
export const MCCONFIG_TS_DEFAULTS = Object.freeze({
  forceConsistentCasingInFileNames: true,
  module: "preserve",
  resolveJsonModule: true,
  lib: ["es2025"],
  sourceMap: true,
  target: "es2025",
});
export const SDK_TS_TYPES = Object.freeze(["xs", "global"]);

function isObject(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function list(v) {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** A source file for a manifest path without extension (as mcconfig searches for it). */
export function sourceFile(base) {
  if (existsSync(base) && SOURCE_EXTENSIONS.some((e) => base.endsWith(e))) return base;
  for (const e of SOURCE_EXTENSIONS) if (existsSync(base + e)) return base + e;
  return undefined;
}

/**
 * The platform section of a manifest mcconfig applies for esp32/<board>: ONE section, the first
 * match of "esp32/<board>" then "esp32" (each against a name, a "head/*" or a "*\/tail"), else
 * "..." (tools/mcmanifest.js matchPlatform). A bare "esp32" section is not merged with a board's
 * own: with "esp32/tbeam" present, an "esp32" section is never read for the T-Beam.
 */
function platformSections(m, board) {
  if (!isObject(m.platforms)) return [];
  for (const partial of [`esp32/${board}`, "esp32"]) {
    for (const [n, section] of Object.entries(m.platforms)) {
      const hit = n.endsWith("/*") ? partial.startsWith(n.slice(0, -1)) : n.startsWith("*/") ? partial.endsWith(n.slice(1)) : partial === n;
      if (hit && isObject(section)) return [section];
    }
  }
  return isObject(m.platforms["..."]) ? [m.platforms["..."]] : [];
}

/**
 * The build of one board: our top-level manifest with the board's target manifest (mcconfig's
 * -p esp32:./boards/<board>), includes followed depth-first, $(…) includes skipped (SDK side).
 * Returns { modules: Map(name → absolute source), preload: [names, first declaration order],
 * declarations: every module name as often as it was declared, creation, config, compilerOptions,
 * errors }.
 */
export function firmwareBuild(board) {
  if (!BOARDS.includes(board)) throw new Error(`unknown board ${board} (one of ${BOARDS.join(", ")})`);
  const build = { board, modules: new Map(), preload: [], declarations: [], preloadDeclarations: [], creation: {}, config: {}, compilerOptions: {}, errors: [] };
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const m = JSON.parse(readFileSync(file, "utf8"));
    for (const s of [m, ...platformSections(m, board)]) {
      for (const inc of list(s.include)) if (!inc.includes("$(")) visit(path.resolve(path.dirname(file), inc));
      if (isObject(s.modules)) {
        for (const [name, value] of Object.entries(s.modules)) {
          if (name === "~") continue;
          for (const p of list(value)) {
            if (p.includes("$(")) continue;
            const base = path.resolve(path.dirname(file), p);
            const moduleName = name === "*" ? path.basename(base).replace(/\.[a-z]+$/, "") : name;
            build.declarations.push(moduleName);
            build.modules.set(moduleName, sourceFile(base) ?? base);
          }
        }
      }
      for (const p of list(s.preload)) {
        build.preloadDeclarations.push(p);
        if (!build.preload.includes(p)) build.preload.push(p);
      }
      if (isObject(s.config)) Object.assign(build.config, s.config);
      if (s.error !== undefined) build.errors.push(s.error);
      const options = s.typescript?.tsconfig?.compilerOptions;
      if (isObject(options)) Object.assign(build.compilerOptions, options);
    }
    if (isObject(m.creation)) {
      for (const [k, v] of Object.entries(m.creation)) build.creation[k] = isObject(v) && isObject(build.creation[k]) ? { ...build.creation[k], ...v } : v;
    }
  };
  visit(path.join(ROOT, "manifest.json"));
  visit(path.join(ROOT, "boards", board, "manifest.json"));
  build.modules.set("embedded:provider/builtin", path.join(ROOT, "boards", board, "host/provider.ts"));
  return build;
}

/** XS drops a trailing ".js" or ".mjs" before it looks a module up (xs/platforms/mc/xsHosts.c fxFindModule). */
export function xsSpecifier(spec) {
  return spec.replace(/\.m?js$/, "");
}

/** The module name an import of `spec` from module `importer` resolves to on the device. */
export function resolveModuleName(importer, spec) {
  if (spec.startsWith("./") || spec.startsWith("../")) return path.posix.join(path.posix.dirname(importer), xsSpecifier(spec));
  return xsSpecifier(spec);
}
