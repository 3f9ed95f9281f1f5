// The firmware's modules as xsl links them, runnable on the XS engine of the host tests (xsnap):
// every module of a board's build compiled on its own (no bundling, no tree-shaking: a module body
// runs whole, as at link time), each import pointed at the module the device would resolve it to,
// the SDK's native modules replaced by stand-ins whose functions cannot run before boot, and an
// entry that removes every global a Moddable ESP32 build does not have before it imports the
// preloaded modules in the manifests' order. This is what would have caught @noble/curves/ed25519
// calling `new TextEncoder()` at load: xsl runs module bodies at link time, without that global.
import { mkdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as esbuild from "esbuild";
import { ROOT, SDK_MODULES, SDK_PRELOADS, firmwareBuild, resolveModuleName } from "./firmware-build.mjs";
import { xsnapBinary } from "./xs.mjs";
import { spawnSync } from "node:child_process";

/**
 * The globals of XS on a Moddable device: the ECMAScript built-ins (no Intl), XS's own
 * (trace, harden, lockdown, Compartment, ModuleSource) and what the SDK's preloaded `system`
 * module installs (device, System). Nothing else: no TextEncoder/TextDecoder, console, timers,
 * queueMicrotask, structuredClone, crypto, Base64 or print (those are modules, or absent).
 */
export const DEVICE_GLOBALS = Object.freeze([
  "globalThis", "Infinity", "NaN", "undefined", "eval", "isFinite", "isNaN", "parseFloat", "parseInt",
  "decodeURI", "decodeURIComponent", "encodeURI", "encodeURIComponent", "escape", "unescape",
  "AggregateError", "Array", "ArrayBuffer", "Atomics", "BigInt", "BigInt64Array", "BigUint64Array", "Boolean",
  "DataView", "Date", "Error", "EvalError", "FinalizationRegistry", "Float16Array", "Float32Array", "Float64Array",
  "Function", "Int8Array", "Int16Array", "Int32Array", "Iterator", "JSON", "Map", "Math", "Number", "Object",
  "Promise", "Proxy", "RangeError", "ReferenceError", "Reflect", "RegExp", "Set", "SharedArrayBuffer", "String",
  "Symbol", "SyntaxError", "TypeError", "Uint8Array", "Uint8ClampedArray", "Uint16Array", "Uint32Array",
  "URIError", "WeakMap", "WeakRef", "WeakSet",
  "trace", "harden", "lockdown", "Compartment", "ModuleSource",
  "device", "System",
]);

/** File name of a module in the image (module names may hold ":"). */
function fileOf(name) {
  return `${name.replace(/:/g, "_")}.mjs`;
}

function relativeImport(fromName, toName) {
  const rel = path.posix.relative(path.posix.dirname(fileOf(fromName)), fileOf(toName));
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/**
 * A native-backed SDK module before boot: reading properties works (they are more stand-ins),
 * calling or constructing anything throws, as native code cannot run during xsl's preload.
 */
const NATIVE_STUB = `const native = (name) => new Proxy(function () {}, {
  get(target, key) {
    if (key === Symbol.toPrimitive || key === "then") return undefined;
    return native(name + "." + String(key));
  },
  apply() { throw new Error(name + "(): native code cannot run at preload"); },
  construct() { throw new Error("new " + name + "(): native code cannot run at preload"); },
});
export default native;
`;

/**
 * Writes the image of `board` to `outDir` and returns { outDir, preload, entry }: `entry` is a
 * classic script that strips the globals, imports every preloaded module in order and prints
 * "PRELOAD OK" or "PRELOAD FAIL <module>: <error>".
 */
export async function writeDeviceImage(board, outDir = path.join(ROOT, ".cache/device-image", board)) {
  const build = firmwareBuild(board);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  // esbuild names importers by their real path (node_modules may be a link).
  const real = (file) => {
    try {
      return realpathSync(file);
    } catch {
      return file;
    }
  };
  const nameOf = new Map([...build.modules].map(([name, file]) => [real(file), name]));
  const problems = [];
  const sdkUsed = new Set();
  await esbuild.build({
    entryPoints: [...build.modules].filter(([, file]) => /\.(ts|m?js)$/.test(file) && !file.endsWith(".d.ts")).map(([name, file]) => ({ in: file, out: fileOf(name).replace(/\.mjs$/, "") })),
    outdir: outDir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    treeShaking: false,
    ignoreAnnotations: true,
    format: "esm",
    target: "es2022",
    platform: "neutral",
    // tsc under verbatimModuleSyntax (our manifest) keeps every value import as written.
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
    supported: { "class-static-field": false },
    logLevel: "error",
    plugins: [
      {
        name: "device-modules",
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind === "entry-point") return undefined;
            const importer = nameOf.get(real(args.importer));
            if (importer === undefined) {
              problems.push(`${args.importer} is not a module of the ${board} build`);
              return { path: args.path, external: true };
            }
            const target = resolveModuleName(importer, args.path);
            if (SDK_MODULES.includes(target)) {
              sdkUsed.add(target);
              return { path: relativeImport(importer, `sdk/${target}`), external: true };
            }
            if (!build.modules.has(target)) {
              problems.push(`${importer}: "${args.path}" → module "${target}" is not in the ${board} build`);
              return { path: args.path, external: true };
            }
            return { path: relativeImport(importer, target), external: true };
          });
        },
      },
    ],
  });
  if (problems.length > 0) throw new Error([...new Set(problems)].join("\n"));
  // SDK stand-ins.
  mkdirSync(path.join(outDir, "sdk/embedded_io"), { recursive: true });
  writeFileSync(path.join(outDir, "sdk/native.mjs"), NATIVE_STUB);
  for (const name of sdkUsed) {
    const file = path.join(outDir, fileOf(`sdk/${name}`));
    mkdirSync(path.dirname(file), { recursive: true });
    const native = relativeImport(`sdk/${name}`, "sdk/native");
    const body = name === "mc/config" ? `export default Object.freeze(${JSON.stringify(build.config)});\n` : `import native from "${native}";\nexport default native(${JSON.stringify(name)});\n`;
    writeFileSync(file, body);
  }
  // modules/io/system/system.js: the provider becomes the `device` global (frozen).
  writeFileSync(
    path.join(outDir, fileOf("system")),
    `import device from "./${fileOf("embedded:provider/builtin")}";\nimport native from "./sdk/native.mjs";\nglobalThis.device = Object.freeze(device);\nglobalThis.System = native("System");\n`,
  );
  const preload = [...SDK_PRELOADS, ...build.preload];
  const entry = path.join(outDir, "preload.js");
  writeFileSync(
    entry,
    `// xsl's link step, on xsnap: only the device's globals, then every preloaded module in order.
const report = print;
const fail = setImmediate;
const keep = new Set(${JSON.stringify(DEVICE_GLOBALS)});
for (const name of Object.getOwnPropertyNames(globalThis)) if (!keep.has(name)) delete globalThis[name];
const preload = ${JSON.stringify(preload.map((name) => [name, `./${fileOf(name)}`]))};
(async () => {
  for (const [name, file] of preload) {
    try {
      await import(file);
    } catch (e) {
      const stack = e && typeof e.stack === "string" ? e.stack.split("\\n").slice(1, 6).join(" ") : "";
      throw new Error(name + ": " + (e && e.name ? e.name + ": " + e.message : String(e)) + (stack ? " " + stack : ""));
    }
  }
})().then(
  () => report("PRELOAD OK " + preload.length),
  (e) => { report("PRELOAD FAIL " + e.message); fail(() => { throw e; }); },
);
`,
  );
  return { outDir, preload, entry };
}

/** Runs the preload of `board` on xsnap: { ok, status, stdout, stderr, preload }. */
export async function runDevicePreload(board, { quiet = true } = {}) {
  const image = await writeDeviceImage(board);
  const run = spawnSync(xsnapBinary({ quiet }), [image.entry], { encoding: "utf8", cwd: image.outDir, maxBuffer: 16 * 1024 * 1024 });
  const ok = run.status === 0 && /^PRELOAD OK \d+$/m.test(run.stdout ?? "");
  return { ok, status: run.status, stdout: run.stdout ?? "", stderr: run.stderr ?? "", preload: image.preload };
}
