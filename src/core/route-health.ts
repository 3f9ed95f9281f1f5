// Route reinforcement (docs/protocol.md §7.2, seed constants): a confirmed delivery strengthens a
// route (×1.05, cap 1), a timeout weakens it (×0.5), three straight failures mark it dead, and a
// route unused for a fade period fades (×0.95 per 30 s, floor 0.1). Fading is applied lazily
// from timestamps, so nothing runs on a timer.
import type { MeshConfig } from "./config";

export class RouteHealth {
  #h = 1;
  #failures = 0;
  #dead = false;
  #lastTouched: number;

  constructor(now: number, initial = 1) {
    this.#lastTouched = now;
    this.#h = initial;
  }

  get dead(): boolean {
    return this.#dead;
  }

  /** When the route last carried, failed or was revived: for a dead route, about when it died. */
  get lastTouched(): number {
    return this.#lastTouched;
  }

  get failures(): number {
    return this.#failures;
  }

  /** Health at `now`, including the fade since the route was last used. */
  value(now: number, cfg: MeshConfig): number {
    const periods = Math.floor((now - this.#lastTouched) / cfg.healthFadePeriodMs);
    if (periods <= 0) return this.#h;
    return Math.max(cfg.healthFloor, this.#h * cfg.healthFade ** periods);
  }

  #settle(now: number, cfg: MeshConfig): void {
    this.#h = this.value(now, cfg);
    this.#lastTouched = now;
  }

  /** The route carried a frame (resets its fade clock). */
  used(now: number, cfg: MeshConfig): void {
    this.#settle(now, cfg);
  }

  /** A delivery over this route was confirmed. */
  success(now: number, cfg: MeshConfig): void {
    this.#settle(now, cfg);
    this.#h = Math.min(1, this.#h * cfg.healthReward);
    this.#failures = 0;
  }

  /** A confirmation timed out. Returns true if the route just died. */
  failure(now: number, cfg: MeshConfig): boolean {
    this.#settle(now, cfg);
    this.#h = Math.max(cfg.healthFloor, this.#h * cfg.healthPenalty);
    this.#failures++;
    if (!this.#dead && this.#failures >= cfg.healthDeadAfter) {
      this.#dead = true;
      return true;
    }
    return false;
  }

  /** The next hop said it has no route: dead at once. */
  kill(): void {
    this.#dead = true;
  }

  /** A dead route advertised again with a newer seqno comes back on probation. */
  revive(now: number): void {
    this.#dead = false;
    this.#failures = 0;
    this.#h = 0.5;
    this.#lastTouched = now;
  }
}
