// Ways back when distance vector has no route (forwarding.ts asks): where a location query came
// from, so its answer goes back the way it came (AODV-style, §16), and, rule `floodWayBack`
// (docs/protocol.md §14), per source the neighbour its latest flood or a DATA from it came from, so
// a message to that source with no route can go back the same way; rule `keyWayBack` (§14) uses
// the ways floods left for key answers at their writer and for DATA at a relay with no route.
import type { MeshConfig } from "./config";
import { makeRoom } from "./bounded";
import { FrameType } from "./frames";
import { CUSTODY_MS, REVERSE_MAX, type Unicast } from "./node-state";
import type { NodeId } from "./station";

/** How long a way back stays usable (a key answer comes within the 120-s key wait). */
export const WAY_BACK_MS = 5 * 60_000;

export class WayBack {
  readonly #self: NodeId;
  readonly #config: Pick<MeshConfig, "floodWayBack" | "ackWayBack" | "keyWayBack">;
  /** At most REVERSE_MAX sources, the oldest out first. */
  readonly #ways = new Map<NodeId, { hop: NodeId; until: number; fromFlood: boolean; seq: number | undefined }>();
  /** Reverse hops of locate queries, by `locateKey`, for answers without a route back (at most REVERSE_MAX). */
  readonly #queries = new Map<string, { hop: NodeId; until: number }>();

  constructor(self: NodeId, config: Pick<MeshConfig, "floodWayBack" | "ackWayBack" | "keyWayBack">) {
    this.#self = self;
    this.#config = config;
  }

  /**
   * Rule `floodWayBack` (§14): the first copy of a flood (`fromFlood`), or a DATA handed to us,
   * from `src` came from `tx`; a message to `src` without a route may go back that way for
   * WAY_BACK_MS.
   */
  learn(src: NodeId, tx: NodeId, now: number, fromFlood: boolean, seq?: number): void {
    if (!(this.#config.floodWayBack || ((this.#config.ackWayBack || this.#config.keyWayBack) && fromFlood)) || src === this.#self) return;
    this.#ways.delete(src);
    makeRoom(this.#ways, REVERSE_MAX);
    this.#ways.set(src, { hop: tx, until: now + WAY_BACK_MS, fromFlood, seq: fromFlood ? seq : undefined });
  }

  /**
   * The way back to `dst` (rule `floodWayBack`), if one is fresh. A frame this node passes on
   * (`relay`, with the neighbour it came from) takes only a way a flood came, never back to that
   * neighbour: the first copies of one flood point each node at one that heard it earlier, a tree
   * towards its source, where ways learnt from DATA and older floods could point round a loop.
   */
  to(dst: NodeId, now: number, relay?: { readonly from: NodeId | undefined }, answer = false): NodeId | undefined {
    if (this.#config.floodWayBack) return this.#way(dst, now, relay);
    return this.#config.keyWayBack && (answer || relay !== undefined) ? this.#floodWay(dst, now, relay) : undefined;
  }

  /**
   * Rule `keyWayBack` (§14): the way `dst`'s latest flood came, for a key answer at its writer
   * (`SendOptions.wayBack`) and for any DATA a relay was handed with no route of its own (the
   * frame carries no sign, so a relay cannot tell the answer from other DATA; other DATA reaches a
   * relay without a route only when a route broke under it). Only ways a flood came: within one
   * flood a tree towards the asker; ways left by different floods can form a cycle of three relays
   * or more, whose copy coming round is confirmed as a duplicate and lost, unless rule `wayRoundRefused` (came-round.ts `wayCameRound`, §14; the copy's DATA flag b7 says its last hop was a way back) refuses it.
   */
  #floodWay(dst: NodeId, now: number, relay?: { readonly from: NodeId | undefined }): NodeId | undefined {
    const w = this.#ways.get(dst);
    if (w?.fromFlood !== true) return undefined;
    return this.#way(dst, now, relay);
  }

  /**
   * Rule `ackWayBack` (§7.4): the way back for an end-to-end ACK to `dst` without a route, the way
   * the acknowledged flood (`dst`'s message `seq`) came, while it is `dst`'s latest (or, with
   * `floodWayBack`, any way `to` gives). A driving originator's
   * flood usually has no route back, and the ACK was dropped unsent; its flood's first copies were
   * heard seconds ago, so the tree they left still leads to it.
   */
  ackTo(dst: NodeId, seq: number, now: number, relay?: { readonly from: NodeId | undefined }): NodeId | undefined {
    if (this.#config.floodWayBack) return this.#way(dst, now, relay);
    // The way of the acknowledged flood itself (`seq`), not of whatever flood from `dst` came
    // last: a forged later flood must not steer the ACK (review).
    const w = this.#ways.get(dst);
    if (!this.#config.ackWayBack || w?.fromFlood !== true || w.seq !== seq) return undefined;
    return this.#way(dst, now, relay);
  }

  #way(dst: NodeId, now: number, relay?: { readonly from: NodeId | undefined }): NodeId | undefined {
    const w = this.#ways.get(dst);
    if (w === undefined || w.until < now) return undefined;
    if (relay !== undefined && (!w.fromFlood || w.hop === relay.from)) return undefined;
    return w.hop;
  }

  /**
   * Rule `floodWayBack` (§14): forgets the way back to `u.dst` once its hop failed this frame, so
   * the next message to it looks the destination up or floods. Whether one failed.
   */
  forgetFailed(u: Unicast): boolean {
    // Rule `ackWayBack` alone: ways serve ACKs only, so a DATA's failure says nothing of them.
    // Rule `keyWayBack` without `floodWayBack`: only a DATA that could take the way tells of it: a
    // key answer at its writer, or a DATA at a relay whose way is not the hand it came from (that
    // hand sits in `tried` untried; review, session 16: forgetting on it cost ackWayBack its way).
    const data = u.ftype !== FrameType.ACK;
    if (data && !this.#config.floodWayBack && !(this.#config.keyWayBack && (u.originated ? u.wayBack === true : true))) return false;
    const w = this.#ways.get(u.dst);
    if (w === undefined || !u.tried.has(w.hop) || (data && !this.#config.floodWayBack && w.hop === u.prevHop)) return false;
    this.#ways.delete(u.dst);
    return true;
  }

  /** Where a query came from, so its answer can go back the way it came (AODV-style). */
  rememberQuery(key: string, hop: NodeId, now: number): void {
    if (this.#queries.has(key)) return;
    makeRoom(this.#queries, REVERSE_MAX);
    this.#queries.set(key, { hop, until: now + CUSTODY_MS });
  }

  /** The hop the query `key` came from, while remembered. */
  queryFrom(key: string, now: number): NodeId | undefined {
    const r = this.#queries.get(key);
    return r !== undefined && r.until >= now ? r.hop : undefined;
  }

  /** Drops the query hops whose time is up (the node's periodic housekeeping). */
  expire(now: number): void {
    for (const [k, r] of this.#queries) if (r.until < now) this.#queries.delete(k);
  }
}
