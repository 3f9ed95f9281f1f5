// Floods and broadcasts (docs/protocol.md §14, §15, §17): the corridor, local and network
// floods, cluster broadcasts with the forwarders their sender names, and the contention and
// suppression of relays. One of the concerns MeshNode (mesh-node.ts) composes.
import { BCAST_HEADER_BYTES, type BcastFrame, type FloodFrame, FloodScope, type FloodScopeKind, forwarderListBytes, FrameType, MAX_BCAST_FORWARDERS, MAX_FRAME_BYTES, shortId } from "./frames";
import { BROADCAST, type NodeId, type PriorityLevel, type SendResult } from "./station";
import { MIN_RELAY_CW, NodeState, identityKey, type Unicast } from "./node-state";
import { NO_CLUSTER } from "./cluster";
import { SNR_LIMIT_DB } from "./presets";
import { chooseForwarders } from "./forwarders";
import { encodeFrame } from "./codec";
import { nextHopCount } from "./hop-count";
import { inBroadcastScope, inCorridor } from "./scope";
import { randInt } from "./rng";

/** How long after moving a node still counts as moving (§15). */
const MOVING_MS = 5 * 60_000;

export class Flooding {
  readonly n: NodeState;
  /** Flood and broadcast relays waiting in the queue: neighbours already covered, copies heard. */
  readonly pendingRelays = new Map<string, { covered: Set<NodeId>; copies: number; named: boolean }>();

  constructor(n: NodeState) {
    this.n = n;
  }

  /**
   * Contention delay before relaying a flood or broadcast: U[0, 2^cw) slots with cw growing with
   * the SNR the frame arrived at (3 at the demodulation limit … floodContentionCw at 30 dB
   * above it), so the receivers farthest from the sender relay first and cover the most new
   * ground, and the near ones can hear them and stand down (§15).
   */
  contention(): number {
    const margin = this.n.rxSnr - (SNR_LIMIT_DB[this.n.modem.sf] ?? -20);
    const top = this.n.config.floodContentionCw;
    const cw = Math.max(MIN_RELAY_CW, Math.min(top, Math.round(MIN_RELAY_CW + ((top - MIN_RELAY_CW) * margin) / 30)));
    return randInt(this.n.rng, 2 ** cw) * this.n.slotMs;
  }

  /**
   * Queues a flood or broadcast relay unless the frames already heard cover every usable
   * neighbour (neighbour-coverage pruning on the two-hop view). `from` is who we heard it from.
   */
  queueRelay(key: string, bytes: Uint8Array, priority: PriorityLevel, from: NodeId, now: number, named = false): boolean {
    this.pendingRelays.set(key, { covered: new Set<NodeId>(), copies: 1, named });
    if (this.coveredBy(key, from, now)) {
      this.pendingRelays.delete(key);
      this.n.stats.relaysSuppressed++;
      return false;
    }
    this.n.queue.push(
      {
        bytes,
        priority,
        kind: "data",
        isAck: false,
        notBefore: now + this.contention(),
        enqueuedAt: now,
        cw: 0,
        airtimeMs: this.n.airtime(bytes.length),
        tag: { kind: "relay", key },
      },
      true,
    );
    return true;
  }

  /** Adds what `sender`'s transmission covered; true when every usable neighbour is covered. */
  coveredBy(key: string, sender: NodeId, now: number): boolean {
    const covered = this.pendingRelays.get(key)?.covered;
    if (covered === undefined) return false;
    covered.add(sender);
    const s = this.n.nbrs.get(sender);
    let all = true;
    for (const w of this.n.nbrs.usableList(now)) {
      if (covered.has(w.id)) continue;
      if (s !== undefined && this.n.nbrs.twoHopRq(s, shortId(w.id)) > 0) covered.add(w.id);
      else all = false;
    }
    return all;
  }

