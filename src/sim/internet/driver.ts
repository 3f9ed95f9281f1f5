// Drives the gateways' bridges for a run: subscribes each gateway to its clusters' topics,
// publishes what pollBridge yields while the gateway's client is connected, hands the broker's
// copies to bridgeReceive and the status and presence notices to bridgeStatus / bridgePeer at
// their times. The Simulation owns the clock and the queue; this owns the internet.
import { SeededRng, hash32 } from "../../core/rng";
import type { Station } from "../../core/station";
import type { Internet } from "../scenario/internet";
import { InternetModel } from "./broker";
import type { BrokerDelivery, BrokerStats, ClientNotice } from "./broker";
import { bridgeOf } from "./port";
import type { BridgePort } from "./port";

/** The topic of a cluster prefix in the simulator (the real topic adds the network tag). */
export const topicOf = (cluster: string): string => `c/${cluster}`;
/** Frames one gateway may publish in one service call (a guard against a runaway bridge). */
const MAX_PUBLISH_PER_CALL = 64;

type BridgeEvent = { readonly kind: "deliver"; readonly d: BrokerDelivery } | ClientNotice;

export interface BridgeFigures extends BrokerStats {
  /** Frames gateways published in the measurement window. */
  windowPublished: number;
}

export class BridgeDriver {
  readonly model: InternetModel;
  readonly #ports = new Map<number, BridgePort>();
  readonly #clusters = new Map<number, readonly string[]>();
  readonly #events: BridgeEvent[] = [];
  readonly #free: number[] = [];
  readonly #ids: readonly number[];
  readonly #schedule: (at: number, index: number) => void;
  readonly #inWindow: (t: number) => boolean;
  #windowPublished = 0;

  constructor(
    net: Internet,
    seed: number,
    stations: readonly Station[],
    ids: readonly number[],
    schedule: (at: number, index: number) => void,
    inWindow: (t: number) => boolean,
  ) {
    // A generator of its own: adding an internet changes no other stream of the run.
    this.model = new InternetModel(net, new SeededRng(hash32(`internet:${seed >>> 0}`)));
    this.#ids = ids;
    this.#schedule = schedule;
    this.#inWindow = inWindow;
    for (const g of this.model.gateways) {
      const port = bridgeOf(stations[g]);
      if (port) this.#ports.set(g, port);
    }
  }

  /** Gateway nodes whose router has a bridge (a router without one leaves its gateways LoRa-only). */
  get bridged(): number[] {
    return [...this.#ports.keys()];
  }

  start(): void {
    for (const g of this.#ports.keys()) this.#refreshSubscriptions(g);
    for (const n of this.model.notices()) if (this.#ports.has(n.gateway)) this.#push(n);
  }

  /** After node i was serviced: publish what its bridge has, if its client is connected. */
  afterService(i: number, now: number): void {
    const port = this.#ports.get(i);
    if (!port || !this.model.clientConnected(i, now)) return;
    this.#refreshSubscriptions(i);
    for (let k = 0; k < MAX_PUBLISH_PER_CALL; k++) {
      const f = port.pollBridge(now);
      if (!f) break;
      if (this.#inWindow(now)) this.#windowPublished++;
      for (const d of this.model.publish(now, i, topicOf(f.cluster), f.bytes)) this.#push({ kind: "deliver", d });
    }
  }

  /** Runs bridge event `index` at `now`; returns the node to service, or undefined. */
  fire(index: number, now: number, alive: ArrayLike<number>): number | undefined {
    const e = this.#events[index];
    this.#free.push(index);
    const node = e.kind === "deliver" ? e.d.to : e.gateway;
    const port = this.#ports.get(node);
    if (!port || !alive[node]) return undefined;
    switch (e.kind) {
      case "deliver":
        port.bridgeReceive(e.d.bytes, { at: now, gateway: this.#ids[e.d.from] });
        break;
      case "status":
        port.bridgeStatus(now, e.up);
        if (e.up) this.#refreshSubscriptions(node);
        break;
      case "peer":
        port.bridgePeer(now, this.#ids[e.peer], e.up, this.#clusters.get(e.peer) ?? []);
        break;
    }
    return node;
  }

  figures(): BridgeFigures {
    return { ...this.model.stats, windowPublished: this.#windowPublished };
  }

  #refreshSubscriptions(g: number): void {
    const clusters = this.#ports.get(g)?.bridgeClusters() ?? [];
    if (this.#clusters.get(g) === clusters) return;
    this.#clusters.set(g, clusters);
    this.model.subscribe(g, clusters.map(topicOf));
  }

  #push(e: BridgeEvent): void {
    const index = this.#free.length > 0 ? (this.#free.pop() as number) : this.#events.length;
    this.#events[index] = e;
    this.#schedule(e.kind === "deliver" ? e.d.at : e.at, index);
  }
}
