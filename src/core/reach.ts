// What a relay knows reached (docs/protocol.md §15 *Reached*, *Own reach*, *Named stand-down*):
// the nodes it hears itself, the neighbours a copy's sender and its named co-forwarders reach
// (rules `triangleReach`, `coForwarderReach`), and whether what is left of its own reach is small
// enough to stand down. Flooding (flooding.ts) asks it for each relay it holds.
import { shortId } from "./frames";
import type { NodeId } from "./station";
import type { NodeState } from "./node-state";
import type { Neighbour } from "./neighbour-table";
import { SNR_LIMIT_DB } from "./presets";
import { HeardNodes } from "./heard-nodes";
import { NAMED_STAND_DOWN_SHARE, NEARLY_ALL_REACHED_SHARE, transmittersAhead } from "./stand-down";

/**
 * Own reach (§15): senders heard at least this far above the SF's demodulation limit count as
 * reached by our own transmissions, for as long as OWN_REACH_HOLD_MS, OWN_REACH_MAX of them.
 */
export const OWN_REACH_MARGIN_DB = 3;
export const OWN_REACH_HOLD_MS = 20 * 60_000;
export const OWN_REACH_MAX = 128;

/** What a waiting relay knows of a frame's reach (Flooding's PendingBroadcast). */
export interface ReachKnown {
  /** Short ids reached already or by transmissions announced (senders heard, named co-forwarders, their neighbours). */
  readonly reached: Set<number>;
  /** Short ids of the nodes heard sending it (§15 *Named stand-down*: a neighbour listing one of them holds it). */
  readonly senders: Set<number>;
  /**
   * Rule `coForwarderReach` (§15): each neighbour whose list names a transmitter of a copy we
   * heard (its sender, or a forwarder it names ranked ahead of us), with those transmitters.
   */
  readonly listing: Map<number, Set<number>>;
  /** Rule `coForwarderReach`: co-forwarders a copy named ranked behind us, not counted on (not heard sending). */
  readonly behind: Set<number>;
}

/**
 * Whom rule `coForwarderReach` lets the named stand-down count reached (§15): neighbours listing a
 * node heard sending the frame ("heard"), or listing any transmitter of a copy, co-forwarders
 * ranked ahead of us and not heard included ("ahead").
 */
export type CoForwarderTrust = "heard" | "ahead";

export class Reach {
  readonly n: NodeState;
  /** Nodes we hear (own reach, §15). */
  readonly heard = new HeardNodes(OWN_REACH_MAX, OWN_REACH_HOLD_MS);

  constructor(n: NodeState) {
    this.n = n;
  }

  /**
   * Reached (§15): a copy from `sender` reached the sender's neighbours, and the co-forwarders it
   * names that we hear will reach theirs; with `triangleAt` (a broadcast's copy, heard now), also
   * the nodes rule `triangleReach` counts.
   */
  noteReached(reached: Set<number>, sender: NodeId, forwarders: readonly number[] | undefined, triangleAt?: number): void {
    const minRq = this.coverMinRq();
    const add = (n: Neighbour | undefined, short: number): void => {
      reached.add(short);
      if (n !== undefined) for (const x of this.n.nbrs.covers(n, minRq) ?? []) reached.add(x);
    };
    add(this.n.nbrs.get(sender), shortId(sender));
    if (triangleAt !== undefined) this.triangleReach(reached, sender, triangleAt);
    if (forwarders === undefined || forwarders.length === 0) return;
    const self = shortId(this.n.id);
    const byShort = new Map<number, Neighbour>();
    for (const n of this.n.nbrs.values()) byShort.set(shortId(n.id), n);
    for (const s of forwarders) if (s !== self && byShort.has(s)) add(byShort.get(s), s);
  }

  /**
   * Rule `triangleReach` (§15, broadcasts only): a copy from a sender we hear at least
   * `triangleMarginDb` above the SF's limit (smoothed, own reach) reached every node we hear that
   * strongly too. Both are near us, so they are near each other (at most the sum of their
   * distances to us), which our neighbour table's 24 entries and the sender's OGM list cannot
   * tell: in a crowd most of what a named forwarder reaches was otherwise never known reached.
   */
  triangleReach(reached: Set<number>, sender: NodeId, now: number): void {
    const t = this.n.config.triangleMarginDb;
    if (!(t > 0)) return;
    const m = this.heard.margin(shortId(sender), now);
    if (m === undefined || m < t) return;
    this.heard.addStrong(reached, t, now);
  }

