// Choosing among cached routes (docs/protocol.md §6.2–6.3): W(r) = α·Q(r) + β·(1 − Load) +
// γ·Batt with the next hop's advertised load and battery, backpressure above 0.8 and avoidance
// above 0.95, and a draw proportional to W so secondary routes stay warm.
import type { MeshConfig } from "./config";
import { relativeQuality } from "./metric";
import type { Rng } from "./rng";

export interface RouteOption<T> {
  readonly route: T;
  /** Total metric of the route. */
  readonly metric: number;
  /** Reinforcement health, 0..1. */
  readonly health: number;
  /** Next hop's advertised load, 0..1. */
  readonly load: number;
  /** Next hop's battery, 0..1 (external power counts as 1). */
  readonly battery: number;
  /** Next hop's trust, 0..1 (§7.5); 1 when absent. */
  readonly trust?: number;
}

/**
 * Route stretch (docs/protocol.md §6.2): on a node whose neighbour table is full, a route whose
 * metric exceeds the best one's by more than this factor is not drawn while a route within it has
 * any weight. Why: the load and battery terms give a route twice as long four fifths of the best
 * one's weight, and every relay draws again, so frames wandered over extra hops (dense-urban:
 * 4.8 hops where 2–3 reach). Not with room in the table: on sparse, lossy meshes (bay-area) the
 * spread over routes kept unicasts alive (39.3 → 30.0 % with the rule on every node).
 */
export const ROUTE_STRETCH_MAX = 1.1;

/** Whether a route of `metric` is within the stretch of the best route's `bestMetric`. */
export function withinStretch(metric: number, bestMetric: number): boolean {
  return metric <= Math.max(1, bestMetric) * ROUTE_STRETCH_MAX;
}

/** Backpressure multiplier for a next hop's load: 1 below soft, linear to 0 at hard, 0 above. */
export function backpressure(load: number, cfg: MeshConfig): number {
  if (load <= cfg.backpressureSoft) return 1;
  if (load > cfg.backpressureHard) return 0;
  return Math.max(0, 1 - (load - cfg.backpressureSoft) / (cfg.backpressureHard - cfg.backpressureSoft));
}

/** Route weight W(r), backpressure applied. */
export function routeWeight(o: RouteOption<unknown>, bestMetric: number, cfg: MeshConfig): number {
  const q = o.health * relativeQuality(o.metric, bestMetric);
  const w = cfg.weightQuality * q + cfg.weightLoad * (1 - o.load) + cfg.weightBattery * o.battery;
  // Trust-scaled share (§7.5): load and battery terms alone would keep a swallowing next hop at
  // more than half its share.
  return w * backpressure(o.load, cfg) * (o.trust ?? 1);
}

/**
 * Picks one route with probability Share(r) = W(r)/ΣW, among the routes within the stretch when
 * `crowded` (the node's neighbour table is full). If backpressure zeroes every route, the
 * least-loaded one is used (frames are never dropped for backpressure alone).
 */
export function chooseRoute<T>(options: readonly RouteOption<T>[], rng: Rng, cfg: MeshConfig, crowded = false): RouteOption<T> | undefined {
  if (options.length === 0) return undefined;
  let best = Infinity;
  for (const o of options) best = Math.min(best, o.metric);
  let weights = options.map((o) => (!crowded || withinStretch(o.metric, best) ? routeWeight(o, best, cfg) : 0));
  let total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) {
    weights = options.map((o) => routeWeight(o, best, cfg));
    total = weights.reduce((a, b) => a + b, 0);
  }
  if (!(total > 0)) {
    let pick = options[0];
    for (const o of options) if (o.load < pick.load) pick = o;
    return pick;
  }
  let x = rng.next() * total;
  for (let i = 0; i < options.length; i++) {
    x -= weights[i];
    if (x < 0 && weights[i] > 0) return options[i];
  }
  // Floating-point remainder: the last route with any weight.
  for (let i = options.length - 1; i >= 0; i--) if (weights[i] > 0) return options[i];
  return options[0];
}
