// Insiders in the simulator (src/sim/routers/insiders.ts): the wrappers on tiny topologies with
// known answers, the scenario key, and what is measured. Line nodes 1000 m apart on LONG_FAST
// hear only their neighbours (src/sim/scenario/line.ts).
import { describe, expect, test } from "vitest";
import type { MeshNode } from "../../src/core/mesh-node";
import { SeededRng } from "../../src/core/rng";
import { Simulation } from "../../src/sim/engine/simulation";
import type { ScriptedSend } from "../../src/sim/engine/simulation";
import { chooseInsiders, InsiderStation } from "../../src/sim/routers/insiders";
import "../../src/sim/routers/plugins";
import { routerEntry } from "../../src/sim/routers/registry";
import { findBuiltin, insiderScenarios, seedScenarios } from "../../src/sim/scenario/builtin";
import { lineScenario } from "../../src/sim/scenario/line";
import { ScenarioError, parseScenario } from "../../src/sim/scenario/schema";

// System 5 stations unwrapped (no seal-airtime layer), so the tests can read the nodes' counters.
const LONG = { timing: { warmupS: 0, durationS: 900, drainS: 60 }, routerParams: { system5: { seal: false } } };

function run(router: string, nodes: number, script: ScriptedSend[], overrides: Record<string, unknown> = {}, seed = 1) {
  const entry = routerEntry(router);
  if (!entry) throw new Error(router);
  const sim = new Simulation({ scenario: lineScenario(nodes, 1000, { ...LONG, ...overrides }), routerName: router, factory: entry.factory, seed, script });
  return { sim, m: sim.run().metrics };
}

/** `count` unicasts src → dst, one every `everyS` from `fromS`. */
function stream(src: number, dst: number, count: number, fromS = 5, everyS = 8, wantAck = false): ScriptedSend[] {
  return Array.from({ length: count }, (_, k) => ({ atS: fromS + k * everyS, src, dst, wantAck }));
}

describe("black hole", () => {
  test("flood: a black hole in the middle of a 5-node line stops everything past it", () => {
    const honest = run("flood", 5, [...stream(0, 4, 5), { atS: 60, src: 0, dst: -1 }]);
    expect(honest.m.unicastDelivery).toBe(1);
    expect(honest.m.broadcastCoverage).toBe(1);
    const bad = run("flood", 5, [...stream(0, 4, 5), { atS: 60, src: 0, dst: -1 }], { insiders: { nodes: [2], kinds: ["blackhole"] } });
    expect(bad.m.unicastSent).toBe(5);
    expect(bad.m.unicastDelivered).toBe(0);
    // Honest nodes other than the source: 1, 3, 4. Only 1 hears it.
    expect(bad.m.broadcastCoverage).toBeCloseTo(1 / 3, 9);
    const bh = bad.sim.stations[2] as InsiderStation;
    expect(bh).toBeInstanceOf(InsiderStation);
    expect(bh.stats.swallowed).toBeGreaterThan(0);
    expect(bh.stats.passed).toBe(0);
  });
  test("system5: a black hole with no way around drops every message; its own traffic still flows", () => {
    const script = [...stream(0, 4, 10, 300, 20, true), ...stream(2, 0, 5, 310, 40, true)];
    const honest = run("system5", 5, script);
    expect(honest.m.unicastDelivery).toBeGreaterThan(0.8); // a real channel: hidden terminals on a line
    const bad = run("system5", 5, script, { insiders: { nodes: [2], kinds: ["blackhole"] } });
    expect(bad.m.unicastSent).toBe(10); // the black hole's own messages are not measured
    expect(bad.m.unicastDelivered).toBe(0);
    const bh = bad.sim.stations[2] as InsiderStation;
    expect(bh.stats.swallowed).toBeGreaterThan(0);
    // Its own messages to node 0 arrive (delivered events at node 0 carry src = its id).
    const own = (bad.sim.stations[0] as MeshNode).stats.delivered;
    expect(own).toBeGreaterThanOrEqual(5);
  });
});

describe("grey hole", () => {
  test("drops about half of the messages it should relay, each message's copies alike", () => {
    const script = stream(0, 2, 120, 5, 5);
    const r = run("flood", 3, script, { insiders: { nodes: [1], kinds: ["greyhole"] } });
    expect(r.m.unicastSent).toBe(120);
    const share = (r.m.unicastDelivered ?? 0) / 120;
    expect(share).toBeGreaterThan(0.35);
    expect(share).toBeLessThan(0.65);
    // Another seed draws other fates; the same seed the same.
    const again = run("flood", 3, script, { insiders: { nodes: [1], kinds: ["greyhole"] } });
    expect(again.m.unicastDelivered).toBe(r.m.unicastDelivered);
    const other = run("flood", 3, script, { insiders: { nodes: [1], kinds: ["greyhole"] } }, 2);
    expect(other.m.unicastDelivered).not.toBe(r.m.unicastDelivered);
  });
});

