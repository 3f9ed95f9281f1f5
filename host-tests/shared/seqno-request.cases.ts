// Seqno requests and the withdrawn-source rule (docs/protocol.md §5.6–5.7) on small topologies
// with known answers: a starved node gets a feasible route after a request, requests are
// rate-limited, a hostile flood is counted and bounded, a source's retraction ends its echoes,
// and next hops never form a loop while requests and seqno bumps are at work.
import { clusterFromGeohash } from "../../src/core/cluster";
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { DEFAULT_CONFIG } from "../../src/core/config";
import { FrameType, type OgmFrame, type SeqnoRequestFrame, shortId } from "../../src/core/frames";
import { SEQREQ_RELAY_BURST, SEQREQ_RELAY_REFILL, SEQREQ_TRIES } from "../../src/core/seqno-request";
import type { MeshNode } from "../../src/core/mesh-node";
import type { NodeId } from "../../src/core/station";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { randomMesh } from "../../src/demo/topologies";
import { forgedOgm } from "./forged-ogm";
import { suite, type Assert } from "./harness";

const MINUTE = 60_000;

/**
 * A ring S(1) – X(2) – Y(3) – Z2(5) – Z1(4) – S: Y reaches S in two hops through X, in three
 * through Z2. Once Y has advertised the two-hop route, the three-hop one is infeasible at the
 * same seqno (its metric is not below Y's feasibility distance).
 */
/** Both rules are off by default (§5.6–5.7: measured, no gain); these cases turn them on. */
const ON = { seqnoRequests: true, withdrawnEchoes: true };
const ON_GAP_MS = DEFAULT_CONFIG.seqreqGapMs;

function ring(): IdealMesh {
  const h = new IdealMesh({ seed: 5, config: ON });
  for (let i = 1; i <= 5; i++) h.addNode(i, gridPosition(i, 0));
  h.link(1, 2);
  h.link(2, 3);
  h.link(1, 4);
  h.link(4, 5);
  h.link(5, 3);
  return h;
}

function request(over: Partial<SeqnoRequestFrame> & { tx: NodeId; next: NodeId; key: NodeId }): Uint8Array {
  return encodeFrame({ type: FrameType.SEQREQ, ttl: 16, cluster: false, origin: over.key, seqno: 0, ...over });
}

function ogmsOf(h: IdealMesh, id: NodeId, from: number): number {
  return h.txLog.filter((r) => r.tx === id && r.type === FrameType.OGM && r.at >= from).length;
}

/** Follows best next hops from every node toward `dst`; fails on a node visited twice. */
function noLoopToward(t: Assert, h: IdealMesh, dst: NodeId, label: string): void {
  for (const [start] of h.nodes) {
    if (start === dst || h.dead.has(start)) continue;
    const seen = new Set<NodeId>([start]);
    let at = start;
    for (;;) {
      const hops = h.node(at).nextHopsTo(dst, h.now);
      if (hops.length === 0 || hops[0] === dst) break;
      at = hops[0];
      if (seen.has(at)) t.fail(`${label}: next hops toward ${dst} loop from ${start} through ${[...seen].join(" → ")} → ${at}`);
      seen.add(at);
    }
  }
}

/** A neighbour's OGM as a test forges it: it hears `self` perfectly and advertises `routes`. */
function ogmFrom(tx: NodeId, seq: number, cluster: number, self: NodeId, routeSeq: number, routes: OgmFrame["clusterRoutes"]): Uint8Array {
  return encodeFrame(forgedOgm({ tx, ogmSeq: seq, cluster, battery: 255, routeSeq, neighbours: [{ short: shortId(self), rq: 255 }], clusterRoutes: routes }));
}

function clusterVia(node: MeshNode, cluster: number, now: number): NodeId[] {
  return node.routeTable(now).find((r) => r.kind === "cluster" && r.destination === cluster)?.routes.map((r) => r.via) ?? [];
}

