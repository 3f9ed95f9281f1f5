// Shortcuts past the route table (docs/protocol.md §6.1, rules `heardShortcut` and
// `twoHopShortcut`): known answers on tables and a line of three. Pure ES2022, so it runs on XS too.
import { resolveConfig } from "../../src/core/config";
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { NO_CLUSTER } from "../../src/core/cluster";
import { type DataFrame, FrameType, shortId } from "../../src/core/frames";
import { HeardNodes } from "../../src/core/heard-nodes";
import { NeighbourTable } from "../../src/core/neighbour-table";
import { SNR_LIMIT_DB } from "../../src/core/presets";
import { heardShortcut, twoHopShortcut } from "../../src/core/shortcut";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { forgedOgm } from "./forged-ogm";
import { dataSent } from "./tx-log";
import { suite } from "./harness";

const I = 30_000;
const SELF = 0x0a000001;
const DST = 0x0a000009;
const LIMIT = SNR_LIMIT_DB[9];

/** A table of two (full) holding neighbours 2 and 3, each heard for eight OGMs listing us and DST at the rq bytes given. */
function fullTable(dstRq2: number, dstRq3: number): { table: NeighbourTable; now: number } {
  const table = new NeighbourTable(SELF, resolveConfig({ maxNeighbours: 2 }), undefined, LIMIT);
  let now = 0;
  for (let s = 0; s < 8; s++) {
    now = s * I;
    for (const [id, rq] of [[2, dstRq2], [3, dstRq3]] as const) {
      const neighbours = [{ short: shortId(SELF), rq: 255 }, ...(rq > 0 ? [{ short: shortId(DST), rq }] : [])];
      table.heardFrame(id, now, LIMIT + 15);
      table.onOgm(forgedOgm({ tx: id, ogmSeq: s, intervalUnits: I / 4000, neighbours }), -90, LIMIT + 15, now);
    }
  }
  return { table, now };
}

/** Line 1 – 2 – 3, converged (1 routes to 3 through 2). */
function line(): IdealMesh {
  const h = new IdealMesh({ seed: 11, config: { ogmTrickleMaxMs: 30_000 } });
  for (let i = 1; i <= 3; i++) h.addNode(i, gridPosition(i - 1, 0));
  h.link(1, 2);
  h.link(2, 3);
  h.runUntil(() => h.fullyRouted(), 10 * 60_000, 1_000);
  return h;
}

/** A DATA frame 3 sends to 2 (for 2), overheard by 1 at `snr`: 1 has now heard 3, without an OGM. */
function overhear3(h: IdealMesh, snr: number): void {
  const f = encodeFrame({ type: FrameType.DATA, tx: 3, next: 2, ttl: 8, hops: 0, priority: 3, wantAck: false, bounced: false, attempt: 0, src: 3, dst: 2, seq: 900, dstCluster: NO_CLUSTER, payload: new Uint8Array([1]) });
  h.node(1).receive(f, { rssi: -90, snr, at: h.now });
}

/**
 * Rule `loopTakesTable` (§7.3): 2, 3 and 5 (a triangle) each hear 9 over a one-way link, so each
 * lists it and none can use it; 9 lies in another cluster, reached 2 – 1 – 4 – 9 (4 the border
 * node). Every table of the triangle is full (4 neighbours), so each takes a two-hop shortcut.
 */
function listedTriangle(loopTakesTable: boolean): IdealMesh {
  const h = new IdealMesh({ seed: 7, config: { ogmTrickleMaxMs: 30_000, maxNeighbours: 4, loopTakesTable } });
  h.addNode(1, gridPosition(0, 0));
  h.addNode(4, gridPosition(0, 2));
  for (const i of [2, 3, 5]) h.addNode(i, gridPosition(i, 1));
  h.addNode(9, { lat: 49.0, lon: 11.5 });
  for (const i of [2, 3, 5]) {
    h.link(1, i);
    h.link(9, i, { oneWay: true });
  }
  h.link(2, 3);
  h.link(3, 5);
  h.link(2, 5);
  h.link(1, 4);
  h.link(4, 9);
  h.run(15 * 60_000);
  return h;
}

