// KEY frames (type 7, docs/security.md §7.1, §13.4): a node announces its X25519 key to its
// neighbours at boot, asking for theirs, and answers such requests with one KEY frame however
// many neighbours asked. One of the concerns SecureStation (secure-station.ts) composes.
import type { SecureState } from "./secure-state";
import type { TxFrame } from "../station";
import { airtimeMs, type LoRaModulation } from "../airtime";
import { decodeKeyFrame, encodeKeyFrame, KEY_FRAME_BYTES } from "./key-frame";
import { SEAL_OVERHEAD_BYTES } from "./frame-seal";

const KEY_FRAME_PRIORITY = 1;
/** A KEY frame as it goes on the air. */
const SEALED_KEY_FRAME_BYTES = KEY_FRAME_BYTES + SEAL_OVERHEAD_BYTES;
/** A KEY frame the duty-cycle plan never allows is tried again after this long. */
const KEY_DEFER_MAX_MS = 3_600_000;

export class KeyAnnouncer {
  readonly s: SecureState;
  readonly #keyFrameMs: number;
  readonly #keyAnswerMs: number;
  /** A KEY frame waiting to go out: with the request flag at boot, without it as an answer. */
  #keyOut: { request: boolean; at: number } | undefined;
  #lastKeyFrameAt = -Infinity;

  constructor(s: SecureState, modem: LoRaModulation, keyAnswerIntervalMs: number | undefined, now: number) {
    this.s = s;
    this.#keyFrameMs = airtimeMs(modem, SEALED_KEY_FRAME_BYTES);
    this.#keyAnswerMs = keyAnswerIntervalMs ?? 10_000;
    // Announce the key once at boot and ask the neighbours for theirs.
    if (s.peers !== undefined) this.#keyOut = { request: true, at: now };
  }

  /** A KEY frame heard: its key is learned, and a request is answered (§13.4 limits). */
  onKeyFrame(inner: Uint8Array, now: number): void {
    const s = this.s;
    const k = decodeKeyFrame(inner);
    if (k === undefined || s.peers === undefined) {
      if (k === undefined) s.stats.badKeys++;
      return;
    }
    s.cache.offer(k.owner, k.publicKey);
    s.contact.learn(k.owner, k.publicKey, now);
    // Answer a request with one KEY frame, however many neighbours asked within the interval;
    // not a neighbour answered within the last keyAnswerPerPeerMs, and never past the airtime share.
    if (!k.request || this.#keyOut !== undefined) return;
    if (now - this.#lastKeyFrameAt >= this.#keyAnswerMs && s.contact.mayAnswer(k.owner, now, this.#keyFrameMs, false)) this.#keyOut = { request: false, at: now };
    else s.stats.keyRequestsIgnored++;
  }

  /** The KEY frame due now, sealed, if the duty-cycle plan has room for it. */
  poll(now: number): TxFrame | undefined {
    const s = this.s;
    if (this.#keyOut === undefined || now < this.#keyOut.at || s.peers === undefined) return undefined;
    // KEY frames spend the node's duty-cycle budget like its own frames: one ledger per node.
    const start = s.inner.foreignFrameStart?.(now, SEALED_KEY_FRAME_BYTES, KEY_FRAME_PRIORITY) ?? now;
    if (start > now) {
      s.stats.keyFramesDeferred++;
      this.#keyOut.at = Number.isFinite(start) ? start : now + KEY_DEFER_MAX_MS;
      return undefined;
    }
    const bytes = s.air.seal(encodeKeyFrame({ owner: s.id, request: this.#keyOut.request, publicKey: s.peers.publicKey }), now);
    if (bytes !== undefined) return { bytes, priority: KEY_FRAME_PRIORITY, kind: "control" };
    this.#keyOut = undefined;
    return undefined;
  }

  /** The KEY frame last polled went out: booked in the key budget and the duty-cycle ledger. */
  sent(now: number): void {
    this.#keyOut = undefined;
    this.#lastKeyFrameAt = now;
    this.s.stats.keyFramesSent++;
    this.s.keyBudget.record(now, this.#keyFrameMs);
    this.s.inner.foreignFrameSent?.(now, SEALED_KEY_FRAME_BYTES);
  }

  /** `t`, or earlier when a KEY frame waits. */
  wakeup(t: number): number {
    return this.#keyOut !== undefined && this.#keyOut.at < t ? this.#keyOut.at : t;
  }
}
