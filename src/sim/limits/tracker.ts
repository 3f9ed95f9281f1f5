// The physical limit of each measured message (docs/simulator.md §The physical limit), computed
// by the simulator with global knowledge at the moment the message is generated, and the
// router's own transmissions of each broadcast, attributed by the message id its payload carries.
// Router-independent: the same scenario and seed give the same messages, links and limits.
import { airtimeMs } from "../../core/airtime";
import type { LoRaModulation } from "../../core/airtime";
import type { LinkList } from "../physics/links";
import { PAYLOAD_MAGIC } from "../engine/metrics";
import { greedyBroadcast, hopsFrom } from "./graph";
import type { Adjacency } from "./graph";

/**
 * Bytes of the limit's end-to-end ACK: the 32-bit id of the acknowledged message, the least that
 * says which message arrived. The limit's data frame is the application payload alone (it carries
 * its own id): a sender with global knowledge needs no header.
 */
export const LIMIT_ACK_BYTES = 4;

/** Decodable links between live nodes, as out-neighbour lists. */
export function usableAdjacency(links: readonly LinkList[], sensitivityDbm: number, alive: ArrayLike<number>): Int32Array[] {
  return links.map((l, i) => {
    if (!alive[i]) return new Int32Array(0);
    const out: number[] = [];
    for (let k = 0; k < l.count; k++) if (l.rssi[k] >= sensitivityDbm && alive[l.to[k]]) out.push(l.to[k]);
    return Int32Array.from(out);
  });
}

export interface LimitFigures {
  /** Σ limit airtime ÷ Σ messages an ideal router delivers, over the measured messages, s. */
  readonly limitAirtimePerMessageS: number | null;
  /** Mean greedy-CDS transmissions (source included) per measured broadcast. */
  readonly limitBroadcastTx: number | null;
  /** The router's mean transmissions carrying a measured broadcast (its originator's included). */
  readonly broadcastTxPerMessage: number | null;
}

/** Which messages count: the simulator's measured, not excluded ones. */
export interface MessageFilter {
  counted(id: number): boolean;
  isBroadcast(id: number): boolean;
}

export class LimitTracker {
  readonly #dataAirMs: number;
  readonly #ackAirMs: number;
  readonly #sens: number;
  #adjOf: readonly LinkList[] | undefined;
  #adj: Adjacency = [];
  /** Per message id: limit airtime (ms), messages an ideal router delivers, CDS size, router TX. */
  readonly #air: number[] = [];
  readonly #delivered: number[] = [];
  readonly #cds: number[] = [];
  readonly #tx: number[] = [];

  constructor(preset: LoRaModulation, payloadBytes: number, sensitivityDbm: number) {
    this.#dataAirMs = airtimeMs(preset, payloadBytes);
    this.#ackAirMs = airtimeMs(preset, LIMIT_ACK_BYTES);
    this.#sens = sensitivityDbm;
  }

  /**
   * Message `id` generated now from src to dst (−1 = broadcast). `links` and `alive` are the
   * simulator's current link table (rebuilt, as a new array, on every move, failure and
   * degradation, which is what keys the cache). `eligible` is the broadcast's coverage denominator
   * and `counts(i)` whether node i's reception counts toward coverage (live honest nodes).
   */
  onMessage(
    id: number,
    src: number,
    dst: number,
    wantAck: boolean,
    world: { readonly links: readonly LinkList[]; readonly alive: ArrayLike<number> },
    eligible: number,
    counts: (node: number) => boolean,
  ): void {
    if (world.links !== this.#adjOf) {
      this.#adj = usableAdjacency(world.links, this.#sens, world.alive);
      this.#adjOf = world.links;
    }
    const adj = this.#adj;
    let air = 0;
    let delivered = 0;
    let cds = 0;
    if (dst >= 0) {
      const there = hopsFrom(adj, src)[dst];
      if (there > 0) {
        air = there * this.#dataAirMs;
        delivered = 1;
        const back = wantAck ? hopsFrom(adj, dst)[src] : -1;
        if (back > 0) air += back * this.#ackAirMs;
      }
    } else {
      const cover = greedyBroadcast(adj, src);
      let reached = 0;
      for (let v = 0; v < cover.covered.length; v++) if (v !== src && cover.covered[v] && counts(v)) reached++;
      cds = cover.transmitters.length;
      air = cds * this.#dataAirMs;
      delivered = eligible > 0 ? reached / eligible : 0;
    }
    this.#air[id] = air;
    this.#delivered[id] = delivered;
    this.#cds[id] = cds;
    this.#tx[id] = 0;
  }

  /** A transmission went on the air: counted for the message whose id its payload carries, if any. */
  onTransmit(bytes: Uint8Array): void {
    const id = messageIdIn(bytes);
    if (id >= 0 && id < this.#tx.length) this.#tx[id]++;
  }

  figures(filter: MessageFilter): LimitFigures {
    let air = 0;
    let delivered = 0;
    let broadcasts = 0;
    let cds = 0;
    let tx = 0;
    for (let id = 0; id < this.#air.length; id++) {
      if (!filter.counted(id)) continue;
      air += this.#air[id];
      delivered += this.#delivered[id];
      if (filter.isBroadcast(id)) {
        broadcasts++;
        cds += this.#cds[id];
        tx += this.#tx[id];
      }
    }
    return {
      limitAirtimePerMessageS: delivered > 0 ? air / 1000 / delivered : null,
      limitBroadcastTx: broadcasts > 0 ? cds / broadcasts : null,
      // Nothing attributed at all means the frames hide their payload from the simulator: no figure.
      broadcastTxPerMessage: broadcasts > 0 && tx > 0 ? tx / broadcasts : null,
    };
  }
}

/** The simulator's message id in a frame that carries a generated payload in clear, or −1. */
export function messageIdIn(bytes: Uint8Array): number {
  const [m0, m1, m2, m3] = PAYLOAD_MAGIC;
  for (let i = 0; i + 8 <= bytes.length; i++) {
    if (bytes[i] !== m0 || bytes[i + 1] !== m1 || bytes[i + 2] !== m2 || bytes[i + 3] !== m3) continue;
    return (bytes[i + 4] | (bytes[i + 5] << 8) | (bytes[i + 6] << 16) | (bytes[i + 7] << 24)) >>> 0;
  }
  return -1;
}
