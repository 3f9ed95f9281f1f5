// Structure of every Moddable manifest in the project, checked without the SDK: known keys and
// value shapes (moddable.md §1), referenced files exist, board targets carry creation/defines
// that match their profiles, the top-level manifest covers the three targets, and every module
// a build links can resolve its imports to a registered module (so the device build does not
// fail on a missing registration or a relative import that leaves the "system5/" naming),
// including every JavaScript module of the @noble libraries the security layer links, followed
// through their own imports.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, test } from "vitest";
import { BOARD_NAMES, BOARD_PROFILES } from "../../boards";

const root = path.resolve(__dirname, "../..");

/**
 * Modules another branch is adding right now. Referencing them is allowed while they are
 * missing; once they exist the test below fails until the entry is removed, so this list
 * empties itself at merge time.
 */
const PENDING_FROM_OTHER_BRANCHES: string[] = [];

/** Built-in module specifiers the SDK provides (moddable.md §3, §7) that our code imports. */
const SDK_MODULES = [/^embedded:io\/[a-z]+$/, /^embedded:provider\/builtin$/, /^timer$/, /^time$/, /^preference$/, /^net$/, /^mc\/config$/, /^wifi$/, /^mqtt$/, /^securesocket$/, /^sntp$/];

const TOP_KEYS = new Set([
  "build", "include", "creation", "defines", "config", "modules", "preload", "resources", "data",
  "platforms", "strip", "typescript", "commonjs", "recipes", "run", "bundle", "ble", "ffi", "dependency",
]);
const PLATFORM_KEYS = new Set(["include", "modules", "preload", "resources", "data", "defines", "config", "error", "warning", "dependency", "recipes", "build"]);
const CREATION_KEYS = new Set(["static", "chunk", "heap", "stack", "keys", "parser", "main"]);
const SOURCE_EXTENSIONS = [".ts", ".js", ".mjs", ".c", ".cc", ".cpp", ".h", ".json", ".d.ts"];
const BUILD_VARIABLES = new Set(["MODDABLE", "MODULES", "BUILD", "TYPINGS", "SUBPLATFORM", "SUBPLATFORMDIRECTORY", "PLATFORM"]);

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type Manifest = Record<string, Json>;

function manifestFiles(dir: string): string[] {
  const skip = new Set(["node_modules", ".git", "out", "dist", ".cache"]);
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (skip.has(e.name)) return [];
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return manifestFiles(p);
    return e.name === "manifest.json" ? [p] : [];
  });
}

function load(file: string): Manifest {
  return JSON.parse(readFileSync(file, "utf8")) as Manifest;
}

function list(v: Json | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]) as string[];
}

function isObject(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Resolves a manifest path: relative to the manifest, undefined for $(VAR) paths (SDK side). */
function local(fromFile: string, p: string): string | undefined {
  const vars = [...p.matchAll(/\$\(([A-Z_]+)\)/g)].map((m) => m[1]);
  for (const v of vars) expect(BUILD_VARIABLES.has(v), `${fromFile}: unknown build variable $(${v})`).toBe(true);
  if (vars.length > 0) return undefined;
  return path.resolve(path.dirname(fromFile), p);
}

function sourceFile(base: string): string | undefined {
  if (SOURCE_EXTENSIONS.some((e) => base.endsWith(e)) && existsSync(base)) return base;
  for (const e of SOURCE_EXTENSIONS) if (existsSync(base + e)) return base + e;
  return undefined;
}

function isPending(file: string): boolean {
  return PENDING_FROM_OTHER_BRANCHES.some((p) => path.resolve(root, p) === path.resolve(file + ".ts") || path.resolve(root, p) === file);
}

/** Module name → source file, merged over relative includes and the given platform sections. */
interface Build {
  modules: Map<string, string | undefined>;
  preload: Set<string>;
  creation: Record<string, Json>;
  /** Every module registration and preload entry met, in order, repeats kept. */
  registered: string[];
  preloaded: string[];
}

function collect(file: string, platforms: readonly string[], into: Build = { modules: new Map(), preload: new Set(), creation: {}, registered: [], preloaded: [] }, seen = new Set<string>()): Build {
  if (seen.has(file)) return into;
  seen.add(file);
  const m = load(file);
  const sections: Array<{ [k: string]: Json }> = [m];
  if (isObject(m.platforms)) for (const p of platforms) if (isObject(m.platforms[p])) sections.push(m.platforms[p] as { [k: string]: Json });
  for (const s of sections) {
    for (const inc of list(s.include)) {
      const target = local(file, inc);
      if (target !== undefined) collect(target, platforms, into, seen);
    }
    if (isObject(s.modules)) {
      for (const [name, value] of Object.entries(s.modules)) {
        if (name === "*" || name === "~") continue;
        const target = local(file, value as string);
        into.modules.set(name, target === undefined ? undefined : sourceFile(target) ?? target);
        into.registered.push(name);
      }
    }
    for (const p of list(s.preload)) {
      into.preload.add(p);
      into.preloaded.push(p);
    }
  }
  if (isObject(m.creation)) Object.assign(into.creation, m.creation);
  return into;
}

/** Runtime imports and re-exports of a TS or JS module (type-only ones are erased by tsc). */
function runtimeImports(file: string): string[] {
  // Comments out first: JSDoc in the @noble sources shows `import … from` examples.
  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?([\s\S]*?)\s*from\s*["']([^"']+)["']/gm)) {
    if (m[1] !== undefined) continue;
    const clause = m[2].trim();
    // `import { type A, type B } from` is type-only too.
    const named = /^\{([\s\S]*)\}$/.exec(clause);
    if (named !== null && named[1].split(",").every((n) => n.trim() === "" || n.trim().startsWith("type "))) continue;
    out.push(m[3]);
  }
  for (const m of text.matchAll(/^\s*import\s*["']([^"']+)["']/gm)) out.push(m[1]);
  return out;
}

