// Part 2 of the protocol on the ideal channel: QoS gate, silencing, sequence gaps, corridor
// flood, cluster broadcast, location service, operation without GPS.
import { clusterFromGeohash, clusterHolds, NO_CLUSTER } from "../../src/core/cluster";
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { resolveConfig } from "../../src/core/config";
import { FrameType, shortId } from "../../src/core/frames";
import { chooseForwarders } from "../../src/core/forwarders";
import { HeardNodes } from "../../src/core/heard-nodes";
import { PENDING_RELAYS_MAX } from "../../src/core/flooding";
import { channelCongestion, gateRefusal, maxAdmittedPriority, networkHealth } from "../../src/core/qos";
import { BROADCAST, type NodeId, type PriorityLevel } from "../../src/core/station";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { CELLS, clusterGridMesh, clusterRowMesh, connected, inCell, randomMesh, threeClusterMesh } from "../../src/demo/topologies";
import { clusterParent } from "../../src/core/cluster";
import { LIE_METRIC, lyingOgm, PLAUSIBLE_LIE_METRIC, system5Relay } from "../../src/sim/routers/insiders";
import type { MeshConfig } from "../../src/core/config";
import { suite, type Assert } from "./harness";

const MINUTE = 60_000;

function settle(t: Assert, h: IdealMesh, limitMs: number, label: string): void {
  const at = h.runUntil(() => h.fullyRouted(), h.now + limitMs, 1_000);
  t.ok(at > 0, `${label}: did not converge`);
}

/** Two stars joined by a bridge, converged and settled: 2,3,4,5 around 1; 5 – 6; 7,8,9 around 6. */
function twoStars(t: Assert): IdealMesh {
  const h = new IdealMesh({ seed: 21 });
  for (let i = 1; i <= 9; i++) h.addNode(i, gridPosition(i % 3, Math.floor(i / 3)));
  for (const [a, b] of [[1, 2], [1, 3], [1, 4], [1, 5], [5, 6], [6, 7], [6, 8], [6, 9]]) h.link(a, b);
  settle(t, h, 10 * MINUTE, "two stars");
  h.run(h.now + 5 * MINUTE);
  return h;
}

function mutedSet(h: IdealMesh): Set<NodeId> {
  return new Set([...h.nodes.values()].filter((n) => n.muted).map((n) => n.id));
}

function broadcastRelays(h: IdealMesh, from: number): Map<NodeId, number> {
  const count = new Map<NodeId, number>();
  for (const r of h.txLog.slice(from)) if (r.type === FrameType.BCAST) count.set(r.tx, (count.get(r.tx) ?? 0) + 1);
  return count;
}


// ---- insiders (§7.5) on the ideal channel ------------------------------------------------------

/** `from` swallows what it should relay (and the hop ACKs that would claim it did); a liar also forges its OGMs. */
function insider(h: IdealMesh, bad: NodeId, lie?: number): void {
  h.rewrite = (bytes, from) => {
    if (from !== bad) return bytes;
    if (system5Relay(bytes, bad) !== undefined) return undefined;
    return lie === undefined ? bytes : lyingOgm(bytes, lie);
  };
}

/** Distinct messages (by payload byte) that `from` handed to `to` as DATA. */
function handedTo(h: IdealMesh, from: NodeId, to: NodeId, sinceTx = 0): Set<number> {
  const out = new Set<number>();
  for (const r of h.txLog.slice(sinceTx)) {
    if (r.tx !== from || r.type !== FrameType.DATA) continue;
    const d = decodeFrame(r.bytes);
    if (d.ok && d.frame.type === FrameType.DATA && d.frame.next === to && d.frame.src === from) out.add(d.frame.payload[0]);
  }
  return out;
}

/**
 * 1 reaches 5 and the star 6, 7, 8 behind it either through 2 (short) or through 3 → 4 (one
 * hop longer). Messages go round the four destinations from 1.
 */
// The insider tests compare the §7.5 rules with and without them under a fixed 30 s OGM
// schedule (no Trickle back-off, §8.1): a dead route comes back with a newer seqno, and how often
// seqnos arrive is what the comparison without the rules depends on.
const FIXED_OGMS: Partial<MeshConfig> = { ogmTrickleMaxMs: 30_000 };

function blackholeRun(config: Partial<MeshConfig>): { h: IdealMesh; first: Set<number>; second: Set<number>; delivered: number } {
  const h = new IdealMesh({ seed: 11, config: { ...FIXED_OGMS, ...config } });
  for (let i = 1; i <= 8; i++) h.addNode(i, gridPosition(i % 3, Math.floor(i / 3)));
  for (const [a, b] of [[1, 2], [1, 3], [2, 5], [3, 4], [4, 5], [5, 6], [5, 7], [5, 8]]) h.link(a, b);
  h.runUntil(() => h.fullyRouted(), 10 * MINUTE, 1_000);
  insider(h, 2);
  const dsts = [5, 6, 7, 8];
  const marks: number[] = [];
  for (let k = 0; k < 24; k++) {
    marks.push(h.txLog.length);
    h.node(1).send(h.now, dsts[k % 4], new Uint8Array([k]), { wantAck: true });
    h.run(h.now + 20_000);
  }
  h.run(h.now + 2 * MINUTE);
  let delivered = 0;
  for (const d of dsts) delivered += h.eventsOf(d, "delivered").length;
  const all = handedTo(h, 1, 2, marks[0]);
  const first = new Set([...all].filter((k) => k < 12));
  const second = new Set([...all].filter((k) => k >= 12));
  return { h, first, second, delivered };
}