export default suite("shortcuts past the tables", {
  "heardShortcut: the destination itself when heard and not in the neighbour table; not once tried, not past the hold"(t) {
    const { table, now } = fullTable(0, 0);
    const heard = new HeardNodes(8, 60_000);
    t.equal(heardShortcut(DST, table, heard, now, new Set()), undefined, "never heard");
    heard.heard(shortId(DST), now);
    t.equal(heardShortcut(DST, table, heard, now, new Set()), DST, "heard: straight to it");
    t.equal(heardShortcut(DST, table, heard, now, new Set([DST])), undefined, "tried for this frame already");
    t.equal(heardShortcut(DST, table, heard, now + 60_001, new Set()), undefined, "heard longer ago than the hold");
    heard.heard(shortId(2), now);
    t.equal(heardShortcut(2, table, heard, now, new Set()), undefined, "in the neighbour table: its direct route is a route like any other");
  },

  "twoHopShortcut: the usable neighbour that reports hearing the destination best, at rq ≥ ½ only"(t) {
    const a = fullTable(255, 200);
    t.ok(a.table.full, "the table is full");
    t.equal(twoHopShortcut(DST, a.table, a.now, new Set()), 2, "2 hears it at 255, 3 at 200");
    t.equal(twoHopShortcut(DST, a.table, a.now, new Set([2])), 3, "2 tried: 3");
    const b = fullTable(255, 100);
    t.equal(twoHopShortcut(DST, b.table, b.now, new Set([2])), undefined, "3 hears it at 100 (0.39): below the floor");
    const c = fullTable(0, 0);
    t.equal(twoHopShortcut(DST, c.table, c.now, new Set()), undefined, "nobody lists it");
  },

  "heardShortcut on a line: 1 sends to 3 directly once it has heard 3, and fails over to 2 when that hop is not confirmed"(t) {
    // Not heard: through 2.
    let h = line();
    let mark = h.txLog.length;
    t.ok(h.node(1).send(h.now, 3, new Uint8Array([1]), { wantAck: false }).ok);
    h.run(h.now + 20_000);
    t.deepEqual(dataSent(h, 1, mark).map((f) => f.next), [2], "never heard 3: one DATA, to 2");
    // Heard, but 1.5 dB over SF7's limit (under own reach's 3 dB margin): through 2.
    h = line();
    overhear3(h, SNR_LIMIT_DB[7] + 1.5);
    mark = h.txLog.length;
    h.node(1).send(h.now, 3, new Uint8Array([2]), { wantAck: false });
    h.run(h.now + 20_000);
    t.deepEqual(dataSent(h, 1, mark).map((f) => f.next), [2], "heard at the edge: to 2");
    // Heard well, and 3 now in reach: one DATA, straight to 3, and 2 relays nothing.
    h = line();
    overhear3(h, 8);
    h.link(1, 3);
    mark = h.txLog.length;
    h.node(1).send(h.now, 3, new Uint8Array([3]), { wantAck: false });
    h.run(h.now + 20_000);
    t.deepEqual(dataSent(h, 1, mark).map((f) => f.next), [3], "heard: one DATA, to 3");
    t.equal(dataSent(h, 2, mark).filter((f) => f.src === 1).length, 0, "2 relayed nothing");
    t.equal(h.eventsOf(3, "delivered").filter((e) => e.payload[0] === 3).length, 1, "delivered");
    // Heard, but out of reach now: the hop goes unconfirmed once, then 2 carries it.
    h = line();
    overhear3(h, 8);
    mark = h.txLog.length;
    h.node(1).send(h.now, 3, new Uint8Array([4]), { wantAck: false });
    h.run(h.now + 30_000);
    t.deepEqual(dataSent(h, 1, mark).map((f) => f.next), [3, 2], "to 3 once, then to 2");
    t.equal(h.eventsOf(3, "delivered").filter((e) => e.payload[0] === 4).length, 1, "delivered through 2");
    // The unconfirmed shortcut is not taken again until 3 is heard anew: one frame heard under 3's
    // id (forged, or over a one-way link) costs one wasted hop, not one per DATA for the hold time.
    mark = h.txLog.length;
    h.node(1).send(h.now, 3, new Uint8Array([5]), { wantAck: false });
    h.run(h.now + 30_000);
    t.deepEqual(dataSent(h, 1, mark).map((f) => f.next), [2], "the next DATA goes through 2 at once");
    overhear3(h, 8);
    mark = h.txLog.length;
    h.node(1).send(h.now, 3, new Uint8Array([6]), { wantAck: false });
    h.run(h.now + 30_000);
    t.deepEqual(dataSent(h, 1, mark).map((f) => f.next), [3, 2], "heard anew: the shortcut is tried again");
  },

  "loopTakesTable: the loop's last node repeating its copy (it missed our hop ACK) does not end the copy sent on"(t) {
    const h = listedTriangle(true);
    const mark = h.txLog.length;
    let dropped = false;
    // 2's first DATA to 1 (the copy sent on after the loop) is lost, so 2 must repeat it.
    h.dropIf = (bytes, from) => {
      const d = decodeFrame(bytes);
      if (dropped || from !== 2 || !d.ok || d.frame.type !== FrameType.DATA || d.frame.src !== 2 || d.frame.next !== 1) return false;
      return (dropped = true);
    };
    t.ok(h.node(2).send(h.now, 9, new Uint8Array([1]), { wantAck: false }).ok);
    for (let i = 0; i < 6000 && !dropped; i++) h.run(h.now + 10);
    t.ok(dropped, "2 sent the loop copy on to 1, and it was lost");
    const back = h.txLog.slice(mark).find((x) => { const d = decodeFrame(x.bytes); return d.ok && d.frame.type === FrameType.DATA && d.frame.next === 2; });
    t.ok(back !== undefined, "the copy came back to 2 round the triangle");
    h.run(h.now + 300);
    h.node(2).receive(back!.bytes, { rssi: -80, snr: 8, at: h.now });
    h.run(h.now + 60_000);
    t.equal(h.node(2).stats.lateConfirmations, 0, "the loop's sender repeating its frame is no confirmation");
    t.equal(h.eventsOf(9, "delivered").length, 1, "2 repeats its copy to 1 and 9 gets it");
  },

  "loopTakesTable: once per frame, and only for a copy carrying the payload we sent on"(t) {
    for (const forged of [false, true]) {
      const h = listedTriangle(true);
      h.unlink(3, 5); // no natural way round: the copies below are the only ones
      const mark = h.txLog.length;
      const n2 = h.node(2);
      t.ok(n2.send(h.now, 9, new Uint8Array([42]), { wantAck: false }).ok);
      let first: DataFrame | undefined;
      for (let i = 0; i < 20_000 && first === undefined; i++) {
        h.run(h.now + 10);
        for (const x of h.txLog.slice(mark)) {
          const d = decodeFrame(x.bytes);
          if (x.tx === 2 && d.ok && d.frame.type === FrameType.DATA) first = d.frame;
        }
      }
      t.ok(first !== undefined, "2 sent its DATA by a shortcut");
      h.run(h.now + 3_000);
      const other = first!.next === 3 ? 5 : 3;
      const before = n2.stats.loopCopies;
      const m2 = h.txLog.length;
      for (let k = 0; k < 3; k++) {
        const copy: DataFrame = { ...first!, tx: k === 0 ? other : 0x300 + k, next: 2, ttl: first!.ttl - 2, hops: first!.hops + 2, payload: forged ? new Uint8Array([0xee, 0xee]) : first!.payload };
        n2.receive(encodeFrame(copy), { rssi: -80, snr: 8, at: h.now });
        h.run(h.now + 5);
      }
      h.run(h.now + 60_000);
      const sent = dataSent(h, 2, m2);
      if (forged) {
        t.equal(n2.stats.loopCopies - before, 0, "a copy with another payload is not sent on");
        t.equal(sent.length, 0, "2 sends no DATA for it");
      } else {
        t.equal(n2.stats.loopCopies - before, 1, "three copies from three senders: one loop copy");
        t.deepEqual(sent.map((f) => f.next), [1], "one DATA, to 1 (the table route)");
      }
    }
  },

  "loopTakesTable: a copy that comes back round a loop of two-hop shortcuts goes on by the table route; without the rule it dies as a duplicate"(t) {
    for (const on of [true, false]) {
      const h = listedTriangle(on);
      t.notEqual(h.node(2).cluster, h.node(9).cluster, "9 lies in another cluster");
      const mark = h.txLog.length;
      for (let k = 1; k <= 3; k++) {
        t.ok(h.node(2).send(h.now, 9, new Uint8Array([k]), { wantAck: false }).ok);
        h.run(h.now + 60_000);
      }
      // Each DATA goes 2 → 5 → 3 → 2 (or 2 → 3 → 5 → 2), every hop a two-hop shortcut (3 and 5 carry it once each).
      t.equal(dataSent(h, 3, mark).length + dataSent(h, 5, mark).length, 6, "each DATA round the triangle once");
      const delivered = h.eventsOf(9, "delivered").length;
      if (on) {
        t.deepEqual(dataSent(h, 2, mark).map((f) => (f.next === 1 ? "table" : "shortcut")), ["shortcut", "table", "shortcut", "table", "shortcut", "table"], "with the rule: back at 2, each goes on to 1, the cluster route");
        t.equal(delivered, 3, "with the rule: all three delivered");
        t.equal(h.node(2).stats.loopCopies, 3, "three loop copies sent on");
      } else {
        t.deepEqual(dataSent(h, 2, mark).map((f) => (f.next === 1 ? "table" : "shortcut")), ["shortcut", "shortcut", "shortcut"], "without it: 2 confirms its own frame as a duplicate");
        t.equal(delivered, 0, "without it: none delivered");
      }
    }
  },
});
