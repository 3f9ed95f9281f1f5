// Rolling one-hour airtime ledger: the node never starts a transmission that would break its
// region's duty-cycle plan (ETSI EN 300 220: duty cycle measured over one hour).
//
// Memory is bounded: airtime is summed into fixed buckets (default 120 × 30 s). A bucket keeps
// counting until the latest transmission recorded in it has fully left the window, so the
// ledger can over-count by up to one bucket width but never under-counts: it is conservative.
// A share of the budget is held back for P0 (SOS) traffic.
import { DUTY_WINDOW_MS } from "./regions";

export interface DutyLedgerOptions {
  /** Allowed share of the window, 0..1; 1 disables the limit (US915). */
  readonly dutyCycle: number;
  /** Window length, ms (one hour). */
  readonly windowMs?: number;
  /** Number of buckets the window is split into. */
  readonly buckets?: number;
  /** Share of the budget only P0 may use, 0..1. */
  readonly sosReserve?: number;
}

/** Default share of the duty budget reserved for P0 frames. */
export const DEFAULT_SOS_RESERVE = 0.1;

export class DutyLedger {
  readonly dutyCycle: number;
  readonly windowMs: number;
  readonly budgetMs: number;
  readonly sosReserve: number;
  readonly #bucketMs: number;
  // Ring of buckets: start index, airtime and the latest end time recorded in each.
  readonly #index: Float64Array;
  readonly #airtime: Float64Array;
  readonly #latestEnd: Float64Array;
  #totalMs = 0;

  constructor(options: DutyLedgerOptions) {
    const { dutyCycle } = options;
    if (!(dutyCycle > 0 && dutyCycle <= 1)) throw new RangeError(`duty cycle ${dutyCycle} is not in (0, 1]`);
    const buckets = options.buckets ?? 120;
    if (!Number.isInteger(buckets) || buckets < 2) throw new RangeError(`bucket count ${buckets} must be an integer ≥ 2`);
    this.dutyCycle = dutyCycle;
    this.windowMs = options.windowMs ?? DUTY_WINDOW_MS;
    this.budgetMs = dutyCycle * this.windowMs;
    this.sosReserve = options.sosReserve ?? DEFAULT_SOS_RESERVE;
    this.#bucketMs = this.windowMs / buckets;
    // One extra bucket so the ring holds a full window plus the bucket being filled.
    this.#index = new Float64Array(buckets + 1).fill(-1);
    this.#airtime = new Float64Array(buckets + 1);
    this.#latestEnd = new Float64Array(buckets + 1);
  }

  get unlimited(): boolean {
    return this.dutyCycle >= 1;
  }

  /** Total airtime ever recorded, ms (for statistics). */
  get totalMs(): number {
    return this.#totalMs;
  }

  /** Airtime counted against the window at `now`, ms (never less than the exact rolling sum). */
  usedMs(now: number): number {
    let sum = 0;
    const oldest = now - this.windowMs;
    for (let i = 0; i < this.#index.length; i++) {
      if (this.#index[i] >= 0 && this.#latestEnd[i] > oldest) sum += this.#airtime[i];
    }
    return sum;
  }

  /** Share of the budget in use at `now`, 0..1 (0 when unlimited). */
  utilisation(now: number): number {
    return this.unlimited ? 0 : Math.min(1, this.usedMs(now) / this.budgetMs);
  }

  /** Budget available to a frame of this priority at `now`, ms. */
  availableMs(now: number, priority: number): number {
    if (this.unlimited) return Infinity;
    const cap = priority === 0 ? this.budgetMs : this.budgetMs * (1 - this.sosReserve);
    return cap - this.usedMs(now);
  }

  /** Whether a transmission of `airtimeMs` may start at `now` with this priority. */
  allows(now: number, airtimeMs: number, priority: number): boolean {
    return this.unlimited || airtimeMs <= this.availableMs(now, priority);
  }

  /**
   * Earliest time ≥ now at which a transmission of `airtimeMs` would be allowed, assuming nothing
   * else is sent meanwhile; Infinity if it can never fit (longer than the budget).
   */
  earliestStart(now: number, airtimeMs: number, priority: number): number {
    if (this.allows(now, airtimeMs, priority)) return now;
    const cap = priority === 0 ? this.budgetMs : this.budgetMs * (1 - this.sosReserve);
    if (airtimeMs > cap) return Infinity;
    // Buckets leave the window in order of their latest end; find when enough has expired.
    const live: Array<[number, number]> = [];
    const oldest = now - this.windowMs;
    for (let i = 0; i < this.#index.length; i++) {
      if (this.#index[i] >= 0 && this.#latestEnd[i] > oldest) live.push([this.#latestEnd[i], this.#airtime[i]]);
    }
    live.sort((a, b) => a[0] - b[0]);
    let used = 0;
    for (const [, a] of live) used += a;
    for (const [end, a] of live) {
      used -= a;
      if (used + airtimeMs <= cap) return end + this.windowMs;
    }
    return now;
  }

  /** Records a transmission that started at `start` and lasts `airtimeMs`. */
  record(start: number, airtimeMs: number): void {
    this.#totalMs += airtimeMs;
    const bucket = Math.floor(start / this.#bucketMs);
    const slot = ((bucket % this.#index.length) + this.#index.length) % this.#index.length;
    if (this.#index[slot] !== bucket) {
      // Reusing a slot: forget the old bucket only once it has fully left the window; otherwise
      // merge into it, which over-counts (safe) instead of under-counting.
      if (this.#latestEnd[slot] <= start - this.windowMs) {
        this.#airtime[slot] = 0;
        this.#latestEnd[slot] = 0;
      }
      this.#index[slot] = bucket;
    }
    this.#airtime[slot] += airtimeMs;
    this.#latestEnd[slot] = Math.max(this.#latestEnd[slot], start + airtimeMs);
  }
}
