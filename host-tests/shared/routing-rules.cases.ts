import { DEFAULT_CONFIG, resolveConfig } from "../../src/core/config";
import { backpressure, chooseRoute, ROUTE_STRETCH_MAX, routeWeight, withinStretch } from "../../src/core/route-choice";
import { RouteHealth } from "../../src/core/route-health";
import { dutyFloorInterval, KnownIds, trickleMinInterval, TrickleTimer } from "../../src/core/ogm-schedule";
import { quietOgmBudget, selectOgmItems, type OgmItem } from "../../src/core/ogm-builder";
import { fallsRide, improvementOnly } from "../../src/core/ogm-plane";
import { LocationCache } from "../../src/core/location-cache";
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { forgedOgm } from "./forged-ogm";
import { FrameType, OGM_INTERVAL_UNIT_MS, shortId } from "../../src/core/frames";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { clusterRowMesh } from "../../src/demo/topologies";
import { clusterFromGeohash } from "../../src/core/cluster";
import { SeqReceiver, SeqSender } from "../../src/core/seq-tracker";
import { SeededRng } from "../../src/core/rng";
import { airtimeMs } from "../../src/core/airtime";
import { PRESETS } from "../../src/core/presets";
import { ogmBytes } from "../../src/core/frames";
import { METRIC_INFINITY } from "../../src/core/frames";
import { METRIC_MAX } from "../../src/core/metric";
import { holdCapMs } from "../../src/core/neighbour-table";
import { NeighbourTrust, plausibleMetric, trustScaledMetric } from "../../src/core/trust";
import { dataSent } from "./tx-log";
import { suite, type Assert } from "./harness";

const cfg = resolveConfig();

/** The diamond of the route-stretch test (and a leaf 5 on node 1): messages of ten from 1 to 4 that went through 2 or 3, with tables of `maxNeighbours`. */
function diamondDetours(t: Assert, maxNeighbours: number): number {
  const h = new IdealMesh({ seed: 5, config: { maxNeighbours } });
  h.addNode(1, gridPosition(0, 0));
  h.addNode(2, gridPosition(1, 1));
  h.addNode(3, gridPosition(1, -1));
  h.addNode(4, gridPosition(2, 0));
  h.addNode(5, gridPosition(-1, 0));
  for (const [a, b] of [[1, 2], [1, 3], [1, 4], [2, 4], [3, 4], [1, 5]]) h.link(a, b);
  let ogms = 0;
  h.dropIf = (bytes, from) => from === 1 && (bytes[0] & 0x0f) === FrameType.OGM && ogms++ % 3 === 0;
  t.ok(h.runUntil(() => h.fullyRouted(), 10 * 60_000, 1_000) > 0, "the diamond converges");
  const to4 = h.node(1).routeTable(h.now).find((r) => r.kind === "node" && r.destination === 4);
  t.ok(to4 !== undefined && to4.routes.length === 3 && to4.routes[1].metric >= 2 * to4.routes[0].metric, "1 holds both detours, each twice the direct route");
  const mark = h.txLog.length;
  for (let i = 0; i < 10; i++) {
    t.ok(h.node(1).send(h.now, 4, new Uint8Array([i]), { wantAck: false }).ok);
    h.run(h.now + 20_000);
  }
  t.equal(h.eventsOf(4, "delivered").length, 10, "all ten arrive");
  t.equal(dataSent(h, 1, mark).length, 10, "each sent once");
  return dataSent(h, 2, mark).length + dataSent(h, 3, mark).length;
}

