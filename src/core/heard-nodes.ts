// The nodes this node hears (docs/protocol.md §15 *Own reach*): short ids of every sender whose
// frames it decoded recently with some SNR margin, neighbour table or not. A device's neighbour
// table holds only its strongest 24 neighbours while a dense mesh gives it 40–100, so the table
// alone under-states whom its own transmission reaches, and the broadcast forwarder choice would
// name relays for nodes that hear it directly. Bounded: the stalest entry makes room. Each entry
// also keeps the margin it is heard at (smoothed), for rule `triangleReach` (§15).

/** Weight of a new frame's margin in the smoothed margin (rule `triangleReach`). */
const MARGIN_SMOOTHING = 0.25;

export class HeardNodes {
  readonly #capacity: number;
  readonly #holdMs: number;
  /** Short id → when last heard, ms. */
  readonly #at = new Map<number, number>();
  /** Short id → smoothed SNR margin over the SF's limit, dB. */
  readonly #margin = new Map<number, number>();

  constructor(capacity: number, holdMs: number) {
    this.#capacity = capacity;
    this.#holdMs = holdMs;
  }

  get size(): number {
    return this.#at.size;
  }

  /** A frame from `short` was decoded at `now`, `margin` dB above the SF's limit (if known). */
  heard(short: number, now: number, margin?: number): void {
    if (this.#at.has(short)) {
      // Re-insert so the map's order stays oldest first.
      this.#at.delete(short);
    } else if (this.#at.size >= this.#capacity) {
      const oldest = this.#at.keys().next();
      if (!oldest.done) {
        this.#at.delete(oldest.value);
        this.#margin.delete(oldest.value);
      }
    }
    this.#at.set(short, now);
    if (margin !== undefined && Number.isFinite(margin)) {
      const old = this.#margin.get(short);
      this.#margin.set(short, old === undefined ? margin : old + MARGIN_SMOOTHING * (margin - old));
    }
  }

  /**
   * A frame from `short` decoded below own reach's margin (rule `triangleReach`, §15): it does not
   * refresh the entry, but pulls its smoothed margin down, so a node now heard weakly stops counting
   * as near before its hold runs out.
   */
  heardWeak(short: number, margin: number): void {
    const old = this.#margin.get(short);
    if (old !== undefined && Number.isFinite(margin)) this.#margin.set(short, old + MARGIN_SMOOTHING * (margin - old));
  }

  /** Whether `short` was heard within the hold time. */
  has(short: number, now: number): boolean {
    const at = this.#at.get(short);
    return at !== undefined && now - at <= this.#holdMs;
  }

  /** The smoothed margin `short` is heard at, dB, if heard within the hold time. */
  margin(short: number, now: number): number | undefined {
    return this.has(short, now) ? this.#margin.get(short) : undefined;
  }

  /** Forgets `short` until it is heard again (rule `heardShortcut`: a hop to it went unconfirmed). */
  forget(short: number): void {
    this.#at.delete(short);
    this.#margin.delete(short);
  }

  /** Adds to `into` every node heard within the hold time, and forgets older ones. */
  addRecent(into: Set<number>, now: number): void {
    for (const [short, at] of this.#at) {
      if (now - at > this.#holdMs) {
        this.#at.delete(short);
        this.#margin.delete(short);
      } else into.add(short);
    }
  }

  /** Adds to `into` every node heard within the hold time at a smoothed margin of at least `min` dB. */
  addStrong(into: Set<number>, min: number, now: number): void {
    for (const [short, at] of this.#at) {
      if (now - at > this.#holdMs) continue;
      const m = this.#margin.get(short);
      if (m !== undefined && m >= min) into.add(short);
    }
  }
}
