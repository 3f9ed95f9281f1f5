// Scenario files: the built-ins parse and say what the seed's table says, user files are
// validated with clear messages, explicit positions work, placement reproduces.
import { describe, expect, test } from "vitest";
import { sensitivityDbm } from "../../src/core/presets";
import { SeededRng } from "../../src/core/rng";
import { builtinScenarios, findBuiltin, seedScenarios } from "../../src/sim/scenario/builtin";
import { localProjection } from "../../src/sim/scenario/geo";
import { placeNodes } from "../../src/sim/scenario/placement";
import { ScenarioError, parseScenario } from "../../src/sim/scenario/schema";

const minimal = { name: "mine", nodes: 10, areaM: 2000, terrain: "urban", rangeM: 800 };

describe("built-in scenarios", () => {
  test("the seed's 26 plus the scale sweep 20 → 2000", () => {
    expect(seedScenarios()).toHaveLength(26);
    const sweep = builtinScenarios().slice(26, 26 + 7).map((s) => s.nodeCount);
    expect(sweep[0]).toBe(20);
    expect(sweep[sweep.length - 1]).toBe(2000);
  });
  test("node counts and areas follow the seed's table", () => {
    const want: Record<number, [number, number]> = { 1: [20, 1000], 2: [100, 5000], 10: [1500, 50000], 19: [200, 500], 23: [235, 50000] };
    for (const [k, [n, area]] of Object.entries(want)) {
      const s = findBuiltin(k);
      expect(s?.nodeCount).toBe(n);
      expect(s?.widthM).toBe(area);
    }
  });
  test("Bay Area: 7 mountain, 35 hill, 193 valley on one preset, tiers told apart by antenna height", () => {
    const s = findBuiltin("bay-area");
    expect(s?.tiers?.map((t) => [t.name, t.count])).toEqual([["mountain", 7], ["hill", 35], ["valley", 193]]);
    expect(s?.pathLoss.model).toBe("height-classes");
    const nodes = placeNodes(s!, new SeededRng(1));
    const valley = nodes.filter((n) => n.tier === "valley");
    expect(valley.filter((n) => n.indoor).length / valley.length).toBeGreaterThan(0.1);
    expect(Math.min(...nodes.filter((n) => n.tier === "mountain").map((n) => n.heightM))).toBeGreaterThanOrEqual(600);
  });
  test("a terrain class puts the median link edge at the stated range", () => {
    const s = findBuiltin("medium-city")!;
    if (s.pathLoss.model !== "log-distance") throw new Error("expected log-distance");
    const pl = s.pathLoss.pl0Db + 10 * s.pathLoss.exponent * Math.log10(2000 / s.pathLoss.d0M);
    expect(s.radio.txPowerDbm - pl).toBeCloseTo(sensitivityDbm(s.radio.preset, 6), 6);
    expect(s.radio.preset.name).toBe("MEDIUM_FAST");
  });
});

describe("user scenario files", () => {
  test("defaults fill in what is not given", () => {
    const s = parseScenario(minimal, "mine.json");
    expect(s.radio.preset.name).toBe("LONG_FAST");
    expect(s.radio.region.name).toBe("EU868");
    expect(s.radio.txPowerDbm).toBe(27);
    expect(s.radio.dutyCycle).toBe(0.1);
    expect(s.traffic.payloadBytes).toBe(40);
  });
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ["a misspelt key", { ...minimal, trafic: {} }, /trafic: unknown setting/],
    ["a nested misspelt key", { ...minimal, traffic: { period: 5 } }, /traffic\.period: unknown setting/],
    ["an unknown preset", { ...minimal, radio: { preset: "ULTRA" } }, /radio\.preset: "ULTRA" is not one of/],
    ["too much power", { ...minimal, radio: { txPowerDbm: 40 } }, /radio\.txPowerDbm: 40 is above the maximum 27/],
    ["a frequency outside the plan", { ...minimal, radio: { frequencyHz: 900e6 } }, /does not fit a EU868 sub-band/],
    ["a missing range", { name: "x", nodes: 10, areaM: 100, terrain: "urban" }, /rangeM: required/],
    ["a bad name", { ...minimal, name: "My Mesh" }, /name: "My Mesh" must be/],
    ["one node", { ...minimal, nodes: 1 }, /nodes:/],
    ["a share above 1", { ...minimal, traffic: { broadcastShare: 1.5 } }, /traffic\.broadcastShare: 1\.5 is above the maximum 1/],
    ["an explicit node without y", { name: "x", nodes: [{ x: 0, y: 0 }, { x: 5 }], terrain: "urban", rangeM: 100 }, /nodes\[1\]\.y: required/],
    ["two path-loss settings", { ...minimal, pathLoss: { model: "free-space" } }, /terrain and pathLoss are alternatives/],
  ];
  for (const [what, json, message] of bad) {
    test(`rejects ${what} with a message naming the setting`, () => {
      expect(() => parseScenario(json, "mine.json")).toThrow(ScenarioError);
      expect(() => parseScenario(json, "mine.json")).toThrow(message);
    });
  }
  test("explicit node positions, heights and roles are used as given", () => {
    const s = parseScenario(
      {
        name: "real-map",
        nodes: [
          { x: 0, y: 0, heightM: 30, role: "ROUTER" },
          { x: 1500, y: 200 },
          { x: 3000, y: 0, indoor: true },
        ],
        pathLoss: { model: "3gpp-macro", environment: "urban" },
      },
      "map.json",
    );
    const nodes = placeNodes(s, new SeededRng(1));
    expect(nodes.map((n) => [n.x, n.y])).toEqual([[0, 0], [1500, 200], [3000, 0]]);
    expect(nodes[0].role).toBe("ROUTER");
    expect(nodes[0].heightM).toBe(30);
    expect(nodes[1].heightM).toBe(1.5);
    expect(nodes[2].indoor).toBe(true);
  });
  test("the same seed places the same nodes; another seed does not", () => {
    const s = findBuiltin("medium-city")!;
    const a = placeNodes(s, new SeededRng(5));
    expect(placeNodes(s, new SeededRng(5))).toEqual(a);
    expect(placeNodes(s, new SeededRng(6))).not.toEqual(a);
  });
  test("positions project around the origin at the area's centre", () => {
    const p = localProjection({ lat: 47, lon: 8 }, 10000, 10000);
    expect(p.toGeo(5000, 5000)).toEqual({ lat: 47, lon: 8 });
    const ne = p.toGeo(10000, 10000);
    expect((ne.lat - 47) * 111320).toBeCloseTo(5000, 3);
    expect((ne.lon - 8) * 111320 * Math.cos((47 * Math.PI) / 180)).toBeCloseTo(5000, 3);
  });
});
