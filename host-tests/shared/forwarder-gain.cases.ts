// Forwarder gain (docs/protocol.md §15): a node whose neighbour table is full names a broadcast
// forwarder only for at least MIN_FORWARDER_GAIN two-hop nodes still to reach. On small
// topologies with known answers: the choice itself, and a broadcast on a known graph relayed only
// by the expected set, with the rule acting on a full table and not otherwise.
import { decodeFrame } from "../../src/core/codec";
import { FrameType } from "../../src/core/frames";
import { chooseForwarders, MIN_FORWARDER_GAIN, RELAY_TAIL_RANK } from "../../src/core/forwarders";
import { BROADCAST, type NodeId } from "../../src/core/station";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { suite } from "./harness";

const MINUTE = 60_000;

/**
 * Origin 1 hears 2, 3, 4 and 9. 2 reaches 5, 6, 7 (and 8, which hears 2 but is not heard by it,
 * so no neighbour list shows that link); 3 reaches 8 alone. Returns the nodes that sent the
 * broadcast and those it reached.
 */
function knownGraph(maxNeighbours: number): { relays: NodeId[]; reached: NodeId[] } {
  const h = new IdealMesh({ seed: 5, config: { maxNeighbours } });
  for (const i of [1, 2, 3, 4, 5, 6, 7, 8, 9]) h.addNode(i, gridPosition(i, 0));
  for (const [a, b] of [[1, 2], [1, 3], [1, 4], [1, 9], [2, 5], [2, 6], [2, 7], [3, 8]]) h.link(a, b);
  h.link(2, 8, { oneWay: true });
  h.runUntil(() => h.fullyRouted(), 10 * MINUTE, 1_000);
  h.run(h.now + 5 * MINUTE);
  const from = h.txLog.length;
  h.node(1).send(h.now, BROADCAST, new Uint8Array([7]), { priority: 4 });
  h.run(h.now + 60_000);
  const relays = new Set<NodeId>();
  for (const r of h.txLog.slice(from)) {
    const d = decodeFrame(r.bytes);
    if (d.ok && d.frame.type === FrameType.BCAST && d.frame.payload[0] === 7) relays.add(r.tx);
  }
  const reached = [2, 3, 4, 5, 6, 7, 8, 9].filter((i) => h.eventsOf(i, "delivered").some((e) => e.dst === BROADCAST && e.payload[0] === 7));
  return { relays: [...relays].sort((a, b) => a - b), reached };
}

/**
 * Rule `relayListTail`: origin 1 hears only 2, whose table (five entries) is full: 1, 3, 4, 5, 6.
 * 3 reaches 7, 8, 9 (and 16, 17, which hear 3 but are not heard by it, so no list shows those
 * links); 4 reaches 10, 11, 12; 5 reaches 13, 14, 15; 6 reaches 16, 17. Returns the nodes that
 * sent the broadcast and those it reached. `origin` sends it (2: the relay of the graph originates),
 * and `maxNeighbours` above 5 leaves 2's table with room.
 */
function tailGraph(relayTailGain: number, origin: NodeId = 1, maxNeighbours = 5): { relays: NodeId[]; reached: NodeId[] } {
  const h = new IdealMesh({ seed: 5, config: { maxNeighbours, relayTailGain } });
  const all = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
  for (const i of all) h.addNode(i, gridPosition(i, 0));
  for (const [a, b] of [[1, 2], [2, 3], [2, 4], [2, 5], [2, 6], [3, 7], [3, 8], [3, 9], [4, 10], [4, 11], [4, 12], [5, 13], [5, 14], [5, 15], [6, 16], [6, 17]]) h.link(a, b);
  h.link(3, 16, { oneWay: true });
  h.link(3, 17, { oneWay: true });
  h.runUntil(() => h.fullyRouted(), 10 * MINUTE, 1_000);
  h.run(h.now + 5 * MINUTE);
  const from = h.txLog.length;
  h.node(origin).send(h.now, BROADCAST, new Uint8Array([9]), { priority: 4 });
  h.run(h.now + 60_000);
  const relays = new Set<NodeId>();
  for (const r of h.txLog.slice(from)) {
    const d = decodeFrame(r.bytes);
    if (d.ok && d.frame.type === FrameType.BCAST && d.frame.payload[0] === 9) relays.add(r.tx);
  }
  const reached = all.filter((i) => i !== origin && h.eventsOf(i, "delivered").some((e) => e.dst === BROADCAST && e.payload[0] === 9));
  return { relays: [...relays].sort((a, b) => a - b), reached };
}

