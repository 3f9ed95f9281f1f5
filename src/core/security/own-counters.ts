// Duplicate-id detection (docs/security.md §13.5). Two nodes that share an id both seal under
// that id from their own counters, so they reuse nonces (the network key's ChaCha20 stream and
// Poly1305 keys) and each drops the other's frames as its own reflections. A node can tell: a
// frame sealed under its own id is either a copy of one it sent (an echo or a replay) or someone
// else's. This remembers the tags of the last frames this node sealed, by counter: a frame under
// our id whose counter we never issued, or whose counter we issued with another tag, was sealed
// by someone else. Counters older than what is remembered stay ambiguous (an old recording of
// ours replayed) and are not reported.

/** Sealed frames remembered (their counter and tag prefix). */
export const OWN_FRAMES_REMEMBERED = 64;

export type OwnFrameVerdict = "echo" | "foreign" | "unknown";

export class OwnCounters {
  readonly #counters: number[] = [];
  readonly #tags: number[] = [];

  /** Records a frame this node sealed: its counter and the first 4 bytes of its tag. */
  sealed(counter: number, tag: number): void {
    this.#counters.push(counter);
    this.#tags.push(tag);
    if (this.#counters.length > OWN_FRAMES_REMEMBERED) {
      this.#counters.shift();
      this.#tags.shift();
    }
  }

  /**
   * A received frame under our own id. `next` is the next counter our FrameCounter would issue.
   * "echo": a frame we sealed; "foreign": another transmitter uses our id; "unknown": too old to tell.
   */
  classify(counter: number, tag: number, next: number): OwnFrameVerdict {
    if (counter >= next) return "foreign";
    const i = this.#counters.lastIndexOf(counter);
    if (i >= 0) return this.#tags[i] === tag ? "echo" : "foreign";
    const oldest = this.#counters.length > 0 ? this.#counters[0] : next;
    // Everything from the oldest remembered counter up was issued by us in order, and remembered.
    return counter >= oldest ? "foreign" : "unknown";
  }
}
