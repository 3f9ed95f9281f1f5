// Floods and broadcasts (docs/protocol.md §14, §15, §17): the corridor, local and network
// floods, cluster broadcasts with the forwarders their sender names, and the contention and
// suppression of relays. One of the concerns MeshNode (mesh-node.ts) composes.
import { type BcastFrame, type FloodFrame, FloodScope, type FloodScopeKind, floodKey, forwarderListBytes, FrameType, type ListedFrame, listedHeaderBytes, listedKey, MAX_BCAST_FORWARDERS, MAX_FRAME_BYTES, shortId } from "./frames";
import { BROADCAST, type NodeId, type PriorityLevel, type SendResult } from "./station";
import { MIN_RELAY_CW, NodeState, identityKey, type Unicast } from "./node-state";
import { NO_CLUSTER } from "./cluster";
import { UNNAMED_FLOOD_COPIES, unnamedFloodRelay } from "./unnamed-flood-relay";
import { SNR_LIMIT_DB, widestContentionMs } from "./presets";
import { chooseForwarders, MIN_FORWARDER_GAIN, RELAY_TAIL_RANK } from "./forwarders";
import { Reach, type ReachKnown } from "./reach";
import { decodeFrame, encodeFrame } from "./codec";
import { nextHopCount } from "./hop-count";
import { inBroadcastScope, inCorridor, inCorridorRectangle, inLocateScope } from "./scope";
import { randInt } from "./rng";
import { FloodHandover } from "./flood-handover";
import { queryListCapped } from "./locate";
import { addNewest, setNewest } from "./bounded";
import { FloodAnswer } from "./flood-answer";
import { neighboursMostlyFull } from "./crowded-view";
import { CO_FORWARDER_BLIND_MAX, CROWDED_STAND_DOWN_COPIES, MOVING_BCAST_COPIES, NAMED_STAND_DOWN_COPIES, NEARLY_ALL_REACHED_BUSY } from "./stand-down";

/**
 * Backup forwarders (§15): broadcasts whose named forwarders we still listen for, at most
 * BACKUP_WATCH_MAX at once (the oldest is given up), and broadcasts we relayed or sent, remembered
 * so a backup naming us again is relayed only once (RELAYED_MAX).
 */
export const BACKUP_WATCH_MAX = 8;

/**
 * Relays waiting in the queue at once (floods, broadcasts, location queries). A relay is queued
 * past the queue's data capacity (it is in our custody), so without a bound a stream of frames
 * under invented (src, seq) — anyone holding the network key can send them — would grow the
 * queue and the heap; the oldest waiting relay is shed instead (counted in `relaysShed`).
 */
export const PENDING_RELAYS_MAX = 32;

/**
 * Ranked forwarders (§15): the forwarder ranked k in a list waits k frame times plus this many
 * slots each before its own contention, so it hears the ones ranked before it.
 */
export const RANK_GUARD_SLOTS = 8;

export const RELAYED_MAX = 64;

/**
 * Rule `resendUnechoed` (§14): the frame kinds a driving originator (DRIVING_MPS) sends once more
 * when no copy of them is heard within the backup wait. A moving node names no forwarders (its
 * two-hop view is stale), so nothing else watches its frame, and on a busy channel the first copy
 * is often heard by nobody at all.
 */
export const UNECHOED_KINDS: readonly number[] = Object.freeze([FrameType.FLOOD]);

/** Rule `resendUnechoed`: at most this many frames remembered as resent already (each is resent once). */
export const UNECHOED_RESENT_MAX = 16;


/**
 * Rule `resendUnechoed` (§14): whether a frame we originate is watched for an echo (any copy
 * relayed by anyone) and sent once more without one: an unnamed frame of UNECHOED_KINDS from a
 * node that is driving, not itself a resend.
 */
export function resendUnechoed(type: number, named: boolean, driving: boolean, resentAlready: boolean): boolean {
  return !named && driving && !resentAlready && UNECHOED_KINDS.includes(type);
}

/** The one node a directed frame must reach (§15 *Directed frames*): a FLOOD's destination, a LOCATE_Q's target. */
function targetOf(f: ListedFrame): NodeId | undefined {
  return f.type === FrameType.FLOOD ? f.dst : f.type === FrameType.LOCATE_Q ? f.target : undefined;
}

/** A listed frame's priority and queue accounting: location queries are control traffic at priority 2 (§16). */
function queuing(f: ListedFrame): { priority: PriorityLevel; kind: "data" | "control" } {
  return f.type === FrameType.LOCATE_Q ? { priority: 2, kind: "control" } : { priority: f.priority, kind: "data" };
}

