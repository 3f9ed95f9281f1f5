// The `meshcore` router on tiny topologies with known answers (line nodes 1000 m apart on
// LONG_FAST hear only their neighbours), the station's rules driven by hand, and the scenario's
// repeater keys.
import { describe, expect, test } from "vitest";
import { airtimeMs } from "../../src/core/airtime";
import { presetByName } from "../../src/core/presets";
import { regionByName } from "../../src/core/regions";
import { SeededRng } from "../../src/core/rng";
import type { TxFrame } from "../../src/core/station";
import { Simulation } from "../../src/sim/engine/simulation";
import type { ScriptedSend } from "../../src/sim/engine/simulation";
import type { RouterContext } from "../../src/sim/routers/context";
import { ADVERT_INTERVAL_MS, FLOOD_ADVERT_INTERVAL_MS, MAX_RETRIES, MeshCoreStation, ackTimeoutMs, dmFrameBytes } from "../../src/sim/routers/meshcore";
import {
  ROUTE_DIRECT,
  ROUTE_FLOOD,
  TYPE_ADVERT,
  TYPE_GRP_TXT,
  TYPE_PATH,
  TYPE_TXT_MSG,
  decodePacket,
  encodePacket,
  groupPayload,
  pathPlain,
  peerPayload,
  textPlain,
} from "../../src/sim/routers/meshcore-frame";
import { routerEntry } from "../../src/sim/routers/registry";
import { findBuiltin } from "../../src/sim/scenario/builtin";
import { lineScenario } from "../../src/sim/scenario/line";
import { parseScenario } from "../../src/sim/scenario/schema";

const LONG_FAST = presetByName("LONG_FAST");

function runLine(nodes: number, script: ScriptedSend[], opts: { repeaters?: number[]; floodMax?: number; spacingM?: number; seed?: number } = {}) {
  const entry = routerEntry("meshcore");
  if (!entry) throw new Error("meshcore");
  const overrides: Record<string, unknown> = {
    roles: { repeaters: opts.repeaters ?? Array.from({ length: nodes }, (_, i) => i) },
    timing: { warmupS: 0, durationS: 200, drainS: 0 },
  };
  if (opts.floodMax !== undefined) overrides.routerParams = { meshcore: { floodMax: opts.floodMax } };
  const sim = new Simulation({ scenario: lineScenario(nodes, opts.spacingM ?? 1000, overrides), routerName: "meshcore", factory: entry.factory, seed: opts.seed ?? 1, script });
  const stations = sim.stations as MeshCoreStation[];
  const m = sim.run().metrics;
  const adverts = stations.reduce((a, s) => a + s.stats.adverts, 0);
  return { sim, m, stations, adverts };
}

describe("meshcore on a 5-node line of repeaters", () => {
  const first: ScriptedSend = { atS: 1, src: 0, dst: 4, wantAck: true };
  const second: ScriptedSend = { atS: 60, src: 0, dst: 4, wantAck: true };

  test("the first unicast floods; the PATH answer and its reciprocal teach both ends the path", () => {
    const { m, stations, sim, adverts } = runLine(5, [first]);
    expect(adverts).toBe(0); // none of the repeaters' adverts falls in these 200 s for this seed
    expect(m.unicastDelivered).toBe(1);
    // Flood: A, then B, C, D relay (E, the destination, keeps it).
    expect(m.dataTx).toBe(4);
    // PATH return flooded E, D, C, B; reciprocal PATH direct A, B, C, D.
    expect(m.controlTx).toBe(8);
    const hash = (i: number) => sim.ids[i] & 0xff;
    expect([...(stations[0].pathTo(sim.ids[4]) ?? [])]).toEqual([hash(1), hash(2), hash(3)]);
    expect([...(stations[4].pathTo(sim.ids[0]) ?? [])]).toEqual([hash(3), hash(2), hash(1)]);
  });

  test("the second costs 4 transmissions plus its ACK (4 more), the path bytes in every frame", () => {
    const one = runLine(5, [first]);
    const two = runLine(5, [first, second]);
    expect(two.adverts).toBe(0);
    expect(two.m.unicastDelivered).toBe(2);
    expect(two.m.dataTx - one.m.dataTx).toBe(4);
    expect(two.m.controlTx - one.m.controlTx).toBe(4);
    expect(two.m.fallbackFloods).toBe(0);
    // A sends with 3 hashes in the path, B with 2, C with 1, D with none.
    const direct = [3, 2, 1, 0].reduce((a, k) => a + airtimeMs(LONG_FAST, dmFrameBytes(40, k)), 0);
    expect((two.m.dataAirtimeS - one.m.dataAirtimeS) * 1000).toBeCloseTo(direct, 6);
  });

  test("a broadcast floods through every repeater once: 5 transmissions, full coverage", () => {
    const { m } = runLine(5, [{ atS: 1, src: 0, dst: -1 }]);
    expect(m.broadcastCoverage).toBe(1);
    expect(m.dataTx).toBe(5);
    expect(m.broadcastTxPerMessage).toBe(5);
    expect(m.limitBroadcastTx).toBe(4);
  });

  test("flood.max caps the hops: with 2, a flood from one end stops after two repeaters have added themselves", () => {
    const { m } = runLine(5, [{ atS: 1, src: 0, dst: -1 }], { floodMax: 2 });
    expect(m.dataTx).toBe(3);
    expect(m.broadcastCoverage).toBeCloseTo(3 / 4, 9);
  });
});

