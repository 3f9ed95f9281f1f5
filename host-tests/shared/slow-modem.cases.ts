// A slow modem's defaults (docs/protocol.md §8.5 `slowModemPlane`), rule `floodWayBack` (§14) and rule `keyWayBack` (§14),
// on a small topology with known answers. Pure ES2022, so it runs on XS too.
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import type { MeshConfig } from "../../src/core/config";
import { WayBack } from "../../src/core/way-back";
import type { Unicast } from "../../src/core/node-state";
import { AckStatus, FloodScope, FrameType, shortId, type DataFrame, type FloodFrame, type OgmFrame } from "../../src/core/frames";
import { PRESETS } from "../../src/core/presets";
import { modemDefaults, SLOW_MODEM_DEFAULTS, slowModem } from "../../src/core/slow-modem";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { suite } from "./harness";
import { three } from "./reply-ways.cases";

const RX = { rssi: -80, snr: 8 };
/** A node outside the simulated mesh: no OGM of it was ever heard, so nobody has a route to it. */
const FAR = 0x5150;

/** The frames node `id` puts on the air within `ms` from now (each reported sent). */
function sentWithin(h: IdealMesh, id: number, ms: number): ReturnType<typeof decodeFrame>[] {
  const n = h.node(id);
  const out: ReturnType<typeof decodeFrame>[] = [];
  for (let now = h.now; now <= h.now + ms; now += 50) {
    for (let f = n.pollTransmit(now); f !== undefined; f = n.pollTransmit(now)) {
      out.push(decodeFrame(f.bytes));
      n.transmitDone(now, "sent");
    }
  }
  return out;
}

/** A flood from FAR (seq 7, hops 2) as `node` hears it from `tx`, addressed to `dst`; returned as sent. */
function heardFarFlood(h: IdealMesh, node: ReturnType<IdealMesh["node"]>, tx: number, dst: number, payload = new Uint8Array([1, 2, 3])): FloodFrame {
  const flood: FloodFrame = {
    type: FrameType.FLOOD, tx, ttl: 10, hops: 2, priority: 3, wantAck: false, scopeKind: FloodScope.NETWORK,
    src: FAR, dst, seq: 7, srcCluster: node.cluster, dstCluster: node.cluster, payload,
  };
  node.receive(encodeFrame(flood), { ...RX, at: h.now });
  return flood;
}

/** On the line 1 – 2 – 3: FAR's flood reaches 2 through 1, then 3 hands 2 a DATA to FAR (rules `keyWayBack`, `wayRoundRefused`). */
function handedAfterFlood(config: Partial<MeshConfig>): { h: IdealMesh; n2: ReturnType<IdealMesh["node"]>; flood: FloodFrame; d: DataFrame } {
  const h = three(5, config);
  const n2 = h.node(2);
  const flood = heardFarFlood(h, n2, 1, 3, new Uint8Array([1]));
  sentWithin(h, 2, 5_000);
  const d: DataFrame = { type: FrameType.DATA, tx: 3, next: 2, ttl: 10, hops: 1, priority: 3, src: 3, dst: FAR, seq: 1, dstCluster: n2.cluster, wantAck: false, bounced: false, attempt: 0, payload: new Uint8Array([5]) };
  n2.receive(encodeFrame(d), { ...RX, at: h.now });
  return { h, n2, flood, d };
}

