// Replay protection (docs/security.md §6): per sender, 64-frame sliding windows over its frame
// counters, as in IPsec (RFC 4303 §3.4.3) and B.A.T.M.A.N.: the highest counter accepted and a
// bitmap of which of the 63 below it were seen, in two 32-bit words (XS works on 32-bit ints; a
// BigInt bitmap would allocate on every frame).
//
// check() does not change state; accept() does, and the caller calls it only after the frame's
// tag verified, so a frame without the key cannot advance or poison a window.
//
// Jumps are tentative (docs/security.md §6.1). Anyone holding the network key can seal a frame
// under any sender's id with any counter, so a window that jumped to whatever counter arrived
// would let one forged frame (counter 0xFFFFFFF0) make every later frame of the real sender
// "too old". Here a sender has up to MAX_TRACKS tracks, each a window that remembers the counter
// it started at (`bottom`). A track's reach is from its bottom (or 63 below its top, whichever is
// lower) to `maxStep` above its top. A counter is fresh when no track in reach has seen it or left
// it behind (tracks may come to overlap), refused otherwise, and opens a new track when no
// track reaches it, leaving the others as they were. So a forged jump costs the real sender
// nothing: its next frame still extends its own track. Beyond MAX_TRACKS the track that accepted
// the fewest frames goes (the least recently extended among equals): the real sender's busy track
// outlives one-frame forgeries.
//
// With maxStep = Infinity there is one track per sender and any higher counter moves it: the
// right rule for counters only the real sender can produce (the DM window, whose counters are
// authenticated end to end).
//
// The number of senders is bounded (least recently accepted evicted first). An evicted sender
// starts afresh when heard again, so frames it sent before eviction could be replayed to this
// node once each, in order; docs/security.md §6 says why that is acceptable.

export const REPLAY_WINDOW_SIZE = 64;
export const DEFAULT_MAX_SENDERS = 64;
/** Tracks kept per sender (its own counter plus forged or legitimate jumps). */
export const MAX_TRACKS = 8;

export type ReplayVerdict = "fresh" | "replayed" | "too-old";

interface Track {
  /** The first counter accepted on this track. */
  bottom: number;
  top: number;
  /** Bit i: counter top − i seen, i = 0..31. */
  lo: number;
  /** Bit i: counter top − 32 − i seen. */
  hi: number;
  /** Frames accepted on this track. */
  count: number;
}

export class ReplayWindow {
  readonly #max: number;
  readonly #step: number;
  /** Per sender its tracks, least recently extended first. */
  readonly #senders = new Map<number, Track[]>();
  evictions = 0;
  /** Counters that opened a new track beside the sender's others (a reboot, a long absence or a forgery). */
  jumps = 0;
  /** Tracks dropped to make room (after which the counters they covered could be accepted once more). */
  trackEvictions = 0;

  constructor(maxSenders = DEFAULT_MAX_SENDERS, maxStep = REPLAY_WINDOW_SIZE) {
    if (!Number.isInteger(maxSenders) || maxSenders < 1) throw new RangeError("maxSenders must be a positive integer");
    if (!(maxStep >= 1)) throw new RangeError("maxStep must be at least 1");
    this.#max = maxSenders;
    this.#step = maxStep;
  }

  get senders(): number {
    return this.#senders.size;
  }

  /** Tracks held for `sender` (0 when unknown). */
  tracksOf(sender: number): number {
    return this.#senders.get(sender)?.length ?? 0;
  }

  check(sender: number, counter: number): ReplayVerdict {
    const tracks = this.#senders.get(sender);
    if (tracks === undefined) return "fresh";
    // Every track in reach must be able to take it: one that saw it, or left it behind, refuses
    // it even when another (overlapping) track has not seen it, or a counter accepted on one track
    // could be accepted again on the other.
    let reached = false;
    let verdict: ReplayVerdict = "fresh";
    for (const t of tracks) {
      if (!this.#inReach(t, counter)) continue;
      reached = true;
      const v = verdictIn(t, counter);
      if (v === "replayed") return v;
      if (v === "too-old") verdict = v;
    }
    // No track reaches it: a new track, unless jumps are not tentative (one track per sender).
    if (!reached) return this.#step === Infinity ? "too-old" : "fresh";
    return verdict;
  }

  /**
   * Whether `counter` would open a track below every track `sender` has (false for a sender not
   * tracked, or a counter some track reaches). A real sender's counter only rises (a reboot jumps
   * up, §5), so such a counter is an old frame: the bridge refuses it (§14.2), where anyone with
   * broker access can replay old publications. The air keeps the tentative rule of §6.1.
   */
  opensBelow(sender: number, counter: number): boolean {
    const tracks = this.#senders.get(sender);
    if (tracks === undefined) return false;
    for (const t of tracks) if (counter >= t.bottom || this.#inReach(t, counter)) return false;
    return true;
  }

  /**
   * Starts `sender` afresh with every counter up to `top` counted as seen: what a node knows after
   * a reboot from a persisted high-water mark (the DM marks of docs/security.md §13.3).
   */
  seedSeen(sender: number, top: number): void {
    this.#senders.delete(sender);
    if (this.#senders.size >= this.#max) {
      this.#senders.delete(this.#senders.keys().next().value as number);
      this.evictions++;
    }
    this.#senders.set(sender, [{ bottom: 0, top, lo: -1, hi: -1, count: 1 }]);
  }

  /** Records `counter` as seen; call only after check() said "fresh" and the tag verified. */
  accept(sender: number, counter: number): void {
    let tracks = this.#senders.get(sender);
    if (tracks === undefined) {
      tracks = [newTrack(counter)];
      if (this.#senders.size >= this.#max) {
        const oldest = this.#senders.keys().next().value as number;
        this.#senders.delete(oldest);
        this.evictions++;
      }
      this.#senders.set(sender, tracks);
      return;
    }
    this.#senders.delete(sender); // re-inserted below: Map order is the LRU order
    this.#senders.set(sender, tracks);
    const at = tracks.findIndex((t) => this.#inReach(t, counter) && verdictIn(t, counter) === "fresh");
    if (at >= 0) {
      const t = tracks[at];
      mark(t, counter);
      if (counter < t.bottom) t.bottom = counter;
      t.count++;
      tracks.splice(at, 1);
      tracks.push(t);
      return;
    }
    this.jumps++;
    if (tracks.length >= MAX_TRACKS) {
      let victim = 0;
      for (let i = 1; i < tracks.length; i++) if (tracks[i].count < tracks[victim].count) victim = i;
      tracks.splice(victim, 1);
      this.trackEvictions++;
    }
    tracks.push(newTrack(counter));
  }

  #inReach(t: Track, counter: number): boolean {
    return (counter >= t.bottom || t.top - counter < REPLAY_WINDOW_SIZE) && counter - t.top <= this.#step;
  }
}

function newTrack(counter: number): Track {
  return { bottom: counter, top: counter, lo: 1, hi: 0, count: 1 };
}


function verdictIn(w: Track, counter: number): ReplayVerdict {
  if (counter > w.top) return "fresh";
  const back = w.top - counter;
  if (back >= REPLAY_WINDOW_SIZE) return "too-old";
  const seen = back < 32 ? (w.lo >>> back) & 1 : (w.hi >>> (back - 32)) & 1;
  return seen === 1 ? "replayed" : "fresh";
}

function mark(w: Track, counter: number): void {
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

/** Moves the bitmap `d` ≥ 1 places towards older counters. JS shifts count mod 32: cases split. */
function shift(w: Track, d: number): void {
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
