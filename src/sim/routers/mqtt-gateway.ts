// The flooding baselines' MQTT gateway: Meshtastic's uplink/downlink bridging everything
// (docs/simulator.md §Internet, from meshtastic/firmware src/mqtt/MQTT.cpp and Router.cpp):
//   - uplink: every packet the node originates, and every packet it receives that is not a
//     duplicate and not from itself, is published to the channel's topic (Router::send and
//     Router::handleReceived call MQTT::onSend); a packet that came from MQTT (via_mqtt, carried
//     on the air in the header's flags) is never published again. While the client is
//     disconnected, up to 16 packets wait (MAX_MQTT_QUEUE, the oldest dropped) for the reconnection.
//   - downlink: a packet from the broker is dropped if this node originated it; otherwise it is
//     marked via_mqtt and handed to the router as a received packet (enqueueReceivedMessage): the
//     duplicate history (the packet-id cache, wasSeenRecently) drops what the node has already
//     seen, the rest is delivered and rebroadcast by the usual flooding rules with the hop limit
//     it had when the uplinking gateway heard it.
// Presence records mean nothing to Meshtastic: bridgePeer is ignored.
import type { NodeId, RxMeta, SendOptions, SendResult, StationEvent, TxFrame } from "../../core/station";
import type { BridgePort, BridgeRxMeta, BridgeTxFrame } from "../internet/port";
import type { MobileStation } from "./context";
import { decodeFrame, isViaMqtt, markViaMqtt } from "./header";
import type { MeshtasticStation } from "./meshtastic";

/** The firmware's MQTT queue while disconnected (MQTT.h MAX_MQTT_QUEUE). */
export const MAX_MQTT_QUEUE = 16;
/** The one channel every baseline gateway publishes to and subscribes to (msh/…/e/LongFast/+). */
export const MESHTASTIC_CHANNEL = "LongFast";
/**
 * SNR a downlinked packet is handled with, dB: it has no radio reception of its own here (the
 * firmware keeps the uplinking gateway's rx_snr in the envelope); 0 dB puts its rebroadcast in
 * the middle of the contention window.
 */
const DOWNLINK_SNR_DB = 0;

export class MeshtasticGateway implements MobileStation, BridgePort {
  readonly id: NodeId;
  readonly bridge: BridgePort = this;
  readonly stats = { uplinked: 0, downlinked: 0, downlinkDuplicates: 0, downlinkOwn: 0, malformed: 0, queueDrops: 0 };
  readonly #inner: MeshtasticStation;
  readonly #queue: Uint8Array[] = [];
  readonly #ownUplinked = new Set<number>();
  #up = false;

  constructor(inner: MeshtasticStation) {
    this.#inner = inner;
    this.id = inner.id;
  }

  // ---- Station: the inner router, with the uplink taps ------------------------------------

  send(now: number, dst: NodeId, payload: Uint8Array, options?: SendOptions): SendResult {
    return this.#inner.send(now, dst, payload, options);
  }

  receive(bytes: Uint8Array, meta: RxMeta): void {
    const h = decodeFrame(bytes);
    const fresh = h !== undefined && h.from !== this.id && !this.#inner.seenPacket(h.from, h.id);
    this.#inner.receive(bytes, meta);
    if (fresh && !isViaMqtt(bytes)) this.#uplink(bytes);
  }

  tick(now: number): void {
    this.#inner.tick(now);
  }

  nextWakeup(): number {
    return this.#inner.nextWakeup();
  }

  pollTransmit(now: number): TxFrame | undefined {
    const f = this.#inner.pollTransmit(now);
    if (f) {
      // An own packet is published once, when it first goes to the radio.
      const h = decodeFrame(f.bytes);
      if (h && h.from === this.id && !this.#ownUplinked.has(h.id)) {
        this.#ownUplinked.add(h.id);
        this.#uplink(f.bytes);
      }
    }
    return f;
  }

  transmitDone(now: number, outcome: "sent" | "busy"): void {
    this.#inner.transmitDone(now, outcome);
  }

  drainEvents(): StationEvent[] {
    return this.#inner.drainEvents();
  }

  // ---- BridgePort ----------------------------------------------------------------------------

  bridgeStatus(_now: number, up: boolean): void {
    this.#up = up;
  }

  bridgePeer(): void {}

  bridgeReceive(bytes: Uint8Array, meta: BridgeRxMeta): void {
    const h = decodeFrame(bytes);
    if (!h) {
      this.stats.malformed++;
      return;
    }
    if (h.from === this.id) {
      this.stats.downlinkOwn++;
      return;
    }
    if (this.#inner.seenPacket(h.from, h.id)) this.stats.downlinkDuplicates++;
    else this.stats.downlinked++;
    const copy = bytes.slice();
    markViaMqtt(copy);
    this.#inner.receive(copy, { rssi: 0, snr: DOWNLINK_SNR_DB, at: meta.at });
  }

  pollBridge(_now: number): BridgeTxFrame | undefined {
    if (!this.#up) return undefined;
    const bytes = this.#queue.shift();
    return bytes === undefined ? undefined : { bytes, cluster: MESHTASTIC_CHANNEL };
  }

  bridgeClusters(): readonly string[] {
    return CHANNELS;
  }

  #uplink(bytes: Uint8Array): void {
    if (this.#queue.length >= MAX_MQTT_QUEUE) {
      this.#queue.shift();
      this.stats.queueDrops++;
    }
    this.#queue.push(bytes.slice());
    this.stats.uplinked++;
  }
}

const CHANNELS: readonly string[] = Object.freeze([MESHTASTIC_CHANNEL]);

/** The node's station, bridged when the scenario makes it a gateway. */
export function gatewayIf(gateway: boolean | undefined, station: MeshtasticStation): MobileStation {
  return gateway ? new MeshtasticGateway(station) : station;
}
