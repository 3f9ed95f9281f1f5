// The simulator's security options for System 5: by default the seal's 12 bytes are charged on
// the air without running its cryptography (seal-airtime.ts); `secure` runs the real layer;
// `seal: false` simulates an unsealed network. The same line scenario delivers in all three.
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
import { SealAirtime } from "../../src/sim/routers/seal-airtime";
import { lineScenario } from "../../src/sim/scenario/line";

function run(system5: Record<string, unknown>) {
  const entry = routerEntry("system5");
  if (!entry) throw new Error("system5 router missing");
  const scenario = lineScenario(4, 1000, { timing: { warmupS: 0, durationS: 900, drainS: 60 }, routerParams: { system5 } });
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
    expect(entry.factory(ctx({ seal: false }))).toBeInstanceOf(MeshNode);
    expect((entry.factory(ctx({ seal: false })) as MeshNode).config.frameOverheadBytes).toBe(0);
    expect(entry.factory(ctx({}))).toBeInstanceOf(SealAirtime);
    const secured = entry.factory(ctx({ secure: true }));
    expect(secured).toBeInstanceOf(SecureStation);
    const inner = (secured as SecureStation).inner as MeshNode;
    expect(inner.config.frameOverheadBytes).toBe(SEAL_OVERHEAD_BYTES);
    expect(typeof secured.setPosition).toBe("function");
  });
  test("a secured 4-node line still delivers, at a higher airtime", () => {
    const plain = run({ seal: false });
    const secured = run({ secure: true });
    expect(plain.unicastDelivered).toBe(1);
    expect(secured.unicastDelivered).toBe(1);
    expect(secured.totalAirtimeS).toBeGreaterThan(plain.totalAirtimeS);
    // 12 bytes on frames of 20..120 bytes at LONG_FAST: +4..21 % per frame, plus KEY frames.
    expect(secured.totalAirtimeS / plain.totalAirtimeS).toBeLessThan(1.4);
  });
  test("the default charges the seal's bytes: every frame on the air is 12 bytes longer than the core built it", () => {
    const entry = routerEntry("system5");
    if (!entry) throw new Error("system5 router missing");
    const params = { id: 9, rng: new SeededRng(2), now: 0, preset: PRESETS.LONG_FAST, region: REGIONS.EU868, frequencyHz: 869_525_000, position: undefined, role: "CLIENT" as const, battery: 1 };
    const charged = entry.factory({ ...params, params: {} });
    const bare = entry.factory({ ...params, rng: new SeededRng(2), params: { seal: false } });
    // Both nodes draw the same jitter (same id, same seed): their first OGMs are due together.
    const t = charged.nextWakeup();
    expect(bare.nextWakeup()).toBe(t);
    charged.tick(t);
    bare.tick(t);
    const a = charged.pollTransmit(t);
    const b = bare.pollTransmit(t);
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    // Same OGM content (the node's budget shrinks by the seal; a first OGM is far below it).
    expect(a!.bytes.length).toBe(b!.bytes.length + SEAL_OVERHEAD_BYTES);
    expect(a!.bytes.subarray(0, b!.bytes.length)).toEqual(b!.bytes);
    const charged3 = run({});
    expect(charged3.unicastDelivered).toBe(1);
    const plain = run({ seal: false });
    expect(charged3.totalAirtimeS).toBeGreaterThan(plain.totalAirtimeS);
  });
});