  /**
   * Rule `coForwarderReach` (§15, stand-down.ts): adds our neighbours whose lists name a transmitter
   * of this copy, but for co-forwarders in `held` (known reached before this copy named them: named
   * late, a forwarder that holds the frame already does not relay it) and co-forwarders some copy
   * named behind us (`behind`: they may count on us as we would on them, and both stand down; what
   * was counted on them is taken back).
   */
  coForwarderReach(b: Pick<ReachKnown, "listing" | "behind" | "senders">, sender: NodeId, forwarders: readonly number[] | undefined, held?: ReadonlySet<number>): void {
    const listing = b.listing;
    const tx = shortId(sender);
    const self = shortId(this.n.id);
    const at = forwarders?.indexOf(self) ?? -1;
    if (forwarders !== undefined && at >= 0) {
      for (const x of forwarders.slice(at + 1)) {
        if (x === self || b.behind.has(x) || b.senders.has(x)) continue;
        b.behind.add(x);
        for (const [short, set] of listing) if (set.delete(x) && set.size === 0) listing.delete(short);
      }
    }
    const by = [...transmittersAhead(self, tx, forwarders)].filter((x) => x === tx || ((held === undefined || !held.has(x)) && !b.behind.has(x)));
    const minRq = this.coverMinRq();
    for (const n of this.n.nbrs.values()) {
      const list = this.n.nbrs.covers(n, minRq);
      if (list === undefined) continue;
      const named = by.filter((x) => list.has(x));
      if (named.length === 0) continue;
      const short = shortId(n.id);
      const set = listing.get(short) ?? new Set<number>();
      for (const x of named) set.add(x);
      listing.set(short, set);
    }
  }

  /**
   * A neighbour covers the nodes it reports hearing at rq ≥ √linkUsableQ (§15): the receive half
   * of a usable link (Q = rq · tq ≥ linkUsableQ with equal halves).
   */
  coverMinRq(): number {
    return Math.sqrt(this.n.config.linkUsableQ);
  }

  /**
   * Neighbours that may be named (§15): the usable ones, and those we hear well ourselves (own
   * reach) whose link quality collisions have pushed below usable: a broadcast relay needs no
   * acknowledgement, only a link, and OGMs lost to collisions say nothing about the link
   * (bay-area, seed 1: broadcast coverage 14.9 % → 19.8 % with them).
   */
  relayCandidates(now: number): Neighbour[] {
    const heard = new Set<number>();
    this.heard.addRecent(heard, now);
    const out: Neighbour[] = [];
    // Rule `drivenOff` (§4): not a neighbour that has driven off (a static namer among cars).
    for (const n of this.n.nbrs.values()) if (!n.suspended && !this.n.nbrs.outrun(n, now) && (heard.has(shortId(n.id)) || this.n.nbrs.usable(n, now))) out.push(n);
    return out;
  }

  /**
   * Named stand-down (§15): whether no usable neighbour is known to lack the frame (its neighbour
   * list names none of the nodes heard sending it, and no such sender lists it) and at most
   * NAMED_STAND_DOWN_SHARE of the nodes we reach (usable neighbours and own reach) is not known
   * reached; with `crowded` (rule `nearlyAllReached`), also when a neighbour may lack it but at
   * most NEARLY_ALL_REACHED_SHARE of those nodes is not known reached.
   */
  reachMostlyCovered(b: ReachKnown, now: number, crowded = false, trust?: CoForwarderTrust, blindMax = Infinity): boolean {
    const viaHeard = (x: number): boolean => {
      for (const y of b.listing.get(x) ?? []) if (b.senders.has(y)) return true;
      return false;
    };
    const known = (x: number): boolean => b.reached.has(x) || (trust === "heard" ? viaHeard(x) : trust === "ahead" && b.listing.has(x));
    const mine = new Set<number>();
    const minRq = this.coverMinRq();
    const senders = [...b.senders];
    let lacking = false;
    for (const n of this.n.nbrs.usableList(now)) {
      const short = shortId(n.id);
      mine.add(short);
      if (lacking || known(short)) continue;
      const list = this.n.nbrs.covers(n, minRq);
      if (list !== undefined && !senders.some((x) => list.has(x))) lacking = true;
    }
    // Rule `nearlyAllReached`: in a crowd, condition (a) yields to a reach known reached but for a tenth.
    if (lacking && !crowded) return false;
    this.heard.addRecent(mine, now);
    // Knowing no node we reach (a view emptied by collisions) is no evidence that all are reached.
    if (mine.size === 0) return false;
    // Rule `coForwarderReach`: how much of our reach rests on co-forwarders we did not hear.
    let blind = 0;
    for (const x of mine) if (!b.reached.has(x) && b.listing.has(x) && !viaHeard(x)) blind++;
    if (blind > blindMax) return false;
    let left = 0;
    for (const x of mine) if (!known(x)) left++;
    return left <= (lacking ? NEARLY_ALL_REACHED_SHARE : NAMED_STAND_DOWN_SHARE) * mine.size;
  }

  /** `reached` plus the nodes we hear ourselves (own reach, §15). */
  ownReach(reached: ReadonlySet<number> | undefined, now: number): Set<number> {
    const out = new Set<number>(reached);
    this.heard.addRecent(out, now);
    return out;
  }

  /** Any frame from `tx` decoded at `snr` dB (own reach, §15). */
  heardFrom(tx: NodeId, snr: number, now: number): void {
    const margin = snr - (SNR_LIMIT_DB[this.n.modem.sf] ?? -20);
    if (margin >= OWN_REACH_MARGIN_DB) this.heard.heard(shortId(tx), now, margin);
    else this.heard.heardWeak(shortId(tx), margin);
  }
}
