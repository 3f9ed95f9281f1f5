// The airtime breakdown (`sim --breakdown`, docs/simulator.md §Airtime by frame kind): on a known
// scripted run the kinds, roles, counts and airtime are the expected ones, and on real scenarios
// the rows of every router family sum to the run's own transmission and airtime totals.
import { describe, expect, test } from "vitest";
import { airtimeMs } from "../../src/core/airtime";
import { PRESETS } from "../../src/core/presets";
import { summarise } from "../../src/sim/aggregate";
import { poolBreakdowns } from "../../src/sim/engine/breakdown";
import type { BreakdownRow } from "../../src/sim/engine/breakdown";
import { Simulation } from "../../src/sim/engine/simulation";
import type { ScriptedSend } from "../../src/sim/engine/simulation";
import { resultsJson } from "../../src/sim/report/files";
import { formatBreakdown } from "../../src/sim/report/breakdown";
import { HEADER_BYTES, ROUTING_BODY_BYTES } from "../../src/sim/routers/header";
import { routerEntry } from "../../src/sim/routers/registry";
import "../../src/sim/routers/plugins";
import { runTask } from "../../src/sim/run";
import { findBuiltin } from "../../src/sim/scenario/builtin";
import { lineScenario } from "../../src/sim/scenario/line";

/** A line of three nodes 1 km apart (each hears only its neighbours), the script below, no other traffic. */
function scripted(router: string, script: readonly ScriptedSend[]) {
  const entry = routerEntry(router);
  if (!entry?.frameClass) throw new Error(router);
  const scenario = lineScenario(3, 1000, { timing: { warmupS: 0, durationS: 600, drainS: 60 } });
  const params = scenario.routerParams[router] ?? {};
  const { readable, frameClass } = entry;
  const r = new Simulation({
    scenario,
    routerName: router,
    factory: entry.factory,
    seed: 2,
    script,
    keyedIds: entry.keyedIds,
    readable: readable && ((b) => readable(b, params)),
    frameClass: (b, sender) => frameClass(b, sender, params),
  }).run();
  const rows = new Map((r.breakdown ?? []).map((x) => [`${x.kind} ${x.role}`, x]));
  return { r, rows, payload: scenario.traffic.payloadBytes };
}

