// The simulator's internet (scenario `internet`, src/sim/internet/broker.ts): the schema's
// errors, and the broker model against answers worked out by hand: latency, FIFO jitter, loss,
// outages, and presence after a cut (client after one keepalive, broker after 1.5).
import { describe, expect, test } from "vitest";
import { PRESETS } from "../../src/core/presets";
import { REGIONS } from "../../src/core/regions";
import { SeededRng } from "../../src/core/rng";
import { BROADCAST } from "../../src/core/station";
import { InternetModel } from "../../src/sim/internet/broker";
import type { ClientNotice } from "../../src/sim/internet/broker";
import type { RouterContext } from "../../src/sim/routers/context";
import { PORT_DATA, decodeFrame, encodeFrame, isViaMqtt, markViaMqtt } from "../../src/sim/routers/header";
import { MeshtasticStation } from "../../src/sim/routers/meshtastic";
import { MAX_MQTT_QUEUE, MESHTASTIC_CHANNEL, MeshtasticGateway } from "../../src/sim/routers/mqtt-gateway";
import type { Internet } from "../../src/sim/scenario/internet";
import { ScenarioError, parseScenario } from "../../src/sim/scenario/schema";

const nodes = [
  { x: 0, y: 0, tier: "west" },
  { x: 500, y: 0, tier: "west" },
  { x: 1000, y: 0, tier: "east" },
  { x: 1500, y: 0, tier: "east" },
];
const base = { name: "gw", nodes, terrain: "urban", rangeM: 800, timing: { warmupS: 60, durationS: 600, drainS: 60 } };
const parse = (internet: unknown) => parseScenario({ ...base, internet }, "test");
const fails = (internet: unknown, message: RegExp) => {
  expect(() => parse(internet)).toThrow(ScenarioError);
  expect(() => parse(internet)).toThrow(message);
};

