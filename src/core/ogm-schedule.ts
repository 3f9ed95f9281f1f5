// When the next OGM goes out (docs/protocol.md §8.1–8.2): the seed's density steps, jitter, and
// a floor that keeps OGM airtime within a share of the duty-cycle budget.
import type { MeshConfig } from "./config";
import type { Rng } from "./rng";

/** Interval by neighbour count: 30/60/120/180 s at ≤ 8/9–20/21–40/> 40 (seed). */
export function densityInterval(neighbours: number, cfg: MeshConfig): number {
  for (const [max, ms] of cfg.ogmIntervalSteps) if (neighbours <= max) return ms;
  return cfg.ogmIntervalSteps[cfg.ogmIntervalSteps.length - 1][1];
}

/** Shortest interval that keeps OGMs within ogmDutyShare of the duty budget (0 when unlimited). */
export function dutyFloorInterval(ogmAirtimeMs: number, dutyCycle: number, cfg: MeshConfig): number {
  if (dutyCycle >= 1) return 0;
  return ogmAirtimeMs / (cfg.ogmDutyShare * dutyCycle);
}

/**
 * Shortest interval that keeps the OGMs of this node's whole neighbourhood (itself and every
 * node it hears, all sending OGMs of about this size) within ogmChannelShare of channel time:
 * a shared channel, not only a per-node duty budget, is what a dense mesh runs out of.
 */
export function channelFloorInterval(heardNeighbours: number, ogmAirtimeMs: number, cfg: MeshConfig): number {
  return ((heardNeighbours + 1) * ogmAirtimeMs) / cfg.ogmChannelShare;
}

/** The OGM interval before jitter; `heardNeighbours` counts every neighbour heard, usable or not. */
export function ogmInterval(heardNeighbours: number, ogmAirtimeMs: number, dutyCycle: number, cfg: MeshConfig): number {
  const base = Math.max(
    densityInterval(heardNeighbours, cfg),
    dutyFloorInterval(ogmAirtimeMs, dutyCycle, cfg),
    channelFloorInterval(heardNeighbours, ogmAirtimeMs, cfg),
  );
  return Math.min(cfg.ogmMaxIntervalMs, base);
}

/** The interval with uniform ±ogmJitter applied. */
export function jitter(intervalMs: number, rng: Rng, cfg: MeshConfig): number {
  return intervalMs * (1 + cfg.ogmJitter * (2 * rng.next() - 1));
}