/** A broadcast, flood or query we sent naming forwarders, until each is heard relaying or the wait ends. */
interface Watch {
  /** The frame as we sent it, without its list. */
  readonly frame: ListedFrame;
  readonly from: NodeId | undefined;
  readonly reached: Set<number>;
  /** Named forwarders not heard relaying yet, by short id. */
  readonly waiting: Set<number>;
  /** Whether any copy was heard since (from anyone). */
  heardAny: boolean;
  readonly deadline: number;
  /** Rule `resendUnechoed`: an unnamed frame of ours, sent once more if no copy at all is heard. */
  readonly resend?: true;
}

/** A broadcast relay waiting in the queue (§15): what it will carry and whom it no longer needs to reach. */
interface PendingBroadcast extends ReachKnown {
  /** The relayed frame without its forwarder list (the list is chosen when it goes on the air). */
  readonly frame: ListedFrame;
  /** Whom we heard it from first. */
  readonly from: NodeId;
  /** Rule `coForwarderDefer` (§15): our relay was pushed back once, on co-forwarders not heard. */
  deferred: boolean;
}

export class Flooding {
  readonly n: NodeState;
  /** Flood and broadcast relays waiting in the queue: neighbours already covered, copies heard. */
  readonly pendingRelays = new Map<string, { covered: Set<NodeId>; copies: number; named: boolean; listed?: PendingBroadcast; counterOnly?: true }>();
  /** Broadcasts whose named forwarders we listen for (backup forwarders, §15). */
  readonly watches = new Map<string, Watch>();
  /** Broadcasts we relayed or originated: key → when. */
  readonly relayed = new Map<string, number>();
  /** Frames sent once more under rule `resendUnechoed` (bounded, oldest out first). */
  readonly resent = new Set<string>();
  /** The destination's answer to a flood to us (rules `reackReflood`, `deliveredHopAck`). */
  readonly answer: FloodAnswer;
  /** What this node knows reached: own reach, copies' senders and co-forwarders (§15, reach.ts). */
  readonly reach: Reach;
  /** Rule `agreedHandover` (§14): floods we may carry to their destination as one confirmed hop. */
  readonly handover: FloodHandover;

  constructor(n: NodeState) {
    this.n = n;
    this.reach = new Reach(n);
    this.handover = new FloodHandover(n, this);
    this.answer = new FloodAnswer(n);
  }

  /**
   * Contention delay before relaying a flood or broadcast: U[0, 2^cw) slots with cw growing with
   * the SNR the frame arrived at (3 at the demodulation limit … floodContentionCw at 30 dB
   * above it), so the receivers farthest from the sender relay first and cover the most new
   * ground, and the near ones can hear them and stand down (§15).
   */
  contention(): number {
    const margin = this.rxMarginDb();
    const top = this.n.config.floodContentionCw;
    const cw = Math.max(MIN_RELAY_CW, Math.min(top, Math.round(MIN_RELAY_CW + ((top - MIN_RELAY_CW) * margin) / 30)));
    return randInt(this.n.rng, 2 ** cw) * this.n.slotMs;
  }

  /** How far over the modem's demodulation limit the frame being handled arrived (dB). */
  rxMarginDb(): number {
    return this.n.rxSnr - (SNR_LIMIT_DB[this.n.modem.sf] ?? -20);
  }

  /**
   * Rule `unnamedFloodRelay`: an unnamed holder's contention, U[0, 2^floodContentionCw) slots
   * whatever the SNR, so the holders of one flood spread over the widest window and hear each
   * other's copies (the copy counter is all that stands them down).
   */
  unnamedContention(): number {
    return randInt(this.n.rng, 2 ** this.n.config.floodContentionCw) * this.n.slotMs;
  }

