// The bridge driver (src/app/bridge-driver.ts) on a scripted link and a manual clock, for what a
// real broker cannot show quickly: the backoff after short and long connections, the presence
// table's bound, a throwing core, and subscriptions following the node's clusters.
import { describe, expect, test } from "vitest";
import type { MqttLink, MqttLinkEvents, MqttLinkFactory } from "../../src/app/bridge-link";
import { BACKOFF_FIRST_MS, BACKOFF_RESET_MS, BridgeDriver, PEERS_MAX } from "../../src/app/bridge-driver";
import { BRIDGE_MAX_FRAME, encodePresence, presenceTopic } from "../../src/core/bridge/topics";
import type { BridgePort, BridgeTxFrame } from "../../src/core/station";

const NET = "0e5d0c1a";

class ManualClock {
  t = 0;
  #timers: Array<{ at: number; fn: () => void; id: object }> = [];
  now = (): number => this.t;
  set = (fn: () => void, ms: number): object => {
    const id = {};
    this.#timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clear = (id: unknown): void => {
    this.#timers = this.#timers.filter((x) => x.id !== id);
  };
  /** Runs every timer due by now + ms, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at);
      const first = this.#timers[0];
      if (first === undefined || first.at > end) break;
      this.#timers.shift();
      this.t = first.at;
      first.fn();
    }
    this.t = end;
  }
}

class ScriptedLink implements MqttLink {
  readonly subs: string[] = [];
  readonly unsubs: string[] = [];
  constructor(readonly events: MqttLinkEvents) {}
  publish(): boolean {
    return true;
  }
  subscribe(filter: string): void {
    this.subs.push(filter);
  }
  unsubscribe(filter: string): void {
    this.unsubs.push(filter);
  }
  close(): void {}
}

class Port implements BridgePort {
  clusters: string[] = ["u0yk"];
  peers: Array<{ gateway: number; up: boolean }> = [];
  throwOn = "";
  bridgeStatus(): void {
    if (this.throwOn === "status") throw new Error("status broke");
  }
  bridgePeer(_now: number, gateway: number, up: boolean): void {
    if (this.throwOn === "peer") throw new Error("peer broke");
    this.peers.push({ gateway, up });
  }
  bridgeReceive(): void {
    if (this.throwOn === "frame") throw new TypeError("frame broke");
  }
  pollBridge(): BridgeTxFrame | undefined {
    if (this.throwOn === "poll") throw new Error("poll broke");
    return undefined;
  }
  bridgeClusters(): readonly string[] {
    return this.clusters;
  }
}

function rig() {
  const clock = new ManualClock();
  const port = new Port();
  const links: ScriptedLink[] = [];
  const notices: string[] = [];
  const factory: MqttLinkFactory = (_o, e) => {
    const l = new ScriptedLink(e);
    links.push(l);
    return l;
  };
  const driver = new BridgeDriver({
    port, self: 0x0a000001, net: NET, link: factory, broker: { tls: false, host: "127.0.0.1", port: 1883 }, clock, random: () => 0.5,
    poke: () => {}, maxFrame: BRIDGE_MAX_FRAME, notice: (t) => notices.push(t),
  });
  return { clock, port, links, notices, driver, last: () => links[links.length - 1] };
}

const presence = (id: number, up: boolean) => [presenceTopic(NET, id), encodePresence({ gateway: id, up, clusters: up ? ["u283"] : [] })] as const;

describe("the bridge driver on a scripted link", () => {
  test("the backoff starts again only after a connection stayed up 30 s", () => {
    const r = rig();
    r.driver.start();
    // Accepted then dropped at once, five times: the waits keep doubling (1, 2, 4, 8, 16 s).
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const n = r.links.length;
      r.last().events.onUp();
      r.last().events.onDown("dropped");
      const t0 = r.clock.t;
      while (r.links.length === n) r.clock.advance(100);
      waits.push(r.clock.t - t0);
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    // A connection that lasted 30 s earns the first wait again.
    r.last().events.onUp();
    r.clock.advance(BACKOFF_RESET_MS);
    r.last().events.onDown("lost");
    const n = r.links.length;
    const t0 = r.clock.t;
    while (r.links.length === n) r.clock.advance(100);
    expect(r.clock.t - t0).toBe(BACKOFF_FIRST_MS);
    r.driver.stop();
  });

  test("offline records of unknown gateways are not kept, and offline entries make room for a new gateway", () => {
    const r = rig();
    r.driver.start();
    r.last().events.onUp();
    const ev = r.last().events;
    // Offline records under invented ids take no room and never reach the core.
    for (let i = 0; i < 3 * PEERS_MAX; i++) ev.onMessage(...presence(0x20000000 + i, false));
    expect(r.port.peers).toEqual([]);
    // The table full of live gateways: one more is refused and counted.
    for (let i = 0; i < PEERS_MAX; i++) ev.onMessage(...presence(0x30000000 + i, true));
    ev.onMessage(...presence(0x40000000, true));
    expect(r.port.peers.some((p) => p.gateway === 0x40000000)).toBe(false);
    expect(r.driver.counters.badPresence).toBe(1);
    // One of them goes offline (the core hears it); its entry then gives way to the new gateway.
    ev.onMessage(...presence(0x30000000, false));
    expect(r.port.peers.at(-1)).toEqual({ gateway: 0x30000000, up: false });
    ev.onMessage(...presence(0x40000000, true));
    expect(r.port.peers.at(-1)).toEqual({ gateway: 0x40000000, up: true });
    expect(r.driver.counters.badPresence).toBe(1);
    r.driver.stop();
  });

  test("a core that throws is counted and reported, and the driver carries on", () => {
    const r = rig();
    r.port.throwOn = "status";
    r.driver.start();
    expect(() => r.last().events.onUp()).not.toThrow();
    expect(r.driver.state).toBe("up");
    r.port.throwOn = "frame";
    expect(() => r.last().events.onMessage(`s5/${NET}/c/u0yk`, Uint8Array.of(1, 2, 3))).not.toThrow();
    r.port.throwOn = "peer";
    expect(() => r.last().events.onMessage(...presence(0x0b000002, true))).not.toThrow();
    r.port.throwOn = "poll";
    expect(() => r.driver.pump(r.clock.now())).not.toThrow();
    expect(r.driver.counters.coreThrew).toBe(4);
    expect(r.notices.filter((n) => /^error: the mesh core threw \(frame broke\) on a bridge frame/.test(n))).toHaveLength(1);
    expect(r.driver.statusRows().find(([k]) => k === "dropped")?.[1]).toBe("core threw 4");
    r.port.throwOn = "";
    r.last().events.onMessage(...presence(0x0b000003, true));
    expect(r.port.peers).toEqual([{ gateway: 0x0b000003, up: true }]);
    r.driver.stop();
  });

  test("clusters no longer served are unsubscribed", () => {
    const r = rig();
    r.port.clusters = ["u0yk", "u0ym"];
    r.driver.start();
    r.last().events.onUp();
    expect(r.last().subs).toEqual([presenceTopic(NET, "+"), `s5/${NET}/c/u0yk`, `s5/${NET}/c/u0ym`]);
    r.port.clusters = ["u0ym", "u283"];
    r.driver.pump(r.clock.now());
    expect(r.last().subs.at(-1)).toBe(`s5/${NET}/c/u283`);
    expect(r.last().unsubs).toEqual([`s5/${NET}/c/u0yk`]);
    r.driver.stop();
  });
});