describe("only repeaters relay", () => {
  test("a companion in the middle of a line stops floods: the far end is not reached", () => {
    // 0 - 1 (repeater) - 2 (companion) - 3
    const bc = runLine(4, [{ atS: 1, src: 0, dst: -1 }], { repeaters: [1] });
    expect(bc.m.dataTx).toBe(2);
    expect(bc.m.broadcastCoverage).toBeCloseTo(2 / 3, 9);
    const dm = runLine(4, [{ atS: 1, src: 0, dst: 3, wantAck: true }], { repeaters: [1] });
    expect(dm.m.unicastDelivered).toBe(0);
  });
  test("an unanswered DM goes out 1 + 3 times (no path known: all floods), then fails", () => {
    // 2 km apart: nobody hears anybody.
    const { m } = runLine(3, [{ atS: 1, src: 0, dst: 2, wantAck: true }], { spacingM: 2000 });
    expect(m.dataTx).toBe(1 + MAX_RETRIES);
    expect(m.unicastDelivered).toBe(0);
  });
});

// ---- the station driven by hand -------------------------------------------------------------

const IDS = [0x1000_0001, 0x2000_0002, 0x3000_0003];

function station(i: number, repeater: boolean, floodMax = 64): MeshCoreStation {
  const ctx: RouterContext = {
    id: IDS[i],
    rng: new SeededRng(7 + i),
    now: 0,
    preset: LONG_FAST,
    region: regionByName("US915"),
    frequencyHz: 906_875_000,
    position: undefined,
    role: "CLIENT",
    battery: 1,
    params: {},
    repeater,
    contacts: IDS,
  };
  return new MeshCoreStation(ctx, { repeater, floodMax });
}

/** Runs the station alone until `until`, returning every frame it sends (all "sent" at once). */
function drive(s: MeshCoreStation, from: number, until: number): Array<{ at: number; frame: TxFrame }> {
  const out: Array<{ at: number; frame: TxFrame }> = [];
  let now = from;
  for (let guard = 0; guard < 10_000; guard++) {
    if (s.nextWakeup() <= now) s.tick(now);
    const f = s.pollTransmit(now);
    if (f) {
      const end = now + airtimeMs(LONG_FAST, f.bytes.length);
      out.push({ at: now, frame: f });
      s.transmitDone(end, "sent");
      now = end;
      continue;
    }
    const next = s.nextWakeup();
    if (next > until) break;
    now = Math.max(now, next);
  }
  return out;
}

