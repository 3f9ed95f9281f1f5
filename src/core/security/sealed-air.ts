// The sealed air (docs/security.md §4–§6, §13.5): every frame this node transmits is sealed under
// its frame counter, every frame it hears is opened and checked against the replay window before
// anything reads it. One of the concerns SecureStation (secure-station.ts) composes.
import type { SecureState } from "./secure-state";
import type { TxFrame } from "../station";
import { formatNodeId, type NodeId } from "../station";
import { readU32LE, sameBytes } from "./bytes";
import { SEAL_TAG_BYTES, openFrame, sealFrame, type OpenResult } from "./frame-seal";
import { ReplayWindow, type ReplayVerdict } from "./replay-window";

/** Stands for "no frame sealed with this counter" (a DM's counter) in OwnCounters. */
export const NO_TAG = -1;

export class SealedAir {
  readonly s: SecureState;
  readonly #window: ReplayWindow;
  /** The frame on the air (kept while the channel is busy); `extra`: key bytes appended beyond what the inner node booked. */
  #busy: { inner: Uint8Array; sealed: Uint8Array; extra: number } | undefined;

  constructor(s: SecureState, maxSenders: number | undefined) {
    this.s = s;
    this.#window = new ReplayWindow(maxSenders);
  }

  /** Seals `inner` under the next counter; a frame that cannot be sealed is counted and reported. */
  seal(inner: Uint8Array, now: number): Uint8Array | undefined {
    const s = this.s;
    const c = s.counter.issue();
    const r = c.ok ? sealFrame(s.keys.frame, inner, c.value) : { ok: false as const, reason: c.reason };
    if (!r.ok) {
      s.stats.sealFailed++;
      s.events.push({ type: "log", at: now, level: "warn", text: `security: frame of type ${inner[0] & 15} not sent: ${r.reason}` });
      return undefined;
    }
    s.stats.sealed++;
    if (c.ok) s.own.sealed(c.value, tagPrefix(r.bytes));
    return r.bytes;
  }

  /**
   * The inner station's frame `f`, sealed (with a location answer's key on it, first-contact.ts).
   * After a busy channel the same sealed bytes go again: no counter is spent on a frame that never
   * went out. Undefined when it cannot be sealed.
   */
  sealInner(f: TxFrame, now: number): TxFrame | undefined {
    if (this.#busy !== undefined && sameBytes(this.#busy.inner, f.bytes)) return { ...f, bytes: this.#busy.sealed };
    this.#busy = undefined;
    const keyed = this.s.contact.withLocateKey(f.bytes, now, f.priority);
    const sealed = this.seal(keyed, now);
    if (sealed === undefined) return undefined;
    this.#busy = { inner: f.bytes, sealed, extra: keyed.length - f.bytes.length };
    return { ...f, bytes: sealed };
  }

  /** The inner station's frame went out. */
  innerSent(now: number): void {
    // The key bytes on a location answer, booked as a frame of their own: the preamble and
    // header counted twice err on the safe side of the duty-cycle limit.
    if (this.#busy !== undefined && this.#busy.extra > 0) this.s.inner.foreignFrameSent?.(now, this.#busy.extra);
    this.#busy = undefined;
  }

  /**
   * Opens a frame heard on the air: the inner bytes when the tag verifies and the replay window
   * takes the counter, else undefined with the refusal counted.
   */
  open(bytes: Uint8Array, now: number): Uint8Array | undefined {
    const s = this.s;
    const r = openFrame(s.keys.frame, bytes);
    if (!r.ok) {
      if (r.reason === "truncated") s.stats.truncated++;
      else if (r.reason === "oversized") s.stats.oversized++;
      else if (r.reason === "bad-header") s.stats.badHeader++;
      else s.stats.badTag++;
      return undefined;
    }
    if (r.tx === s.id) {
      if (s.own.classify(r.counter, tagPrefix(bytes), s.counter.next) === "foreign") {
        s.stats.duplicateId++;
        s.events.push({ type: "log", at: now, level: "warn", text: `security: another transmitter seals frames under this node's id ${formatNodeId(s.id)}: two nodes share the id (their nonces collide) or someone impersonates it` });
      } else s.stats.ownFrame++;
      return undefined;
    }
    const verdict = this.#window.check(r.tx, r.counter);
    if (verdict !== "fresh") {
      if (verdict === "replayed") s.stats.replayed++;
      else s.stats.tooOld++;
      return undefined;
    }
    const jumps = this.#window.jumps;
    this.#window.accept(r.tx, r.counter);
    if (this.#window.jumps !== jumps) s.stats.counterJumps++;
    s.stats.opened++;
    return r.inner;
  }

  /** Opens a frame from the internet bridge (secure-bridge.ts checks it with admitBridged). */
  openBridged(bytes: Uint8Array): OpenResult {
    return openFrame(this.s.keys.frame, bytes);
  }

  /** The replay check of a bridged frame: the air's window, stricter below tracked counters (§14.2). */
  admitBridged(tx: NodeId, counter: number): ReplayVerdict {
    // Below every track of a sender already tracked: an old publication replayed (§14.2).
    if (this.#window.opensBelow(tx, counter)) return "too-old";
    const v = this.#window.check(tx, counter);
    if (v === "fresh") this.#window.accept(tx, counter);
    return v;
  }
}

/** The first 4 bytes of a sealed frame's tag, as a number. */
function tagPrefix(sealed: Uint8Array): number {
  return readU32LE(sealed, sealed.length - SEAL_TAG_BYTES);
}
