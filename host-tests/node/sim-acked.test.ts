// What the sender is told (docs/simulator.md §Metrics): `unicastAcked` and `falseFailures` match a
// message to its sender's `acked` and `send-failed` events by destination and sequence number, so a
// user-visible report is measured as well as the arrival.
import { describe, expect, test } from "vitest";
import "../../src/sim/routers/plugins";
import { Simulation } from "../../src/sim/engine/simulation";
import type { ScriptedSend } from "../../src/sim/engine/simulation";
import { type RouterEntry, routerEntry } from "../../src/sim/routers/registry";
import type { RouterFactory } from "../../src/sim/routers/context";
import type { StationEvent } from "../../src/core/station";
import { lineScenario } from "../../src/sim/scenario/line";

function run(router: string, script: ScriptedSend[], factory?: RouterFactory) {
  const entry = routerEntry(router);
  if (!entry) throw new Error(router);
  const scenario = lineScenario(3, 1000, { timing: { warmupS: 0, durationS: 900, drainS: 300 } });
  return new Simulation({ scenario, routerName: router, factory: factory ?? entry.factory, seed: 1, script }).run().metrics;
}

/** managed7, except that every send is also reported failed at once: a sender told a lie. */
const gloomy: RouterFactory = (...args) => {
  const st = (routerEntry("managed7") as RouterEntry).factory(...args);
  const send = st.send.bind(st);
  const drain = st.drainEvents.bind(st);
  const told: StationEvent[] = [];
  st.send = (now, dst, payload, options) => {
    const r = send(now, dst, payload, options);
    if (r.ok) told.push({ type: "send-failed", at: now, dst, seq: r.seq, code: "no-ack", reason: "told so" });
    return r;
  };
  st.drainEvents = () => [...drain(), ...told.splice(0)];
  return st;
};

describe("the sender's reports", () => {
  for (const router of ["managed7", "meshcore", "system5"]) {
    test(`${router}: a message two hops away is delivered and acknowledged to its sender`, () => {
      const m = run(router, [{ atS: 600, src: 0, dst: 2, wantAck: true }, { atS: 660, src: 2, dst: 0, wantAck: true }]);
      expect(m.unicastDelivered).toBe(2);
      expect(m.unicastAcked).toBe(1);
      expect(m.falseFailures).toBe(0);
    });
  }
  test("a message that arrived but was reported failed counts as a false failure", () => {
    const m = run("managed7", [{ atS: 600, src: 0, dst: 2, wantAck: true }], gloomy);
    expect(m.unicastDelivered).toBe(1);
    expect(m.falseFailures).toBe(1);
    expect(m.unicastAcked).toBe(1);
  });
  test("no message asked for an ACK: unicastAcked has no sample", () => {
    const m = run("managed7", [{ atS: 600, src: 0, dst: 2, wantAck: false }]);
    expect(m.unicastDelivered).toBe(1);
    expect(m.unicastAcked).toBeNull();
  });
});
