// Per-(source, destination) sequence numbers (docs/protocol.md §13): 16-bit counters starting
// at a random value on the sender; on the receiver, gap and out-of-order detection over a
// 32-frame window with wrap-around. Both sides are bounded LRU tables.
import { seqDelta } from "./link-quality";
import type { Rng } from "./rng";
import { randInt } from "./rng";
import { makeRoom } from "./bounded";

/** Largest forward jump still reported as a gap (beyond it the sender is assumed restarted). */
export const MAX_GAP = 1024;
/** How far back an arrival may land and still count as out-of-order rather than a restart. */
export const REORDER_WINDOW = 32;

export type SeqObservation =
  | { readonly kind: "first" | "in-order" | "restart" }
  | { readonly kind: "gap"; readonly from: number; readonly to: number; readonly missing: number }
  | { readonly kind: "out-of-order"; readonly expected: number }
  | { readonly kind: "duplicate" };

interface Track {
  highest: number;
  /** Bit i set: highest − i was received (bit 0 = highest). */
  bits: number;
}

/** Receiver side: one track per key (source, or source and destination). */
export class SeqReceiver {
  readonly #max: number;
  readonly #tracks = new Map<string, Track>();

  constructor(max: number) {
    this.#max = max;
  }

  observe(key: string, seq: number): SeqObservation {
    let t = this.#tracks.get(key);
    if (t !== undefined) {
      this.#tracks.delete(key); // LRU: re-inserted below
    } else {
      makeRoom(this.#tracks, this.#max);
      this.#tracks.set(key, { highest: seq, bits: 1 });
      return { kind: "first" };
    }
    this.#tracks.set(key, t);
    const d = seqDelta(seq, t.highest);
    if (d === 1) {
      t.bits = ((t.bits << 1) | 1) >>> 0;
      t.highest = seq;
      return { kind: "in-order" };
    }
    if (d > 1 && d <= MAX_GAP) {
      const from = (t.highest + 1) & 0xffff;
      const to = (seq - 1) & 0xffff;
      t.bits = d >= 32 ? 1 : ((t.bits << d) | 1) >>> 0;
      t.highest = seq;
      return { kind: "gap", from, to, missing: d - 1 };
    }
    if (d <= 0 && d > -REORDER_WINDOW) {
      const bit = 2 ** -d;
      if (Math.floor(t.bits / bit) % 2 === 1) return { kind: "duplicate" };
      t.bits = (t.bits + bit) >>> 0;
      return { kind: "out-of-order", expected: (t.highest + 1) & 0xffff };
    }
    t.highest = seq;
    t.bits = 1;
    return { kind: "restart" };
  }
}

/** Sender side: the next sequence number per destination. */
export class SeqSender {
  readonly #max: number;
  readonly #rng: Rng;
  readonly #next = new Map<number, number>();

  constructor(max: number, rng: Rng) {
    this.#max = max;
    this.#rng = rng;
  }

  next(dst: number): number {
    let v = this.#next.get(dst);
    if (v === undefined) {
      makeRoom(this.#next, this.#max);
      v = randInt(this.#rng, 0x10000);
    } else {
      this.#next.delete(dst);
    }
    this.#next.set(dst, (v + 1) & 0xffff);
    return v;
  }
}
