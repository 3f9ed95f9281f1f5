// The per-sender frame counter that makes every nonce unique (docs/security.md §5). A nonce
// reused under one key leaks the XOR of two plaintexts and lets anyone forge Poly1305 tags, so
// a counter value may never be issued twice, not even across a crash or a power cut.
//
// Persistence in blocks: the store holds a mark above every value ever issued. At start the
// counter resumes at the stored mark and, before issuing anything, saves mark + blockSize; it
// saves the next mark whenever it reaches the current one. A crash loses at most the unused rest
// of one block, and flash sees one write per `blockSize` frames (256 by default: one write a day
// for a node sending a frame every 5 minutes).

/** Where the reserved mark lives (the device: Preference; tests: memory). */
export interface CounterStore {
  /** The mark last saved, or undefined on a node that never sealed a frame. */
  load(): number | undefined;
  /** Persist `reservedUpTo`: no value ≥ it has been issued. Must be durable before it returns. */
  save(reservedUpTo: number): void;
}

export const COUNTER_LIMIT = 0x1_0000_0000;
export const DEFAULT_COUNTER_BLOCK = 256;

export type CounterIssue = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly reason: string };

export class FrameCounter {
  readonly #store: CounterStore;
  readonly #block: number;
  #next = 0;
  #reserved = 0;
  /** Set when the stored mark is unusable: the counter then refuses rather than guess. */
  #broken: string | undefined;

  constructor(store: CounterStore, blockSize = DEFAULT_COUNTER_BLOCK) {
    if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 0x1000000) throw new RangeError("counter block size must be 1..2^24");
    this.#store = store;
    this.#block = blockSize;
    let mark: number | undefined;
    try {
      mark = store.load();
    } catch (e) {
      this.#broken = `counter store unreadable (${e instanceof Error ? e.message : String(e)})`;
      return;
    }
    if (mark === undefined) mark = 0;
    if (!Number.isInteger(mark) || mark < 0 || mark > COUNTER_LIMIT) {
      this.#broken = `counter store holds ${String(mark)}, not a mark in 0..2^32: rotate the network key`;
      return;
    }
    // Resume at the mark: everything below it may have been issued before the restart.
    this.#next = mark;
    this.#reserved = mark;
  }

  /** The next value that would be issued (for diagnostics). */
  get next(): number {
    return this.#next;
  }

  /** How many values remain before the key must be rotated. */
  get remaining(): number {
    return this.#broken === undefined ? COUNTER_LIMIT - this.#next : 0;
  }

  /** Issues a fresh value, or refuses (exhausted, store broken); never wraps, never repeats. */
  issue(): CounterIssue {
    if (this.#broken !== undefined) return { ok: false, reason: this.#broken };
    if (this.#next >= COUNTER_LIMIT) return { ok: false, reason: "frame counter exhausted (2^32 frames under this key): rotate the network key" };
    if (this.#next >= this.#reserved) {
      const mark = Math.min(this.#next + this.#block, COUNTER_LIMIT);
      try {
        this.#store.save(mark);
      } catch (e) {
        // Not persisted: issuing now could repeat after a crash, so refuse this one and retry later.
        return { ok: false, reason: `counter store not writable (${e instanceof Error ? e.message : String(e)})` };
      }
      this.#reserved = mark;
    }
    return { ok: true, value: this.#next++ };
  }
}

/** A CounterStore in memory (tests, simulator): survives a new FrameCounter, as flash survives a crash. */
export class MemoryCounterStore implements CounterStore {
  mark: number | undefined;
  saves = 0;
  constructor(mark?: number) {
    this.mark = mark;
  }
  load(): number | undefined {
    return this.mark;
  }
  save(reservedUpTo: number): void {
    this.mark = reservedUpTo;
    this.saves++;
  }
}
