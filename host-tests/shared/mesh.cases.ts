// Multi-node behaviour of the real MeshNode on the ideal channel (issue: convergence, per-hop
// cost, failover without flooding or loss, clear failure when no route is left), plus the
// bidirectional check, malformed input and the duty-cycle plan.
import { FrameType } from "../../src/core/frames";
import { MAX_FRAME_BYTES, MAX_UNICAST_PAYLOAD } from "../../src/core/frames";
import { airtimeMs } from "../../src/core/airtime";
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { suite, type Assert } from "./harness";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { gridMesh, lineMesh } from "../../src/demo/topologies";

const OGM_INTERVAL_S = 30; // ≤ 8 neighbours

const line = lineMesh;
const grid = gridMesh;

function converge(t: Assert, h: IdealMesh, intervals: number, label: string): number {
  const at = h.runUntil(() => h.fullyRouted(), intervals * OGM_INTERVAL_S * 1000, 1_000);
  t.ok(at > 0, `${label}: not fully routed within ${intervals} OGM intervals`);
  return at;
}

/**
 * Node 1 with three neighbours (2, 3, and 4, which it hears but which never hears it: a neighbour
 * that never becomes usable, carries no route, and is the one a stronger newcomer replaces in a
 * full table), run for 40 minutes so OGM intervals have backed off to about 16 min; full at
 * `maxNeighbours` 3 (crowded-news tests, §8.2).
 */
function crowdedLine(maxNeighbours: number): IdealMesh {
  const h = line(2, 41, { maxNeighbours });
  h.addNode(3, undefined);
  h.link(1, 3);
  h.addNode(4, undefined);
  h.link(4, 1, { oneWay: true });
  h.run(40 * 60_000);
  return h;
}

/**
 * Node `id` joins at `pos`, linked to `behind` only: when node 1 first has a route to it, and how
 * many OGMs node 1 sent from a second before that to a minute after (an early OGM or none).
 */
function joinBehind(h: IdealMesh, id: number, pos: ReturnType<typeof gridPosition>, behind: number): { at: number; ogms: number } {
  h.addNode(id, pos);
  h.link(behind, id);
  const at = h.runUntil(() => h.node(1).nextHopsTo(id, h.now).length > 0, h.now + 20 * 60_000, 1_000);
  h.run(h.now + 60_000);
  const ogms = h.txLog.filter((x) => x.type === FrameType.OGM && x.tx === 1 && x.at >= at - 1_000 && x.at <= at + 60_000).length;
  return { at, ogms };
}

