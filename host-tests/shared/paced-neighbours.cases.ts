// Rule `pacedNeighbours` (docs/protocol.md §8.3): at a crowded node an OGM announcing the settled
// interval or longer names its neighbours at the pace of its route pass. Known answers on the
// builder, and a crowded clique. Pure ES2022, so it runs on XS too.
import { pacedNeighbourLimit, selectOgmItems, type OgmItem } from "../../src/core/ogm-builder";
import { decodeFrame } from "../../src/core/codec";
import { FrameType, OGM_INTERVAL_UNIT_MS } from "../../src/core/frames";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { suite } from "./harness";

const nbrs = (n: number, fresh = 0): OgmItem[] => Array.from({ length: n }, (_, i) => ({ section: "nbr" as const, entry: { short: i, rq: 255 }, changed: i < fresh }));
const nodes = (n: number): OgmItem[] => Array.from({ length: n }, (_, i) => ({ section: "node" as const, entry: { dst: i + 1, seqno: 0, metric: 300 }, changed: false }));

/**
 * A clique of 8 that all hear each other, tables of 3 (every table full: crowded; each node hears
 * 7, at least twice what its table holds), and routes rotating 12 bytes an OGM (a pass of 2 OGMs
 * over 3 node routes).
 */
function crowdedClique(config: Record<string, number | boolean>): IdealMesh {
  const h = new IdealMesh({ seed: 5, config: { maxNeighbours: 3, ogmRouteBytes: 12, ...config } });
  for (let i = 1; i <= 8; i++) h.addNode(i, gridPosition(i % 3, Math.floor(i / 3)));
  for (let a = 1; a <= 8; a++) for (let b = a + 1; b <= 8; b++) h.link(a, b);
  return h;
}
const N = 8;

export default suite("paced neighbours", {
  "pacedNeighbours: the neighbour list keeps pace with the route pass; the pass announced stays the routes' and every neighbour comes round within it"(t) {
    // 24 neighbours and 30 node routes (240 bytes, a route pass of 4 OGMs at 64 bytes): 6 neighbours, not 10.
    t.equal(pacedNeighbourLimit(10, 24, 0, 240, 64), 6);
    t.equal(pacedNeighbourLimit(10, 24, 2, 240, 64), 2 + 6, "new neighbours come on top");
    t.equal(pacedNeighbourLimit(10, 24, 0, 40, 64), 10, "a pass of one OGM: as before");
    t.equal(pacedNeighbourLimit(10, 3, 0, 0, 64), 3, "no routes: every neighbour");
    const regular = { maxBytes: 255, maxNeighbours: 10, routeBytes: 64 };
    const items = [...nbrs(24), ...nodes(30)];
    const loud = selectOgmItems(items, regular, { nbr: 0, route: 0 });
    const paced = selectOgmItems(items, { ...regular, pacedNeighbours: true }, { nbr: 0, route: 0 });
    t.equal(loud.neighbours.length, 10);
    t.equal(paced.neighbours.length, 6, "6 neighbour entries (18 bytes, not 30)");
    t.equal(paced.nodeRoutes.length, loud.nodeRoutes.length, "the same routes");
    t.equal(paced.cycle, loud.cycle, "the same pass announced, so the same holds at every receiver");
    let cursors = { nbr: 0, route: 0 };
    const seen = new Set<number>();
    for (let k = 0; k < paced.cycle; k++) {
      const s = selectOgmItems(items, { ...regular, pacedNeighbours: true }, cursors);
      cursors = s.cursors;
      for (const e of s.neighbours) seen.add(e.short);
    }
    t.equal(seen.size, 24, `every neighbour within the ${paced.cycle} OGMs of the pass`);
    const fresh = selectOgmItems([...nbrs(24, 3), ...nodes(30)], { ...regular, pacedNeighbours: true }, { nbr: 0, route: 0 });
    for (const s of [0, 1, 2]) t.ok(fresh.neighbours.some((e) => e.short === s), `new neighbour ${s} named first`);
  },
  "pacedNeighbours: a crowded clique's OGMs announcing the settled interval name fewer neighbours, with no more pair-minutes without a route; not where a node hears less than twice its table"(t) {
    const run = (on: boolean, tables = 3): { settledNbrs: number; settledOgms: number; coldNbrs: number; broken: number } => {
      const h = crowdedClique({ pacedNeighbours: on, maxNeighbours: tables });
      let broken = 0;
      h.run(15 * 60_000);
      while (h.now < 3 * 3600_000) {
        h.run(h.now + 60_000);
        for (let a = 1; a <= N; a++) for (let b = 1; b <= N; b++) if (a !== b && !h.node(a).hasRouteTo(b, h.now)) broken++;
      }
      let settledNbrs = 0;
      let settledOgms = 0;
      let coldNbrs = 0;
      for (const r of h.txLog) {
        if (r.type !== FrameType.OGM) continue;
        const d = decodeFrame(r.bytes);
        if (!d.ok || d.frame.type !== FrameType.OGM) continue;
        const announces = d.frame.intervalUnits * OGM_INTERVAL_UNIT_MS;
        // The OGM that announces the settled interval (16 min) is a regular one: a quiet OGM's
        // neighbour list already keeps pace with its own pass (quietOgmBudget).
        if (announces === 16 * 60_000) {
          settledNbrs += d.frame.neighbours.length;
          settledOgms++;
        } else if (announces < 16 * 60_000) coldNbrs += d.frame.neighbours.length;
      }
      return { settledNbrs, settledOgms, coldNbrs, broken };
    };
    const on = run(true);
    const off = run(false);
    t.atLeast(on.settledOgms, 8, "every node reached the settled interval");
    t.atMost(on.settledNbrs / on.settledOgms, 0.85 * (off.settledNbrs / off.settledOgms), `neighbour entries per OGM announcing 16 min ${(on.settledNbrs / on.settledOgms).toFixed(1)} with the rule, ${(off.settledNbrs / off.settledOgms).toFixed(1)} without`);
    t.equal(on.coldNbrs, off.coldNbrs, "the cold start's OGMs are as before");
    t.atMost(on.broken, off.broken, `pair-minutes without a route: ${on.broken} with the rule, ${off.broken} without`);
    // Tables of 4: each node hears 7, less than twice what its table holds: the rule does not act.
    const roomy = run(true, 4);
    const roomyOff = run(false, 4);
    t.equal(roomy.settledNbrs, roomyOff.settledNbrs, "a node that hears less than twice its table: as before");
    t.equal(roomy.broken, roomyOff.broken, "the same run");
  },
});
