// The command-line contract: byte-identical JSON for the same seed, the documented JSON fields,
// clear messages and non-zero exits for bad arguments, and `scenarios`.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, test, vi } from "vitest";
import { cli } from "./cli-capture";

const dir = mkdtempSync(path.join(tmpdir(), "system5-sim-"));

function scenarioFile(name: string, body: Record<string, unknown>): string {
  const f = path.join(dir, `${name}.json`);
  writeFileSync(f, JSON.stringify(body));
  return f;
}

const tiny = scenarioFile("tiny", {
  name: "tiny",
  nodes: 12,
  areaM: 3000,
  terrain: "urban",
  rangeM: 1500,
  radio: { preset: "MEDIUM_FAST" },
  traffic: { messagePeriodS: 60 },
  timing: { warmupS: 30, durationS: 240, drainS: 30 },
});


afterEach(() => vi.restoreAllMocks());

describe("system5 sim", () => {
  test("the same seed gives byte-identical JSON; another seed does not", async () => {
    const a = path.join(dir, "a.json");
    const b = path.join(dir, "b.json");
    const c = path.join(dir, "c.json");
    const args = ["sim", "--scenario", tiny, "--seeds", "2", "--routers", "managed3,nexthop,flood", "--threads", "1"];
    expect((await cli(...args, "--seed", "9", "--json", a)).code).toBe(0);
    expect((await cli(...args, "--seed", "9", "--json", b)).code).toBe(0);
    expect((await cli(...args, "--seed", "10", "--json", c)).code).toBe(0);
    expect(readFileSync(a, "utf8")).toBe(readFileSync(b, "utf8"));
    expect(readFileSync(a, "utf8")).not.toBe(readFileSync(c, "utf8"));
  });
  test("JSON holds the contract's fields, one entry per scenario and router, ratios in 0..1", async () => {
    const f = path.join(dir, "fields.json");
    const r = await cli("sim", "--scenario", tiny, "--seeds", "1", "--routers", "managed5,nexthop", "--json", f, "--threads", "1");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/events\/s/);
    const json = JSON.parse(readFileSync(f, "utf8")) as { results: Array<Record<string, unknown>> };
    expect(json.results.map((x) => x.router)).toEqual(["managed5", "nexthop"]);
    for (const x of json.results) {
      for (const k of ["scenario", "router", "nodes", "seeds", "unicastDelivery", "broadcastCoverage", "dataTx", "totalTx", "totalAirtimeS", "airtimePerDeliveredS", "maxNodeAirtimeS", "dutyCycleViolations", "latencyP50S", "latencyP95S", "fallbackFloods"])
        expect(x, k).toHaveProperty(k);
      expect(x.unicastDelivery as number).toBeGreaterThanOrEqual(0);
      expect(x.unicastDelivery as number).toBeLessThanOrEqual(1);
      expect(x.dutyCycleViolations).toBe(0);
      expect(x.totalTx as number).toBeGreaterThanOrEqual(x.dataTx as number);
    }
  });
  test("--out writes JSON, CSV and a self-contained HTML report", async () => {
    const out = path.join(dir, "report");
    expect((await cli("sim", "--scenario", tiny, "--seeds", "1", "--routers", "managed3", "--out", out, "--threads", "1")).code).toBe(0);
    const html = readFileSync(path.join(out, "report.html"), "utf8");
    // Charts drawn by Observable Plot, bundled inline: nothing is fetched.
    expect(html).toMatch(/<script type="application\/json" id="chart-data">/);
    expect(html).toMatch(/globalThis|Plot/);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    expect(readFileSync(path.join(out, "results.csv"), "utf8").split("\n")[0]).toMatch(/^scenario,router,nodes,seeds/);
  });
  test("--breakdown: airtime by frame kind in the table, the JSON (shares summing to 1) and the report; absent without it", async () => {
    const out = path.join(dir, "breakdown");
    const r = await cli("sim", "--scenario", tiny, "--seeds", "2", "--routers", "managed3", "--out", out, "--threads", "1", "--breakdown");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Airtime by frame kind/);
    expect(r.out).toMatch(/tiny\s+managed3\s+BCAST\s+origin/);
    const [rec] = (JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as { results: Array<{ totalAirtimeS: number; breakdown: Array<{ kind: string; airtimeS: number; share: number }> }> }).results;
    expect(rec.breakdown.reduce((a, x) => a + x.airtimeS, 0)).toBeCloseTo(rec.totalAirtimeS, 2);
    expect(rec.breakdown.reduce((a, x) => a + x.share, 0)).toBeCloseTo(1, 4);
    expect(readFileSync(path.join(out, "report.html"), "utf8")).toMatch(/<h2>Airtime by frame kind<\/h2>/);
    const plain = await cli("sim", "--scenario", tiny, "--seeds", "1", "--routers", "managed3", "--threads", "1");
    expect(plain.out).not.toMatch(/Airtime by frame kind/);
  });
  test("runs the real core as system5 and reports it like any router", async () => {
    const json = path.join(dir, "s5.json");
    expect((await cli("sim", "--scenario", tiny, "--seeds", "1", "--routers", "system5", "--json", json, "--threads", "1")).code).toBe(0);
    const r = JSON.parse(readFileSync(json, "utf8")).results[0];
    expect(r.router).toBe("system5");
    expect(r.totalTx).toBeGreaterThan(r.dataTx); // OGMs and ACKs are on the air and counted
  });
  const bad: Array<[string, string[], RegExp]> = [
    ["an unknown router", ["--routers", "olsr"], /unknown router "olsr"/],
    ["zero seeds", ["--seeds", "0"], /--seeds must be a whole number/],
    ["a seed that is not a number", ["--seed", "abc"], /--seed must be a whole number/],
  ];
  for (const [what, extra, message] of bad) {
    test(`rejects ${what} with a message and a non-zero exit`, async () => {
      const r = await cli("sim", "--scenario", tiny, ...extra);
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    });
  }
  test("rejects an unknown scenario and a broken scenario file", async () => {
    const r1 = await cli("sim", "--scenario", "atlantis");
    expect(r1.code).toBe(2);
    expect(r1.err).toMatch(/unknown scenario "atlantis"/);
    const broken = scenarioFile("broken", { name: "broken", nodes: 5, areaM: 100, terrain: "swamp", rangeM: 10 });
    const r2 = await cli("sim", "--scenario", broken);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/broken\.json: terrain: "swamp" is not one of/);
    const notJson = path.join(dir, "nope.json");
    writeFileSync(notJson, "{ nodes: ");
    expect((await cli("sim", "--scenario", notJson)).err).toMatch(/not valid JSON/);
    expect((await cli("sim", "--scenario", path.join(dir, "missing.json"))).err).toMatch(/cannot read scenario file/);
  });
  test("requires --scenario", async () => {
    const r = await cli("sim");
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--scenario/);
  });
});

describe("system5 scenarios", () => {
  test("lists the built-in scenarios with node counts", async () => {
    const r = await cli("scenarios");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/medium-city\s+100/);
    expect(r.out).toMatch(/bay-area\s+235/);
    expect(r.out).toMatch(/scale-2000\s+2000/);
    expect(r.out).toMatch(/load-1200\s+100/);
    expect(r.out).toMatch(/^28\s+two-cities-outage\s+32/m);
    expect(r.out.trim().split("\n")).toHaveLength(1 + 26 + 7 + 5 + 7 + 2);
  });
});
