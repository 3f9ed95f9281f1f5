// Named forwarders of a broadcast (docs/protocol.md §15) on small topologies with known answers,
// through the node's public interface only (frames in, frames on the air out): the named
// stand-down's three conditions one at a time (and the copies a crowded node needs, what a
// copy from a near sender counts reached: rule `triangleReach`, and when a crowded node's nearly
// complete reach overrules a neighbour not known to hold the frame: rule `nearlyAllReached`; whom
// a co-forwarder's copy reaches by its neighbours' lists: rule `coForwarderReach`, and how much
// may rest on co-forwarders not heard: rule `coForwarderDefer`), a forwarder
// that knows no node it reaches, and the originator's backup wait, which must outlast the
// last-ranked forwarder's turn.
import { airtimeMs } from "../../src/core/airtime";
import { clusterDistance, clusterOf, clusterPrecision } from "../../src/core/cluster";
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { DEFAULT_CONFIG } from "../../src/core/config";
import { FloodScope, FrameType, shortId } from "../../src/core/frames";
import { RANK_GUARD_SLOTS } from "../../src/core/flooding";
import { neighboursMostlyFull } from "../../src/core/crowded-view";
import type { Neighbour } from "../../src/core/neighbour-table";
import { CO_FORWARDER_BLIND_MAX, CROWDED_STAND_DOWN_COPIES, MOVING_BCAST_COPIES, NAMED_STAND_DOWN_COPIES, NAMED_STAND_DOWN_SHARE, NEARLY_ALL_REACHED_BUSY, NEARLY_ALL_REACHED_SHARE } from "../../src/core/stand-down";
import type { MeshNode } from "../../src/core/mesh-node";
import { SNR_LIMIT_DB, slotTimeMs } from "../../src/core/presets";
import type { NodeId } from "../../src/core/station";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { suite, type Assert } from "./harness";

const MINUTE = 60_000;
/** The broadcast's originator: a node the forwarder under test has never heard of. */
const SRC = 0x0100_0001;
/** Senders of the copies, and other nodes heard (own reach): ids the forwarder does not know either. */
const SENDERS = [0x0200_0001, 0x0200_0002, 0x0200_0003, 0x0200_0004, 0x0200_0005, 0x0200_0006];
const OTHERS = [0x0300_0001, 0x0300_0002];
const STRONG = 8;
/**
 * SNR of nodes heard within own reach but below rule `triangleReach`'s margin (§15): a copy from a
 * near sender does not count them reached, so the share and the other conditions decide alone.
 */
const MID = (SNR_LIMIT_DB[7] ?? -7.5) + 4;

function bcast(me: MeshNode, tx: NodeId, forwarders: readonly number[] | undefined): Uint8Array {
  return encodeFrame({ type: FrameType.BCAST, tx, ttl: 5, hops: 1, priority: 4, scope: 7, src: SRC, seq: 1, originCluster: me.cluster, forwarders, payload: new Uint8Array([9]) });
}

/** Transmissions of our test broadcast by `id` since txLog index `from`. */
function relaysOf(h: IdealMesh, id: NodeId, from: number): number {
  return h.txLog.slice(from).filter((r) => {
    if (r.tx !== id || r.type !== FrameType.BCAST) return false;
    const d = decodeFrame(r.bytes);
    return d.ok && d.frame.type === FrameType.BCAST && d.frame.src === SRC;
  }).length;
}

/**
 * A lone node 2 (no neighbour table to speak of) gets the broadcast naming it from one sender and
 * `copies − 1` copies from others, all at `snr`, after hearing `others` of OTHERS (own reach, §15);
 * returns how often it relayed the broadcast within a minute.
 */
