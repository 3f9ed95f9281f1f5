// Forwarding when next hops move away (docs/protocol.md §7.3): known answers on small topologies.
// Pure ES2022, so it runs on XS too.
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { type MeshConfig, resolveConfig } from "../../src/core/config";
import { AckStatus, FloodScope, FrameType, OGM_INTERVAL_UNIT_MS, type DataFrame, type OgmFrame, shortId } from "../../src/core/frames";
import type { NodeId } from "../../src/core/station";
import { DRIVEN_OFF_MS, LINK_OUTRUN_M, NeighbourTable } from "../../src/core/neighbour-table";
import { DRIVING_STEP_GAP_MS } from "../../src/core/node-state";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { CELLS, clusterRowMesh, inCell } from "../../src/demo/topologies";
import { MOVING_FLOOD_MEMORY_MS } from "../../src/core/flood-budget";
import { resendUnechoed } from "../../src/core/flooding";
import { forgedOgm } from "./forged-ogm";
import { PRESETS, slotTimeMs } from "../../src/core/presets";
import { suite } from "./harness";
import { dataSent } from "./tx-log";

const MINUTE = 60_000;

/**
 * One real relay (10) among phantom neighbours whose frames the case writes: P hands it DATA for
 * D, N advertises D and then never confirms, so 10 hands the frame back to P, which never
 * confirms either. `newRoute` runs once the hand-back is on the air.
 */
const ME = 10;
const P = 0x0000a001;
const N = 0x0000a003;
const N2 = 0x0000a005;
const D = 0x0000a0a0;
function handBackRig(newRoute: (h: IdealMesh, hear: (tx: NodeId, routes: OgmFrame["nodeRoutes"]) => void) => void): { h: IdealMesh; data: DataFrame; handBackAt: number } {
  const h = new IdealMesh({ seed: 6, config: { ogmTrickleMaxMs: 30_000 } });
  const me = h.addNode(ME, gridPosition(0, 0));
  let seq = 100;
  const hear = (tx: NodeId, routes: OgmFrame["nodeRoutes"]): void => {
    me.receive(encodeFrame(forgedOgm({ tx, ogmSeq: seq++, cluster: me.cluster, routeSeq: 7, neighbours: [{ short: shortId(ME), rq: 255 }], nodeRoutes: routes })), { rssi: -80, snr: 9, at: h.now });
    h.run(h.now + 1_000);
  };
  for (let i = 0; i < 12; i++) {
    hear(P, []);
    hear(N, [{ dst: D, seqno: 40, metric: 1700 }]);
    hear(N2, []);
    h.run(h.now + 30_000);
  }
  const data: DataFrame = { type: FrameType.DATA, tx: P, next: ME, ttl: 9, hops: 1, priority: 3, src: P, dst: D, seq: 1, dstCluster: me.cluster, wantAck: false, bounced: false, attempt: 0, payload: Uint8Array.of(7) };
  me.receive(encodeFrame(data), { rssi: -80, snr: 9, at: h.now });
  const handBackAt = h.runUntil(() => dataSent(h, ME, 0).some((f) => f.next === P && f.bounced), h.now + 2 * MINUTE, 50);
  newRoute(h, hear);
  h.run(h.now + 2 * MINUTE);
  return { h, data, handBackAt };
}

/** Bounced DATA frames node `tx` sent since `mark` (an index into the transmission log). */
function handBacks(h: IdealMesh, tx: number, mark: number): number {
  return dataSent(h, tx, mark).filter((f) => f.bounced).length;
}

/**
 * §14.1's corridor rig: four clusters W (1–4), M (5–8), E (9–12), N (13–16) in a row; once routes
 * settle 12 moves within E (its link to 11 gone, 10 heard instead), so 1's routes toward it lead
 * nowhere and its message to 12 ends in a corridor flood. Node 1 steps `stepM` round a triangle every
 * `everyMs` throughout (0: it stands still): 220 m every 20 s is a car in traffic (11 m/s, 5.5 m/s
 * net over two steps: driving), 110 m every 100 s a walker (1.1 m/s, moving but not driving).
 */
const CAR = { stepM: 220, everyMs: 20_000 };
const WALKER = { stepM: 110, everyMs: 100_000 };
const STILL = { stepM: 0, everyMs: 0 };
function corridorRig(motion: { stepM: number; everyMs: number }, config: Partial<MeshConfig> = {}): { h: IdealMesh; step: () => void } {
  const h = clusterRowMesh(4, config);
  h.runUntil(() => h.fullyRouted(), h.now + 10 * MINUTE, 1_000);
  h.run(h.now + 2 * MINUTE);
  h.unlink(11, 12);
  // At the edge of reach (1.5 dB over SF7's limit, under own reach's 3 dB): 10 takes no heardShortcut (§6.1).
  h.link(10, 12, { snr: -6 });
  const home = inCell(CELLS.W, 0.2, 0.5);
  let k = 0;
  let next = h.now;
  const step = (): void => {
    if (motion.stepM === 0 || h.now < next) return;
    next = h.now + motion.everyMs;
    // Round a triangle of `stepM` sides (to and fro would net nothing over two steps, rule `netSpeed`).
    const corner = k++ % 3;
    const dLat = corner === 0 ? 0 : corner === 1 ? motion.stepM / 111_200 : motion.stepM / 2 / 111_200;
    const dLon = corner === 2 ? (motion.stepM * Math.sqrt(3)) / 2 / (111_200 * Math.cos((home.lat * Math.PI) / 180)) : 0;
    h.node(1).setPosition(h.now, { lat: home.lat + dLat, lon: home.lon + dLon });
  };
  step();
  return { h, step };
}

