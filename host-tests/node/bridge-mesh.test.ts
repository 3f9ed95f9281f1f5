// Two host-run meshes joined through a real Mosquitto (issue 16): city A (u281) and city B (u289),
// 50 km apart, three nodes each, one gateway each (the real app on emulated boards, a broker set
// in its settings, the npm mqtt link), and a thin chain of six LoRa relays between them on the
// same host air. Driven through the consoles only. A broadcast and a DM cross the bridge; the
// broker is killed and the DMs go over the chain; the broker comes back and so does the bridge;
// every message reaches its application once. A subscriber without the network key sees only
// ciphertext; replayed, altered, wrong-network and oversized frames published on the topic are
// counted and never put on the air.
//
// Virtual time runs ahead of real time (the clock advances in steps while the real broker's
// sockets are served between them), so the route changes of the OGM plane (minutes) take
// seconds; the broker's own latency is real. Figures are printed for the report.
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BOARD_PROFILES } from "../../boards";
import { radioChips, txPowerRange } from "../../boards/common/board-profile";
import { SettingsStore } from "../../src/app/settings";
import { networkTag, parseTopic } from "../../src/core/bridge/topics";
import { networkKeys } from "../../src/core/security/keys";
import { sealFrame } from "../../src/core/security/frame-seal";
import { formatNodeId } from "../../src/core/station";
import { Air } from "../../src/host/air";
import { VirtualClock } from "../../src/host/clock";
import { HostNode } from "../../src/host/host-node";
import { hostMqttLink } from "../../src/host/mqtt-link";
import { HostPreference } from "../../src/host/preference";
import { Mosquitto } from "./mosquitto";

const LAT = 48.1;
const A_LON = 11.45;
const B_LON = 12.1;
const A = [0x5a000011, 0x5a000012, 0x5a00001a]; // a1, a2, gateway A
const B = [0x5b000021, 0x5b000022, 0x5b00002b]; // b1, b2, gateway B
const CHAIN = [0x5c000031, 0x5c000032, 0x5c000033, 0x5c000034, 0x5c000035, 0x5c000036];
const GA = A[2];
const GB = B[2];
/** Virtual ms per step; real time passes between steps for the broker's sockets. */
/** How much faster than the wall clock node time may run (see World.run). */
const MAX_SPEEDUP = 100;
const STEP_MS = 50;

function prefs(settings: Record<string, string>): HostPreference {
  const p = new HostPreference();
  const store = new SettingsStore(p, txPowerRange(radioChips(BOARD_PROFILES.tbeam)));
  for (const [k, v] of Object.entries(settings)) {
    const r = store.set(k, v);
    if (!r.ok) throw new Error(`${k}: ${r.error}`);
  }
  return p;
}

interface World {
  readonly clock: VirtualClock;
  readonly air: Air;
  readonly nodes: Map<number, HostNode>;
  node(id: number): HostNode;
  /** Runs virtual time for `ms` (or until `done`), serving the real sockets between steps. */
  run(ms: number, done?: () => boolean): Promise<boolean>;
  /** Types a line at a node's console. */
  type(id: number, line: string): void;
  stop(): void;
}

function world(brokerUrl: string): World {
  const clock = new VirtualClock({ seed: 16 });
  // Links only where the test says: everything else is out of reach.
  const air = new Air(clock, { defaultPathLossDb: 250 });
  const nodes = new Map<number, HostNode>();
  const place = (id: number, lon: number, gateway: boolean): void => {
    const settings: Record<string, string> = { preset: "SHORT_FAST" };
    // 512: with six relays the bridge (≈ 1141 from a1) beats the chain (≈ 1440), docs/protocol.md §20.4.
    if (gateway) Object.assign(settings, { broker: brokerUrl, bridgecost: "512" });
    const node = new HostNode({ air, board: "tbeam", name: formatNodeId(id), id, preferences: prefs(settings), bridgeLink: hostMqttLink(clock) });
    node.gpsModule({ lat: LAT + (nodes.size % 3) * 0.001, lon });
    nodes.set(id, node);
  };
  for (const id of A) place(id, A_LON, id === GA);
  for (const id of B) place(id, B_LON, id === GB);
  CHAIN.forEach((id, i) => place(id, A_LON + ((B_LON - A_LON) * (i + 1)) / (CHAIN.length + 1), false));
  const link = (a: number, b: number): void => air.setLink(formatNodeId(a), formatNodeId(b), { pathLossDb: 110 });
  for (const city of [A, B]) for (let i = 0; i < city.length; i++) for (let j = i + 1; j < city.length; j++) link(city[i], city[j]);
  const path = [A[1], ...CHAIN, B[1]];
  for (let i = 0; i + 1 < path.length; i++) link(path[i], path[i + 1]);
  return {
    clock,
    air,
    nodes,
    node: (id) => nodes.get(id) as HostNode,
    async run(ms, done) {
      const end = clock.now() + ms;
      const nodeStart = clock.now();
      const realStart = performance.now();
      while (clock.now() < end) {
        clock.advance(Math.min(STEP_MS, end - clock.now()));
        // Node time may run at most MAX_SPEEDUP× the wall clock: the broker is a real process
        // that answers in real time, and on a loaded machine it must get its turn.
        const ahead = (clock.now() - nodeStart) / MAX_SPEEDUP - (performance.now() - realStart);
        await new Promise((r) => (ahead > 1 ? setTimeout(r, ahead) : setImmediate(r)));
        if (done?.()) return true;
      }
      return done?.() ?? true;
    },
    type: (id, line) => nodes.get(id)?.type(line),
    stop: () => {
      for (const n of nodes.values()) n.stop();
    },
  };
}

