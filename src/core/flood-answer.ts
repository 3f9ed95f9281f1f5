// A destination's answer to a flood it receives (docs/protocol.md §14, §14.1): its end-to-end ACK,
// once more for a copy heard well after the first (rule `reackReflood`), and a hop ACK its
// neighbours can overhear when that ACK has no way back (rule `deliveredHopAck`). One of the
// concerns Flooding (flooding.ts) composes.
import { AckStatus, type FloodFrame, FrameType } from "./frames";
import type { NodeState } from "./node-state";
import type { NodeId } from "./station";
import { nextHopCount } from "./hop-count";
import { setNewest } from "./bounded";
import { repeatFloodAck } from "./flood-ack-repeat";

/**
 * Rule `reackReflood` (§14.1): a destination that hears a copy of a flood it took in already sends
 * its end-to-end ACK again, at most once per message per this long. A driving originator's second
 * flood (rule `movingFloodMemory`) carries the first one's identity, so it is a duplicate everywhere
 * the first was heard; its only use is to say the first one's ACK was lost. The copies relays make
 * of one flood all come within seconds, and the second flood no sooner than MOVING_FLOOD_MEMORY_MS.
 */
export const REACK_REFLOOD_MS = 30_000;

/** Rule `reackReflood`: at most this many flooded messages remembered as acknowledged. */
export const REACK_REFLOOD_MAX = 32;

export class FloodAnswer {
  readonly #n: NodeState;
  /** Rule `reackReflood`: `src:seq` of each flood to us we acknowledged → when (bounded, oldest out first). */
  readonly #acked = new Map<string, number>();

  constructor(n: NodeState) {
    this.#n = n;
  }

  /** We sent an end-to-end ACK of message `src:seq` within REACK_REFLOOD_MS. */
  #lately(k: string, now: number): boolean {
    const at = this.#acked.get(k);
    return at !== undefined && now - at < REACK_REFLOOD_MS;
  }

  /**
   * Rule `handoverAcked` (§14): we acknowledged message `src:seq` within REACK_REFLOOD_MS, so a
   * first-attempt DATA copy of it (a holder's hand-over) needs only its hop confirmed. Not a retry
   * (attempt ≥ 1: its source missed our ACK).
   */
  ackedLately(src: NodeId, seq: number, attempt: number, now: number): boolean {
    return attempt === 0 && this.#lately(`${src}:${seq}`, now);
  }

  /** An end-to-end ACK of message `src:seq` went (a flood's, or a first-attempt DATA's): a copy within REACK_REFLOOD_MS asks for no other. */
  noteAcked(src: NodeId, seq: number, now: number): void {
    setNewest(this.#acked, `${src}:${seq}`, now, REACK_REFLOOD_MAX);
  }

  /** The end-to-end ACK of flood `f` to us, at most once per REACK_REFLOOD_MS per message (rule `reackReflood`). */
  ack(f: FloodFrame, now: number): void {
    const n = this.#n;
    if (this.#lately(`${f.src}:${f.seq}`, now)) return;
    this.noteAcked(f.src, f.seq, now);
    // A FLOOD names no attempt (one flood per message, §14.1): its ACK carries 0.
    n.e2e.sendE2eAck(f.src, f.seq, nextHopCount(f.hops), f.priority, undefined, 0, now);
    repeatFloodAck(n, f, now);
    // Rule `deliveredHopAck` (§14): with no way back the ACK above never goes on the air, so the
    // holders and relays around us hear no answer; one hop ACK of the message, to the node we
    // heard the flood from, is one they overhear (`answeredFirst`, `answeredStandDown`).
    if (n.config.deliveredHopAck && !n.fwd.reaches(f.src, n.dstClusterFor(f.src, now), now))
      n.fwd.sendHopAck(f.tx, FrameType.DATA, f.src, f.dst, f.seq, AckStatus.DELIVERED, f.priority, now);
  }
}