  /**
   * A frame of ours went on the air (before its relay bookkeeping is dropped): a broadcast naming
   * forwarders is watched until each of them is heard relaying it (§15 *Backup forwarders*).
   */
  sent(bytes: Uint8Array, relayKey: string | undefined, now: number): void {
    const type = bytes[0] & 15;
    if (type !== FrameType.BCAST && type !== FrameType.FLOOD && type !== FrameType.LOCATE_Q) return;
    const d = decodeFrame(bytes);
    if (!d.ok || (d.frame.type !== FrameType.BCAST && d.frame.type !== FrameType.FLOOD && d.frame.type !== FrameType.LOCATE_Q)) return;
    const { forwarders, backup: _b, ...bare } = d.frame;
    const key = listedKey(d.frame);
    this.remember(key, now);
    // Only the originator watches (one backup per broadcast): relays that watched their own
    // lists sent backups at the edge of every broadcast, where no further copy comes back
    // (medium-city, 76 broadcasts: 522 backups, 19 → 35 transmissions per broadcast). A flood's
    // originator is the node that sent it (it may hold another's message, §14), not its source.
    if (relayKey === undefined && d.frame.backup !== true && d.frame.type !== FrameType.LOCATE_Q && d.frame.src === this.n.id) {
      if (resendUnechoed(d.frame.type, (forwarders?.length ?? 0) > 0, this.n.driving(now), this.resent.has(key))) {
        this.watch(key, { frame: bare as ListedFrame, from: undefined, reached: new Set(), waiting: new Set(), heardAny: false, deadline: now + this.backupWaitMs(bytes.length), resend: true });
        return;
      }
    }
    if (forwarders === undefined || forwarders.length === 0 || d.frame.backup === true || relayKey !== undefined) return;
    if (d.frame.type === FrameType.BCAST ? d.frame.src !== this.n.id : d.frame.type === FrameType.LOCATE_Q && d.frame.asker !== this.n.id) return;
    // Our own frame: heard from nobody, nothing known reached yet.
    this.watch(key, {
      frame: bare as ListedFrame,
      from: undefined,
      reached: new Set(),
      waiting: new Set(forwarders),
      heardAny: false,
      deadline: now + this.backupWaitMs(bytes.length, forwarders.length),
    });
  }

  /** Rule `resendUnechoed`: frame `key` is not to be watched (or resent) again. */
  markResent(key: string): void {
    addNewest(this.resent, key, UNECHOED_RESENT_MAX);
  }

  /**
   * The end-to-end ACK of our message `seq` to `dst` came: a flood of it watched for an echo (rule
   * `resendUnechoed`) arrived, though nobody relayed it (its destination was our neighbour, say).
   */
  acked(dst: NodeId, seq: number): void {
    this.watches.delete(floodKey(this.n.id, dst, seq));
  }

  /** Starts watching a frame of ours (at most BACKUP_WATCH_MAX at once, the oldest given up). */
  watch(key: string, w: Watch): void {
    if (this.watches.size >= BACKUP_WATCH_MAX) this.watches.delete(this.watches.keys().next().value as string);
    this.watches.set(key, w);
  }

  /**
   * How long a sender listens for its named forwarders: the last-ranked one's rank wait (§15
   * *Ranked forwarders*), the longest relay contention (2^floodContentionCw slots) and two frames'
   * airtime (the relay's own and one it may wait out).
   */
  backupWaitMs(frameBytes: number, listed = 1): number {
    const air = this.n.airtime(frameBytes);
    const rankWait = Math.max(0, listed - 1) * this.rankStepMs(frameBytes);
    return rankWait + widestContentionMs(this.n.config.floodContentionCw, this.n.slotMs) + 2 * air;
  }

  /** One rank's turn (§15 *Ranked forwarders*): a frame's airtime and RANK_GUARD_SLOTS slots. */
  rankStepMs(frameBytes: number): number {
    return this.n.airtime(frameBytes) + RANK_GUARD_SLOTS * this.n.slotMs;
  }

  /**
   * A frame `key` we would relay has been answered by its target, so nothing more of it goes out
   * from us: a relay waiting in the queue is dropped and our watch for its forwarders ends (no
   * backup for what arrived). Two rules call it:
   * - `answeredQuery` (§16, kind "query"): we heard the target's location answer to a query; a
   *   copy heard later is also a duplicate (`LocationService.answerHeard` notes the key) and a
   *   backup naming us is not relayed;
   * - `answeredStandDown` (§14, kind "flood"): we heard the destination's answer to a flood (its
   *   end-to-end ACK, or its hop ACK of a DATA of the message); later copies are stopped by
   *   `FloodHandover.answered`.
   */
  answered(key: string, now: number, kind: "query" | "flood"): void {
    this.watches.delete(key);
    if (kind === "query") this.remember(key, now);
    if (!this.pendingRelays.delete(key) || !this.#unqueueRelay(key)) return;
    if (kind === "query") this.n.stats.queryRelaysAnswered++;
    else this.n.stats.relaysAnswered++;
  }

  /** Takes our relay of frame `key` out of the transmit queue; true when one was waiting there. */
  #unqueueRelay(key: string): boolean {
    return this.n.queue.remove((q) => q.tag.kind === "relay" && q.tag.key === key).length > 0;
  }

  /** Remembers that we sent or queued a broadcast (a backup naming us is relayed only once). */
  remember(key: string, now: number): void {
    setNewest(this.relayed, key, now, RELAYED_MAX);
  }

  /** Earliest backup deadline (Infinity without watches). */
  nextBackupAt(): number {
    let t = Infinity;
    for (const w of this.watches.values()) if (w.deadline < t) t = w.deadline;
    return t;
  }

