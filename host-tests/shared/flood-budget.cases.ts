// How many fallback floods and lookups a node starts (docs/protocol.md §14.1): rules floodOnce,
// lookupSkipped, busyLookupSkipped and firstLookupLevel, on small topologies with known answers.
import { decodeFrame } from "../../src/core/codec";
import { FLOOD_MEMORY_MS, FloodBudget, UNLOCATABLE_MS } from "../../src/core/flood-budget";
import { FloodScope, FrameType } from "../../src/core/frames";
import { busyLookupSkipped, coveredLookupSkipped, farLookupLevel, firstLookupLevel, LOCATE_SCOPE_MAX } from "../../src/core/locate";
import { ChannelMeter } from "../../src/core/channel-load";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { CELLS, clusterRowMesh } from "../../src/demo/topologies";
import { clusterCell, clusterFromCell, clusterFromGeohash, NO_CLUSTER } from "../../src/core/cluster";
import { suite, type Assert } from "./harness";

const MINUTE = 60_000;

function settle(t: Assert, h: IdealMesh): void {
  t.ok(h.runUntil(() => h.fullyRouted(), h.now + 10 * MINUTE, 1_000) > 0, "did not converge");
}

/** Floods node `from` originated since txLog index `mark`, with their scope. */
function floodsFrom(h: IdealMesh, from: number, mark: number): number[] {
  const out: number[] = [];
  for (const r of h.txLog.slice(mark)) {
    if (r.type !== FrameType.FLOOD || r.tx !== from) continue;
    const d = decodeFrame(r.bytes);
    if (d.ok && d.frame.type === FrameType.FLOOD && d.frame.src === from) out.push(d.frame.scopeKind);
  }
  return out;
}

/** Location queries node `from` originated since `mark`, by level. */
function queriesFrom(h: IdealMesh, from: number, mark: number): number[] {
  const out: number[] = [];
  for (const r of h.txLog.slice(mark)) {
    if (r.type !== FrameType.LOCATE_Q || r.tx !== from) continue;
    const d = decodeFrame(r.bytes);
    if (d.ok && d.frame.type === FrameType.LOCATE_Q && d.frame.asker === from) out.push(d.frame.scope);
  }
  return out;
}

/**
 * The corridor topology of §14's test: four clusters W (1–4), M (5–8), E (9–12), N (13–16) in a
 * row; once routes settle, 12 moves within E: its link to 11 is gone, it hears 10 instead. 1 still
 * knows 12's cluster and routes toward it that no longer lead there.
 */
function movedDestination(): IdealMesh {
  // Lookups on (§16 `coveredLookupSkipped` off): the four clusters lie within the widest ring.
  const h = clusterRowMesh(4, { coveredLookupSkipped: false });
  h.runUntil(() => h.fullyRouted(), h.now + 10 * MINUTE, 1_000);
  h.run(h.now + 2 * MINUTE);
  h.unlink(11, 12);
  h.link(10, 12);
  return h;
}

