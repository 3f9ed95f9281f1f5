// Console properties (fast-check). Example cases are in host-tests/shared/console.cases.ts
// (Node and XS).
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Console } from "../../src/app/console";
import { isUnicastId } from "../../src/core/station";
import { fakeHost } from "../shared/console.cases";

describe("console properties", () => {
  test("random bytes never throw, never send to a reserved id, and input always ends at a prompt", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 30 }), (chunks) => {
        const { host, log } = fakeHost();
        let out = "";
        const con = new Console({ host, write: (s) => (out += s), maxLine: 48 });
        for (const c of chunks) con.push(c);
        con.push(Uint8Array.of(0x0d));
        expect(out.endsWith("> ")).toBe(true);
        expect(log.sent.every((s) => isUnicastId(s.dst))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  test("any typed command line gets either a result or exactly one error line", () => {
    const words = fc.constantFrom("send", "broadcast", "get", "set", "status", "routes", "help", "neighbors", "zap", "0a1b2c3d", "12", "!", "txpower", "99", "x y");
    fc.assert(
      fc.property(fc.array(words, { minLength: 1, maxLength: 4 }), (parts) => {
        const { host } = fakeHost();
        let out = "";
        const con = new Console({ host, write: (s) => (out += s), echo: false });
        con.push(new TextEncoder().encode(parts.join(" ") + "\r"));
        const errors = out.split("\r\n").filter((l) => l.startsWith("error: "));
        expect(errors.length).toBeLessThanOrEqual(1);
        expect(out.endsWith("> ")).toBe(true);
        expect(out.length).toBeGreaterThan(2);
      }),
      { numRuns: 1000 },
    );
  });
});