  /**
   * Backup forwarders (§15): for each watched broadcast whose wait ended with a named forwarder
   * still unheard, send the frame once more, flagged as a backup, naming forwarders chosen again
   * without the silent ones for what the relays heard meanwhile did not reach.
   */
  backups(now: number): void {
    for (const [key, w] of this.watches) {
      if (w.deadline > now) continue;
      this.watches.delete(key);
      // Only when no copy at all was heard since: a relay heard, named or not, shows the frame
      // went on, and silent forwarders were then mostly named late (they held it already) or
      // stood down (medium-city, 76 broadcasts: 2,088 backups when any silent forwarder
      // counted, 1,505 when all of them had to be silent, tripling the relays).
      if (w.heardAny) continue;
      if (w.resend === true) {
        // Rule `resendUnechoed`: heard by nobody that relayed it; once more, as it was.
        this.markResent(key);
        const q = queuing(w.frame);
        if (this.n.enqueuePlain(encodeFrame(w.frame), q.priority, q.kind, now, now)) this.n.stats.unechoedResends++;
        continue;
      }
      // A silent forwarder known to hold the frame (a copy we heard reached it) chose not to
      // relay or was named late; only the ones that may never have heard it need replacing.
      const silent = new Set<number>();
      for (const x of w.waiting) if (!w.reached.has(x)) silent.add(x);
      if (silent.size === 0) continue;
      // What the silent forwarders were to reach: their neighbours, as they listed them.
      const only = new Set<number>();
      const minRq = this.reach.coverMinRq();
      for (const n of this.n.nbrs.values()) if (silent.has(shortId(n.id))) for (const x of this.n.nbrs.covers(n, minRq) ?? []) only.add(x);
      if (only.size === 0) continue;
      // A directed frame's backup names for the whole two-hop view but the silent ones: the part
      // they were to reach is the way to the target, which the others reach round about.
      const f = this.withForwarders(w.frame, w.from, now, w.reached, { skip: silent, only: targetOf(w.frame) === undefined ? only : undefined });
      if (f.forwarders === undefined || f.forwarders.length === 0) continue;
      const q = queuing(f);
      this.n.enqueuePlain(encodeFrame({ ...f, backup: true }), q.priority, q.kind, now, now);
      if (f.type === FrameType.BCAST) this.n.stats.broadcastBackups++;
      else this.n.stats.floodBackups++;
    }
  }

  /** Drops the relay waiting longest, from the queue too (PENDING_RELAYS_MAX). */
  shedOldestRelay(): void {
    const oldest = this.pendingRelays.keys().next().value as string | undefined;
    if (oldest === undefined) return;
    this.pendingRelays.delete(oldest);
    this.#unqueueRelay(oldest);
    this.n.stats.relaysShed++;
  }