/** XS drops a trailing ".js" or ".mjs" from a specifier before it looks the module up (xsHosts.c fxFindModule). */
function xsSpecifier(spec: string): string {
  return spec.replace(/\.m?js$/, "");
}

/** The @noble packages the core may import (src/core/security/primitives.ts). */
const NOBLE = /^@noble\/(hashes|ciphers|curves)\//;

/** The file Node's resolver picks for a bare "@noble/<pkg>/<sub>" (the package's "exports"). */
function nobleFile(spec: string): string {
  const m = /^(@noble\/[a-z]+)\/(.+)$/.exec(spec);
  if (m === null) throw new Error(`not a @noble subpath: ${spec}`);
  const dir = path.join(root, "node_modules", m[1]);
  const exports = (JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { exports: Record<string, string | { default: string }> }).exports;
  const target = exports[`./${m[2]}`];
  if (target === undefined) throw new Error(`${m[1]} exports no "./${m[2]}"`);
  return path.join(dir, typeof target === "string" ? target : target.default);
}

/**
 * Module name → file of every module the @noble imports of `entry` pull in, as XS names them:
 * a bare specifier minus ".js", a relative one resolved against its importer's name.
 */
function nobleGraph(entry: string): Map<string, string> {
  const graph = new Map<string, string>();
  const visit = (name: string, file: string): void => {
    if (graph.has(name)) return;
    graph.set(name, file);
    for (const spec of runtimeImports(file)) {
      if (spec.startsWith(".")) visit(path.posix.join(path.posix.dirname(name), xsSpecifier(spec)), path.resolve(path.dirname(file), spec));
      else visit(xsSpecifier(spec), nobleFile(spec));
    }
  };
  for (const spec of runtimeImports(entry)) if (NOBLE.test(spec)) visit(xsSpecifier(spec), nobleFile(spec));
  return graph;
}

const manifests = manifestFiles(root);
const top = path.join(root, "manifest.json");

