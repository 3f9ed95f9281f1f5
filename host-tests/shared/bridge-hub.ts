// An in-memory MQTT-like broker for the bridge cases: gateways connect (their uplink comes up and
// the retained presence records of the others are handed to them), publish what pollBridge
// yields to the topic of its cluster prefix, and receive what is published to the prefixes they
// serve after a fixed latency — their own publications included, as a broker without "no local"
// delivers them. Disconnecting one brings its uplink down and hands its last-will (an offline
// presence record) to the others. It records every publication, as a subscriber to every topic
// would see it. Pure ES2022, so it runs on XS too.
import type { BridgePort, NodeId } from "../../src/core/station";
import type { Sidecar } from "./station-air";

export interface Publication {
  readonly at: number;
  readonly from: NodeId;
  readonly cluster: string;
  readonly bytes: Uint8Array;
}

interface Client {
  readonly id: NodeId;
  readonly port: BridgePort;
  online: boolean;
}

export class BridgeHub implements Sidecar {
  readonly published: Publication[] = [];
  readonly #clients = new Map<NodeId, Client>();
  #inFlight: Array<{ at: number; to: NodeId; from: NodeId; bytes: Uint8Array }> = [];

  constructor(readonly latencyMs = 40) {}

  add(id: NodeId, port: BridgePort): void {
    this.#clients.set(id, { id, port, online: false });
  }

  /** The gateway's uplink comes up: it learns the live gateways, they learn it. */
  connect(id: NodeId, now: number): void {
    const c = this.#clients.get(id);
    if (c === undefined || c.online) return;
    c.online = true;
    c.port.bridgeStatus(now, true);
    for (const o of this.#clients.values()) {
      if (o === c || !o.online) continue;
      c.port.bridgePeer(now, o.id, true, o.port.bridgeClusters());
      o.port.bridgePeer(now, c.id, true, c.port.bridgeClusters());
    }
  }

  /** The gateway's uplink goes down: its last-will reaches the others, frames to it are lost. */
  disconnect(id: NodeId, now: number): void {
    const c = this.#clients.get(id);
    if (c === undefined || !c.online) return;
    c.online = false;
    c.port.bridgeStatus(now, false);
    this.#inFlight = this.#inFlight.filter((f) => f.to !== id);
    for (const o of this.#clients.values()) if (o.online) o.port.bridgePeer(now, id, false, []);
  }

  /** Hands raw bytes to a gateway as if published on its cluster topic by `from` (an attacker, a replay). */
  inject(to: NodeId, bytes: Uint8Array, from: NodeId, now: number): void {
    this.#clients.get(to)?.port.bridgeReceive(bytes, { at: now, gateway: from });
  }

  nextWakeup(): number {
    let t = Infinity;
    for (const f of this.#inFlight) t = Math.min(t, f.at);
    return t;
  }

  step(now: number): void {
    for (const c of this.#clients.values()) {
      if (!c.online) continue;
      for (let f = c.port.pollBridge(now); f !== undefined; f = c.port.pollBridge(now)) {
        this.published.push({ at: now, from: c.id, cluster: f.cluster, bytes: f.bytes });
        for (const o of this.#clients.values()) {
          if (o.online && o.port.bridgeClusters().includes(f.cluster)) this.#inFlight.push({ at: now + this.latencyMs, to: o.id, from: c.id, bytes: f.bytes });
        }
      }
    }
    const due = this.#inFlight.filter((f) => f.at <= now);
    if (due.length === 0) return;
    this.#inFlight = this.#inFlight.filter((f) => f.at > now);
    for (const f of due) this.#clients.get(f.to)?.port.bridgeReceive(f.bytes, { at: now, gateway: f.from });
  }
}
