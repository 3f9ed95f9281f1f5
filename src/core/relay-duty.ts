// Relay duty (docs/protocol.md §12): this node's relay priority for the rotation epoch and whether
// it mutes flood and broadcast relaying, decided on its two-hop view by the coverage rule of
// silencing.ts. One of the concerns MeshNode (mesh-node.ts) composes.
import { NodeState } from "./node-state";
import { mayMute, relayPriority } from "./silencing";
import { shortId } from "./frames";

export class RelayDuty {
  readonly n: NodeState;
  relayPrio = 0;
  /** The pseudo-random low bits of the relay priority, redrawn every rotation epoch. */
  relayRandom = 0;
  muted = false;
  nextRotationAt = 0;

  constructor(n: NodeState) {
    this.n = n;
  }

  /** Silencing decision on our two-hop view (§12). */
  decideMute(now: number): boolean {
    const usable = this.n.nbrs.usableList(now);
    this.relayPrio = relayPriority(this.n.battery, usable.length, this.relayRandom);
    if (!this.n.config.silencingEnabled) return false;
    const threshold = this.n.config.linkUsableQ;
    return mayMute({
      self: this.n.id,
      selfPrio: this.relayPrio,
      neighbours: usable.map((n) => ({ id: n.id, prio: n.relayPrio, active: n.relayActive })),
      linked: (a, b) => {
        const na = this.n.nbrs.get(a);
        const nb = this.n.nbrs.get(b);
        const ra = na === undefined ? 0 : this.n.nbrs.twoHopRq(na, shortId(b));
        const rb = nb === undefined ? 0 : this.n.nbrs.twoHopRq(nb, shortId(a));
        return ra * rb >= threshold;
      },
    });
  }
}