  /**
   * A copy of a flood or broadcast we are about to relay was heard: stand down if it is
   * redundant — its senders cover every neighbour (needs the two-hop view), or we have heard it
   * relayCopyThreshold times (counter-based suppression, Ni et al. 1999: needs no topology, and
   * is what keeps a mesh where everyone hears everyone from relaying every copy).
   */
  heardCopy(key: string, sender: NodeId, now: number): void {
    const pending = this.pendingRelays.get(key);
    if (pending === undefined) return;
    pending.copies++;
    // A named forwarder (§15) was chosen for the part of the network only it covers: copies heard
    // from others say nothing about that part, so only full coverage stands it down.
    const enough = !pending.named && this.n.config.relayCopyThreshold > 0 && pending.copies >= this.n.config.relayCopyThreshold;
    if (this.coveredBy(key, sender, now) || enough) {
      this.pendingRelays.delete(key);
      if (this.n.queue.remove((q) => q.tag.kind === "relay" && q.tag.key === key).length > 0) this.n.stats.relaysSuppressed++;
    }
  }

  /** Sends a unicast message as a scoped flood: corridor fallback, homeless, or network-wide. */
  sendFlood(u: Unicast, scopeKind: FloodScopeKind, now: number): void {
    const ttl =
      scopeKind === FloodScope.LOCAL ? this.n.config.homelessFloodTtl : scopeKind === FloodScope.CORRIDOR ? this.n.config.corridorHopCap : this.n.config.broadcastHopCap;
    const f: FloodFrame = {
      type: FrameType.FLOOD,
      tx: this.n.id,
      ttl,
      hops: 0,
      priority: u.priority,
      wantAck: u.wantAck,
      scopeKind,
      src: u.src,
      dst: u.dst,
      seq: u.seq,
      srcCluster: this.n.cluster,
      dstCluster: u.dstCluster,
      payload: u.payload,
    };
    this.n.dedup.add(`f:${u.src}:${u.dst}:${u.seq}`, now);
    this.n.enqueuePlain(encodeFrame(f), u.priority, "data", now, now);
    if (scopeKind === FloodScope.LOCAL) {
      this.n.stats.localFloods++;
    } else {
      if (scopeKind === FloodScope.CORRIDOR) this.n.stats.fallbackFloods++;
      else this.n.stats.networkFloods++;
      this.n.events.push({ type: "fallback-flood", at: now, dst: u.dst, seq: u.seq });
    }
  }

  onFlood(f: FloodFrame, now: number): void {
    const key = `f:${f.src}:${f.dst}:${f.seq}`;
    if (!this.n.dedup.add(key, now)) {
      this.n.stats.rxDuplicates++;
      this.heardCopy(key, f.tx, now);
      return;
    }
    this.n.locations.learn(f.src, f.srcCluster, now);
    if (f.dst === this.n.id) {
      this.n.fwd.deliver(f.src, f.seq, f.payload, nextHopCount(f.hops), f.priority, now);
      if (f.wantAck) this.n.fwd.sendE2eAck(f.src, f.seq, nextHopCount(f.hops), f.priority, undefined, now);
      return;
    }
    if (f.scopeKind === FloodScope.LOCAL && this.n.cluster !== NO_CLUSTER && !this.n.dedup.has(identityKey("d", f.src, f.dst, f.seq), now)) {
      // A homeless node's message: the first node that can route it takes it over (§17).
      const dstCluster = this.n.dstClusterFor(f.dst, now);
      if (this.n.fwd.routeOptions(f.dst, dstCluster, now, new Set()).length > 0 && this.n.queue.hasRoomFor("data")) {
        this.n.dedup.add(identityKey("d", f.src, f.dst, f.seq), now);
        this.n.stats.relayed++;
        const u = this.n.fwd.newUnicast({
          ftype: FrameType.DATA,
          src: f.src,
          dst: f.dst,
          seq: f.seq,
          priority: f.priority,
          dstCluster,
          wantAck: f.wantAck,
          payload: f.payload,
          originated: false,
          prevHop: undefined,
          ttl: this.n.config.dataTtl,
          hops: nextHopCount(f.hops),
        });
        this.n.fwd.dispatch(u, now, false);
        return;
      }
    }
    if (this.n.duty.muted || f.ttl <= 1) return;
    const relay =
      f.scopeKind === FloodScope.NETWORK ||
      f.scopeKind === FloodScope.LOCAL ||
      inCorridor(this.n.cluster, this.n.isBorder(now), this.n.knowsWayTo(f.dstCluster), f.srcCluster, f.dstCluster);
    if (!relay) return;
    const bytes = encodeFrame({ ...f, tx: this.n.id, ttl: f.ttl - 1, hops: nextHopCount(f.hops) });
    if (this.queueRelay(key, bytes, f.priority, f.tx, now)) this.n.stats.floodRelays++;
  }