export default suite("mesh (ideal channel)", {
  "a link layer's per-frame overhead shrinks payloads and OGMs and is counted in the node's airtime"(t) {
    const overhead = 12;
    const h = line(3, 5, { frameOverheadBytes: overhead });
    converge(t, h, 5, "line");
    const big = h.node(1).send(h.now, 3, new Uint8Array(MAX_UNICAST_PAYLOAD - overhead + 1));
    t.ok(!big.ok && big.code === "too-large", "one byte over the reduced limit is refused");
    t.ok(h.node(1).send(h.now, 3, new Uint8Array(MAX_UNICAST_PAYLOAD - overhead)).ok, "the reduced limit itself is accepted");
    h.run(h.now + 30_000);
    t.equal(h.eventsOf(3, "delivered").length, 1);
    t.ok(h.txLog.every((r) => r.bytes.length + overhead <= MAX_FRAME_BYTES), "every frame leaves room for the overhead");
    // The node's own airtime account includes the overhead of every frame it sent.
    const mine = h.txLog.filter((r) => r.tx === 2).reduce((a, r) => a + airtimeMs(h.modem, r.bytes.length + overhead), 0);
    t.near(h.node(2).stats.txAirtimeMs, mine, 1e-6);
  },
  "a 30-node line converges from cold start within 5 OGM intervals"(t) {
    const h = line(30, 7);
    converge(t, h, 5, "line");
    t.equal(h.node(1).nextHopsTo(30, h.now)[0], 2);
    t.equal(h.node(30).nextHopsTo(1, h.now)[0], 29);
    // Every OGM is one frame per node per interval (plus triggered ones), never forwarded.
    t.ok(h.txLog.every((r) => r.type !== FrameType.OGM || r.bytes.length <= MAX_FRAME_BYTES));
  },
  "OGMs back off on a quiet mesh (Trickle) and new neighbours bring at most one early OGM between regular ones"(t) {
    const h = line(2, 41);
    h.run(40 * 60_000);
    const times = (id: number, from = 0) => h.txLog.filter((x) => x.type === FrameType.OGM && x.tx === id && x.at >= from).map((x) => x.at);
    // After the cold start's early OGMs, every gap is the previous one doubled (±10 % jitter on
    // each), until the 16 min ceiling.
    const gaps = times(1).slice(1).map((x, i) => x - times(1)[i]).filter((g) => g >= 50_000);
    for (let i = 1; i < gaps.length; i++) {
      const capped = gaps[i] >= 0.85 * 16 * 60_000;
      t.ok(capped || (gaps[i] / gaps[i - 1] >= 1.6 && gaps[i] / gaps[i - 1] <= 2.5), `gap ${i}: ${Math.round(gaps[i] / 1000)} s after ${Math.round(gaps[i - 1] / 1000)} s`);
    }
    t.atLeast(gaps.length, 4);
    t.atLeast(gaps[gaps.length - 1], 0.85 * 16 * 60_000, "backed off to about 16 min");
    t.atMost(times(1).length, 8, `${times(1).length} OGMs in 40 min (the seed's 30 s would send 80)`);
    // Node 1 now runs a 32-min interval. Three new neighbours appear a few seconds apart: the
    // interval comes down to 16 min after the last OGM (newcomerCeiling), then one early OGM, not three.
    const mark = h.now;
    const last = times(1).at(-1) ?? 0;
    t.atLeast(h.node(1).ogmIntervalMs, 0.99 * 32 * 60_000, "at the 32-min ceiling");
    const regular = last + 16 * 60_000 * 1.1;
    for (const id of [3, 4, 5]) {
      h.addNode(id, undefined);
      h.link(1, id);
      h.run(h.now + 5_000);
    }
    h.run(regular);
    const after = times(1, mark).filter((x) => x < regular);
    t.atLeast(after.length, 1, "newcomers: an OGM within 16 min of the last");
    t.atMost(after[0] - last, 16 * 60_000 + 1_000, "the newcomers' first OGM from node 1 came 16 min after its last, not 32");
    t.equal(h.node(1).stats.ogmNewcomerCaps, 1, "one cap for three newcomers");
    t.atMost(after.length, 2, `at most one early OGM before the next regular one (${after.map((x) => Math.round((x - mark) / 1000))} s)`);
    t.ok(h.node(3).neighbours(h.now).some((n) => n.id === 1 && n.usable), "the newcomer learnt its link to node 1");
  },
  "in a crowded neighbourhood (neighbour table full) a newcomer is not news: no early OGM; with room it is"(t) {
    const run = (maxNeighbours: number) => {
      const h = crowdedLine(maxNeighbours);
      h.addNode(5, undefined);
      h.link(1, 5, { snr: 12 }); // stronger than the others: admitted in place of one
      // Usable once node 5 lists node 1 (after node 1's next regular OGM): news, or not.
      h.runUntil(() => h.node(1).neighbours(h.now).some((n) => n.id === 5 && n.usable), h.now + 20 * 60_000, 1_000);
      const mark = h.now;
      h.run(h.now + 2 * 60_000);
      const ogms = h.txLog.filter((x) => x.type === FrameType.OGM && x.tx === 1 && x.at >= mark).length;
      return { ogms, admitted: h.node(1).neighbours(h.now).some((n) => n.id === 5), crowded: h.node(1).stats.ogmNewsCrowded };
    };
    const roomy = run(8);
    const crowded = run(3);
    t.ok(roomy.admitted && crowded.admitted, "the newcomer is in node 1's table both times");
    t.equal(roomy.crowded, 0);
    t.atLeast(roomy.ogms, 1, "with room, a new neighbour brings an early OGM");
    t.equal(crowded.ogms, roomy.ogms - 1, "with a full table, the same run without the early OGM");
    t.atLeast(crowded.crowded, 1, "counted");
  },
  "in a crowded neighbourhood a new destination learnt from a neighbour is not news either; with room it is"(t) {
    const run = (maxNeighbours: number) => {
      const h = crowdedLine(maxNeighbours);
      const before = h.node(1).stats.ogmNewsCrowded;
      // Node 6 joins behind node 2: a destination node 1 learns from node 2's OGM.
      const { at, ogms } = joinBehind(h, 6, gridPosition(2, 0), 2);
      return { at, ogms, crowded: h.node(1).stats.ogmNewsCrowded - before, full: h.node(1).neighbours(h.now).length };
    };
    const roomy = run(8);
    const crowded = run(3);
    t.ok(roomy.at > 0 && crowded.at > 0, "node 1 learns a route to node 6 both times");
    t.equal(crowded.full, 3, "node 1's table is full with maxNeighbours 3");
    t.equal(roomy.ogms, 1, "with room, the new destination brings an early OGM");
    t.equal(roomy.crowded, 0);
    t.equal(crowded.ogms, 0, "with a full table, it waits for the regular OGM");
    t.equal(crowded.crowded, 1, "counted");
  },
  "fullTableNews: a destination new to a full node route table is not news (no early OGM); with room, or the rule off, it is"(t) {
    const run = (maxDestinations: number, fullTableNews: boolean) => {
      // Node 1 routes to 2, 3, 4 down the line and to its side neighbour 5: four destinations.
      const h = line(4, 41, { maxDestinations, fullTableNews });
      h.addNode(5, gridPosition(1, 1));
      h.link(1, 5);
      h.run(40 * 60_000);
      const dests = h.node(1).routeTable(h.now).filter((r) => r.kind === "node").length;
      const before = h.node(1).stats.ogmNewsFullTable;
      // Node 6 joins behind node 5: two hops from node 1, nearer than node 4 (three), so a full
      // table takes it in place of node 4 (§5.5).
      const { at, ogms } = joinBehind(h, 6, gridPosition(1, 2), 5);
      return { at, ogms, dests, quiet: h.node(1).stats.ogmNewsFullTable - before };
    };
    const roomy = run(8, true);
    const full = run(4, true);
    const off = run(4, false);
    t.ok(roomy.at > 0 && full.at > 0 && off.at > 0, "node 1 learns a route to node 6 every time");
    t.equal(full.dests, 4, "node 1's node route table is full with maxDestinations 4");
    t.equal(roomy.dests, 4, "and has room with 8");
    t.equal(roomy.ogms, 1, "with room, the new destination brings an early OGM");
    t.equal(off.ogms, 1, "with the rule off, so does a full table's newcomer");
    t.equal(full.ogms, 0, "with a full table, it waits for the regular OGM");
    t.equal(full.quiet, 1, "counted");
    t.equal(roomy.quiet + off.quiet, 0);
  },
  "a 10×10 grid converges within 3 OGM intervals, with several routes per destination"(t) {
    const h = grid(10, 3);
    converge(t, h, 3, "grid");
    // Alternatives become feasible once every neighbour carries the source's current seqno.
    h.run(h.now + OGM_INTERVAL_S * 1000);
    t.atLeast(h.node(1).nextHopsTo(100, h.now).length, 2, "two next hops from a corner");
    t.atLeast(h.node(45).nextHopsTo(100, h.now).length, 2, "two next hops from the middle");
  },
  "a unicast across 10 hops costs one DATA transmission per hop plus its ACK"(t) {
    const h = line(11, 11);
    converge(t, h, 5, "line");
    h.run(h.now + 60_000);
    const start = h.now;
    const r = h.node(1).send(h.now, 11, new Uint8Array([1, 2, 3]));
    t.ok(r.ok);
    h.run(h.now + 30_000);
    t.equal(h.countTx(FrameType.DATA, start), 10, "DATA transmissions");
    t.equal(h.countTx(FrameType.ACK, start), 1, "one hop ACK from the destination");
    const got = h.eventsOf(11, "delivered");
    t.equal(got.length, 1);
    t.equal(got[0].hops, 10);
    t.deepEqual(got[0].payload, new Uint8Array([1, 2, 3]));
  },
  "with an end-to-end ACK requested, the ACK travels back one transmission per hop"(t) {
    const h = line(11, 12);
    converge(t, h, 5, "line");
    h.run(h.now + 60_000);
    const start = h.now;
    const r = h.node(1).send(h.now, 11, new Uint8Array([7]), { wantAck: true });
    t.ok(r.ok);
    h.run(h.now + 60_000);
    t.equal(h.countTx(FrameType.DATA, start), 10);
    t.equal(h.countTx(FrameType.ACK, start), 10);
    const acked = h.eventsOf(1, "acked");
    t.equal(acked.length, 1);
    t.equal(acked[0].hops, 10);
  },
  "killing a relay mid-stream fails over to a cached route: no flood, no lost message"(t) {
    const h = grid(10, 3);
    converge(t, h, 3, "grid");
    const src = h.node(1);
    const start = h.now;
    let sent = 0;
    let victim = 0;
    for (let k = 0; k < 20; k++) {
      const r = src.send(h.now, 100, new Uint8Array([k]));
      t.ok(r.ok, `message ${k} accepted`);
      if (r.ok) sent++;
      if (k === 8) {
        // Kill the relay holding message 8, three hops in, right after it received it.
        const from = h.txLog.length;
        const deadline = h.now + 10_000;
        while (victim === 0 && h.now < deadline) {
          h.run(h.now + 20);
          for (const x of h.txLog.slice(from)) {
            if (x.type === FrameType.DATA && x.bytes[10] === 2 && x.bytes[26] === 8) {
              victim = x.bytes[5] | (x.bytes[6] << 8); // next hop (node ids here are < 65536)
              h.kill(victim);
              break;
            }
          }
        }
      }
      h.run(h.now + 3_000);
    }
    h.run(h.now + 120_000);
    t.ok(victim > 1 && victim < 100, "a relay was killed");
    const delivered = new Set(h.eventsOf(100, "delivered").map((e) => e.payload[0]));
    t.equal(delivered.size, sent, "every message delivered exactly once to the application");
    t.equal(h.countTx(FrameType.FLOOD, start), 0, "no flood");
    const failovers = [...h.nodes.values()].reduce((a, n) => a + n.stats.failovers, 0);
    t.atLeast(failovers, 1, "a cached route took over");
    t.equal(h.eventsOf(1, "send-failed").length, 0);
  },
  "killing every alternative makes the send fail with a clear reason (corridor flood off)"(t) {
    const h = new IdealMesh({ seed: 5, config: { corridorEnabled: false } });
    for (let i = 1; i <= 6; i++) h.addNode(i, gridPosition(i, 0));
    h.link(1, 2);
    h.link(2, 3);
    h.link(3, 6);
    h.link(1, 4);
    h.link(4, 5);
    h.link(5, 6);
    converge(t, h, 4, "two paths");
    h.run(h.now + OGM_INTERVAL_S * 1000);
    t.deepEqual(h.node(1).nextHopsTo(6, h.now).sort(), [2, 4]);
    h.kill(3);
    h.kill(5);
    const r = h.node(1).send(h.now, 6, new Uint8Array([9]));
    t.ok(r.ok, "accepted: the node still believes its routes");
    h.run(h.now + 120_000);
    const failed = h.eventsOf(1, "send-failed");
    t.equal(failed.length, 1);
    t.equal(failed[0].code, "no-route");
    t.equal(failed[0].reason, "all 2 routes to 00000006 failed");
    t.equal(h.countTx(FrameType.FLOOD), 0);
    t.equal(h.eventsOf(6, "delivered").length, 0);
  },
  "a lost end-to-end ACK: the originator re-sends once, the destination delivers once; then send-failed"(t) {
    const h = line(3, 31);
    converge(t, h, 4, "line");
    h.run(h.now + 60_000);
    // Lose the end-to-end ACK on its second hop (2 → 1); the first hop (3 → 2) also confirms
    // node 2's DATA, so only the originator misses it.
    h.dropIf = (bytes, from) => from === 2 && bytes[0] === 0x12;
    const r = h.node(1).send(h.now, 3, new Uint8Array([0x55]), { wantAck: true });
    t.ok(r.ok);
    h.run(h.now + 10 * 60_000);
    t.equal(h.eventsOf(3, "delivered").length, 1, "delivered once despite two attempts");
    const data = h.txLog.filter((x) => x.type === FrameType.DATA && x.tx === 1);
    t.deepEqual([...new Set(data.map((x) => x.bytes[11] >> 5))], [0, 1], "attempt 0 then attempt 1");
    const failed = h.eventsOf(1, "send-failed");
    t.equal(failed.length, 1);
    t.equal(failed[0].code, "no-ack");
    // With the ACK getting through, no retry and no failure.
    h.dropIf = undefined;
    const before = h.txLog.length;
    t.ok(h.node(1).send(h.now, 3, new Uint8Array([0x56]), { wantAck: true }).ok);
    h.run(h.now + 10 * 60_000);
    t.equal(h.txLog.slice(before).filter((x) => x.type === FrameType.DATA && x.tx === 1).length, 1);
    t.equal(h.eventsOf(1, "acked").length, 1);
    t.equal(h.eventsOf(1, "send-failed").length, 1);
  },
  "lateAckGrace: an ACK that comes after the last attempt's wait, within one more wait, is no failure; with the rule off it came after send-failed"(t) {
    // As above, the ACK lost on its second hop; the destination's ACK of the retry is replayed to
    // the originator half a wait after the retry's wait ran out (duty-cycle-stress, seed 1: 13 of
    // 64 delivered messages reported failed got their ACK after the failure, most within 40 s).
    const run = (lateAckGrace: boolean): { failed: number; acked: number; failAt: number } => {
      const h = lineMesh(3, 31, { e2eTimeoutMs: 20_000, lateAckGrace });
      converge(t, h, 4, "line");
      h.run(h.now + 60_000);
      h.dropIf = (bytes, from) => from === 2 && bytes[0] === 0x12;
      const sent = h.now;
      const mark = h.txLog.length;
      t.ok(h.node(1).send(h.now, 3, new Uint8Array([0x57]), { wantAck: true }).ok);
      // Attempt 0 waits 20 s, the retry (attempt 1) 20 s more: its wait ends at 40 s.
      h.run(sent + 50_000);
      const ack = h.txLog.slice(mark).filter((x) => {
        const d = x.tx === 2 ? decodeFrame(x.bytes) : undefined;
        return d !== undefined && d.ok && d.frame.type === FrameType.ACK && d.frame.kind === "e2e";
      }).pop();
      t.ok(ack !== undefined, "node 2 relayed an ACK (dropped on the air)");
      if (ack !== undefined) h.node(1).receive(ack.bytes, { rssi: -80, snr: 8, at: h.now });
      h.run(sent + 5 * 60_000);
      const failed = h.eventsOf(1, "send-failed");
      return { failed: failed.length, acked: h.eventsOf(1, "acked").length, failAt: failed.length > 0 ? failed[0].at - sent : -1 };
    };
    const on = run(true);
    t.deepEqual([on.failed, on.acked], [0, 1], "rule on: acknowledged, never reported failed");
    const off = run(false);
    t.deepEqual([off.failed, off.acked], [1, 1], "rule off: reported failed, then acknowledged");
    t.ok(off.failAt >= 40_000 && off.failAt < 50_000, `rule off: failed when the retry's wait ran out (${off.failAt} ms)`);
  },
  "a one-way link is never used: the bidirectional check"(t) {
    const h = new IdealMesh({ seed: 8 });
    for (let i = 1; i <= 3; i++) h.addNode(i, gridPosition(i, 0));
    h.link(1, 2);
    h.link(2, 3);
    h.link(1, 3, { oneWay: true }); // 3 hears 1, 1 never hears 3
    converge(t, h, 4, "triangle");
    h.run(h.now + 120_000);
    t.deepEqual(h.node(3).nextHopsTo(1, h.now), [2], "3 reaches 1 via 2, not over the one-way link");
    t.deepEqual(h.node(1).nextHopsTo(3, h.now), [2]);
    const n13 = h.node(3).neighbours(h.now).find((n) => n.id === 1);
    t.ok(n13 !== undefined && n13.rq > 0 && n13.tq === 0 && !n13.usable, "3 hears 1 but 1 reports not hearing 3");
  },
  "malformed frames are counted and dropped without disturbing queued data"(t) {
    const h = line(4, 21);
    converge(t, h, 4, "line");
    const n2 = h.node(2);
    const r = h.node(1).send(h.now, 4, new Uint8Array([5]));
    t.ok(r.ok);
    const before = n2.stats.rxMalformed;
    const junk = [new Uint8Array(0), new Uint8Array([0x11, 1, 2]), new Uint8Array(300), new Uint8Array([0xf0, 0, 0, 0, 1])];
    for (const j of junk) n2.receive(j, { rssi: -90, snr: 5, at: h.now });
    t.equal(n2.stats.rxMalformed - before, junk.length);
    h.run(h.now + 30_000);
    t.equal(h.eventsOf(4, "delivered").length, 1, "the queued message still arrives");
  },
  "the duty-cycle plan is never exceeded, even when asked to send far more"(t) {
    const h = new IdealMesh({ seed: 4, dutyCycle: 0.01 });
    h.addNode(1, gridPosition(0, 0));
    h.addNode(2, gridPosition(1, 0));
    h.link(1, 2);
    converge(t, h, 4, "pair");
    const end = h.now + 3_600_000;
    let refused = 0;
    while (h.now < end) {
      const r = h.node(1).send(h.now, 2, new Uint8Array(200), { priority: 3 });
      if (!r.ok) refused++;
      h.run(h.now + 2_000);
    }
    // Exact rolling-hour check over node 1's transmissions.
    const mine = h.txLog.filter((x) => x.tx === 1);
    let worst = 0;
    for (const probe of mine) {
      let sum = 0;
      for (const x of mine) sum += Math.max(0, Math.min(x.end, probe.end) - Math.max(x.at, probe.end - 3_600_000));
      worst = Math.max(worst, sum);
    }
    t.atMost(worst, 36_000, "airtime in any hour ≤ 1 % of it");
    t.atLeast(worst, 36_000 * 0.8, "and the node did use its budget");
    t.ok(refused > 0, "the queue filled and sends were refused with a reason");
  },
  "bad options and destinations are refused with reasons"(t) {
    const h = line(2, 1);
    const n = h.node(1);
    const a = n.send(0, 1, new Uint8Array(1));
    t.ok(!a.ok && a.code === "bad-destination");
    const b = n.send(0, 2, new Uint8Array(1), { priority: 9 as never });
    t.ok(!b.ok && b.code === "bad-priority");
    const c = n.send(0, 2, new Uint8Array(300));
    t.ok(!c.ok && c.code === "too-large");
    const d = n.send(0, 2, new Uint8Array(1));
    t.ok(!d.ok && d.code === "no-route" && d.reason.length > 0, "before any OGM there is no route");
    t.throws(() => h.addNode(0, undefined), /not a unicast id/);
    // A frame from a node claiming our own id is ignored.
    const own = encodeFrame({ type: FrameType.DATA, tx: 1, next: 1, ttl: 3, hops: 0, priority: 3, wantAck: false, bounced: false, attempt: 0, src: 5, dst: 1, seq: 1, dstCluster: 0, payload: new Uint8Array(0) });
    n.receive(own, { rssi: -50, snr: 9, at: 0 });
    t.equal(n.drainEvents().filter((e) => e.type === "delivered").length, 0);
  },
});