export default suite("forwarder gain", {
  "forwarder gain: the greedy cover stops at a forwarder that would be named for fewer two-hop nodes than the minimum"(t) {
    const set = (...x: number[]) => new Set(x);
    // Self 1; 2 covers 5, 6, 7; 3 covers 7, 8; 4 covers 9; 10's reach is unknown.
    const nb = [
      { short: 2, prio: 10, active: true, covers: set(1, 5, 6, 7) },
      { short: 3, prio: 10, active: true, covers: set(1, 7, 8) },
      { short: 4, prio: 10, active: true, covers: set(1, 9) },
      { short: 10, prio: 10, active: true, covers: undefined },
    ];
    t.deepEqual(chooseForwarders({ self: 1, neighbours: nb, max: 16 }), [2, 3, 4, 10], "any gain: 3 for 8 and 4 for 9 too");
    t.deepEqual(chooseForwarders({ self: 1, neighbours: nb, max: 16, minGain: 2 }), [2, 10], "3 and 4 would each be named for one node; the unknown 10 still is");
    t.deepEqual(chooseForwarders({ self: 1, neighbours: nb, max: 16, minGain: 2, reached: set(5) }), [2, 10], "6, 7 through 2 (the lower id on a tie with 3's 7, 8); then one node each");
    t.deepEqual(chooseForwarders({ self: 1, neighbours: nb, max: 16, minGain: 4 }), [2, 10], "nobody covers four: the first forwarder is named all the same, then none");
    // A bridge out of a dense area: the only way on covers one node. Without the first-forwarder
    // exception the list would name nobody, and a list naming nobody is relayed by nobody.
    const bridge = [
      { short: 2, prio: 10, active: true, covers: set(1, 3) },
      { short: 3, prio: 10, active: true, covers: set(1, 2) },
      { short: 4, prio: 10, active: true, covers: set(1, 5) },
    ];
    t.deepEqual(chooseForwarders({ self: 1, neighbours: bridge, max: 16, minGain: 2 }), [4], "the bridge is named for its one node");
    // Muted nodes only for what no distributor reaches: distributors 2, 3 and 7 cover one node
    // each, a muted 4 covers 6 and 8. After 2, the gain skips 3 and 7, and 4 is not named in
    // their place (it would cover two).
    const muted = [
      { short: 2, prio: 10, active: true, covers: set(1, 5) },
      { short: 3, prio: 9, active: true, covers: set(1, 6) },
      { short: 7, prio: 9, active: true, covers: set(1, 8) },
      { short: 4, prio: 10, active: false, covers: set(1, 6, 8) },
    ];
    t.deepEqual(chooseForwarders({ self: 1, neighbours: muted, max: 16 }), [2, 3, 7], "any gain: the three distributors");
    t.deepEqual(chooseForwarders({ self: 1, neighbours: muted, max: 16, minGain: 2 }), [2], "gain 2: the first distributor, and no muted node for what the others cover");
    t.equal(MIN_FORWARDER_GAIN, 2, "the rule the next case is written for");
  },
  "broadcast on a known graph: a full-table origin names only the forwarder for three, a link no list shows reaches the fourth"(t) {
    const full = knownGraph(4);
    t.deepEqual(full.relays, [1, 2], "1's table is full: 3 is not named for 8 alone");
    t.deepEqual(full.reached, [2, 3, 4, 5, 6, 7, 8, 9], "8 hears 2");
    const roomy = knownGraph(48);
    t.deepEqual(roomy.relays, [1, 2, 3], "a table with room: every two-hop node gets a forwarder");
    t.deepEqual(roomy.reached, [2, 3, 4, 5, 6, 7, 8, 9]);
  },
  "relayListTail: from rank RELAY_TAIL_RANK on, a forwarder needs the tail's gain"(t) {
    const set = (...x: number[]) => new Set(x);
    // Self 2, heard from 1; 3, 4, 5 cover three two-hop nodes each, 6 covers two.
    const nb = [
      { short: 1, prio: 10, active: true, covers: set(2) },
      { short: 3, prio: 10, active: true, covers: set(2, 7, 8, 9) },
      { short: 4, prio: 10, active: true, covers: set(2, 10, 11, 12) },
      { short: 5, prio: 10, active: true, covers: set(2, 13, 14, 15) },
      { short: 6, prio: 10, active: true, covers: set(2, 16, 17) },
    ];
    const v = { self: 2, neighbours: nb, previous: { short: 1, covers: set(2) }, max: 16, minGain: 2 };
    t.equal(RELAY_TAIL_RANK, 3, "the rank this case is written for");
    t.deepEqual(chooseForwarders(v), [3, 4, 5, 6], "forwarder gain alone: 6 is named for two");
    t.deepEqual(chooseForwarders({ ...v, tail: { rank: RELAY_TAIL_RANK, minGain: 3 } }), [3, 4, 5], "rank 3 needs three: 6 is not named");
    t.deepEqual(chooseForwarders({ ...v, tail: { rank: 1, minGain: 4 } }), [3], "the first forwarder is named whatever its gain; from rank 1 on, four are needed");
  },
  "relayListTail: a full-table relay does not name its fourth forwarder for two nodes, which a link no list shows reaches"(t) {
    const on = tailGraph(3);
    t.deepEqual(on.relays, [1, 2, 3, 4, 5], "2 names 3, 4, 5; not 6 at rank 3 for 16 and 17");
    t.deepEqual(on.reached, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17], "16 and 17 hear 3");
    const off = tailGraph(0);
    t.deepEqual(off.relays, [1, 2, 3, 4, 5, 6], "without the rule 6 relays too");
    t.deepEqual(off.reached, on.reached);
  },
  "relayListTail: the rule acts only at a relay, only with a full neighbour table: 2 originating, or with room in its table, names 6 for two"(t) {
    const origin = tailGraph(3, 2);
    t.ok(origin.relays.includes(6), "2 originates: its list names 6 at rank 3 for 16 and 17 (forwarder gain 2 is met)");
    t.deepEqual(origin.reached, [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    const roomy = tailGraph(3, 1, 48);
    t.ok(roomy.relays.includes(6), "2's table has room: the rule does not act, 6 relays");
    t.deepEqual(roomy.reached, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
  },
});