export default suite("mesh part 2 (ideal channel)", {
  // ---- QoS gate ----------------------------------------------------------------------------
  "QoS: each threshold crossing, and P0 always passes"(t) {
    const cfg = resolveConfig();
    const cases: Array<[number, PriorityLevel]> = [[1, 7], [0.8, 7], [0.79, 5], [0.6, 5], [0.59, 3], [0.4, 3], [0.39, 1], [0.2, 1], [0.19, 0], [0, 0]];
    for (const [nhs, max] of cases) {
      t.equal(maxAdmittedPriority(nhs, cfg), max, `NHS ${nhs}`);
      for (let p = 0; p <= 7; p++) {
        const refusal = gateRefusal(p as PriorityLevel, nhs, cfg);
        t.equal(refusal === undefined, p <= max, `NHS ${nhs}, P${p}`);
      }
    }
    t.equal(gateRefusal(0, 0, cfg), undefined, "SOS at zero health");
    t.equal(gateRefusal(7, 0.5, cfg), "network health 0.50: P7 needs ≥ 0.80 (P0–P3 allowed now)");
  },
  "QoS: the health score is 0.4·(1 − congestion) + 0.3·battery + 0.3·reachable"(t) {
    t.near(networkHealth({ congestion: 0, usable: [true, true], batteries: [1, 1, 1] }), 1, 1e-12);
    t.near(networkHealth({ congestion: 0.5, usable: [true, false], batteries: [0.5, 1] }), 0.4 * 0.5 + 0.3 * 0.75 + 0.3 * 0.5, 1e-12);
    t.equal(networkHealth({ congestion: 0, usable: [], batteries: [1] }), 0, "no neighbours known");
    // Congestion: nothing below a quarter busy or a half-full queue; saturated at half busy or a full queue.
    t.equal(channelCongestion(0.2, 0.3), 0);
    t.near(channelCongestion(0.375, 0), 0.5, 1e-12);
    t.equal(channelCongestion(0.6, 0), 1);
    t.near(channelCongestion(0.1, 0.75), 0.5, 1e-12);
  },
  "QoS: the seed's traffic mix (P0–P5) is admitted at ordinary load, whatever the link scores or batteries"(t) {
    const cfg = resolveConfig({});
    // Ordinary load: a fifth of the channel busy, the queue a third full; flat batteries.
    const nhs = networkHealth({ congestion: channelCongestion(0.2, 0.33), usable: [true, true, true], batteries: [0, 0, 0, 0] });
    t.near(nhs, 0.7, 1e-12);
    for (const p of [0, 1, 2, 3, 4, 5] as const) t.equal(gateRefusal(p, nhs, cfg), undefined, `P${p} admitted`);
    // A saturated channel refuses the low priorities.
    const busy = networkHealth({ congestion: channelCongestion(0.5, 0), usable: [true, true, true], batteries: [1, 1, 1, 1] });
    t.ok(gateRefusal(7, busy, cfg) !== undefined && gateRefusal(3, busy, cfg) === undefined, `health ${busy} when saturated`);
  },
  "QoS: in a degraded mesh the node refuses P5 and still sends P0"(t) {
    // Fixed 30 s OGMs, so the dead neighbours leave the table within the 10 minutes.
    const h = new IdealMesh({ seed: 2, config: FIXED_OGMS });
    h.addNode(1, gridPosition(0, 0), { battery: 0.3 });
    for (let i = 2; i <= 6; i++) {
      h.addNode(i, gridPosition(i, 1), { battery: 0.3 });
      h.link(1, i);
    }
    settle(t, h, 5 * MINUTE, "star");
    h.run(h.now + 5 * MINUTE);
    const healthy = h.node(1).health(h.now);
    t.near(healthy, 0.4 + 0.3 * 0.3 + 0.3, 0.01, "a quiet channel, every neighbour there, batteries at 30 %");
    t.ok(h.node(1).send(h.now, 2, new Uint8Array([1]), { priority: 5 }).ok, "P5 passes at ≥ 0.6");
    const p7 = h.node(1).send(h.now, 2, new Uint8Array([1]), { priority: 7 });
    t.ok(!p7.ok && p7.code === "qos-gate", "P7 needs ≥ 0.8");
    // Four of five neighbours die.
    for (let i = 3; i <= 6; i++) h.kill(i);
    h.run(h.now + 10 * MINUTE);
    const degraded = h.node(1).health(h.now);
    const mine = h.node(1).neighbours(h.now);
    t.equal(mine.length, 1, "four neighbours gone from the table");
    // Batteries travel as a byte: the neighbour's 0.3 arrives as 76/254. No congestion.
    const expected = 0.4 + 0.3 * ((0.3 + mine[0].battery) / 2) + 0.3 * (1 / 5);
    t.near(degraded, expected, 1e-9, "computed from the node's own tables, lost neighbours remembered");
    t.ok(degraded < 0.6, `degraded health ${degraded}`);
    const refused = h.node(1).send(h.now, 2, new Uint8Array([1]), { priority: 5 });
    t.ok(!refused.ok && refused.code === "qos-gate" && /P5 needs/.test(refused.reason));
    t.ok(h.node(1).send(h.now, 2, new Uint8Array([1]), { priority: 3 }).ok, "text still passes");
    const sos = h.node(1).send(h.now, 2, new Uint8Array([0x50]), { priority: 0 });
    t.ok(sos.ok, "P0 passes");
    h.run(h.now + 30_000);
    t.ok(h.eventsOf(2, "delivered").some((e) => e.payload[0] === 0x50), "and arrives");
  },

  // ---- Silencing ---------------------------------------------------------------------------
  "mobility: cluster membership with hysteresis, and a cluster change keeps node routes that work"(t) {
    const W = clusterFromGeohash(CELLS.W);
    const M = clusterFromGeohash(CELLS.M);
    // M is east of W: x = 1.1 is a tenth of a cell into M, x = 1.3 three tenths.
    t.ok(clusterHolds(W, inCell(CELLS.W, 1.1, 0.5).lat, inCell(CELLS.W, 1.1, 0.5).lon, 0.25), "a tenth of a cell over the border: still W");
    t.ok(!clusterHolds(W, inCell(CELLS.W, 1.3, 0.5).lat, inCell(CELLS.W, 1.3, 0.5).lon, 0.25), "three tenths over: not W");
    const h = new IdealMesh({ seed: 23, config: { geohashPrecision: 6 } });
    h.addNode(1, inCell(CELLS.W, 0.8, 0.5));
    h.addNode(2, inCell(CELLS.W, 0.5, 0.5));
    h.addNode(3, inCell(CELLS.W, 0.2, 0.5));
    h.link(1, 2);
    h.link(2, 3);
    settle(t, h, 10 * MINUTE, "line in W");
    t.deepEqual(h.node(1).nextHopsTo(3, h.now), [2]);
    h.node(1).setPosition(h.now, inCell(CELLS.W, 1.1, 0.5));
    t.equal(h.node(1).cluster, W, "just over the border it stays in W");
    h.node(1).setPosition(h.now, inCell(CELLS.W, 1.4, 0.5));
    t.equal(h.node(1).cluster, M, "well inside M it moves");
    t.deepEqual(h.node(1).nextHopsTo(3, h.now), [2], "its route to 3 still works and is kept");
    t.ok(h.node(1).send(h.now, 3, new Uint8Array([0x33])).ok);
    h.run(h.now + 30_000);
    t.ok(h.eventsOf(3, "delivered").some((e) => e.payload[0] === 0x33), "and carries traffic at once");
  },
  "broadcast forwarders: on a known graph only the expected nodes relay"(t) {
    // Two stars joined by a bridge: 2,3,4,5 around 1; 5 – 6; 7,8,9 around 6.
    const h = twoStars(t);
    const from = h.txLog.length;
    t.ok(h.node(2).send(h.now, BROADCAST, new Uint8Array([7]), { priority: 4 }).ok);
    h.run(h.now + 30_000);
    const relays = broadcastRelays(h, from);
    t.deepEqual([...relays.keys()].sort((a, b) => a - b), [1, 2, 5, 6], "the origin, then 1, the bridge 5 and the hub 6");
    for (const [x, n] of relays) t.equal(n, 1, `node ${x} sent it once`);
    for (let i = 1; i <= 9; i++) if (i !== 2) t.ok(h.eventsOf(i, "delivered").some((e) => e.dst === BROADCAST && e.payload[0] === 7), `node ${i} got it`);
    // The lists on the air: 2 names 1; 1 names 5 (3 and 4 reach nobody new); 5 names 6; 6 names none.
    const named = new Map(h.txLog.slice(from).filter((r) => r.type === FrameType.BCAST).map((r) => {
      const d = decodeFrame(r.bytes);
      return [r.tx, d.ok && d.frame.type === FrameType.BCAST ? (d.frame.forwarders ?? []).map((x) => [...h.nodes.keys()].find((id) => shortId(id) === x)) : []] as const;
    }));
    t.deepEqual(named.get(2), [1]);
    t.deepEqual(named.get(1), [5]);
    t.deepEqual(named.get(5), [6]);
    t.deepEqual(named.get(6), []);
  },
  "directed frames: a FLOOD and a LOCATE_Q are relayed only by the forwarders each relay names, as a BCAST"(t) {
    // Two stars joined by a bridge: 2,3,4,5 around 1; 5 – 6; 7,8,9 around 6. A frame from 2 for 9
    // reaches 1 naming it: 1 names 5 (3 and 4 reach nobody new), 5 names 6, 6 names none (its
    // neighbours reach nobody new); 3, 4, 7, 8 never relay.
    const h = twoStars(t);
    const me = h.node(1);
    const idOf = (x: number) => [...h.nodes.keys()].find((id) => shortId(id) === x);
    const relays = (from: number, type: number) =>
      new Map(h.txLog.slice(from).filter((r) => r.type === type).map((r) => {
        const d = decodeFrame(r.bytes);
        const f = d.ok && (d.frame.type === FrameType.FLOOD || d.frame.type === FrameType.LOCATE_Q) ? d.frame : undefined;
        return [r.tx, (f?.forwarders ?? [-1]).map(idOf)] as const;
      }));
    const named = [shortId(1)];
    for (const [dst, seq] of [[9, 1], [7, 2]] as const) {
      let from = h.txLog.length;
      const flood = encodeFrame({ type: FrameType.FLOOD, tx: 2, ttl: 20, hops: 0, priority: 3, wantAck: false, scopeKind: 2, src: 2, dst, seq, srcCluster: me.cluster, dstCluster: me.cluster, forwarders: named, payload: new Uint8Array([seq]) });
      me.receive(flood, { rssi: -90, snr: 8, at: h.now });
      h.run(h.now + 60_000);
      t.ok(h.eventsOf(dst, "delivered").some((e) => e.src === 2 && e.payload[0] === seq), `the flood reached ${dst}`);
      const fl = relays(from, FrameType.FLOOD);
      from = h.txLog.length;
      const query = encodeFrame({ type: FrameType.LOCATE_Q, tx: 2, ttl: 5, hops: 0, scope: 7, asker: 2, qid: seq, askerCluster: me.cluster, target: dst, forwarders: named });
      me.receive(query, { rssi: -90, snr: 8, at: h.now });
      h.run(h.now + 60_000);
      const lq = relays(from, FrameType.LOCATE_Q);
      t.ok(h.txLog.slice(from).some((r) => r.type === FrameType.LOCATE_A && r.tx === dst), `${dst} answered the query`);
      for (const [what, m] of [["flood", fl], ["query", lq]] as const) {
        t.deepEqual([...m.keys()].sort((a, b) => a - b), [1, 5, 6], `${what} for ${dst}: relayed by 1, 5, 6 alone`);
        t.deepEqual(m.get(1), [5], `${what}: 1 names 5`);
        t.deepEqual(m.get(5), [6], `${what}: 5 names 6`);
        t.deepEqual(m.get(6), [], `${what}: 6 names none`);
      }
    }
  },
  "broadcast forwarders: greedy cover of the two-hop nodes the previous sender missed, distributors first"(t) {
    const set = (...x: number[]) => new Set(x);
    // Self 1; neighbours 2 (covers 5, 6), 3 (covers 6), 4 (covers 7, muted), 8 (reach unknown).
    const base = [
      { short: 2, prio: 10, active: true, covers: set(1, 5, 6) },
      { short: 3, prio: 20, active: true, covers: set(1, 6) },
      { short: 4, prio: 30, active: false, covers: set(1, 7) },
      { short: 8, prio: 5, active: true, covers: undefined },
    ];
    t.deepEqual(chooseForwarders({ self: 1, neighbours: base, max: 16 }), [2, 4, 8], "2 covers most; only the muted 4 reaches 7; 8 is unknown");
    t.deepEqual(chooseForwarders({ self: 1, neighbours: base, previous: { short: 9, covers: set(1, 5, 6, 7, 8) }, max: 16 }), [], "the previous sender reached everything");
    t.equal(chooseForwarders({ self: 1, neighbours: base, max: 2 }), undefined, "more than the frame may name: none");
    const both = [{ short: 2, prio: 1, active: true, covers: set(5) }, { short: 3, prio: 9, active: true, covers: set(5) }];
    t.deepEqual(chooseForwarders({ self: 1, neighbours: both, max: 16 }), [3], "equal cover: the higher relay priority");
  },
  "broadcast forwarders: nobody is named for nodes known reached; a backup names only for the silent forwarder's part"(t) {
    const set = (...x: number[]) => new Set(x);
    // Self 1; neighbours 2 (covers 5, 6), 3 (covers 6, 7), 4 (covers 7).
    const nb = [
      { short: 2, prio: 10, active: true, covers: set(1, 5, 6) },
      { short: 3, prio: 10, active: true, covers: set(1, 6, 7) },
      { short: 4, prio: 10, active: true, covers: set(1, 7) },
      { short: 8, prio: 10, active: true, covers: undefined },
    ];
    t.deepEqual(chooseForwarders({ self: 1, neighbours: nb, max: 16 }), [2, 3, 8], "5, 6, 7 to reach: 2 then 3 (lower id on a tie), 8 unknown");
    t.deepEqual(chooseForwarders({ self: 1, neighbours: nb, reached: set(5), max: 16 }), [3, 8], "5 reached already (a copy heard, a co-forwarder, own reach): 3 covers 6 and 7");
    t.deepEqual(chooseForwarders({ self: 1, neighbours: nb, reached: set(5, 6, 7), max: 16 }), [8], "everything reached: only the unknown 8");
    // Backup for a silent 3 (its part: 6, 7): candidates without 3, only that part, no unknowns.
    const backup = nb.filter((n) => n.short !== 3);
    t.deepEqual(chooseForwarders({ self: 1, neighbours: backup, only: set(1, 6, 7), max: 16 }), [2, 4], "6 through 2, 7 through 4; 5 is not the silent part; 8 not named");
    t.deepEqual(chooseForwarders({ self: 1, neighbours: backup, only: set(6), reached: set(6), max: 16 }), [], "the silent part reached meanwhile: no backup");
  },
  "ranked forwarders: the list is in the greedy order, the one covering most first, not in id order"(t) {
    const set = (...x: number[]) => new Set(x);
    // Self 1; 9 covers 5, 6, 7; 2 covers 7, 8; 3 reach unknown: 9 first, then 2 for 8, then 3.
    const nb = [
      { short: 2, prio: 10, active: true, covers: set(1, 7, 8) },
      { short: 9, prio: 10, active: true, covers: set(1, 5, 6, 7) },
      { short: 3, prio: 10, active: true, covers: undefined },
    ];
    t.deepEqual(chooseForwarders({ self: 1, neighbours: nb, max: 16 }), [9, 2, 3], "rank order: 9 covers three, 2 the one left, 3 unknown last");
    t.deepEqual(chooseForwarders({ self: 1, neighbours: nb, reached: set(5, 6), max: 16 }), [2, 3], "5 and 6 reached: 2 covers 7 and 8 alone");
  },
  "hostile broadcasts naming us under invented (src, seq): relays waiting stay bounded, the oldest shed and counted"(t) {
    const h = new IdealMesh({ seed: 7 });
    for (let i = 1; i <= 3; i++) h.addNode(i, gridPosition(i, 0));
    h.link(1, 2);
    h.link(2, 3);
    settle(t, h, 10 * MINUTE, "three nodes");
    const me = h.node(2);
    const from = h.txLog.length;
    const forged = 200;
    for (let i = 0; i < forged; i++) {
      // Named last in a full list (the longest rank wait), our id 16 times in the next one.
      const forwarders = i % 2 === 0 ? [...Array.from({ length: 15 }, (_, k) => 0x7000 + k), shortId(2)] : Array.from({ length: 16 }, () => shortId(2));
      const bytes = encodeFrame({ type: FrameType.BCAST, tx: 1, ttl: 5, hops: 1, priority: 4, scope: 7, src: 0x0100_0000 + i, seq: i, originCluster: me.cluster, forwarders, payload: new Uint8Array([i & 255]) });
      me.receive(bytes, { rssi: -90, snr: 8, at: h.now });
    }
    t.atLeast(me.stats.relaysShed, forged - PENDING_RELAYS_MAX, "the relays beyond the bound were shed and counted");
    h.run(h.now + 10 * MINUTE);
    const relayed = h.txLog.slice(from).filter((r) => r.tx === 2 && r.type === FrameType.BCAST).length;
    t.atMost(relayed, PENDING_RELAYS_MAX, "no more relays on the air than may wait");
    t.atLeast(relayed, 1, "the ones kept were relayed");
  },
  "broadcast on a known graph: relayed only by the forwarder that covers everything left"(t) {
    // 1 – 2, 1 – 3, 2 – 3; 2 and 3 both reach 4, 5; only 3 reaches 6. 1 names 3 alone (it covers
    // 4, 5 and 6); 2, 4, 5, 6 never relay.
    const h = new IdealMesh({ seed: 5 });
    for (let i = 1; i <= 6; i++) h.addNode(i, gridPosition(i, 0));
    for (const [a, b] of [[1, 2], [1, 3], [2, 3], [2, 4], [2, 5], [3, 4], [3, 5], [3, 6], [4, 5]]) h.link(a, b);
    settle(t, h, 10 * MINUTE, "six nodes");
    h.run(h.now + 5 * MINUTE);
    const from = h.txLog.length;
    t.ok(h.node(1).send(h.now, BROADCAST, new Uint8Array([3]), { priority: 4 }).ok);
    h.run(h.now + 60_000);
    for (let i = 2; i <= 6; i++) t.ok(h.eventsOf(i, "delivered").some((e) => e.dst === BROADCAST && e.payload[0] === 3), `node ${i} got it`);
    t.deepEqual([...broadcastRelays(h, from).keys()].sort((a, b) => a - b), [1, 3], "the origin and 3");
  },
  "own reach: nodes heard recently, bounded, the stalest dropped first"(t) {
    const h = new HeardNodes(3, 10_000);
    h.heard(1, 0);
    h.heard(2, 1_000);
    h.heard(3, 2_000);
    h.heard(1, 3_000); // heard again: now the newest
    h.heard(4, 4_000); // full: 2, the stalest, makes room
    const at = (now: number) => {
      const s = new Set<number>();
      h.addRecent(s, now);
      return [...s].sort((a, b) => a - b);
    };
    t.deepEqual(at(5_000), [1, 3, 4]);
    t.deepEqual(at(12_500), [1, 4], "3 heard at 2 s is past the 10 s hold");
    t.equal(h.size, 2, "and forgotten");
  },
  "own reach's margin (triangleReach): weak frames pull a near node's smoothed margin down before its hold runs out"(t) {
    const h = new HeardNodes(8, 20 * 60_000);
    h.heard(7, 0, 12);
    const strong = (now: number) => {
      const s = new Set<number>();
      h.addStrong(s, 8, now);
      return s.has(7);
    };
    t.ok(strong(1_000), "heard at 12 dB: near");
    for (let k = 1; k <= 4; k++) h.heardWeak(7, 1);
    t.ok((h.margin(7, 5_000) ?? 99) < 8, "four frames at 1 dB: no longer near");
    t.ok(!strong(5_000), "not counted near");
    t.ok(h.has(7, 5_000), "still within own reach's hold (weak frames do not refresh it)");
    h.heardWeak(9, 1);
    t.equal(h.margin(9, 5_000), undefined, "a node never heard at the margin gets no entry from weak frames");
  },
  "broadcast backup: the origin's only named forwarder is dead, it is not heard relaying, the origin names the other and coverage is kept"(t) {
    // 1 reaches 4 through 2 or 3 (a diamond), 4 – 5 beyond. Relay priorities make 1 name one of
    // 2, 3; that one dies before the broadcast, while 1's table still lists it.
    const h = new IdealMesh({ seed: 23 });
    for (let i = 1; i <= 5; i++) h.addNode(i, gridPosition(i, 0));
    for (const [a, b] of [[1, 2], [1, 3], [2, 4], [3, 4], [4, 5]]) h.link(a, b);
    settle(t, h, 10 * MINUTE, "diamond");
    h.run(h.now + 5 * MINUTE);
    const probe = h.txLog.length;
    t.ok(h.node(1).send(h.now, BROADCAST, new Uint8Array([1]), { priority: 4 }).ok);
    h.run(h.now + 60_000);
    const first = h.txLog.slice(probe).find((r) => r.tx === 1 && r.type === FrameType.BCAST);
    const d = first === undefined ? undefined : decodeFrame(first.bytes);
    const list = d?.ok && d.frame.type === FrameType.BCAST ? d.frame.forwarders ?? [] : [];
    t.equal(list.length, 1, "one forwarder named for 4");
    const dead = list[0] === shortId(2) ? 2 : 3;
    const other = dead === 2 ? 3 : 2;
    h.kill(dead);
    const from = h.txLog.length;
    t.ok(h.node(1).send(h.now, BROADCAST, new Uint8Array([2]), { priority: 4 }).ok);
    h.run(h.now + 120_000);
    const sent = h.txLog.slice(from).filter((r) => r.type === FrameType.BCAST);
    const fromOrigin = sent.filter((r) => r.tx === 1).map((r) => decodeFrame(r.bytes)).map((x) => (x.ok && x.frame.type === FrameType.BCAST ? x.frame : undefined));
    t.equal(fromOrigin.length, 2, "the broadcast and one backup");
    t.deepEqual(fromOrigin[1]?.forwarders, [shortId(other)], "the backup names the other way");
    t.equal(fromOrigin[1]?.backup, true, "flagged as a backup");
    t.equal(h.node(1).stats.broadcastBackups, 1, "counted");
    for (const x of [other, 4, 5]) t.ok(h.eventsOf(x, "delivered").some((e) => e.dst === BROADCAST && e.payload[0] === 2), `node ${x} got it`);
    t.deepEqual([...broadcastRelays(h, from).keys()].sort((a, b) => a - b), [1, 4, other].sort((a, b) => a - b), "relayed by the origin, the backup and 4");
  },
  "silencing: in a 60-node random mesh at least a third mute, nobody is cut off, rotation changes the set"(t) {
    // Broadcasts without forwarder lists (§15): the distributor rule alone, as a BCAST naming
    // no forwarders is relayed.
    const { h, adj } = randomMesh(60, 17, 0.22, { broadcastForwarders: false });
    settle(t, h, 10 * MINUTE, "60 nodes");
    h.run(h.now + 3 * MINUTE);
    const muted = mutedSet(h);
    t.atLeast(muted.size, 20, "at least a third muted");
    const ids = [...h.nodes.keys()];
    const active = new Set(ids.filter((x) => !muted.has(x)));
    t.ok(connected(ids, adj, active), "active nodes are connected");
    for (const x of muted) t.ok((adj.get(x) ?? []).some((y) => active.has(y)), `muted ${x} has an active neighbour`);
    t.ok(h.fullyRouted(), "every pair still routable");
    // A broadcast reaches all 60 with only active nodes relaying.
    const from = h.txLog.length;
    t.ok(h.node(1).send(h.now, BROADCAST, new Uint8Array([9]), { priority: 4 }).ok);
    h.run(h.now + 30_000);
    const got = ids.filter((x) => x === 1 || h.eventsOf(x, "delivered").some((e) => e.dst === BROADCAST && e.payload[0] === 9));
    t.equal(got.length, 60, "broadcast reached every node");
    for (const [x, n] of broadcastRelays(h, from)) {
      t.equal(n, 1, `node ${x} relayed once`);
      t.ok(x === 1 || !muted.has(x), `muted ${x} did not relay`);
    }
    // Rotation: a new epoch every 10 minutes, taken up at each node's next OGM (at most 16 min
    // apart once the Trickle interval has backed off, §8.1): after two of those, others are muted.
    h.run(h.now + 33 * MINUTE);
    const later = mutedSet(h);
    let changed = 0;
    for (const x of ids) if (muted.has(x) !== later.has(x)) changed++;
    t.atLeast(changed, 5, "rotation changed who is muted");
    t.atLeast(later.size, 20);
    // A muted node still receives unicast addressed to it, and forwards unicast as next hop.
    const target = [...later][0];
    const src = ids.find((x) => x !== target && !(adj.get(target) ?? []).includes(x)) as NodeId;
    const sent = h.node(src).send(h.now, target, new Uint8Array([0x77]), { priority: 3 });
    t.ok(sent.ok);
    for (let k = 0; k < 30; k++) {
      const a = ids[(k * 7) % 60];
      const b = ids[(k * 13 + 5) % 60];
      if (a !== b) h.node(a).send(h.now, b, new Uint8Array([k]), { priority: 3 });
    }
    h.run(h.now + 60_000);
    t.ok(h.eventsOf(target, "delivered").some((e) => e.payload[0] === 0x77), "muted node got its message");
    const mutedRelays = [...later].reduce((a, x) => a + h.node(x).stats.relayed, 0);
    t.ok(mutedRelays > 0, "muted nodes still relay unicast as next hop");
  },

  // ---- Sequence numbers --------------------------------------------------------------------
  "sequence gaps: dropping frame 4 of 1..6 reports exactly one gap; 65535 → 0 is not a gap"(t) {
    const h = new IdealMesh({ seed: 3 });
    h.addNode(1, gridPosition(0, 0));
    h.addNode(2, gridPosition(1, 0));
    h.link(1, 2);
    const dst = h.node(2);
    const frame = (seq: number): Uint8Array =>
      encodeFrame({ type: FrameType.DATA, tx: 1, next: 2, ttl: 8, hops: 0, priority: 3, wantAck: false, bounced: false, attempt: 0, src: 1, dst: 2, seq, dstCluster: NO_CLUSTER, payload: new Uint8Array([seq & 255]) });
    for (const s of [1, 2, 3, 5, 6]) dst.receive(frame(s), { rssi: -80, snr: 5, at: 0 });
    let ev = dst.drainEvents();
    t.equal(ev.filter((e) => e.type === "delivered").length, 5);
    const gaps = ev.filter((e) => e.type === "gap");
    t.equal(gaps.length, 1);
    t.deepEqual(gaps[0], { type: "gap", at: 0, src: 1, missing: 1, from: 4, to: 4 });
    dst.receive(frame(4), { rssi: -80, snr: 5, at: 1 });
    ev = dst.drainEvents();
    t.equal(ev.filter((e) => e.type === "out-of-order").length, 1, "the late frame is reported out of order");
    for (const s of [65534, 65535, 0, 1]) dst.receive(encodeFrame({ type: FrameType.DATA, tx: 1, next: 2, ttl: 8, hops: 0, priority: 3, wantAck: false, bounced: false, attempt: 0, src: 7, dst: 2, seq: s, dstCluster: 0, payload: new Uint8Array(0) }), { rssi: -80, snr: 5, at: 2 });
    ev = dst.drainEvents();
    t.equal(ev.filter((e) => e.type === "gap").length, 0, "wrap-around");
    t.equal(ev.filter((e) => e.type === "delivered").length, 4);
  },

  "lookupsRun (security rule lookupCarriesKey): true only while the node knows a cluster beyond the widest ring a lookup asks"(t) {
    const wide = clusterRowMesh(4);
    settle(t, wide, 10 * MINUTE, "clusters");
    const narrow = clusterRowMesh(4, { locateMaxScope: 1 });
    settle(t, narrow, 10 * MINUTE, "clusters");
    // The four clusters lie within the default widest ring (4): no lookup would run. With the
    // widest ring at 1, W's node 1 knows E and N beyond it: its lookups run.
    t.equal(wide.node(1).lookupsRun(), false);
    t.equal(narrow.node(1).lookupsRun(), true);
  },

  // ---- Corridor flood ----------------------------------------------------------------------
  "corridor flood: when every route fails, one scoped flood goes out, only corridor nodes relay, and it arrives"(t) {
    // Lookups on (§16 `coveredLookupSkipped` off): the four clusters lie within the widest ring.
    const h = clusterRowMesh(4, { coveredLookupSkipped: false });
    settle(t, h, 10 * MINUTE, "clusters");
    h.run(h.now + 2 * MINUTE);
    t.equal(h.node(1).cluster, clusterFromGeohash(CELLS.W));
    t.equal(h.node(12).cluster, clusterFromGeohash(CELLS.E));
    // 12 moves within E: its link to 11 is gone, it now hears 10, at the edge of reach (1.5 dB over
    // SF7's limit, under own reach's 3 dB margin: 10 takes no heardShortcut, §6.1). Routes still point at 11.
    h.unlink(11, 12);
    h.link(10, 12, { snr: -6 });
    const from = h.txLog.length;
    const r = h.node(1).send(h.now, 12, new Uint8Array([0xc0]), { priority: 3 });
    t.ok(r.ok);
    h.run(h.now + 30_000);
    const floods = h.txLog.slice(from).filter((x) => x.type === FrameType.FLOOD);
    const originated = floods.filter((x) => x.tx === 1);
    t.equal(originated.length, 1, "exactly one flood from the originator");
    t.equal(h.eventsOf(1, "fallback-flood").length, 1);
    const relays = new Set(floods.filter((x) => x.tx !== 1).map((x) => x.tx));
    for (const x of relays) t.ok(x <= 12, `relay ${x} is in W, M or E`);
    for (const x of [13, 14, 15, 16]) t.ok(!relays.has(x), `node ${x} in N (outside the corridor) did not relay`);
    t.ok(relays.size < 15, `${relays.size} of 15 other nodes relayed`);
    const got = h.eventsOf(12, "delivered").filter((e) => e.payload[0] === 0xc0);
    t.equal(got.length, 1, "delivered once");
  },

  // ---- Broadcast ---------------------------------------------------------------------------
  "broadcast: in a 3-cluster mesh it reaches every node in scope, nobody relays twice, fewer relays than naive flooding"(t) {
    const h = threeClusterMesh(6);
    settle(t, h, 10 * MINUTE, "3 clusters");
    h.run(h.now + 3 * MINUTE);
    const all = [...h.nodes.keys()];
    const check = (scope: number, marker: number): { reached: number; inScope: number; relays: number } => {
      const from = h.txLog.length;
      t.ok(h.node(2).send(h.now, BROADCAST, new Uint8Array([marker]), { priority: 4, scope }).ok);
      h.run(h.now + 30_000);
      const inScope = all.filter((x) => x === 2 || (scope === 0 ? h.node(x).cluster === h.node(2).cluster : scope === 1 ? h.node(x).cluster !== clusterFromGeohash(CELLS.E) : true));
      const reached = all.filter((x) => x === 2 || h.eventsOf(x, "delivered").some((e) => e.dst === BROADCAST && e.payload[0] === marker));
      for (const x of inScope) t.ok(reached.includes(x), `scope ${scope}: node ${x} reached`);
      for (const x of reached) t.ok(inScope.includes(x), `scope ${scope}: node ${x} outside the scope did not deliver`);
      const relays = broadcastRelays(h, from);
      for (const [x, n] of relays) t.equal(n, 1, `scope ${scope}: node ${x} transmitted once`);
      return { reached: reached.length, inScope: inScope.length, relays: relays.size };
    };
    const wide = check(7, 0xb7);
    t.equal(wide.reached, 36);
    t.ok(wide.relays < 36 * 0.7, `network-wide: ${wide.relays} transmissions against 36 for naive flooding`);
    const one = check(1, 0xb1);
    t.equal(one.inScope, 24, "scope 1 from W: W and M");
    const own = check(0, 0xb0);
    t.equal(own.inScope, 12, "scope 0: own cluster");
  },

  // ---- Location service --------------------------------------------------------------------
  "location: a destination never heard of in another cluster is found without a network-wide flood; the answer is cached and expires"(t) {
    // Lookups on (§16 `coveredLookupSkipped` off): the four clusters lie within the widest ring.
    const h = clusterRowMesh(8, { coveredLookupSkipped: false });
    settle(t, h, 10 * MINUTE, "clusters");
    h.run(h.now + 2 * MINUTE);
    const src = h.node(2); // inside W, not a border node
    t.equal(src.locationOf(12, h.now), undefined, "node 2 has never heard of node 12");
    const from = h.txLog.length;
    const r = src.send(h.now, 12, new Uint8Array([0x1c]));
    t.ok(r.ok, "accepted while locating");
    h.run(h.now + 60_000);
    t.ok(h.eventsOf(12, "delivered").some((e) => e.payload[0] === 0x1c), "delivered");
    const after = h.txLog.slice(from);
    t.equal(after.filter((x) => x.type === FrameType.FLOOD).length, 0, "no flood of any kind");
    t.atLeast(after.filter((x) => x.type === FrameType.LOCATE_Q && x.tx === 2).length, 2, "asked widening scopes");
    t.atLeast(after.filter((x) => x.type === FrameType.LOCATE_A).length, 1, "an answer came back");
    // Location traffic is control for accounting (docs/simulator.md), relayed queries included.
    t.atLeast(after.filter((x) => x.type === FrameType.LOCATE_Q && x.tx !== 2).length, 1, "a relay carried a query");
    t.equal(after.filter((x) => (x.type === FrameType.LOCATE_Q || x.type === FrameType.LOCATE_A) && x.kind !== "control").length, 0, "every location frame counted as control");
    // One answer per query (§16): a single answerer for each query id, whatever relays carry it.
    const answers = after.flatMap((x) => {
      const d = x.type === FrameType.LOCATE_A ? decodeFrame(x.bytes) : undefined;
      return d !== undefined && d.ok && d.frame.type === FrameType.LOCATE_A ? [`${d.frame.seq}:${d.frame.src}`] : [];
    });
    t.equal(new Set(answers).size, new Set(answers.map((a) => a.split(":")[0])).size, `one answerer per query: ${[...new Set(answers)]}`);
    t.equal(src.locationOf(12, h.now), clusterFromGeohash(CELLS.E), "answer cached");
    // A second message needs no lookup.
    const q0 = h.txLog.filter((x) => x.type === FrameType.LOCATE_Q && x.tx === 2).length;
    t.ok(src.send(h.now, 12, new Uint8Array([0x1d])).ok);
    h.run(h.now + 30_000);
    t.equal(h.txLog.filter((x) => x.type === FrameType.LOCATE_Q && x.tx === 2).length, q0, "cache hit");
    h.run(h.now + 31 * MINUTE);
    t.equal(src.locationOf(12, h.now), undefined, "the entry expired after 30 minutes");
  },
  "location: an unknown destination nobody can place ends in one network-wide flood (last resort)"(t) {
    const h = clusterRowMesh(9, { locateMaxScope: 2 });
    settle(t, h, 10 * MINUTE, "clusters");
    const from = h.txLog.length;
    t.ok(h.node(2).send(h.now, 0x7777, new Uint8Array([1])).ok);
    h.run(h.now + 2 * MINUTE);
    const floods = h.txLog.slice(from).filter((x) => x.type === FrameType.FLOOD && x.tx === 2);
    t.equal(floods.length, 1);
    t.equal((floods[0].bytes[7] >> 4) & 3, 2, "scope kind: network");
  },

  // ---- Hierarchical aggregation ------------------------------------------------------------
  "aggregation: far clusters are known by their parent prefix only, and still reached"(t) {
    // 12 precision-6 clusters in a row (2×2 nodes each) span several precision-5 parents.
    const h = clusterGridMesh(12, 1, 2, 5, { clusterDetailRings: 1 });
    settle(t, h, 20 * MINUTE, "row of 12 clusters");
    h.run(h.now + 5 * MINUTE);
    const west = h.node(1);
    const eastId = 24; // top-right node of the east-most cluster
    const east = h.node(eastId);
    const eastCluster = east.cluster;
    const table = west.routeTable(h.now).filter((r) => r.kind === "cluster");
    const keys = new Set(table.map((r) => r.destination));
    t.ok(!keys.has(eastCluster), "no exact route to the far east cluster");
    t.ok(keys.has(clusterParent(eastCluster)), "a route to its parent prefix");
    const distinct = new Set([...h.nodes.values()].map((n) => n.cluster)).size;
    t.ok(table.length < distinct - 1, `${table.length} cluster routes for ${distinct - 1} other clusters`);
    t.ok(west.canReach(eastId, eastCluster, h.now), "the aggregate leads toward it");
    // A message from the east tells node 1 where node 24 is; then node 1 sends by route alone.
    t.ok(east.send(h.now, 1, new Uint8Array([0xa5])).ok);
    h.run(h.now + 2 * MINUTE);
    t.equal(west.locationOf(eastId, h.now), eastCluster, "node 1 learnt the east cluster");
    const start = h.now;
    t.ok(west.send(h.now, eastId, new Uint8Array([0xa6])).ok);
    h.run(h.now + 2 * MINUTE);
    t.ok(h.eventsOf(eastId, "delivered").some((e) => e.payload[0] === 0xa6), "delivered across the aggregated region");
    t.equal(h.countTx(FrameType.FLOOD, start) + h.countTx(FrameType.LOCATE_Q, start), 0, "by routes: no flood, no lookup");
    // No loop: no node passes it on twice (retransmissions of one hop carry the same hop count).
    const forwards = new Map<NodeId, Set<number>>();
    for (const rec of h.txLog) {
      if (rec.at < start || rec.type !== FrameType.DATA) continue;
      const d = decodeFrame(rec.bytes);
      if (!d.ok || d.frame.type !== FrameType.DATA || d.frame.dst !== eastId) continue;
      const seen = forwards.get(d.frame.tx) ?? new Set<number>();
      seen.add(d.frame.hops);
      forwards.set(d.frame.tx, seen);
    }
    t.ok(forwards.size >= 23, `${forwards.size} nodes carried it`);
    t.ok([...forwards.values()].every((s) => s.size === 1), "each carried it once");
  },

  "aggregation: cut off behind an aggregate, a frame backtracks instead of circling"(t) {
    // Same row; then the far east cluster is cut off. Relays next to the cut hold exact routes
    // (dead now) and aggregates from their western neighbours that point back west: the frame
    // must come back as bounces, not go round between the levels.
    const h = clusterGridMesh(12, 1, 2, 5, { clusterDetailRings: 1 });
    settle(t, h, 20 * MINUTE, "row of 12 clusters");
    h.run(h.now + 5 * MINUTE);
    const eastId = 24;
    const column = (id: NodeId): number => (id - 1) % 24;
    // A message from the east tells node 1 where node 24 is.
    t.ok(h.node(eastId).send(h.now, 1, new Uint8Array([0xa6])).ok);
    h.run(h.now + 2 * MINUTE);
    t.ok(h.eventsOf(1, "delivered").some((e) => e.payload[0] === 0xa6), "delivered before the cut");
    t.equal(h.node(1).locationOf(eastId, h.now), h.node(eastId).cluster, "node 1 knows the east cluster");
    // Columns 22–23 (the east cluster) lose their only links west.
    h.unlink(22, 23);
    h.unlink(46, 47);
    const start = h.now;
    t.ok(h.node(1).send(h.now, eastId, new Uint8Array([0xa7])).ok);
    h.run(h.now + 5 * MINUTE);
    // It reaches the cut, comes back as bounces, and no link carries it twice the same way.
    const crossings = new Map<string, Set<number>>();
    let bounces = 0;
    let reachedCut = false;
    for (const r of h.txLog) {
      if (r.at < start || r.type !== FrameType.DATA) continue;
      const d = decodeFrame(r.bytes);
      if (!d.ok || d.frame.type !== FrameType.DATA || d.frame.dst !== eastId) continue;
      if (d.frame.bounced) bounces++;
      if (column(d.frame.tx) === 21) reachedCut = true;
      const k = `${d.frame.tx}>${d.frame.next}`;
      const seen = crossings.get(k) ?? new Set<number>();
      seen.add(d.frame.hops);
      crossings.set(k, seen);
    }
    t.ok(reachedCut, "the frame reached the cut");
    t.ok(bounces > 0, `the frame came back as a bounce (${bounces} bounced transmissions)`);
    t.ok([...crossings.values()].every((s) => s.size === 1), "no link carried it twice the same way");
    t.ok(!h.eventsOf(eastId, "delivered").some((e) => e.payload[0] === 0xa7), "nothing arrives across the cut");
  },

  // ---- Without GPS -------------------------------------------------------------------------
  "no GPS: surrounded by one cluster it adopts it; split neighbours leave it homeless and still reachable"(t) {
    const h = new IdealMesh({ seed: 10, config: { geohashPrecision: 6 } });
    // Node 1 has no fix. 2..6 are in W, 7..9 in M.
    h.addNode(1, undefined);
    for (let i = 2; i <= 6; i++) h.addNode(i, inCell(CELLS.W, 0.1 * i, 0.3));
    for (let i = 7; i <= 9; i++) h.addNode(i, inCell(CELLS.M, 0.1 * (i - 5), 0.3));
    for (let i = 2; i <= 6; i++) h.link(1, i);
    for (let i = 2; i < 6; i++) h.link(i, i + 1);
    for (let i = 7; i < 9; i++) h.link(i, i + 1);
    h.link(6, 7);
    settle(t, h, 10 * MINUTE, "adopt");
    t.equal(h.node(1).cluster, clusterFromGeohash(CELLS.W), "adopted W: 5 of 5 neighbours agree");
    t.ok(!h.node(1).homeless);
    // Now it hears three W nodes and three M nodes instead: no 80 % majority.
    h.unlink(1, 5);
    h.unlink(1, 6);
    h.link(1, 7);
    h.link(1, 8);
    h.link(1, 9);
    h.run(h.now + 6 * MINUTE);
    t.ok(h.node(1).homeless, "3 W against 3 M: homeless");
    t.equal(h.node(1).cluster, NO_CLUSTER);
    // Others still reach it.
    t.ok(h.node(4).send(h.now, 1, new Uint8Array([0x41])).ok);
    h.run(h.now + 30_000);
    t.ok(h.eventsOf(1, "delivered").some((e) => e.payload[0] === 0x41), "a homeless node is still reachable");
    // It reaches others over the routes its neighbours advertise (rule `homelessRoutes`): 6 is
    // two hops away now, and the message goes as DATA, not as a flood.
    let from = h.txLog.length;
    t.ok(h.node(1).hasRouteTo(6, h.now), "a homeless node holds routes");
    t.ok(h.node(1).send(h.now, 6, new Uint8Array([0x42])).ok);
    h.run(h.now + 30_000);
    t.ok(h.eventsOf(6, "delivered").some((e) => e.payload[0] === 0x42), "its own message arrives");
    t.equal(h.txLog.slice(from).filter((x) => x.type === FrameType.FLOOD && x.tx === 1).length, 0, "not flooded");
    t.ok(h.txLog.slice(from).some((x) => x.type === FrameType.DATA && x.tx === 1), "sent as DATA");
    // A destination it has no route to: a local flood that a routing node would take over (§17).
    from = h.txLog.length;
    t.ok(h.node(1).send(h.now, 0x0777_0777, new Uint8Array([0x43])).ok);
    h.run(h.now + 30_000);
    const local = h.txLog.slice(from).filter((x) => x.type === FrameType.FLOOD && x.tx === 1);
    t.equal(local.length, 1, "sent as one local flood");
    t.equal((local[0].bytes[7] >> 4) & 3, 1, "scope kind: local");
  },
  "homelessRoutes: five boards without GPS in a line route end to end; a node with a cluster keeps a homeless neighbour's routes to itself"(t) {
    // Before the rule a homeless node advertised no routes: 1 never learnt 5, and its messages
    // went as local floods of two hops, so none of them arrived.
    const h = new IdealMesh({ seed: 31 });
    for (let i = 1; i <= 5; i++) h.addNode(i, undefined);
    for (let i = 1; i < 5; i++) h.link(i, i + 1);
    const routed = h.runUntil(() => h.node(1).hasRouteTo(5, h.now) && h.node(5).hasRouteTo(1, h.now), 10 * MINUTE, 1_000);
    t.ok(routed > 0, "1 and 5 route to each other, four hops apart");
    t.ok(h.node(1).homeless && h.node(5).homeless, "no node has a cluster");
    const from = h.txLog.length;
    for (let k = 0; k < 4; k++) {
      t.ok(h.node(1).send(h.now, 5, new Uint8Array([0x50, k]), { wantAck: true }).ok);
      h.run(h.now + 20_000);
    }
    t.equal(h.eventsOf(5, "delivered").filter((e) => e.payload[0] === 0x50).length, 4, "every message arrives");
    t.equal(h.eventsOf(1, "acked").length, 4, "and is acknowledged");
    t.equal(h.txLog.slice(from).filter((x) => x.type === FrameType.FLOOD).length, 0, "routed, never flooded");
    // The line breaks: once its routes fail, 1 falls back to its local flood, as before the rule.
    h.unlink(3, 4);
    const broken = h.txLog.length;
    t.ok(h.node(1).send(h.now, 5, new Uint8Array([0x51]), { wantAck: true }).ok);
    h.run(h.now + 60_000);
    const local = h.txLog.slice(broken).filter((x) => x.type === FrameType.FLOOD && x.tx === 1);
    t.equal(local.length, 1, "one local flood once the routes failed");
    t.equal((local[0]?.bytes[7] >> 4) & 3, 1, "scope kind: local");
    h.link(3, 4);
    // Next to a cluster: 7 and 8 have fixes in W; 6 hears only 7 of them (one is not a consensus)
    // and 5, so it stays homeless. 7 uses the routes 6 advertises but keeps them foreign: 8, one
    // hop into W, learns 6 (a neighbour of a W member) but not the homeless line behind it.
    h.addNode(6, undefined);
    h.addNode(7, inCell(CELLS.W, 0.3, 0.3));
    h.addNode(8, inCell(CELLS.W, 0.4, 0.3));
    h.link(5, 6);
    h.link(6, 7);
    h.link(7, 8);
    h.run(h.now + 10 * MINUTE);
    t.ok(h.node(6).homeless, "6 stays homeless");
    t.ok(h.node(7).hasRouteTo(3, h.now), "7 routes into the homeless line");
    t.ok(h.node(8).hasRouteTo(6, h.now), "8 routes to 7's homeless neighbour");
    t.ok(!h.node(8).hasRouteTo(3, h.now), "but 7 does not pass the line's routes on as members of W");
  },
  // ---- insiders (§7.5) -----------------------------------------------------------------------
  "a black hole with an alternative path loses its traffic across destinations; every message arrives"(t) {
    const on = blackholeRun({});
    const off = blackholeRun({ trustPenalty: 1 }); // next-hop trust off: per-route health only
    t.equal(on.delivered, 24, "every message arrives (failover to 3 → 4)");
    t.atLeast(on.first.size, 1, "the black hole attracted traffic at first");
    t.atMost(on.second.size, 1, `second half: ${[...on.second]} still handed to the black hole`);
    t.ok(on.first.size + on.second.size < off.first.size + off.second.size, `with trust ${on.first.size + on.second.size} messages tried it, without ${off.first.size + off.second.size}`);
    t.atLeast(off.second.size, 2, "without next-hop trust each destination finds out on its own, again and again");
    t.atMost(on.h.node(1).trustOf(2, on.h.now).trust, 0.5);
    t.equal(on.h.node(1).trustOf(3, on.h.now).trust, 1, "the honest relay keeps full trust");
    t.equal(on.h.node(1).nextHopsTo(6, on.h.now)[0], 3, "the honest path is now the best one");
  },
  "an honest relay that only had a bad spell gets its traffic back: trust recovers"(t) {
    const { h } = blackholeRun({});
    const low = h.node(1).trustOf(2, h.now).trust;
    t.atMost(low, 0.5, "the bad spell cost it trust");
    h.rewrite = undefined; // node 2 relays again
    h.run(h.now + 60 * MINUTE);
    t.atLeast(h.node(1).trustOf(2, h.now).trust, 0.85, "an hour later it is nearly forgiven");
    const mark = h.txLog.length;
    for (let k = 100; k < 112; k++) {
      h.node(1).send(h.now, 5 + (k % 4), new Uint8Array([k]), { wantAck: true });
      h.run(h.now + 20_000);
    }
    h.run(h.now + MINUTE);
    t.atLeast(handedTo(h, 1, 2, mark).size, 4, "the shorter path carries traffic again");
    t.atLeast(h.node(1).trustOf(2, h.now).trust, 0.99, "confirmations restore it");
  },
  "a liar's impossible metrics are rejected, it is distrusted, and traffic takes the honest path"(t) {
    const run = (config: Partial<MeshConfig>, lie: number) => {
      const h = new IdealMesh({ seed: 12, config: { ...FIXED_OGMS, ...config } });
      for (const i of [1, 2, 3, 4, 9]) h.addNode(i, gridPosition(i % 5, 0));
      for (const [a, b] of [[1, 2], [2, 3], [3, 4], [1, 9]]) h.link(a, b);
      insider(h, 9, lie);
      h.runUntil(() => h.fullyRouted(), 10 * MINUTE, 1_000);
      h.run(h.now + 3 * MINUTE);
      const before = h.node(1).nextHopsTo(4, h.now);
      const mark = h.txLog.length;
      for (let k = 0; k < 10; k++) {
        h.node(1).send(h.now, 4, new Uint8Array([k]), { wantAck: true });
        h.run(h.now + 20_000);
      }
      h.run(h.now + MINUTE);
      return { h, before, viaLiar: handedTo(h, 1, 9, mark), delivered: h.eventsOf(4, "delivered").length };
    };
    const on = run({}, LIE_METRIC);
    const off = run({ metricFloor: 0, trustPenalty: 1 }, LIE_METRIC); // both rules off
    t.equal(off.before[0], 9, "without the rules the lie attracts the route to 4");
    t.atLeast(off.viaLiar.size, 1);
    const n1 = on.h.node(1);
    t.atLeast(n1.stats.implausibleEntries, 1, "impossible entries counted");
    t.equal(n1.stats.liarsDistrusted, 1);
    t.ok(n1.trustOf(9, on.h.now).distrusted, "its adverts are ignored for the hold time");
    t.deepEqual(on.before, [2], "only the honest route to 4 is known");
    t.equal(on.viaLiar.size, 0, "nothing was handed to the liar");
    t.equal(on.delivered, 10);
    t.ok(n1.hasRouteTo(9, on.h.now), "the liar itself stays reachable as a neighbour");
    // A liar within the floor passes the metric rule; next-hop trust finds it out by what it swallows.
    const plausible = run({}, PLAUSIBLE_LIE_METRIC);
    t.equal(plausible.h.node(1).stats.implausibleEntries, 0, "a plausible lie cannot be told from the truth");
    t.equal(plausible.before[0], 9);
    t.equal(plausible.delivered, 10, "failover still delivers every message");
    t.atMost(plausible.h.node(1).trustOf(9, plausible.h.now).trust, 0.5, "what it swallowed cost it its trust");
  },
});