/** Times (ms) of the corridor floods node 1 originated since txLog index `mark`, for message `seq`. */
function ownFloods(h: IdealMesh, mark: number, seq: number): number[] {
  const out: number[] = [];
  for (const r of h.txLog.slice(mark)) {
    if (r.type !== FrameType.FLOOD || r.tx !== 1) continue;
    const d = decodeFrame(r.bytes);
    if (d.ok && d.frame.type === FrameType.FLOOD && d.frame.src === 1 && d.frame.seq === seq) out.push(r.at);
  }
  return out;
}

/** Runs the rig for `ms` in 1 s steps, node 1 moving as the rig says. */
function drive(rig: { h: IdealMesh; step: () => void }, ms: number): void {
  const end = rig.h.now + ms;
  while (rig.h.now < end) {
    rig.step();
    rig.h.run(Math.min(end, rig.h.now + 1_000));
  }
}

/** Runs the mesh for `ms`, moving the drivers (`drive`) every 5 s. */
function runDriving(h: IdealMesh, ms: number, drive: () => void): void {
  const end = h.now + ms;
  while (h.now < end) {
    h.run(Math.min(end, h.now + 5_000));
    drive();
  }
}

/** Node 1 hearing 2..6 (batteries at 0.3, so health hangs on the neighbourhood), converged. */
function starOfSix(): IdealMesh {
  const h = new IdealMesh({ seed: 2, config: { ogmTrickleMaxMs: 30_000 } });
  h.addNode(1, gridPosition(0, 0), { battery: 0.3 });
  for (let i = 2; i <= 6; i++) {
    h.addNode(i, gridPosition(i, 1), { battery: 0.3 });
    h.link(1, i);
  }
  h.runUntil(() => h.node(1).neighbours(h.now).length === 5, 10 * MINUTE, 1_000);
  return h;
}

