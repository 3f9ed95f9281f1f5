// Broadcast forwarder choice (docs/protocol.md §15): the sender of a BCAST names the neighbours
// that relay it, chosen from its two-hop view by partial dominant pruning (Lou & Wu, "On reducing
// broadcast redundancy in ad hoc wireless networks", 2002): the fewest neighbours, greedily, whose
// own neighbours cover every two-hop node the previous sender's transmission did not reach. A
// relay chosen this way does the same for its own part of the network. Collisions cannot inflate
// the relay set, as they do with timer-based suppression, because only the named nodes relay.
// The caller passes what it knows is reached (copies heard, co-forwarders, its own reach beyond
// its neighbour table) and, for a backup, the part the silent forwarders were to reach (§15).

/**
 * Forwarder gain (§15): a node whose neighbour table is full names a broadcast forwarder only for
 * at least this many two-hop nodes still to reach. Its view comes from lists that show a part of
 * each neighbour's neighbours, so a node that looks reachable through one forwarder alone is
 * mostly heard directly by a forwarder already named, and a forwarder named for one node costs a
 * whole frame (and the collisions it adds).
 */
export const MIN_FORWARDER_GAIN = 2;

/**
 * Rule `relayListTail` (§15): the rank from which a relay's broadcast list (not the originator's)
 * asks the larger gain `MeshConfig.relayTailGain` of a forwarder. Why (§15, the trace's figures
 * there): the forwarders a relay names at rank 3 and after come at the end of the wave, named for
 * two-hop nodes the originator's other forwarders, which the relay does not hear, have reached;
 * many of them reach no new node.
 */
export const RELAY_TAIL_RANK = 3;

export interface ForwarderCandidate {
  /** Short id of a usable neighbour. */
  readonly short: number;
  /** Its relay priority (§12): the tie-break between candidates covering as much. */
  readonly prio: number;
  /**
   * Whether it is a distributor (not muted, §12). Distributors are tried first: they form a
   * connected dominating set, so they can cover everything, and muted nodes keep their battery.
   */
  readonly active: boolean;
  /**
   * Short ids of the nodes it reports hearing well, or undefined when its neighbour list is not
   * known yet (then it is named, since nothing says what it covers).
   */
  readonly covers: ReadonlySet<number> | undefined;
}

export interface ForwarderView {
  /** This node's short id. */
  readonly self: number;
  readonly neighbours: readonly ForwarderCandidate[];
  /** The node we heard the frame from (undefined at the originator) and the nodes it covers. */
  readonly previous?: { readonly short: number; readonly covers: ReadonlySet<number> | undefined };
  /**
   * Short ids known to hold the frame already or to be reached without us (§15 *Reached*): the
   * senders of copies heard and the nodes they list, the named co-forwarders we hear and theirs,
   * and the nodes we hear ourselves beyond our neighbour table. Nobody is named for these.
   */
  readonly reached?: ReadonlySet<number>;
  /**
   * Only these two-hop nodes need reaching (a backup, §15: what the silent forwarders alone
   * covered); undefined: every two-hop node.
   */
  readonly only?: ReadonlySet<number>;
  /** Most forwarders a frame may name. */
  readonly max: number;
  /** Fewest two-hop nodes still to reach a forwarder must cover to be named (1: any). */
  readonly minGain?: number;
  /**
   * When more than `max` would be needed: true names the first `max` in rank order (rule
   * `queryListCapped`, locate.ts), false or absent names none (the distributor rule applies).
   */
  readonly capped?: boolean;
  /**
   * Rule `relayListTail` (§15): from rank `rank` on (0-based), a forwarder is named only for at
   * least `minGain` two-hop nodes still to reach; undefined: `minGain` throughout.
   */
  readonly tail?: { readonly rank: number; readonly minGain: number };
}

/**
 * Short ids of the forwarders to name, in rank order (the greedy choice's order, §15 *Ranked
 * forwarders*), possibly none (every two-hop node is covered already, or reachable only through
 * candidates the forwarder gain skips once one forwarder is named), or
 * undefined when more than `max` would be needed (the frame then names none and the distributor
 * rule applies), unless `capped`: then the first `max`.
 */
export function chooseForwarders(v: ForwarderView): number[] | undefined {
  const one = new Set<number>(v.neighbours.map((n) => n.short));
  const done = new Set<number>(v.reached);
  done.add(v.self);
  if (v.previous !== undefined) {
    done.add(v.previous.short);
    for (const x of v.previous.covers ?? []) done.add(x);
  }
  // Two-hop nodes still to reach.
  const todo = new Set<number>();
  for (const n of v.neighbours) for (const x of n.covers ?? []) if (!one.has(x) && !done.has(x) && (v.only === undefined || v.only.has(x))) todo.add(x);
  const chosen: number[] = [];
  const unknown: number[] = [];
  const candidates: ForwarderCandidate[] = [];
  for (const n of v.neighbours) {
    if (n.short === v.previous?.short) continue;
    if (n.covers === undefined) {
      if (v.only !== undefined) continue; // a backup names only for the part it must reach
      // Unknown reach: named unless the previous sender already reached it (then it is that
      // sender's to name).
      if (v.previous?.covers === undefined || !v.previous.covers.has(n.short)) unknown.push(n.short);
    } else {
      candidates.push(n);
    }
  }
  const active = candidates.filter((c) => c.active);
  pick(active, todo, chosen, v.minGain ?? 1, v.tail);
  // Muted nodes only for what no distributor reaches (§15), also when the forwarder gain left a
  // node a distributor covers alone: a muted node is not named for it in the distributors' place.
  for (const c of active) for (const x of c.covers ?? []) todo.delete(x);
  pick(candidates.filter((c) => !c.active), todo, chosen, v.minGain ?? 1, v.tail);
  // Ranked (§15): the list is in the order chosen, the one covering most first; the nodes of
  // unknown reach last. A forwarder's place in the list is its turn to relay.
  chosen.push(...unknown.sort((a, b) => a - b));
  if (chosen.length <= v.max) return chosen;
  return v.capped === true ? chosen.slice(0, v.max) : undefined;
}

/**
 * Greedy set cover: adds to `chosen` the candidates covering most of `todo`, until none adds
 * `minGain` of it (`tail.minGain` from rank `tail.rank` on, rule `relayListTail`).
 */
function pick(candidates: ForwarderCandidate[], todo: Set<number>, chosen: number[], minGain: number, tail?: ForwarderView["tail"]): void {
  while (todo.size > 0) {
    let best: ForwarderCandidate | undefined;
    let gain = 0;
    for (const c of candidates) {
      let g = 0;
      for (const x of c.covers ?? []) if (todo.has(x)) g++;
      if (g > gain || (g === gain && g > 0 && best !== undefined && (c.prio > best.prio || (c.prio === best.prio && c.short < best.short)))) {
        best = c;
        gain = g;
      }
    }
    // The rest is not reachable through these candidates, or only one node at a time (§15
    // *Forwarder gain*); but the first forwarder is named whatever its gain: a node whose only way
    // on covers one node (a bridge out of a dense area) must not send a list naming nobody.
    const need = chosen.length === 0 ? 1 : tail !== undefined && chosen.length >= tail.rank ? Math.max(minGain, tail.minGain) : minGain;
    if (best === undefined || gain < need) return;
    chosen.push(best.short);
    for (const x of best.covers ?? []) todo.delete(x);
    candidates.splice(candidates.indexOf(best), 1);
  }
}
