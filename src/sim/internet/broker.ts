// The simulator's internet: one MQTT broker and each gateway's link to it (docs/simulator.md
// §Internet). A frame a gateway publishes to a topic reaches every other gateway subscribed to
// that topic after the sender's uplink delay plus the receiver's downlink delay (each with its
// jitter, each link first-in first-out as a TCP connection is), unless a traversal loses it or a
// link is in an outage. Presence follows MQTT's keepalive: a client notices its dead link after
// one keepalive period, the broker after 1.5 periods (MQTT 3.1.1 §3.1.2.10), and then publishes
// the gateway's last will (retained "offline") to the others; on reconnection the gateway
// publishes its retained "online" record and receives everyone's retained records.
//
// Everything is computed from the scenario and a seeded generator: the same seed, the same run.
import type { SeededRng } from "../../core/rng";
import type { Internet, InternetLink } from "../scenario/internet";

/** A frame on its way from the broker to a gateway. */
export interface BrokerDelivery {
  readonly at: number;
  /** Node index of the receiving gateway. */
  readonly to: number;
  /** Node index of the publishing gateway. */
  readonly from: number;
  readonly topic: string;
  readonly bytes: Uint8Array;
}

/** Something a gateway's MQTT client learns at `at`, ms. */
export type ClientNotice =
  | { readonly kind: "status"; readonly at: number; readonly gateway: number; readonly up: boolean }
  | { readonly kind: "peer"; readonly at: number; readonly gateway: number; readonly peer: number; readonly up: boolean };

export interface BrokerStats {
  published: number;
  delivered: number;
  /** Publications made while the publisher's link was cut (the client had not noticed yet). */
  lostOutage: number;
  /** Copies not delivered because the receiver's link was cut. */
  lostOutageDownlink: number;
  /** Traversals lost to a link's loss rate. */
  lostLoss: number;
}

/** When each gateway's client is connected (its view), from its outages and the keepalive. */
interface Session {
  readonly link: InternetLink;
  /** [connect, disconnect) pairs in ms, sorted; disconnect may be Infinity. */
  readonly connected: readonly (readonly [number, number])[];
  /** [offline-at-broker, online-again-at-broker) pairs, ms. */
  readonly offline: readonly (readonly [number, number])[];
}

export class InternetModel {
  readonly stats: BrokerStats = { published: 0, delivered: 0, lostOutage: 0, lostOutageDownlink: 0, lostLoss: 0 };
  readonly #rng: SeededRng;
  readonly #sessions = new Map<number, Session>();
  readonly #subs = new Map<number, Set<string>>();
  /** Last arrival time per (link, direction): a TCP connection delivers in order. */
  readonly #lastUp = new Map<number, number>();
  readonly #lastDown = new Map<number, number>();

  constructor(net: Internet, rng: SeededRng) {
    this.#rng = rng;
    for (const link of net.links) this.#sessions.set(link.node, session(link, net.keepaliveS * 1000));
  }

