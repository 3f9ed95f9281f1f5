// Airtime on the channel in a rolling hour, frames heard and frames sent: the telemetry's channel
// utilisation (the duty ledger counts only this node's own frames).

export class ChannelMeter {
  readonly #windowMs: number;
  #frames: Array<{ readonly end: number; readonly ms: number }> = [];
  readonly #startedAt: number;

  constructor(startedAt: number, windowMs = 3_600_000) {
    this.#startedAt = startedAt;
    this.#windowMs = windowMs;
  }

  add(end: number, airtimeMs: number): void {
    this.#frames.push({ end, ms: airtimeMs });
    if (this.#frames.length > 4096) this.#prune(end);
  }

  /** Share of the window (or of the time since start, if shorter) with a frame on the air, 0..1. */
  utilisation(now: number): number {
    this.#prune(now);
    const span = Math.min(this.#windowMs, now - this.#startedAt);
    if (span <= 0) return 0;
    let sum = 0;
    for (const f of this.#frames) sum += f.ms;
    return Math.min(1, sum / span);
  }

  #prune(now: number): void {
    const oldest = now - this.#windowMs;
    if (this.#frames.length > 0 && this.#frames[0].end < oldest) this.#frames = this.#frames.filter((f) => f.end >= oldest);
  }
}
