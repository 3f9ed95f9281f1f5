// Routing around insiders that lie (docs/protocol.md §7.5): small named rules, each in one place.
//
//   metric floor        an advertised route through a neighbour to anything but the neighbour
//                       itself costs at least one perfect transmission; entries below are lies
//   lie strikes         OGMs carrying such entries count against their sender; enough strikes
//                       and every advertisement of that neighbour is ignored for a hold time
//   next-hop trust      per neighbour, an estimate of the share of frames it really carries on,
//                       across all destinations: lost on failure, regained on confirmation,
//                       and recovering slowly by itself, so an honest bad link is not punished
//                       forever
//   trust-scaled metric a route's total metric is divided by its next hop's trust (it is
//                       chosen, and advertised, as if it were that much longer)
//   trust-scaled share  a route's share of traffic W(r) is multiplied by its next hop's trust
//
// A clever liar can still advertise plausible metrics (no better than one perfect hop per hop
// it claims): nothing local can tell those from the truth. Next-hop trust is what catches it,
// once it swallows what it attracted.
import type { MeshConfig } from "./config";
import { METRIC_INFINITY } from "./frames";
import { METRIC_MAX } from "./metric";
import type { NodeId } from "./station";

/**
 * Metric floor: whether an advertised metric is possible at all. Retractions always are; a
 * finite metric is a sum of link costs, each at least 256/Q ≥ 256 (one perfect transmission),
 * whatever hop penalty the advertiser runs with.
 */
export function plausibleMetric(metric: number, cfg: MeshConfig): boolean {
  return metric >= METRIC_INFINITY || metric >= cfg.metricFloor;
}

/** Trust-scaled metric: the total metric as if the route were 1/trust times longer. */
export function trustScaledMetric(metric: number, trust: number): number {
  if (metric >= METRIC_INFINITY || trust >= 1) return metric;
  if (!(trust > 0)) return METRIC_INFINITY;
  return Math.min(METRIC_MAX, Math.round(metric / trust));
}

interface TrustRecord {
  /** Trust at `at`, in [trustFloor, 1]. */
  t: number;
  at: number;
  /** OGMs with impossible entries since the last distrust period. */
  strikes: number;
  distrustUntil: number;
}

/** Per-neighbour trust and lie strikes. Bounded: the most trusted records go first. */
export class NeighbourTrust {
  readonly #cfg: MeshConfig;
  readonly #map = new Map<NodeId, TrustRecord>();
  readonly #max: number;

  constructor(cfg: MeshConfig) {
    this.#cfg = cfg;
    this.#max = 2 * cfg.maxNeighbours;
  }

  get size(): number {
    return this.#map.size;
  }

  /**
   * Trust of a neighbour at `now`: its deficit (1 − t) halves every trustRecoveryMs without
   * news, so one bad spell on an honest link is forgotten, while a black hole that keeps
   * swallowing keeps being found out again.
   */
  value(id: NodeId, now: number): number {
    const r = this.#map.get(id);
    if (r === undefined) return 1;
    return recovered(r, now, this.#cfg);
  }

  /** A frame through `id` was confirmed as carried on. */
  success(id: NodeId, now: number): void {
    const r = this.#map.get(id);
    if (r === undefined) return; // full trust already
    const t = recovered(r, now, this.#cfg);
    r.t = Math.min(1, t + this.#cfg.trustReward * (1 - t));
    r.at = now;
  }

  /** A frame handed to `id` for relaying was never confirmed. */
  failure(id: NodeId, now: number): void {
    const r = this.#record(id, now);
    r.t = Math.max(this.#cfg.trustFloor, recovered(r, now, this.#cfg) * this.#cfg.trustPenalty);
    r.at = now;
  }

  /** An OGM from `id` carried impossible entries. Returns true when this starts a distrust period. */
  lie(id: NodeId, now: number): boolean {
    const r = this.#record(id, now);
    if (r.distrustUntil > now) return false;
    r.strikes++;
    if (r.strikes < this.#cfg.lieStrikes) return false;
    r.strikes = 0;
    r.distrustUntil = now + this.#cfg.lieDistrustMs;
    return true;
  }

  /** Whether `id`'s advertisements are being ignored. */
  distrusted(id: NodeId, now: number): boolean {
    const r = this.#map.get(id);
    return r !== undefined && r.distrustUntil > now;
  }

  #record(id: NodeId, now: number): TrustRecord {
    let r = this.#map.get(id);
    if (r !== undefined) return r;
    if (this.#map.size >= this.#max) this.#evict(now);
    r = { t: 1, at: now, strikes: 0, distrustUntil: -Infinity };
    this.#map.set(id, r);
    return r;
  }

  // Forget the record that says least: the most trusted one not under distrust.
  #evict(now: number): void {
    let victim: NodeId | undefined;
    let best = -1;
    for (const [id, r] of this.#map) {
      if (r.distrustUntil > now) continue;
      const t = recovered(r, now, this.#cfg);
      if (t > best) {
        best = t;
        victim = id;
      }
    }
    if (victim === undefined) victim = this.#map.keys().next().value;
    if (victim !== undefined) this.#map.delete(victim);
  }
}

function recovered(r: TrustRecord, now: number, cfg: MeshConfig): number {
  const dt = now - r.at;
  if (!(dt > 0) || r.t >= 1) return r.t;
  return 1 - (1 - r.t) * 0.5 ** (dt / cfg.trustRecoveryMs);
}
