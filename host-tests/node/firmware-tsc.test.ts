// The firmware's TypeScript compiled the way mcconfig compiles it (Moddable SDK 8.2.3,
// tools/mcmanifest.js TSConfigFile): one compilation per module, each with only that module as
// its root file, the SDK's typings as mcconfig sets them up (`types`: xs and global; a `paths`
// entry for every module of the build, SDK typings first, our modules over them) and mcconfig's
// compiler options under the manifest's own. Per board, because global.d.ts types the `device`
// global from "embedded:provider/builtin", which is the board's own provider: every compilation
// type-checks the provider and all it imports. tsconfig.moddable.json cannot see what this sees
// (one program over every file, its own lib and files), so a patch it carries never reaches
// mcconfig. The typings are npm @moddable/typings 5.6.0 (the SDK's folder is not on npm).
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, test } from "vitest";
// @ts-expect-error: plain ESM helper without type declarations
import * as fw from "../../scripts/firmware-build.mjs";

interface Build {
  modules: Map<string, string>;
  compilerOptions: Record<string, unknown>;
}
const { BOARDS, MCCONFIG_TS_DEFAULTS, ROOT, SDK_TS_TYPES, firmwareBuild } = fw as {
  BOARDS: readonly string[];
  MCCONFIG_TS_DEFAULTS: Record<string, unknown>;
  ROOT: string;
  SDK_TS_TYPES: readonly string[];
  firmwareBuild: (board: string) => Build;
};

const TYPINGS = path.join(ROOT, "node_modules/@moddable/typings");

/** examples/manifest_typings.json: module-name prefix → typings folder ("" = the folder's top level). */
const TYPINGS_MAP: ReadonlyArray<readonly [string, string]> = [
  ["", ""],
  ["", "ble"],
  ["commodetto/", "commodetto"],
  ["dns/", "dns"],
  ["mc/", "mc"],
  ["mod/", "mod"],
  ["pins/", "pins"],
  ["piu/", "piu"],
  ["text/", "text"],
  ["embedded:io/", "embedded_io"],
  ["embedded:network/", "embedded_network"],
  ["embedded:", "embedded"],
  ["embedded:storage/", "embedded/storage"],
  // platforms["..."] (every platform but pebble, so esp32 too)
  ["embedded:provider/", "embedded_provider"],
];

function typingsPaths(): Record<string, string[]> {
  const paths: Record<string, string[]> = {};
  for (const [prefix, dir] of TYPINGS_MAP) {
    const abs = path.join(TYPINGS, dir);
    let names: string[] = [];
    try {
      names = readdirSync(abs);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.endsWith(".d.ts") || !statSync(path.join(abs, name)).isFile()) continue;
      paths[prefix + name.slice(0, -5)] = [path.join(abs, name.slice(0, -5))];
    }
  }
  return paths;
}

/** tsconfig-base.json as mcconfig writes it for this build. */
function mcconfigOptions(build: Build): ts.CompilerOptions {
  const paths = typingsPaths();
  // tsFiles after dtsFiles (our .ts over a typing of the same name); .js only where nothing else is.
  for (const [name, file] of build.modules) if (file.endsWith(".ts")) paths[name] = [file.replace(/\.ts$/, "")];
  for (const [name, file] of build.modules) if (/\.m?js$/.test(file) && !(name in paths)) paths[name] = [file.replace(/\.m?js$/, "")];
  const manifestOptions = { ...build.compilerOptions };
  const types = [...SDK_TS_TYPES.map((t) => path.join(TYPINGS, t)), ...((manifestOptions.types as string[] | undefined) ?? [])];
  delete manifestOptions.types;
  const json = { ...MCCONFIG_TS_DEFAULTS, paths, ...manifestOptions, types, rootDir: "/", outDir: path.join(ROOT, ".cache/mcconfig-tsc") };
  const { options, errors } = ts.convertCompilerOptionsFromJson(json, ROOT);
  expect(errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, "\n"))).toEqual([]);
  return options;
}

/** One compiler host for every compilation: each file is parsed once (the checker still runs per module). */
function cachingHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const cache = new Map<string, ts.SourceFile | undefined>();
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const key = `${fileName}|${typeof languageVersion === "object" ? languageVersion.languageVersion : languageVersion}`;
    if (!cache.has(key)) cache.set(key, getSourceFile(fileName, languageVersion, onError, shouldCreate));
    return cache.get(key);
  };
  return host;
}

function format(d: ts.Diagnostic): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, "\n  ");
  if (d.file === undefined || d.start === undefined) return `TS${d.code}: ${text}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${path.relative(ROOT, d.file.fileName)}(${line + 1},${character + 1}): TS${d.code}: ${text}`;
}

/** Files that shape the global scope of a program: scripts (no import/export) and `declare global` blocks. */
function globalScope(program: ts.Program): string {
  return program
    .getSourceFiles()
    .filter((f) => !ts.isExternalModule(f) || /\bdeclare\s+global\b/.test(f.text))
    .map((f) => f.fileName)
    .sort()
    .join("\n");
}

/**
 * `tsc -p <module>-tsconfig.json` for every TypeScript module of the board's build: each program
 * reports what tsc would (ts.getPreEmitDiagnostics: options, global, syntactic and semantic
 * diagnostics of every file in it). A file's diagnostics are computed once per distinct global
 * scope, since they depend on nothing else; the programs still differ in which files they hold.
 */
export function compileLikeMcconfig(board: string): { modules: number; failures: Map<string, string[]> } {
  const build = firmwareBuild(board);
  const options = mcconfigOptions(build);
  const host = cachingHost(options);
  const failures = new Map<string, string[]>();
  const perFile = new Map<string, string[]>();
  let modules = 0;
  let oldProgram: ts.Program | undefined;
  for (const [name, file] of build.modules) {
    if (!file.endsWith(".ts") || file.endsWith(".d.ts")) continue;
    modules++;
    const program = ts.createProgram({ rootNames: [file], options, host, oldProgram });
    oldProgram = program;
    const scope = globalScope(program);
    const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map(format);
    for (const sf of program.getSourceFiles()) {
      const key = `${sf.fileName}\n${scope}`;
      if (!perFile.has(key)) {
        const semantic = options.skipLibCheck && sf.isDeclarationFile ? [] : program.getSemanticDiagnostics(sf);
        perFile.set(key, [...program.getSyntacticDiagnostics(sf), ...semantic].map(format));
      }
      diagnostics.push(...(perFile.get(key) as string[]));
    }
    if (diagnostics.length > 0) failures.set(name, diagnostics);
  }
  return { modules, failures };
}

describe("the firmware's TypeScript, compiled module by module as mcconfig does", () => {
  for (const board of BOARDS) {
    test(`${board}: every module compiles against the SDK typings`, () => {
      const { modules, failures } = compileLikeMcconfig(board);
      // Our modules and the board's provider at least: an empty build would prove nothing.
      expect(modules).toBeGreaterThan(50);
      const report = [...failures].map(([name, diags]) => `${name}:\n    ${diags.join("\n    ")}`);
      expect(report, `${failures.size} of ${modules} modules fail to compile for ${board}`).toEqual([]);
    }, 240_000);
  }
});
