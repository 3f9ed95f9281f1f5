// The QoS gate (docs/protocol.md §11): a Network Health Score from the congestion the node
// measures and its own tables, and the highest priority it admits. P0 (SOS) always passes.
import type { MeshConfig } from "./config";
import type { PriorityLevel } from "./station";

export interface HealthInputs {
  /** Congestion 0..1 (channelCongestion): how close the channel or the queue is to saturation. */
  readonly congestion: number;
  /** Whether each neighbour of the neighbourhood is usable now (lost ones within the memory: false). */
  readonly usable: readonly boolean[];
  /** Battery levels 0..1 of this node and its neighbours (external power = 1). */
  readonly batteries: readonly number[];
}

export const NHS_WEIGHT_CONGESTION = 0.4;
export const NHS_WEIGHT_BATTERY = 0.3;
export const NHS_WEIGHT_REACHABLE = 0.3;

/**
 * Busy share of the channel below which it is not congested, and at which it is saturated: an
 * ALOHA-like channel delivers most of its frames below about a quarter busy and few beyond half.
 */
export const BUSY_KNEE = 0.25;
export const BUSY_SATURATED = 0.5;
/** Queue occupancy below which the queue is not congested (it is full at 1). */
export const QUEUE_KNEE = 0.5;

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Congestion 0..1 from what the node measures: the channel's busy share (0 up to BUSY_KNEE, 1 at
 * BUSY_SATURATED) or its queue's occupancy (0 up to QUEUE_KNEE, 1 when full), whichever is worse.
 * Link scores do not enter: collisions lower them without the network being unhealthy for the
 * traffic the gate admits, and refusing traffic because of them only moves the loss to the gate.
 */
export function channelCongestion(busyShare: number, queueOccupancy: number): number {
  const busy = (busyShare - BUSY_KNEE) / (BUSY_SATURATED - BUSY_KNEE);
  const queue = (queueOccupancy - QUEUE_KNEE) / (1 - QUEUE_KNEE);
  return Math.min(1, Math.max(0, busy, queue));
}

/**
 * NHS = 0.4·(1 − congestion) + 0.3·mean battery + 0.3·share of the neighbourhood usable; 0 with
 * no neighbourhood. A node at ordinary load with its neighbours in place scores at least 0.7.
 */
export function networkHealth(h: HealthInputs): number {
  if (h.usable.length === 0) return 0;
  const reachable = h.usable.filter((u) => u).length / h.usable.length;
  const score =
    NHS_WEIGHT_CONGESTION * (1 - Math.min(1, Math.max(0, h.congestion))) + NHS_WEIGHT_BATTERY * mean(h.batteries) + NHS_WEIGHT_REACHABLE * reachable;
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