describe("manifest structure", () => {
  test("the project has its manifests", () => {
    const rel = manifests.map((f) => path.relative(root, f)).sort();
    for (const want of ["manifest.json", "boards/common/manifest.json", "drivers/axp192/manifest.json", ...BOARD_NAMES.map((b) => `boards/${b}/manifest.json`)]) {
      expect(rel).toContain(want);
    }
  });

  for (const file of manifests) {
    describe(path.relative(root, file), () => {
      const m = load(file);

      test("only known keys, with the right shapes", () => {
        for (const k of Object.keys(m)) expect(TOP_KEYS.has(k), `unknown key "${k}"`).toBe(true);
        for (const inc of list(m.include)) expect(typeof inc).toBe("string");
        if (m.modules !== undefined) {
          expect(isObject(m.modules)).toBe(true);
          for (const v of Object.values(m.modules as object)) expect(typeof v === "string" || Array.isArray(v)).toBe(true);
        }
        if (m.platforms !== undefined) {
          expect(isObject(m.platforms)).toBe(true);
          for (const [name, section] of Object.entries(m.platforms as object)) {
            expect(isObject(section as Json), `platform ${name}`).toBe(true);
            for (const k of Object.keys(section as object)) expect(PLATFORM_KEYS.has(k), `platform ${name}: unknown key "${k}"`).toBe(true);
          }
        }
        if (m.creation !== undefined) {
          for (const k of Object.keys(m.creation as object)) expect(CREATION_KEYS.has(k), `creation.${k}`).toBe(true);
        }
      });

      test("every local file it references exists (or is pending from another branch)", () => {
        const sections: Array<{ [k: string]: Json }> = [m, ...(isObject(m.platforms) ? (Object.values(m.platforms) as Array<{ [k: string]: Json }>) : [])];
        for (const s of sections) {
          for (const inc of list(s.include)) {
            const target = local(file, inc);
            if (target !== undefined) expect(existsSync(target), `include ${inc}`).toBe(true);
          }
          if (isObject(s.modules)) {
            for (const [name, value] of Object.entries(s.modules)) {
              for (const v of list(value)) {
                const target = local(file, v);
                if (target === undefined) continue;
                if (v.endsWith("*")) expect(statSync(path.dirname(target)).isDirectory(), `${name}: ${v}`).toBe(true);
                else expect(sourceFile(target) !== undefined || isPending(target), `${name}: ${v} has no source file`).toBe(true);
              }
            }
          }
        }
      });

      test("our module names are \"system5/\" + the repository path of their source", () => {
        if (!isObject(m.modules)) return;
        for (const [name, value] of Object.entries(m.modules)) {
          if (!name.startsWith("system5/") || name === "system5/board-profile") continue;
          const target = local(file, value as string) as string;
          expect(path.relative(root, target), name).toBe(name.slice("system5/".length));
        }
      });
    });
  }

  test("pending modules from other branches are still missing (remove them from the list once merged)", () => {
    for (const p of PENDING_FROM_OTHER_BRANCHES) expect(existsSync(path.join(root, p)), `${p} exists now: drop it from PENDING_FROM_OTHER_BRANCHES`).toBe(false);
  });
});