export default suite("mobility rules", {
  "movingCeiling: a moving node's OGMs stop at 16 min while a standing one's reach 32; once it stands still it reaches 32 too"(t) {
    const h = new IdealMesh({ seed: 8 });
    for (let i = 1; i <= 3; i++) h.addNode(i, gridPosition(i - 1, 0));
    h.link(1, 2);
    h.link(2, 3);
    const home = gridPosition(0, 0);
    let k = 0;
    const intervals = (id: number, from: number, to: number): number[] =>
      h.txLog
        .filter((r) => r.type === FrameType.OGM && r.tx === id && r.at >= from && r.at < to)
        .map((r) => decodeFrame(r.bytes))
        .map((d) => (d.ok && d.frame.type === FrameType.OGM ? d.frame.intervalUnits * OGM_INTERVAL_UNIT_MS : 0));
    // Node 1 walks round a 300-m triangle, a corner every 2 min, for 4 h.
    while (h.now < 4 * 3600_000) {
      const corner = k++ % 3;
      h.node(1).setPosition(h.now, { lat: home.lat + (corner === 1 ? 300 / 111_200 : corner === 2 ? 150 / 111_200 : 0), lon: home.lon + (corner === 2 ? 260 / (111_200 * Math.cos((home.lat * Math.PI) / 180)) : 0) });
      h.run(h.now + 2 * 60_000);
    }
    const moving = intervals(1, 2 * 3600_000, 4 * 3600_000);
    t.atLeast(moving.length, 4);
    t.atMost(Math.max(...moving), 16 * 60_000 + 8_000, `moving: every interval at most 16 min (${moving.map((x) => Math.round(x / 1000))} s)`);
    t.atLeast(Math.max(...intervals(3, 2 * 3600_000, 4 * 3600_000)), 32 * 60_000, "the standing node at the end of the line: 32 min");
    const still = h.now;
    h.run(still + 3 * 3600_000);
    t.atLeast(Math.max(...intervals(1, still + 3600_000, Infinity)), 32 * 60_000, "standing still: 32 min");
    t.ok(h.fullyRouted(), "routed throughout");
  },
  "resendUnechoed: a driving originator whose flood nobody relays sends it once more; not when a relay is heard, nor when it walks or stands still"(t) {
    t.ok(resendUnechoed(FrameType.FLOOD, false, true, false), "the rule's own terms");
    t.ok(!resendUnechoed(FrameType.FLOOD, true, true, false) && !resendUnechoed(FrameType.FLOOD, false, false, false) && !resendUnechoed(FrameType.FLOOD, false, true, true));
    const floods = (motion: { stepM: number; everyMs: number }, loseFirst: boolean): { times: number[]; delivered: number } => {
      const rig = corridorRig(motion);
      const { h } = rig;
      // The first copy of 1's flood is heard by nobody (a collision at every neighbour); 12's OGMs
      // are lost too, so no new route to it is learned meanwhile.
      let lost = 0;
      h.dropIf = (bytes, from) => ((bytes[0] & 15) === FrameType.OGM && from === 12) || (loseFirst && from === 1 && (bytes[0] & 15) === FrameType.FLOOD && lost++ === 0);
      drive(rig, 3 * (motion.everyMs + 1_000)); // three steps: the odometer has a speed over two
      const mark = h.txLog.length;
      const r = h.node(1).send(h.now, 12, new Uint8Array([0xd1]), { priority: 3, wantAck: false });
      if (!r.ok) return { times: [], delivered: -1 };
      drive(rig, 2 * MINUTE);
      return { times: ownFloods(h, mark, r.seq), delivered: h.eventsOf(12, "delivered").filter((e) => e.payload[0] === 0xd1).length };
    };
    const lostDriving = floods(CAR, true);
    t.equal(lostDriving.times.length, 2, `driving, first copy lost: sent twice (without the rule: once), got ${lostDriving.times.length}`);
    t.equal(lostDriving.delivered, 1, "and the second copy arrives");
    t.equal(floods(CAR, false).times.length, 1, "driving, its flood relayed: sent once");
    t.equal(floods(WALKER, true).times.length, 1, "walking, first copy lost: sent once");
    t.equal(floods(STILL, true).times.length, 1, "standing still, first copy lost: sent once (its forwarders are named and watched instead)");
  },

  "netSpeed: a static node whose GPS glitches 150 m and back is not driving, and resends no flood unechoed"(t) {
    const rig = corridorRig(STILL);
    const { h } = rig;
    const home = inCell(CELLS.W, 0.2, 0.5);
    const node = h.node(1);
    for (let k = 0; k < 30; k++) {
      node.setPosition(h.now, home);
      h.run(h.now + 1_000);
    }
    // One fix 150 m off (within plausibleStep a second later), and the next one back home.
    node.setPosition(h.now, { lat: home.lat + 150 / 111_200, lon: home.lon });
    h.run(h.now + 1_000);
    node.setPosition(h.now, home);
    t.ok(!node.driving(h.now), "back home: not driving (without the rule: 150 m/s, driving for MOVING_MS)");
    let lost = 0;
    h.dropIf = (bytes, from) => ((bytes[0] & 15) === FrameType.OGM && from === 12) || (from === 1 && (bytes[0] & 15) === FrameType.FLOOD && lost++ === 0);
    const mark = h.txLog.length;
    const r = h.node(1).send(h.now, 12, new Uint8Array([0xd3]), { priority: 3, wantAck: false });
    t.ok(r.ok, "sent");
    if (!r.ok) return;
    h.run(h.now + 2 * MINUTE);
    t.equal(ownFloods(h, mark, r.seq).length, 1, "its flood, first copy lost, goes out once (forwarders named and watched instead)");
    t.equal(node.stats.unechoedResends, 0, "no unechoed resend");
  },

  "reackReflood: a destination acknowledges a flood again when a copy comes well after the first (its originator's second flood), not every relay's copy"(t) {
    // Line 1–2–3: 3 is handed a flood from 1 by 2 (written by the case), as its first copy, a relay's
    // copy 5 s later, and the originator's second flood 70 s later, after its ACK was lost.
    const h = new IdealMesh({ seed: 4, config: { ogmTrickleMaxMs: 30_000 } });
    for (let i = 1; i <= 3; i++) h.addNode(i, gridPosition(i, 0));
    for (let i = 1; i < 3; i++) h.link(i, i + 1);
    t.ok(h.runUntil(() => h.fullyRouted(), 10 * MINUTE) > 0, "the line converges");
    const me = h.node(3);
    const flood = (hops: number): Uint8Array =>
      encodeFrame({ type: FrameType.FLOOD, tx: 2, ttl: 5, hops, priority: 3, wantAck: true, scopeKind: FloodScope.NETWORK, src: 1, dst: 3, seq: 77, srcCluster: me.cluster, dstCluster: me.cluster, payload: Uint8Array.of(9) });
    const acks = (mark: number): number =>
      h.txLog.slice(mark).filter((r) => {
        const d = r.tx === 3 ? decodeFrame(r.bytes) : undefined;
        return d?.ok === true && d.frame.type === FrameType.ACK && d.frame.kind === "e2e" && d.frame.dst === 1 && d.frame.seq === 77;
      }).length;
    let mark = h.txLog.length;
    me.receive(flood(1), { rssi: -80, snr: 9, at: h.now });
    h.run(h.now + 5_000);
    t.equal(acks(mark), 1, "the first copy is acknowledged");
    mark = h.txLog.length;
    me.receive(flood(2), { rssi: -80, snr: 9, at: h.now });
    h.run(h.now + 65_000);
    t.equal(acks(mark), 0, "a relay's copy seconds later is not");
    mark = h.txLog.length;
    me.receive(flood(1), { rssi: -80, snr: 9, at: h.now });
    h.run(h.now + 5_000);
    t.equal(acks(mark), 1, "the second flood, 70 s on, is acknowledged again (without the rule: not, and the sender never learns it arrived)");
    t.equal(h.eventsOf(3, "delivered").length, 1, "delivered once");
  },

  "floodAckRepeat: a flood's destination sends its one-hop ACK to a driving source once more, after the flood's relays; not to a static neighbour"(t) {
    // Line 1–2–3: 3 hears two floods straight from their source (written by the case): one from 9,
    // a car whose OGM 3 heard (flag b6, driving), one from 2, its static neighbour.
    const run = (repeat: boolean): { toCar: number[]; toNeighbour: number } => {
      const h = new IdealMesh({ seed: 4, config: { ogmTrickleMaxMs: 30_000, floodAckRepeat: repeat } });
      for (let i = 1; i <= 3; i++) h.addNode(i, gridPosition(i, 0));
      for (let i = 1; i < 3; i++) h.link(i, i + 1);
      t.ok(h.runUntil(() => h.fullyRouted(), 10 * MINUTE) > 0, "the line converges");
      const me = h.node(3);
      me.receive(encodeFrame(forgedOgm({ tx: 9, ogmSeq: 1, cluster: me.cluster, driving: true, neighbours: [{ short: shortId(3), rq: 255 }] })), { rssi: -80, snr: 9, at: h.now });
      h.run(h.now + 1_000);
      const flood = (src: NodeId, seq: number): Uint8Array =>
        encodeFrame({ type: FrameType.FLOOD, tx: src, ttl: 5, hops: 0, priority: 3, wantAck: true, scopeKind: FloodScope.NETWORK, src, dst: 3, seq, srcCluster: me.cluster, dstCluster: me.cluster, payload: Uint8Array.of(9) });
      const acks = (mark: number, dst: NodeId, seq: number): number[] =>
        h.txLog.slice(mark).filter((r) => {
          const d = r.tx === 3 ? decodeFrame(r.bytes) : undefined;
          return d?.ok === true && d.frame.type === FrameType.ACK && d.frame.kind === "e2e" && d.frame.dst === dst && d.frame.seq === seq && d.frame.next === dst;
        }).map((r) => r.at);
      let mark = h.txLog.length;
      me.receive(flood(9, 77), { rssi: -80, snr: 9, at: h.now });
      h.run(h.now + 30_000);
      const toCar = acks(mark, 9, 77);
      mark = h.txLog.length;
      me.receive(flood(2, 78), { rssi: -80, snr: 9, at: h.now });
      h.run(h.now + 30_000);
      return { toCar, toNeighbour: acks(mark, 2, 78).length };
    };
    const on = run(true);
    const slot = slotTimeMs(PRESETS.SHORT_FAST);
    t.equal(on.toCar.length, 2, "the ACK to the car goes twice (without the rule: once)");
    t.ok((on.toCar[1] ?? 0) - (on.toCar[0] ?? 0) >= 256 * slot, `the repeat after the widest relay contention (${Math.round((on.toCar[1] ?? 0) - (on.toCar[0] ?? 0))} ms)`);
    t.equal(on.toNeighbour, 1, "the ACK to a static neighbour goes once");
    const off = run(false);
    t.equal(off.toCar.length, 1, "rule off: once");
  },

  "resendUnechoed: a driving originator's second flood of a message (its e2e retry) is not resent when nobody relays it: every relay holds it already"(t) {
    // Lookups on (§16 `coveredLookupSkipped` off): the four clusters lie within the widest ring.
    const rig = corridorRig(CAR, { e2eTimeoutMs: 90_000, coveredLookupSkipped: false });
    const { h } = rig;
    // The first flood goes on and arrives, but every end-to-end ACK is lost (and 12's OGMs).
    h.dropIf = (bytes, from) => {
      if ((bytes[0] & 15) === FrameType.OGM) return from === 12;
      if ((bytes[0] & 15) !== FrameType.ACK) return false;
      const d = decodeFrame(bytes);
      return d.ok && d.frame.type === FrameType.ACK && d.frame.kind === "e2e";
    };
    drive(rig, 3 * (CAR.everyMs + 1_000));
    const mark = h.txLog.length;
    const r = h.node(1).send(h.now, 12, new Uint8Array([0xd4]), { priority: 3, wantAck: true });
    t.ok(r.ok, "sent");
    if (!r.ok) return;
    drive(rig, 4 * MINUTE);
    const floods = ownFloods(h, mark, r.seq);
    t.equal(h.node(1).stats.e2eRetries, 1, "the retry came due");
    t.equal(floods.length, 2, `the first flood and the retry's (without the rule: a third, the retry's resent), at ${floods.map((at) => Math.round((at - (floods[0] ?? 0)) / 1000)).join(", ")} s`);
    t.equal(h.node(1).stats.unechoedResends, 0, "nothing resent unechoed");
  },

  "resendUnechoed: the end-to-end ACK of a driving originator's flood ends its watch, though nobody relayed the flood (its destination heard it directly)"(t) {
    const run = (ack: boolean): number => {
      const rig = corridorRig(CAR);
      const { h } = rig;
      // 12 comes within 1's reach, but no relay of 1's flood is heard and 12's OGMs are lost (so 1
      // floods, and 12 cannot route back); the ACK comes as 12 would send it had it a route,
      // written by the case, before the backup wait ends. 12's own answer without a route, its hop
      // ACK of the flood (rule `deliveredHopAck`, §14), is lost too: it would end the watch as well.
      h.link(1, 12);
      h.dropIf = (bytes, from) => ((bytes[0] & 15) === FrameType.OGM && from === 12) || ((bytes[0] & 15) === FrameType.FLOOD && from !== 1) || ((bytes[0] & 15) === FrameType.ACK && from === 12);
      drive(rig, 3 * (CAR.everyMs + 1_000));
      const mark = h.txLog.length;
      const r = h.node(1).send(h.now, 12, new Uint8Array([0xd5]), { priority: 3, wantAck: true });
      if (!r.ok) return -1;
      h.runUntil(() => ownFloods(h, mark, r.seq).length > 0, h.now + 2 * MINUTE, 10);
      h.run(h.now + 1_000); // the flood is on the air, and watched, by then
      if (ack) {
        const me = h.node(1);
        h.node(1).receive(
          encodeFrame({ type: FrameType.ACK, kind: "e2e", tx: 2, next: 1, ttl: 9, hops: 3, priority: 3, src: 12, dst: 1, seq: r.seq, dstCluster: me.cluster, status: AckStatus.DELIVERED, ackedHops: 11, attempt: 0 }),
          { rssi: -80, snr: 9, at: h.now },
        );
      }
      drive(rig, 20_000);
      return ownFloods(h, mark, r.seq).length;
    };
    t.equal(run(false), 2, "no ACK: sent once more");
    t.equal(run(true), 1, "its ACK came: not resent (without ending the watch on the ACK: 2)");
  },

  "movingFloodMemory: a driving originator floods its message again at the end-to-end retry; a walking or static one does not"(t) {
    const run = (motion: { stepM: number; everyMs: number }): number[] => {
      // The end-to-end deadline of a message sent without a route is 1.7–2.2 minutes on
      // highway-convoy for a corridor flood (3.4–3.9 with a lookup first, §14.1); 90 s here, past
      // the moving memory.
      const rig = corridorRig(motion, { e2eTimeoutMs: 90_000, coveredLookupSkipped: false });
      const { h } = rig;
      // Every flood is lost on the air, and so are 12's OGMs (no new route to it is learned):
      // the destination never answers, and the retry finds no route either.
      h.dropIf = (bytes, from) => (bytes[0] & 15) === FrameType.FLOOD || ((bytes[0] & 15) === FrameType.OGM && from === 12);
      drive(rig, 3 * (motion.everyMs + 1_000));
      const mark = h.txLog.length;
      const r = h.node(1).send(h.now, 12, new Uint8Array([0xd2]), { priority: 3, wantAck: true });
      if (!r.ok) return [];
      drive(rig, 4 * MINUTE);
      t.equal(h.node(1).stats.e2eRetries, 1, "the retry came due");
      return ownFloods(h, mark, r.seq);
    };
    const late = (floods: number[]): number[] => floods.filter((at) => at - (floods[0] ?? 0) >= MOVING_FLOOD_MEMORY_MS);
    t.equal(run(STILL).length, 1, "static: one flood (floodOnce)");
    t.equal(late(run(WALKER)).length, 0, "walking: no flood at the retry");
    const driving = run(CAR);
    t.equal(late(driving).length, 1, `driving: the retry floods once more (without the rule: none), floods at ${driving.map((at) => Math.round((at - (driving[0] ?? 0)) / 1000)).join(", ")} s`);
  },

  "drivingFloodWait: a driving originator whose route ran out waits for its fallback flood from when it is queued; a static one keeps the routed deadline"(t) {
    // Line 1–2–3, flood relays waiting up to 2^10 slots (a flood's relaying outlasts the routed
    // deadline); OGMs every 10 s at most, so a driving 1 keeps hearing 2 (linkOutrun).
    const CW = 10;
    const run = (drives: boolean): { floodAt: number; retryAt: number; driving: boolean } => {
      const h = new IdealMesh({ seed: 13, config: { floodContentionCw: CW, ogmTrickleMaxMs: 10_000 } });
      for (let i = 1; i <= 3; i++) h.addNode(i, gridPosition(i, 0));
      h.link(1, 2);
      h.link(2, 3);
      h.runUntil(() => h.fullyRouted(), 10 * MINUTE, 1_000);
      const home = gridPosition(1, 0);
      let k = 0;
      let next = h.now;
      // Round a triangle of 220 m sides every 20 s: 5.5 m/s net over two steps (netSpeed), driving.
      const step = (): void => {
        if (!drives || h.now < next) return;
        next = h.now + 20_000;
        const corner = k++ % 3;
        h.node(1).setPosition(h.now, { lat: home.lat + (corner === 0 ? 0 : corner === 1 ? 220 : 110) / 111_200, lon: home.lon + (corner === 2 ? 190 / (111_200 * Math.cos((home.lat * Math.PI) / 180)) : 0) });
      };
      const go = (ms: number): void => {
        const end = h.now + ms;
        while (h.now < end) {
          step();
          h.run(Math.min(end, h.now + 1_000));
        }
      };
      go(90_000);
      // 1's DATA never reaches 2: its one route runs out after its tries and a corridor flood
      // follows; 3's ACKs are lost, so the deadline alone decides when 1 sends again.
      h.dropIf = (bytes, from) => (from === 1 && (bytes[0] & 15) === FrameType.DATA) || (from === 3 && (bytes[0] & 15) === FrameType.ACK);
      const driving = h.node(1).driving(h.now);
      const r = h.node(1).send(h.now, 3, new Uint8Array([0xd4]), { priority: 3, wantAck: true });
      let floodAt = -1;
      let retryAt = -1;
      const end = h.now + 6 * MINUTE;
      while (r.ok && h.now < end && retryAt < 0) {
        go(250);
        if (floodAt < 0 && h.node(1).stats.fallbackFloods > 0) floodAt = h.now;
        if (h.node(1).stats.e2eRetries > 0) retryAt = h.now;
      }
      return { floodAt, retryAt, driving };
    };
    const still = run(false);
    const car = run(true);
    t.ok(car.driving && !still.driving, "the moving 1 is driving, the other not");
    t.ok(still.floodAt > 0 && car.floodAt > 0, "both fell back to a corridor flood");
    t.ok(still.retryAt > 0 && car.retryAt > 0, "both sent again when no ACK came");
    // Eight flood relays each waiting up to 2^floodContentionCw slots (SHORT_FAST, the mesh's preset).
    const contention = 8 * 2 ** CW * slotTimeMs(PRESETS.SHORT_FAST);
    t.ok(car.retryAt - car.floodAt > contention, `driving: not before 8 hops of flood contention from the flood (${car.retryAt - car.floodAt} ms > ${Math.round(contention)} ms; without the rule, the routed deadline)`);
    t.ok(still.retryAt - still.floodAt < contention, `static: the routed deadline, as before (${still.retryAt - still.floodAt} ms)`);
  },

  "handBackSpent: a frame whose hand-back goes unconfirmed is dropped, not handed back again and again"(t) {
    // Line 1–2–3–4. After convergence 4 drives out of 3's range, and 2 no longer hears 3's
    // hand-backs (it left too): 3 has no route and nowhere to hand the frame back.
    const h = new IdealMesh({ seed: 5, config: { ogmTrickleMaxMs: 30_000 } });
    for (let i = 1; i <= 4; i++) h.addNode(i, gridPosition(i, 0));
    for (let i = 1; i < 4; i++) h.link(i, i + 1);
    t.ok(h.runUntil(() => h.fullyRouted(), 10 * MINUTE) > 0, "the line converges");
    h.unlink(3, 4);
    h.dropIf = (bytes, from) => {
      const d = decodeFrame(bytes);
      return from === 3 && d.ok && d.frame.type === FrameType.DATA && d.frame.bounced;
    };
    const mark = h.txLog.length;
    t.ok(h.node(1).send(h.now, 4, new Uint8Array([7])).ok);
    h.run(h.now + 5 * MINUTE);
    const sent = handBacks(h, 3, mark);
    t.atLeast(sent, 1, "3 handed the frame back");
    t.atMost(sent, h.node(3).config.attemptsWeakLink, `3 handed it back ${sent} times: one hand-back and its retries (without the rule: 69, one hand-back per TTL step)`);
    t.equal(h.node(3).stats.handBacksLost, 1, "3 dropped the frame once and counted it");
    t.equal(h.eventsOf(4, "delivered").length, 0, "nothing arrives across the cut");
  },

  "linkOutrun: a neighbour not heard since we travelled LINK_OUTRUN_M stops carrying frames until it is heard again"(t) {
    const table = new NeighbourTable(0x0a000001, resolveConfig({}));
    table.onOgm(forgedOgm({ tx: 2, ogmSeq: 1 }), -90, 5, 0);
    const n = table.get(2);
    if (n === undefined) return t.fail("neighbour 2 not admitted");
    t.ok(!table.outrun(n, 0), "just heard");
    table.travelledM = LINK_OUTRUN_M;
    t.ok(!table.outrun(n, 0), "exactly the limit travelled: still counts");
    table.travelledM = LINK_OUTRUN_M + 1;
    t.ok(table.outrun(n, 0), "past the limit without hearing it");
    table.heardFrame(2, 1_000, 5);
    t.ok(!table.outrun(n, 1_000), "any frame heard from it brings it back");
    table.travelledM += LINK_OUTRUN_M + 1;
    table.onOgm(forgedOgm({ tx: 2, ogmSeq: 2 }), -90, 5, 2_000);
    t.ok(!table.outrun(n, 2_000), "so does an OGM");
  },

  "drivenOff: a static node counts a driving neighbour gone once it has not heard it for DRIVEN_OFF_MS"(t) {
    const table = new NeighbourTable(0x0a000001, resolveConfig({}));
    table.onOgm(forgedOgm({ tx: 2, ogmSeq: 1, driving: true }), -90, 5, 0);
    table.onOgm(forgedOgm({ tx: 3, ogmSeq: 1 }), -90, 5, 0);
    const car = table.get(2);
    const post = table.get(3);
    if (car === undefined || post === undefined) return t.fail("neighbours not admitted");
    t.ok(!table.outrun(car, DRIVEN_OFF_MS), "exactly DRIVEN_OFF_MS silent: still counts");
    t.ok(table.outrun(car, DRIVEN_OFF_MS + 1), "a driving neighbour silent for longer has driven off");
    t.ok(!table.outrun(post, 30 * MINUTE), "a neighbour that is not driving is never outrun by time");
    table.heardFrame(2, DRIVEN_OFF_MS + 2, 5);
    t.ok(!table.outrun(car, DRIVEN_OFF_MS + 3), "any frame heard from it brings it back");
    table.selfMoving = () => true;
    t.ok(!table.outrun(car, 10 * MINUTE), "a moving node judges by its own odometer (linkOutrun) instead");
    table.selfMoving = () => false;
    table.onOgm(forgedOgm({ tx: 2, ogmSeq: 2 }), -90, 5, 11 * MINUTE);
    t.ok(!table.outrun(car, 20 * MINUTE), "an OGM without the flag: it stopped driving");
  },

  "drivenOff: OGM flag b6 says the sender drives, and only a driving node sets it"(t) {
    const car = encodeFrame(forgedOgm({ tx: 2, ogmSeq: 1, cluster: 0xd0901800, driving: true }));
    const post = encodeFrame(forgedOgm({ tx: 2, ogmSeq: 1, cluster: 0xd0901800 }));
    t.equal(car[7] & 0x40, 0x40, "b6 set for a driving sender");
    t.equal(post[7] & 0x40, 0, "b6 clear otherwise: the byte it was");
    const d = decodeFrame(car);
    t.ok(d.ok && d.frame.type === FrameType.OGM && d.frame.driving === true, "decoded as driving");
    const p = decodeFrame(post);
    t.ok(p.ok && p.frame.type === FrameType.OGM && p.frame.driving === undefined, "no flag, no field");
    const bad = car.slice();
    bad[7] |= 0x80;
    const b = decodeFrame(bad);
    t.ok(!b.ok && b.error.code === "bad-field", "b7 (16-s interval units) on a short interval is refused");
  },

  "linkOutrun: after driving off, a node sends nothing to the relay it no longer hears"(t) {
    // 1 reaches 4 through 2 or through 3. Then 1 drives 600 m and stops hearing 2 (2's frames
    // are lost), while 3 is heard again: every message goes through 3, none to 2.
    const h = new IdealMesh({ seed: 3, config: { ogmTrickleMaxMs: 30_000 } });
    for (let i = 1; i <= 4; i++) h.addNode(i, gridPosition(i % 2, Math.floor(i / 2)));
    for (const [a, b] of [[1, 2], [1, 3], [2, 4], [3, 4]]) h.link(a, b);
    t.ok(h.runUntil(() => h.fullyRouted(), 10 * MINUTE) > 0, "the square converges");
    h.dropIf = (_bytes, from) => from === 2;
    const start = gridPosition(1, 0);
    // 110 m every 2 s (55 m/s): a fast car, within plausibleStep.
    for (let k = 1; k <= 6; k++) {
      h.run(h.now + 2_000);
      h.node(1).setPosition(h.now, { lat: start.lat + k * 0.0009 * 1.1, lon: start.lon });
    }
    const moved = h.now;
    h.runUntil(() => (h.node(1).neighbour(3)?.lastFrameAt ?? 0) > moved, h.now + 2 * MINUTE, 100);
    t.ok((h.node(1).neighbour(3)?.lastFrameAt ?? 0) > moved, "3 was heard after the move");
    let via2 = 0;
    for (let k = 0; k < 4; k++) {
      const mark = h.txLog.length;
      h.node(1).send(h.now, 4, new Uint8Array([k]));
      h.run(h.now + 3_000);
      via2 += dataSent(h, 1, mark).filter((f) => f.next === 2).length;
    }
    h.run(h.now + 20_000);
    t.equal(via2, 0, "no frame went to 2");
    t.equal(h.eventsOf(4, "delivered").length, 4, "every message arrives through 3");
  },

  "drivenOff: a static node sends nothing to a driving neighbour it has not heard for DRIVEN_OFF_MS"(t) {
    // 1 (still) reaches 4 through 2 or through 3. 2 drives (its OGMs say so); then 2's frames are
    // lost, as when a car drives out of reach, while 3 keeps being heard: once 2 has been silent
    // for DRIVEN_OFF_MS every message goes through 3, none to 2 (1 travels nothing: linkOutrun
    // cannot tell).
    const h = new IdealMesh({ seed: 3, config: { ogmTrickleMaxMs: 30_000 } });
    for (let i = 1; i <= 4; i++) h.addNode(i, gridPosition(i % 2, Math.floor(i / 2)));
    for (const [a, b] of [[1, 2], [1, 3], [2, 4], [3, 4]]) h.link(a, b);
    t.ok(h.runUntil(() => h.fullyRouted(), 10 * MINUTE) > 0, "the square converges");
    const start = gridPosition(0, 1);
    let k = 0;
    // 110 m every 5 s (22 m/s) round a triangle: 2 drives throughout.
    const drive = (): void => {
      const c = k++ % 3;
      h.node(2).setPosition(h.now, { lat: start.lat + (c === 1 ? 0.00099 : 0), lon: start.lon + (c === 2 ? 0.0016 : 0) });
    };
    const until = (ms: number): void => runDriving(h, ms, drive);
    until(20_000);
    const flagged = h.now;
    while (!(h.node(1).neighbour(2)?.driving ?? false) && h.now < flagged + 3 * MINUTE) until(5_000);
    t.ok(h.node(1).neighbour(2)?.driving ?? false, "1 knows 2 is driving (OGM flag b6)");
    h.dropIf = (_bytes, from) => from === 2;
    until(DRIVEN_OFF_MS + 10_000);
    t.ok(h.node(1).travelledM === 0, "1 has not moved");
    let via2 = 0;
    for (let m = 0; m < 4; m++) {
      const mark = h.txLog.length;
      h.node(1).send(h.now, 4, new Uint8Array([m]));
      until(5_000);
      via2 += dataSent(h, 1, mark).filter((f) => f.next === 2).length;
    }
    until(20_000);
    t.equal(via2, 0, "no frame went to 2");
    t.equal(h.eventsOf(4, "delivered").length, 4, "every message arrives through 3");
  },

  "drivingHealth: neighbours left behind, or that drove off, do not count against a node's health (QoS gate)"(t) {
    // 1 hears 2..6 and loses 3..6 (their links cut), keeping 2. Standing still among neighbours
    // that stood still, the lost ones count; when 1 drives, or when 3..6 drove (their OGMs said
    // so), its neighbourhood share counts only the neighbours it has.
    const run = (who: "none" | "self" | "others"): { health: number; p5: boolean } => {
      const h = starOfSix();
      const movers = who === "self" ? [1] : who === "others" ? [3, 4, 5, 6] : [];
      let k = 0;
      // 110 m every 5 s (22 m/s) round a triangle.
      const drive = (): void => {
        const c = k++ % 3;
        for (const i of movers) {
          const start = gridPosition(i === 1 ? 0 : i, i === 1 ? 0 : 1);
          h.node(i).setPosition(h.now, { lat: start.lat + (c === 1 ? 0.00099 : 0), lon: start.lon + (c === 2 ? 0.0016 : 0) });
        }
      };
      const until = (ms: number): void => runDriving(h, ms, drive);
      until(90_000);
      if (who === "others") t.ok([3, 4, 5, 6].every((i) => h.node(1).neighbour(i)?.driving ?? false), "1 knows 3..6 drive");
      for (let i = 3; i <= 6; i++) h.unlink(1, i);
      until(10 * MINUTE);
      t.equal(h.node(1).neighbours(h.now).length, 1, "four neighbours gone from the table");
      return { health: h.node(1).health(h.now), p5: h.node(1).send(h.now, 2, new Uint8Array([1]), { priority: 5 }).ok };
    };
    const still = run("none");
    t.ok(still.health < 0.6 && !still.p5, `all standing still: health ${still.health.toFixed(2)}, P5 refused`);
    const car = run("self");
    t.ok(car.health >= 0.6 && car.p5, `1 driving: health ${car.health.toFixed(2)}, P5 admitted`);
    const post = run("others");
    t.ok(post.health >= 0.6 && post.p5, `3..6 drove off: health ${post.health.toFixed(2)}, P5 admitted`);
  },

  "drivingHealth once parked: a car stops counting as driving 40 s after its last step, and neighbours lost while it drove do not come back against its health"(t) {
    // Review repro: 1 drives, loses 3..6 while driving, then parks. Before, driving() lasted the
    // whole MOVING_MS (5 min) after the last step, and the neighbours lost while driving were only
    // masked while it held, so 5.5 min after parking they counted again and P5 was refused.
    const h = starOfSix();
    const start = gridPosition(0, 0);
    let k = 0;
    let parked = false;
    const drive = (): void => {
      if (parked) return;
      const c = k++ % 3;
      h.node(1).setPosition(h.now, { lat: start.lat + (c === 1 ? 0.00099 : 0), lon: start.lon + (c === 2 ? 0.0016 : 0) });
    };
    runDriving(h, 90_000, drive);
    t.ok(h.node(1).driving(h.now), "1 drives");
    for (let i = 3; i <= 6; i++) h.unlink(1, i);
    const t0 = h.now;
    while (h.node(1).neighbours(h.now).length > 1 && h.now < t0 + 10 * MINUTE) runDriving(h, 5_000, drive);
    t.equal(h.node(1).neighbours(h.now).length, 1, "3..6 lost while 1 drove");
    parked = true;
    const parkedAt = h.now;
    h.run(parkedAt + DRIVING_STEP_GAP_MS + 1_000);
    t.ok(!h.node(1).driving(h.now), "parked: no longer driving once DRIVING_STEP_GAP_MS has passed without a step");
    h.run(parkedAt + 5.5 * MINUTE);
    const health = h.node(1).health(h.now);
    t.ok(health >= 0.6, `parked 5.5 min: health ${health.toFixed(2)}`);
    t.ok(h.node(1).send(h.now, 2, new Uint8Array([1]), { priority: 5 }).ok, "P5 admitted");
  },

  "plausibleStep: a GPS glitch and back (a 1000 km jump, or 0,0) adds nothing to the odometer; a drive at 60 m/s does"(t) {
    const h = new IdealMesh({ seed: 3, config: { ogmTrickleMaxMs: 30_000 } });
    for (let i = 1; i <= 2; i++) h.addNode(i, gridPosition(i, 0));
    h.link(1, 2);
    t.ok(h.runUntil(() => h.fullyRouted(), 10 * MINUTE) > 0, "the pair converges");
    const home = gridPosition(1, 0);
    const node = h.node(1);
    node.setPosition(h.now, home);
    const odometer = () => node.travelledM;
    const before = odometer();
    for (const wild of [{ lat: home.lat + 9, lon: home.lon }, { lat: 0, lon: 0 }]) {
      h.run(h.now + 1_000);
      node.setPosition(h.now, wild);
      h.run(h.now + 1_000);
      node.setPosition(h.now, home);
    }
    t.equal(odometer(), before, "two glitches and back: nothing travelled (without the rule: about 2,000 km + 2 × the distance to 0,0)");
    // A real drive: 600 m in steps of 120 m every 2 s (60 m/s) all counts.
    for (let k = 1; k <= 5; k++) {
      h.run(h.now + 2_000);
      node.setPosition(h.now, { lat: home.lat + (k * 120) / 111_195, lon: home.lon });
    }
    t.ok(Math.abs(odometer() - before - 600) < 1, `a drive at 60 m/s counts: ${(odometer() - before).toFixed(1)} m`);
  },

  "a position that is not finite is ignored with a warning: no throw, the odometer and cluster unchanged"(t) {
    const h = new IdealMesh({ seed: 3 });
    h.addNode(1, gridPosition(1, 0));
    const node = h.node(1);
    node.setPosition(h.now, gridPosition(1, 0));
    const cluster = node.cluster;
    const odometer = node.travelledM;
    for (const bad of [{ lat: Number.NaN, lon: 0 }, { lat: 0, lon: Number.POSITIVE_INFINITY }]) node.setPosition(h.now, bad);
    t.equal(node.cluster, cluster, "cluster kept");
    t.equal(node.travelledM, odometer, "odometer kept");
    node.setPosition(h.now + 10_000, { lat: gridPosition(1, 0).lat + 0.0018, lon: gridPosition(1, 0).lon });
    t.ok(node.travelledM > odometer, "the next good fix still counts");
  },

  "a position given at boot anchors the odometer; one that is not finite leaves the node without a fix, no throw"(t) {
    const h = new IdealMesh({ seed: 3 });
    const home = gridPosition(1, 0);
    const node = h.addNode(1, home);
    h.run(h.now + 2_000);
    node.setPosition(h.now, { lat: home.lat + 120 / 111_195, lon: home.lon });
    t.ok(Math.abs(node.travelledM - 120) < 1, `the first step from the boot position counts: ${node.travelledM.toFixed(1)} m (without the anchor: 0)`);
    const lost = h.addNode(2, { lat: Number.NaN, lon: home.lon });
    t.equal(lost.cluster, 0, "no fix, so no cluster");
    t.equal(lost.travelledM, 0, "nothing travelled");
    lost.setPosition(h.now, home);
    t.equal(lost.cluster, node.cluster, "the next good fix is taken");
  },

  "a frame whose hand-back timed out goes on to a new route as an ordinary frame, not flagged bounced"(t) {
    const { h, handBackAt } = handBackRig((_h, hear) => hear(N2, [{ dst: D, seqno: 41, metric: 1700 }]));
    t.ok(handBackAt > 0, "10 handed the frame back to P");
    const toN2 = dataSent(h, ME, 0).filter((f) => f.next === N2);
    t.atLeast(toN2.length, 1, "then sent it on through the new route");
    t.equal(toN2.filter((f) => f.bounced).length, 0, "never flagged bounced: N2 holds no custody of it");
  },

  "handBackSpent: a later copy of a frame dropped after its hand-back is refused with no-route, not confirmed and swallowed"(t) {
    const { h, data, handBackAt } = handBackRig(() => undefined);
    t.ok(handBackAt > 0, "10 handed the frame back to P");
    t.equal(h.node(ME).stats.handBacksLost, 1, "and dropped it when the hand-back went unconfirmed");
    // P retries the same attempt (its hop ACK from 10 was lost, say).
    const mark = h.txLog.length;
    h.node(ME).receive(encodeFrame(data), { rssi: -80, snr: 9, at: h.now });
    h.run(h.now + 10_000);
    const acks: number[] = [];
    for (const r of h.txLog.slice(mark)) {
      const d = r.tx === ME ? decodeFrame(r.bytes) : undefined;
      if (d?.ok && d.frame.type === FrameType.ACK && d.frame.kind === "hop" && d.frame.to === P) acks.push(d.frame.status);
    }
    t.deepEqual(acks, [AckStatus.NO_ROUTE], "10 refuses it, so P fails over (without the rule: DELIVERED, and the frame is lost)");
  },
});
