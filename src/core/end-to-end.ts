// The end-to-end layer (docs/protocol.md §7.4, §13): the originator's wait for its end-to-end
// ACK (the deadline, the retry, giving up) and the destination's side (delivery once per message,
// sequence gaps, the end-to-end ACK). Forwarding carries the frames hop by hop; this module
// decides when a message is done. The deadline's arithmetic is in e2e-wait.ts.
import { AckStatus, type DataFrame, type E2eAckFrame, FrameType, type HopAckFrame, METRIC_INFINITY } from "./frames";
import { E2E_PENDING_MAX, type NodeState, identityKey, keyOf, type Unicast } from "./node-state";
import { E2E_UNROUTED_HOPS, roundTripMs } from "./e2e-wait";
import { NO_CLUSTER } from "./cluster";
import { nextHopCount } from "./hop-count";
import { formatNodeId, type NodeId, type PriorityLevel } from "./station";
import { destinationDelivered } from "./routed-rules";

/** A message we originated with wantAck, waiting for its end-to-end ACK. */
export interface PendingE2e {
  readonly copy: Unicast;
  deadline: number;
  retries: number;
  /** The first hops that took it, distrusted if it is never acknowledged (§7.5). */
  readonly via: Set<NodeId>;
  /** Rule `lateAckGrace` (§7.4): the last attempt's wait ran out once; the next deadline reports the failure. */
  graced?: boolean;
}

export class EndToEnd {
  readonly n: NodeState;
  /** Messages we originated with wantAck, waiting for their end-to-end ACK (bounded), by `dst:seq`. */
  readonly pending = new Map<string, PendingE2e>();

  constructor(n: NodeState) {
    this.n = n;
  }

  /**
   * How long the originator waits for an end-to-end ACK: both ways along the route's estimated
   * hop count (from its metric; 2 spare hops), each hop an airtime there and back plus relay
   * jitter and a few busy-channel backoffs, plus the location lookups if the destination is
   * still unknown, plus the confirmation guard.
   */
  e2eTimeout(u: Unicast, now: number): number {
    if (this.n.config.e2eTimeoutMs > 0) return this.n.config.e2eTimeoutMs;
    const best = this.n.fwd.routeOptions(u.dst, u.dstCluster, now, new Set()).reduce((m, o) => Math.min(m, o.metric), METRIC_INFINITY);
    if (best < METRIC_INFINITY) return roundTripMs(this.n, u, Math.ceil(best / (256 + this.n.config.hopPenalty)) + 2, false);
    // A lookup goes only for a destination neither routed nor placed, from a node with a cluster
    // (mesh-node.ts send); it waits the levels it will ask, not every level (§7.4).
    const lookup = u.dstCluster === NO_CLUSTER && this.n.cluster !== NO_CLUSTER ? this.n.loc.lookupWaitMs(u.dst, now) : 0;
    return roundTripMs(this.n, u, E2E_UNROUTED_HOPS, !this.n.fwd.bridgeReaches(u.dst, u.dstCluster, now)) + lookup;
  }

  /**
   * Rule `drivingFloodWait` (§7.4): when a driving originator's (DRIVING_MPS) fallback flood is
   * queued, its end-to-end wait runs at least from then over the flood's relays and the ACK's way
   * back, as for a destination with no route at all (E2E_UNROUTED_HOPS, `e2eFloodAllowance`). A
   * message that tried its routes first kept the routed deadline, so the car gave up on it and
   * sent it again while its flood was still being relayed. Driving only: on static meshes the
   * longer wait cost delivery and airtime (duty-cycle-stress, five seeds: 71.1 → 66.8 %).
   */
  drivingFloodWait(u: Unicast, now: number): void {
    const p = this.pending.get(`${u.dst}:${u.seq}`);
    if (p === undefined || this.n.config.e2eTimeoutMs > 0 || !this.n.driving(now)) return;
    p.deadline = Math.max(p.deadline, now + roundTripMs(this.n, u, E2E_UNROUTED_HOPS, true));
  }

  awaitE2e(u: Unicast, now: number): void {
    if (this.pending.size >= E2E_PENDING_MAX) {
      const [oldestKey, oldest] = this.pending.entries().next().value as [string, { copy: Unicast }];
      this.pending.delete(oldestKey);
      this.n.fwd.fail(oldest.copy, now, "no-ack", `too many messages awaiting acknowledgement; gave up on #${oldest.copy.seq}`);
    }
    this.pending.set(`${u.dst}:${u.seq}`, { copy: { ...u, tried: new Set() }, deadline: now + this.e2eTimeout(u, now), retries: 0, via: new Set() });
  }

