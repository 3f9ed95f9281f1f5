// The bounded transmit queue (docs/protocol.md §10). Order among frames whose notBefore has
// come: ACKs first (they release frames waiting at other nodes), then priority P0..P7, then age.
// Data frames are bounded by `capacity`; control frames (OGMs, ACKs) get a small extra allowance
// so a queue full of data never blocks the acknowledgements that drain it.
import type { PriorityLevel } from "./station";

export interface QueuedFrame<T = unknown> {
  bytes: Uint8Array;
  readonly priority: PriorityLevel;
  readonly kind: "data" | "control";
  /**
   * Accounting only (Station's TxFrame.kind): a frame that waits in the data class but is protocol
   * control, e.g. a relayed location query (docs/protocol.md §16).
   */
  readonly accountAs?: "control";
  readonly isAck: boolean;
  notBefore: number;
  readonly enqueuedAt: number;
  /** Channel-busy backoff exponent. */
  cw: number;
  airtimeMs: number;
  /** Owner's bookkeeping (e.g. the message this frame carries). */
  readonly tag: T;
}

/** Extra places for control frames beyond the data capacity. */
export const CONTROL_ALLOWANCE = 8;

function before(a: QueuedFrame, b: QueuedFrame): boolean {
  if (a.isAck !== b.isAck) return a.isAck;
  if (a.priority !== b.priority) return a.priority < b.priority;
  return a.enqueuedAt < b.enqueuedAt;
}

export class TxQueue<T = unknown> {
  readonly capacity: number;
  readonly #frames: QueuedFrame<T>[] = [];
  #data = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#frames.length;
  }

  /** Data frames queued. */
  get dataCount(): number {
    return this.#data;
  }

  /** Queue pressure 0..1 (data frames over capacity). */
  get occupancy(): number {
    return Math.min(1, this.#data / this.capacity);
  }

  hasRoomFor(kind: "data" | "control"): boolean {
    return kind === "data" ? this.#data < this.capacity : this.#frames.length < this.capacity + CONTROL_ALLOWANCE;
  }

  /**
   * Adds a frame; false when there is no room (the caller keeps responsibility for it).
   * `force` admits it regardless: for frames already in the node's custody (a retry, a failover,
   * a busy channel), which must never be dropped to make room.
   */
  push(f: QueuedFrame<T>, force = false): boolean {
    if (!force && !this.hasRoomFor(f.kind)) return false;
    this.#frames.push(f);
    if (f.kind === "data") this.#data++;
    return true;
  }

  /**
   * Removes and returns the first ready frame (notBefore ≤ now) that `allowed` accepts. Frames
   * that are ready but refused are passed to `refused` (e.g. to push their notBefore back).
   */
  take(now: number, allowed: (f: QueuedFrame<T>) => boolean, refused?: (f: QueuedFrame<T>) => void): QueuedFrame<T> | undefined {
    for (;;) {
      let best = -1;
      for (let i = 0; i < this.#frames.length; i++) {
        const f = this.#frames[i];
        if (f.notBefore <= now && (best < 0 || before(f, this.#frames[best]))) best = i;
      }
      if (best < 0) return undefined;
      const f = this.#frames[best];
      if (allowed(f)) {
        this.#frames.splice(best, 1);
        if (f.kind === "data") this.#data--;
        return f;
      }
      // Refused (e.g. the duty budget does not allow it yet): the hook moves notBefore on;
      // never leave it ready, or this loop would spin.
      refused?.(f);
      if (f.notBefore <= now) f.notBefore = now + 1;
    }
  }

  /** Earliest notBefore among queued frames (Infinity when empty). */
  earliest(): number {
    let t = Infinity;
    for (const f of this.#frames) if (f.notBefore < t) t = f.notBefore;
    return t;
  }

  /** Removes frames matching `pred`; returns them. */
  remove(pred: (f: QueuedFrame<T>) => boolean): QueuedFrame<T>[] {
    const out: QueuedFrame<T>[] = [];
    for (let i = this.#frames.length - 1; i >= 0; i--) {
      if (pred(this.#frames[i])) {
        const [f] = this.#frames.splice(i, 1);
        if (f.kind === "data") this.#data--;
        out.push(f);
      }
    }
    return out;
  }

  find(pred: (f: QueuedFrame<T>) => boolean): QueuedFrame<T> | undefined {
    return this.#frames.find(pred);
  }

  // The array's own iterator, not a generator method: a generator's prototype object cannot be
  // frozen into flash by xsl (it would stay in RAM, and xsl warns).
  [Symbol.iterator](): IterableIterator<QueuedFrame<T>> {
    return this.#frames.values();
  }
}
