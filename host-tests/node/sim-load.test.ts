// The capacity runs: load points offer the stated unicast rate besides the seed's broadcasts,
// and the report reads each router's saturation point off its delivery curve.
import { describe, expect, test } from "vitest";
import type { Summary } from "../../src/sim/aggregate";
import { rankOf } from "../../src/sim/bench-profiles";
import { loadCurves } from "../../src/sim/report/load-chart";
import { resultsHtml } from "../../src/sim/report/html";
import { findBuiltin, loadScenarios } from "../../src/sim/scenario/builtin";
import { offeredUnicastsPerHour, seedBroadcastsPerHour } from "../../src/sim/scenario/load";

describe("load points", () => {
  test("50 … 2000 unicasts/h on medium-city, the seed's 140 broadcasts/h besides", () => {
    const medium = findBuiltin("medium-city");
    expect(seedBroadcastsPerHour()).toBeCloseTo(140, 9);
    const pts = loadScenarios();
    expect(pts.map((s) => offeredUnicastsPerHour(s.name))).toEqual([50, 100, 200, 400, 800, 1200, 2000]);
    for (const s of pts) {
      const perHour = (s.nodeCount * 3600) / s.traffic.messagePeriodS;
      expect(perHour * (1 - s.traffic.broadcastShare)).toBeCloseTo(offeredUnicastsPerHour(s.name) as number, 6);
      expect(perHour * s.traffic.broadcastShare).toBeCloseTo(140, 6);
      expect(s.nodeCount).toBe(medium?.nodeCount);
      expect(s.rangeM).toBe(medium?.rangeM);
    }
    expect(offeredUnicastsPerHour("medium-city")).toBeUndefined();
  });
});

const row = (scenario: string, router: string, delivery: number, air: number): Summary =>
  ({ scenario, router, nodes: 100, seeds: 1, seedList: [1], meanDegree: 10, mean: { unicastDelivery: delivery, airtimePerDeliveredS: air }, sd: {}, nodeAirtimeS: [] }) as unknown as Summary;

describe("capacity curves", () => {
  const rows = [
    row("load-50", "a", 1, 2), row("load-400", "a", 0.95, 3), row("load-1200", "a", 0.6, 9),
    row("load-50", "b", 0.99, 5), row("load-400", "b", 0.98, 5), row("load-1200", "b", 0.91, 6),
    row("medium-city", "a", 1, 1),
  ];
  test("saturation is the load from which delivery stays below 90 %; a dip at a light load is not", () => {
    const c = loadCurves([...rows, row("load-50", "c", 0.85, 5), row("load-400", "c", 0.95, 5), row("load-1200", "c", 0.8, 6)]);
    expect(c.map((x) => [x.router, x.saturatesAt])).toEqual([["a", 1200], ["b", undefined], ["c", 1200]]);
    expect(c[0].delivery).toEqual([[50, 1], [400, 0.95], [1200, 0.6]]);
  });
  test("the report draws the capacity charts only when load points are present", () => {
    expect(resultsHtml(rows, "t", "n")).toContain("Unicast delivery vs offered unicast load");
    expect(resultsHtml(rows.slice(6), "t", "n")).not.toContain("Capacity");
  });
  test("the report lists live and dead destinations apart where nodes died", () => {
    const dead = { ...row("node-failure-20", "a", 0.85, 16), mean: { unicastDelivery: 0.85, unicastDeliveryLive: 0.975, unicastSentDead: 3, deadDstAirtimeS: 65, totalAirtimeS: 1250, airtimePerDeliveredS: 16 } } as unknown as Summary;
    const html = resultsHtml([dead], "t", "n");
    expect(html).toContain("Live and dead destinations");
    expect(html).toContain("97.5 %");
    expect(html).toContain("5.2 %");
    expect(resultsHtml(rows, "t", "n")).not.toContain("Live and dead destinations");
  });
  test("ranks: delivery higher first, airtime lower first, ties share a rank", () => {
    expect(rankOf(rows, "load-1200", "b", "delivery")).toEqual({ rank: 1, of: 2 });
    expect(rankOf(rows, "load-1200", "a", "airtime")).toEqual({ rank: 2, of: 2 });
    expect(rankOf(rows, "load-1200", "b", "airtime")).toEqual({ rank: 1, of: 2 });
    expect(rankOf([...rows, row("load-50", "c", 1, 2)], "load-50", "c", "delivery")).toEqual({ rank: 1, of: 3 });
  });
});
