// How many fallback floods and lookups a node starts (docs/protocol.md §14.1): rules floodHeld,
// lookupSkipped and firstLookupLevel, on small topologies with known answers.
import { decodeFrame } from "../../src/core/codec";
import { FLOOD_HOLD_MS, FloodBudget, UNLOCATABLE_MS } from "../../src/core/flood-budget";
import { FloodScope, FrameType } from "../../src/core/frames";
import { firstLookupLevel } from "../../src/core/locate";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { clusterRowMesh } from "../../src/demo/topologies";
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
  const h = clusterRowMesh(4);
  h.runUntil(() => h.fullyRouted(), h.now + 10 * MINUTE, 1_000);
  h.run(h.now + 2 * MINUTE);
  h.unlink(11, 12);
  h.link(10, 12);
  return h;
}

export default suite("flood budget (§14.1)", {
  "floodHeld: a destination that never hears its corridor flood gets one per hold, its e2e retry and a second message included; the second fails with the reason"(t) {
    const h = movedDestination();
    // Every flood is lost on the air: the destination never answers.
    h.dropIf = (bytes) => (bytes[0] & 15) === FrameType.FLOOD;
    const mark = h.txLog.length;
    t.ok(h.node(1).send(h.now, 12, new Uint8Array([0xc1]), { priority: 3, wantAck: true }).ok, "first message accepted");
    t.ok(h.runUntil(() => floodsFrom(h, 1, mark).length > 0, h.now + 2 * MINUTE, 100) > 0, "the routes failed and the flood went out");
    // A second message meanwhile: its routes fail too, and it fails with the reason instead of flooding.
    const r2 = h.node(1).send(h.now, 12, new Uint8Array([0xc2]), { priority: 3, wantAck: true });
    t.ok(r2.ok);
    // Long enough for the end-to-end deadline, its retry and the next.
    h.run(h.now + 6 * MINUTE);
    t.deepEqual(floodsFrom(h, 1, mark), [FloodScope.CORRIDOR], "exactly one flood for both messages and their retries");
    const failed = h.eventsOf(1, "send-failed");
    const second = failed.filter((e) => r2.ok && e.seq === r2.seq);
    t.equal(second.length, 1, "the second message is reported failed once");
    t.equal(second[0].code, "no-route");
    t.ok(/fallback flood/.test(second[0].reason), second[0].reason);
    const first = failed.filter((e) => !(r2.ok && e.seq === r2.seq));
    t.equal(first.length, 1, "the first is reported failed once");
    t.equal(first[0].code, "no-ack", "after its e2e retry waited for the flood's ACK");
  },

  "lookupSkipped and firstLookupLevel: an unplaceable target is looked up once from level 1; later messages skip the lookup"(t) {
    const h = new IdealMesh({ seed: 5 });
    for (let i = 1; i <= 4; i++) h.addNode(i, gridPosition(i - 1, 0));
    for (let i = 1; i < 4; i++) h.link(i, i + 1);
    settle(t, h);
    const ghost = 0x0777; // a node id nobody holds
    const mark = h.txLog.length;
    t.ok(h.node(1).send(h.now, ghost, new Uint8Array([1]), { wantAck: true }).ok);
    h.run(h.now + 5 * MINUTE);
    const cfg = h.node(1).config;
    const levels: number[] = [];
    for (let l = firstLookupLevel(false); l <= cfg.locateMaxScope; l++) levels.push(l);
    t.deepEqual(queriesFrom(h, 1, mark), levels, "levels 1..max, no level 0 for a target that is not a neighbour");
    t.deepEqual(floodsFrom(h, 1, mark), [FloodScope.NETWORK], "then the network flood");
    // Within the flood hold: refused at once.
    const r2 = h.node(1).send(h.now, ghost, new Uint8Array([2]), { wantAck: true });
    t.equal(r2.ok, false, "refused within the hold");
    // After the hold, within UNLOCATABLE_MS: straight to the network flood, no query.
    h.run(h.now + FLOOD_HOLD_MS);
    const mark3 = h.txLog.length;
    t.ok(h.node(1).send(h.now, ghost, new Uint8Array([3]), { wantAck: true }).ok);
    h.run(h.now + 30_000);
    t.deepEqual(queriesFrom(h, 1, mark3), [], "no new lookup");
    t.deepEqual(floodsFrom(h, 1, mark3), [FloodScope.NETWORK], "the last resort at once");
    t.equal(h.node(1).stats.lookupsSkipped, 1);
    // A neighbour is asked at level 0 first.
    t.equal(firstLookupLevel(true), 0);
  },

  "FloodBudget: holds expire, and hearing from the destination lifts both memories"(t) {
    const b = new FloodBudget();
    b.noteFlood(9, 4, 1_000);
    b.noteLookupFailed(9, 1_000);
    t.deepEqual(b.floodHeld(9, 1_000 + FLOOD_HOLD_MS - 1), { at: 1_000, seq: 4 });
    t.equal(b.floodHeld(9, 1_000 + FLOOD_HOLD_MS), undefined, "the hold expires");
    t.equal(b.unlocatableSince(9, 1_000 + UNLOCATABLE_MS - 1), 1_000);
    t.equal(b.unlocatableSince(9, 1_000 + UNLOCATABLE_MS), undefined);
    b.noteFlood(9, 5, 2_000);
    b.noteLookupFailed(9, 2_000);
    b.heardFrom(9);
    t.equal(b.floodHeld(9, 2_001), undefined, "heard from: flood allowed");
    t.equal(b.unlocatableSince(9, 2_001), undefined, "heard from: lookup allowed");
    for (let id = 100; id < 300; id++) b.noteFlood(id, 0, 3_000);
    t.equal(b.floodHeld(100, 3_001), undefined, "bounded: the oldest destinations are forgotten");
    t.ok(b.floodHeld(299, 3_001) !== undefined);
  },
});
