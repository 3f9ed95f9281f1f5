import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { runDemo } from "../../src/demo/demo";

const root = path.resolve(__dirname, "../..");

describe("system5 demo", () => {
  test("converges, delivers hop by hop at one DATA transmission per hop, and fails over", () => {
    const lines = runDemo({ nodes: 25, seed: 1 });
    const text = lines.join("\n");
    expect(text).toMatch(/every node has a route to every other after \d+ s/);
    const m1 = /Message 1: .*\((\d+) hops apart\)/.exec(text);
    expect(m1).not.toBeNull();
    const hops = Number(m1?.[1]);
    const first = text.slice(text.indexOf("Message 1"), text.indexOf("switched off"));
    expect(first).toContain(`delivered after ${hops} hops; end-to-end ACK received`);
    expect(first).toContain(`transmissions: ${hops} DATA + ${hops} ACK`);
    const second = text.slice(text.indexOf("Message 2"));
    expect(second).toMatch(/delivered after \d+ hops/);
    expect(second).toMatch(/failovers to a cached route: [1-9]\d*; floods: 0/);
  });

  test("is reproducible for a seed and differs across seeds", () => {
    expect(runDemo({ seed: 4 })).toEqual(runDemo({ seed: 4 }));
    expect(runDemo({ seed: 4 })).not.toEqual(runDemo({ seed: 5 }));
  });

  test("bad options get a clear message and a non-zero exit", () => {
    const r = spawnSync(process.execPath, [path.join(root, "bin/system5.mjs"), "demo", "--nodes", "2"], { encoding: "utf8" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("--nodes must be an integer 3..100");
    expect(r.status).toBe(2);
    const big = spawnSync(process.execPath, [path.join(root, "bin/system5.mjs"), "demo", "--nodes", "150"], { encoding: "utf8" });
    expect(big.status).toBe(2);
    expect(big.stderr).toMatch(/3\.\.100 \(bigger meshes .* 150 nodes did not/);
    const p = spawnSync(process.execPath, [path.join(root, "bin/system5.mjs"), "demo", "--preset", "TURBO_NONSENSE"], { encoding: "utf8" });
    expect(p.status).not.toBe(0);
    expect(p.stderr).toContain('unknown modem preset "TURBO_NONSENSE"');
  });
});