describe("the meshcore station", () => {
  test("with a known path, retries go direct and the last one floods and forgets the path", () => {
    const a = station(0, false);
    // C (index 2) tells A the way to it: through repeater 0x22 then 0x33.
    const path = new Uint8Array([0x22, 0x33]);
    const answer = encodePacket({ route: ROUTE_DIRECT, type: TYPE_PATH, path: new Uint8Array(0), payload: peerPayload(IDS[2], IDS[0], pathPlain(path, undefined)) });
    a.receive(answer, { rssi: -100, snr: 5, at: 0 });
    expect([...(a.pathTo(IDS[2]) ?? [])]).toEqual([0x22, 0x33]);
    expect(a.send(10, IDS[2], new Uint8Array(20), { wantAck: true }).ok).toBe(true);
    const sent = drive(a, 10, 120_000).map((x) => decodePacket(x.frame.bytes)).filter((p) => p?.type === TYPE_TXT_MSG);
    expect(sent.map((p) => p?.route)).toEqual([ROUTE_DIRECT, ROUTE_DIRECT, ROUTE_DIRECT, ROUTE_FLOOD]);
    expect([...(sent[0]?.path ?? [])]).toEqual([0x22, 0x33]);
    expect(a.pathTo(IDS[2])).toBeUndefined();
    const events = a.drainEvents();
    expect(events.filter((e) => e.type === "fallback-flood")).toHaveLength(1);
    expect(events.filter((e) => e.type === "send-failed")).toHaveLength(1);
  });

  test("ACK timeouts: flood 500 ms + 16 × airtime, direct 500 ms + (6 × airtime + 250 ms) × (hops + 1)", () => {
    expect(ackTimeoutMs(100, -1)).toBe(2100);
    expect(ackTimeoutMs(100, 2)).toBe(500 + 850 * 3);
  });

  test("loop detection: a repeater drops a flood whose path names it twice already", () => {
    const r = station(1, true);
    const me = IDS[1] & 0xff;
    const body = groupPayload(textPlain(1, 0, new Uint8Array(10)));
    r.receive(encodePacket({ route: ROUTE_FLOOD, type: TYPE_GRP_TXT, path: new Uint8Array([me, 0x44, me]), payload: body }), { rssi: -100, snr: 5, at: 0 });
    expect(r.stats.loopDrops).toBe(1);
    expect(drive(r, 0, 10_000)).toHaveLength(0);
    const once = groupPayload(textPlain(2, 0, new Uint8Array(10)));
    r.receive(encodePacket({ route: ROUTE_FLOOD, type: TYPE_GRP_TXT, path: new Uint8Array([me, 0x44]), payload: once }), { rssi: -100, snr: 5, at: 0 });
    const relayed = drive(r, 0, 10_000).map((x) => decodePacket(x.frame.bytes));
    expect(relayed).toHaveLength(1);
    expect([...(relayed[0]?.path ?? [])]).toEqual([me, 0x44, me]);
  });

  test("the retransmit delay stays within [0, 5·t], t = airtime(path + payload + 2) × 0.5", () => {
    const r = station(1, true);
    const t = (airtimeMs(LONG_FAST, 2 + 0 + groupPayload(textPlain(0, 0, new Uint8Array(10))).length) * 0.5);
    let max = 0;
    for (let k = 0; k < 50; k++) {
      const body = groupPayload(textPlain(100 + k, 0, new Uint8Array(10)));
      const at = k * 100_000;
      r.receive(encodePacket({ route: ROUTE_FLOOD, type: TYPE_GRP_TXT, path: new Uint8Array(0), payload: body }), { rssi: -100, snr: 5, at });
      const [x] = drive(r, at, at + 50_000);
      max = Math.max(max, x.at - at);
      expect(x.at - at).toBeLessThanOrEqual(5 * t);
    }
    expect(max).toBeGreaterThan(2.5 * t); // the spread is used, not a fixed delay
  });

  test("companions never relay; a repeater forwards a direct packet only when the path names it next", () => {
    const c = station(0, false);
    const body = groupPayload(textPlain(1, 0, new Uint8Array(10)));
    c.receive(encodePacket({ route: ROUTE_FLOOD, type: TYPE_GRP_TXT, path: new Uint8Array(0), payload: body }), { rssi: -100, snr: 5, at: 0 });
    expect(drive(c, 0, 10_000)).toHaveLength(0);
    const r = station(1, true);
    const dm = peerPayload(IDS[0], IDS[2], textPlain(5, 0, new Uint8Array(10)));
    r.receive(encodePacket({ route: ROUTE_DIRECT, type: TYPE_TXT_MSG, path: new Uint8Array([0x99]), payload: dm }), { rssi: -100, snr: 5, at: 0 });
    expect(drive(r, 0, 10_000)).toHaveLength(0);
    r.receive(encodePacket({ route: ROUTE_DIRECT, type: TYPE_TXT_MSG, path: new Uint8Array([IDS[1] & 0xff, 0x99]), payload: dm }), { rssi: -100, snr: 5, at: 0 });
    const fwd = drive(r, 0, 10_000).map((x) => decodePacket(x.frame.bytes));
    expect(fwd).toHaveLength(1);
    expect([...(fwd[0]?.path ?? [])]).toEqual([0x99]);
  });

  test("a repeater advertises at MeshCore's default intervals: 6 zero-hop and 2 flood adverts a day", () => {
    const r = station(1, true);
    const frames = drive(r, 0, 24 * 3_600_000).map((x) => decodePacket(x.frame.bytes));
    const adverts = frames.filter((p) => p?.type === TYPE_ADVERT);
    expect(adverts.filter((p) => p?.route === ROUTE_DIRECT)).toHaveLength((24 * 3_600_000) / ADVERT_INTERVAL_MS);
    expect(adverts.filter((p) => p?.route === ROUTE_FLOOD)).toHaveLength((24 * 3_600_000) / FLOOD_ADVERT_INTERVAL_MS);
    expect(drive(station(0, false), 0, 24 * 3_600_000)).toHaveLength(0); // a companion never does
  });

  test("hostile frames are counted and dropped, never thrown", () => {
    const r = station(1, true);
    for (const bad of [new Uint8Array(0), new Uint8Array([0xff]), new Uint8Array([0x01, 200, 1, 2]), new Uint8Array([ROUTE_FLOOD | (3 << 2), 0, 1])]) {
      expect(() => r.receive(bad, { rssi: -100, snr: 0, at: 0 })).not.toThrow();
    }
    expect(r.stats.malformed).toBeGreaterThanOrEqual(3);
  });
});

