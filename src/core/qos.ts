// The QoS gate (docs/protocol.md §11): a Network Health Score from the node's own tables, and
// the highest priority it admits. P0 (SOS) always passes.
import type { MeshConfig } from "./config";
import type { PriorityLevel } from "./station";

export interface HealthInputs {
  /** Link quality Q of every neighbour in the node's neighbourhood (lost ones within the memory count as 0). */
  readonly qualities: readonly number[];
  /** Whether each known neighbour is usable now (same order). */
  readonly usable: readonly boolean[];
  /** Battery levels 0..1 of this node and its neighbours (external power = 1). */
  readonly batteries: readonly number[];
}

export const NHS_WEIGHT_QUALITY = 0.4;
export const NHS_WEIGHT_BATTERY = 0.3;
export const NHS_WEIGHT_REACHABLE = 0.3;

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * How many of the best links the quality term averages: routing uses a node's best few links,
 * so a node with many neighbours is not unhealthy because some of them are marginal; losing
 * links still shows, as lost neighbours enter the pool with Q 0.
 */
export const NHS_TOP_LINKS = 4;

/**
 * NHS = 0.4·mean √Q of the best links + 0.3·mean battery + 0.3·share of the neighbourhood usable;
 * 0 with none. √Q is a link's per-direction delivery ratio (Q = rq·tq multiplies both
 * directions), comparable with the one-way quality the seed's formula averaged: a link that
 * passes half the frames each way scores 0.5, not 0.25.
 */
export function networkHealth(h: HealthInputs): number {
  if (h.qualities.length === 0) return 0;
  const reachable = h.usable.filter((u) => u).length / h.usable.length;
  const best = h.qualities.map((q) => Math.sqrt(q)).sort((a, b) => b - a).slice(0, NHS_TOP_LINKS);
  const score =
    NHS_WEIGHT_QUALITY * mean(best) + NHS_WEIGHT_BATTERY * mean(h.batteries) + NHS_WEIGHT_REACHABLE * reachable;
  return Math.min(1, Math.max(0, score));
}

/** Highest priority number admitted at this health: ≥ t0 → 7, ≥ t1 → 5, ≥ t2 → 3, ≥ t3 → 1, else 0. */
export function maxAdmittedPriority(nhs: number, cfg: MeshConfig): PriorityLevel {
  const [t0, t1, t2, t3] = cfg.qosThresholds;
  if (nhs >= t0) return 7;
  if (nhs >= t1) return 5;
  if (nhs >= t2) return 3;
  if (nhs >= t3) return 1;
  return 0;
}

/** The gate: undefined when the priority passes, else a reason the application can show. */
export function gateRefusal(priority: PriorityLevel, nhs: number, cfg: MeshConfig): string | undefined {
  if (!cfg.qosEnabled || priority === 0) return undefined;
  const max = maxAdmittedPriority(nhs, cfg);
  if (priority <= max) return undefined;
  const [t0, t1, t2, t3] = cfg.qosThresholds;
  const need = priority <= 1 ? t3 : priority <= 3 ? t2 : priority <= 5 ? t1 : t0;
  return `network health ${nhs.toFixed(2)}: P${priority} needs ≥ ${need.toFixed(2)} (P0–P${max} allowed now)`;
}