describe("board targets", () => {
  test("every board folder is a target and every target has a folder", () => {
    const folders = readdirSync(path.join(root, "boards"), { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(path.join(root, "boards", e.name, "manifest.json")) && e.name !== "common")
      .map((e) => e.name)
      .sort();
    expect(folders).toEqual([...BOARD_NAMES].sort());
  });

  for (const name of BOARD_NAMES) {
    describe(name, () => {
      const file = path.join(root, "boards", name, "manifest.json");
      const m = load(file);
      const profile = BOARD_PROFILES[name];

      test("creation sizes are present and plausible for an ESP32 (slots are 16 B)", () => {
        const c = m.creation as { [k: string]: Json };
        expect(c.static).toBe(0);
        const chunk = c.chunk as { initial: number };
        const heap = c.heap as { initial: number };
        expect(chunk.initial).toBeGreaterThanOrEqual(32 * 1024);
        expect(heap.initial).toBeGreaterThanOrEqual(2048);
        expect(chunk.initial + heap.initial * 16).toBeLessThan(200 * 1024);
        expect(c.stack).toBeGreaterThanOrEqual(256);
      });

      test("defines repeat the profile's I²C and SPI pins exactly", () => {
        const d = m.defines as { i2c: { sda_pin: number; scl_pin: number }; spi: { miso_pin: number; mosi_pin: number; sck_pin: number } };
        expect(d.i2c).toEqual({ sda_pin: profile.i2c.data, scl_pin: profile.i2c.clock });
        expect(d.spi).toEqual({ miso_pin: profile.radioSpi.in, mosi_pin: profile.radioSpi.out, sck_pin: profile.radioSpi.clock });
      });

      test("ESP32_SUBCLASS matches the profile's MCU", () => {
        const subclass = isObject(m.build) ? m.build.ESP32_SUBCLASS : undefined;
        expect(subclass).toBe(profile.mcu === "esp32s3" ? "esp32s3" : undefined);
      });

      test("it has a provider, enables ECMA-419 IO and links its own profile", () => {
        expect(existsSync(path.join(root, "boards", name, "host/provider.ts"))).toBe(true);
        expect(list(m.include)).toContain("$(MODDABLE)/modules/io/manifest.json");
        expect((m.modules as Record<string, string>)["system5/board-profile"]).toBe("./profile");
        const provider = readFileSync(path.join(root, "boards", name, "host/provider.ts"), "utf8");
        for (const chip of new Set(profile.radios.map((r) => r.chip))) {
          expect(provider).toMatch(chip === "sx1276" ? /sx1276: SX127x/ : /sx1262: SX126x/);
        }
      });
    });
  }
});

describe("top-level manifest", () => {
  const m = load(top);

  test("platforms: one section per board target, a fallback error for anything else", () => {
    const platforms = m.platforms as Record<string, { [k: string]: Json }>;
    for (const b of BOARD_NAMES) expect(platforms[`esp32/${b}`], b).toBeDefined();
    expect(typeof platforms["..."].error).toBe("string");
    // mcconfig applies only the most specific matching section (mcmanifest.js matchPlatform): next
    // to the boards' own sections an "esp32" one is never read, and what it includes (the
    // gateway's network, MQTT and TLS modules once lived there) would silently be missing.
    expect(Object.keys(platforms).filter((n) => n === "esp32" || n === "esp32/*")).toEqual([]);
  });

  test("each target links the driver of every chip its board may carry, and no other", () => {
    for (const b of BOARD_NAMES) {
      const build = collect(top, ["esp32", `esp32/${b}`]);
      const linked = [...build.modules.keys()].filter((name) => /^system5\/drivers\/sx12[67]x\/sx12[67]x$/.test(name));
      const want = [...new Set(BOARD_PROFILES[b].radios.map((r) => (r.chip === "sx1276" ? "system5/drivers/sx127x/sx127x" : "system5/drivers/sx126x/sx126x")))];
      expect(linked.sort(), b).toEqual(want.sort());
    }
  });

  test("every module name in every manifest follows the one rule: \"system5/\" + repository path (@noble: package path)", () => {
    for (const file of manifests) {
      const m = load(file);
      const sections = [m, ...(isObject(m.platforms) ? (Object.values(m.platforms) as Array<{ [k: string]: Json }>) : [])];
      for (const s of sections) {
        if (!isObject(s.modules)) continue;
        for (const [name, value] of Object.entries(s.modules)) {
          // The one exception: the @noble libraries keep their package names, mapped into node_modules.
          if (NOBLE.test(name)) expect(value, name).toBe(`./node_modules/${name}`);
          else expect(name, path.relative(root, file)).toMatch(/^system5\//);
        }
      }
    }
  });

  test("no module of ours in a board's build declares a TypeScript enum (tsc emits a mutable `var` that xsl keeps in RAM)", () => {
    // xsl warns "no const" / "not frozen" for every enum: it is an object built at run time. Our
    // tables are frozen objects instead (e.g. src/app/console.ts `Esc`, src/app/api-frame.ts `State`).
    const found: string[] = [];
    for (const b of BOARD_NAMES) {
      for (const [name, file] of collect(top, ["esp32", `esp32/${b}`]).modules) {
        if (!name.startsWith("system5/") || file === undefined || !file.endsWith(".ts")) continue;
        const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022);
        for (const st of source.statements) if (ts.isEnumDeclaration(st)) found.push(`${path.relative(root, file)}: enum ${st.name.text}`);
      }
    }
    expect([...new Set(found)]).toEqual([]);
  });

  test("no module of ours in a board's build keeps a module-level array or object literal unfrozen (xsl warns \"not frozen\" and keeps it in RAM)", () => {
    // xsl's preload freezes nothing itself: a table left mutable at link time stays in RAM and
    // xsl says "not frozen" (it did for flooding.ts UNECHOED_KINDS). Tables are Object.freeze(…).
    const unwrap = (e: ts.Expression): ts.Expression => (ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isParenthesizedExpression(e) ? unwrap(e.expression) : e);
    const found: string[] = [];
    for (const b of BOARD_NAMES) {
      for (const [name, file] of collect(top, ["esp32", `esp32/${b}`]).modules) {
        if (!name.startsWith("system5/") || file === undefined || !file.endsWith(".ts")) continue;
        const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022);
        for (const st of source.statements) {
          if (!ts.isVariableStatement(st)) continue;
          for (const d of st.declarationList.declarations) {
            const init = d.initializer === undefined ? undefined : unwrap(d.initializer);
            if (init !== undefined && (ts.isArrayLiteralExpression(init) || ts.isObjectLiteralExpression(init))) found.push(`${path.relative(root, file)}: ${d.name.getText(source)}`);
          }
        }
      }
    }
    expect([...new Set(found)]).toEqual([]);
  });

  test("the TypeScript options are valid compiler options and strict", () => {
    const options = ((m.typescript as { tsconfig: { compilerOptions: object } }).tsconfig.compilerOptions ?? {}) as Record<string, unknown>;
    const { errors } = ts.convertCompilerOptionsFromJson(options, root);
    expect(errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, "\n"))).toEqual([]);
    expect(options.strict).toBe(true);
    // mcconfig supplies module "preserve" and its paths map; overriding them would break the build.
    for (const k of ["module", "moduleResolution", "paths", "outDir", "rootDir"]) expect(options[k], k).toBeUndefined();
  });

  test("no module is registered or preloaded twice in a board's build (mcconfig would list it twice)", () => {
    for (const board of BOARD_NAMES) {
      const platforms = ["esp32", `esp32/${board}`];
      const seen = new Set<string>();
      const build = collect(top, platforms, undefined, seen);
      collect(path.join(root, "boards", board, "manifest.json"), platforms, build, seen);
      const twice = (xs: string[]) => xs.filter((x, i) => xs.indexOf(x) !== i);
      expect(twice(build.registered), `${board}: modules registered twice`).toEqual([]);
      expect(twice(build.preloaded), `${board}: modules preloaded twice`).toEqual([]);
    }
  });

  for (const board of BOARD_NAMES) {
    test(`${board}: main is registered, preloads are registered, every runtime import resolves`, () => {
      const platforms = ["esp32", `esp32/${board}`];
      const build = collect(top, platforms);
      collect(path.join(root, "boards", board, "manifest.json"), platforms, build);
      const main = (load(top).creation as { main: string }).main;
      expect(build.modules.has(main), `creation.main ${main}`).toBe(true);
      for (const p of build.preload) expect(build.modules.has(p), `preload ${p}`).toBe(true);
      // The SDK-side main is not preloaded: it touches hardware at start-up.
      expect(build.preload.has(main)).toBe(false);

      const byFile = new Map<string, string>();
      for (const [name, file] of build.modules) if (file !== undefined) byFile.set(file, name);
      const providerFile = path.join(root, "boards", board, "host/provider.ts");
      const sources: Array<[string, string]> = [["embedded:provider/builtin", providerFile]];
      for (const [name, file] of build.modules) if (file?.endsWith(".ts") && existsSync(file)) sources.push([name, file]);
      for (const [name, file] of sources) {
        for (const spec of runtimeImports(file)) {
          if (spec.startsWith(".")) {
            // XS resolves a relative specifier against the importer's module name.
            const resolved = path.posix.join(path.posix.dirname(name), xsSpecifier(spec));
            const target = sourceFile(path.resolve(path.dirname(file), spec));
            expect(target, `${name}: ${spec} has no source`).toBeDefined();
            expect(build.modules.get(resolved), `${name}: "${spec}" → module "${resolved}" is not registered for ${board}`).toBe(target);
          } else if (!SDK_MODULES.some((re) => re.test(spec))) {
            expect(build.modules.has(xsSpecifier(spec)), `${name}: "${spec}" is not registered for ${board}`).toBe(true);
          }
        }
      }
    });
  }

  test("every JavaScript module the @noble imports of primitives.ts and x25519.ts pull in is registered, to the file Node resolves, and preloaded", () => {
    const graph = new Map([
      ...nobleGraph(path.join(root, "src/core/security/primitives.ts")),
      ...nobleGraph(path.join(root, "src/core/security/x25519.ts")),
    ]);
    // The entry points and at least their shared utilities: an empty graph would prove nothing.
    for (const want of ["@noble/hashes/sha2", "@noble/hashes/utils", "@noble/ciphers/chacha", "@noble/curves/abstract/montgomery", "@noble/curves/utils"]) expect(graph.has(want), want).toBe(true);
    // Only the crypto the firmware uses: ed25519.js builds signatures, hash-to-curve, OPRF and
    // FROST at load (FROST calls `new TextEncoder()`, absent on the device: xsl cannot preload it).
    for (const unwanted of ["@noble/curves/ed25519", "@noble/curves/abstract/frost", "@noble/curves/abstract/oprf", "@noble/curves/abstract/hash-to-curve", "@noble/curves/abstract/edwards"]) {
      expect(graph.has(unwanted), unwanted).toBe(false);
    }
    for (const board of BOARD_NAMES) {
      const build = collect(top, ["esp32", `esp32/${board}`]);
      for (const [name, file] of graph) {
        expect(existsSync(file), `${name}: ${file}`).toBe(true);
        expect(build.modules.get(name), `${board}: "${name}" (${path.relative(root, file)}) is not registered in manifest.json`).toBe(file);
        // Preloaded with the core that imports them (their objects live in flash, not RAM).
        expect(build.preload.has(name), `${board}: "${name}" is not preloaded`).toBe(true);
      }
      // Nothing registered under @noble that the graph does not need (flash is not free).
      for (const name of build.modules.keys()) if (NOBLE.test(name)) expect(graph.has(name), `${name} is registered but not imported`).toBe(true);
    }
  });
});