describe("which nodes are repeaters", () => {
  function sim(scenario: ReturnType<typeof lineScenario>) {
    const entry = routerEntry("meshcore");
    if (!entry) throw new Error("meshcore");
    return new Simulation({ scenario, routerName: "meshcore", factory: entry.factory, seed: 1 });
  }
  test("the Bay Area's mountain and hill tiers are its repeaters", () => {
    const bay = findBuiltin("bay-area");
    if (!bay) throw new Error("bay-area");
    const r = sim(bay).repeaters;
    expect(r.rule).toBe("marked");
    expect(r.count).toBe(7 + 35);
  });
  test("a scenario that marks none gets the grid rule: one per cell of side rangeM/√2, deterministic", () => {
    const city = findBuiltin("medium-city");
    if (!city) throw new Error("medium-city");
    const a = sim(city).repeaters;
    expect(a.rule).toBe("grid");
    // 5 km square, 2 km range: cells of 1414 m, 4 × 4 of them, each holding nodes.
    expect(a.count).toBe(16);
    expect([...sim(city).repeaters.repeater]).toEqual([...a.repeater]);
  });
  test("roles.repeaters and roles.repeaterTiers are validated with clear errors", () => {
    expect(() => lineScenario(3, 1000, { roles: { repeaters: [3] } })).toThrow(/roles\.repeaters\[0\].*maximum 2/);
    expect(() => lineScenario(3, 1000, { roles: { repeaters: [1, 1] } })).toThrow(/listed twice/);
    expect(() => lineScenario(3, 1000, { roles: { repeaterTiers: ["hill"] } })).toThrow(/no tier is named "hill"/);
    expect(() => lineScenario(3, 1000, { routerParams: { meshcore: { floodMax: 65 } } })).toThrow(/routerParams\.meshcore\.floodMax/);
    expect(() => lineScenario(3, 1000, { routerParams: { meshcore: { floodmax: 8 } } })).toThrow(/floodmax/);
    expect(lineScenario(3, 1000, { roles: { repeaters: [1] } }).repeaters.nodes).toEqual([1]);
  });
  test("explicit nodes may name their tier for repeaterTiers", () => {
    const s = parseScenario(
      {
        name: "tiny-map",
        nodes: [{ x: 0, y: 0, tier: "roof" }, { x: 500, y: 0 }, { x: 900, y: 0, tier: "roof" }],
        areaM: 1000,
        terrain: "urban",
        rangeM: 800,
        roles: { repeaterTiers: ["roof"] },
      },
      "tiny",
    );
    const r = sim(s).repeaters;
    expect([...r.repeater]).toEqual([1, 0, 1]);
  });
});