  /** End-to-end ACKs overdue: send the message again (the destination drops a duplicate and re-acks), or give up. */
  e2eDeadlines(now: number): void {
    for (const p of this.pending.values()) {
      if (p.deadline > now) continue;
      // The first hops that took the message carried it into a path that lost it (§7.5).
      for (const v of p.via) if (v !== p.copy.dst) this.n.fwd.distrustHop(v, now);
      p.via.clear();
      if (p.retries >= this.n.config.e2eRetries) {
        // Rule `lateAckGrace` (§7.4): nothing more is sent, but the failure waits one more such
        // wait for an ACK still on its way: most "failed" messages had arrived, their ACK late.
        if (this.n.config.lateAckGrace && p.graced !== true) {
          p.graced = true;
          p.deadline = now + this.e2eTimeout(p.copy, now);
          continue;
        }
        this.n.fwd.fail(p.copy, now, "no-ack", `no end-to-end acknowledgement from ${formatNodeId(p.copy.dst)} for #${p.copy.seq}`);
        continue;
      }
      p.retries++;
      const u: Unicast = { ...p.copy, tried: new Set(), attempts: 0, via: undefined, handedBack: false, ttl: this.n.config.dataTtl, hops: 0, attempt: Math.min(3, p.retries) };
      u.dstCluster = this.n.dstClusterFor(u.dst, now) || u.dstCluster;
      p.deadline = now + this.e2eTimeout(u, now);
      this.n.stats.e2eRetries++;
      if (this.n.fwd.reaches(u.dst, u.dstCluster, now)) this.n.fwd.dispatch(u, now, false);
      else this.n.fwd.exhausted(u, now);
    }
  }

  /** Hands a unicast payload addressed to us to the application once (§13 gap reporting). */
  deliver(src: NodeId, seq: number, payload: Uint8Array, hops: number, priority: PriorityLevel, now: number): boolean {
    // Delivery is once per message, whichever attempt or path brings it.
    if (!this.n.dedup.add(identityKey("r", src, this.n.id, seq), now)) {
      this.n.stats.rxDuplicates++;
      return false;
    }
    this.n.stats.delivered++;
    this.n.budget.heardFrom(src);
    this.trackSeq(`${src}`, src, seq, now);
    this.n.events.push({ type: "delivered", at: now, src, dst: this.n.id, seq, payload, hops, priority });
    return true;
  }

  trackSeq(key: string, src: NodeId, seq: number, now: number): void {
    const obs = this.n.seqIn.observe(key, seq);
    if (obs.kind === "gap") {
      this.n.events.push({ type: "gap", at: now, src, missing: obs.missing, from: obs.from, to: obs.to });
    } else if (obs.kind === "out-of-order") {
      this.n.events.push({ type: "out-of-order", at: now, src, seq, expected: obs.expected });
    }
  }

  /** An end-to-end ACK back to `src`, first hop forced when the DATA's previous hop is known. */
  sendE2eAck(src: NodeId, seq: number, hops: number, priority: PriorityLevel, via: NodeId | undefined, attempt: number, now: number): void {
    // An ACK of any attempt of this message still in our custody will get there or fail over.
    const pending = (k: string) => this.n.fwd.awaiting.has(k) || this.n.queue.find((q) => q.tag.kind === "unicast" && keyOf(q.tag.u) === k) !== undefined;
    for (let a = 0; a <= 3; a++) if (pending(identityKey("a", this.n.id, src, seq, a))) return;
    const u = this.n.fwd.newUnicast({
      ftype: FrameType.ACK,
      src: this.n.id,
      dst: src,
      seq,
      priority,
      dstCluster: this.n.dstClusterFor(src, now),
      status: AckStatus.DELIVERED,
      ackedHops: Math.min(255, hops),
      originated: true,
      prevHop: undefined,
      ttl: this.n.config.dataTtl,
      hops: 0,
      forcedNextHop: via,
      // Echo the DATA's attempt (§3.4): a relay that passed our ACK of an earlier attempt on takes
      // this one for a new frame, not for a copy to confirm and drop (§7.1 `replyHopAck`).
      attempt,
    });
    this.n.fwd.dispatch(u, now, false);
  }

  onDataForMe(f: DataFrame, now: number): void {
    const fresh = this.deliver(f.src, f.seq, f.payload, nextHopCount(f.hops), f.priority, now);
    // Acknowledge every copy: a repeat means the sender missed our earlier ACK. Not a holder's
    // first-attempt hand-over of a message we acknowledged moments ago (rule `handoverAcked`,
    // §14): that ACK is on its way, and the holder wants its hop confirmed.
    if (f.wantAck && !this.n.flood.answer.ackedLately(f.src, f.seq, f.attempt, now)) {
      // Rule `directDataAck` (§7.4): the ACK of a repeat leaves a hop the table does not hold (the
      // direct one, unconfirmed, just failed) to the table's routes.
      const via = !fresh && this.n.config.directDataAck && this.n.nbrs.get(f.tx) === undefined ? undefined : f.tx;
      this.sendE2eAck(f.src, f.seq, nextHopCount(f.hops), f.priority, via, f.attempt, now);
      // A hand-over's copy (TTL 1) came before the flood: a flood copy heard next asks for no
      // second ACK chain.
      if (f.attempt === 0 && f.ttl <= 1) this.n.flood.answer.noteAcked(f.src, f.seq, now);
    }
    else this.n.fwd.sendHopAck(f.tx, f.type, f.src, f.dst, f.seq, AckStatus.DELIVERED, f.priority, now);
  }

