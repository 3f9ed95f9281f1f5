// What the channel around a node is doing, measured (docs/protocol.md §8.1, §11): the share of
// time it hears frames on the air, the share of that which is OGMs, and how often carrier sense
// finds the channel busy when it wants to send. The OGM schedule and the health score read it,
// instead of the number of neighbours the node happens to decode (in a crowded channel most
// frames collide and are never decoded, so a neighbour count says least when it matters most).

/** Buckets of the rolling window. */
const BUCKETS = 10;
/** Weight of one carrier-sense outcome in the busy-ratio average. */
const CAD_ALPHA = 1 / 16;

export class ChannelMeter {
  readonly #bucketMs: number;
  readonly #air = new Float64Array(BUCKETS);
  readonly #ogm = new Float64Array(BUCKETS);
  #bucket = -1;
  #start: number;
  #cadBusy = 0;
  /** When carrier sense last reported (−Infinity: never). */
  #cadAt = -Infinity;

  /** `windowMs`: how far back shares are measured. */
  constructor(now: number, windowMs = 5 * 60_000) {
    this.#bucketMs = windowMs / BUCKETS;
    this.#start = now;
  }

  #roll(now: number): void {
    const b = Math.floor(now / this.#bucketMs);
    if (this.#bucket < 0) this.#bucket = b;
    for (let k = this.#bucket + 1; k <= b && k <= this.#bucket + BUCKETS; k++) {
      this.#air[k % BUCKETS] = 0;
      this.#ogm[k % BUCKETS] = 0;
    }
    if (b > this.#bucket) this.#bucket = b;
  }

  /** A frame of `airMs` heard (or sent) ending at `now`. */
  record(now: number, airMs: number, isOgm: boolean): void {
    this.#roll(now);
    const i = this.#bucket % BUCKETS;
    this.#air[i] += airMs;
    if (isOgm) this.#ogm[i] += airMs;
  }

  /**
   * Carrier sense before a frame's first attempt found the channel busy (true) or free. Only
   * first attempts count: a frame backing off retries while the channel stays busy, and counting
   * every retry would measure our own persistence, not the channel.
   */
  noteCarrierSense(busy: boolean, now: number): void {
    this.#cadBusy += CAD_ALPHA * ((busy ? 1 : 0) - this.#cadBusy);
    this.#cadAt = now;
  }

  #span(now: number): number {
    return Math.max(this.#bucketMs, Math.min(BUCKETS * this.#bucketMs, now - this.#start));
  }

  #sum(a: Float64Array, now: number): number {
    this.#roll(now);
    let s = 0;
    for (const v of a) s += v;
    return s;
  }

  /** Share of time frames were decoded on the channel (ours included), 0..1. */
  decodedShare(now: number): number {
    return Math.min(1, this.#sum(this.#air, now) / this.#span(now));
  }

  /**
   * Busy share of the channel for the health score (§11), 0..1: what was decoded. Carrier sense
   * is not used here: it reports busy whenever any neighbour transmits, also far ones whose
   * frames would not have collided with ours, and in a dense mesh would keep the gate shut at
   * loads the channel carries well.
   */
  busyShare(now: number): number {
    return this.decodedShare(now);
  }

  /**
   * Share of time the channel is taken, as far as the node can tell (§4, §8.1): the higher of what it
   * decoded and what carrier sense found (collided frames are busy air that is never decoded).
   */
  airBusyShare(now: number): number {
    return Math.max(this.decodedShare(now), this.#cadBusy);
  }

  /**
   * `airBusyShare` as of the measuring window only (rule `busyLookupSkipped`, §16): carrier sense
   * samples only when this node sends, so its average keeps a burst's value for as long as the node
   * stays silent; past the window (5 min) without a sample, what was decoded alone counts.
   */
  recentBusyShare(now: number): number {
    const cadFresh = now - this.#cadAt <= BUCKETS * this.#bucketMs;
    return cadFresh ? this.airBusyShare(now) : this.decodedShare(now);
  }

  /**
   * Share of channel time taken by OGMs (§8.1), 0..1: the decoded OGM share, scaled up to the
   * busy share carrier sense finds when that is higher (collided frames are busy air that is
   * never decoded; they are assumed to hold OGMs in the same proportion).
   */
  ogmShare(now: number): number {
    const decoded = this.#sum(this.#air, now);
    if (decoded <= 0) return 0;
    const ogm = this.#sum(this.#ogm, now) / decoded;
    return Math.min(1, ogm * this.airBusyShare(now));
  }
}
