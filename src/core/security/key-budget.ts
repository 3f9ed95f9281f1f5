// Limits on the work a stranger can make a node do about keys (docs/security.md §13.4). A KEY
// request costs the asker one frame and every neighbour that answers one frame too, and each new
// id's key costs every hearer an X25519 computation. Anyone with the network key can ask under a
// fresh id every few seconds, so both are bounded here:
//   - KeyAirtimeBudget: the airtime this node spends on KEY frames and routed key messages, over a
//     sliding hour, kept under a share of the hour (a slice of the duty-cycle budget, never all
//     of it, so routing and user traffic keep the rest);
//   - WorkBudget: a token bucket for the X25519 computations of keys from ids not yet pinned.

export const HOUR_MS = 3_600_000;
/** Default share of the hour for key traffic: 0.5 %, a twentieth of EU868's 10 % duty budget. */
export const DEFAULT_KEY_AIRTIME_SHARE = 0.005;
/** Default X25519 computations per minute for keys from ids not pinned yet. */
export const DEFAULT_NEW_KEYS_PER_MINUTE = 6;

export class KeyAirtimeBudget {
  readonly limitMs: number;
  readonly #spent: Array<{ at: number; ms: number }> = [];
  #sum = 0;

  constructor(share = DEFAULT_KEY_AIRTIME_SHARE) {
    if (!(share > 0 && share <= 1)) throw new RangeError("key airtime share must be in (0, 1]");
    this.limitMs = share * HOUR_MS;
  }

  /** Airtime spent in the hour before `now`. */
  spentMs(now: number): number {
    while (this.#spent.length > 0 && this.#spent[0].at <= now - HOUR_MS) this.#sum -= (this.#spent.shift() as { ms: number }).ms;
    return this.#sum;
  }

  allows(now: number, ms: number): boolean {
    return this.spentMs(now) + ms <= this.limitMs;
  }

  record(now: number, ms: number): void {
    this.spentMs(now);
    this.#spent.push({ at: now, ms });
    this.#sum += ms;
  }
}

/** A token bucket: `perMinute` tokens a minute, holding at most `perMinute`. */
export class WorkBudget {
  readonly #rate: number;
  readonly #cap: number;
  #tokens: number;
  #at: number | undefined;

  constructor(perMinute = DEFAULT_NEW_KEYS_PER_MINUTE) {
    if (!(perMinute > 0)) throw new RangeError("perMinute must be positive");
    this.#rate = perMinute / 60_000;
    this.#cap = perMinute;
    this.#tokens = perMinute;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    if (this.#at !== undefined && now > this.#at) this.#tokens = Math.min(this.#cap, this.#tokens + (now - this.#at) * this.#rate);
    if (this.#at === undefined || now > this.#at) this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
