// Device-true accounting: messages to nodes that have died are sent and counted (never
// delivered), apart from the live ones, with the airtime spent on them; and the same seed
// gives the same figures.
import { describe, expect, test } from "vitest";
import { Simulation } from "../../src/sim/engine/simulation";
import type { ScriptedSend } from "../../src/sim/engine/simulation";
import { routerEntry } from "../../src/sim/routers/registry";
import "../../src/sim/routers/plugins";
import { lineScenario } from "../../src/sim/scenario/line";

// Four nodes 300 m apart (all hear each other on LONG_FAST); a quarter of them dies at 200 s;
// from 300 s every node sends to every other, twice.
function run(router: string) {
  const entry = routerEntry(router);
  if (!entry) throw new Error(router);
  const scenario = lineScenario(4, 300, { failures: { share: 0.25, atS: 200 }, timing: { warmupS: 0, durationS: 900, drainS: 300 } });
  const script: ScriptedSend[] = [];
  for (let k = 0; k < 2; k++) for (let s = 0; s < 4; s++) for (let d = 0; d < 4; d++) if (s !== d) script.push({ atS: 300 + 120 * k + 10 * s + d, src: s, dst: d });
  const params = scenario.routerParams[router] ?? {};
  const { destinationOf, readable } = entry;
  const sim = new Simulation({
    scenario, routerName: router, factory: entry.factory, seed: 3, script,
    destinationOf: destinationOf && ((b) => destinationOf(b, params)),
    readable: readable && ((b) => readable(b, params)),
  });
  const m = sim.run().metrics;
  const dead = [0, 1, 2, 3].filter((i) => !sim.alive[i]);
  return { m, dead, script };
}

describe("messages to dead destinations", () => {
  for (const router of ["managed7", "system5"]) {
    test(`${router}: a message to a dead node is counted as sent and undelivered, and its airtime is counted apart`, () => {
      const { m, dead, script } = run(router);
      expect(dead).toHaveLength(1);
      const fromLive = script.filter((x) => !dead.includes(x.src));
      const toDead = fromLive.filter((x) => dead.includes(x.dst));
      expect(toDead.length).toBe(6);
      expect(m.unicastSent).toBe(fromLive.length);
      expect(m.unicastSentDead).toBe(toDead.length);
      // Every message between live nodes arrives; none to the dead one.
      expect(m.unicastDelivered).toBe(fromLive.length - toDead.length);
      expect(m.unicastDeliveryLive).toBe(1);
      expect(m.unicastDelivery).toBeCloseTo((fromLive.length - toDead.length) / fromLive.length, 9);
      // The senders tried: frames addressed to the dead node, part of the total.
      expect(m.deadDstAirtimeS).toBeGreaterThan(0);
      expect(m.deadDstAirtimeS as number).toBeLessThan(m.totalAirtimeS);
    });
  }
  test("the same seed gives the same figures", () => {
    expect(run("system5").m).toEqual(run("system5").m);
  });
});

describe("nodes without a GPS fix (scenario gps)", () => {
  const positions = (gps: unknown, seed = 1) => {
    const got: Array<unknown> = [];
    const entry = routerEntry("managed7");
    if (!entry) throw new Error("managed7");
    const scenario = lineScenario(10, 300, { gps });
    new Simulation({
      scenario,
      routerName: "managed7",
      seed,
      factory: (ctx) => {
        got.push(ctx.position);
        return entry.factory(ctx);
      },
    });
    return got;
  };
  test("listed nodes get no position, the others theirs", () => {
    const p = positions({ noFix: [2, 7] });
    expect(p.map((x, i) => (x === undefined ? i : -1)).filter((i) => i >= 0)).toEqual([2, 7]);
  });
  test("a share picks that many nodes per seed", () => {
    expect(positions({ noFixShare: 0.3 }).filter((x) => x === undefined)).toHaveLength(3);
    expect(positions({}).filter((x) => x === undefined)).toHaveLength(0);
  });
  test("a share and a list together, or a bad index, are errors", () => {
    expect(() => lineScenario(4, 300, { gps: { noFixShare: 0.5, noFix: [1] } })).toThrow(/not both/);
    expect(() => lineScenario(4, 300, { gps: { noFix: [9] } })).toThrow(/noFix\[0\]/);
  });
  test("System 5 delivers to and from a node without a fix", () => {
    const entry = routerEntry("system5");
    if (!entry) throw new Error("system5");
    const scenario = lineScenario(4, 1000, { gps: { noFix: [3] }, timing: { warmupS: 0, durationS: 900, drainS: 120 } });
    const sim = new Simulation({ scenario, routerName: "system5", factory: entry.factory, seed: 1, script: [{ atS: 600, src: 0, dst: 3 }, { atS: 650, src: 3, dst: 0 }] });
    expect(sim.run().metrics.unicastDelivered).toBe(2);
  });
});
