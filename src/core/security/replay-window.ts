// Replay protection (docs/security.md §6): per sender, a 64-frame sliding window over its frame
// counters, as in IPsec (RFC 4303 §3.4.3) and B.A.T.M.A.N.: the highest counter accepted and a
// bitmap of which of the 63 below it were seen, in two 32-bit words (XS works on 32-bit ints; a
// BigInt bitmap would allocate on every frame). LoRa delivers in order per sender (one radio,
// one hop), so 64 is a wide margin; anything older is refused.
//
// check() does not change state; accept() does, and the caller calls it only after the frame's
// tag verified, so a forged frame cannot advance or poison a window.
//
// The number of senders is bounded (least recently accepted evicted first). An evicted sender
// starts afresh when heard again, so frames it sent before eviction could be replayed to this
// node once each, in order; docs/security.md §6 says why that is acceptable.

export const REPLAY_WINDOW_SIZE = 64;
export const DEFAULT_MAX_SENDERS = 64;

export type ReplayVerdict = "fresh" | "replayed" | "too-old";

interface Window {
  top: number;
  /** Bit i: counter top − i seen, i = 0..31. */
  lo: number;
  /** Bit i: counter top − 32 − i seen. */
  hi: number;
}

export class ReplayWindow {
  readonly #max: number;
  readonly #windows = new Map<number, Window>();
  evictions = 0;

  constructor(maxSenders = DEFAULT_MAX_SENDERS) {
    if (!Number.isInteger(maxSenders) || maxSenders < 1) throw new RangeError("maxSenders must be a positive integer");
    this.#max = maxSenders;
  }

  get senders(): number {
    return this.#windows.size;
  }

  check(sender: number, counter: number): ReplayVerdict {
    const w = this.#windows.get(sender);
    if (w === undefined || counter > w.top) return "fresh";
    const back = w.top - counter;
    if (back >= REPLAY_WINDOW_SIZE) return "too-old";
    const seen = back < 32 ? (w.lo >>> back) & 1 : (w.hi >>> (back - 32)) & 1;
    return seen === 1 ? "replayed" : "fresh";
  }

  /** Records `counter` as seen; call only after check() said "fresh" and the tag verified. */
  accept(sender: number, counter: number): void {
    let w = this.#windows.get(sender);
    if (w === undefined) {
      w = { top: counter, lo: 1, hi: 0 };
      if (this.#windows.size >= this.#max) {
        const oldest = this.#windows.keys().next().value as number;
        this.#windows.delete(oldest);
        this.evictions++;
      }
    } else {
      this.#windows.delete(sender); // re-inserted below: Map order is the LRU order
      if (counter > w.top) {
        shift(w, counter - w.top);
        w.top = counter;
        w.lo |= 1;
      } else {
        const back = w.top - counter;
        if (back < 32) w.lo |= 1 << back;
        else if (back < REPLAY_WINDOW_SIZE) w.hi |= 1 << (back - 32);
      }
    }
    this.#windows.set(sender, w);
  }
}

/** Moves the bitmap `d` ≥ 1 places towards older counters. JS shifts count mod 32: cases split. */
function shift(w: Window, d: number): void {
  if (d >= REPLAY_WINDOW_SIZE) {
    w.lo = 0;
    w.hi = 0;
  } else if (d >= 32) {
    w.hi = d === 32 ? w.lo : w.lo << (d - 32);
    w.lo = 0;
  } else {
    w.hi = (w.hi << d) | (w.lo >>> (32 - d));
    w.lo = w.lo << d;
  }
}
