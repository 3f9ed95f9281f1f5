// Route metric and loop-freedom rules (docs/protocol.md §5.1, §5.3), each a small named rule:
// link cost (ETX in 1/256 units plus a hop penalty), saturating addition, and Babel's
// feasibility condition (RFC 8966 §3.5.1) over (seqno, metric) pairs.
import { METRIC_INFINITY } from "./frames";
import { seqDelta } from "./link-quality";

/** One expected transmission. */
export const METRIC_SCALE = 256;
/** Largest finite metric. */
export const METRIC_MAX = METRIC_INFINITY - 1;

/** Cost of sending over a link of quality q: 256/q + hop penalty; infinite below the usable threshold. */
export function linkCost(q: number, usableQ: number, hopPenalty: number): number {
  if (!(q >= usableQ) || q <= 0) return METRIC_INFINITY;
  return Math.min(METRIC_MAX, Math.round(METRIC_SCALE / Math.min(1, q)) + hopPenalty);
}

/** Advertised metric plus a link cost, saturating below infinity; infinity stays infinity. */
export function addMetric(advertised: number, cost: number): number {
  if (advertised >= METRIC_INFINITY || cost >= METRIC_INFINITY) return METRIC_INFINITY;
  return Math.min(METRIC_MAX, advertised + cost);
}

/** A (seqno, metric) pair as advertised or remembered. */
export interface SeqMetric {
  readonly seqno: number;
  readonly metric: number;
}

/**
 * Babel's feasibility condition: an advertisement is feasible when it is a retraction, or its
 * seqno is newer than the feasibility distance's, or the seqnos are equal and its metric is
 * strictly smaller. With no feasibility distance yet, everything is feasible.
 */
export function isFeasible(advertised: SeqMetric, fd: SeqMetric | undefined): boolean {
  if (advertised.metric >= METRIC_INFINITY || fd === undefined) return true;
  const d = seqDelta(advertised.seqno, fd.seqno);
  return d > 0 || (d === 0 && advertised.metric < fd.metric);
}

/** The feasibility distance after advertising `advertised` (retractions leave it unchanged). */
export function updatedFeasibility(fd: SeqMetric | undefined, advertised: SeqMetric): SeqMetric | undefined {
  if (advertised.metric >= METRIC_INFINITY) return fd;
  if (fd === undefined) return advertised;
  const d = seqDelta(advertised.seqno, fd.seqno);
  if (d > 0) return advertised;
  if (d === 0 && advertised.metric < fd.metric) return advertised;
  return fd;
}

/** The route quality a metric implies relative to the best metric for the same destination, in (0, 1]. */
export function relativeQuality(metric: number, bestMetric: number): number {
  if (metric >= METRIC_INFINITY) return 0;
  return Math.max(1, bestMetric) / Math.max(1, metric);
}