describe("liar", () => {
  test("system5: forges its OGMs with impossible metrics; honest neighbours discard them and stop believing it", () => {
    const r = run("system5", 4, [], { insiders: { nodes: [1], kinds: ["liar"] } });
    const liar = r.sim.stations[1] as InsiderStation;
    expect(liar.stats.forgedOgms).toBeGreaterThan(2);
    for (const i of [0, 2]) {
      const n = r.sim.stations[i] as MeshNode;
      expect(n.stats.implausibleEntries).toBeGreaterThan(0);
      expect(n.stats.liarsDistrusted).toBeGreaterThanOrEqual(1);
      expect(n.trustOf(liar.id, 900_000).distrusted).toBe(true);
    }
  });
  test("baselines: a liar is a black hole (no metrics to lie with)", () => {
    const r = run("managed3", 3, stream(0, 2, 5), { insiders: { nodes: [1], kinds: ["liar"] } });
    expect(r.m.unicastDelivered).toBe(0);
    expect((r.sim.stations[1] as InsiderStation).stats.forgedOgms).toBe(0);
  });
});

describe("scenario key and measurement", () => {
  test("insiders are chosen per seed, deterministically; the network is the honest twin's", () => {
    const kinds = ["blackhole", "greyhole", "liar"] as const;
    const a = chooseInsiders(100, 0.15, kinds, new SeededRng(3));
    expect(a).toEqual(chooseInsiders(100, 0.15, kinds, new SeededRng(3)));
    expect(a.filter((k) => k !== undefined)).toHaveLength(15);
    expect(a.filter((k) => k === "liar")).toHaveLength(5);
    expect(chooseInsiders(100, 0.15, kinds, new SeededRng(4))).not.toEqual(a);
    const entry = routerEntry("managed7");
    if (!entry) throw new Error("managed7");
    const twin = findBuiltin("insiders-0");
    const bad = findBuiltin("insiders-15");
    if (!twin || !bad) throw new Error("insider scenarios missing");
    const s1 = new Simulation({ scenario: twin, routerName: "managed7", factory: entry.factory, seed: 1 });
    const s2 = new Simulation({ scenario: bad, routerName: "managed7", factory: entry.factory, seed: 1 });
    expect(s2.ids).toEqual(s1.ids);
    expect(Array.from(s2.x)).toEqual(Array.from(s1.x));
    expect(s2.insider.reduce((a, b) => a + b, 0)).toBe(15);
    const s3 = new Simulation({ scenario: bad, routerName: "system5", factory: routerEntry("system5")!.factory, seed: 1 });
    expect(Array.from(s3.insider)).toEqual(Array.from(s2.insider)); // the same insiders for every router
  });
  test("the insider scenarios are built in but not among the seed's 26", () => {
    expect(insiderScenarios().map((s) => s.name)).toEqual(["insiders-0", "insiders-5", "insiders-15", "insiders-sparse-0", "insiders-sparse-15"]);
    expect(findBuiltin("insiders-sparse-15")?.widthM).toBe(findBuiltin("scale-100")?.widthM);
    expect(seedScenarios().some((s) => s.name.startsWith("insiders"))).toBe(false);
    expect(findBuiltin("insiders-5")?.insiders.share).toBe(0.05);
    expect(findBuiltin("insiders-0")?.insiders.share).toBe(0);
  });
  test("bad insider settings are refused with the setting named", () => {
    const base = { name: "x", nodes: 10, areaM: 2000, terrain: "urban", rangeM: 800 };
    const bad = (insiders: unknown) => () => parseScenario({ ...base, insiders }, "x.json");
    expect(bad({ share: 0.6 })).toThrow(new ScenarioError("x.json: insiders.share: 0.6 is above the maximum 0.5"));
    expect(bad({})).toThrow(/insiders.share: required/);
    expect(bad({ share: 0.1, kinds: ["evil"] })).toThrow(/insiders.kinds\[0\]: "evil" is not one of blackhole, greyhole, liar, plausible-liar/);
    expect(bad({ share: 0.1, kinds: [] })).toThrow(/insiders.kinds: list at least one/);
    expect(bad({ nodes: [10] })).toThrow(/insiders.nodes\[0\]: 10 is above the maximum 9/);
    expect(bad({ nodes: [1], share: 0.1 })).toThrow(/a share or a list of nodes, not both/);
    expect(bad({ share: 0.1, evil: true })).toThrow(/insiders.evil: unknown setting/);
    expect(parseScenario({ ...base, insiders: { nodes: [3, 4] } }, "x").insiders.share).toBe(0.2);
  });
});

describe("insiders under the security layer", () => {
  test("an insider decorator passes the node's duty-cycle ledger through, so KEY frames above it stay in the plan", async () => {
    const { MeshNode } = await import("../../src/core/mesh-node");
    const { PRESETS } = await import("../../src/core/presets");
    const mk = (dutyCycle: number) =>
      new InsiderStation(new MeshNode({ id: 5, rng: new SeededRng(5), now: 0, modem: PRESETS.SHORT_FAST, dutyCycle }), {
        kind: "blackhole",
        rng: new SeededRng(6),
        classify: () => undefined,
        canLie: true,
      });
    expect(mk(1).foreignFrameStart(0, 50, 1)).toBe(0);
    // 36 ms an hour cannot hold a 50-byte frame at SHORT_FAST.
    expect(mk(0.00001).foreignFrameStart(0, 50, 1)).toBeGreaterThan(0);
    const open = mk(1);
    open.foreignFrameSent(100, 50);
    expect((open.inner as InstanceType<typeof MeshNode>).stats.txAirtimeMs).toBeGreaterThan(0);
  });
});
