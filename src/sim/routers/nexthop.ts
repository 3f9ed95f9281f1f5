// Meshtastic next-hop routing for DMs (NextHopRouter, firmware ≥ 2.6; radios.md §5.7), on top of
// managed flooding. Learning: an ACK from X relayed by R sets next_hop(X) = R when R also relayed
// the original (or the ACK came 0-hop, then R = X), at the originator and at every relayer of the
// original; only a byte that resolves uniquely among neighbours heard in the last 2 h is used.
// A route is stale after 30 min or 3 consecutive DMs without the destination's ACK. The last
// retransmission clears next_hop and floods ("fallback flood").
//
// Neighbours: a 0-hop frame gives the sender's full id; a relayed frame gives only the relayer's
// byte. A byte resolves when exactly one known neighbour carries it, or when no known neighbour
// does but frames relayed under that byte were heard (the id is then unknown but unambiguous as
// far as this node can tell). Two known neighbours sharing a byte make it ambiguous: no next hop.
import { BROADCAST } from "../../core/station";
import type { NodeId } from "../../core/station";
import type { RouterContext } from "./context";
import type { Decoded } from "./header";
import { MeshtasticStation } from "./meshtastic";

export const ROUTE_STALE_MS = 30 * 60_000;
export const NEIGHBOUR_WINDOW_MS = 2 * 3_600_000;
export const MAX_ROUTE_FAILURES = 3;
// How long the originator waits for the destination's ACK before counting a DM as un-ACKed:
// the worst case of its own retransmissions plus the way back.
const ACK_WAIT_MS = 60_000;

interface Route {
  byte: number;
  learnedAt: number;
  failures: number;
}

export class NextHopStation extends MeshtasticStation {
  readonly #routes = new Map<NodeId, Route>();
  readonly #neighbours = new Map<NodeId, number>();
  readonly #relayBytes = new Map<number, number>();
  readonly #awaiting = new Map<number, { dst: NodeId; deadline: number }>();

  constructor(ctx: RouterContext, hopLimit: number) {
    super(ctx, { mode: "managed", hopLimit });
  }

  /** The learned next-hop byte towards dst, if any and still usable (for tests and diagnostics). */
  nextHopByte(now: number, dst: NodeId): number | undefined {
    const b = this.nextHopFor(now, dst);
    return b === 0 ? undefined : b;
  }

  override send(now: number, dst: NodeId, payload: Uint8Array, options?: Parameters<MeshtasticStation["send"]>[3]) {
    const result = super.send(now, dst, payload, options);
    if (result.ok && dst !== BROADCAST && options?.wantAck && this.#routes.has(dst)) {
      this.#awaiting.set(result.seq, { dst, deadline: now + ACK_WAIT_MS });
    }
    return result;
  }

  override tick(now: number): void {
    super.tick(now);
    for (const [seq, w] of this.#awaiting) {
      if (w.deadline > now) continue;
      this.#awaiting.delete(seq);
      this.countFailure(now, w.dst);
    }
  }

  override nextWakeup(): number {
    let t = super.nextWakeup();
    for (const w of this.#awaiting.values()) if (w.deadline < t) t = w.deadline;
    return t;
  }

  protected override heardFrame(now: number, h: Decoded): void {
    if (h.hopStart === h.hopLimit) this.#neighbours.set(h.from, now);
    if (h.relayNode !== 0) this.#relayBytes.set(h.relayNode, now);
  }

  protected override nextHopFor(now: number, dst: NodeId): number {
    const r = this.#routes.get(dst);
    if (!r) return 0;
    if (now - r.learnedAt > ROUTE_STALE_MS || r.failures >= MAX_ROUTE_FAILURES) {
      this.dropRoute(now, dst);
      return 0;
    }
    return this.resolve(now, r.byte) === undefined ? 0 : r.byte;
  }

  protected override relayNextHop(now: number, h: Decoded): number | undefined {
    if (h.to === BROADCAST || h.nextHop === 0) return 0;
    if (h.nextHop !== this.ourByte) return undefined;
    return this.nextHopFor(now, h.to);
  }

  protected override implicitAck(r: { nextHop: number }, h: Decoded): boolean {
    return r.nextHop === 0 || h.relayNode === r.nextHop;
  }

  protected override learnFromAck(now: number, h: Decoded, relayers: readonly number[] | undefined, weRelayed: boolean): void {
    const weAreDest = h.to === this.id;
    if (weAreDest) {
      this.#awaiting.delete(h.requestId);
    }
    if (!weAreDest && !weRelayed) return;
    const zeroHop = h.hopStart === h.hopLimit;
    const byte = zeroHop ? h.from & 0xff : h.relayNode;
    if (!zeroHop && !(relayers ?? []).includes(byte)) return;
    const via = this.resolve(now, byte);
    if (via === undefined) return;
    const old = this.#routes.get(h.from);
    this.#routes.set(h.from, { byte, learnedAt: now, failures: 0 });
    // The event carries the next hop's id when known, else its byte.
    if (!old || old.byte !== byte) this.events.push({ type: "route-changed", at: now, dst: h.from, nextHop: via < 0 ? byte : via });
  }

  // Route health counts DMs the destination never ACKed (the #awaiting deadlines), whether or not
  // an implicit ACK stopped our own retransmissions, so the base class's hook is not used.
  private countFailure(now: number, dst: NodeId): void {
    const r = this.#routes.get(dst);
    if (!r) return;
    r.failures++;
    if (r.failures >= MAX_ROUTE_FAILURES) this.dropRoute(now, dst);
  }

  private dropRoute(now: number, dst: NodeId): void {
    if (this.#routes.delete(dst)) this.events.push({ type: "route-changed", at: now, dst, nextHop: undefined });
  }

  /** The neighbour a byte names: its id, −1 if unambiguous but the id is unknown, undefined if not usable. */
  private resolve(now: number, byte: number): number | undefined {
    const since = now - NEIGHBOUR_WINDOW_MS;
    let found: NodeId | undefined;
    for (const [id, t] of this.#neighbours) {
      if (t < since || (id & 0xff) !== byte) continue;
      if (found !== undefined) return undefined;
      found = id;
    }
    if (found !== undefined) return found;
    const heard = this.#relayBytes.get(byte);
    return heard !== undefined && heard >= since ? -1 : undefined;
  }
}
