// The physical limit: shortest paths and the greedy connected dominating set on graphs with known
// answers, and the figures a run reports on a line whose answer is known by hand.
import { describe, expect, test } from "vitest";
import { airtimeMs } from "../../src/core/airtime";
import { presetByName } from "../../src/core/presets";
import { Simulation } from "../../src/sim/engine/simulation";
import type { ScriptedSend } from "../../src/sim/engine/simulation";
import { greedyBroadcast, hopsBetween, hopsFrom } from "../../src/sim/limits/graph";
import type { Adjacency } from "../../src/sim/limits/graph";
import { LIMIT_ACK_BYTES, messageIdIn } from "../../src/sim/limits/tracker";
import { makePayload } from "../../src/sim/engine/metrics";
import { routerEntry } from "../../src/sim/routers/registry";
import { lineScenario } from "../../src/sim/scenario/line";

/** Undirected graph from an edge list. */
function graph(n: number, edges: ReadonlyArray<readonly [number, number]>): number[][] {
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) {
    adj[a].push(b);
    adj[b].push(a);
  }
  return adj;
}

const line5 = graph(5, [
  [0, 1],
  [1, 2],
  [2, 3],
  [3, 4],
]);

describe("shortest paths", () => {
  test("hops on a line and a shortcut", () => {
    expect([...hopsFrom(line5, 0)]).toEqual([0, 1, 2, 3, 4]);
    const shortcut = graph(5, [
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
      [1, 4],
    ]);
    expect(hopsBetween(shortcut, 0, 4)).toBe(2);
    expect(hopsBetween(shortcut, 4, 0)).toBe(2);
  });
  test("directed links: a one-way link is usable one way only; unreachable is −1", () => {
    const oneWay: Adjacency = [[1], [2], []];
    expect(hopsBetween(oneWay, 0, 2)).toBe(2);
    expect(hopsBetween(oneWay, 2, 0)).toBe(-1);
  });
});

describe("greedy connected dominating set", () => {
  test("a line: every node but the last transmits", () => {
    const c = greedyBroadcast(line5, 0);
    expect(c.transmitters).toEqual([0, 1, 2, 3]);
    expect(c.coveredCount).toBe(5);
    expect(greedyBroadcast(line5, 2).transmitters).toEqual([2, 1, 3]);
  });
  test("a star from a leaf: the leaf and the hub", () => {
    const star = graph(6, [
      [0, 1],
      [0, 2],
      [0, 3],
      [0, 4],
      [0, 5],
    ]);
    expect(greedyBroadcast(star, 3).transmitters).toEqual([3, 0]);
    expect(greedyBroadcast(star, 0).transmitters).toEqual([0]);
  });
  test("the covered node reaching the most uncovered nodes goes first", () => {
    // 0 reaches 1 and 2; 1 reaches {3}; 2 reaches {3, 4, 5}; 5 reaches 6.
    const g = graph(7, [
      [0, 1],
      [0, 2],
      [1, 3],
      [2, 3],
      [2, 4],
      [2, 5],
      [5, 6],
    ]);
    const c = greedyBroadcast(g, 0);
    expect(c.transmitters).toEqual([0, 2, 5]);
    expect(c.coveredCount).toBe(7);
  });
  test("ties go to the lower index; unreachable nodes stay uncovered", () => {
    // Two disjoint ways from 0 to cover 3 and 4; 5 is isolated.
    const g = graph(6, [
      [0, 1],
      [0, 2],
      [1, 3],
      [2, 4],
    ]);
    const c = greedyBroadcast(g, 0);
    expect(c.transmitters).toEqual([0, 1, 2]);
    expect(c.covered[5]).toBe(0);
    expect(c.coveredCount).toBe(5);
  });
  test("a 3 × 3 grid from a corner: 4 transmissions", () => {
    // 0 1 2 / 3 4 5 / 6 7 8, 4-neighbour grid.
    const edges: Array<[number, number]> = [];
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 3; c++) {
        if (c < 2) edges.push([3 * r + c, 3 * r + c + 1]);
        if (r < 2) edges.push([3 * r + c, 3 * r + c + 3]);
      }
    const c = greedyBroadcast(graph(9, edges), 0);
    // 0 covers 1, 3; 1 (new: 2, 4) ties 3 (new: 4, 6) → 1; then 4 (new: 5, 7) beats 3 and 2 (one
    // each); then 7 (new: 6, 8) beats 3 and 5.
    expect(c.transmitters).toEqual([0, 1, 4, 7]);
    expect(c.coveredCount).toBe(9);
  });
});

describe("the limit in a run's figures", () => {
  const preset = presetByName("LONG_FAST");
  const data = airtimeMs(preset, 40);
  const ack = airtimeMs(preset, LIMIT_ACK_BYTES);

  function run(router: string, script: ScriptedSend[]) {
    const entry = routerEntry(router);
    if (!entry) throw new Error(router);
    return new Simulation({ scenario: lineScenario(5), routerName: router, factory: entry.factory, seed: 1, script }).run().metrics;
  }

  test("5-node line: a broadcast's limit is 4 transmissions; naive flooding spends 5", () => {
    const m = run("flood", [{ atS: 1, src: 0, dst: -1 }]);
    expect(m.limitBroadcastTx).toBe(4);
    expect(m.broadcastTxPerMessage).toBe(5);
    expect(m.broadcastTxVsLimit).toBeCloseTo(5 / 4, 9);
    expect(m.limitAirtimePerMessageS).toBeCloseTo((4 * data) / 1000, 9);
    expect(m.airtimeVsLimit).toBeCloseTo((m.airtimePerDeliveredS ?? NaN) / ((4 * data) / 1000), 9);
  });
  test("a unicast end to end with its ACK, mixed with a broadcast: limit = Σ airtime ÷ Σ delivered", () => {
    const m = run("managed7", [
      { atS: 1, src: 0, dst: 4, wantAck: true },
      { atS: 30, src: 2, dst: -1 },
    ]);
    const uni = 4 * data + 4 * ack;
    // From the middle of the line: 2, then 1 and 3 (a tie, the lower index first).
    expect(m.limitBroadcastTx).toBe(3);
    expect(m.limitAirtimePerMessageS).toBeCloseTo((uni + 3 * data) / 2 / 1000, 9);
  });
  test("a unicast without an ACK costs only the way there", () => {
    const m = run("managed7", [{ atS: 1, src: 1, dst: 3, wantAck: false }]);
    expect(m.limitAirtimePerMessageS).toBeCloseTo((2 * data) / 1000, 9);
    expect(m.limitBroadcastTx).toBeNull();
    expect(m.broadcastTxPerMessage).toBeNull();
  });
  test("the message id is found in a frame that carries the payload in clear", () => {
    const f = new Uint8Array(60);
    f.set(makePayload(1234, 40), 17);
    expect(messageIdIn(f)).toBe(1234);
    expect(messageIdIn(new Uint8Array(60))).toBe(-1);
  });
});
