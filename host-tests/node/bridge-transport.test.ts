// The bridge transport against a real Mosquitto (host-tests/node/mosquitto.ts): the driver
// (src/app/bridge-driver.ts) on the npm `mqtt` link (src/host/mqtt-link.ts), between recording
// BridgePorts. Presence and last-will, frames to the other gateway's cluster, hostile input
// counted and dropped before the core, the broker killed and brought back.
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseBrokerUrl, type MqttLink, type MqttLinkFactory } from "../../src/app/bridge-link";
import { BridgeDriver } from "../../src/app/bridge-driver";
import { BRIDGE_MAX_FRAME, encodePresence } from "../../src/core/bridge/topics";
import type { BridgePort, BridgeRxMeta, BridgeTxFrame } from "../../src/core/station";
import { HostMqttLink, hostMqttLink } from "../../src/host/mqtt-link";
import { Mosquitto } from "./mosquitto";

const NET = "0e5d0c1a";

/** A core stand-in: records what the transport hands it, offers frames queued by the test. */
class RecordingPort implements BridgePort {
  readonly out: BridgeTxFrame[] = [];
  readonly received: Array<{ bytes: Uint8Array; meta: BridgeRxMeta }> = [];
  readonly statuses: boolean[] = [];
  readonly peers: Array<{ gateway: number; up: boolean; clusters: readonly string[] }> = [];
  constructor(readonly clusters: string[]) {}
  bridgeStatus(_now: number, up: boolean): void {
    this.statuses.push(up);
  }
  bridgePeer(_now: number, gateway: number, up: boolean, clusters: readonly string[]): void {
    this.peers.push({ gateway, up, clusters: [...clusters] });
  }
  bridgeReceive(bytes: Uint8Array, meta: BridgeRxMeta): void {
    this.received.push({ bytes, meta });
  }
  pollBridge(): BridgeTxFrame | undefined {
    return this.out.shift();
  }
  bridgeClusters(): readonly string[] {
    return this.clusters;
  }
}

const realClock = { now: () => performance.now(), set: (fn: () => void, ms: number) => setTimeout(fn, ms), clear: (t: unknown) => clearTimeout(t as NodeJS.Timeout) };

interface Gateway {
  readonly port: RecordingPort;
  readonly driver: BridgeDriver;
  readonly links: HostMqttLink[];
  readonly notices: string[];
}

function gateway(id: number, clusters: string[], url: string): Gateway {
  const port = new RecordingPort(clusters);
  const links: HostMqttLink[] = [];
  const factory: MqttLinkFactory = (o, e) => {
    const l = hostMqttLink()(o, e) as HostMqttLink;
    links.push(l);
    return l as MqttLink;
  };
  const broker = parseBrokerUrl(url);
  if (!broker.ok) throw new Error(broker.error);
  const notices: string[] = [];
  let driver: BridgeDriver;
  driver = new BridgeDriver({
    port, self: id, net: NET, link: factory, broker: broker.value, clock: realClock, random: () => 0.5,
    poke: () => driver.pump(realClock.now()), maxFrame: BRIDGE_MAX_FRAME, notice: (t) => notices.push(t), keepaliveMs: 2_000, connectTimeoutMs: 2_000,
  });
  return { port, driver, links, notices };
}

async function until(what: string, done: () => boolean, ms = 5_000): Promise<number> {
  const t0 = performance.now();
  while (!done()) {
    if (performance.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - t0;
}

function rawClient(url: string): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, protocolVersion: 4 });
    c.once("connect", () => resolve(c));
    c.once("error", reject);
  });
}