/** Lines a node printed that match `re`, in order. */
function lines(node: HostNode, re: RegExp): string[] {
  return node.output.split(/\r?\n/).filter((l) => re.test(l));
}

function count(node: HostNode, text: string): number {
  return node.output.split(text).length - 1;
}

describe("two host meshes joined through a real Mosquitto", () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await Mosquitto.start();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  test("broadcast and DM over the bridge; broker killed → the chain carries the DMs; broker back → the bridge again; each message delivered once; the broker sees ciphertext only; hostile input is dropped", async () => {
    const w = world(broker.url);
    const raw = await new Promise<mqtt.MqttClient>((resolve, reject) => {
      const c = mqtt.connect(broker.url, { reconnectPeriod: 0, protocolVersion: 4 });
      c.once("connect", () => resolve(c));
      c.once("error", reject);
    });
    const seen: Array<{ topic: string; payload: Uint8Array }> = [];
    raw.on("message", (topic, payload) => seen.push({ topic, payload: new Uint8Array(payload) }));
    await new Promise<void>((r) => raw.subscribe("s5/#", { qos: 0 }, () => r()));
    const ga = w.node(GA);
    const gb = w.node(GB);
    const a1 = w.node(A[0]);
    const b1 = w.node(B[0]);
    const bridgeOf = (n: HostNode) => n.running.mesh?.bridge;
    const routeStats = (n: HostNode) => n.running.mesh?.node.bridgeStats;
    try {
      // Both gateways connect and see each other; the meshes learn the remote cluster.
      expect(await w.run(120_000, () => bridgeOf(ga)?.state === "up" && bridgeOf(gb)?.state === "up")).toBe(true);
      expect(ga.output).toMatch(/bridge: connected to mqtt:\/\/127\.0\.0\.1:\d+/);
      await w.run(240_000);

      // A broadcast from b1 crosses to city A (and tells a1 where b1 is).
      w.type(B[0], "broadcast hello from b1");
      expect(await w.run(120_000, () => count(a1, "hello from b1") === 1 && count(w.node(A[1]), "hello from b1") === 1)).toBe(true);
      // The DM before any outage: over the bridge.
      const publishedBefore = bridgeOf(ga)?.counters.published ?? 0;
      w.type(A[0], `send ${formatNodeId(B[0])} dm-before`);
      expect(await w.run(180_000, () => count(b1, "dm-before") === 1)).toBe(true);
      expect(bridgeOf(ga)?.counters.published ?? 0).toBeGreaterThan(publishedBefore);

      // What the broker saw: frames on this network's topics, none of them readable.
      const frames = seen.filter((m) => parseTopic(m.topic)?.kind === "cluster");
      expect(frames.length).toBeGreaterThan(0);
      const plain = ["hello from b1", "dm-before"].map((t) => new TextEncoder().encode(t));
      for (const f of frames) for (const p of plain) expect(Buffer.from(f.payload).includes(Buffer.from(p))).toBe(false);

      // Hostile input on the cluster topic of city B: a replay of a real frame, the same frame
      // altered, a frame sealed under another network's key, random bytes, and an oversized one.
      const topicB = frames.find((f) => (parseTopic(f.topic) as { cluster: string }).cluster === "u289")?.topic ?? `s5/${networkTag(networkKeys(new Uint8Array(32)).netId)}/c/u289`;
      const captured = frames.find((f) => f.topic === topicB)?.payload;
      const injectedBefore = routeStats(gb)?.injected ?? 0;
      const secureBefore = { ...(gb.running.mesh?.secure.bridge?.stats ?? {}) } as Record<string, number>;
      const deliveredBefore = lines(b1, /^\[(dm|msg)\]/).length;
      const altered = captured === undefined ? new Uint8Array(40) : captured.slice();
      altered[altered.length - 1] ^= 0x55;
      // The captured frame's inner bytes are unknown here; any inner frame sealed under another key will do.
      const foreign = sealFrame(networkKeys(new Uint8Array(32).fill(9)).frame, (captured ?? new Uint8Array(30)).slice(0, 24), 7);
      if (!foreign.ok) throw new Error(foreign.reason);
      const hostile = [captured ?? new Uint8Array(30), altered, foreign.bytes, Uint8Array.from({ length: 60 }, (_, i) => (i * 91) & 0xff), new Uint8Array(300)];
      for (const h of hostile) raw.publish(topicB, Buffer.from(h), { qos: 0 });
      // The broker delivers in real time while node time runs ahead: wait (up to 10 s of wall
      // time) until all five have reached the gateway, then let the mesh run on.
      const refusedSoFar = (): number => {
        const st = gb.running.mesh?.secure.bridge?.stats as unknown as Record<string, number> | undefined;
        return ["replayed", "badTag", "badHeader", "truncated", "tooOld"].reduce((n, k) => n + (st?.[k] ?? 0) - (secureBefore[k] ?? 0), 0);
      };
      for (let waited = 0; waited < 10_000 && !(bridgeOf(gb)?.counters.oversized === 1 && refusedSoFar() >= 4); waited += 50) {
        await new Promise((r) => setTimeout(r, 50));
        await w.run(500);
      }
      await w.run(20_000);
      const secureAfter = gb.running.mesh?.secure.bridge?.stats as unknown as Record<string, number>;
      // Only frames that opened (the mesh's own traffic, still flowing) were injected; none of the five.
      expect((routeStats(gb)?.injected ?? 0) - injectedBefore).toBe(secureAfter.opened - (secureBefore.opened ?? 0));
      expect(bridgeOf(gb)?.counters.oversized).toBe(1);
      const refused = ["replayed", "badTag", "badHeader", "truncated", "tooOld"].reduce((n, k) => n + (secureAfter[k] ?? 0) - (secureBefore[k] ?? 0), 0);
      expect(refused).toBe(4);
      expect(lines(b1, /^\[(dm|msg)\]/).length).toBe(deliveredBefore);

      // The internet goes: the broker is killed.
      const killedAt = w.clock.now();
      await broker.kill();
      expect(await w.run(10_000, () => bridgeOf(ga)?.state !== "up" && bridgeOf(gb)?.state !== "up")).toBe(true);
      const downSeenMs = w.clock.now() - killedAt;
      expect(ga.output).toMatch(/bridge: broker mqtt:\/\/127\.0\.0\.1:\d+ lost .*the mesh carries on over LoRa/);
      // DMs every 60 s until one arrives over the chain.
      let firstOverChain: number | undefined;
      const during: string[] = [];
      for (let i = 0; i < 20 && firstOverChain === undefined; i++) {
        const label = `dm-during-${i}`;
        during.push(label);
        w.type(A[0], `send ${formatNodeId(B[0])} ${label}`);
        await w.run(60_000, () => during.some((l) => count(b1, `: ${l}\r\n`) > 0));
        if (during.some((l) => count(b1, `: ${l}\r\n`) > 0)) firstOverChain = w.clock.now() - killedAt;
      }
      expect(firstOverChain, "no DM reached b1 over the LoRa chain within 20 min").toBeDefined();
      await w.run(240_000);

      // The broker returns: the gateways reconnect and the DM goes over the bridge again.
      const resumedAt = w.clock.now();
      await broker.resume();
      expect(await w.run(120_000, () => bridgeOf(ga)?.state === "up" && bridgeOf(gb)?.state === "up")).toBe(true);
      const reconnectMs = w.clock.now() - resumedAt;
      await w.run(60_000);
      const publishedAfter = bridgeOf(ga)?.counters.published ?? 0;
      w.type(A[0], `send ${formatNodeId(B[0])} dm-after`);
      expect(await w.run(180_000, () => count(b1, "dm-after") === 1)).toBe(true);
      expect(bridgeOf(ga)?.counters.published ?? 0).toBeGreaterThan(publishedAfter);
      await w.run(60_000);

      // Nothing twice at any application; every DM sent either arrived once or was reported failed.
      for (const label of ["dm-before", "dm-after", ...during]) {
        const got = count(b1, `: ${label}\r\n`);
        expect(got, label).toBeLessThanOrEqual(1);
      }
      expect(count(b1, ": dm-before")).toBe(1);
      expect(count(b1, ": dm-after")).toBe(1);
      for (const n of [...w.nodes.values()]) expect(count(n, ": hello from b1\r\n"), n.name).toBeLessThanOrEqual(1);
      for (const id of A) expect(count(w.node(id), ": hello from b1\r\n"), formatNodeId(id)).toBe(id === GA ? count(ga, ": hello from b1\r\n") : 1);
      process.stdout.write(
        `bridge mesh (real Mosquitto): broker killed → gateways saw the link down after ${(downSeenMs / 1000).toFixed(1)} s, first DM over the LoRa chain ${((firstOverChain ?? 0) / 1000).toFixed(0)} s after the kill (${during.length} DM${during.length === 1 ? "" : "s"} sent during the outage, ${during.filter((l) => count(b1, `: ${l}\r\n`) === 1).length} delivered); broker back → both gateways up after ${(reconnectMs / 1000).toFixed(1)} s\n`,
      );
    } finally {
      raw.end(true);
      w.stop();
    }
  }, 600_000);
});
