// Link sensing by OGM reception rate (docs/protocol.md §4), B.A.T.M.A.N. IV style: a bitmap of
// the last `window` OGM sequence numbers heard from one neighbour. rq = received / expected.

/** 16-bit sequence arithmetic: (a − b) as a signed value in [−32768, 32767]. */
export function seqDelta(a: number, b: number): number {
  const d = (a - b) & 0xffff;
  return d >= 0x8000 ? d - 0x10000 : d;
}

/** True when a is newer than b modulo 2^16. */
export function seqNewer(a: number, b: number): boolean {
  return seqDelta(a, b) > 0;
}

/** A jump this large (either way) means the neighbour restarted: start its window afresh. */
const RESTART_JUMP = 256;
/** Jitter allowance when counting overdue OGMs: an OGM is missed after 1.25 intervals. */
const OVERDUE_FACTOR = 1.25;

export type OgmReception = "new" | "duplicate" | "late" | "restart" | "first";

export class OgmWindow {
  #bits = 0;
  #latest = -1;
  #span = 0;
  #lastHeardAt = 0;
  readonly #window: number;

  constructor(window: number) {
    if (!Number.isInteger(window) || window < 2 || window > 32) throw new RangeError(`window ${window} is not 2..32`);
    this.#window = window;
  }

  get latest(): number {
    return this.#latest;
  }

  get lastHeardAt(): number {
    return this.#lastHeardAt;
  }

  #mask(): number {
    return this.#window === 32 ? 0xffffffff : (1 << this.#window) - 1;
  }

  /** Records an OGM with sequence number `seq` heard at `now`. */
  record(seq: number, now: number): OgmReception {
    if (this.#latest < 0) {
      this.#latest = seq;
      this.#bits = 1;
      this.#span = 1;
      this.#lastHeardAt = now;
      return "first";
    }
    const d = seqDelta(seq, this.#latest);
    if (d > 0 && d < RESTART_JUMP) {
      this.#bits = d >= this.#window ? 1 : ((this.#bits << d) | 1) & this.#mask();
      this.#span = Math.min(this.#window, this.#span + d);
      this.#latest = seq;
      this.#lastHeardAt = now;
      return "new";
    }
    if (d <= 0 && d > -this.#window) {
      const bit = 1 << -d;
      if ((this.#bits & bit) !== 0) return "duplicate";
      this.#bits |= bit;
      return "late";
    }
    // A large jump either way: the neighbour rebooted (or we missed a very long stretch).
    this.#latest = seq;
    this.#bits = 1;
    this.#span = 1;
    this.#lastHeardAt = now;
    return "restart";
  }

  /**
   * Receive quality at `now`: OGMs received over OGMs expected within the window. OGMs that are
   * overdue (more than 1.25 advertised intervals since the last one) count as missed, so a
   * neighbour that fell silent decays without any new frame. `minSpan` keeps a brand-new
   * neighbour from scoring 1.0 on its first OGM. `aliveAt`: the last time anything else showed
   * the neighbour alive (any frame from it); overdue OGMs count from the later of the two.
   */
  rq(now: number, intervalMs: number, minSpan: number, aliveAt = this.#lastHeardAt, gapWeight = 1): number {
    if (this.#latest < 0) return 0;
    const since = Math.max(this.#lastHeardAt, aliveAt);
    const overdue = intervalMs > 0 ? Math.floor((now - since) / (intervalMs * OVERDUE_FACTOR)) : 0;
    if (overdue >= this.#window) return 0;
    const bits = overdue > 0 ? (this.#bits << overdue) & this.#mask() : this.#bits;
    const span = Math.min(this.#window, this.#span + overdue);
    let count = 0;
    for (let v = bits; v !== 0; v &= v - 1) count++;
    // Gap misses: OGMs missing between ones we heard (the neighbour kept sending and its later OGMs
    // reached us), as opposed to overdue ones at the end. Only `gapWeight` of each counts (§4).
    const gaps = span - count - Math.min(overdue, span);
    return (count + (1 - gapWeight) * gaps) / Math.max(span, minSpan);
  }
}

/**
 * SNR margin over the spreading factor's demodulation limit at and above which a frame missed from
 * a neighbour is taken for a collision, not a weak link: deeper fades than 10 dB are rare (§4).
 */
export const COLLISION_MARGIN_DB = 10;

/**
 * Share of an OGM missed in a gap (later ones arrived) that counts as link loss, from the link's
 * SNR margin over the demodulation limit: all of it at the limit, none from COLLISION_MARGIN_DB up
 * (rule `gapLossWeight`, §4). A strong link does not lose frames to noise; it loses them to
 * collisions and half-duplex, which say nothing about the link and everything about the channel.
 */
export function gapLossWeight(marginDb: number): number {
  if (!(marginDb > 0)) return 1;
  return Math.max(0, 1 - marginDb / COLLISION_MARGIN_DB);
}

/**
 * Weight of an unconfirmed hop as evidence against the link (rule `hopFailureWeight`, §4): the
 * chance it was not a collision, e^(−2·busy) for an ALOHA-like channel whose measured busy share is
 * `busy` (a frame is vulnerable for two frame times). On a quiet channel a failure counts fully;
 * at a third busy, half.
 */
export function hopFailureWeight(busy: number): number {
  return Math.exp(-2 * Math.max(0, Math.min(1, busy)));
}

/** Link quality Q = rq · tq (docs/protocol.md §4): both directions must work. */
export function linkQuality(rq: number, tq: number): number {
  return rq * tq;
}

/** Quantises a quality in [0, 1] to the wire byte. */
export function qualityToByte(q: number): number {
  return Math.max(0, Math.min(255, Math.round(q * 255)));
}

export function byteToQuality(b: number): number {
  return b / 255;
}