describe("the bridge transport on a real Mosquitto", () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await Mosquitto.start();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  test("presence both ways, frames to the other gateway's cluster topic byte for byte; last-will on a cut connection", async () => {
    const a = gateway(0x0a000001, ["u0yj"], broker.url);
    const b = gateway(0x0b000002, ["u281"], broker.url);
    try {
      a.driver.start();
      b.driver.start();
      await until("both up and each seeing the other", () => a.port.peers.some((p) => p.gateway === 0x0b000002 && p.up) && b.port.peers.some((p) => p.gateway === 0x0a000001 && p.up));
      expect(a.port.statuses).toEqual([true]);
      expect(b.port.peers.find((p) => p.gateway === 0x0a000001)).toEqual({ gateway: 0x0a000001, up: true, clusters: ["u0yj"] });
      const frame = Uint8Array.from({ length: 40 }, (_, i) => (i * 37) & 0xff);
      a.port.out.push({ bytes: frame, cluster: "u281" }, { bytes: Uint8Array.of(1, 2, 3), cluster: "u0yj" });
      a.driver.pump(realClock.now());
      await until("B receives the frame", () => b.port.received.length === 1);
      expect([...b.port.received[0].bytes]).toEqual([...frame]);
      // A's frame to its own cluster comes back to it (MQTT echoes): the core drops it as its own (B6).
      await until("A's echo", () => a.port.received.length === 1);
      expect([...a.port.received[0].bytes]).toEqual([1, 2, 3]);
      expect(a.driver.counters.published).toBe(2);
      expect(a.driver.statusRows().find(([k]) => k === "state")?.[1]).toMatch(/^connected for/);
      // A dies without a DISCONNECT: the broker publishes its will, B hears A is down.
      const t0 = performance.now();
      a.links.at(-1)?.sever();
      await until("A's last-will at B", () => b.port.peers.some((p) => p.gateway === 0x0a000001 && !p.up), 5_000);
      const willMs = performance.now() - t0;
      expect(willMs).toBeLessThan(3_000);
      process.stdout.write(`bridge transport: last-will of a cut gateway seen by the other after ${willMs.toFixed(0)} ms\n`);
    } finally {
      a.driver.stop();
      b.driver.stop();
    }
  });

  test("hostile input on the topics is counted and dropped before the core", async () => {
    const b = gateway(0x0b000003, ["u282"], broker.url);
    const raw = await rawClient(broker.url);
    try {
      b.driver.start();
      await until("B up", () => b.driver.state === "up");
      await new Promise((r) => setTimeout(r, 100)); // the SUBACK
      const pub = (topic: string, payload: Uint8Array, retain = false) => new Promise<void>((r) => raw.publish(topic, Buffer.from(payload), { qos: 0, retain }, () => r()));
      await pub(`s5/${NET}/c/u282`, new Uint8Array(BRIDGE_MAX_FRAME + 1)); // oversized
      await pub(`s5/${NET}/c/u282`, new Uint8Array(0)); // empty
      await pub(`s5/${NET}/gw/0c000001`, Uint8Array.of(0xff, 0x00)); // presence that does not decode
      await pub(`s5/${NET}/gw/0c000002`, encodePresence({ gateway: 0x0c000009, up: true, clusters: ["u0"] })); // record under another id's topic
      await pub(`s5/${NET}/gw/zz`, Uint8Array.of(1)); // not a gateway id: not a bridge topic
      await pub(`s5/${NET}/c/u282`, new Uint8Array(BRIDGE_MAX_FRAME).fill(7)); // the largest frame: passed on
      await until("the counters", () => b.driver.counters.received === 1);
      const c = b.driver.counters;
      expect({ oversized: c.oversized, empty: c.empty, badTopic: c.badTopic, badPresence: c.badPresence }).toEqual({ oversized: 1, empty: 1, badTopic: 1, badPresence: 2 });
      expect(b.port.received.map((r) => r.bytes.length)).toEqual([BRIDGE_MAX_FRAME]);
      expect(b.port.peers.filter((p) => p.gateway !== 0x0a000001 && p.gateway !== 0x0b000002)).toEqual([]);
      expect(b.driver.statusRows().find(([k]) => k === "dropped")?.[1]).toBe("oversized 1, empty 1, bad topic 1, bad presence 2");
    } finally {
      raw.end(true);
      b.driver.stop();
    }
  });

  test("a cluster the node no longer serves is unsubscribed: the broker stops sending its frames", async () => {
    const b = gateway(0x0b000004, ["u284"], broker.url);
    const raw = await rawClient(broker.url);
    try {
      b.driver.start();
      await until("B up", () => b.driver.state === "up");
      await new Promise((r) => setTimeout(r, 100)); // the SUBACK
      const pub = (cluster: string, byte: number) => new Promise<void>((r) => raw.publish(`s5/${NET}/c/${cluster}`, Buffer.of(byte), { qos: 0 }, () => r()));
      await pub("u284", 1);
      await until("the frame on the served cluster", () => b.port.received.length === 1);
      b.port.clusters.splice(0, 1, "u285");
      b.driver.pump(realClock.now());
      await new Promise((r) => setTimeout(r, 100)); // the SUBACK and UNSUBACK
      await pub("u284", 2);
      await pub("u285", 3);
      await until("the frame on the new cluster", () => b.port.received.length === 2);
      await new Promise((r) => setTimeout(r, 100));
      expect(b.port.received.map((r) => r.bytes[0])).toEqual([1, 3]);
    } finally {
      raw.end(true);
      b.driver.stop();
    }
  });

  test("the broker killed: both sides see the link down, frames are not sent, and they reconnect when it returns", async () => {
    const a = gateway(0x0a000011, ["u0yk"], broker.url);
    const b = gateway(0x0b000012, ["u283"], broker.url);
    try {
      a.driver.start();
      b.driver.start();
      await until("both up", () => a.driver.state === "up" && b.driver.state === "up");
      await broker.kill();
      const downMs = await until("both down", () => a.port.statuses.at(-1) === false && b.port.statuses.at(-1) === false);
      process.stdout.write(`bridge transport: broker killed, both gateways saw the link down after ${downMs.toFixed(0)} ms\n`);
      expect(a.notices.some((n) => /lost .*the mesh carries on over LoRa/.test(n))).toBe(true);
      a.port.out.push({ bytes: Uint8Array.of(9), cluster: "u283" });
      a.driver.pump(realClock.now());
      expect(a.driver.counters.notSent).toBe(1);
      expect(a.driver.statusRows().find(([k]) => k === "state")?.[1]).toMatch(/^down \(.*\); retrying in \d+ s$/);
      await broker.resume();
      const upMs = await until("both up again", () => a.port.statuses.at(-1) === true && b.port.statuses.at(-1) === true, 10_000);
      process.stdout.write(`bridge transport: broker back, both gateways up again after ${upMs.toFixed(0)} ms\n`);
      await until("presence again", () => b.port.peers.filter((p) => p.gateway === 0x0a000011 && p.up).length >= 1);
      await new Promise((r) => setTimeout(r, 100));
      a.port.out.push({ bytes: Uint8Array.of(4, 5, 6), cluster: "u283" });
      a.driver.pump(realClock.now());
      await until("frame after the outage", () => b.port.received.length === 1);
      expect(a.driver.counters.connects).toBe(2);
    } finally {
      a.driver.stop();
      b.driver.stop();
      await broker.resume();
    }
  });

  test("an unreachable broker is said once, retried with backoff, and nothing reaches the core", async () => {
    const dead = await Mosquitto.start();
    const url = dead.url;
    await dead.stop();
    const a = gateway(0x0a000021, ["u0ym"], url);
    try {
      a.driver.start();
      await until("two failed attempts", () => a.driver.counters.drops >= 2, 6_000);
      expect(a.notices).toEqual([`bridge: broker ${url} unreachable (nothing listens at 127.0.0.1:${dead.port}); the mesh carries on over LoRa, retrying`]);
      expect(a.port.statuses).toEqual([]);
      expect(a.driver.state).not.toBe("up");
    } finally {
      a.driver.stop();
    }
  });
});