function lone(copies: number, snr: number, others = 0, othersSnr = MID): number {
  const h = new IdealMesh({ seed: 3 });
  const me = h.addNode(2, gridPosition(0, 0));
  h.run(5_000);
  const at = h.now;
  // Heard well, and harmless: a seqno request for another node.
  for (const o of OTHERS.slice(0, others)) me.receive(encodeFrame({ type: FrameType.SEQREQ, tx: o, next: 0x0999_0001, ttl: 3, cluster: false, key: 0x0999_0002, origin: 0x0999_0002, seqno: 1 }), { rssi: -90, snr: othersSnr, at });
  const from = h.txLog.length;
  me.receive(bcast(me, SENDERS[0], [shortId(2)]), { rssi: -90, snr, at });
  for (let k = 1; k < copies; k++) me.receive(bcast(me, SENDERS[k], undefined), { rssi: -90, snr, at });
  h.run(h.now + MINUTE);
  return relaysOf(h, 2, from);
}

/**
 * Node 2 (`me`) hears `copies` copies of one broadcast at once: the first from 1 naming it a
 * forwarder, the others from 3 and 4 naming none. Returns its relays of it within a minute.
 */
function copiesThenRelays(h: IdealMesh, me: MeshNode, copies: number): number {
  const from = h.txLog.length;
  const at = h.now;
  me.receive(bcast(me, 1, [shortId(2)]), { rssi: -90, snr: STRONG, at });
  for (const tx of [3, 4].slice(0, copies - 1)) me.receive(bcast(me, tx, undefined), { rssi: -90, snr: STRONG, at });
  h.run(h.now + MINUTE);
  return relaysOf(h, 2, from);
}

function settle(t: Assert, h: IdealMesh, label: string): void {
  t.ok(h.runUntil(() => h.fullyRouted(), h.now + 10 * MINUTE, 1_000) > 0, `${label}: converged`);
  h.run(h.now + 5 * MINUTE);
}