describe("scenario internet section", () => {
  test("defaults, per-gateway overrides, and scenario-wide outages merged into every link", () => {
    const s = parse({
      gateways: [0, { node: 2, latencyMs: 120, loss: 0.1, outages: [{ startS: 250, endS: 300 }], clusters: ["u0m"] }],
      jitterMs: 5,
      outages: [{ startS: 200, endS: 260 }],
      sites: ["west", "east"],
    });
    const net = s.internet!;
    expect(net.keepaliveS).toBe(10);
    expect(net.sites).toEqual(["west", "east"]);
    expect(net.links[0]).toEqual({ node: 0, latencyMs: 40, jitterMs: 5, loss: 0, outages: [{ startS: 200, endS: 260 }], clusters: [] });
    expect(net.links[1]).toEqual({ node: 2, latencyMs: 120, jitterMs: 5, loss: 0.1, outages: [{ startS: 200, endS: 300 }], clusters: ["u0m"] });
    expect(parseScenario(base, "test").internet).toBeUndefined();
  });
  test("bad input gets a clear error with its path", () => {
    fails({}, /internet\.gateways: required/);
    fails({ gateways: [] }, /internet\.gateways: required/);
    fails({ gateways: [4] }, /internet\.gateways\[0\]: 4 is above the maximum 3/);
    fails({ gateways: [1, { node: 1 }] }, /node 1 is listed twice/);
    fails({ gateways: [0], loss: 1.5 }, /internet\.loss: 1\.5 is above the maximum 1/);
    fails({ gateways: [0], latencyMs: -1 }, /internet\.latencyMs: -1 is below the minimum 0/);
    fails({ gateways: [0], outages: [{ startS: 300, endS: 200 }] }, /internet\.outages\[0\]\.endS: 200 s is not after startS 300 s/);
    fails({ gateways: [0], outages: [{ startS: 900, endS: 1000 }] }, /after the run's end \(720 s/);
    fails({ gateways: [0], outages: [{ startS: 10 }] }, /internet\.outages\[0\]\.endS: required/);
    fails({ gateways: [{ node: 0, latncyMs: 5 }] }, /internet\.gateways\[0\]\.latncyMs: unknown setting/);
    fails({ gateways: [0], sites: ["west", "north"] }, /internet\.sites\[1\]: no tier is named "north" \(tiers: west, east\)/);
    fails({ gateways: [0], sites: ["west"] }, /at least two sites/);
    fails({ gateways: [0], keepalive: 5 }, /internet\.keepalive: unknown setting/);
    fails({ gateways: "0" }, /internet\.gateways: expected an array/);
    fails({ gateways: [{ node: 0, clusters: ["u0a"] }] }, /internet\.gateways\[0\]\.clusters\[0\]: "u0a" is not a geohash prefix/);
    fails({ gateways: [{ node: 0, clusters: Array(9).fill("u0") }] }, /at most 8 cluster prefixes/);
  });
});

const net = (over: Partial<Internet> & { links: Internet["links"] }): Internet => ({ keepaliveS: 10, sites: [], ...over });
const link = (node: number, more: Partial<Internet["links"][number]> = {}): Internet["links"][number] => ({ node, latencyMs: 50, jitterMs: 0, loss: 0, outages: [], clusters: [], ...more });
const bytes = Uint8Array.of(1, 2, 3);

describe("internet model", () => {
  test("a frame reaches every other subscriber after uplink + downlink latency, never its publisher", () => {
    const m = new InternetModel(net({ links: [link(0), link(1, { latencyMs: 30 }), link(2)] }), new SeededRng(1));
    m.subscribe(0, ["c/a"]);
    m.subscribe(1, ["c/a"]);
    m.subscribe(2, ["c/b"]);
    const out = m.publish(1000, 0, "c/a", bytes);
    expect(out.map((d) => [d.to, d.at])).toEqual([[1, 1080]]);
    expect([...out[0].bytes]).toEqual([1, 2, 3]);
    expect(m.publish(1000, 0, "c/b", bytes).map((d) => [d.to, d.at])).toEqual([[2, 1100]]);
  });
  test("jitter never reorders one link's frames (TCP), and stays within its bound", () => {
    const m = new InternetModel(net({ links: [link(0, { jitterMs: 200 }), link(1, { jitterMs: 200 })] }), new SeededRng(7));
    m.subscribe(1, ["t"]);
    let last = 0;
    for (let k = 0; k < 200; k++) {
      const [d] = m.publish(1000 + k, 0, "t", bytes);
      expect(d.at).toBeGreaterThanOrEqual(last);
      expect(d.at).toBeLessThanOrEqual(1000 + k + 100 + 400);
      last = d.at;
    }
  });
  test("loss: each traversal loses its share, by seed", () => {
    const run = (seed: number) => {
      const m = new InternetModel(net({ links: [link(0, { loss: 0.2 }), link(1, { loss: 0.2 })] }), new SeededRng(seed));
      m.subscribe(1, ["t"]);
      let got = 0;
      for (let k = 0; k < 5000; k++) got += m.publish(1000 + k * 10, 0, "t", bytes).length;
      return { got, stats: { ...m.stats } };
    };
    const a = run(3);
    // Two traversals of 20 % loss each: 0.8 × 0.8 = 64 % arrive.
    expect(a.got / 5000).toBeGreaterThan(0.62);
    expect(a.got / 5000).toBeLessThan(0.66);
    expect(a.stats.lostLoss).toBe(5000 - a.got);
    expect(run(3)).toEqual(a);
    expect(run(4).got).not.toBe(a.got);
  });
  test("an outage drops what is published during it, on either side", () => {
    const outages = [{ startS: 100, endS: 200 }];
    const m = new InternetModel(net({ links: [link(0, { outages }), link(1)] }), new SeededRng(1));
    m.subscribe(0, ["t"]);
    m.subscribe(1, ["t"]);
    expect(m.publish(99_000, 0, "t", bytes)).toHaveLength(1);
    expect(m.publish(99_960, 0, "t", bytes)).toHaveLength(0); // reaches the broker after the cut
    expect(m.publish(150_000, 0, "t", bytes)).toHaveLength(0);
    expect(m.publish(150_000, 1, "t", bytes)).toHaveLength(0);
    expect(m.stats.lostOutage).toBe(2);
    expect(m.stats.lostOutageDownlink).toBe(1);
    expect(m.linkUp(0, 150_000)).toBe(false);
    expect(m.linkUp(0, 200_000)).toBe(true);
    // After the cut the broker holds gateway 0 offline until its record is back (end + 3 × latency).
    expect(m.publish(200_040, 1, "t", bytes)).toHaveLength(0);
    expect(m.publish(200_200, 1, "t", bytes).map((d) => d.at)).toEqual([200_300]);
  });
  test("presence: the client sees the cut after one keepalive, the others after 1.5 plus their latency", () => {
    const m = new InternetModel(net({ links: [link(0, { outages: [{ startS: 100, endS: 200 }] }), link(1, { latencyMs: 20 })] }), new SeededRng(1));
    const seen = (n: ClientNotice) => (n.kind === "status" ? `${n.at} ${n.gateway} status ${n.up}` : `${n.at} ${n.gateway} peer ${n.peer} ${n.up}`);
    expect(m.notices().map(seen)).toEqual([
      "40 1 status true", // CONNACK after 2 × 20 ms
      "60 1 peer 0 false", // retained records on connection: 0 is not online yet
      "100 0 status true",
      "150 0 peer 1 true",
      "170 1 peer 0 true", // 0's online record reaches the broker at 150, gateway 1 20 ms later
      "110000 0 status false", // keepalive 10 s after the cut at 100 s
      "115020 1 peer 0 false", // the broker's last will at 1.5 × keepalive, + 20 ms to gateway 1
      "200100 0 status true", // reconnected 2 × latency after the link is back
      "200150 0 peer 1 true",
      "200170 1 peer 0 true",
    ]);
    expect(m.clientConnected(0, 109_999)).toBe(true);
    expect(m.clientConnected(0, 110_000)).toBe(false);
    expect(m.brokerSeesOnline(0, 115_000)).toBe(false);
  });
  test("a cut shorter than the keepalive goes unnoticed: frames are lost, nobody is told", () => {
    const m = new InternetModel(net({ links: [link(0, { outages: [{ startS: 100, endS: 108 }] }), link(1)] }), new SeededRng(1));
    m.subscribe(1, ["t"]);
    expect(m.notices().filter((n) => n.at > 1000)).toEqual([]);
    expect(m.publish(104_000, 0, "t", bytes)).toHaveLength(0);
    expect(m.clientConnected(0, 104_000)).toBe(true);
  });
});

describe("Meshtastic MQTT gateway (the baseline that bridges everything)", () => {
  const ctx = (id: number): RouterContext => ({
    id,
    rng: new SeededRng(id),
    now: 0,
    preset: PRESETS.LONG_FAST,
    region: REGIONS.EU868,
    frequencyHz: 869.525e6,
    position: undefined,
    role: "CLIENT",
    battery: 1,
    params: {},
  });
  const packet = (from: number, id: number, hopLimit = 3) =>
    encodeFrame({ to: BROADCAST, from, id, hopLimit, wantAck: false, hopStart: 3, nextHop: 0, relayNode: from & 0xff }, PORT_DATA, Uint8Array.of(9, 9));
  const rx = { rssi: -100, snr: 5, at: 1000 };
  const gateway = () => new MeshtasticGateway(new MeshtasticStation(ctx(0x0a0b0c0d), { mode: "managed", hopLimit: 3 }));

  test("uplinks each fresh packet once, never a duplicate nor a packet that came from MQTT", () => {
    const g = gateway();
    g.bridgeStatus(0, true);
    g.receive(packet(0x11, 1), rx);
    g.receive(packet(0x11, 1, 2), rx); // a relay's copy: a duplicate
    const via = packet(0x22, 2);
    markViaMqtt(via);
    g.receive(via, rx);
    const up = g.pollBridge(1000);
    expect(up?.cluster).toBe(MESHTASTIC_CHANNEL);
    expect(decodeFrame(up!.bytes)).toMatchObject({ from: 0x11, id: 1, hopLimit: 3 });
    expect(g.pollBridge(1000)).toBeUndefined();
  });
  test("while disconnected it queues 16, dropping the oldest, and publishes them on reconnection", () => {
    const g = gateway();
    for (let k = 1; k <= 20; k++) g.receive(packet(0x11, k), { ...rx, at: 1000 + k });
    expect(g.pollBridge(2000)).toBeUndefined();
    g.bridgeStatus(3000, true);
    const ids: number[] = [];
    for (let f = g.pollBridge(3000); f; f = g.pollBridge(3000)) ids.push(decodeFrame(f.bytes)!.id);
    expect(ids).toEqual(Array.from({ length: MAX_MQTT_QUEUE }, (_, k) => k + 5));
    expect(g.stats.queueDrops).toBe(4);
  });
  test("downlink: its own packets ignored, a seen packet deduplicated by the packet-id cache, a new one delivered and rebroadcast marked via_mqtt", () => {
    const g = gateway();
    g.bridgeStatus(0, true);
    g.bridgeReceive(packet(0x0a0b0c0d, 7), { at: 1000, gateway: 0x99 });
    expect(g.stats.downlinkOwn).toBe(1);
    g.receive(packet(0x11, 1), rx);
    g.bridgeReceive(packet(0x11, 1), { at: 1100, gateway: 0x99 });
    expect(g.stats.downlinkDuplicates).toBe(1);
    g.drainEvents();
    g.bridgeReceive(packet(0x33, 3), { at: 1200, gateway: 0x99 });
    expect(g.stats.downlinked).toBe(1);
    expect(g.drainEvents().filter((e) => e.type === "delivered")).toHaveLength(1);
    let relay: Uint8Array | undefined;
    for (let t = 1200; t < 20_000 && relay === undefined; t += 50) {
      const f = g.pollTransmit(t);
      if (f && decodeFrame(f.bytes)?.from === 0x33) relay = f.bytes;
      else if (f) g.transmitDone(t + 500, "sent");
    }
    expect(relay).toBeDefined();
    expect(isViaMqtt(relay!)).toBe(true);
    expect(decodeFrame(relay!)?.hopLimit).toBe(2);
    // Not published again: it came from MQTT.
    const out: number[] = [];
    for (let f = g.pollBridge(20_000); f; f = g.pollBridge(20_000)) out.push(decodeFrame(f.bytes)!.from);
    expect(out).toEqual([0x11]);
  });
});
