// Link sensing that collisions do not fool, hop outcomes in the link metric, and a full
// neighbour table that keeps the neighbours routes run through (docs/protocol.md §4, §7.3, §18):
// known answers on tables and small topologies. Pure ES2022, so it runs on XS too.
import { resolveConfig } from "../../src/core/config";
import { shortId, type OgmFrame } from "../../src/core/frames";
import { gapLossWeight, hopFailureWeight, OgmWindow } from "../../src/core/link-quality";
import { NeighbourTable } from "../../src/core/neighbour-table";
import { SNR_LIMIT_DB } from "../../src/core/presets";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { forgedOgm } from "./forged-ogm";
import { dataSent } from "./tx-log";
import { suite } from "./harness";

const I = 30_000;
const SELF = 0x0a000001;
/** SF9's demodulation limit (MEDIUM_FAST), −12.5 dB. */
const LIMIT = SNR_LIMIT_DB[9];

function ogm(tx: number, seq: number, listsUs: boolean, intervalUnits = I / 4000): OgmFrame {
  return forgedOgm({ tx, ogmSeq: seq, intervalUnits, neighbours: listsUs ? [{ short: shortId(SELF), rq: 255 }] : [] });
}

/** A neighbour heard for eight OGMs at `snr`, missing the ones in `missed` (collisions), listing us. */
function heardWithGaps(table: NeighbourTable, id: number, snr: number, missed: ReadonlySet<number>): number {
  let now = 0;
  for (let s = 0; s < 8; s++) {
    now = s * I;
    if (missed.has(s)) continue;
    table.heardFrame(id, now, snr);
    table.onOgm(ogm(id, s, true), -90, snr, now);
  }
  return now;
}