export default suite("routing rules", {
  "W(r) = 0.4·Q + 0.35·(1 − load) + 0.25·battery"(t) {
    const w = routeWeight({ route: 0, metric: 300, health: 1, load: 0.2, battery: 0.6 }, 300, cfg);
    t.near(w, 0.4 * 1 + 0.35 * 0.8 + 0.25 * 0.6, 1e-12);
    const half = routeWeight({ route: 0, metric: 600, health: 1, load: 0, battery: 1 }, 300, cfg);
    t.near(half, 0.4 * 0.5 + 0.35 + 0.25, 1e-12, "a route twice as costly has Q = 0.5");
  },
  "backpressure: none to 0.8, linear to 0.95, avoided above"(t) {
    t.equal(backpressure(0.8, cfg), 1);
    t.near(backpressure(0.875, cfg), 0.5, 1e-12);
    t.equal(backpressure(0.96, cfg), 0);
  },
  "Share(r): traffic splits in proportion to W"(t) {
    const rng = new SeededRng(42);
    const a = { route: "a", metric: 300, health: 1, load: 0, battery: 1 };
    const b = { route: "b", metric: 600, health: 1, load: 0, battery: 1 };
    let na = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) if (chooseRoute([a, b], rng, cfg)?.route === "a") na++;
    const wa = routeWeight(a, 300, cfg);
    const wb = routeWeight(b, 300, cfg);
    t.near(na / n, wa / (wa + wb), 0.01);
  },
  "route stretch: with a full table, a route costing more than ROUTE_STRETCH_MAX × the best is drawn only when nothing within it can be"(t) {
    t.ok(withinStretch(300 * ROUTE_STRETCH_MAX, 300) && !withinStretch(300 * ROUTE_STRETCH_MAX + 1, 300));
    const rng = new SeededRng(42);
    const a = { route: "a", metric: 300, health: 1, load: 0, battery: 1 };
    const b = { route: "b", metric: 600, health: 1, load: 0, battery: 1 };
    const near = { route: "near", metric: 300 * ROUTE_STRETCH_MAX, health: 1, load: 0, battery: 1 };
    let nb = 0;
    let nNear = 0;
    for (let i = 0; i < 1_000; i++) {
      t.notEqual(chooseRoute([a, b], rng, cfg, true)?.route, "b", "one more hop is not drawn");
      if (chooseRoute([a, near], rng, cfg, true)?.route === "near") nNear++;
      if (chooseRoute([a, b], rng, cfg, false)?.route === "b") nb++;
    }
    t.atLeast(nNear, 300, "a route within the stretch keeps its share");
    t.atLeast(nb, 300, "with room in the table the longer route keeps its share");
    const busy = { ...a, load: 0.99 };
    t.equal(chooseRoute([busy, b], rng, cfg, true)?.route, "b", "the best route avoided for its load: the longer one carries");
  },
  "route stretch on a diamond: with a full table a neighbour destination gets every message directly, none through the two-hop detours"(t) {
    // 1 hears 4 directly and through 2 and through 3 (each link alike), and a leaf 5; a third of
    // 1's OGMs are lost, which keeps the detours feasible: right after convergence 1 holds them
    // (576, twice the direct 288) as routes to 4. Without the
    // stretch rule the load and battery terms gave each detour four fifths of the direct
    // route's weight: with the full table 5 of these 10 messages went round (measured with
    // withinStretch always true); with room in 1's table 3 of 10 still do, rule or not (the
    // rule is for crowded nodes only).
    t.atLeast(diamondDetours(t, 8), 1, "room in the table: the detours carry some (3 of 10)");
    t.equal(diamondDetours(t, 4), 0, "a full table (four neighbours of four): no detour relayed any");
  },
  "an overloaded route is avoided; if all are, the least loaded is used"(t) {
    const rng = new SeededRng(1);
    const a = { route: "a", metric: 300, health: 1, load: 0.99, battery: 1 };
    const b = { route: "b", metric: 900, health: 0.2, load: 0.1, battery: 0 };
    for (let i = 0; i < 100; i++) t.equal(chooseRoute([a, b], rng, cfg)?.route, "b");
    const c = { route: "c", metric: 300, health: 1, load: 0.97, battery: 1 };
    t.equal(chooseRoute([a, c], rng, cfg)?.route, "c");
  },
  "route health: ×1.05 cap 1, ×0.5 per timeout, dead after 3, fades ×0.95 per 30 s"(t) {
    const h = new RouteHealth(0);
    h.failure(0, cfg);
    t.equal(h.value(0, cfg), 0.5);
    h.success(0, cfg);
    t.near(h.value(0, cfg), 0.525, 1e-12);
    t.equal(h.failures, 0);
    t.ok(!h.failure(0, cfg) && !h.failure(0, cfg));
    t.ok(h.failure(0, cfg), "third straight failure kills");
    t.ok(h.dead);
    const f = new RouteHealth(0);
    t.near(f.value(60_000, cfg), 0.95 ** 2, 1e-12);
    t.equal(f.value(3_600_000, cfg), cfg.healthFloor, "fading stops at the floor");
    for (let i = 0; i < 5; i++) f.success(0, cfg);
    t.equal(f.value(0, cfg), 1);
  },
  "OGM interval floor: the seed's 30 s, stretched by the duty cap and by the measured OGM share of the channel"(t) {
    const air = airtimeMs(PRESETS.LONG_FAST, 255); // 2156.5 ms
    t.near(dutyFloorInterval(air, 0.01, cfg), air / 0.0025, 1e-6, "1 % band, 25 % share");
    t.equal(dutyFloorInterval(air, 1, cfg), 0, "no duty cap in US915");
    const small = airtimeMs(PRESETS.SHORT_FAST, 60);
    t.equal(trickleMinInterval(small, 1, 0, cfg), 30_000, "a quiet, fast mesh keeps the seed's 30 s");
    t.near(trickleMinInterval(air, 0.1, 0, cfg), air / 0.025, 1e-6, "10 % band: the duty floor rules (86 s)");
    t.equal(trickleMinInterval(small, 1, 0.1, cfg), 30_000, "OGMs at their 10 % share: no stretch");
    t.near(trickleMinInterval(small, 1, 0.3, cfg), 90_000, 1e-6, "OGMs at 30 % of the channel: three times longer");
    t.equal(trickleMinInterval(air, 0.001, 1, cfg), cfg.ogmSettledMs, "never beyond the settled interval (16 min), below the 32-min ceiling: a cold SF12 node at 1 % starts at 16 min, not 32");
  },
  "Trickle: the interval doubles up to 32 min; an early OGM keeps the schedule; a restart returns to the minimum"(t) {
    const tr = new TrickleTimer(30_000);
    const max = cfg.ogmTrickleMaxMs;
    t.equal(max, 32 * 60_000);
    const seen = Array.from({ length: 7 }, () => tr.sent(30_000, max));
    t.deepEqual(seen, [60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 1_920_000]);
    t.equal(tr.next(30_000, max), 1_920_000, "next: what the next OGM would announce, unchanged by asking");
    t.ok(tr.reset(false), "news: the next OGM may come early");
    t.ok(!tr.reset(false), "at most one early OGM between two regular ones");
    t.equal(tr.sent(30_000, max), 1_920_000, "the early OGM keeps the schedule");
    t.equal(tr.sent(30_000, max), 1_920_000, "the next regular one too");
    tr.cap(960_000);
    t.equal(tr.next(30_000, max), 1_920_000, "capped at 16 min (a newcomer), the next OGM doubles back to the ceiling");
    t.ok(tr.reset(true), "a new cluster of our own: restart");
    t.equal(tr.sent(30_000, max), 30_000, "back to the minimum");
    t.equal(tr.sent(30_000, max), 60_000, "and doubling again");
  },
  "Trickle: only ids never seen reset it, within a bounded memory"(t) {
    const k = new KnownIds(3);
    t.ok(k.learn("node", 7));
    t.ok(!k.learn("node", 7), "the same destination again is not news");
    t.ok(k.learn("cluster", 7), "kinds are apart");
    k.learn("node", 8);
    k.learn("node", 9); // evicts the least recently seen: node 7 (cluster 7 and node 8 follow it)
    t.ok(k.learn("node", 7), "forgotten beyond the bound");
  },
  "OGM filling: everything when it fits, changes first and rotation when not"(t) {
    const routes = (n: number, changed: (i: number) => boolean): OgmItem[] =>
      Array.from({ length: n }, (_, i) => ({ section: "node" as const, entry: { dst: i + 1, seqno: 0, metric: 300 }, changed: changed(i) }));
    const budget = { maxBytes: 255, maxNeighbours: 16, routeBytes: 128 };
    const small = selectOgmItems(routes(10, () => false), budget, { nbr: 0, route: 0 });
    t.equal(small.nodeRoutes.length, 10);
    t.equal(small.cycle, 1);
    t.equal(ogmBytes(0, 10, 0), 101);
    const first = selectOgmItems(routes(50, (i) => i === 49), budget, { nbr: 0, route: 0 });
    t.equal(first.cycle, Math.ceil((50 * 8) / 128));
    t.ok(first.nodeRoutes.some((e) => e.dst === 50), "the changed entry goes first");
    t.ok(ogmBytes(0, first.nodeRoutes.length, 0) <= 21 + 128 + 8, "unchanged entries within the route budget");
    const burst = selectOgmItems(routes(50, () => true), budget, { nbr: 0, route: 0 });
    t.equal(burst.nodeRoutes.length, Math.floor((255 - 21) / 8), "changes may fill the whole frame");
    const seen = new Set<number>();
    let cursors = { nbr: 0, route: 0 };
    for (let k = 0; k < 4; k++) {
      const s = selectOgmItems(routes(50, () => false), budget, cursors);
      cursors = s.cursors;
      for (const e of s.nodeRoutes) seen.add(e.dst);
    }
    t.equal(seen.size, 50, "rotation covers every entry within a cycle");
    const nbrs: OgmItem[] = Array.from({ length: 40 }, (_, i) => ({ section: "nbr" as const, entry: { short: i, rq: 255 }, changed: false }));
    const n1 = selectOgmItems(nbrs, budget, { nbr: 0, route: 0 });
    t.equal(n1.neighbours.length, 16, "at most 16 neighbour entries per OGM");
    t.equal(n1.cycle, 3);
  },
  "ownClusterRoute: the builder picks entries as before (12 bytes each) and the codec writes the sender's own in 6; a border node's OGM carries it so"(t) {
    // Known answer: four cluster routes of sender 7 at its routeSeq 3, then two from origin 9, 24 bytes of rotation.
    const clusterItem = (c: number, origin: number, seqno: number): OgmItem => ({ section: "cluster", entry: { cluster: clusterFromGeohash(c.toString(32).padStart(4, "b")), origin, seqno, metric: 600 }, changed: false });
    const items = [clusterItem(1, 7, 3), clusterItem(2, 7, 3), clusterItem(3, 7, 3), clusterItem(4, 7, 3), clusterItem(5, 9, 3), clusterItem(6, 9, 3)];
    const sel = selectOgmItems(items, { maxBytes: 255, maxNeighbours: 10, routeBytes: 24 }, { nbr: 0, route: 0 });
    t.equal(sel.clusterRoutes.length, 2, "the rotation counts 12 bytes per cluster route: two in 24 bytes");
    t.equal(sel.cycle, 3, "a pass of 3, as before the compact layout");
    const ogm = (routeSeq: number) => ({ type: FrameType.OGM, tx: 7, ogmSeq: 1, hasFix: true, border: true, relayActive: true, homeless: false, cluster: clusterFromGeohash("u281"), battery: 0, load: 0, intervalUnits: 8, relayPrio: 0, routeSeq, cycle: sel.cycle, neighbours: [], nodeRoutes: [], clusterRoutes: sel.clusterRoutes }) as const;
    t.equal(encodeFrame(ogm(3)).length, 21 + 2 * 6, "on the air the two own routes take 6 bytes each");
    t.equal(encodeFrame(ogm(4)).length, 21 + 2 * 12, "at another routeSeq they are full entries");
    // A border node in a row of clusters: node 4 (W) hears 5 (M) and originates W's route to M.
    const h = clusterRowMesh(4);
    t.ok(h.runUntil(() => h.fullyRouted(), h.now + 10 * 60_000, 1_000) > 0, "the row of clusters converges");
    h.run(h.now + 5 * 60_000);
    const m = h.node(5).cluster;
    let carried = 0;
    for (const r of h.txLog.filter((x) => x.type === FrameType.OGM && x.tx === 4)) {
      const d = decodeFrame(r.bytes);
      if (!d.ok || d.frame.type !== FrameType.OGM) continue;
      const o = d.frame;
      const mine = o.clusterRoutes.filter((e) => e.origin === 4 && e.seqno === o.routeSeq).length;
      t.equal(r.bytes.length, ogmBytes(o.neighbours.length, o.nodeRoutes.length, o.clusterRoutes.length, mine), "every OGM of node 4 is sized as the rule says");
      if (o.clusterRoutes.some((e) => e.cluster === m && e.origin === 4 && e.seqno === o.routeSeq)) carried++;
    }
    t.atLeast(carried, 1, "node 4 advertised its own route to M in the short form");
    const at3 = h.node(3).routeTable(h.now).find((r) => r.kind === "cluster" && r.destination === m);
    t.ok(at3 !== undefined && at3.routes.some((r) => r.via === 4), "node 3 routes to M through 4, from the 6-byte entry");
    h.node(1).send(h.now, 8, new Uint8Array([0x6b]));
    h.run(h.now + 60_000);
    t.equal(h.eventsOf(8, "delivered").filter((e) => e.payload[0] === 0x6b).length, 1, "W to M delivered over it");
  },
  "quiet OGM: the rotation slows to the allowed pass, neighbours keep within it, changes still go first"(t) {
    const nodes = (n: number, changed: (i: number) => boolean): OgmItem[] =>
      Array.from({ length: n }, (_, i) => ({ section: "node" as const, entry: { dst: i + 1, seqno: 0, metric: 300 }, changed: changed(i) }));
    const clusters = (n: number): OgmItem[] =>
      Array.from({ length: n }, (_, i) => ({ section: "cluster" as const, entry: { cluster: 0x1000 + i, origin: 99, seqno: 0, metric: 300 }, changed: false }));
    const nbrs: OgmItem[] = Array.from({ length: 24 }, (_, i) => ({ section: "nbr" as const, entry: { short: i, rq: 255 }, changed: false }));
    const regular = { maxBytes: 255, maxNeighbours: 10, routeBytes: 64 };
    // 30 node routes (240 bytes) and 24 neighbours, a pass of at most 8 OGMs: 30 + 11 route bytes
    // (a rotation stops at the first entry that does not fit), 3 neighbours.
    t.deepEqual(quietOgmBudget({ ...regular, quietCycle: 8 }, 24, 240), { routeBytes: 41, maxNeighbours: 3, cycle: 8 });
    t.equal(quietOgmBudget({ ...regular, quietCycle: 2 }, 24, 240), undefined, "no smaller than the regular budget: not quiet");
    const items = [...nbrs, ...nodes(30, () => false)];
    const loud = selectOgmItems(items, regular, { nbr: 0, route: 0 });
    const quiet = selectOgmItems(items, { ...regular, quietCycle: 8 }, { nbr: 0, route: 0 });
    t.equal(ogmBytes(loud.neighbours.length, loud.nodeRoutes.length, 0), 21 + 30 + 64);
    t.equal(ogmBytes(quiet.neighbours.length, quiet.nodeRoutes.length, 0), 21 + 9 + 40);
    t.equal(quiet.cycle, 8, "receivers hold what it says for 8 OGMs × 3.5");
    // Mixed entry sizes: within the cycle it announces, the rotation covers every entry.
    for (const [what, list, maxCycle] of [["node routes", items, 8], ["node and cluster routes", [...nbrs, ...nodes(10, () => false), ...clusters(10)], 4]] as const) {
      let cursors = { nbr: 0, route: 0 };
      const seen = new Set<number>();
      const seenNbr = new Set<number>();
      const first = selectOgmItems(list, { ...regular, quietCycle: maxCycle }, cursors);
      t.atMost(first.cycle, maxCycle, `${what}: the pass it announces`);
      for (let k = 0; k < first.cycle; k++) {
        const sel = selectOgmItems(list, { ...regular, quietCycle: maxCycle }, cursors);
        cursors = sel.cursors;
        for (const e of sel.nodeRoutes) seen.add(e.dst);
        for (const e of sel.clusterRoutes) seen.add(e.cluster);
        for (const e of sel.neighbours) seenNbr.add(e.short);
      }
      t.equal(seen.size, list.length - 24, `${what}: every route within ${first.cycle} OGMs`);
      t.equal(seenNbr.size, 24, `${what}: every neighbour within ${first.cycle} OGMs`);
    }
    const news = selectOgmItems([...nbrs, ...nodes(30, (i) => i >= 20)], { ...regular, quietCycle: 8 }, { nbr: 0, route: 0 });
    t.equal(news.nodeRoutes.filter((e) => e.dst > 20).length, 10, "ten changed entries go out whatever the quiet budget");
    // Routes that change every OGM do not stop the rotation: every entry still comes round within
    // the announced cycle (before the fix, three changing routes of eleven left the other eight
    // uncarried for ever).
    for (const [total, changing] of [[11, 3], [25, 4]]) {
      let cursors = { nbr: 0, route: 0 };
      const seen = new Set<number>();
      const list = [...nbrs, ...nodes(total, (i) => i < changing)];
      const first = selectOgmItems(list, { ...regular, quietCycle: 8 }, cursors);
      for (let k = 0; k < first.cycle; k++) {
        const sel = selectOgmItems(list, { ...regular, quietCycle: 8 }, cursors);
        cursors = sel.cursors;
        for (const e of sel.nodeRoutes) seen.add(e.dst);
      }
      t.equal(seen.size, total, `${total} routes, ${changing} changing every OGM: all carried within ${first.cycle} OGMs`);
    }
  },
  "quiet OGM: a lower metric rides the rotation, from any source at any seqno, unless it answers a seqno request; anything else is news"(t) {
    t.ok(improvementOnly({ seqno: 4, metric: 542, origin: 7 }, { seqno: 4, metric: 288, origin: 7 }));
    t.ok(!improvementOnly({ seqno: 4, metric: 288, origin: 7 }, { seqno: 4, metric: 542, origin: 7 }), "worse: news");
    t.ok(improvementOnly({ seqno: 4, metric: 542, origin: 7 }, { seqno: 4, metric: 288, origin: 8 }), "another source, lower: rides");
    t.ok(!improvementOnly({ seqno: 4, metric: 288, origin: 7 }, { seqno: 4, metric: 542, origin: 8 }), "another source, higher: news");
    t.ok(!improvementOnly({ seqno: 4, metric: METRIC_INFINITY, origin: 7 }, { seqno: 4, metric: 288, origin: 7 }), "back after a retraction: news");
    t.ok(!improvementOnly({ seqno: 4, metric: 288, origin: 7 }, { seqno: 4, metric: METRIC_INFINITY, origin: 7 }), "a retraction: news");
    t.ok(!improvementOnly(undefined, { seqno: 4, metric: 288, origin: 7 }), "never advertised: news");
    t.ok(improvementOnly({ seqno: 4, metric: 542, origin: 7 }, { seqno: 5, metric: 288, origin: 7 }), "a new seqno, lower: rides");
    t.ok(!improvementOnly({ seqno: 4, metric: 542, origin: 7 }, { seqno: 5, metric: 288, origin: 7 }, true), "the answer to a seqno request: news (§5.6)");
  },
  "improvementOnly: at the ceiling a shorter path rides the rotation, newer seqno and all, and a longer one goes first (8-node line, a shortcut added, then cut)"(t) {
    // A new seqno every OGM: the fall reaches node 6 with a newer seqno than it last advertised.
    const h = new IdealMesh({ seed: 5, config: { seqnoEveryOgms: 1 } });
    const n = 8;
    for (let i = 1; i <= n; i++) h.addNode(i, gridPosition(i - 1, 0));
    for (let i = 1; i < n; i++) h.link(i, i + 1);
    t.atLeast(h.runUntil(() => h.fullyRouted(), 10 * 60_000), 0, "converged");
    h.run(2 * 3600_000); // every node at the 16-min ceiling: quiet OGMs
    const far = h.node(6).advertisedMetric(1, h.now);
    const far8 = h.node(8).advertisedMetric(1, h.now);
    const changedOn = (): number => [4, 5, 6].reduce((sum, i) => sum + h.node(i).stats.ogmChangedEntries, 0);
    const changed0 = changedOn();
    h.link(1, 4);
    h.run(h.now + 3 * 3600_000);
    const near = h.node(6).advertisedMetric(1, h.now);
    t.atMost(near, 0.75 * far, "node 6's route to 1 fell by more than a quarter (5 hops to 3)");
    t.equal(changedOn() - changed0, 0, "nodes 4-6 carried the falls in their rotations, not first (the rule before: 4 changed entries)");
    t.deepEqual(h.node(8).nextHopsTo(1, h.now), [7], "and the far end still routes");
    t.atMost(h.node(8).advertisedMetric(1, h.now), 0.75 * far8, "the fall reached the far end by rotation within 3 h (7 hops to 5)");
    const changed1 = changedOn();
    h.unlink(1, 4);
    h.run(h.now + 3 * 3600_000);
    t.atLeast(h.node(6).advertisedMetric(1, h.now), far, "the shortcut gone, the route is 5 hops again");
    t.atLeast(changedOn() - changed1, 3, "and those rises went first");
  },
  "settledFalls: at a crowded node the OGM announcing the settled interval sends no fall first (7 nodes that all hear each other, tables of 5, a cold start that lost every second OGM)"(t) {
    t.ok(fallsRide(true, false, 60_000, 960_000, false), "a quiet OGM: falls ride (improvementOnly as before), crowded or not");
    t.ok(fallsRide(false, true, 960_000, 960_000, false), "a crowded node's OGM that announces the settled interval: falls ride");
    t.ok(!fallsRide(false, false, 960_000, 960_000, false), "not at a node that is not crowded");
    t.ok(!fallsRide(false, true, 480_000, 960_000, false), "before it: falls go first");
    t.ok(!fallsRide(false, true, 960_000, 960_000, true), "nor with a restart pending");
    const run = (config: Record<string, number>): { changed: number; routed: number } => {
      const h = new IdealMesh({ seed: 5, config: { maxNeighbours: 5, seqnoEveryOgms: 1, ...config } });
      for (let i = 1; i <= 7; i++) h.addNode(i, gridPosition(i % 3, Math.floor(i / 3)));
      for (let a = 1; a <= 7; a++) for (let b = a + 1; b <= 7; b++) h.link(a, b);
      let k = 0;
      // Every second OGM lost for the first 6 minutes: link estimates recover afterwards, and
      // route metrics fall by more than a quarter while the nodes climb to the 16-min interval.
      h.dropIf = (bytes) => h.now < 6 * 60_000 && (bytes[0] & 0x0f) === FrameType.OGM && k++ % 2 === 0;
      h.run(12 * 60_000);
      const changed = (): number => Array.from({ length: 7 }, (_, i) => h.node(i + 1).stats.ogmChangedEntries).reduce((a, b) => a + b, 0);
      const before = changed();
      h.run(20 * 60_000);
      let routed = 0;
      for (let a = 1; a <= 7; a++) for (let b = 1; b <= 7; b++) if (a !== b && h.node(a).hasRouteTo(b, h.now)) routed++;
      return { changed: changed() - before, routed };
    };
    const crowded = run({});
    const off = run({ ogmCrowdedMaxMs: 32 * 60_000 }); // not crowded: the rule off
    t.atLeast(off.changed, 1, `without the rule the OGMs announcing 16 min sent falls first (${off.changed})`);
    t.equal(crowded.changed, 0, "with it they carried them in the rotation");
    t.atLeast(crowded.routed, off.routed, "and as many pairs are routed");
  },
  "crowdedCeiling: a node whose table is full steps from 16 min to 64 (never 32); one whose table is not, or that holds a driving neighbour, stops at 32"(t) {
    const announced = (h: IdealMesh, id: number): number[] =>
      h.txLog
        .filter((r) => r.type === FrameType.OGM && r.tx === id)
        .map((r) => decodeFrame(r.bytes))
        .map((d) => (d.ok && d.frame.type === FrameType.OGM ? Math.round((d.frame.intervalUnits * OGM_INTERVAL_UNIT_MS) / 60_000) : -1));
    const clique = (config: Record<string, number>): IdealMesh => {
      const h = new IdealMesh({ seed: 5, config: { maxNeighbours: 5, ...config } });
      for (let i = 1; i <= 7; i++) h.addNode(i, gridPosition(i % 3, Math.floor(i / 3)));
      for (let a = 1; a <= 7; a++) for (let b = a + 1; b <= 7; b++) h.link(a, b);
      return h;
    };
    // Pair-minutes from 15 min to 4 h in which a node had no route to another (tables of 5 in a
    // clique of 7: 12 of the 42 pairs go unrouted at either ceiling).
    const brokenMinutes = (h: IdealMesh): number => {
      let broken = 0;
      h.run(15 * 60_000);
      while (h.now < 4 * 3600_000) {
        h.run(h.now + 60_000);
        for (let a = 1; a <= 7; a++) for (let b = 1; b <= 7; b++) if (a !== b && !h.node(a).hasRouteTo(b, h.now)) broken++;
      }
      return broken;
    };
    const h = clique({});
    const broken = brokenMinutes(h);
    const crowded = announced(h, 1);
    t.ok(crowded.includes(16) && crowded.includes(64), `7 nodes who all hear each other, tables of 5: 16 then 64 min (${crowded.join(", ")})`);
    t.ok(!crowded.includes(32), "no 32-min step");
    t.atMost(crowded.filter((m) => m === 64).length, 4, "about one OGM an hour once there");
    const off = clique({ ogmCrowdedMaxMs: 32 * 60_000 });
    const brokenOff = brokenMinutes(off);
    t.atMost(broken, brokenOff, "no more pair-minutes without a route than at 32 min");
    t.equal(Math.max(...announced(off, 1)), 32, "with the rule off (ceiling 32 min) the same clique stops at 32");
    // The same clique with node 7 driving round a 10-km circle (25 m/s, OGM flag b6): a roadside
    // node serves passing cars, so no node that holds a driving neighbour steps beyond 32 min.
    const road = clique({});
    const centre = gridPosition(0, 0);
    for (let step = 0; road.now < 3 * 3600_000; step++) {
      const a = (step * 250) / 10_000;
      road.node(7).setPosition(road.now, { lat: centre.lat + (10_000 * Math.sin(a)) / 111_200, lon: centre.lon + (10_000 * Math.cos(a)) / (111_200 * Math.cos((centre.lat * Math.PI) / 180)) });
      road.run(road.now + 10_000);
    }
    for (let i = 1; i <= 6; i++) t.atMost(Math.max(...announced(road, i)), 32, `node ${i}, a driving neighbour in its table: 32 min at most`);
    const line = new IdealMesh({ seed: 5 });
    for (let i = 1; i <= 4; i++) line.addNode(i, gridPosition(i - 1, 0));
    for (let i = 1; i < 4; i++) line.link(i, i + 1);
    line.run(3 * 3600_000);
    t.equal(Math.max(...announced(line, 2)), 32, "a line (tables never full) stops at 32");
  },
  "crowdedLongCeiling: a crowded node steps 16 → 64 → 128 min (32-s units, flags b5 and b7), half the OGMs from the second hour on, with no more pair-minutes without a route than at 64"(t) {
    const clique = (config: Record<string, number>): IdealMesh => {
      const h = new IdealMesh({ seed: 5, config: { maxNeighbours: 5, ...config } });
      for (let i = 1; i <= 7; i++) h.addNode(i, gridPosition(i % 3, Math.floor(i / 3)));
      for (let a = 1; a <= 7; a++) for (let b = a + 1; b <= 7; b++) h.link(a, b);
      return h;
    };
    // Node 1's announced intervals in minutes, the clique's OGMs from 2 h to 8 h, and the
    // pair-minutes from 15 min to 8 h in which a node had no route to another.
    const measure = (h: IdealMesh) => {
      let broken = 0;
      h.run(15 * 60_000);
      while (h.now < 8 * 3600_000) {
        h.run(h.now + 60_000);
        for (let a = 1; a <= 7; a++) for (let b = 1; b <= 7; b++) if (a !== b && !h.node(a).hasRouteTo(b, h.now)) broken++;
      }
      const ogms = h.txLog.filter((r) => r.type === FrameType.OGM);
      const announced = ogms
        .filter((r) => r.tx === 1)
        .map((r) => decodeFrame(r.bytes))
        .map((d) => (d.ok && d.frame.type === FrameType.OGM ? Math.round((d.frame.intervalUnits * OGM_INTERVAL_UNIT_MS) / 60_000) : -1));
      const late = ogms.filter((r) => r.at >= 2 * 3600_000).length;
      return { broken, announced, late };
    };
    const on = measure(clique({ ogmCrowdedMaxMs: DEFAULT_CONFIG.ogmCrowdedMaxMs }));
    t.equal(DEFAULT_CONFIG.ogmCrowdedMaxMs, 128 * 60_000, "the rule is on by default: 128 min");
    t.ok(on.announced.includes(16) && on.announced.includes(64) && on.announced.includes(128), `16, then 64, then 128 min (${on.announced.join(", ")})`);
    t.ok(!on.announced.includes(32), "no 32-min step");
    const off = measure(clique({ ogmCrowdedMaxMs: 64 * 60_000 }));
    t.equal(Math.max(...off.announced), 64, "with the ceiling at 64 min the same clique stops at 64");
    t.atMost(on.late, 0.6 * off.late, `OGMs from 2 h to 8 h: ${on.late} against ${off.late} at 64 min`);
    t.atMost(on.broken, off.broken, `pair-minutes without a route: ${on.broken} against ${off.broken} at 64 min`);
  },
  "quiet OGM: from the 16-min interval on a 12-node line's OGMs shrink and thin out to one per 32 min, and every route holds for hours"(t) {
    const h = new IdealMesh({ seed: 5 });
    const n = 12;
    for (let i = 1; i <= n; i++) h.addNode(i, gridPosition(i - 1, 0));
    for (let i = 1; i < n; i++) h.link(i, i + 1);
    t.atLeast(h.runUntil(() => h.fullyRouted(), 10 * 60_000), 0, "converged");
    let broken = 0;
    while (h.now < 4 * 3600_000) {
      h.run(h.now + 60_000);
      if (!h.fullyRouted()) broken++;
    }
    t.equal(broken, 0, "no route expired in 4 h of slower passes");
    const sizes = (from: number, to: number): number[] =>
      h.txLog.filter((r) => r.type === FrameType.OGM && r.tx === 6 && r.at >= from && r.at < to).map((r) => r.bytes.length);
    // Node 6 advertises 11 destinations (88 bytes, 2 regular OGMs per pass) and 2 neighbours.
    const regular = sizes(60_000, 20 * 60_000);
    const late = sizes(2 * 3600_000, Infinity);
    t.atLeast(late.length, 4);
    t.equal(Math.max(...regular), 21 + 6 + 64, "regular: both neighbours and 64 bytes of routes");
    t.equal(Math.max(...late), 21 + 3 + 24, "quiet: one neighbour and 24 bytes of routes");
    const cycles = h.txLog
      .filter((r) => r.type === FrameType.OGM && r.tx === 6)
      .map((r) => decodeFrame(r.bytes))
      .map((d) => (d.ok && d.frame.type === FrameType.OGM ? d.frame.cycle : 0));
    for (let i = 1; i < cycles.length; i++) t.atMost(cycles[i], Math.max(2, 2 * cycles[i - 1]), `OGM ${i}: a pass at most twice the last`);
    t.equal(cycles[cycles.length - 1], 7, "at the ceiling a pass of 7 OGMs (88 bytes of routes, 13 a time at least)");
    // The pass in time (cycle × interval) at most doubles from one quiet OGM to the next, also
    // where the interval doubles from 16 to 32 min: the receivers hold what the last OGM said for
    // 3.5 × its cycle × its interval (quietCycle's bound; without it the cycle doubled there too).
    const passes = h.txLog
      .filter((r) => r.type === FrameType.OGM && r.tx === 6)
      .map((r) => decodeFrame(r.bytes))
      .map((d) => (d.ok && d.frame.type === FrameType.OGM ? { cycle: d.frame.cycle, ms: d.frame.intervalUnits * OGM_INTERVAL_UNIT_MS } : { cycle: 0, ms: 0 }));
    let quiet = 0;
    for (let i = 1; i < passes.length; i++) {
      if (passes[i - 1].ms < 16 * 60_000) continue;
      quiet++;
      t.atMost(passes[i].cycle * passes[i].ms, 2 * passes[i - 1].cycle * passes[i - 1].ms + 8_000 * passes[i].cycle, `OGM ${i}: a pass in time at most twice the last`);
    }
    t.atLeast(quiet, 4);
    t.atLeast(passes.at(-1)?.ms ?? 0, 32 * 60_000, "at the 32-min ceiling");
    t.atMost(h.txLog.filter((r) => r.type === FrameType.OGM && r.tx === 6 && r.at >= 2 * 3600_000 && r.at < 4 * 3600_000).length, 5, "hours 2-4: one OGM per 32 min (at 16 min: 7-8)");
    const mark = h.txLog.length;
    h.node(1).send(h.now, n, new Uint8Array([1]));
    h.run(h.now + 60_000);
    t.equal(h.eventsOf(n, "delivered").length, 1, "end to end still delivered");
    t.ok(h.txLog.slice(mark).every((r) => r.type !== FrameType.LOCATE_Q && r.type !== FrameType.FLOOD), "by route, without a lookup or flood");
  },
  "placementHeld: a placement an OGM vouches for lasts its hold; one heard otherwise the TTL"(t) {
    const ttl = 30 * 60_000;
    const c = new LocationCache(8, ttl);
    c.learn(1, 0x100, 0); // from a broadcast
    c.learn(2, 0x200, 0, 2 * 3600_000); // from an OGM held for 2 h
    c.learn(3, 0x300, 0, 10 * 60_000); // an OGM held for less than the TTL
    t.equal(c.lookup(1, ttl + 1), undefined, "TTL");
    t.equal(c.lookup(3, ttl)?.cluster, 0x300, "never less than the TTL");
    t.equal(c.lookup(3, ttl + 1), undefined);
    t.equal(c.lookup(2, ttl + 1)?.cluster, 0x200, "held by the OGM beyond the TTL");
    t.equal(c.lookup(2, 2 * 3600_000 + 1), undefined, "not beyond the hold");
    c.learn(4, 0x400, 0, 2 * 3600_000);
    c.learn(4, 0x401, 60_000); // newer, elsewhere: the old hold no longer vouches
    t.equal(c.lookup(4, 60_000 + ttl + 1), undefined, "a move ends the old hold");
    c.learn(5, 0x500, 0, 2 * 3600_000);
    c.learn(5, 0x500, 60_000); // heard again in the same cluster: the hold stands
    t.equal(c.lookup(5, 3600_000)?.cluster, 0x500);
  },
  "placementHeld: an OGM's route places its destination for the OGM's hold, a retraction only for the TTL"(t) {
    const h = new IdealMesh({ seed: 4 });
    const me = h.addNode(1, gridPosition(0, 0));
    const at = h.now;
    // Quiet OGMs from two neighbours: a pass of 8 at 1,020 s (a hold of about 8 h).
    const heard = (tx: number, dst: number, metric: number): void =>
      me.receive(encodeFrame(forgedOgm({ tx, ogmSeq: 1, cluster: me.cluster, cycle: 8, intervalUnits: 255, nodeRoutes: [{ dst, seqno: 3, metric }] })), { rssi: -80, snr: 9, at });
    heard(0xa001, 0xb001, 300);
    heard(0xa002, 0xb002, METRIC_INFINITY);
    const later = at + 31 * 60_000; // past the cache's 30-min TTL
    t.equal(me.locationOf(0xb001, later), me.cluster, "a route: placed for the OGM's hold");
    t.equal(me.locationOf(0xb002, later), undefined, "a retraction: the TTL only (it says the route is gone)");
  },
  "newcomerCeiling: 1,100 invented newcomer ids do not make a known destination news again (the heard ids have their own set)"(t) {
    const h = new IdealMesh({ seed: 12 });
    const me = h.addNode(1, gridPosition(0, 0));
    const nb = 0xa005;
    const dst = 0xb005;
    let seq = 0;
    const fromNb = (routes: { dst: number; seqno: number; metric: number }[]) =>
      me.receive(encodeFrame(forgedOgm({ tx: nb, ogmSeq: ++seq, cluster: me.cluster, intervalUnits: 255, neighbours: [{ short: shortId(1), rq: 255 }], nodeRoutes: routes })), { rssi: -80, snr: 9, at: h.now });
    fromNb([{ dst, seqno: 3, metric: 300 }]);
    h.run(h.now + 60_000);
    fromNb([{ dst, seqno: 3, metric: 300 }]);
    t.ok(me.hasRouteTo(dst, h.now), "the destination is known");
    // A forger: one weak OGM from each of 1,100 invented ids (more than the 1,024 known ids).
    for (let i = 0; i < 1_100; i++) {
      me.receive(encodeFrame(forgedOgm({ tx: 0x0a00_0000 + i, ogmSeq: 1, homeless: true, intervalUnits: 1 })), { rssi: -120, snr: -5, at: h.now });
      h.run(h.now + 50);
    }
    // The forged neighbours age out; the neighbour goes on with its OGMs.
    for (let k = 0; k < 6; k++) {
      h.run(h.now + 10 * 60_000);
      fromNb([{ dst, seqno: 3, metric: 300 }]);
    }
    // Ordinary churn: the route is retracted and comes back. Not news: the destination was known.
    fromNb([{ dst, seqno: 4, metric: METRIC_INFINITY }]);
    h.run(h.now + 60_000);
    t.ok(!me.hasRouteTo(dst, h.now), "retracted");
    const resets = me.stats.ogmResets;
    fromNb([{ dst, seqno: 5, metric: 300 }]);
    t.ok(me.hasRouteTo(dst, h.now), "back");
    t.equal(me.stats.ogmResets, resets, "a known destination coming back is not news, invented ids or not");
    h.run(h.now + 60_000);
    fromNb([{ dst, seqno: 5, metric: 300 }, { dst: 0xb006, seqno: 1, metric: 300 }]);
    t.equal(me.stats.ogmResets, resets + 1, "a destination never seen is (the table is not crowded)");
  },
  "holdCap: a neighbour with a full table (128 routes, 16 OGMs a pass) at the 32-min ceiling keeps a route through one lost OGM"(t) {
    const h = new IdealMesh({ seed: 11 });
    const me = h.addNode(1, gridPosition(0, 0));
    const nb = 0xa004;
    const far = 0xb004;
    // A conforming neighbour at the ceiling: one OGM every 1,920 s (480 units of 4 s), its pass 16 OGMs
    // (128 node routes at 64 bytes an OGM), the route to `far` in OGMs 0, 16 (lost) and 32.
    let seq = 0;
    const ogm = (carries: boolean) =>
      encodeFrame(forgedOgm({ tx: nb, ogmSeq: ++seq, cluster: me.cluster, cycle: 16, intervalUnits: 480, routeSeq: 1, neighbours: [{ short: shortId(1), rq: 255 }], nodeRoutes: [{ dst: carries ? far : 0xc000 + seq, seqno: 3, metric: 300 }] }));
    const start = h.now;
    for (let k = 0; k <= 31; k++) {
      h.run(start + k * 1_920_000);
      if (k !== 16) me.receive(ogm(k === 0), { rssi: -80, snr: 9, at: h.now }); // OGM 16 is lost
    }
    t.ok(me.hasRouteTo(nb, h.now), "the neighbour is still heard");
    t.ok(h.now - start > 16 * 3600_000, "16 h on");
    t.ok(me.hasRouteTo(far, h.now), "the route it carried once a pass is held through the lost OGM");
  },
  "holdCap: a neighbour announcing cycle 255 at the longest interval pins its placements 174.5 h, not 84 days"(t) {
    const cap = holdCapMs(cfg);
    t.near(cap / 3600_000, 174.53, 0.01, "3.5 passes of 22 OGMs (128 node and 32 cluster routes at 64 bytes) at 8,160 s (the frame's longest since crowdedLongCeiling)");
    const h = new IdealMesh({ seed: 6 });
    const me = h.addNode(1, gridPosition(0, 0));
    const at = h.now;
    // A hostile OGM: the longest pass the frame can announce (255 OGMs of 8,160 s, a hold of 84 days).
    me.receive(encodeFrame(forgedOgm({ tx: 0xa003, ogmSeq: 1, cluster: me.cluster, cycle: 255, intervalUnits: 2040, nodeRoutes: [{ dst: 0xb003, seqno: 3, metric: 300 }] })), { rssi: -80, snr: 9, at });
    t.equal(me.locationOf(0xb003, at + cap - 60_000), me.cluster, "held up to the cap");
    t.equal(me.locationOf(0xb003, at + cap + 60_000), undefined, "and no longer");
    t.equal(me.locationOf(0xa003, at + cap + 60_000), undefined, "the neighbour's own placement too");
  },
  "sequence gaps: dropping 4 of 1..6 is one gap; 65535 → 0 is not"(t) {
    const r = new SeqReceiver(8);
    const kinds = [1, 2, 3, 5, 6].map((s) => r.observe("a", s));
    t.deepEqual(kinds.map((k) => k.kind), ["first", "in-order", "in-order", "gap", "in-order"]);
    t.deepEqual(kinds[3], { kind: "gap", from: 4, to: 4, missing: 1 });
    t.equal(r.observe("a", 4).kind, "out-of-order");
    t.equal(r.observe("a", 4).kind, "duplicate");
    t.equal(r.observe("w", 65534).kind, "first");
    t.equal(r.observe("w", 65535).kind, "in-order");
    t.equal(r.observe("w", 0).kind, "in-order", "wrap-around");
    t.equal(r.observe("w", 30000).kind, "restart");
  },
  "sender sequence numbers start random per destination and increment"(t) {
    const s = new SeqSender(4, new SeededRng(9));
    const a = s.next(7);
    t.equal(s.next(7), (a + 1) & 0xffff);
    const b = s.next(8);
    t.notEqual(a, b);
  },
  // ---- §7.5 routing around liars ---------------------------------------------------------------
  "metric floor: below one perfect transmission is impossible; retractions are fine"(t) {
    t.ok(!plausibleMetric(0, cfg));
    t.ok(!plausibleMetric(255, cfg));
    t.ok(plausibleMetric(256, cfg), "one perfect transmission without hop penalty");
    t.ok(plausibleMetric(288, cfg));
    t.ok(plausibleMetric(METRIC_INFINITY, cfg), "a retraction");
    t.ok(plausibleMetric(10, resolveConfig({ metricFloor: 0 })), "metricFloor 0 turns the rule off");
  },
  "trust-scaled metric: divided by trust, saturating; zero trust is unreachable"(t) {
    t.equal(trustScaledMetric(600, 1), 600);
    t.equal(trustScaledMetric(600, 0.5), 1200);
    t.equal(trustScaledMetric(600, 0.001), METRIC_MAX, "saturates below infinity");
    t.equal(trustScaledMetric(600, 0), METRIC_INFINITY);
    t.equal(trustScaledMetric(METRIC_INFINITY, 0.5), METRIC_INFINITY);
  },
  "trust-scaled share: W(r) × trust"(t) {
    const full = routeWeight({ route: 0, metric: 300, health: 1, load: 0, battery: 1 }, 300, cfg);
    const low = routeWeight({ route: 0, metric: 300, health: 1, load: 0, battery: 1, trust: 0.25 }, 300, cfg);
    t.near(low, full * 0.25, 1e-12, "load and battery terms do not keep a distrusted hop at full share");
    const rng = new SeededRng(5);
    let bad = 0;
    for (let i = 0; i < 10_000; i++) {
      const c = chooseRoute([{ route: "good", metric: 400, health: 1, load: 0, battery: 1 }, { route: "bad", metric: 300, health: 1, load: 0, battery: 1, trust: 0.1 }], rng, cfg);
      if (c?.route === "bad") bad++;
    }
    t.atMost(bad / 10_000, 0.12, "a shorter route through a distrusted hop gets little traffic");
  },
  "next-hop trust: ×0.5 per failure, 20 % of the deficit back per confirmation, floor"(t) {
    const tr = new NeighbourTrust(cfg);
    t.equal(tr.value(7, 0), 1, "unknown neighbours are trusted");
    tr.success(7, 0);
    t.equal(tr.size, 0, "confirmations of a trusted hop store nothing");
    t.equal(cfg.trustPenalty, 0.5);
    tr.failure(7, 0);
    t.near(tr.value(7, 0), 0.5, 1e-12);
    tr.failure(7, 0);
    t.near(tr.value(7, 0), 0.25, 1e-12);
    tr.success(7, 0);
    t.near(tr.value(7, 0), 0.25 + 0.2 * 0.75, 1e-12);
    for (let i = 0; i < 50; i++) tr.failure(7, 0);
    t.equal(tr.value(7, 0), cfg.trustFloor, "never below the floor");
    t.equal(tr.value(8, 0), 1, "other neighbours untouched");
  },
  "next-hop trust decays back: an honest bad spell is forgotten (deficit halves every 20 min)"(t) {
    const tr = new NeighbourTrust(cfg);
    for (let i = 0; i < 4; i++) tr.failure(3, 0);
    const low = tr.value(3, 0);
    t.near(low, 0.5 ** 4, 1e-12);
    t.near(tr.value(3, cfg.trustRecoveryMs), 1 - (1 - low) / 2, 1e-12);
    t.atLeast(tr.value(3, 6 * cfg.trustRecoveryMs), 0.98, "two hours later it is nearly whole again");
    tr.failure(3, 6 * cfg.trustRecoveryMs);
    t.atMost(tr.value(3, 6 * cfg.trustRecoveryMs), 0.5, "a new failure counts from the recovered value");
  },
  "lie strikes: the second OGM with impossible entries starts a distrust period; it ends"(t) {
    const tr = new NeighbourTrust(cfg);
    t.ok(!tr.lie(9, 0), "one strike");
    t.ok(!tr.distrusted(9, 0));
    t.ok(tr.lie(9, 1000), "second strike: distrusted");
    t.ok(tr.distrusted(9, 1000 + cfg.lieDistrustMs - 1));
    t.ok(!tr.lie(9, 2000), "no new period while one runs");
    t.ok(!tr.distrusted(9, 1000 + cfg.lieDistrustMs), "the hold ends");
    t.ok(!tr.lie(9, 1000 + cfg.lieDistrustMs), "strikes start again from zero");
  },
  "next-hop trust stays bounded: the most trusted record goes first"(t) {
    const small = resolveConfig({ maxNeighbours: 2 });
    const tr = new NeighbourTrust(small);
    for (let id = 1; id <= 4; id++) tr.failure(id, 0);
    tr.failure(1, 0);
    tr.failure(5, 0);
    t.atMost(tr.size, 4);
    t.near(tr.value(1, 0), 0.25, 1e-12, "the least trusted is kept");
  },
  "trust settings are validated"(t) {
    t.throws(() => resolveConfig({ trustPenalty: 0 }), /trustPenalty must be a number 0\.01\.\.1/);
    t.throws(() => resolveConfig({ lieStrikes: 0 }), /lieStrikes must be an integer 1\.\.100/);
    t.throws(() => resolveConfig({ metricFloor: -1 }), /metricFloor must be an integer/);
    t.throws(() => resolveConfig({ trustRecoveryMs: 10 }), /trustRecoveryMs/);
    t.equal(resolveConfig({ trustPenalty: 1 }).trustPenalty, 1, "1 turns next-hop trust off");
  },
});
