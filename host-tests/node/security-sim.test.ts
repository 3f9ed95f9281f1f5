// The simulator's optional security wrapper (routerParams.system5.secure): the same line
// scenario delivers with and without it, and the secured run spends more airtime (12 bytes per
// frame plus the KEY frames), which is what scenarios use it to measure.
import { describe, expect, test } from "vitest";
import { Simulation } from "../../src/sim/engine/simulation";
import { routerEntry } from "../../src/sim/routers/registry";
import "../../src/sim/routers/plugins";
import { MeshNode } from "../../src/core/mesh-node";
import { PRESETS } from "../../src/core/presets";
import { REGIONS } from "../../src/core/regions";
import { SeededRng } from "../../src/core/rng";
import { SEAL_OVERHEAD_BYTES } from "../../src/core/security/frame-seal";
import { SecureStation } from "../../src/core/security/secure-station";
import { lineScenario } from "../../src/sim/scenario/line";

function run(secure: boolean) {
  const entry = routerEntry("system5");
  if (!entry) throw new Error("system5 router missing");
  const scenario = lineScenario(4, 1000, { timing: { warmupS: 0, durationS: 900, drainS: 60 }, routerParams: { system5: { secure } } });
  const sim = new Simulation({ scenario, routerName: "system5", factory: entry.factory, seed: 1, script: [{ atS: 600, src: 0, dst: 3 }] });
  return sim.run().metrics;
}

describe("simulator: routerParams.system5.secure", () => {
  test("the factory wraps the node only when asked, and the wrapped node reserves the seal's bytes", () => {
    const entry = routerEntry("system5");
    if (!entry) throw new Error("system5 router missing");
    const ctx = (params: Record<string, unknown>) => ({
      id: 7, rng: new SeededRng(1), now: 0, preset: PRESETS.LONG_FAST, region: REGIONS.EU868, frequencyHz: 869_525_000,
      position: undefined, role: "CLIENT" as const, battery: 1, params,
    });
    expect(entry.factory(ctx({}))).toBeInstanceOf(MeshNode);
    const secured = entry.factory(ctx({ secure: true }));
    expect(secured).toBeInstanceOf(SecureStation);
    const inner = (secured as SecureStation).inner as MeshNode;
    expect(inner.config.frameOverheadBytes).toBe(SEAL_OVERHEAD_BYTES);
    expect(typeof secured.setPosition).toBe("function");
  });
  test("a secured 4-node line still delivers, at a higher airtime", () => {
    const plain = run(false);
    const secured = run(true);
    expect(plain.unicastDelivered).toBe(1);
    expect(secured.unicastDelivered).toBe(1);
    expect(secured.totalAirtimeS).toBeGreaterThan(plain.totalAirtimeS);
    // 12 bytes on frames of 20..120 bytes at LONG_FAST: +4..21 % per frame, plus KEY frames.
    expect(secured.totalAirtimeS / plain.totalAirtimeS).toBeLessThan(1.4);
  });
});
