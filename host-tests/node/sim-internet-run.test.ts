// End to end: two three-node "cities" 3.9 km apart, a gateway in each, three relays between,
// and the internet cut from 1000 s to 1600 s. What crosses during the cut can only have crossed
// on the LoRa chain; the Meshtastic gateway's queue and the System 5 bridge are driven by the
// same simulator code path (src/sim/internet/driver.ts).
import { describe, expect, test } from "vitest";
import { Simulation } from "../../src/sim/engine/simulation";
import { routerEntry } from "../../src/sim/routers/registry";
import "../../src/sim/routers/plugins";
import { parseScenario } from "../../src/sim/scenario/schema";

const xs = [0, 250, 1100, 1950, 2800, 3650, 3900];
const tiers = ["west", "west", "relay", "relay", "relay", "east", "east"];
const CUT = { startS: 1000, endS: 1600 };
const chain = (system5: Record<string, unknown> = {}) =>
  parseScenario(
    {
      name: "chain",
      nodes: xs.map((x, i) => ({ x, y: 0, tier: tiers[i], ...(tiers[i] === "relay" ? { role: "ROUTER" } : {}) })),
      areaM: [4000, 100],
      // No shadowing: a hop is 850 m, two hops 1700 m, beyond the 1000 m range.
      pathLoss: { model: "log-distance", rangeM: 1000, sigmaDb: 0 },
      geohashPrecision: 6,
      timing: { warmupS: 600, durationS: 1200, drainS: 300 },
      traffic: { messagePeriodS: 1e9 },
      routerParams: { system5 },
      internet: {
        // The west city's nodes lie in u0qj3x and u0qj3z, the east city's in u0qj6z (origin 47.37 N 8.54 E).
        gateways: [
          { node: 0, clusters: ["u0qj3"] },
          { node: 5, clusters: ["u0qj6z"] },
        ],
        outages: [CUT],
        sites: ["west", "east"],
      },
    },
    "test",
  );
// West city node 1 to east city node 6: before, during and after the cut.
const script = [700, 800, 900, 1100, 1200, 1300, 1400, 1700, 1750].map((atS) => ({ atS, src: 1, dst: 6 }));

function run(router: string, system5: Record<string, unknown> = {}) {
  const entry = routerEntry(router);
  if (!entry) throw new Error(`${router} is not registered`);
  const sim = new Simulation({ scenario: chain(system5), routerName: router, factory: entry.factory, seed: 1, script });
  const result = sim.run();
  const log = sim.messages;
  const sent = log.sentAt.map((t, k) => ({ sentS: t / 1000, arrivedS: log.deliveredAt[k] / 1000 }));
  const inCut = sent.filter((m) => m.sentS >= CUT.startS && m.sentS < CUT.endS);
  return { result, sent, inCut };
}

describe("two cities joined by gateways and a LoRa chain, internet cut", () => {
  test("managed3 (hop limit 3, the chain is 4 hops) crosses only over MQTT: what is sent in the cut waits in the gateway's queue", () => {
    const { result, sent, inCut } = run("managed3");
    const before = sent.filter((m) => m.sentS < CUT.startS && !Number.isNaN(m.arrivedS));
    expect(before.length).toBeGreaterThan(0);
    for (const m of before) expect(m.arrivedS - m.sentS).toBeLessThan(10);
    const crossed = inCut.filter((m) => !Number.isNaN(m.arrivedS));
    expect(crossed.length).toBeGreaterThan(0);
    // Queued by the west gateway (MAX_MQTT_QUEUE) and published on reconnection: none arrives in the cut.
    for (const m of crossed) expect(m.arrivedS).toBeGreaterThanOrEqual(CUT.endS);
    const w = result.internet?.windows ?? [];
    expect(w.map((x) => x.name)).toEqual(["before", "during", "after"]);
    expect(w[1].latencyP95S).toBeGreaterThan(CUT.endS - 1400);
    expect(result.internet?.bridge.published).toBeGreaterThan(0);
  });
  test("managed7 crosses on the LoRa chain during the cut", () => {
    const { inCut } = run("managed7");
    const overLora = inCut.filter((m) => m.arrivedS < CUT.endS);
    expect(overLora.length).toBeGreaterThanOrEqual(3);
    for (const m of overLora) expect(m.arrivedS - m.sentS).toBeLessThan(10);
  });
  test("System 5 delivers across during the cut over the LoRa chain, and its gateways publish over the bridge", () => {
    // bridgeCost 0: the chain here is short, and at the default cost LoRa wins and the bridge carries nothing.
    const { result, inCut } = run("system5", { config: { bridgeCost: 0 } });
    expect(inCut.filter((m) => m.arrivedS < CUT.endS).length).toBeGreaterThan(0);
    expect(result.internet?.bridge.published).toBeGreaterThan(0);
    expect(result.internet?.bridge.lostOutage).toBe(0);
  });
});