export default suite("seqno requests", {
  "the SEQREQ frame: 21 bytes, round trip, bad fields refused without a throw"(t) {
    const f: SeqnoRequestFrame = { type: FrameType.SEQREQ, tx: 7, next: 8, ttl: 16, cluster: true, key: clusterFromGeohash("u0ke"), origin: 9, seqno: 65535 };
    const bytes = encodeFrame(f);
    t.equal(bytes.length, 21);
    const d = decodeFrame(bytes);
    t.ok(d.ok);
    if (d.ok) t.deepEqual(d.frame, f);
    const node = request({ tx: 7, next: 8, key: 9, seqno: 3 });
    const n = decodeFrame(node);
    t.ok(n.ok && n.frame.type === FrameType.SEQREQ && !n.frame.cluster && n.frame.origin === 9);
    const zeroTtl = node.slice();
    zeroTtl[9] = 0;
    t.ok(!decodeFrame(zeroTtl).ok, "ttl 0");
    const badOrigin = node.slice();
    badOrigin[15] ^= 1;
    const bo = decodeFrame(badOrigin);
    t.ok(!bo.ok && bo.error.code === "inconsistent", "a node route's origin must be its destination");
    const reservedBits = node.slice();
    reservedBits[10] = 0x80;
    t.ok(!decodeFrame(reservedBits).ok, "reserved flag bits");
    t.ok(!decodeFrame(node.subarray(0, 20)).ok, "truncated");
    t.throws(() => encodeFrame({ ...f, ttl: 0 }), /ttl/);
  },
  "a starved node asks for a newer seqno and has a feasible route again within two minutes"(t) {
    const h = ring();
    t.ok(h.runUntil(() => h.fullyRouted(), 5 * MINUTE) > 0, "converged");
    h.run(h.now + 40 * MINUTE); // Trickle has backed off: the source's seqno moves every 8 × 16 min
    t.deepEqual(h.node(3).nextHopsTo(1, h.now), [2], "Y uses the two-hop route only: the three-hop one is infeasible");
    const y = h.node(3);
    const bumpsBefore = h.node(1).stats.seqreqBumps;
    // X goes silent; Y finds out by sending (three failed attempts kill the route, §7.2).
    h.kill(2);
    const cut = h.now;
    t.ok(y.send(h.now, 1, new Uint8Array([1])).ok);
    const at = h.runUntil(() => y.nextHopsTo(1, h.now).includes(5), h.now + 10 * MINUTE, 1_000);
    t.ok(at > 0, "Y has a route through Z2");
    t.atMost(at - cut, 2 * MINUTE, `within ${Math.round((at - cut) / 1000)} s (without a request: up to 8 OGMs of S at 16 min)`);
    t.atLeast(y.stats.seqreqSent, 1, "Y asked");
    t.equal(h.node(1).stats.seqreqBumps - bumpsBefore, 1, "S raised its seqno once");
    t.atLeast(h.node(5).stats.seqreqForwarded + h.node(4).stats.seqreqForwarded, 1, "the request travelled toward S");
    noLoopToward(t, h, 1, "after the request");
  },
  "a starved node asks SEQREQ_TRIES times; a neighbour's request for the same source that it handles keeps that count"(t) {
    // Node 10 hears S's route from N (metric 1700) and from M (3400), at seqno 40. N retracts it:
    // M's route is then infeasible (not below the feasibility distance N's set) and 10 is starved
    // for S as long as nobody brings a newer seqno (M never does); each message R hands it for S
    // finds no route and asks (§5.6) — within the tries and their backoff.
    const h = new IdealMesh({ seed: 4, config: { seqnoRequests: true } });
    const me = h.addNode(10, gridPosition(0, 0));
    const own = me.cluster;
    const N = 0x0000a001;
    const M = 0x0000a003;
    const R = 0x0000a002; // a neighbour that asks about S too
    const S = 0x0000a0a0;
    let seq = 100;
    const hear = (tx: NodeId, routes: OgmFrame["nodeRoutes"]): void => {
      me.receive(encodeFrame(forgedOgm({ tx, ogmSeq: seq++, cluster: own, battery: 255, routeSeq: 7, neighbours: [{ short: shortId(10), rq: 255 }], nodeRoutes: routes })), { rssi: -80, snr: 9, at: h.now });
      h.run(h.now + 1_000);
    };
    const round = (nMetric: number): void => {
      hear(N, [{ dst: S, seqno: 40, metric: nMetric }]);
      hear(M, [{ dst: S, seqno: 40, metric: 3400 }]);
      hear(R, []);
    };
    for (let i = 0; i < 20; i++) {
      round(1700);
      h.run(h.now + 2 * MINUTE);
    }
    t.deepEqual(me.nextHopsTo(S, h.now), [N], "S through N");
    const sent0 = me.stats.seqreqSent;
    /** Rounds of OGMs, N's route retracted, and R handing 10 a message for S every 20 s, for `ms`. */
    let dataSeq = 1;
    const starve = (ms: number): void => {
      const until = h.now + ms;
      while (h.now < until) {
        round(0xffff);
        me.receive(encodeFrame({ type: FrameType.DATA, tx: R, next: 10, ttl: 9, hops: 1, priority: 3, src: R, dst: S, seq: dataSeq++, dstCluster: own, wantAck: false, bounced: false, attempt: 0, payload: Uint8Array.of(7) }), { rssi: -80, snr: 9, at: h.now });
        h.run(h.now + 17_000);
      }
    };
    starve(10 * MINUTE);
    t.equal(me.nextHopsTo(S, h.now).length, 0, "starved: M's route is infeasible");
    t.equal(me.stats.seqreqSent - sent0, SEQREQ_TRIES, "10 asked its tries, then waits for news of S");
    // R asks 10 about S, more than a gap after 10's last try, every three minutes: 10 handles
    // each (passes it on or answers) and remembers it, without starting its own count afresh.
    const handled0 = me.stats.seqreqForwarded + me.stats.seqreqAnswered;
    for (let k = 0; k < 5; k++) {
      me.receive(request({ tx: R, next: 10, key: S, seqno: 41 }), { rssi: -80, snr: 9, at: h.now });
      starve(3 * MINUTE);
    }
    t.equal(me.stats.seqreqForwarded + me.stats.seqreqAnswered - handled0, 5, "10 handled R's five requests");
    t.equal(me.stats.seqreqSent - sent0, SEQREQ_TRIES, "and sent no request of its own beyond its tries");
  },
  "requests for one source are rate-limited; a flood from a keyholder is counted and bounded"(t) {
    const h = ring();
    t.ok(h.runUntil(() => h.fullyRouted(), 5 * MINUTE) > 0);
    h.run(h.now + 40 * MINUTE);
    const s = h.node(1);
    const from = h.now;
    const seq0 = s.stats.seqreqBumps;
    // A neighbour (2) hammers S: 600 requests for S's own route over ten minutes, seqno far ahead.
    for (let i = 0; i < 600; i++) {
      h.run(h.now + 1_000);
      s.receive(request({ tx: 2, next: 1, key: 1, seqno: (i * 977) & 0xffff }), { rssi: -90, snr: 8, at: h.now });
    }
    const st = s.stats;
    t.atMost(st.seqreqBumps - seq0, 5, `${st.seqreqBumps - seq0} seqno bumps in 10 min (one per seqreqAnswerGapMs at most)`);
    t.atLeast(st.seqreqRateLimited, 500, "the rest are counted as dropped");
    t.atMost(ogmsOf(h, 1, from), 10, `${ogmsOf(h, 1, from)} OGMs in 10 min (one answer per 2 min plus the schedule)`);
    // From a node that is not a neighbour, and for a source S has no route to: counted, dropped.
    const un = st.seqreqUnroutable;
    s.receive(request({ tx: 0x0badf00d, next: 1, key: 1, seqno: 1 }), { rssi: -90, snr: 8, at: h.now });
    s.receive(request({ tx: 2, next: 1, key: 0x12345678, seqno: 1 }), { rssi: -90, snr: 8, at: h.now });
    t.equal(st.seqreqUnroutable - un, 2);
    // Damaged requests never throw out of the core.
    const good = request({ tx: 2, next: 1, key: 3, seqno: 1 });
    for (let i = 0; i < good.length; i++) {
      for (const v of [0, 0xff]) {
        const b = good.slice();
        b[i] = v;
        s.receive(b, { rssi: -90, snr: 8, at: h.now });
      }
    }
    t.ok(true, "no throw");
  },
  "an answer that comes back over a changed path still brings the forwarder's OGM forward"(t) {
    // Regression: the answer was only looked for when the route update had nothing else to say,
    // so an answer with a material metric change (the path it came back over changed) left the
    // request pending and the OGM on its Trickle schedule.
    const h = new IdealMesh({ seed: 4, config: ON });
    const me = h.addNode(10, gridPosition(0, 0));
    const own = me.cluster;
    const N = 0x0000a001; // the next hop toward S
    const R = 0x0000a002; // the neighbour that asks
    const S = 0x0000a0a0; // the source, two hops away through N
    let seq = 100;
    const hear = (tx: NodeId, routes: OgmFrame["nodeRoutes"]): void => {
      me.receive(encodeFrame(forgedOgm({ tx, ogmSeq: seq++, cluster: own, battery: 255, routeSeq: 7, neighbours: [{ short: shortId(10), rq: 255 }], nodeRoutes: routes })), { rssi: -80, snr: 9, at: h.now });
      h.run(h.now + 1_000);
    };
    for (let i = 0; i < 20; i++) {
      hear(N, [{ dst: S, seqno: 40, metric: 1700 }]);
      hear(R, []);
      h.run(h.now + 2 * MINUTE); // Trickle backs off
    }
    t.deepEqual(me.nextHopsTo(S, h.now), [N], "S through N");
    me.receive(request({ tx: R, next: 10, key: S, seqno: 41 }), { rssi: -80, snr: 9, at: h.now });
    h.run(h.now + 1_000);
    t.equal(me.stats.seqreqForwarded, 1, "passed on toward S");
    h.run(h.now + 20_000);
    const answeredAt = h.now;
    hear(N, [{ dst: S, seqno: 41, metric: 3400 }]); // the newer seqno, over a path twice as long
    h.run(h.now + MINUTE);
    t.atLeast(ogmsOf(h, 10, answeredAt), 1, "an OGM followed the answer within a minute");
    // The answered request is forgotten: a new one for S is passed on, not rate-limited.
    me.receive(request({ tx: R, next: 10, key: S, seqno: 42 }), { rssi: -80, snr: 9, at: h.now });
    t.equal(me.stats.seqreqForwarded, 2, "a new request is passed on");
  },
  "a flood of requests over more sources than the table holds: passing on is bounded by the relay budget"(t) {
    // Regression: rotating more than 64 sources evicted each one from the per-source table before
    // it came round again, so every request for a real source was passed on, at any ttl it carried.
    const h = new IdealMesh({ seed: 6, config: ON });
    const me = h.addNode(10, gridPosition(0, 0));
    const N = 0x0000a001; // the next hop toward the sources
    const R = 0x0000a002; // a keyholder flooding requests
    const sources = Array.from({ length: 8 }, (_, i) => 0x0000b000 + i);
    let seq = 100;
    const hear = (tx: NodeId, routes: OgmFrame["nodeRoutes"]): void => {
      me.receive(encodeFrame(forgedOgm({ tx, ogmSeq: seq++, cluster: me.cluster, battery: 255, routeSeq: 7, neighbours: [{ short: shortId(10), rq: 255 }], nodeRoutes: routes })), { rssi: -80, snr: 9, at: h.now });
      h.run(h.now + 1_000);
    };
    const adverts = sources.map((dst) => ({ dst, seqno: 40, metric: 1700 }));
    for (let i = 0; i < 3; i++) {
      hear(N, adverts);
      hear(R, []);
    }
    t.ok(sources.every((s) => me.nextHopsTo(s, h.now)[0] === N), "every source through N");
    const from = h.now;
    const st = me.stats;
    const limited0 = st.seqreqRateLimited;
    // Ten minutes, five requests a second, over 8 real sources and 100 unknown ones, ttl 255.
    const keys = [...sources, ...Array.from({ length: 100 }, (_, i) => 0x0000c000 + i)];
    let sent = 0;
    for (let i = 0; h.now - from < 10 * MINUTE; i++) {
      const key = keys[i % keys.length];
      me.receive(request({ tx: R, next: 10, key, seqno: 41 + Math.floor(i / keys.length), ttl: 255 }), { rssi: -80, snr: 9, at: h.now });
      sent++;
      if (i % 300 === 0) {
        hear(N, adverts);
        hear(R, []);
      } else h.run(h.now + 200);
    }
    const bound = SEQREQ_RELAY_BURST + Math.ceil((h.now - from) / (ON_GAP_MS / SEQREQ_RELAY_REFILL));
    t.atLeast(st.seqreqForwarded, 1, "requests are still passed on");
    t.atMost(st.seqreqForwarded, bound, `${st.seqreqForwarded} of ${sent} requests passed on in 10 min (budget ${bound})`);
    t.atLeast(st.seqreqRateLimited - limited0, 100, "the rest counted as dropped");
    const relayed = h.txLog.filter((r) => r.tx === 10 && r.type === FrameType.SEQREQ && r.at >= from);
    t.equal(relayed.length, st.seqreqForwarded);
    for (const r of relayed) {
      const d = decodeFrame(r.bytes);
      t.ok(d.ok && d.frame.type === FrameType.SEQREQ && d.frame.ttl <= 15, "a ttl of 255 is capped at seqreqHops (16) − 1");
    }
  },
  "a source's own retraction ends the echoes of its route through other neighbours"(t) {
    const h = new IdealMesh({ seed: 3, config: { withdrawnEchoes: true } });
    const me = h.addNode(10, gridPosition(0, 0));
    const own = me.cluster;
    const far = clusterFromGeohash("u0ke");
    const G = 0x0000a001; // the source: a gateway advertising the far cluster
    const E = 0x0000a002; // a neighbour echoing G's route
    let seq = 100;
    const hear = (tx: NodeId, routes: OgmFrame["clusterRoutes"], routeSeq: number): void => {
      me.receive(ogmFrom(tx, seq++, own, 10, routeSeq, routes), { rssi: -80, snr: 9, at: h.now });
      h.run(h.now + 1_000);
    };
    for (let i = 0; i < 3; i++) {
      hear(G, [{ cluster: far, origin: G, seqno: 40, metric: 1365 }], 40);
      hear(E, [{ cluster: far, origin: G, seqno: 40, metric: 1700 }], 7);
    }
    t.deepEqual(clusterVia(me, far, h.now).sort(), [G, E].sort(), "both routes held");
    hear(G, [{ cluster: far, origin: G, seqno: 40, metric: 0xffff }], 40);
    t.deepEqual(clusterVia(me, far, h.now), [], "the echo through E went with the source's retraction");
    t.atLeast(me.stats.echoesSuperseded, 1);
    hear(E, [{ cluster: far, origin: G, seqno: 40, metric: 1700 }], 7);
    t.deepEqual(clusterVia(me, far, h.now), [], "E repeating the old advertisement is refused");
    hear(E, [{ cluster: far, origin: G, seqno: 41, metric: 1700 }], 7);
    t.deepEqual(clusterVia(me, far, h.now), [E], "a newer seqno from the source is news again");
  },
  "no next-hop loop forms while nodes die and starved nodes ask for seqnos (random meshes)"(t) {
    let asked = 0;
    for (const seed of [11, 12, 13]) {
      const { h } = randomMesh(16, seed, 0.38, ON);
      t.ok(h.runUntil(() => h.fullyRouted(), 10 * MINUTE) > 0, `seed ${seed} converged`);
      h.run(h.now + 30 * MINUTE);
      // Three nodes die; everyone keeps sending to node 1 so routes die and starve.
      for (const id of [4, 9, 14]) h.kill(id);
      for (let step = 0; step < 20; step++) {
        for (const [id, n] of h.nodes) if (id !== 1 && !h.dead.has(id) && step % 4 === id % 4) n.send(h.now, 1, new Uint8Array([step]));
        h.run(h.now + 30_000);
        noLoopToward(t, h, 1, `seed ${seed}, ${step * 30} s after the deaths`);
      }
      for (const n of h.nodes.values()) asked += n.stats.seqreqSent;
    }
    t.atLeast(asked, 1, "the property ran with requests at work");
  },
});
