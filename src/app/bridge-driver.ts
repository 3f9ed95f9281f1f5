// Moves frames between the core's BridgePort (src/core/station.ts) and an MQTT link
// (src/app/bridge-link.ts), the same on the device and on the host:
//
//   link up        → subscribe to the frame topics of every cluster in bridgeClusters() and to
//                    every gateway's presence; publish our own presence (retained); bridgeStatus(up)
//   clusters change → subscribe to the new ones, unsubscribe from the old, republish presence
//   link down      → bridgeStatus(down); reconnect after a backoff (1 s doubling to 60 s, ±25 %;
//                    back to 1 s only after a connection that stayed up 30 s)
//   frame message  → checked for size and origin here (the core checks the rest), bridgeReceive
//   presence       → decoded (bad records counted and dropped), bridgePeer; at most PEERS_MAX
//                    gateways kept, offline records of unknown gateways not kept
//   every call into the core is caught: counted (coreThrew), reported, and the driver carries on
//   after each run of the mesh loop (pump) → every frame pollBridge yields is published; while the
//                    link is down they are drained and counted, so a core that still offers some
//                    cannot keep the loop spinning
//
// Topics and records are the core's (src/core/bridge/topics.ts, docs/protocol.md §20.1): frames on
// `s5/<net>/c/<cluster>`, retained presence on `s5/<net>/gw/<gateway>`. The topic does not name a
// frame's publisher: the core reads the sealed frame's transmitter (meta.gateway is 0), and drops
// its own frames when the broker echoes them back (rule B6).
// QoS 0 everywhere: the mesh has its own end-to-end acknowledgements and retries, a QoS 1
// redelivery after a reconnect would only be a replay for the core to drop, and the Moddable SDK's
// client speaks QoS 0 only. Presence and the last-will are retained, so a gateway that subscribes
// later learns every other gateway's state at once.
import type { RadioClock, RadioTimer } from "../../drivers/radio";
import { BRIDGE_MAX_CLUSTERS, clusterTopic, decodePresence, encodePresence, isClusterPrefix, parseTopic, presenceTopic } from "../core/bridge/topics";
import { formatNodeId, type BridgePort, type BridgeTxFrame, type NodeId } from "../core/station";
import { formatBroker, type BrokerAddress, type MqttLink, type MqttLinkFactory, type MqttLinkOptions } from "./bridge-link";

export interface BridgeDriverOptions {
  readonly port: BridgePort;
  /** This gateway's node id (client id, presence topic; the core drops its own echoed frames). */
  readonly self: NodeId;
  /** The network tag (topics.ts networkTag): the first level under s5/ of every topic. */
  readonly net: string;
  readonly link: MqttLinkFactory;
  readonly broker: BrokerAddress;
  readonly username?: string;
  readonly password?: string;
  readonly wifi?: MqttLinkOptions["wifi"];
  readonly caCert?: MqttLinkOptions["caCert"];
  readonly clock: Pick<RadioClock, "now" | "set" | "clear">;
  /** Uniform random in [0, 1) for the backoff's jitter. */
  readonly random: () => number;
  /** Runs the mesh loop after the core was fed (it transmits what the frame caused). */
  readonly poke: () => void;
  /** Frames longer than this are dropped unread (the air's MTU). */
  readonly maxFrame: number;
  /** Connection changes for the person at the console. */
  readonly notice?: (text: string) => void;
  readonly keepaliveMs?: number;
  readonly connectTimeoutMs?: number;
}

export type BridgeState = "connecting" | "up" | "waiting" | "closed";

export interface BridgeCounters {
  /** Successful connections (CONNACK). */
  connects: number;
  /** Attempts that failed or connections that ended. */
  drops: number;
  published: number;
  publishedBytes: number;
  received: number;
  /** Frames dropped before the core saw them, by reason. */
  oversized: number;
  empty: number;
  /** Messages on a topic that is not this network's frame or presence topic. */
  badTopic: number;
  /** Presence records that did not decode. */
  badPresence: number;
  /** Frames the core offered while the link was down (drained and dropped). */
  notSent: number;
  /** Presence changes handed to the core. */
  peersUp: number;
  peersDown: number;
  /** Calls into the core that threw (the message or event was dropped, the driver carries on). */
  coreThrew: number;
}

