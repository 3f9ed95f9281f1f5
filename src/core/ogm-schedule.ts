// When the next OGM goes out (docs/protocol.md §8.1–8.2): a Trickle timer (RFC 6206) between the
// seed's shortest interval and ogmTrickleMaxMs, floors from the duty budget and the measured OGM
// share of the channel, the one-early-OGM rule, and the ids already known (only news resets).
import type { MeshConfig } from "./config";
import type { Rng } from "./rng";
import { addNewest } from "./bounded";

/** Shortest interval that keeps OGMs within ogmDutyShare of the duty budget (0 when unlimited). */
export function dutyFloorInterval(ogmAirtimeMs: number, dutyCycle: number, cfg: MeshConfig): number {
  if (dutyCycle >= 1) return 0;
  return ogmAirtimeMs / (cfg.ogmDutyShare * dutyCycle);
}

/** The interval with uniform ±ogmJitter applied. */
export function jitter(intervalMs: number, rng: Rng, cfg: MeshConfig): number {
  return intervalMs * (1 + cfg.ogmJitter * (2 * rng.next() - 1));
}

/**
 * Shortest OGM interval the node may return to on a Trickle reset (§8.1): the seed's shortest
 * step, stretched by the duty floor and by the OGM share of the channel the node measures.
 * `measuredOgmShare` is the neighbourhood's OGM airtime share (ChannelMeter.ogmShare); when it
 * is above ogmChannelShare, every node stretches its own shortest interval by the excess, so the
 * neighbourhood comes back within the share however many of its members the node decodes.
 */
export function trickleMinInterval(ogmAirtimeMs: number, dutyCycle: number, measuredOgmShare: number, cfg: MeshConfig): number {
  const base = Math.max(cfg.ogmIntervalSteps[0][1], dutyFloorInterval(ogmAirtimeMs, dutyCycle, cfg));
  const excess = measuredOgmShare > cfg.ogmChannelShare ? measuredOgmShare / cfg.ogmChannelShare : 1;
  // Never beyond the settled interval (16 min): where the duty floor alone is longer (SF12 at 1 %:
  // 3,040 s) a cold node would otherwise start at the 32-min ceiling and converge half as fast.
  return Math.min(cfg.ogmMaxIntervalMs, cfg.ogmTrickleMaxMs, cfg.ogmSettledMs, base * excess);
}

/**
 * Trickle timer for OGMs (RFC 6206, §8.1–8.2): the interval doubles after every OGM while nothing
 * new is heard, up to ogmTrickleMaxMs, and falls back to the minimum on a reset (a genuinely
 * new neighbour, destination or cluster). Between two regular OGMs at most one early OGM goes
 * out (§8.2): `early` says whether the next OGM was brought forward already.
 */
export class TrickleTimer {
  #interval: number;
  #early = false;
  #reset = false;

  constructor(initialMs: number) {
    this.#interval = initialMs;
  }

  /** The current interval, ms (before jitter). */
  get intervalMs(): number {
    return this.#interval;
  }

  /** Whether the next OGM restarts the schedule at the minimum (a restart since the last one). */
  get restarting(): boolean {
    return this.#reset;
  }

  /** Whether the OGM now due was brought forward by a reset (the one early OGM). */
  get early(): boolean {
    return this.#early;
  }

  /**
   * An OGM goes out now: the interval until the next one. A regular OGM doubles the interval
   * (within [minMs, maxMs]); an early one keeps it (it is an extra, the schedule goes on). Either
   * re-arms the early OGM only once a regular one has gone out.
   */
  sent(minMs: number, maxMs: number, growth = 2): number {
    this.#interval = this.next(minMs, maxMs, growth);
    this.#reset = false;
    this.#early = false;
    return this.#interval;
  }

  /**
   * The interval an OGM sent now would announce (what `sent` sets), without sending it. A regular
   * OGM multiplies the interval by `growth` (2; 4 for rule `crowdedCeiling`, `ogm-plane.ts`).
   */
  next(minMs: number, maxMs: number, growth = 2): number {
    if (this.#reset) return minMs;
    return Math.min(maxMs, Math.max(minMs, this.#early ? this.#interval : this.#interval * growth));
  }

  /**
   * Something new was heard. `restart`: back to the shortest interval (a new neighbour or a new
   * cluster of our own: the neighbourhood changed); otherwise only the news goes out early (a
   * new destination far away). Returns whether the next OGM may be brought forward (false when
   * an early OGM is already pending since the last regular one).
   */
  reset(restart: boolean): boolean {
    if (restart) this.#reset = true;
    if (this.#early) return false;
    this.#early = true;
    return true;
  }

  /** Shortens the interval now running to at most `maxMs` (rule `newcomerCeiling`, §8.1). */
  cap(maxMs: number): void {
    this.#interval = Math.min(this.#interval, maxMs);
  }

  /** The early OGM could not be brought forward after all (the regular one comes first). */
  cancelEarly(): void {
    this.#early = false;
  }
}

/**
 * Ids a node has already seen (neighbours, destinations, clusters), bounded, least recently seen
 * forgotten first: only an id not in it resets the Trickle timer, so a destination that drops out
 * of the table and comes back (table churn, a flapping link) does not reset it every time.
 */
export class KnownIds {
  readonly #seen = new Set<string>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** Notes the id; true when it was not known. */
  learn(kind: string, id: number): boolean {
    return addNewest(this.#seen, `${kind}:${id}`, this.#max);
  }

  /** Ids held (at most the bound). */
  get size(): number {
    return this.#seen.size;
  }
}