  get gateways(): number[] {
    return [...this.#sessions.keys()];
  }

  isGateway(node: number): boolean {
    return this.#sessions.has(node);
  }

  /** Whether the physical link works at `t` (not in an outage), ms. */
  linkUp(node: number, t: number): boolean {
    const s = this.#sessions.get(node);
    if (!s) return false;
    return !s.link.outages.some((o) => t >= o.startS * 1000 && t < o.endS * 1000);
  }

  /** Whether the gateway's client believes it is connected at `t` (it publishes only then). */
  clientConnected(node: number, t: number): boolean {
    const s = this.#sessions.get(node);
    return s !== undefined && s.connected.some(([a, b]) => t >= a && t < b);
  }

  /** Whether the broker holds the gateway as online at `t` (its retained presence record). */
  brokerSeesOnline(node: number, t: number): boolean {
    const s = this.#sessions.get(node);
    if (!s || t < s.connected[0][0] + s.link.latencyMs) return false;
    return !s.offline.some(([a, b]) => t >= a && t < b);
  }

  /** The topics a gateway's client subscribes to (replacing earlier ones). */
  subscribe(node: number, topics: readonly string[]): void {
    this.#subs.set(node, new Set(topics));
  }

  subscriptions(node: number): readonly string[] {
    return [...(this.#subs.get(node) ?? [])];
  }

  /**
   * A gateway publishes `bytes` to `topic` at `now` (ms): the copies that will arrive, each at
   * its time. The broker does not send a client its own publications back.
   */
  publish(now: number, from: number, topic: string, bytes: Uint8Array): BrokerDelivery[] {
    const src = this.#sessions.get(from);
    if (!src) return [];
    this.stats.published++;
    if (!this.linkUp(from, now)) {
      this.stats.lostOutage++;
      return [];
    }
    if (this.#lose(src.link)) {
      this.stats.lostLoss++;
      return [];
    }
    const atBroker = this.#arrival(this.#lastUp, src.link, now);
    if (!this.linkUp(from, atBroker)) {
      this.stats.lostOutage++;
      return [];
    }
    const out: BrokerDelivery[] = [];
    for (const [node, s] of this.#sessions) {
      if (node === from || !this.#subs.get(node)?.has(topic)) continue;
      if (!this.linkUp(node, atBroker) || !this.brokerSeesOnline(node, atBroker)) {
        this.stats.lostOutageDownlink++;
        continue;
      }
      if (this.#lose(s.link)) {
        this.stats.lostLoss++;
        continue;
      }
      const at = this.#arrival(this.#lastDown, s.link, atBroker);
      if (!this.linkUp(node, at)) {
        this.stats.lostOutageDownlink++;
        continue;
      }
      this.stats.delivered++;
      out.push({ at, to: node, from, topic, bytes: bytes.slice() });
    }
    return out;
  }

  /**
   * Every status and presence notice of the run, sorted by time: each client's connection going
   * up or down (its own view) and the presence records it receives about the other gateways.
   */
  notices(): ClientNotice[] {
    const out: ClientNotice[] = [];
    const latency = (n: number): number => this.#sessions.get(n)?.link.latencyMs ?? 0;
    for (const [g, s] of this.#sessions) {
      for (const [up, down] of s.connected) {
        out.push({ kind: "status", at: up, gateway: g, up: true });
        if (down !== Infinity) out.push({ kind: "status", at: down, gateway: g, up: false });
        // On (re)connection: the retained records of every other gateway, as the broker holds them.
        for (const [h] of this.#sessions) {
          if (h === g) continue;
          const at = up + latency(g);
          out.push({ kind: "peer", at, gateway: g, peer: h, up: this.brokerSeesOnline(h, up) });
        }
      }
    }
    // Changes of a gateway's record reach every client connected at that moment.
    for (const [h, s] of this.#sessions) {
      const changes: [number, boolean][] = [[s.connected[0][0] + latency(h), true]];
      for (const [off, on] of s.offline) {
        changes.push([off, false]);
        if (on !== Infinity) changes.push([on, true]);
      }
      for (const [t, up] of changes) {
        for (const [g] of this.#sessions) {
          if (g === h || !this.clientConnected(g, t) || !this.linkUp(g, t)) continue;
          const at = t + latency(g);
          if (this.clientConnected(g, at)) out.push({ kind: "peer", at, gateway: g, peer: h, up });
        }
      }
    }
    return out.sort((a, b) => a.at - b.at || a.gateway - b.gateway || (a.kind === b.kind ? 0 : a.kind === "status" ? -1 : 1));
  }

  #lose(link: InternetLink): boolean {
    return link.loss > 0 && this.#rng.next() < link.loss;
  }

  #arrival(last: Map<number, number>, link: InternetLink, from: number): number {
    const jitter = link.jitterMs > 0 ? this.#rng.next() * link.jitterMs : 0;
    const at = Math.max(from + link.latencyMs + jitter, last.get(link.node) ?? -Infinity);
    last.set(link.node, at);
    return at;
  }
}

/**
 * A client connects at 2 × latency (CONNECT, CONNACK). An outage no longer than one keepalive
 * goes unnoticed (frames in it are lost); a longer one: the client sees the link dead at
 * start + keepalive, the broker at start + 1.5 × keepalive (if it lasts that long), and the
 * client reconnects 2 × latency after the outage ends, its online record at the broker one
 * latency later.
 */
function session(link: InternetLink, keepaliveMs: number): Session {
  const lat = link.latencyMs;
  const connected: [number, number][] = [];
  const offline: [number, number][] = [];
  let from = 2 * lat;
  for (const o of link.outages) {
    const s = o.startS * 1000;
    const e = o.endS * 1000;
    if (e <= from) continue;
    if (s < from) {
      // Cut before the first connection completed: connect after it ends.
      from = e + 2 * lat;
      continue;
    }
    if (e - s <= keepaliveMs) continue;
    connected.push([from, s + keepaliveMs]);
    if (e - s > 1.5 * keepaliveMs) offline.push([s + 1.5 * keepaliveMs, e + 3 * lat]);
    from = e + 2 * lat;
  }
  connected.push([from, Infinity]);
  return { link, connected, offline };
}