describe("airtime by frame kind", () => {
  test("managed7, a broadcast from the middle, then a DM over two hops: each frame's kind, role, count and airtime; the late control share", () => {
    // The window is 600 s: the broadcast falls in its first half, the DM and its ACK in the second.
    const { r, rows, payload } = scripted("managed7", [
      { atS: 120, src: 1, dst: -1 },
      { atS: 400, src: 0, dst: 2, wantAck: true },
    ]);
    expect(r.metrics.unicastDelivered).toBe(1);
    const dm = airtimeMs(PRESETS.LONG_FAST, HEADER_BYTES + 1 + payload) / 1000;
    const ack = airtimeMs(PRESETS.LONG_FAST, HEADER_BYTES + 1 + ROUTING_BODY_BYTES) / 1000;
    // The DM: node 0 sends, node 1 relays, node 2 keeps it. Its ACK: node 2 sends, node 1 relays.
    // The broadcast: node 1 sends, nodes 0 and 2 (out of each other's range) both relay.
    const want = [
      ["BCAST relay", 2, 2 * dm],
      ["BCAST origin", 1, dm],
      ["DM origin", 1, dm],
      ["DM relay", 1, dm],
      ["ACK origin", 1, ack],
      ["ACK relay", 1, ack],
    ] as const;
    expect([...rows.keys()].sort()).toEqual(want.map((w) => w[0]).sort());
    for (const [key, tx, air] of want) {
      expect(rows.get(key)?.tx, key).toBe(tx);
      expect(rows.get(key)?.airtimeS, key).toBeCloseTo(air, 9);
    }
    expect(r.metrics.totalTx).toBe(7);
    // Routing ACKs are the baselines' control frames: 2 of 7 frames overall, 2 of 4 late.
    expect(r.metrics.controlShare).toBeCloseTo((2 * ack) / (2 * ack + 5 * dm), 9);
    expect(r.metrics.controlShareLate).toBeCloseTo((2 * ack) / (2 * ack + 2 * dm), 9);
  });

  test("system5 on the same line: its one broadcast is one BCAST origin, OGMs are never relays, the rows sum to the totals", () => {
    const { r, rows } = scripted("system5", [{ atS: 300, src: 0, dst: -1 }]);
    expect(rows.get("BCAST origin")?.tx).toBe(1);
    expect(rows.get("OGM relay")).toBeUndefined();
    expect(rows.get("OGM origin")?.tx).toBeGreaterThan(0);
    const rowsArr = r.breakdown ?? [];
    expect(rowsArr.reduce((a, x) => a + x.tx, 0)).toBe(r.metrics.totalTx);
    expect(rowsArr.reduce((a, x) => a + x.airtimeS, 0)).toBeCloseTo(r.metrics.totalAirtimeS, 6);
  });

  for (const router of ["system5", "managed7", "meshcore"]) {
    test(`${router}, highway-convoy for 5 minutes: the kinds sum to totalTx and totalAirtimeS, and nothing is unclassified`, () => {
      const base = findBuiltin("highway-convoy");
      if (!base) throw new Error("highway-convoy");
      const scenario = { ...base, timing: { ...base.timing, warmupS: 120, durationS: 300 } };
      const rec = runTask({ scenario, router, seed: 1, breakdown: true });
      const rows = rec.breakdown ?? [];
      expect(rows.length).toBeGreaterThan(1);
      expect(rows.reduce((a, x) => a + x.tx, 0)).toBe(rec.metrics.totalTx);
      expect(rows.reduce((a, x) => a + x.airtimeS, 0)).toBeCloseTo(rec.metrics.totalAirtimeS, 6);
      for (const x of rows) expect(["unclassified", "unreadable", "undecodable"]).not.toContain(x.kind);
      expect(rows.some((x) => x.role === "relay")).toBe(true);
      // Without the option the run tallies nothing (and its figures are the same).
      const plain = runTask({ scenario, router, seed: 1 });
      expect(plain.breakdown).toBeUndefined();
      expect(plain.metrics).toEqual(rec.metrics);
    });
  }

  test("pooled over seeds: means, a kind missing in a seed counting zero; the JSON shares sum to 1; the table lists every row", () => {
    const a = [{ kind: "OGM", role: "origin" as const, tx: 4, airtimeS: 2 }];
    const b = [
      { kind: "OGM", role: "origin" as const, tx: 2, airtimeS: 1 },
      { kind: "BCAST", role: "relay" as const, tx: 6, airtimeS: 3 },
    ];
    expect(poolBreakdowns([a, b])).toEqual([
      { kind: "BCAST", role: "relay", tx: 3, airtimeS: 1.5 },
      { kind: "OGM", role: "origin", tx: 3, airtimeS: 1.5 },
    ]);
    const metrics = runTask({ scenario: lineScenario(2), router: "managed7", seed: 1 }).metrics;
    const rec = (seed: number, breakdown: readonly BreakdownRow[] | undefined) => ({ scenario: "s", router: "r", seed, nodes: 2, meanDegree: 1, metrics, perNodeAirtimeS: [], wallMs: 0, breakdown });
    const rows = summarise([rec(1, a), rec(2, b)]);
    const json = JSON.parse(resultsJson(rows)) as { results: Array<{ breakdown: Array<{ share: number }> }> };
    expect(json.results[0].breakdown.map((x) => x.share)).toEqual([0.5, 0.5]);
    const text = formatBreakdown(rows) ?? "";
    expect(text).toMatch(/BCAST\s+relay\s+3\s+1\.50\s+50\.0/);
    expect(text).toMatch(/OGM\s+origin\s+3\s+1\.50\s+50\.0/);
    expect(formatBreakdown(summarise([{ ...rec(1, a), breakdown: undefined }]))).toBeUndefined();
  });
});