export default suite("flood budget (§14.1)", {
  "floodOnce: a message whose destination never hears its corridor flood is flooded once, its e2e retry and bounces included, and fails with no-ack"(t) {
    const h = movedDestination();
    // Every flood is lost on the air: the destination never answers.
    h.dropIf = (bytes) => (bytes[0] & 15) === FrameType.FLOOD;
    const mark = h.txLog.length;
    t.ok(h.node(1).send(h.now, 12, new Uint8Array([0xc1]), { priority: 3, wantAck: true }).ok);
    // Long enough for the routes to fail, the flood, the end-to-end deadline, its retry and the next.
    h.run(h.now + 6 * MINUTE);
    t.equal(h.node(1).stats.e2eRetries, 1, "the retry came due");
    t.deepEqual(floodsFrom(h, 1, mark), [FloodScope.CORRIDOR], "exactly one flood");
    t.atLeast(h.node(1).stats.floodsHeld, 1, "and found no route: it waited for the flood's ACK");
    const failed = h.eventsOf(1, "send-failed");
    t.equal(failed.length, 1, "the message is reported failed once");
    t.equal(failed[0].code, "no-ack");
    // Another message to the same destination is not held (the rule is per message; the
    // FloodBudget case below checks the memory's keys): it goes its way and arrives.
    const held = h.node(1).stats.floodsHeld;
    t.ok(h.node(1).send(h.now, 12, new Uint8Array([0xc2]), { priority: 3, wantAck: false }).ok);
    h.run(h.now + MINUTE);
    t.equal(h.node(1).stats.floodsHeld, held, "not held");
    t.equal(h.eventsOf(12, "delivered").filter((e) => e.payload[0] === 0xc2).length, 1, "delivered");
  },

  "lookupSkipped and firstLookupLevel: an unplaceable target is looked up once from level 1; later messages skip the lookup"(t) {
    const h = new IdealMesh({ seed: 5, config: { coveredLookupSkipped: false } });
    for (let i = 1; i <= 4; i++) h.addNode(i, gridPosition(i - 1, 0));
    for (let i = 1; i < 4; i++) h.link(i, i + 1);
    settle(t, h);
    const ghost = 0x0777; // a node id nobody holds
    const mark = h.txLog.length;
    t.ok(h.node(1).send(h.now, ghost, new Uint8Array([1]), { wantAck: true }).ok);
    h.run(h.now + 5 * MINUTE);
    const cfg = h.node(1).config;
    const levels: number[] = [];
    for (let l = firstLookupLevel(false, cfg.locateMaxScope); l <= cfg.locateMaxScope; l++) levels.push(l);
    t.deepEqual(queriesFrom(h, 1, mark), levels, "levels 1..max, no level 0 for a target that is not a neighbour");
    t.deepEqual(floodsFrom(h, 1, mark), [FloodScope.NETWORK], "then the network flood");
    // The next message to it: no lookup, straight to the last resort.
    const mark2 = h.txLog.length;
    t.ok(h.node(1).send(h.now, ghost, new Uint8Array([2]), { wantAck: true }).ok);
    h.run(h.now + 30_000);
    t.deepEqual(queriesFrom(h, 1, mark2), [], "no new lookup");
    t.deepEqual(floodsFrom(h, 1, mark2), [FloodScope.NETWORK], "the network flood at once");
    // Once UNLOCATABLE_MS has passed, it is looked up again.
    h.run(h.now + UNLOCATABLE_MS);
    const mark3 = h.txLog.length;
    t.ok(h.node(1).send(h.now, ghost, new Uint8Array([3]), { wantAck: true }).ok);
    h.run(h.now + 30_000);
    t.deepEqual(queriesFrom(h, 1, mark3).slice(0, 1), [1], "looked up again");
    t.equal(h.node(1).stats.lookupsSkipped, 1);
    // A neighbour is asked at level 0 first.
    t.equal(firstLookupLevel(true, cfg.locateMaxScope), 0);
  },

  "coveredLookupSkipped: where every cluster known lies within the widest ring, an unplaceable target is not looked up; the network flood goes at once and arrives"(t) {
    for (const rule of [false, true]) {
      // The four clusters of a row (§14's corridor test), all within locateMaxScope − 1 = 3 rings of W.
      const h = clusterRowMesh(4, { coveredLookupSkipped: rule });
      h.runUntil(() => h.fullyRouted(), h.now + 10 * MINUTE, 1_000);
      h.run(h.now + 2 * MINUTE);
      const mark = h.txLog.length;
      // A target nobody has placed: a node id nobody holds.
      t.ok(h.node(2).send(h.now, 0x0777, new Uint8Array([1]), { wantAck: true }).ok);
      h.run(h.now + 5 * MINUTE);
      t.equal(queriesFrom(h, 2, mark).length > 0, !rule, rule ? "no lookup" : "a lookup without the rule");
      t.deepEqual(floodsFrom(h, 2, mark), [FloodScope.NETWORK], "the network flood, at once with the rule, after the levels without");
      t.equal(h.node(2).stats.lookupsCovered, rule ? 1 : 0);
    }
    const w = clusterFromGeohash(CELLS.W);
    // A cluster four rings off (beyond level 4's three rings) keeps the lookup; maxScope 0 asks the neighbours.
    t.ok(coveredLookupSkipped(4, w, [w, clusterFromGeohash(CELLS.M)]));
    const cw = clusterCell(w);
    t.ok(!coveredLookupSkipped(4, w, [w, clusterFromCell({ x: cw.x + 4, y: cw.y, precision: cw.precision })]));
    t.ok(!coveredLookupSkipped(0, w, [w]));
    t.ok(!coveredLookupSkipped(4, NO_CLUSTER, []));
  },

  "farLookupLevel: past the widest ring, one more query reaching the farthest cluster known, then the last resort"(t) {
    for (const rule of [false, true]) {
      // Widest ring 2 (one ring round W): node 1 in W knows E, two cells east, beyond it.
      const h = clusterRowMesh(4, { locateMaxScope: 2, farLookupLevel: rule });
      h.runUntil(() => h.fullyRouted(), h.now + 10 * MINUTE, 1_000);
      h.run(h.now + 2 * MINUTE);
      const mark = h.txLog.length;
      t.ok(h.node(1).send(h.now, 0x0777, new Uint8Array([1]), { wantAck: true }).ok);
      h.run(h.now + 5 * MINUTE);
      t.deepEqual(queriesFrom(h, 1, mark), rule ? [1, 2, 3] : [1, 2], rule ? "levels 1, 2, then 3 (E is 2 rings off)" : "levels 1, 2");
      t.deepEqual(floodsFrom(h, 1, mark), [FloodScope.NETWORK], "then the network flood");
      t.equal(h.node(1).stats.lookupsFar, rule ? 1 : 0);
    }
    const w = clusterFromGeohash(CELLS.W);
    const cw = clusterCell(w);
    const east = (dx: number) => clusterFromCell({ x: cw.x + dx, y: cw.y, precision: cw.precision });
    t.equal(farLookupLevel(4, w, [w, east(3)]), undefined, "within the widest ring: no far level");
    t.equal(farLookupLevel(4, w, [w, east(4), east(2)]), 5);
    t.equal(farLookupLevel(4, w, [east(9)]), LOCATE_SCOPE_MAX, "capped at the frame's widest scope");
    t.equal(farLookupLevel(0, w, [east(9)]), undefined);
    t.equal(farLookupLevel(4, NO_CLUSTER, [east(9)]), undefined);
  },

  "busyLookupSkipped: on a busy channel an unplaceable target is not looked up; the network flood goes at once"(t) {
    for (const busy of [false, true]) {
      const h = new IdealMesh({ seed: 5, config: { coveredLookupSkipped: false } });
      for (let i = 1; i <= 4; i++) h.addNode(i, gridPosition(i - 1, 0));
      for (let i = 1; i < 4; i++) h.link(i, i + 1);
      settle(t, h);
      if (busy) {
        // Undecodable frames heard back to back: over half the meter's 5-minute window is on the air.
        const junk = new Uint8Array(200).fill(0xff);
        for (let k = 0; k < 1_000 && h.node(1).stats.rxMalformed < 1_000; k++) h.node(1).receive(junk, { rssi: -90, snr: 5, at: h.now });
      }
      const mark = h.txLog.length;
      t.ok(h.node(1).send(h.now, 0x0777, new Uint8Array([1]), { wantAck: true }).ok);
      h.run(h.now + 30_000);
      t.deepEqual(queriesFrom(h, 1, mark).length > 0, !busy, busy ? "no lookup on a busy channel" : "a lookup on a quiet one");
      if (busy) t.deepEqual(floodsFrom(h, 1, mark), [FloodScope.NETWORK], "the network flood at once");
      t.equal(h.node(1).stats.lookupsBusy, busy ? 1 : 0);
    }
  },

  "busyLookupSkipped reads the channel as of its window: a burst's carrier sense does not keep a silent node's gate shut"(t) {
    const m = new ChannelMeter(0);
    // Nine first attempts in a burst all found the channel busy; then the node stays silent.
    for (let k = 0; k < 9; k++) m.noteCarrierSense(true, 1_000 + k);
    t.ok(busyLookupSkipped(m.recentBusyShare(2_000)), "busy within the window");
    for (const later of [10 * 60_000, 60 * 60_000, 24 * 60 * 60_000]) {
      t.ok(m.airBusyShare(later) >= 0.4, "the carrier-sense average itself keeps the burst");
      t.equal(m.recentBusyShare(later), 0, `nothing heard, nothing sensed for ${later / 60_000} min: quiet`);
      t.ok(!busyLookupSkipped(m.recentBusyShare(later)));
    }
    // A sample inside the window counts again.
    m.noteCarrierSense(true, 24 * 60 * 60_000);
    t.ok(busyLookupSkipped(m.recentBusyShare(24 * 60 * 60_000 + 1)));
  },

  "firstLookupLevel: with locateMaxScope 0 a lookup for a target that is not a neighbour asks the neighbours only (TTL 1)"(t) {
    const h = new IdealMesh({ seed: 6, config: { locateMaxScope: 0 } });
    for (let i = 1; i <= 4; i++) h.addNode(i, gridPosition(i - 1, 0));
    for (let i = 1; i < 4; i++) h.link(i, i + 1);
    settle(t, h);
    const mark = h.txLog.length;
    t.ok(h.node(1).send(h.now, 0x0777, new Uint8Array([1]), { wantAck: true }).ok);
    h.run(h.now + 2 * MINUTE);
    t.deepEqual(queriesFrom(h, 1, mark), [0], "one query, at level 0");
    for (const r of h.txLog.slice(mark)) {
      const d = decodeFrame(r.bytes);
      if (d.ok && d.frame.type === FrameType.LOCATE_Q) t.equal(d.frame.ttl, 1, "never a cluster-wide query");
    }
  },

  "FloodBudget: memories are per message and per target, expire, and hearing from a target lifts its lookup hold"(t) {
    const b = new FloodBudget();
    b.noteFlood(9, 4, 1_000);
    b.noteLookupFailed(9, 1_000);
    t.equal(b.floodedAt(9, 4, 1_000 + FLOOD_MEMORY_MS - 1), 1_000);
    t.equal(b.floodedAt(9, 5, 1_001), undefined, "another message to the same destination");
    t.equal(b.floodedAt(9, 4, 1_000 + FLOOD_MEMORY_MS), undefined, "the memory expires");
    t.equal(b.unlocatableSince(9, 1_000 + UNLOCATABLE_MS - 1), 1_000);
    t.equal(b.unlocatableSince(9, 1_000 + UNLOCATABLE_MS), undefined);
    b.noteLookupFailed(9, 2_000);
    b.heardFrom(9);
    t.equal(b.unlocatableSince(9, 2_001), undefined, "heard from: lookup allowed");
    for (let seq = 0; seq < 200; seq++) b.noteFlood(7, seq, 3_000);
    t.equal(b.floodedAt(7, 0, 3_001), undefined, "bounded: the oldest messages are forgotten");
    t.equal(b.floodedAt(7, 199, 3_001), 3_000);
  },
});