  /**
   * Rule `overheardDelivery` (§7.4): a DATA for us that names another next hop — a relay whose
   * route to us leads through a neighbour of ours, stale on a moving network — is taken in as if
   * it named us. When the hop it names is our usable neighbour, its copy will come through there
   * and be answered as usual, so we say nothing now (on a static mesh the destination overhears
   * the hop before the last one, and answering both cost a second ACK chain). Otherwise its
   * end-to-end ACK, if asked for, goes back through that relay when we hold it usable, and else
   * (or with no ACK asked for) the relay gets a hop ACK, status delivered, which ends its wait on
   * the other hop (`confirmsWait`). Only the first copy is answered.
   */
  onDataOverheard(f: DataFrame, now: number): void {
    if (!this.deliver(f.src, f.seq, f.payload, nextHopCount(f.hops), f.priority, now)) return;
    this.n.stats.overheardDeliveries++;
    const named = this.n.nbrs.get(f.next);
    if (named !== undefined && this.n.nbrs.usable(named, now)) return;
    if (f.wantAck) this.sendE2eAck(f.src, f.seq, nextHopCount(f.hops), f.priority, f.tx, f.attempt, now);
    const relay = this.n.nbrs.get(f.tx);
    if (!f.wantAck || relay === undefined || !this.n.nbrs.usable(relay, now)) this.n.fwd.sendHopAck(f.tx, f.type, f.src, f.dst, f.seq, AckStatus.DELIVERED, f.priority, now);
  }

  /**
   * Rule `overheardAck` (§7.4): the end-to-end ACK of a message we still wait for, decoded on its
   * way to another next hop (a relay on a route back that went stale as nodes moved, or the first
   * hop of the destination's chain while we hear the destination itself), is taken as if it named
   * us. Only while the message waits: any other copy is left to the relays.
   */
  onAckOverheard(f: E2eAckFrame, now: number): void {
    // Only the acknowledgement: a refusal addressed to another hop is that hop's to handle.
    if (f.status !== AckStatus.DELIVERED || !this.pending.has(`${f.src}:${f.seq}`)) return;
    this.n.stats.overheardAcks++;
    this.onAckForMe(f, now);
  }

  /**
   * Rule `overheardAck` (§7.4): a hop ACK "delivered" for a DATA or FLOOD of ours that the
   * message's destination itself sends us (its `deliveredHopAck` on a flood with no route back, or
   * its answer to a copy it took in already) says the message arrived, as its end-to-end ACK would.
   */
  onDestinationHopAck(f: HopAckFrame, now: number): void {
    if (f.src !== this.n.id || !destinationDelivered(f)) return;
    if (!this.pending.has(`${f.dst}:${f.seq}`)) return;
    // The same identity as the end-to-end ACK's, so that ACK arriving later is a duplicate.
    if (!this.n.dedup.add(identityKey("a", f.dst, this.n.id, f.seq), now)) return;
    this.n.stats.overheardAcks++;
    // The destination answered a frame we sent it straight: the message went one hop.
    this.acknowledged(f.dst, f.seq, 1, now);
  }

  /** Message `dst:seq` of ours is acknowledged delivered, with its ACK's hop count. */
  acknowledged(dst: NodeId, seq: number, hops: number, now: number): void {
    const pending = this.answered(dst, seq);
    if (pending !== undefined) for (const v of pending.via) if (v !== dst) this.n.trust.success(v, now);
    this.n.events.push({ type: "acked", at: now, dst, seq, hops });
  }

  /** The destination answered message `dst:seq` of ours (delivered or not): the wait and its flood end. */
  private answered(dst: NodeId, seq: number) {
    const pending = this.pending.get(`${dst}:${seq}`);
    this.pending.delete(`${dst}:${seq}`);
    this.n.flood.acked(dst, seq);
    this.n.budget.heardFrom(dst);
    return pending;
  }

  onAckForMe(f: E2eAckFrame, now: number): void {
    if (!this.n.dedup.add(identityKey("a", f.src, f.dst, f.seq), now)) {
      this.n.stats.rxDuplicates++;
      return;
    }
    if (f.status === AckStatus.DELIVERED) this.acknowledged(f.src, f.seq, f.ackedHops, now);
    else {
      this.answered(f.src, f.seq);
      this.n.events.push({
        type: "send-failed",
        at: now,
        dst: f.src,
        seq: f.seq,
        code: f.status === AckStatus.TTL_EXPIRED ? "ttl-expired" : "refused",
        reason: `${formatNodeId(f.src)} answered with status ${f.status}`,
      });
    }
  }
}