  /**
   * The BCAST with the forwarders this node names (§15) from its two-hop view, given whom it
   * heard the frame from; without a list when more than MAX_BCAST_FORWARDERS would be needed or
   * the list does not fit the frame.
   */
  withForwarders(f: BcastFrame, from: NodeId | undefined, now: number): BcastFrame {
    const { forwarders: _old, ...bare } = f;
    // A moving node's two-hop view is stale by the time it is used: it names none, and the
    // distributors relay (§15). Highway convoy: coverage 49 % with lists, 83 % without.
    if (!this.n.config.broadcastForwarders || now - this.n.movedAt < MOVING_MS) return bare;
    const minRq = Math.sqrt(this.n.config.linkUsableQ);
    const prev = from === undefined ? undefined : this.n.nbrs.get(from);
    const chosen = chooseForwarders({
      self: shortId(this.n.id),
      neighbours: this.n.nbrs.usableList(now).map((n) => ({ short: shortId(n.id), prio: n.relayPrio, active: n.relayActive, covers: this.n.nbrs.covers(n, minRq) })),
      previous: from === undefined ? undefined : { short: shortId(from), covers: prev === undefined ? undefined : this.n.nbrs.covers(prev, minRq) },
      max: MAX_BCAST_FORWARDERS,
    });
    if (chosen === undefined) return bare;
    const size = BCAST_HEADER_BYTES + forwarderListBytes(chosen.length) + f.payload.length + this.n.config.frameOverheadBytes;
    return size <= MAX_FRAME_BYTES ? { ...bare, forwarders: chosen } : bare;
  }

  sendBroadcast(now: number, payload: Uint8Array, priority: PriorityLevel, scope: number): SendResult {
    if (!Number.isInteger(scope) || scope < 0 || scope > 7) {
      return { ok: false, code: "bad-destination", reason: `broadcast scope ${scope} is not 0..7 cluster rings` };
    }
    const seq = this.n.seqOut.next(BROADCAST);
    const f: BcastFrame = {
      type: FrameType.BCAST,
      tx: this.n.id,
      ttl: this.n.config.broadcastHopCap,
      hops: 0,
      priority,
      scope,
      src: this.n.id,
      seq,
      originCluster: this.n.cluster,
      payload: payload.slice(),
    };
    this.n.dedup.add(`b:${this.n.id}:${seq}`, now);
    this.n.enqueuePlain(encodeFrame(this.withForwarders(f, undefined, now)), priority, "data", now, now);
    this.n.stats.broadcasts++;
    return { ok: true, seq };
  }

  onBroadcast(f: BcastFrame, now: number): void {
    const key = `b:${f.src}:${f.seq}`;
    if (!this.n.dedup.add(key, now)) {
      this.n.stats.rxDuplicates++;
      this.heardCopy(key, f.tx, now);
      return;
    }
    this.n.locations.learn(f.src, f.originCluster, now);
    if (!inBroadcastScope(this.n.cluster, f.originCluster, f.scope)) return;
    this.n.fwd.trackSeq(`${f.src}:b`, f.src, f.seq, now);
    this.n.events.push({ type: "delivered", at: now, src: f.src, dst: BROADCAST, seq: f.seq, payload: f.payload, hops: nextHopCount(f.hops), priority: f.priority });
    if (f.ttl <= 1) return;
    // Named forwarders relay (§15); a frame naming none leaves it to the distributors (§12).
    const named = f.forwarders !== undefined;
    if (named ? !f.forwarders.includes(shortId(this.n.id)) : this.n.duty.muted) return;
    const relay = this.withForwarders({ ...f, tx: this.n.id, ttl: f.ttl - 1, hops: nextHopCount(f.hops) }, f.tx, now);
    if (this.queueRelay(key, encodeFrame(relay), f.priority, f.tx, now, named)) this.n.stats.broadcastRelays++;
  }
}
