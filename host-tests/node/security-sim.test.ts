// The simulator's security options for System 5: by default the real security layer with every
// unicast a private DM, as the firmware sends them; `dm: false` keeps the layer with plain
// unicasts; `secure: false` charges the seal's 12 bytes on the air without running its
// cryptography (seal-airtime.ts); `seal: false` simulates an unsealed network. The same line
// scenario delivers in all of them. The core runs with the firmware's table limits by default.
import { describe, expect, test } from "vitest";
import { Simulation } from "../../src/sim/engine/simulation";
import { routerEntry } from "../../src/sim/routers/registry";
import "../../src/sim/routers/plugins";
import { DEFAULT_CONFIG, DEVICE_LIMITS } from "../../src/core/config";
import { MeshNode } from "../../src/core/mesh-node";
import { PRESETS } from "../../src/core/presets";
import { REGIONS } from "../../src/core/regions";
import { SeededRng } from "../../src/core/rng";
import { SEAL_OVERHEAD_BYTES } from "../../src/core/security/frame-seal";
import { SecureStation } from "../../src/core/security/secure-station";
import { SealAirtime } from "../../src/sim/routers/seal-airtime";
import { lineScenario } from "../../src/sim/scenario/line";

function run(system5: Record<string, unknown>, keyedIds?: boolean) {
  const entry = routerEntry("system5");
  if (!entry) throw new Error("system5 router missing");
  const scenario = lineScenario(4, 1000, { timing: { warmupS: 0, durationS: 900, drainS: 60 }, routerParams: { system5 } });
  const sim = new Simulation({ scenario, routerName: "system5", factory: entry.factory, seed: 1, script: [{ atS: 600, src: 0, dst: 3 }], keyedIds });
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
    expect(entry.factory(ctx({ secure: false }))).toBeInstanceOf(SealAirtime);
    expect(entry.factory(ctx({}))).toBeInstanceOf(SecureStation);
    const secured = entry.factory(ctx({ secure: true }));
    expect(secured).toBeInstanceOf(SecureStation);
    const inner = (secured as SecureStation).inner as MeshNode;
    expect(inner.config.frameOverheadBytes).toBe(SEAL_OVERHEAD_BYTES);
    expect(typeof secured.setPosition).toBe("function");
  });
  test("a secured 4-node line still delivers, at a higher airtime", () => {
    const plain = run({ seal: false });
    const secured = run({ secure: true, dm: false });
    const private_ = run({ secure: true });
    expect(plain.unicastDelivered).toBe(1);
    expect(secured.unicastDelivered).toBe(1);
    expect(private_.unicastDelivered).toBe(1);
    expect(secured.totalAirtimeS).toBeGreaterThan(plain.totalAirtimeS);
    // 12 bytes on frames of 20..120 bytes at LONG_FAST: +4..21 % per frame, plus KEY frames.
    expect(secured.totalAirtimeS / plain.totalAirtimeS).toBeLessThan(1.4);
    // A private DM (the default) also pays the routed key request and answer and its envelope.
    expect(private_.totalAirtimeS).toBeGreaterThan(secured.totalAirtimeS);
  });
  test("the default charges the seal's bytes: every frame on the air is 12 bytes longer than the core built it", () => {
    const entry = routerEntry("system5");
    if (!entry) throw new Error("system5 router missing");
    const params = { id: 9, rng: new SeededRng(2), now: 0, preset: PRESETS.LONG_FAST, region: REGIONS.EU868, frequencyHz: 869_525_000, position: undefined, role: "CLIENT" as const, battery: 1 };
    const charged = entry.factory({ ...params, params: { secure: false } });
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
    const charged3 = run({ secure: false });
    expect(charged3.unicastDelivered).toBe(1);
    const plain = run({ seal: false });
    expect(charged3.totalAirtimeS).toBeGreaterThan(plain.totalAirtimeS);
  });
});

describe("simulator: System 5 as the device runs it", () => {
  const ctx = (params: Record<string, unknown>) => ({
    id: 7, rng: new SeededRng(1), now: 0, preset: PRESETS.LONG_FAST, region: REGIONS.EU868, frequencyHz: 869_525_000,
    position: undefined, role: "CLIENT" as const, battery: 1, params,
  });
  const factory = () => {
    const entry = routerEntry("system5");
    if (!entry) throw new Error("system5 router missing");
    return entry;
  };
  test("a unicast goes out as a private DM: the first to a node waits for its key", () => {
    const st = factory().factory(ctx({})) as SecureStation;
    expect(st.send(0, 0x1234, new Uint8Array(40), { wantAck: true }).ok).toBe(true);
    expect(st.stats.dmQueued).toBe(1);
    const plain = factory().factory(ctx({ dm: false })) as SecureStation;
    plain.send(0, 0x1234, new Uint8Array(40), { wantAck: true });
    expect(plain.stats.dmQueued).toBe(0);
  });
  test("the first DM costs a routed key request and answer, and the DM's extra bytes", () => {
    const dm = run({});
    const plain = run({ dm: false });
    expect(dm.unicastDelivered).toBe(1);
    expect(plain.unicastDelivered).toBe(1);
    // Key request + key answer (each routed 3 hops with hop ACKs) and 12 more bytes on the DM.
    expect(dm.dataTx).toBeGreaterThan(plain.dataTx + 4);
    expect(dm.totalAirtimeS).toBeGreaterThan(plain.totalAirtimeS);
  });
  test("contacts: true gives every node every other's key: the first DM goes without a key request", () => {
    const dm = run({}, true);
    const contacts = run({ contacts: true }, true);
    const plain = run({ dm: false }, true);
    expect(contacts.unicastDelivered).toBe(1);
    // No routed key request and answer: as many DATA transmissions as a plain unicast.
    expect(dm.dataTx).toBeGreaterThan(plain.dataTx + 4);
    expect(contacts.dataTx).toBe(plain.dataTx);
    expect(contacts.totalAirtimeS).toBeLessThan(dm.totalAirtimeS);
    expect(() => run({ contacts: "all" }, true)).toThrow(/contacts/);
    expect(() => run({ contacts: true })).toThrow(/key-derived ids/);
    expect(factory().describe?.({ contacts: true })).toMatch(/every node a contact/);
  });
  test("the key-on-broadcast options show in the settings line", () => {
    expect(factory().describe?.({})).not.toMatch(/keyOnBroadcastMs|lookupCarriesKey/);
    expect(factory().describe?.({ keyOnBroadcastMs: 0, lookupCarriesKey: false })).toMatch(/keyOnBroadcastMs 0, lookupCarriesKey off$/);
  });
  test("the core runs with the firmware's table limits unless the scenario asks for the defaults", () => {
    const inner = (p: Record<string, unknown>) => ((factory().factory(ctx(p)) as SecureStation).inner as MeshNode).config;
    expect(inner({}).maxNeighbours).toBe(DEVICE_LIMITS.maxNeighbours);
    expect(inner({}).maxDestinations).toBe(DEVICE_LIMITS.maxDestinations);
    expect(inner({ limits: "defaults" }).maxNeighbours).toBe(DEFAULT_CONFIG.maxNeighbours);
    expect(inner({ config: { maxDestinations: 200 } }).maxDestinations).toBe(200);
    expect(() => factory().factory(ctx({ limits: "huge" }))).toThrow(/limits/);
    expect(factory().describe?.({})).toMatch(/DEVICE_LIMITS.*private DMs/);
    expect(factory().describe?.({ limits: "defaults", secure: false })).toMatch(/default tables.*without cryptography/);
  });
});
