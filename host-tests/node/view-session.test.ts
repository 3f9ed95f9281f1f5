// The view's simulation session (src/view/session.ts): the page's figures are the CLI's, and the
// interactions (kill, traced message, edited scenario) do what the page says they do.
import { describe, expect, it } from "vitest";
import { runTask } from "../../src/sim/run";
import "../../src/sim/routers/plugins";
import { builtinSource, findBuiltin } from "../../src/sim/scenario/builtin";
import { parseScenario } from "../../src/sim/scenario/schema";
import { ViewSession, explicitScenario } from "../../src/view/session";

const small = builtinSource("small-local");

describe("view session", () => {
  it("stepped and observed, a run gives exactly the figures of an ordinary run", () => {
    const s = new ViewSession(small, ["system5", "managed3"], 7);
    let t = 0;
    while (t < s.endMs) s.advance((t += 37_000));
    const tick = s.tick();
    for (const p of tick.panels) {
      // What `system5 sim` runs (src/sim/run.ts): the router's frame readers included.
      const ref = runTask({ scenario: findBuiltin("small-local")!, router: p.router, seed: 7 });
      expect(p.final).toEqual(ref.metrics);
      // The live counters count the whole run (warm-up and drain too), so at least the window's TX.
      expect(p.counters.tx).toBeGreaterThanOrEqual(ref.metrics.totalTx);
    }
  });

  it("a killed node stops transmitting and a revived one starts again", () => {
    const s = new ViewSession(small, ["system5", "flood"], 1);
    s.advance(300_000);
    const node = 4;
    s.kill(node);
    const before = s.panels.map((p) => s.inspect(s.panels.indexOf(p), node).tx);
    s.advance(900_000);
    const after = s.panels.map((_, k) => s.inspect(k, node).tx);
    expect(after).toEqual(before);
    expect(s.inspect(0, node).alive).toBe(false);
    s.revive(node);
    s.advance(2_000_000);
    expect(s.inspect(0, node).tx).toBeGreaterThan(before[0]);
  });

  it("a traced message is delivered with its hop count, path and end-to-end ACK", () => {
    const s = new ViewSession(small, ["system5", "managed3"], 1);
    s.advance(700_000);
    const topo = s.topology;
    // The pair farthest apart: more than one hop.
    let best = [0, 1, 0];
    for (let a = 0; a < topo.n; a++)
      for (let b = a + 1; b < topo.n; b++) {
        const d = Math.hypot(topo.x[a] - topo.x[b], topo.y[a] - topo.y[b]);
        if (d > best[2]) best = [a, b, d];
      }
    s.send(best[0], best[1]);
    s.advance(760_000);
    for (const p of s.tick().panels) {
      expect(p.trace?.delivered, p.router).toBe(true);
      expect(p.trace!.hops).toBeGreaterThanOrEqual(1);
      expect(p.trace!.path[0]).toBe(best[0]);
    }
    expect(s.tick().panels[0].trace!.acked).toBe(true);
  });

  it("inspects System 5's tables and says when a router keeps none", () => {
    const s = new ViewSession(small, ["system5", "flood"], 1);
    s.advance(600_000);
    const r = s.inspect(0, 0);
    expect(r.neighbours!.length).toBeGreaterThan(0);
    expect(r.routes!.length).toBeGreaterThan(0);
    expect(r.dutyUse).toBeGreaterThan(0);
    expect(s.inspect(1, 0).note).toMatch(/no neighbour or route table/);
  });

  it("an edited network exports in the CLI's schema and runs the same when re-imported", () => {
    const s = new ViewSession(small, ["system5"], 3);
    const t = s.topology;
    const nodes = t.x.map((x, i) => ({ x, y: t.y[i], heightM: t.antennaHeightM[i], antennaGainDbi: t.gainDbi[i], role: t.role[i], indoor: t.indoor[i] }));
    nodes[2].x = Math.min(t.widthM, nodes[2].x + 100);
    const exported = JSON.parse(JSON.stringify(explicitScenario(small, nodes, t.widthM, t.heightM)));
    expect(() => parseScenario(exported, "exported")).not.toThrow();
    const a = new ViewSession(exported, ["system5"], 3);
    const b = new ViewSession(JSON.parse(JSON.stringify(exported)), ["system5"], 3);
    expect(a.topology.x[2]).toBeCloseTo(nodes[2].x, 0);
    expect(a.advance(900_000).panels[0].counters).toEqual(b.advance(900_000).panels[0].counters);
  });

  it("rejects a bad scenario with the schema's message", () => {
    expect(() => new ViewSession({ name: "x", nodes: 1 }, ["flood"], 1)).toThrow(/nodes: expected a node count/);
  });
});