  /**
   * Queues a flood or broadcast relay unless the frames already heard cover every usable
   * neighbour (neighbour-coverage pruning on the two-hop view). `from` is who we heard it from.
   */
  queueRelay(key: string, bytes: Uint8Array, priority: PriorityLevel, from: NodeId, now: number, named = false, rank = 0, accountAs?: "control", counterOnly = false): boolean {
    if (!this.pendingRelays.has(key) && this.pendingRelays.size >= PENDING_RELAYS_MAX) this.shedOldestRelay();
    this.pendingRelays.set(key, counterOnly ? { covered: new Set<NodeId>(), copies: 1, named, counterOnly: true } : { covered: new Set<NodeId>(), copies: 1, named });
    // A named forwarder was chosen by a sender that saw more than the first copy tells us (§15).
    // Rule `unnamedFloodRelay`: a relay taken under it stands down on the copy counter only.
    if (!named && !counterOnly && this.coveredBy(key, from, now)) {
      this.pendingRelays.delete(key);
      this.n.stats.relaysSuppressed++;
      return false;
    }
    this.n.queue.push(
      {
        bytes,
        priority,
        kind: "data",
        accountAs,
        isAck: false,
        notBefore: now + rank * this.rankStepMs(bytes.length) + (counterOnly ? this.unnamedContention() : this.contention()),
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
  heardCopy(key: string, sender: NodeId, now: number, forwarders?: readonly number[]): void {
    const pending = this.pendingRelays.get(key);
    if (pending === undefined) return;
    pending.copies++;
    const listed = pending.listed;
    if (listed !== undefined) {
      // Rule `coForwarderReach`: co-forwarders already known reached held the frame before this copy named them.
      if (listed.frame.type === FrameType.BCAST) this.reach.coForwarderReach(listed, sender, forwarders, listed.reached);
      this.reach.noteReached(listed.reached, sender, forwarders, listed.frame.type === FrameType.BCAST ? now : undefined);
      listed.senders.add(shortId(sender));
    }
    // A named forwarder (§15) was chosen for the part of the network only it covers: the copy
    // counter says nothing about that part, so it stands down only when most of its own reach is
    // known reached (a usable-neighbour list shrunk by collisions would stand it down too early).
    const enough = pending.counterOnly === true
      ? pending.copies >= UNNAMED_FLOOD_COPIES
      : !pending.named && this.n.config.relayCopyThreshold > 0 && pending.copies >= this.unnamedStandDownCopies(listed?.frame.type, now);
    const redundant =
      pending.counterOnly === true
        ? false
        : pending.named && listed !== undefined
          ? this.namedRedundant(listed, pending.copies, now)
          : this.coveredBy(key, sender, now);
    if (redundant || enough) {
      this.pendingRelays.delete(key);
      if (this.#unqueueRelay(key)) this.n.stats.relaysSuppressed++;
    }
  }

  /**
   * Named stand-down (§15) of a named forwarder that has heard `copies` copies: condition (c),
   * then (a) and (b) with rule `coForwarderReach`'s neighbours counted reached. Those listing a
   * node heard sending the frame count always; those listing only co-forwarders we did not hear
   * count when at most CO_FORWARDER_BLIND_MAX of our reach rests on them and our relay was not
   * pushed back yet; with more, rule `coForwarderDefer` pushes it back once (`deferRelay`) and
   * only what we then hear can stand us down.
   */
  namedRedundant(listed: PendingBroadcast, copies: number, now: number): boolean {
    if (copies < this.standDownCopies(listed.frame.type)) return false;
    const crowded = this.nearlyAllReached(listed.frame.type, now);
    if (this.reach.reachMostlyCovered(listed, now, crowded, "heard")) return true;
    if (listed.deferred) return false;
    if (this.reach.reachMostlyCovered(listed, now, crowded, "ahead", CO_FORWARDER_BLIND_MAX)) return true;
    if (this.reach.reachMostlyCovered(listed, now, crowded, "ahead")) this.deferRelay(listed, now);
    return false;
  }

  /**
   * Rule `coForwarderDefer` (§15): our relay of this broadcast goes on the air no sooner than one
   * widest contention window (2^floodContentionCw slots) from now, once. It would stand down on
   * co-forwarders we did not hear, which may not have sent (more than half never do); sent later,
   * after the wave of the others, it reaches what their copies lost, unless a copy heard
   * meanwhile stands it down.
   */
  deferRelay(listed: PendingBroadcast, now: number): void {
    listed.deferred = true;
    const key = listedKey(listed.frame);
    const q = this.n.queue.find((x) => x.tag.kind === "relay" && x.tag.key === key);
    if (q !== undefined) q.notBefore = Math.max(q.notBefore, now + widestContentionMs(this.n.config.floodContentionCw, this.n.slotMs));
  }

  /**
   * Rule `nearlyAllReached` (§15): whether a named forwarder of this frame may stand down with a
   * usable neighbour not known to hold it (condition (a)) once at most NEARLY_ALL_REACHED_SHARE of
   * its reach is not known reached: a broadcast, in a crowd (`crowded`: our neighbour table full, or
   * by rule `crowdedNeighbours` our neighbours' lists full), where the 24-entry lists behind (a)
   * show a part of each neighbour's neighbours. Floods and location
   * queries keep (a): they must reach one node.
   */
  nearlyAllReached(type: ListedFrame["type"], now: number): boolean {
    // The busy share before `crowded`, which may count each usable neighbour's recent list entries.
    return type === FrameType.BCAST && this.n.channel.recentBusyShare(now) < NEARLY_ALL_REACHED_BUSY && this.crowded(now);
  }

  /**
   * Copies an unnamed relay hears (the first included) before it stands down: MOVING_BCAST_COPIES
   * for a broadcast on a moving node (rule `movingCopyCount`, §15), else relayCopyThreshold;
   * floods and location queries keep it (they must reach one node, §15 *Directed frames*).
   */
  unnamedStandDownCopies(type: ListedFrame["type"] | undefined, now: number): number {
    const normal = this.n.config.relayCopyThreshold;
    return type === FrameType.BCAST && this.n.moving(now) ? Math.min(normal, MOVING_BCAST_COPIES) : normal;
  }

  /**
   * Sends a unicast message as a scoped flood (corridor fallback, homeless, or network-wide);
   * false when the transmit queue had no room (nothing sent).
   */
  sendFlood(u: Unicast, scopeKind: FloodScopeKind, now: number): boolean {
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
    const key = listedKey(f);
    // A second flood of a message (rule `movingFloodMemory`) is a duplicate wherever the first was
    // heard, so nobody relays it: it is not watched for an echo (rule `resendUnechoed`).
    if (!this.n.dedup.add(key, now)) this.markResent(key);
    this.remember(key, now);
    if (!this.n.enqueuePlain(encodeFrame(this.withForwarders(f, undefined, now)), u.priority, "data", now, now)) return false;
    if (scopeKind === FloodScope.LOCAL) {
      this.n.stats.localFloods++;
    } else {
      if (scopeKind === FloodScope.CORRIDOR) this.n.stats.fallbackFloods++;
      else this.n.stats.networkFloods++;
      this.n.events.push({ type: "fallback-flood", at: now, dst: u.dst, seq: u.seq });
    }
    return true;
  }

  onFlood(f: FloodFrame, now: number): void {
    const key = listedKey(f);
    if (!this.n.dedup.add(key, now)) {
      this.n.stats.rxDuplicates++;
      this.duplicate(f, key, now);
      this.handover.copy(key, f, now);
      // Rule `reackReflood`: a copy heard well after the first may be its originator's second flood.
      if (f.dst === this.n.id && f.wantAck) this.answer.ack(f, now);
      return;
    }
    this.n.locations.learn(f.src, f.srcCluster, now);
    this.n.fwd.wayBack.learn(f.src, f.tx, now, true, f.seq);
    if (f.dst === this.n.id) {
      this.n.e2e.deliver(f.src, f.seq, f.payload, nextHopCount(f.hops), f.priority, now);
      if (f.wantAck) this.answer.ack(f, now);
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
    this.handover.consider(f, now);
    if (f.ttl <= 1) return;
    // Named forwarders relay (§15 *Directed frames*), within the flood's scope; a frame naming
    // none leaves it to the distributors in scope (§14).
    const named = f.forwarders !== undefined;
    // Rule `unnamedFloodRelay`: a holder of the originator's own copy, heard strongly, not named
    // in it (or muted, or any holder when it names none) relays it too, after the named ones, on
    // the copy counter alone.
    const namedUs = named && f.forwarders.includes(shortId(this.n.id));
    const extra = !namedUs && unnamedFloodRelay(this.n.config.unnamedFloodRelay, f.hops, this.rxMarginDb());
    if (!extra && (named ? !namedUs : this.n.duty.muted)) return;
    if (!this.floodScopeAdmits(f, named && !extra, now)) return;
    if (this.handover.withhold(key, named && !extra, extra)) return;
    // Rule `answeredStandDown` (§14): the destination's answer came before our first copy.
    if (this.n.config.answeredStandDown && this.handover.answered(key)) return void this.n.stats.relaysAnswered++;
    this.relayListed(f, key, named && !extra, now, extra);
  }

  /** Rule `agreedHandover`: a hand-over given up without anyone carrying the message; the flood relay it held back goes now. */
  relayWithheld(f: FloodFrame, key: string, named: boolean, now: number, unnamedExtra = false): void {
    if (this.relayed.has(key) || this.pendingRelays.has(key)) return;
    this.relayListed(f, key, named, now, unnamedExtra);
  }

  /**
   * Whether this node may relay a flood (§14): any node for a network or local flood; for a
   * corridor flood a node in the corridor, or, when named, any node in the corridor's rectangle
   * (its namer chose it for its reach and cannot know whether it is a border node or has a route).
   */
  floodScopeAdmits(f: FloodFrame, named: boolean, now: number): boolean {
    if (f.scopeKind !== FloodScope.CORRIDOR) return true;
    if (named) return inCorridorRectangle(this.n.cluster, f.srcCluster, f.dstCluster);
    return inCorridor(this.n.cluster, this.n.isBorder(now), this.n.knowsWayTo(f.dstCluster), f.srcCluster, f.dstCluster);
  }

  /**
   * Whether a neighbour in cluster `c` may relay `f` at all (scope rules, §14–16): only such
   * neighbours are named.
   */
  candidateInScope(f: ListedFrame, c: number): boolean {
    if (f.type === FrameType.LOCATE_Q) return inLocateScope(c, f.askerCluster, f.scope);
    if (f.type === FrameType.FLOOD) return f.scopeKind !== FloodScope.CORRIDOR || inCorridorRectangle(c, f.srcCluster, f.dstCluster);
    return inBroadcastScope(c, f.originCluster, f.scope);
  }

  /**
   * A copy of a broadcast, flood or location query we hold already (§15): it may stand our relay
   * down, tells a watching originator its forwarders went on, and, as a backup naming us, makes us
   * relay once though we hold the frame. `mayRelay`: whether scope and state let us relay it.
   */
  duplicate(f: ListedFrame, key: string, now: number, mayRelay = true): void {
    this.heardCopy(key, f.tx, now, f.forwarders);
    const w = this.watches.get(key);
    if (w !== undefined) {
      w.heardAny = true;
      w.waiting.delete(shortId(f.tx));
      this.reach.noteReached(w.reached, f.tx, f.forwarders);
      if (w.waiting.size === 0) this.watches.delete(key);
    }
    if (!mayRelay || f.backup !== true || !f.forwarders?.includes(shortId(this.n.id)) || this.relayed.has(key) || this.pendingRelays.has(key) || f.ttl <= 1) return;
    if (f.type === FrameType.FLOOD && (f.dst === this.n.id || !this.floodScopeAdmits(f, true, now))) return;
    this.relayListed(f, key, true, now);
  }

  /**
   * The bytes of a queued relay as it goes on the air: a broadcast gets its forwarder list now,
   * from everything heard while it waited (§15 *Reached*), when that list is no longer than the
   * one queued (the duty-cycle ledger admitted the queued size).
   */
  relayBytes(key: string, queued: Uint8Array, now: number): Uint8Array {
    const b = this.pendingRelays.get(key)?.listed;
    if (b === undefined) return queued;
    const bytes = encodeFrame(this.withForwarders(b.frame, b.from, now, b.reached));
    return bytes.length <= queued.length ? bytes : queued;
  }

  /**
   * The BCAST with the forwarders this node names (§15) from its two-hop view, given whom it
   * heard the frame from and whom it knows reached; without a list when more than
   * MAX_BCAST_FORWARDERS would be needed or the list does not fit the frame.
   */
  withForwarders<F extends ListedFrame>(f: F, from: NodeId | undefined, now: number, reached?: ReadonlySet<number>, backup?: { readonly skip: ReadonlySet<number>; readonly only: ReadonlySet<number> | undefined }): F {
    const { forwarders: _old, ...rest } = f;
    const bare = rest as F;
    // A moving node's two-hop view is stale by the time it is used: it names none, and the
    // distributors relay (§15). Highway convoy: coverage 49 % with lists, 83 % without.
    if (!this.n.config.broadcastForwarders || this.n.moving(now)) return bare;
    const minRq = this.reach.coverMinRq();
    const prev = from === undefined ? undefined : this.n.nbrs.get(from);
    const chosen = chooseForwarders({
      self: shortId(this.n.id),
      neighbours: this.reach.relayCandidates(now)
        .filter((n) => (backup === undefined || !backup.skip.has(shortId(n.id))) && this.candidateInScope(f, n.cluster))
        .map((n) => ({ short: shortId(n.id), prio: n.relayPrio, active: n.relayActive, covers: this.n.nbrs.covers(n, minRq) })),
      previous: from === undefined ? undefined : { short: shortId(from), covers: prev === undefined ? undefined : this.n.nbrs.covers(prev, minRq) },
      reached: this.reach.ownReach(reached, now),
      only: backup?.only,
      max: MAX_BCAST_FORWARDERS,
      minGain: this.forwarderMinGain(f, backup !== undefined),
      tail: this.relayTail(f, from, backup !== undefined),
      capped: queryListCapped(f.type),
    });
    if (chosen === undefined) return bare;
    const payload = f.type === FrameType.LOCATE_Q ? 0 : f.payload.length;
    const size = listedHeaderBytes(f.type) + forwarderListBytes(chosen.length) + payload + this.n.config.frameOverheadBytes;
    return size <= MAX_FRAME_BYTES ? { ...bare, forwarders: chosen } : bare;
  }

  /**
   * Forwarder gain (§15): fewest two-hop nodes a forwarder is named for. MIN_FORWARDER_GAIN for a
   * broadcast (not its backup, which names for the silent forwarders' part) when our neighbour
   * table is full (we hear more than our lists can show); else any.
   */
  forwarderMinGain(f: ListedFrame, backup: boolean): number {
    return f.type === FrameType.BCAST && !backup && this.n.nbrs.full ? MIN_FORWARDER_GAIN : 1;
  }

  /**
   * Rule `relayListTail` (§15): a relay's list of a broadcast (not the originator's, not a backup),
   * with our neighbour table full, names from rank RELAY_TAIL_RANK on only forwarders of gain
   * `relayTailGain` (0: off).
   */
  relayTail(f: ListedFrame, from: NodeId | undefined, backup: boolean): { rank: number; minGain: number } | undefined {
    const g = this.n.config.relayTailGain;
    return g > 0 && f.type === FrameType.BCAST && from !== undefined && !backup && this.n.nbrs.full ? { rank: RELAY_TAIL_RANK, minGain: g } : undefined;
  }

  /**
   * Named stand-down (§15, condition (c)): copies a named forwarder must have heard, the first
   * included: CROWDED_STAND_DOWN_COPIES for a broadcast when our neighbour table is full, else
   * NAMED_STAND_DOWN_COPIES. Floods and location queries keep the third copy, as they keep
   * forwarders of any gain: they must reach one node, and a thinner relay set loses unicasts.
   */
  standDownCopies(type: ListedFrame["type"]): number {
    return type === FrameType.BCAST && this.n.nbrs.full ? CROWDED_STAND_DOWN_COPIES : NAMED_STAND_DOWN_COPIES;
  }

  /**
   * Whether the lists condition (a) reads show part of each neighbour's neighbours (rule
   * `nearlyAllReached`): our neighbour table is full (so are our neighbours'), or, by rule
   * `crowdedNeighbours`, ours has room but our usable neighbours mostly advertise full lists.
   */
  crowded(now: number): boolean {
    if (this.n.nbrs.full) return true;
    return this.n.config.crowdedNeighbours && neighboursMostlyFull(this.n.nbrs.usableList(now), this.n.config.maxNeighbours, now);
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
    const key = listedKey(f);
    this.n.dedup.add(key, now);
    this.remember(key, now);
    this.n.enqueuePlain(encodeFrame(this.withForwarders(f, undefined, now)), priority, "data", now, now);
    this.n.stats.broadcasts++;
    return { ok: true, seq };
  }

  onBroadcast(f: BcastFrame, now: number): void {
    const key = listedKey(f);
    if (!this.n.dedup.add(key, now)) {
      this.n.stats.rxDuplicates++;
      // A backup naming us (§15): relay it, unless we relayed or queued it already, or it is
      // outside the broadcast's scope (nobody should have named us).
      this.duplicate(f, key, now, inBroadcastScope(this.n.cluster, f.originCluster, f.scope));
      return;
    }
    this.n.locations.learn(f.src, f.originCluster, now);
    if (!inBroadcastScope(this.n.cluster, f.originCluster, f.scope)) return;
    this.n.e2e.trackSeq(`${f.src}:b`, f.src, f.seq, now);
    this.n.events.push({ type: "delivered", at: now, src: f.src, dst: BROADCAST, seq: f.seq, payload: f.payload, hops: nextHopCount(f.hops), priority: f.priority });
    if (f.ttl <= 1) return;
    // Named forwarders relay (§15); a frame naming none leaves it to the distributors (§12).
    const named = f.forwarders !== undefined;
    if (named ? !f.forwarders.includes(shortId(this.n.id)) : this.n.duty.muted) return;
    this.relayListed(f, key, named, now);
  }

  /**
   * Queues our relay of a broadcast, flood or location query heard from f.tx, its list chosen as
   * it goes on the air (§15), and counts it by kind; true when queued.
   */
  relayListed(f: ListedFrame, key: string, named: boolean, now: number, unnamedExtra = false): boolean {
    const { forwarders: _list, backup: _b, ...bare } = f;
    const frame = { ...bare, tx: this.n.id, ttl: f.ttl - 1, hops: nextHopCount(f.hops) } as ListedFrame;
    const reached = new Set<number>();
    this.reach.noteReached(reached, f.tx, f.forwarders, f.type === FrameType.BCAST ? now : undefined);
    const relay = this.withForwarders(frame, f.tx, now, reached);
    // Ranked forwarders (§15): our place in the list we were named in is our turn.
    // Rule `unnamedFloodRelay`: a holder not named waits out every named forwarder's turn.
    const rank = named ? Math.max(0, f.forwarders?.indexOf(shortId(this.n.id)) ?? 0) : unnamedExtra ? (f.forwarders?.length ?? 0) : 0;
    const q = queuing(f);
    if (!this.queueRelay(key, encodeFrame(relay), q.priority, f.tx, now, named, rank, q.kind === "control" ? "control" : undefined, unnamedExtra)) return false;
    if (f.type === FrameType.BCAST) this.n.stats.broadcastRelays++;
    else if (f.type === FrameType.FLOOD) this.n.stats.floodRelays++;
    else this.n.stats.locateRelays++;
    // Rule `unnamedFloodRelay`: such a relay counts as ours only once on the air (`sent`), so one
    // that stands down on the copy counter still answers a backup that names it.
    if (!unnamedExtra) this.remember(key, now);
    const p = this.pendingRelays.get(key);
    const known = { senders: new Set([shortId(f.tx)]), listing: new Map<number, Set<number>>(), behind: new Set<number>() };
    if (f.type === FrameType.BCAST) this.reach.coForwarderReach(known, f.tx, f.forwarders);
    if (p !== undefined) p.listed = { frame, from: f.tx, reached, ...known, deferred: false };
    return true;
  }
}
