// Copies of a DATA that come back round to a node that sent them on: rules `loopTakesTable`
// (docs/protocol.md §7.3, a loop of two-hop shortcuts) and `wayRoundRefused` (§14, a cycle of
// ways back). Both are judged on the node's custody of the frame.
import type { DataFrame } from "./frames";
import type { Forwarding } from "./forwarding";
import { nextHopCount } from "./hop-count";
import type { Custody, Unicast } from "./node-state";
import { hash32 } from "./rng";
import { relayedFields } from "./routed-rules";

/**
 * Rule `wayRoundRefused`: hops a copy may carry over the count we sent it with and still be a
 * sender's failover (through two neighbours); round a cycle of ways it has passed at least two
 * relays after us, so carries at least two more.
 */
export const WAY_ROUND_SLACK_HOPS = 1;

/**
 * Rule `wayRoundRefused` (§14): a copy of a DATA we sent on by a way back (or wrote and sent so)
 * that comes back to us by a way back (`wayHop`, DATA flag b7, set by its sender) with a hop count
 * at least two above ours came round a cycle of ways:
 * each relay keeps the way of the latest flood it heard and excludes only the hand, so ways left
 * by different floods (out of order, or forged by a key holder) can point round three relays or
 * more. Confirming it (a duplicate) would lose the message without a report; refused NO_ROUTE,
 * the node that sent it round fails over or hands it back, and the hand-backs reach the writer,
 * which floods, looks the destination up or reports. The hand's own retry (a lower count), its
 * sender's failover through one neighbour (the same count) or through two (one more) are still
 * confirmed. A copy its sender sent us by a table route (b7 clear) is confirmed whatever its
 * count: a failover, a loop of table routes or a late return of a delivered message, which the
 * count alone took for cycles (13 of 16 refusals on bay-area seeds 1–5, session 17's trace).
 * `waiting`: the frame still waiting for its next hop (a driving node keeps waiting: no
 * `downstreamCopy` there); `custody`: its record once handed on.
 */
export function wayCameRound(hops: number, wayHop: boolean, waiting: Unicast | undefined, custody: Custody | undefined): boolean {
  if (!wayHop) return false;
  if (waiting !== undefined) return waiting.viaWayBack === true && hops > waiting.hops + WAY_ROUND_SLACK_HOPS;
  return custody?.viaWayBack === true && !custody.bouncedAway && hops > (custody.sentHops ?? 0) + WAY_ROUND_SLACK_HOPS;
}

/**
 * Rule `loopTakesTable` (§7.3): a copy of a DATA frame we sent on by a two-hop shortcut, come
 * back from a node that is neither the one that gave it us nor one we tried, came round a loop of
 * shortcuts. It is confirmed as before (no refusal, nothing set off upstream), and goes on once
 * more by a table route avoiding every hop tried, with no shortcut; with none, it ends here as
 * before, and is never handed back nor flooded. Once per custody record, and only for a copy
 * carrying the payload we sent on (review: a forged copy must not ride our message's identity).
 */
export function loopTakesTable(fw: Forwarding, f: DataFrame, key: string, now: number): void {
  if (!fw.n.config.loopTakesTable || f.ttl <= 1) return;
  const c = fw.custody.get(key);
  if (c === undefined || c.viaTwoHop !== true || c.bouncedAway || f.tx === c.prevHop || c.tried.has(f.tx) || fw.awaiting.has(key)) return;
  if (c.payloadSum !== hash32(f.payload)) return;
  const tried = new Set(c.tried);
  tried.add(f.tx);
  if (c.prevHop !== undefined) tried.add(c.prevHop);
  if (fw.routeOptions(f.dst, f.dstCluster, now, tried).length === 0) return;
  // Once: further copies (another way round, a copy queued and not yet awaiting) find the record spent.
  fw.custody.set(key, { ...c, viaTwoHop: false });
  const u = fw.newUnicast({ ...relayedFields(f), originated: c.originated, prevHop: c.originated ? undefined : c.prevHop, ttl: f.ttl - 1, hops: nextHopCount(f.hops), tried });
  u.loopFrom = f.tx;
  fw.n.stats.loopCopies++;
  fw.dispatch(u, now, false);
}