export default suite("broadcast stand-down", {
  "backup out of scope: a backup broadcast naming a node outside the broadcast's scope is not relayed by it"(t) {
    const h = new IdealMesh({ seed: 4 });
    const me = h.addNode(2, gridPosition(0, 0));
    h.run(5_000);
    // The origin cluster lies well beyond the broadcast's one ring: node 2 is out of scope.
    const far = clusterOf(49.5, 13.5, clusterPrecision(me.cluster));
    t.ok(clusterDistance(me.cluster, far) > 1, "the origin cluster is more than one ring away");
    const frame = (tx: NodeId, backup: boolean): Uint8Array =>
      encodeFrame({ type: FrameType.BCAST, tx, ttl: 5, hops: 1, priority: 4, scope: 1, src: SRC, seq: 2, originCluster: far, forwarders: [shortId(2)], backup: backup || undefined, payload: new Uint8Array([9]) });
    const from = h.txLog.length;
    me.receive(frame(SENDERS[0], false), { rssi: -90, snr: STRONG, at: h.now });
    me.receive(frame(SENDERS[1], true), { rssi: -90, snr: STRONG, at: h.now });
    h.run(h.now + MINUTE);
    t.equal(relaysOf(h, 2, from), 0, "named, even as a backup, it does not relay outside the scope");
    t.equal(me.stats.broadcastRelays, 0);
  },

  "named stand-down, copies: a named forwarder whose reach is all known reached relays after two copies and stands down after three"(t) {
    t.equal(NAMED_STAND_DOWN_COPIES, 3, "the rule this case is written for");
    t.equal(lone(1, STRONG), 1, "one copy (the one naming it): relays");
    t.equal(lone(NAMED_STAND_DOWN_COPIES - 1, STRONG), 1, "two copies, every node it hears sent one: still relays");
    t.equal(lone(NAMED_STAND_DOWN_COPIES, STRONG), 0, "three copies: stands down");
  },
  "named stand-down, share: stands down with a quarter of its reach not known reached, relays with more"(t) {
    t.equal(NAMED_STAND_DOWN_SHARE, 0.25, "the rule this case is written for");
    // It hears the three senders and `others` more nodes that sent no copy.
    t.equal(lone(3, STRONG, 1), 0, "1 of 4 nodes it reaches not known reached (¼): stands down");
    t.equal(lone(3, STRONG, 2), 1, "2 of 5 not known reached (> ¼): relays");
    t.equal(lone(5, STRONG, 2), 1, "the same two with five senders heard (2 of 7): relays");
    t.equal(lone(6, STRONG, 2), 0, "with six senders heard (2 of 8, ¼): stands down");
  },
  "triangleReach: a copy from a sender heard near counts the nodes heard near as reached; a far sender or far nodes do not"(t) {
    const limit = SNR_LIMIT_DB[7] ?? -7.5;
    const t0 = DEFAULT_CONFIG.triangleMarginDb;
    t.ok(t0 > 3, "the rule this case is written for: a margin above own reach's 3 dB");
    const near = limit + t0 + 1;
    const far = limit + t0 - 1;
    // Three copies (condition (c)); two more nodes heard that sent none: 2 of 5 not known reached
    // without the rule (more than a quarter, the share test above).
    t.equal(lone(3, near, 2, near), 0, "senders and the two others near: the others count reached, stands down");
    t.equal(lone(3, far, 2, near), 1, "senders heard far: the others are not known reached, relays");
    t.equal(lone(3, near, 2, far), 1, "the others heard far: not known reached, relays");
  },
  "named stand-down, empty view: a forwarder that knows no node it reaches relays however many copies it hears"(t) {
    // Copies heard just above the demodulation limit: decoded, but below the own-reach margin, so
    // the node knows no node it reaches — no evidence that all are reached.
    const weak = (SNR_LIMIT_DB[7] ?? -7.5) + 1;
    t.equal(lone(3, weak), 1, "three weak copies: relays");
    t.equal(lone(5, weak), 1, "five weak copies: relays");
    t.equal(lone(3, STRONG), 0, "the same three copies heard well (its reach is their senders): stands down");
  },
  "named stand-down, a usable neighbour known to lack the frame: a leaf that lists none of the senders keeps the forwarder relaying"(t) {
    // A clique 1, 2, 3, 4; with the leaf 5 hanging off 2 or not. Node 2 is named by 1, and hears
    // copies from 3 and 4: their lists cover 1–4; 5 lists only 2 (it heard no sender), which is ¼
    // of 2's reach — the share alone would let 2 stand down. The leaf is heard far (below rule
    // `triangleReach`'s margin): heard near, a copy from a near sender counts it reached.
    const run = (leaf: boolean, leafSnr = MID): number => {
      const h = new IdealMesh({ seed: 11 });
      for (let i = 1; i <= (leaf ? 5 : 4); i++) h.addNode(i, gridPosition(i, 0));
      for (const [a, b] of [[1, 2], [1, 3], [1, 4], [2, 3], [2, 4], [3, 4]]) h.link(a, b);
      if (leaf) h.link(2, 5, { snr: leafSnr });
      settle(t, h, leaf ? "clique and leaf" : "clique");
      const me = h.node(2);
      return copiesThenRelays(h, me, 3);
    };
    t.equal(run(false), 0, "every neighbour listed by a sender: stands down");
    t.equal(run(true), 1, "the leaf lacks it: relays");
    t.equal(run(true, STRONG), 0, "the leaf heard near, as the senders are (triangleReach): counted reached, stands down");
  },
  "coForwarderReach: a neighbour whose list names a forwarder ranked ahead of us, or named in a list not naming us, counts reached; one ranked behind us (in any copy), or known reached before the copy named it, does not"(t) {
    // The clique 1, 2, 3, 4 and the leaf 5 hanging off 2, which also hears 6; 6 hears only 5, so 2
    // does not know it (a two-hop node). Node 2 is named by 1 and hears copies from 3 and 4: their
    // lists cover 1–4, and 5 lists 2 and 6 but none of the senders, so without the rule 5 is a
    // usable neighbour known to lack the frame and 2 relays (the case above). The leaf is heard
    // far (below rule `triangleReach`'s margin).
    const run = (lists: { from1: number[]; from3?: number[] }, oneHears6 = false): number => {
      const h = new IdealMesh({ seed: 11 });
      for (let i = 1; i <= 6; i++) h.addNode(i, gridPosition(i, 0));
      for (const [a, b] of [[1, 2], [1, 3], [1, 4], [2, 3], [2, 4], [3, 4], [5, 6]]) h.link(a, b);
      if (oneHears6) h.link(1, 6);
      h.link(2, 5, { snr: MID });
      settle(t, h, "clique, leaf and its neighbour");
      const me = h.node(2);
      const from = h.txLog.length;
      const at = h.now;
      me.receive(bcast(me, 1, lists.from1.map((i) => shortId(i))), { rssi: -90, snr: STRONG, at });
      me.receive(bcast(me, 3, lists.from3?.map((i) => shortId(i))), { rssi: -90, snr: STRONG, at });
      me.receive(bcast(me, 4, undefined), { rssi: -90, snr: STRONG, at });
      h.run(h.now + MINUTE);
      return relaysOf(h, 2, from);
    };
    t.equal(run({ from1: [2] }), 1, "no co-forwarder: the leaf lacks it, relays");
    t.equal(run({ from1: [6, 2] }), 0, "6 ranked ahead of 2: the leaf, which lists 6, counts reached, stands down");
    t.equal(run({ from1: [2, 6] }), 1, "6 ranked behind 2 (it may be counting on 2): relays");
    t.equal(run({ from1: [2], from3: [6] }), 0, "6 named by another sender's copy that does not name 2: stands down");
    t.equal(run({ from1: [2], from3: [6] }, true), 1, "the same, but 1's list shows 6 heard 1 before 3 named it (named late, it will not relay): not counted, relays");
    t.equal(run({ from1: [2, 6], from3: [6] }), 1, "6 named behind 2 by one copy and by another not naming 2: it may count on 2, so 2 does not count on it, relays (review: both stood down)");
  },
  "coForwarderReach, blind cap, and coForwarderDefer: more than CO_FORWARDER_BLIND_MAX neighbours counted reached only by a co-forwarder not heard push the relay back a contention window; a copy from that co-forwarder meanwhile stands it down"(t) {
    t.equal(CO_FORWARDER_BLIND_MAX, 2, "the cap this case is written for");
    // The clique 1, 2, 3, 4 and `leaves` leaves (5, 7, 8) hanging off 2, each also hearing 6; 6
    // hears only the leaves, so 2 does not know it. Node 2 is named by 1 behind 6 and hears copies
    // from 3 and 4: the leaves list 6 and none of the senders, so they count reached only through
    // 6, which 2 has not heard. With `from6`, a copy from 6 reaches 2 after `from6` ms.
    const run = (leaves: number, from6?: number): { relays: number; after: number; window: number } => {
      const ids = [5, 7, 8].slice(0, leaves);
      const h = new IdealMesh({ seed: 11 });
      for (const i of [1, 2, 3, 4, 6, ...ids]) h.addNode(i, gridPosition(i, 0));
      for (const [a, b] of [[1, 2], [1, 3], [1, 4], [2, 3], [2, 4], [3, 4]]) h.link(a, b);
      for (const i of ids) {
        h.link(2, i, { snr: MID });
        h.link(6, i);
      }
      settle(t, h, `clique and ${leaves} leaves`);
      const me = h.node(2);
      const from = h.txLog.length;
      const at = h.now;
      me.receive(bcast(me, 1, [shortId(6), shortId(2)]), { rssi: -90, snr: STRONG, at });
      me.receive(bcast(me, 3, undefined), { rssi: -90, snr: STRONG, at });
      me.receive(bcast(me, 4, undefined), { rssi: -90, snr: STRONG, at });
      if (from6 !== undefined) {
        h.run(at + from6);
        me.receive(bcast(me, 6, undefined), { rssi: -90, snr: MID, at: h.now });
      }
      h.run(at + MINUTE);
      const mine = h.txLog.slice(from).filter((r) => r.tx === 2 && r.type === FrameType.BCAST);
      return { relays: relaysOf(h, 2, from), after: mine.length > 0 ? mine[0].at - at : -1, window: 2 ** me.config.floodContentionCw * slotTimeMs(h.modem) };
    };
    t.equal(run(2).relays, 0, "two leaves rest on 6: within the cap, stands down");
    const three = run(3);
    t.equal(three.relays, 1, "three leaves rest on 6: over the cap, relays");
    t.ok(three.after >= three.window, `three leaves: the relay waits a widest contention window (${three.after.toFixed(0)} ms after the copies, window ${three.window.toFixed(0)} ms)`);
    t.equal(run(3, 1_000).relays, 0, "three leaves, and a copy from 6 heard while it waits: the leaves list a sender heard, stands down");
  },
  "movingCopyCount: a moving distributor stands down from a broadcast naming no forwarders after two copies; a static one, or a flood, after three"(t) {
    t.equal(MOVING_BCAST_COPIES, 2, "the rule this case is written for");
    t.equal(DEFAULT_CONFIG.relayCopyThreshold, 3, "the threshold static nodes and floods keep");
    // The line 1–2–3: 2 links the two ends (it never mutes) and hears a frame naming no
    // forwarders from senders it does not know, so their copies cover none of its neighbours.
    const flood = (me: MeshNode, tx: NodeId): Uint8Array =>
      encodeFrame({ type: FrameType.FLOOD, tx, ttl: 5, hops: 1, priority: 4, wantAck: false, scopeKind: FloodScope.NETWORK, src: SRC, dst: 0x0777_0777, seq: 1, srcCluster: me.cluster, dstCluster: 0, payload: new Uint8Array([9]) });
    const run = (moving: boolean, kind: "bcast" | "flood", copies: number): number => {
      const h = new IdealMesh({ seed: 12 });
      for (let i = 1; i <= 3; i++) h.addNode(i, gridPosition(i, 0));
      h.link(1, 2);
      h.link(2, 3);
      settle(t, h, `line, ${moving ? "moving" : "static"} ${kind}`);
      const me = h.node(2);
      t.ok(!me.muted, "2 relays for others (a distributor)");
      const odometer = me.travelledM;
      if (moving) {
        // 150 m north within a few seconds: a counted step (§4 `plausibleStep`), so 2 is moving.
        const home = gridPosition(2, 0);
        me.setPosition(h.now, { lat: home.lat + 150 / 111_200, lon: home.lon });
      }
      t.equal(me.travelledM > odometer, moving, moving ? "2 moved" : "2 stayed");
      const from = h.txLog.length;
      const at = h.now;
      for (const tx of SENDERS.slice(0, copies)) me.receive(kind === "bcast" ? bcast(me, tx, undefined) : flood(me, tx), { rssi: -90, snr: STRONG, at });
      h.run(h.now + MINUTE);
      const type = kind === "bcast" ? FrameType.BCAST : FrameType.FLOOD;
      return h.txLog.slice(from).filter((r) => r.tx === 2 && r.type === type).length;
    };
    t.equal(run(true, "bcast", 1), 1, "moving, broadcast, one copy: relays");
    t.equal(run(true, "bcast", 2), 0, "moving, broadcast, two copies: stands down");
    t.equal(run(true, "flood", 2), 1, "moving, flood, two copies: relays");
    t.equal(run(true, "flood", 3), 0, "moving, flood, three copies: stands down");
    t.equal(run(false, "bcast", 2), 1, "static, broadcast, two copies: relays");
    t.equal(run(false, "bcast", 3), 0, "static, broadcast, three copies: stands down");
  },
  "named stand-down, crowded: with its neighbour table full a named forwarder stands down after two copies, with room after three"(t) {
    t.equal(CROWDED_STAND_DOWN_COPIES, 2, "the rule this case is written for");
    // The clique 1, 2, 3, 4: node 2 is named by 1 and hears a copy from 3 (and then from 4); the
    // senders' lists cover all it reaches. A table of three holds exactly its three neighbours.
    const run = (maxNeighbours: number, copies: number): number => {
      const h = new IdealMesh({ seed: 11, config: { maxNeighbours } });
      for (let i = 1; i <= 4; i++) h.addNode(i, gridPosition(i, 0));
      for (const [a, b] of [[1, 2], [1, 3], [1, 4], [2, 3], [2, 4], [3, 4]]) h.link(a, b);
      settle(t, h, `clique, table of ${maxNeighbours}`);
      const me = h.node(2);
      return copiesThenRelays(h, me, copies);
    };
    t.equal(run(3, 1), 1, "full table, one copy: relays");
    t.equal(run(3, 2), 0, "full table, two copies: stands down");
    t.equal(run(48, 2), 1, "room in the table, two copies: relays");
    t.equal(run(48, 3), 0, "room in the table, three copies: stands down");
    // A flood keeps the third copy whatever the table (it must reach one node): the same clique,
    // a network flood from 1 naming 2, for a destination elsewhere.
    const flood = (me: MeshNode, tx: NodeId, forwarders: readonly number[] | undefined): Uint8Array =>
      encodeFrame({ type: FrameType.FLOOD, tx, ttl: 5, hops: 1, priority: 4, wantAck: false, scopeKind: FloodScope.NETWORK, src: SRC, dst: 0x0777_0777, seq: 1, srcCluster: me.cluster, dstCluster: 0, forwarders, payload: new Uint8Array([9]) });
    const h = new IdealMesh({ seed: 11, config: { maxNeighbours: 3 } });
    for (let i = 1; i <= 4; i++) h.addNode(i, gridPosition(i, 0));
    for (const [a, b] of [[1, 2], [1, 3], [1, 4], [2, 3], [2, 4], [3, 4]]) h.link(a, b);
    settle(t, h, "clique, table of 3, flood");
    const me = h.node(2);
    const from = h.txLog.length;
    me.receive(flood(me, 1, [shortId(2)]), { rssi: -90, snr: STRONG, at: h.now });
    me.receive(flood(me, 3, undefined), { rssi: -90, snr: STRONG, at: h.now });
    h.run(h.now + MINUTE);
    t.equal(h.txLog.slice(from).filter((r) => r.tx === 2 && r.type === FrameType.FLOOD).length, 1, "full table, a flood heard twice: relays");
  },
  "nearlyAllReached: with its table full and the channel not busy, a named forwarder of a broadcast stands down over a neighbour not known to hold it when a tenth of its reach at most is not known reached"(t) {
    t.equal(NEARLY_ALL_REACHED_SHARE, 0.1, "the rule this case is written for");
    // A clique of node 2 and nine others (1, 3, 4, 6 … 11), and `leaves` leaves hanging off 2 alone,
    // heard far (below rule `triangleReach`'s margin). Node 2 is named by 1 and hears a copy from
    // 3: the senders' lists and the near nodes they count cover the clique; each leaf lists only 2
    // (condition (a): a neighbour not known to hold the frame). With one leaf, 1 of 2's 10 nodes
    // is not known reached (a tenth); with two, 2 of 11.
    const clique = [1, 2, 3, 4, 6, 7, 8, 9, 10, 11];
    const run = (leaves: number, maxNeighbours: number, kind: "bcast" | "flood" = "bcast", busy = false): number => {
      const h = new IdealMesh({ seed: 11, config: { maxNeighbours } });
      const leafIds = [12, 13].slice(0, leaves);
      for (const i of [...clique, ...leafIds]) h.addNode(i, gridPosition(i, 0));
      for (const a of clique) for (const b of clique) if (a < b) h.link(a, b);
      for (const l of leafIds) h.link(2, l, { snr: MID });
      settle(t, h, `clique and ${leaves} leaves, table of ${maxNeighbours}, ${kind}`);
      const me = h.node(2);
      t.equal(me.neighbours(h.now).length, 9 + leaves, "2 holds every neighbour");
      if (busy) {
        // Frames nobody can decode, for more than NEARLY_ALL_REACHED_BUSY of the last 5 minutes: channel time all the same.
        const noise = new Uint8Array(200).fill(0xff);
        for (let air = 0; air < 5 * MINUTE * (NEARLY_ALL_REACHED_BUSY + 0.1); air += airtimeMs(h.modem, noise.length)) me.receive(noise, { rssi: -90, snr: STRONG, at: h.now });
      }
      const from = h.txLog.length;
      const at = h.now;
      const frame = (tx: NodeId, forwarders: readonly number[] | undefined): Uint8Array =>
        kind === "bcast"
          ? bcast(me, tx, forwarders)
          : encodeFrame({ type: FrameType.FLOOD, tx, ttl: 5, hops: 1, priority: 4, wantAck: false, scopeKind: FloodScope.NETWORK, src: SRC, dst: 0x0777_0777, seq: 1, srcCluster: me.cluster, dstCluster: 0, forwarders, payload: new Uint8Array([9]) });
      me.receive(frame(1, [shortId(2)]), { rssi: -90, snr: STRONG, at });
      me.receive(frame(3, undefined), { rssi: -90, snr: STRONG, at });
      h.run(h.now + MINUTE);
      const type = kind === "bcast" ? FrameType.BCAST : FrameType.FLOOD;
      return h.txLog.slice(from).filter((r) => r.tx === 2 && r.type === type).length;
    };
    t.equal(run(1, 10), 0, "table full, one leaf (1 of 10 not known reached): stands down");
    t.equal(run(2, 11), 1, "table full, two leaves (2 of 11): relays");
    t.equal(run(1, 48), 1, "room in the table: the leaf keeps it relaying (condition (a))");
    t.equal(run(1, 10, "flood"), 1, "a flood keeps condition (a) whatever the table");
    t.equal(run(1, 10, "bcast", true), 1, "a busy channel: condition (a) holds again, relays");
  },
  "crowdedNeighbours: a named forwarder with room in its table, among neighbours advertising full lists, stands down over a neighbour not known to hold the frame as a full table does"(t) {
    // A clique of 13 nodes with tables of 12: each is full and lists 12. Node 2 hears 9 of them
    // and a leaf (12, far: below rule `triangleReach`'s margin) that lists only 2: its table of 10
    // has room. Named by 1 and with copies from 3 and 4 (three, the number a table with room
    // needs), the senders' lists cover the clique; the leaf is 1 of 2's 10 nodes not known reached
    // (a tenth) and a neighbour not known to hold the frame (condition (a)). With the rule, 9 of
    // its 10 neighbours list 12 and `nearlyAllReached` stands it down; without it, (a) holds.
    const clique = [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15];
    const mine = clique.slice(0, 9);
    const run = (crowdedNeighbours: boolean, maxNeighbours = 12): number => {
      const h = new IdealMesh({ seed: 11, config: { maxNeighbours, crowdedNeighbours } });
      for (const i of [...clique, 2, 12]) h.addNode(i, gridPosition(i, 0));
      for (const a of clique) for (const b of clique) if (a < b) h.link(a, b);
      for (const a of mine) h.link(2, a);
      h.link(2, 12, { snr: MID });
      settle(t, h, `crowdedNeighbours ${crowdedNeighbours}, tables of ${maxNeighbours}`);
      const me = h.node(2);
      t.equal(me.neighbours(h.now).length, 10, "2 holds every neighbour, with room");
      return copiesThenRelays(h, me, 3);
    };
    t.equal(run(true), 0, "neighbours mostly list 12 (full): condition (a) yields, stands down");
    t.equal(run(false), 1, "without the rule: room in the table keeps condition (a), relays");
    t.equal(run(true, 48), 1, "tables of 48: the clique's lists of 12 are not full, relays");
  },
  "crowdedNeighbours: a neighbour counts as listing a full table by what it named over its last pass, not by what its two-hop view still holds"(t) {
    // Four neighbours at cycle 2 and 32-min OGMs, tables of 24. `full`: each named 23 others in its
    // last two OGMs. `churn` (review, session 16): 9 others an OGM, 5 of them new each time, so its
    // view holds 39 entries over the hold (3.5 passes), while what it named in the window read (its last
    // pass and half an interval: three OGMs here, on the exact beat) is 19, below 23.
    const interval = 32 * 60_000;
    const now = 10 * 3600_000;
    const neighbour = (named: ReadonlyArray<readonly [short: number, agoMs: number]>): Neighbour =>
      ({ cycle: 2, intervalMs: interval, twoHop: new Map(named.map(([short, ago]) => [short, Math.floor((now - ago) / 1000) * 256 + 200])) }) as unknown as Neighbour;
    const full = (): Neighbour => neighbour(Array.from({ length: 23 }, (_, i) => [i, (i % 2) * interval] as const));
    const churn = (): Neighbour => {
      const named: Array<readonly [number, number]> = [];
      for (let k = 0; k < 7; k++) for (let i = 0; i < 9; i++) named.push([i < 4 ? i : 100 + k * 5 + i, k * interval]);
      const latest = new Map<number, number>();
      for (const [short, ago] of named) latest.set(short, Math.min(ago, latest.get(short) ?? Infinity));
      return neighbour([...latest]);
    };
    t.equal(churn().twoHop.size, 39, "the churning neighbour's view holds 39");
    t.ok(neighboursMostlyFull([full(), full(), full(), full()], 24, now), "four full lists: crowded");
    t.ok(!neighboursMostlyFull([churn(), churn(), churn(), churn()], 24, now), "four churning short lists: not crowded");
    t.ok(!neighboursMostlyFull([full(), full(), full()], 24, now), "three neighbours: too few to tell");
  },
  "backup wait: the originator waits out its last-ranked forwarder's turn before it sends a backup"(t) {
    // 1 reaches leaf 5 through 2 or 8 and leaf 6 through 3 or 9: it names two forwarders, one per
    // leaf. Both die; the next broadcast still names them (1's table lists them), nobody relays,
    // and 1 sends the backup when its wait ends: the second-ranked forwarder's rank wait, the
    // longest contention and two frames' airtime after its frame.
    const h = new IdealMesh({ seed: 23 });
    for (const i of [1, 2, 3, 5, 6, 8, 9]) h.addNode(i, gridPosition(i, 0));
    for (const [a, b] of [[1, 2], [1, 3], [1, 8], [1, 9], [2, 5], [8, 5], [3, 6], [9, 6]]) h.link(a, b);
    settle(t, h, "two diamonds");
    const listOf = (r: { bytes: Uint8Array } | undefined): readonly number[] => {
      const d = r === undefined ? undefined : decodeFrame(r.bytes);
      return d?.ok && d.frame.type === FrameType.BCAST ? d.frame.forwarders ?? [] : [];
    };
    const probe = h.txLog.length;
    t.ok(h.node(1).send(h.now, 0xffffffff, new Uint8Array([1]), { priority: 4 }).ok);
    h.run(h.now + MINUTE);
    const named = listOf(h.txLog.slice(probe).find((r) => r.tx === 1 && r.type === FrameType.BCAST));
    t.equal(named.length, 2, "one forwarder per leaf");
    for (const x of [2, 3, 8, 9]) if (named.includes(shortId(x))) h.kill(x);
    const from = h.txLog.length;
    t.ok(h.node(1).send(h.now, 0xffffffff, new Uint8Array([2]), { priority: 4 }).ok);
    h.run(h.now + 2 * MINUTE);
    const mine = h.txLog.slice(from).filter((r) => r.tx === 1 && r.type === FrameType.BCAST);
    t.equal(mine.length, 2, "the broadcast and its backup");
    const [first, backup] = mine;
    if (first === undefined || backup === undefined) return;
    t.deepEqual(listOf(first), named, "the dead forwarders named again");
    const air = first.end - first.at;
    const slot = slotTimeMs(h.modem);
    const wait = (air + RANK_GUARD_SLOTS * slot) + 2 ** DEFAULT_CONFIG.floodContentionCw * slot + 2 * air;
    t.atLeast(backup.at - first.end, wait - 1, "not before the second-ranked forwarder's turn and its contention are over");
    t.atMost(backup.at - first.end, wait + 2 * slot, "and as soon as they are");
    t.equal(h.node(1).stats.broadcastBackups, 1, "counted");
  },
});
