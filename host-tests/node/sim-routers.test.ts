// Routers on tiny topologies with known answers. Line nodes 1000 m apart on LONG_FAST hear only
// their neighbours (src/sim/scenario/line.ts).
import { describe, expect, test } from "vitest";
import { Simulation } from "../../src/sim/engine/simulation";
import type { ScriptedSend } from "../../src/sim/engine/simulation";
import type { MobileStation } from "../../src/sim/routers/context";
import { HEADER_BYTES, PORT_DATA, decodeFrame, encodeFrame } from "../../src/sim/routers/header";
import { contentionWindow, responseHopLimit } from "../../src/sim/routers/meshtastic";
import { NextHopStation } from "../../src/sim/routers/nexthop";
import { routerEntry } from "../../src/sim/routers/registry";
import { lineScenario } from "../../src/sim/scenario/line";

function run(router: string, nodes: number, script: ScriptedSend[], seed = 1) {
  const entry = routerEntry(router);
  if (!entry) throw new Error(router);
  const sim = new Simulation({ scenario: lineScenario(nodes), routerName: router, factory: entry.factory, seed, script });
  const result = sim.run();
  return { sim, m: result.metrics };
}

describe("header codec", () => {
  test("round-trips the 16-byte Meshtastic-like header", () => {
    const h = { to: 0xffffffff, from: 0x12345678, id: 0xdeadbeef, hopLimit: 5, wantAck: true, hopStart: 7, nextHop: 0x42, relayNode: 0x78 };
    const bytes = encodeFrame(h, PORT_DATA, new Uint8Array([1, 2, 3]));
    expect(bytes.length).toBe(HEADER_BYTES + 1 + 3);
    const d = decodeFrame(bytes);
    expect(d).toMatchObject({ ...h, port: PORT_DATA });
    expect([...(d?.payload ?? [])]).toEqual([1, 2, 3]);
    expect(decodeFrame(bytes.subarray(0, 10))).toBeUndefined();
  });
});

describe("Meshtastic constants", () => {
  test("SNR → contention window: integer map of −20…10 dB onto 3…8, SNR clamped to the range", () => {
    expect(contentionWindow(-20)).toBe(3);
    expect(contentionWindow(-17.5)).toBe(3);
    expect(contentionWindow(10)).toBe(8);
    // Clamped to the mapped range: a near sender's 60 dB is the window of 10 dB.
    expect(contentionWindow(16)).toBe(8);
    expect(contentionWindow(60)).toBe(8);
    expect(contentionWindow(-30)).toBe(3);
  });
  test("response hop limit: hops used + 2, capped by the configured limit", () => {
    expect(responseHopLimit(3, 2, 3)).toBe(3);
    expect(responseHopLimit(7, 7, 7)).toBe(2);
    expect(responseHopLimit(7, 0, 3)).toBe(7);
  });
});

describe("naive flooding", () => {
  test("a broadcast on a 5-node line costs exactly 5 transmissions and reaches everyone", () => {
    const { m } = run("flood", 5, [{ atS: 1, src: 0, dst: -1 }]);
    expect(m.totalTx).toBe(5);
    expect(m.broadcastCoverage).toBe(1);
    expect(m.collisions).toBe(0);
  });
});

describe("managed flooding", () => {
  test("hop limit 3 reaches hop 4 on a line but not hop 5", () => {
    const far = run("managed3", 6, [{ atS: 1, src: 0, dst: 5 }]);
    expect(far.m.unicastDelivered).toBe(0);
    const near = run("managed3", 6, [{ atS: 1, src: 0, dst: 4 }]);
    expect(near.m.unicastDelivered).toBe(1);
    const bc = run("managed3", 6, [{ atS: 1, src: 0, dst: -1 }]);
    expect(bc.m.broadcastCoverage).toBeCloseTo(4 / 5, 9);
  });
  test("hop limit 7 reaches hop 5", () => {
    expect(run("managed7", 6, [{ atS: 1, src: 0, dst: 5 }]).m.unicastDelivered).toBe(1);
  });
  test("a DM and its ACK: data and control transmissions are counted separately", () => {
    const { m } = run("managed3", 4, [{ atS: 1, src: 0, dst: 3, wantAck: true }]);
    expect(m.unicastDelivered).toBe(1);
    expect(m.dataTx).toBe(3); // origin + 2 relays
    expect(m.controlTx).toBe(3); // ACK + 2 relays
  });
  test("the originator retransmits when nobody relays (no implicit ACK), three transmissions in all", () => {
    // Nodes 2 km apart hear nobody: no relay, no ACK, so the DM goes out 1 + 2 times.
    const entry = routerEntry("managed3");
    if (!entry) throw new Error("managed3");
    const s = lineScenario(3, 2000); // nodes 2 km apart: nobody hears anybody
    const sim = new Simulation({ scenario: s, routerName: "managed3", factory: entry.factory, seed: 2, script: [{ atS: 1, src: 0, dst: 2, wantAck: true }] });
    const m = sim.run().metrics;
    expect(m.dataTx).toBe(3);
    expect(m.unicastDelivered).toBe(0);
  });
  test("CLIENT relays are cancelled on hearing a duplicate: a 4-node clique floods with fewer than 4 TX", () => {
    const entry = routerEntry("managed7");
    if (!entry) throw new Error("managed7");
    let total = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const s = lineScenario(4, 100); // everyone hears everyone
      const sim = new Simulation({ scenario: s, routerName: "managed7", factory: entry.factory, seed, script: [{ atS: 1, src: 0, dst: -1 }] });
      const m = sim.run().metrics;
      expect(m.broadcastCoverage).toBe(1);
      total += m.totalTx;
    }
    // Origin + first relayer; the others hear that relay and cancel (a tie can add one).
    expect(total / 10).toBeLessThan(3);
  });
});

describe("next-hop routing", () => {
  test("learns the relay after the first ACK, then sends the next DM through it", () => {
    const script: ScriptedSend[] = [
      { atS: 1, src: 0, dst: 3, wantAck: true },
      { atS: 60, src: 0, dst: 3, wantAck: true },
    ];
    const entry = routerEntry("nexthop");
    if (!entry) throw new Error("nexthop");
    const s = lineScenario(4, 1000, { timing: { warmupS: 0, durationS: 120, drainS: 0 } });
    const sim = new Simulation({ scenario: s, routerName: "nexthop", factory: entry.factory, seed: 4, script });
    const stations = sim.stations as MobileStation[];
    const origin = stations[0] as NextHopStation;
    const relay1 = stations[1] as NextHopStation;
    expect(origin.nextHopByte(0, sim.ids[3])).toBeUndefined();
    const m = sim.run().metrics;
    expect(m.unicastDelivered).toBe(2);
    expect(origin.nextHopByte(120_000, sim.ids[3])).toBe(sim.ids[1] & 0xff);
    expect(relay1.nextHopByte(120_000, sim.ids[3])).toBe(sim.ids[2] & 0xff);
    // Routes were learned (origin, relays) and the directed DM needed no fallback flood.
    expect(m.routeSwitches).toBeGreaterThanOrEqual(2);
    expect(m.fallbackFloods).toBe(0);
  });
});