export default suite("slow modem", {
  "slowModem: LONG_SLOW only; its defaults apply under the caller's own settings"(t) {
    t.ok(slowModem(PRESETS.LONG_SLOW), "LONG_SLOW is slow");
    for (const name of ["LONG_MODERATE", "LONG_FAST", "MEDIUM_SLOW", "MEDIUM_FAST", "SHORT_FAST"] as const) t.ok(!slowModem(PRESETS[name]), `${name} is not`);
    t.deepEqual(modemDefaults(PRESETS.LONG_SLOW), { ...SLOW_MODEM_DEFAULTS });
    t.deepEqual(modemDefaults(PRESETS.LONG_SLOW, { ogmDutyShare: 0.2, floodWayBack: false }), { triggeredMinGapFactor: 1, ogmDutyShare: 0.2, floodWayBack: false, heardNeighbourSend: true, unnamedFloodRelay: true });
    t.deepEqual(modemDefaults(PRESETS.LONG_FAST, { hopPenalty: 40 }), { hopPenalty: 40 });
    const h = new IdealMesh({ seed: 1, modem: PRESETS.LONG_SLOW });
    const slow = h.addNode(1, gridPosition(0, 0));
    t.equal(slow.config.floodWayBack, true);
    t.equal(slow.config.triggeredMinGapFactor, 1);
    t.equal(slow.config.ogmDutyShare, 0.05);
    t.equal(slow.config.heardNeighbourSend, true);
    t.equal(slow.config.unnamedFloodRelay, true);
    const fast = new IdealMesh({ seed: 1 }).addNode(1, gridPosition(0, 0));
    t.equal(fast.config.floodWayBack, false, "SHORT_FAST keeps the core's defaults");
    t.equal(fast.config.triggeredMinGapFactor, 0.25);
    t.equal(fast.config.heardNeighbourSend, false);
    t.equal(fast.config.unnamedFloodRelay, false);
  },
  "floodWayBack: a message to a flood's source without a route goes back as DATA to the neighbour the flood came from"(t) {
    for (const on of [false, true]) {
      const h = three(5, { floodWayBack: on });
      const three3 = h.node(3);
      // A flood from FAR (no route to it anywhere) reaches 3 through 2.
      heardFarFlood(h, three3, 2, 1);
      const r = three3.send(h.now, FAR, new Uint8Array([9]));
      t.ok(r.ok, `send accepted (${on ? "on" : "off"})`);
      const frames = sentWithin(h, 3, 5_000).filter((d) => d.ok && d.frame.type !== FrameType.OGM);
      const data = frames.find((d) => d.ok && d.frame.type === FrameType.DATA && d.frame.dst === FAR);
      if (on) {
        t.ok(data !== undefined && data.ok && data.frame.type === FrameType.DATA && data.frame.next === 2, "the DATA goes to 2, the way the flood came");
        t.ok(!frames.some((d) => d.ok && d.frame.type === FrameType.FLOOD && d.frame.src === 3), "no flood of our own");
      } else t.equal(data, undefined, "without the rule no routed DATA: a lookup or a flood");
    }
  },
  "floodWayBack: a way back that fails is forgotten, and the message is looked up or flooded as without the rule"(t) {
    const h = three(5, { floodWayBack: true });
    const n3 = h.node(3);
    // A DATA from FAR handed to 3 by 2 (2 has no way to FAR: it will refuse).
    const d: DataFrame = { type: FrameType.DATA, tx: 2, next: 3, ttl: 10, hops: 1, priority: 3, src: FAR, dst: 3, seq: 1, dstCluster: n3.cluster, wantAck: false, bounced: false, attempt: 0, payload: new Uint8Array([1]) };
    n3.receive(encodeFrame(d), { ...RX, at: h.now });
    t.equal(n3.send(h.now, FAR, new Uint8Array([9]), { wantAck: true }).ok, true);
    const from = h.txLog.length;
    h.run(h.now + 60_000);
    const mine = h.txLog.slice(from).filter((x) => x.tx === 3).map((x) => decodeFrame(x.bytes)).filter((x) => x.ok);
    t.ok(mine.some((x) => x.ok && x.frame.type === FrameType.DATA && x.frame.dst === FAR && x.frame.next === 2), "the way back was tried first");
    t.ok(mine.some((x) => x.ok && (x.frame.type === FrameType.FLOOD || x.frame.type === FrameType.LOCATE_Q)), "then a lookup or a flood, not a failure at once");
    t.ok(n3.send(h.now, FAR, new Uint8Array([10])).ok);
    const later = h.txLog.length;
    h.run(h.now + 5_000);
    t.ok(!h.txLog.slice(later).some((x) => { const f = decodeFrame(x.bytes); return x.tx === 3 && f.ok && f.frame.type === FrameType.DATA && f.frame.dst === FAR && f.frame.next === 2; }), "the failed way is forgotten: the next message does not take it");
  },
  "floodWayBack: a relay takes only a way a flood came, so ways learnt from DATA cannot lead a message round a loop"(t) {
    const h = three(5, { floodWayBack: true });
    const [n1, n2] = [h.node(1), h.node(2)];
    // 1 learns its way to FAR from a flood that came through 2; 2 learns one from a DATA 3 handed it.
    heardFarFlood(h, n1, 2, 3, new Uint8Array([1]));
    const d: DataFrame = { type: FrameType.DATA, tx: 3, next: 2, ttl: 10, hops: 1, priority: 3, src: FAR, dst: 1, seq: 1, dstCluster: n1.cluster, wantAck: false, bounced: false, attempt: 0, payload: new Uint8Array([1]) };
    n2.receive(encodeFrame(d), { ...RX, at: h.now });
    const from = h.txLog.length;
    t.equal(n1.send(h.now, FAR, new Uint8Array([9])).ok, true);
    h.run(h.now + 30_000);
    const sent = h.txLog.slice(from).map((x) => ({ tx: x.tx, f: decodeFrame(x.bytes) }));
    t.ok(sent.some((x) => x.tx === 1 && x.f.ok && x.f.frame.type === FrameType.DATA && x.f.frame.dst === FAR && x.f.frame.next === 2), "the originator takes its way back, to 2");
    t.ok(!sent.some((x) => x.tx === 2 && x.f.ok && x.f.frame.type === FrameType.DATA && x.f.frame.dst === FAR && x.f.frame.next === 3), "2 does not pass it on the way a DATA came");
  },
  "keyWayBack: a key answer (SendOptions.wayBack) with no route goes back the way the asker's flood came; other DATA does not"(t) {
    for (const on of [false, true]) {
      const h = three(5, { keyWayBack: on });
      const n3 = h.node(3);
      // The asker FAR's flood (its key request) reaches 3 through 2; nobody has a route to FAR.
      heardFarFlood(h, n3, 2, 3);
      t.ok(n3.send(h.now, FAR, new Uint8Array([8])).ok, "an ordinary message accepted");
      const plain = sentWithin(h, 3, 5_000).find((d) => d.ok && d.frame.type === FrameType.DATA && d.frame.dst === FAR);
      t.equal(plain, undefined, `${on ? "on" : "off"}: an ordinary DATA keeps today's path (a lookup or a flood), not the way back`);
      t.ok(n3.send(h.now, FAR, new Uint8Array([9]), { wayBack: true }).ok, "the answer accepted");
      const frames = sentWithin(h, 3, 5_000);
      const data = frames.find((d) => d.ok && d.frame.type === FrameType.DATA && d.frame.dst === FAR && d.frame.payload[0] === 9);
      if (on) t.ok(data !== undefined && data.ok && data.frame.type === FrameType.DATA && data.frame.next === 2, "the answer goes to 2, the way the flood came");
      else t.equal(data, undefined, "without the rule no routed answer: a lookup or a flood");
    }
  },
  "keyAnswerWayPasses: a key answer from a node with no usable neighbour goes back the way the asker's flood came instead of being refused; other DATA is still refused"(t) {
    for (const on of [false, true]) {
      // Node 3 has heard no OGM at all (no usable neighbour, health 0); the asker FAR's flood
      // (its key request) reaches it from 2, a neighbour whose OGM has not come yet.
      const h = new IdealMesh({ seed: 5, config: { keyAnswerWayPasses: on } });
      const n3 = h.addNode(3, gridPosition(0, 0));
      heardFarFlood(h, n3, 2, 3);
      const plain = n3.send(h.now, FAR, new Uint8Array([8]));
      t.equal(plain.ok ? "ok" : plain.code, "no-route", `${on ? "on" : "off"}: an ordinary message is refused as before`);
      const r = n3.send(h.now, FAR, new Uint8Array([9]), { wayBack: true, priority: 2 });
      const data = sentWithin(h, 3, 5_000).find((d) => d.ok && d.frame.type === FrameType.DATA && d.frame.dst === FAR && d.frame.payload[0] === 9);
      if (on) {
        t.ok(r.ok, "the answer is taken");
        t.ok(data !== undefined && data.ok && data.frame.type === FrameType.DATA && data.frame.next === 2, "and goes to 2, the way the flood came");
      } else {
        t.equal(r.ok ? "ok" : r.code, "no-route", "without the rule the answer is refused no-route");
        t.equal(data, undefined);
      }
      // No way back to this asker: refused with the rule too.
      const other = n3.send(h.now, FAR + 1, new Uint8Array([7]), { wayBack: true, priority: 2 });
      t.equal(other.ok ? "ok" : other.code, "no-route", `${on ? "on" : "off"}: no flood way, no pass`);
    }
  },
  "keyWayBack: a relay handed a DATA it has no route for passes it on the way a flood from its destination came, never back to the hand it came from"(t) {
    for (const on of [false, true]) {
      // FAR's flood reached 2 through 1; then 3 hands 2 the answer to FAR.
      const { h, flood, d } = handedAfterFlood({ keyWayBack: on });
      const on1 = sentWithin(h, 2, 5_000).some((x) => x.ok && x.frame.type === FrameType.DATA && x.frame.dst === FAR && x.frame.next === 1 && !x.frame.bounced);
      t.equal(on1, on, `${on ? "on" : "off"}: the relay passes it to 1, the way the flood came`);
      // A flood whose first copy came from 3 itself: the relay never sends the DATA back to 3.
      const h2 = three(5, { keyWayBack: on });
      const m2 = h2.node(2);
      m2.receive(encodeFrame({ ...flood, tx: 3 }), { ...RX, at: h2.now });
      sentWithin(h2, 2, 5_000);
      m2.receive(encodeFrame(d), { ...RX, at: h2.now });
      t.ok(!sentWithin(h2, 2, 5_000).some((x) => x.ok && x.frame.type === FrameType.DATA && x.frame.dst === FAR && x.frame.next === 3 && !x.frame.bounced), "never forward back to the neighbour that handed it");
    }
  },
  "keyWayBack: a relay's DATA failure forgets a way only when the DATA could have taken it, never for the hand it came from"(t) {
    // D's flood (seq 42, wanting an ACK) reached relay 2 through 7. (Review, session 16.)
    const D = 0x5150;
    const way = (): WayBack => {
      const w = new WayBack(2, { floodWayBack: false, ackWayBack: true, keyWayBack: true });
      w.learn(D, 7, 0, true, 42);
      return w;
    };
    const data = (prevHop: number | undefined, tried: number[], wayBack = false): Unicast =>
      ({ ftype: FrameType.DATA, dst: D, tried: new Set(tried), prevHop, originated: prevHop === undefined, ...(wayBack ? { wayBack: true } : {}) }) as unknown as Unicast;
    const handed = way();
    t.equal(handed.forgetFailed(data(7, [7, 9])), false, "7 handed it the DATA (untried, in `tried` as excluded): the way stays");
    t.equal(handed.ackTo(D, 42, 1_000, { from: 11 }), 7, "and D's flood's ACK still goes back by it");
    t.equal(way().forgetFailed(data(11, [11, 7])), true, "the way's hop tried and failed: forgotten");
    t.equal(way().forgetFailed(data(undefined, [7])), false, "an ordinary DATA at its writer never took the way");
    t.equal(way().forgetFailed(data(undefined, [7], true)), true, "a key answer at its writer took it and failed: forgotten");
  },
  "WayBack: a relay's way back is never the hand the frame came from, nor a way a DATA came (the class's own guard)"(t) {
    // In a node the hand is also kept off by callers (a relay's `tried` holds it; `hasReverseHop`
    // compares with the sender), so only a test of the class itself sees this guard.
    const D = 0x5150;
    for (const cfg of [{ floodWayBack: false, ackWayBack: true, keyWayBack: true }, { floodWayBack: true, ackWayBack: true, keyWayBack: false }]) {
      const w = new WayBack(2, cfg);
      w.learn(D, 7, 0, true, 42);
      const name = cfg.floodWayBack ? "floodWayBack" : "keyWayBack";
      t.equal(w.to(D, 1_000, { from: 9 }), 7, `${name}: a relay handed the DATA by 9 takes the way, to 7`);
      t.equal(w.to(D, 1_000, { from: 7 }), undefined, `${name}: handed it by 7, never back to 7`);
      t.equal(w.ackTo(D, 42, 1_000, { from: 9 }), 7, `${name}: the flood's ACK handed by 9 goes to 7`);
      t.equal(w.ackTo(D, 42, 1_000, { from: 7 }), undefined, `${name}: handed it by 7, never back to 7`);
      t.equal(w.to(D, 1_000, undefined, true), 7, `${name}: the writer of a key answer (no hand) takes the way`);
      if (cfg.floodWayBack) {
        w.learn(D, 8, 0, false); // a DATA from D handed to us by 8
        t.equal(w.to(D, 1_000), 8, "floodWayBack: its writer takes a way a DATA came");
        t.equal(w.to(D, 1_000, { from: 9 }), undefined, "a relay does not");
      }
    }
  },
  "wayRoundRefused: ways from different floods that point round a cycle of relays send the DATA back to its writer; without the rule it is lost where it came round"(t) {
    for (const on of [false, true]) {
      // 1 – 2, and the triangle 2 – 3 – 4. Three floods from FAR, each heard at one node only, point
      // 2 at 3, 3 at 4 and 4 at 2 (second review, session 16); 1 heard FAR's flood from 2.
      const h = new IdealMesh({ seed: 5, config: { keyWayBack: true, wayRoundRefused: on } });
      for (const [id, x, y] of [[1, 0, 0], [2, 1, 0], [3, 2, 0], [4, 1, 1]] as const) h.addNode(id, gridPosition(x, y));
      h.link(1, 2);
      h.link(2, 3);
      h.link(3, 4);
      h.link(4, 2);
      h.runUntil(() => h.fullyRouted(), 10 * 60_000, 1_000);
      h.run(h.now + 60_000);
      const cluster = h.node(1).cluster;
      for (const [at, tx, seq] of [[2, 3, 7], [3, 4, 8], [4, 2, 9], [1, 2, 10]] as const) {
        const flood: FloodFrame = {
          type: FrameType.FLOOD, tx, ttl: 10, hops: 2, priority: 3, wantAck: false, scopeKind: FloodScope.NETWORK,
          src: FAR, dst: 0x77, seq, srcCluster: cluster, dstCluster: cluster, payload: new Uint8Array([seq]),
        };
        h.node(at).receive(encodeFrame(flood), { ...RX, at: h.now });
        sentWithin(h, at, 5_000); // heard here only: its relays never go on the air
      }
      const from = h.txLog.length;
      t.ok(h.node(1).send(h.now, FAR, new Uint8Array([9]), { wayBack: true }).ok, "the key answer accepted");
      h.run(h.now + 60_000);
      const sent = h.txLog.slice(from).map((x) => ({ tx: x.tx, f: decodeFrame(x.bytes) }));
      const hopAck = (tx: number, to: number, status: number) => sent.some((x) => x.tx === tx && x.f.ok && x.f.frame.type === FrameType.ACK && x.f.frame.kind === "hop" && x.f.frame.to === to && x.f.frame.dst === FAR && x.f.frame.status === status);
      const passed = (tx: number, next: number) => sent.some((x) => x.tx === tx && x.f.ok && x.f.frame.type === FrameType.DATA && x.f.frame.dst === FAR && x.f.frame.next === next && !x.f.frame.bounced);
      const handedBack = sent.some((x) => x.tx === 2 && x.f.ok && x.f.frame.type === FrameType.DATA && x.f.frame.dst === FAR && x.f.frame.next === 1 && x.f.frame.bounced);
      const fellBack = sent.some((x) => x.tx === 1 && x.f.ok && (x.f.frame.type === FrameType.FLOOD || x.f.frame.type === FrameType.LOCATE_Q)) || h.eventsOf(1, "send-failed").length > 0;
      t.ok(passed(1, 2) && passed(2, 3) && passed(3, 4) && passed(4, 2), `${on ? "on" : "off"}: the DATA went round: 1 → 2 → 3 → 4 → 2`);
      const wayHops = sent.filter((x) => x.f.ok && x.f.frame.type === FrameType.DATA && x.f.frame.wayHop === true).length;
      if (!on) {
        t.ok(hopAck(2, 4, AckStatus.DELIVERED) && !handedBack && !fellBack, "off: 2 confirms the copy that came round as a duplicate, and the writer hears nothing more");
        t.equal(wayHops, 0, "off: no DATA carries flag b7 (the bytes of the firmware before the rule), though the hops were ways back");
        continue;
      }
      t.ok(wayHops > 0, "on: the hops by a way back carry flag b7");
      t.ok(hopAck(2, 4, AckStatus.NO_ROUTE) && !hopAck(2, 4, AckStatus.DELIVERED), "on: 2 refuses the copy that came round");
      t.ok(handedBack, "the DATA is handed back to its writer");
      t.ok(fellBack, "which floods it, looks FAR up or reports the failure: the message is not lost without a word");
      t.equal(h.node(2).stats.waysRound, 1, "one copy refused");
    }
  },
  "wayRoundRefused: the hand's own retry of a DATA passed on by a way back, or a copy that came no further, is still confirmed; one that came further from another node by a way back (flag b7) is refused, by a table route (a failover or loop) confirmed"(t) {
    for (const on of [false, true]) {
      // FAR's flood reached 2 through 1; 3 hands 2 a DATA to FAR, which 2 passes on to 1 by that way.
      const { h, n2, d } = handedAfterFlood({ keyWayBack: true, wayRoundRefused: on });
      t.ok(sentWithin(h, 2, 5_000).some((x) => x.ok && x.frame.type === FrameType.DATA && x.frame.next === 1), "2 passes it to 1");
      // 1 forwards it (2 overhears: custody ends), then 3's retry and a copy "from" 9 come in.
      n2.receive(encodeFrame({ ...d, tx: 1, next: 4, hops: 3, ttl: 8 }), { ...RX, at: h.now });
      // Each copy but the last came by a way back (its sender set b7), the harder case.
      const status = (tx: number, hops = d.hops, wayHop = true) => {
        n2.receive(encodeFrame({ ...d, tx, hops, ...(wayHop ? { wayHop } : {}) }), { ...RX, at: h.now });
        const acks = sentWithin(h, 2, 2_000).filter((x) => x.ok && x.frame.type === FrameType.ACK && x.frame.kind === "hop" && x.frame.to === tx);
        return acks.length === 1 && acks[0].ok && acks[0].frame.type === FrameType.ACK && acks[0].frame.kind === "hop" ? acks[0].frame.status : -1;
      };
      t.equal(status(3), AckStatus.DELIVERED, `${on ? "on" : "off"}: the hand's retry (its sender missed our forward) is confirmed`);
      t.equal(status(9), AckStatus.DELIVERED, `${on ? "on" : "off"}: a copy from another node that came no further than ours (its sender's failover through a neighbour) is confirmed`);
      t.equal(status(9, 2), AckStatus.DELIVERED, `${on ? "on" : "off"}: a copy with our own count (a failover through one neighbour) is confirmed`);
      t.equal(status(9, 3), AckStatus.DELIVERED, `${on ? "on" : "off"}: a copy one hop further than ours (a failover through two neighbours) is confirmed`);
      t.equal(status(9, 4), on ? AckStatus.NO_ROUTE : AckStatus.DELIVERED, on ? "on: one from another node two hops further than ours (round a cycle of three) is refused, to that node only" : "off: confirmed as a duplicate");
      t.equal(status(9, 6, false), AckStatus.DELIVERED, `${on ? "on" : "off"}: one further still but sent us by a table route (a failover, a loop of tables, a late return) is confirmed`);
    }
  },
  "wayRoundRefused: flag b7 marks only the attempt that takes a way back; the next attempt of the same DATA, after a refusal, carries none"(t) {
    const { h, n2, d } = handedAfterFlood({ keyWayBack: true, wayRoundRefused: true });
    const isOurs = (x: ReturnType<typeof decodeFrame>) => x.ok && x.frame.type === FrameType.DATA && x.frame.src === d.src && x.frame.dst === FAR && x.frame.seq === d.seq;
    const first = sentWithin(h, 2, 5_000).filter(isOurs);
    t.ok(first.length >= 1 && first.every((x) => x.ok && x.frame.type === FrameType.DATA && x.frame.next === 1 && x.frame.wayHop === true), "2 passes the DATA to 1 by the flood's way, flag b7 set");
    // 1 refuses it: no route on from there. 2 dispatches the DATA again (failover or hand-back), a new attempt.
    n2.receive(encodeFrame({ type: FrameType.ACK, kind: "hop", tx: 1, to: 2, status: AckStatus.NO_ROUTE, src: d.src, dst: FAR, seq: d.seq }), { ...RX, at: h.now });
    const later = sentWithin(h, 2, 60_000).filter(isOurs);
    t.ok(later.length >= 1, "2 sends the DATA again");
    t.ok(later.every((x) => x.ok && x.frame.type === FrameType.DATA && x.frame.wayHop !== true), "none of its later copies carries the earlier attempt's b7");
  },
  "heardNeighbourSend: a node that hears a neighbour whose OGM does not list it yet sends through it instead of refusing no-route"(t) {
    for (const on of [false, true]) {
      const h = new IdealMesh({ seed: 3, config: { heardNeighbourSend: on } });
      const one = h.addNode(1, gridPosition(0, 0));
      // Node 2's OGM, heard by 1; it lists no neighbour (2 has not heard 1 yet), so tq is 0.
      const ogm: OgmFrame = {
        type: FrameType.OGM, tx: 2, ogmSeq: 1, hasFix: true, border: false, relayActive: true, homeless: false, cluster: one.cluster,
        battery: 255, load: 0, intervalUnits: 240, relayPrio: 0, routeSeq: 1, cycle: 1, neighbours: [], nodeRoutes: [], clusterRoutes: [],
      };
      one.receive(encodeFrame(ogm), { ...RX, at: h.now });
      const nb = one.neighbours(h.now);
      t.ok(nb.length === 1 && nb[0].rq > 0 && !nb[0].usable, `2 heard, not usable (${on ? "on" : "off"})`);
      const r = one.send(h.now, FAR, new Uint8Array([9]));
      if (!on) {
        t.ok(!r.ok && r.code === "no-route", "without the rule: refused no-route");
        continue;
      }
      t.ok(r.ok, "with the rule: accepted");
      const frames = sentWithin(h, 1, 120_000).filter((d) => d.ok && d.frame.type !== FrameType.OGM);
      t.ok(frames.some((d) => d.ok && (d.frame.type === FrameType.FLOOD || d.frame.type === FrameType.LOCATE_Q)), "the message goes on the air (a lookup or a flood)");
    }
  },
  "unnamedFloodRelay: a holder of the originator's copy of a flood that names others, heard 10 dB over the limit, relays it after them, unless it hears another copy first; weak and later copies as before"(t) {
    const flood = (tx: number, hops: number, cluster: number): FloodFrame => ({
      type: FrameType.FLOOD, tx, ttl: 10, hops, priority: 3, wantAck: false, scopeKind: FloodScope.NETWORK, forwarders: [shortId(7)],
      src: 2, dst: FAR, seq: 9, srcCluster: cluster, dstCluster: cluster, payload: new Uint8Array([1, 2, 3]),
    });
    // [rule on, copies heard: [tx, hops, snr] ..., relayed expected] (SHORT_FAST: SF7, limit −7.5 dB)
    const cases: [boolean, [number, number, number][], boolean, string][] = [
      [false, [[2, 0, 8]], false, "without the rule a holder not named stays quiet"],
      [true, [[2, 0, 8]], true, "with the rule the holder of the originator's copy (15.5 dB over the limit) relays it"],
      [true, [[2, 0, 8], [7, 1, 8]], false, "a second copy heard before its turn stands it down (the copy counter)"],
      [true, [[3, 1, 8]], false, "a relay's copy (hops 1) not naming it: quiet as before"],
      [true, [[2, 0, -1]], false, "the originator's copy 6.5 dB over the limit: quiet as before"],
    ];
    for (const [on, copies, relayed, what] of cases) {
      const h = new IdealMesh({ seed: 4, config: { unnamedFloodRelay: on } });
      const one = h.addNode(1, gridPosition(0, 0));
      for (const [tx, hops, snr] of copies) one.receive(encodeFrame(flood(tx, hops, one.cluster)), { rssi: -80, snr, at: h.now });
      const out = sentWithin(h, 1, 120_000).filter((d) => d.ok && d.frame.type === FrameType.FLOOD);
      t.equal(out.length, relayed ? 1 : 0, what);
      if (relayed) t.ok(out[0].ok && out[0].frame.type === FrameType.FLOOD && out[0].frame.hops === 1 && out[0].frame.tx === 1, "its relay: hops 1, from node 1");
    }
    // A holder that stood down on the copy counter never relayed: a backup naming it later is
    // relayed, as without the rule (first review, session 17: the relay counted as sent when queued).
    for (const on of [false, true]) {
      const h = new IdealMesh({ seed: 4, config: { unnamedFloodRelay: on } });
      const one = h.addNode(1, gridPosition(0, 0));
      one.receive(encodeFrame(flood(2, 0, one.cluster)), { rssi: -80, snr: 8, at: h.now });
      one.receive(encodeFrame(flood(7, 1, one.cluster)), { rssi: -80, snr: 8, at: h.now });
      t.equal(sentWithin(h, 1, 60_000).filter((d) => d.ok && d.frame.type === FrameType.FLOOD).length, 0, `${on ? "on" : "off"}: stood down`);
      one.receive(encodeFrame({ ...flood(2, 0, one.cluster), forwarders: [shortId(1)], backup: true }), { rssi: -80, snr: 8, at: h.now });
      t.equal(sentWithin(h, 1, 120_000).filter((d) => d.ok && d.frame.type === FrameType.FLOOD).length, 1, `${on ? "on" : "off"}: the backup naming it is relayed`);
    }
  },
});