export const KEEPALIVE_MS = 10_000;
export const CONNECT_TIMEOUT_MS = 10_000;
export const BACKOFF_FIRST_MS = 1_000;
export const BACKOFF_MAX_MS = 60_000;
/** A connection must stay up this long before the backoff starts again at BACKOFF_FIRST_MS, so a
 *  broker that accepts and then drops at once is not hammered every second. */
export const BACKOFF_RESET_MS = 30_000;
/** ± share of each backoff drawn at random, so gateways that lost one broker do not return in step. */
const BACKOFF_JITTER = 0.25;
/** Own frames published per pump at most; the rest wait for the next run of the loop. */
const PUMP_BATCH = 32;
/** Other gateways remembered at most (presence topics are anyone's to publish on an open broker). */
export const PEERS_MAX = 64;

export class BridgeDriver {
  readonly #o: BridgeDriverOptions;
  #link: MqttLink | undefined;
  #state: BridgeState = "closed";
  #since: number;
  #backoffMs = BACKOFF_FIRST_MS;
  #timer: RadioTimer | undefined;
  #lastError = "";
  #retryAt = 0;
  /** Cluster prefixes subscribed on the current connection, joined (changes when the node's cluster does). */
  #subscribed: string | undefined;
  /** Presence last handed to the core, by gateway (a retained record repeats at every subscribe). */
  readonly #peers = new Map<NodeId, string>();
  readonly #counters: BridgeCounters = {
    connects: 0, drops: 0, published: 0, publishedBytes: 0, received: 0, oversized: 0, empty: 0,
    badTopic: 0, badPresence: 0, notSent: 0, peersUp: 0, peersDown: 0, coreThrew: 0,
  };
  readonly #selfHex: string;

  /** Throws RangeError on a network tag that is not 8 lower-case hex digits. */
  constructor(options: BridgeDriverOptions) {
    presenceTopic(options.net, "+");
    this.#o = options;
    this.#since = options.clock.now();
    this.#selfHex = formatNodeId(options.self);
  }

  get state(): BridgeState {
    return this.#state;
  }

  get counters(): Readonly<BridgeCounters> {
    return { ...this.#counters };
  }

  /** Connects now and keeps reconnecting until stop(). */
  start(): void {
    if (this.#state !== "closed") return;
    this.#connect();
  }

  /** Publishes our presence as down (a clean DISCONNECT sends no will), then disconnects. */
  stop(): void {
    if (this.#timer !== undefined) this.#o.clock.clear(this.#timer);
    this.#timer = undefined;
    const link = this.#link;
    this.#link = undefined;
    if (link !== undefined && this.#state === "up") link.publish(presenceTopic(this.#o.net, this.#o.self), this.#presence(false), true);
    link?.close();
    this.#state = "closed";
  }

  /** After every run of the mesh loop: publish what the core has for the bridge. */
  pump(now: number): void {
    const port = this.#o.port;
    if (this.#state === "up" && this.#link !== undefined) this.#follow(this.#link);
    for (let i = 0; i < PUMP_BATCH; i++) {
      let f: BridgeTxFrame | undefined;
      this.#core("poll", () => {
        f = port.pollBridge(now);
      });
      if (f === undefined) return;
      if (!isClusterPrefix(f.cluster)) {
        this.#counters.badTopic++;
        continue;
      }
      if (this.#state !== "up" || this.#link === undefined || !this.#link.publish(clusterTopic(this.#o.net, f.cluster), f.bytes, false)) {
        this.#counters.notSent++;
        continue;
      }
      this.#counters.published++;
      this.#counters.publishedBytes += f.bytes.length;
    }
  }

  /** The console's `bridge` rows. */
  statusRows(): Array<readonly [string, string]> {
    const c = this.#counters;
    const now = this.#o.clock.now();
    const age = Math.max(0, Math.round((now - this.#since) / 1000));
    const state =
      this.#state === "up" ? `connected for ${age} s` : this.#state === "connecting" ? "connecting…" : this.#state === "waiting" ? `down (${this.#lastError}); retrying in ${Math.max(0, Math.round((this.#retryAt - now) / 1000))} s` : "stopped";
    const dropped: Array<[string, number]> = [["oversized", c.oversized], ["empty", c.empty], ["bad topic", c.badTopic], ["bad presence", c.badPresence], ["core threw", c.coreThrew]];
    const rejected = dropped.filter(([, n]) => n > 0);
    const peers = [...this.#peers].filter(([, v]) => v.startsWith("up")).map(([id]) => formatNodeId(id));
    return [
      ["broker", `${formatBroker(this.#o.broker)}${this.#o.username === undefined ? "" : ` as ${this.#o.username}`}`],
      ["state", state],
      ["clusters", this.#clusters().join(" ") || "none"],
      ["gateways", peers.length === 0 ? "no other gateway up" : peers.join(" ")],
      ["frames", `${c.published} published (${c.publishedBytes} B), ${c.received} received, ${c.notSent} not sent (link down)`],
      ["dropped", rejected.length === 0 ? "none" : rejected.map(([k, n]) => `${k} ${n}`).join(", ")],
      ["link", `${c.connects} connects, ${c.drops} drops`],
    ];
  }

  #connect(): void {
    const o = this.#o;
    this.#state = "connecting";
    this.#since = o.clock.now();
    let ended = false;
    const events = {
      onUp: () => {
        if (ended || this.#link !== link) return;
        this.#up(link);
      },
      onDown: (reason: string) => {
        if (ended || this.#link !== link) return;
        ended = true;
        this.#down(reason);
      },
      onMessage: (topic: string, payload: Uint8Array) => {
        if (ended || this.#link !== link) return;
        this.#message(topic, payload);
      },
    };
    let link: MqttLink;
    try {
      link = o.link(
        {
          broker: o.broker,
          clientId: `s5-${this.#selfHex}`,
          ...(o.username === undefined ? {} : { username: o.username }),
          ...(o.password === undefined ? {} : { password: o.password }),
          keepaliveMs: o.keepaliveMs ?? KEEPALIVE_MS,
          connectTimeoutMs: o.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
          will: { topic: presenceTopic(o.net, o.self), payload: this.#presence(false) },
          ...(o.wifi === undefined ? {} : { wifi: o.wifi }),
          ...(o.caCert === undefined ? {} : { caCert: o.caCert }),
        },
        events,
      );
    } catch (e) {
      this.#link = undefined;
      return this.#down(e instanceof Error ? e.message : String(e));
    }
    this.#link = link;
  }

  #up(link: MqttLink): void {
    const o = this.#o;
    const wasUp = this.#state === "up";
    this.#state = "up";
    this.#since = o.clock.now();
    this.#counters.connects++;
    this.#subscribed = undefined;
    link.subscribe(presenceTopic(o.net, "+"));
    this.#follow(link);
    o.notice?.(`bridge: connected to ${formatBroker(o.broker)}`);
    if (!wasUp) this.#core("status", () => o.port.bridgeStatus(o.clock.now(), true));
    o.poke();
  }

  /** Subscribes to the clusters served now and republishes our presence when they changed. */
  #follow(link: MqttLink): void {
    const o = this.#o;
    const clusters = this.#clusters();
    const key = clusters.join(",");
    if (key === this.#subscribed) return;
    const before = new Set(this.#subscribed === undefined || this.#subscribed === "" ? [] : this.#subscribed.split(","));
    for (const c of clusters) if (!before.has(c)) link.subscribe(clusterTopic(o.net, c));
    // Clusters no longer served: their frames would only cost the gateway's Wi-Fi and the core's checks.
    for (const c of before) if (!clusters.includes(c)) link.unsubscribe(clusterTopic(o.net, c));
    this.#subscribed = key;
    link.publish(presenceTopic(o.net, o.self), this.#presence(true), true);
  }

  #down(reason: string): void {
    const o = this.#o;
    const wasUp = this.#state === "up";
    // Only a connection that stayed up a while earns a quick retry (#since is when it came up).
    if (wasUp && o.clock.now() - this.#since >= BACKOFF_RESET_MS) this.#backoffMs = BACKOFF_FIRST_MS;
    this.#link = undefined;
    this.#counters.drops++;
    this.#lastError = reason;
    this.#state = "waiting";
    this.#since = o.clock.now();
    const jitter = 1 + BACKOFF_JITTER * (2 * o.random() - 1);
    const wait = Math.round(this.#backoffMs * jitter);
    this.#backoffMs = Math.min(BACKOFF_MAX_MS, this.#backoffMs * 2);
    this.#retryAt = o.clock.now() + wait;
    this.#timer = o.clock.set(() => {
      this.#timer = undefined;
      this.#connect();
    }, wait);
    // A lost broker says so once; failed retries are counted, not repeated on the console.
    if (wasUp || this.#counters.drops === 1) o.notice?.(`bridge: broker ${formatBroker(o.broker)} ${wasUp ? "lost" : "unreachable"} (${reason}); the mesh carries on over LoRa, retrying`);
    if (wasUp) {
      // Every gateway seen through this broker is out of reach until it is seen again.
      for (const [id, v] of this.#peers) if (v.startsWith("up")) this.#peers.set(id, "unknown");
      this.#core("status", () => o.port.bridgeStatus(o.clock.now(), false));
      o.poke();
    }
  }

  #message(topic: string, payload: Uint8Array): void {
    const o = this.#o;
    const t = parseTopic(topic);
    if (t === undefined || t.net !== o.net) {
      this.#counters.badTopic++;
      return;
    }
    if (t.kind === "presence") return this.#presenceMessage(t.gateway, payload);
    if (payload.length === 0) {
      this.#counters.empty++;
      return;
    }
    if (payload.length > o.maxFrame) {
      this.#counters.oversized++;
      return;
    }
    this.#counters.received++;
    // The topic does not name the publisher; the core trusts only the sealed frame's transmitter.
    this.#core("frame", () => o.port.bridgeReceive(payload, { at: o.clock.now(), gateway: 0 }));
    o.poke();
  }

  #presenceMessage(id: NodeId, payload: Uint8Array): void {
    const o = this.#o;
    if (id === o.self) return;
    // An empty retained message clears a record: that gateway is gone.
    const p = payload.length === 0 ? { gateway: id, up: false, clusters: [] } : decodePresence(payload);
    if (p === undefined || p.gateway !== id) {
      this.#counters.badPresence++;
      return;
    }
    const key = `${p.up ? "up" : "down"} ${p.clusters.join(",")}`;
    if (this.#peers.get(id) === key) return;
    if (!this.#peers.has(id)) {
      // A gateway never seen up is nothing to the core: its offline record is not kept (anyone
      // may publish offline records under invented ids on an open broker).
      if (!p.up) return;
      if (this.#peers.size >= PEERS_MAX && !this.#evictDown()) {
        this.#counters.badPresence++;
        return;
      }
    }
    this.#peers.set(id, key);
    if (p.up) this.#counters.peersUp++;
    else this.#counters.peersDown++;
    this.#core("presence", () => o.port.bridgePeer(o.clock.now(), id, p.up, p.clusters));
    o.poke();
  }

  /** Forgets one gateway that said it is offline, to make room; false when every entry is live. */
  #evictDown(): boolean {
    for (const [id, v] of this.#peers) {
      if (v.startsWith("down")) {
        this.#peers.delete(id);
        return true;
      }
    }
    return false;
  }

  /** A call into the core, which must not throw, but hostile input must not stop the driver if it does. */
  #core(what: string, call: () => void): void {
    try {
      call();
    } catch (e) {
      this.#counters.coreThrew++;
      this.#o.notice?.(`error: the mesh core threw (${e instanceof Error ? e.message : String(e)}) on a bridge ${what}; that ${what} was dropped, the node carries on`);
    }
  }

  #presence(up: boolean): Uint8Array {
    return encodePresence({ gateway: this.#o.self, up, clusters: up ? this.#clusters() : [] });
  }

  /** The prefixes the core serves, as far as a topic and a presence record can name them. */
  #clusters(): string[] {
    let served: readonly string[] | undefined;
    this.#core("cluster list", () => {
      served = this.#o.port.bridgeClusters();
    });
    // When the core threw, keep what is subscribed rather than dropping every cluster.
    if (served === undefined) return this.#subscribed === undefined || this.#subscribed === "" ? [] : this.#subscribed.split(",");
    return served.filter(isClusterPrefix).slice(0, BRIDGE_MAX_CLUSTERS);
  }
}
Object.freeze(BridgeDriver.prototype);