export default suite("link rules: collisions, hop outcomes, full tables", {
  "gapLossWeight: a miss counts fully at the SF's limit, half at 5 dB above it, not at all from 10 dB"(t) {
    t.equal(gapLossWeight(-3), 1);
    t.equal(gapLossWeight(0), 1);
    t.near(gapLossWeight(5), 0.5, 1e-12);
    t.equal(gapLossWeight(10), 0);
    t.equal(gapLossWeight(25), 0);
  },
  "hopFailureWeight: a timeout counts fully on a quiet channel, e^(−2·busy) on a busy one"(t) {
    t.equal(hopFailureWeight(0), 1);
    t.near(hopFailureWeight(0.5), Math.exp(-1), 1e-12);
    t.ok(hopFailureWeight(1 / 3) > 0.5 && hopFailureWeight(0.4) < 0.5, "half weight at about a third busy");
    t.equal(hopFailureWeight(2), Math.exp(-2), "a share above 1 is taken as 1");
  },
  "OGM window: misses between received OGMs count by the weight given; overdue ones always count"(t) {
    const w = new OgmWindow(8);
    for (const s of [0, 1, 3, 4, 6, 7]) w.record(s, s * I);
    t.equal(w.rq(7 * I, I, 2), 6 / 8, "every miss counted");
    t.equal(w.rq(7 * I, I, 2, 7 * I, 0), 1, "gap misses of a strong link: collisions, not counted");
    t.near(w.rq(7 * I, I, 2, 7 * I, 0.5), 7 / 8, 1e-12);
    // Silence: two intervals × 1.25 overdue count as missed whatever the margin.
    t.equal(w.rq(7 * I + 2.5 * I, I, 2, 7 * I, 0), 6 / 8, "the two overdue OGMs count");
  },
  "a link 20 dB above the limit with two OGMs in eight lost to collisions keeps its cost; at the limit it pays for them"(t) {
    const cfg = resolveConfig();
    const strong = new NeighbourTable(SELF, cfg, undefined, LIMIT);
    const now = heardWithGaps(strong, 2, LIMIT + 20, new Set([2, 5]));
    const n = strong.get(2);
    t.ok(n !== undefined);
    if (n === undefined) return;
    t.equal(strong.quality(n, now), 6 / 8, "Q as counted: every miss");
    t.equal(strong.linkQuality(n, now), 1, "the link's quality does not");
    t.equal(strong.cost(n, now), 256 + cfg.hopPenalty, "one perfect hop");
    const weak = new NeighbourTable(SELF, cfg, undefined, LIMIT);
    heardWithGaps(weak, 2, LIMIT, new Set([2, 5]));
    const m = weak.get(2);
    if (m === undefined) return;
    t.equal(weak.linkQuality(m, now), 6 / 8, "at the limit a miss is link loss");
    t.equal(weak.cost(m, now), Math.round(256 / (6 / 8)) + cfg.hopPenalty);
  },
  "a strong link that missed most OGMs to collisions stays usable; a weak one is dropped"(t) {
    const cfg = resolveConfig();
    for (const [snr, usable] of [[LIMIT + 15, true], [LIMIT, false]] as const) {
      const table = new NeighbourTable(SELF, cfg, undefined, LIMIT);
      heardWithGaps(table, 2, snr, new Set());
      const n = table.get(2);
      if (n === undefined) return t.ok(false, "neighbour tracked");
      table.expire(7 * I); // marks it up
      t.ok(n.up, "usable after eight OGMs");
      // Then seven of the next eight OGMs collide; the eighth arrives.
      table.heardFrame(2, 15 * I, snr);
      table.onOgm(ogm(2, 15, true), -90, snr, 15 * I);
      t.equal(table.quality(n, 15 * I), 1 / 8, "Q fell with the collisions, below ¾ of linkUsableQ");
      table.expire(15 * I);
      t.equal(table.usable(n, 15 * I), usable, `at ${snr - LIMIT} dB above the limit`);
    }
  },
  "hop failures on a busy channel do not suspend a good link; the same failures on a quiet channel do"(t) {
    const cfg = resolveConfig();
    for (const [busy, suspended] of [[0.6, false], [0, true]] as const) {
      const table = new NeighbourTable(SELF, cfg, undefined, LIMIT);
      const now = heardWithGaps(table, 2, LIMIT + 20, new Set());
      const n = table.get(2);
      if (n === undefined) return t.ok(false, "neighbour tracked");
      const before = table.cost(n, now);
      let s = false;
      for (let k = 0; k < cfg.healthDeadAfter; k++) s = table.noteFailure(2, hopFailureWeight(busy)) || s;
      t.equal(s, suspended, `busy share ${busy}`);
      t.equal(table.usable(n, now), !suspended);
      if (!suspended) {
        t.ok(table.cost(n, now) > before, "failures still raise the link's cost");
        t.ok(table.cost(n, now) < 4 * before, "but a busy channel's failures weigh less than three quiet ones");
        table.noteSuccess(2);
        t.equal(table.cost(n, now), before, "a confirmation clears them");
      }
    }
  },
  "a full neighbour table keeps the neighbours that carry routes and those in probation"(t) {
    const cfg = resolveConfig({ maxNeighbours: 3 });
    const table = new NeighbourTable(SELF, cfg, undefined, LIMIT);
    // Three neighbours that never list us (unusable), heard from t = 0.
    for (const id of [2, 3, 4]) table.onOgm(ogm(id, 1, false), -90, LIMIT + 5, 0);
    const newcomer = (id: number, now: number, carriers: ReadonlySet<number>, listsUs = true): boolean =>
      table.onOgm(ogm(id, 1, listsUs), -90, LIMIT + 5, now, () => carriers).n !== undefined;
    t.ok(!newcomer(5, I, new Set()), "all three are in probation: the newcomer waits");
    const later = 3 * I; // past 2 × 1.25 of their 30 s interval
    t.ok(!newcomer(5, later, new Set([2, 3, 4])), "all three carry routes: kept");
    t.ok(!newcomer(6, later, new Set([2, 3]), false), "a newcomer that does not list us and is no stronger does not replace one");
    t.ok(newcomer(5, later, new Set([2, 3])), "one that lists us replaces the one that carries nothing");
    t.ok(table.get(4) === undefined && table.get(2) !== undefined && table.get(3) !== undefined);
    t.equal(table.size, 3);
  },
  "a full neighbour table does not give a usable neighbour's place to an unproven newcomer"(t) {
    const cfg = resolveConfig({ maxNeighbours: 2 });
    const table = new NeighbourTable(SELF, cfg, undefined, LIMIT);
    for (const id of [2, 3]) heardWithGaps(table, id, LIMIT + 5, new Set());
    const now = 8 * I;
    table.expire(now);
    t.ok(table.onOgm(ogm(7, 1, false), -90, LIMIT + 30, now, () => new Set()).n === undefined, "strong but it does not hear us yet");
    t.ok(table.onOgm(ogm(8, 1, true), -90, LIMIT + 6, now, () => new Set()).n === undefined, "hears us but not 3 dB stronger");
    const r = table.onOgm(ogm(9, 1, true), -90, LIMIT + 9, now, () => new Set());
    t.ok(r.n !== undefined && r.evicted !== undefined, "hears us and 4 dB stronger: it takes the weakest place");
  },
  "after one timeout on a quiet channel the frame takes the other route at once"(t) {
    // 1 reaches 4 through 2 or through 3; 2 goes deaf (its frames are lost) after convergence.
    const h = new IdealMesh({ seed: 3, config: { ogmTrickleMaxMs: 30_000 } });
    for (let i = 1; i <= 4; i++) h.addNode(i, gridPosition(i % 2, Math.floor(i / 2)));
    for (const [a, b] of [[1, 2], [1, 3], [2, 4], [3, 4]]) h.link(a, b);
    h.runUntil(() => h.fullyRouted(), 10 * 60_000, 1_000);
    h.dropIf = (_bytes, from) => from === 2;
    let via2 = 0;
    let delivered = 0;
    for (let k = 0; k < 6; k++) {
      const mark = h.txLog.length;
      h.node(1).send(h.now, 4, new Uint8Array([k]));
      h.run(h.now + 20_000);
      via2 += dataSent(h, 1, mark).filter((f) => f.next === 2).length;
      delivered = h.eventsOf(4, "delivered").length;
    }
    t.equal(delivered, 6, "every message arrives through 3");
    t.atLeast(h.node(1).stats.quietFailovers, 1, "failed over after a single timeout");
    t.equal(h.node(1).stats.retries, 0, "never sent the same frame to 2 twice");
    t.atMost(via2, 3, `${via2} frames went to the deaf relay before its link stopped counting`);
  },
});
