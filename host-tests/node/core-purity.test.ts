// src/core is sans-I/O and must run on XS: it may import only from src/core, and may not touch
// clocks, randomness, timers, consoles or host APIs. The core tsconfig (lib es2022, no types)
// catches most of this at type-check time; this test catches what types cannot (e.g. `any`).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";

const coreDir = path.resolve(__dirname, "../../src/core");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
  );
}

const FORBIDDEN: Array<[RegExp, string]> = [
  [/\bDate\.now\b|\bnew Date\b/, "wall clock (time is passed in)"],
  [/\bMath\.random\b/, "Math.random (an Rng is passed in)"],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask)\b/, "timers (the driver calls tick)"],
  [/\bconsole\./, "console (emit a log event instead)"],
  [/\bprocess\.|\brequire\(|\bglobalThis\b|\bperformance\./, "host globals"],
  [/\b(trace|print)\(/, "XS host printing"],
  // xsl's preload freezes what module bodies build; a generator function's own prototype object is
  // left unfrozen and reported ("…prototype: not frozen", Moddable SDK 8.2.3 on heltec-v3): return
  // arrays, or take an array to fill, instead.
  [/function\s*\*|^\s*(?:(?:public|private|protected|static|readonly|async)\s+)*\*\s*#?[A-Za-z_$][\w$]*\s*[(<]/m, "a generator function (its prototype is not frozen by xsl's preload)"],
];

describe("src/core purity", () => {
  const files = sources(coreDir);
  test("there is a core to check", () => expect(files.length).toBeGreaterThan(3));
  for (const file of files) {
    test(path.relative(coreDir, file), () => {
      const text = readFileSync(file, "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/(^|[^:])\/\/.*$/gm, "$1");
      for (const m of text.matchAll(/\bfrom\s+["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']/g)) {
        const spec = m[1] ?? m[2];
        // The audited crypto libraries enter the core through one file only (security/primitives.ts),
        // and X25519 through the file that assembles it from @noble's Montgomery ladder (security/x25519.ts).
        const rel = path.relative(coreDir, file);
        if (rel === path.join("security", "primitives.ts") && /^@noble\/(hashes|ciphers|curves)\/[a-z0-9]+\.js$/.test(spec)) continue;
        if (rel === path.join("security", "x25519.ts") && /^@noble\/curves\/abstract\/(montgomery|modular)\.js$/.test(spec)) continue;
        expect(spec.startsWith("."), `${spec}: only relative imports inside src/core`).toBe(true);
        const target = path.resolve(path.dirname(file), spec);
        expect(target.startsWith(coreDir), `${spec} leaves src/core`).toBe(true);
      }
      for (const [re, what] of FORBIDDEN) expect(re.test(text), `uses ${what}`).toBe(false);
    });
  }
});
