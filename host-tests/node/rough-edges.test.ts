// What a new user hit when trying the project (issue 15 §3): demo sizes, the HTML report's charts,
// scenario files that make no sense, output paths checked before a long run, --version, exit codes.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { cli } from "./cli-capture";
import { runDemo } from "../../src/demo/demo";
import type { Summary } from "../../src/sim/aggregate";
import { airtimeChart, deliveryChart } from "../../src/sim/report/html";
import { checkScenario } from "../../src/sim/scenario/checks";
import { parseScenario } from "../../src/sim/scenario/schema";

const dir = mkdtempSync(path.join(tmpdir(), "system5-edges-"));


function file(name: string, body: unknown): string {
  const f = path.join(dir, name);
  writeFileSync(f, JSON.stringify(body));
  return f;
}

const base = { name: "x", terrain: "urban", rangeM: 1000, traffic: { messagePeriodS: 60 }, timing: { warmupS: 10, durationS: 60, drainS: 10 } };

describe("demo sizes", () => {
  test("the largest accepted mesh converges, with progress reported on the way", () => {
    const shares: number[] = [];
    const out = runDemo({ nodes: 100 }, (_ms, share) => shares.push(share));
    expect(out.join("\n")).toMatch(/every node has a route to every other after \d+ s/);
    expect(shares.length).toBeGreaterThan(2);
    expect(shares[shares.length - 1]).toBeGreaterThan(shares[0]);
  });
});

describe("scenario files", () => {
  test("nodes outside the area and two nodes at one spot are warned about", () => {
    const s = parseScenario({ ...base, areaM: 1000, nodes: [{ x: 10, y: 10 }, { x: 10, y: 10 }, { x: 500, y: 500 }, { x: 1500, y: 20 }] }, "t");
    const c = checkScenario(s);
    expect(c.warnings.join("\n")).toMatch(/1 node\(s\) outside the 1000 × 1000 m area: nodes\[3\] at \(1500, 20\)/);
    expect(c.warnings.join("\n")).toMatch(/nodes\[0\] and nodes\[1\] at \(10, 10\)/);
    expect(c.errors).toEqual([]);
  });

  test("a network with no link at all is refused before the run, exit 2", async () => {
    const far = file("far.json", { ...base, areaM: 100000, nodes: [{ x: 0, y: 0 }, { x: 90000, y: 90000 }] });
    expect(checkScenario(parseScenario(JSON.parse(readFileSync(far, "utf8")), far)).errors[0]).toMatch(/no two nodes are in reach/);
    const r = await cli("sim", "--scenario", far, "--routers", "flood", "--seeds", "1");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the network has no link at all/);
    expect(r.out).toBe("");
  });

  test("the built-in scenarios pass without warnings", async () => {
    const { builtinScenarios } = await import("../../src/sim/scenario/builtin");
    for (const s of builtinScenarios()) expect(checkScenario(s), s.name).toEqual({ warnings: [], errors: [] });
  }, 60_000);
});

describe("output paths are checked before the run", () => {
  const tiny = file("tiny.json", { ...base, nodes: 5, areaM: 500 });
  test("--json into a directory, --out onto a file, and an unwritable place fail at once with exit 2", async () => {
    const plain = file("plain.txt", "x");
    for (const [args, message] of [
      [["--json", dir], /--json .*: is a directory/],
      [["--out", plain], /--out .*: is a file/],
      [["--json", path.join(plain, "r.json")], /--json .*: cannot write there/],
    ] as const) {
      const t0 = performance.now();
      const r = await cli("sim", "--scenario", tiny, "--routers", "flood", "--seeds", "1", ...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.out).toBe(""); // no table: nothing ran
      expect(performance.now() - t0).toBeLessThan(5_000);
    }
  });
});

describe("the HTML report", () => {
  const row = (scenario: string, router: string, nodes: number, delivery: number, airtime: number): Summary =>
    ({ scenario, router, nodes, seeds: 1, mean: { unicastDelivery: delivery, airtimePerDeliveredS: airtime }, nodeAirtimeS: [0.1, 0.2, 0.4] }) as unknown as Summary;

  test("one scenario: bar charts, not every point at one x", () => {
    const rows = [row("medium-city", "flood", 100, 0.9, 2.5), row("medium-city", "system5", 100, 1, 1.2)];
    expect(deliveryChart(rows)).toMatchObject({ kind: "bar", data: [{ router: "flood", x: "flood", y: 0.9 }, { router: "system5", x: "system5", y: 1 }] });
    expect(airtimeChart(rows)).toMatchObject({ kind: "bar" });
  });

  test("several sizes: delivery against nodes on a log axis; airtime per scenario on a log axis", () => {
    const rows = [row("a", "flood", 20, 1, 0.05), row("b", "flood", 2000, 0.5, 30), row("a", "system5", 20, 1, 0.08), row("b", "system5", 2000, 1, 9)];
    expect(deliveryChart(rows)).toMatchObject({ kind: "line", x: { log: true } });
    expect(airtimeChart(rows)).toMatchObject({ kind: "dots", y: { log: true } });
  });

  test("self-contained: Plot inline, chart data as JSON, a working link to the metric definitions", async () => {
    const tiny = file("tiny-report.json", { ...base, name: "tiny-report", nodes: 5, areaM: 500 });
    const out = path.join(dir, "report");
    expect((await cli("sim", "--scenario", tiny, "--routers", "flood,managed3", "--seeds", "1", "--out", out, "--threads", "1")).code).toBe(0);
    const html = readFileSync(path.join(out, "report.html"), "utf8");
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    expect(html.length).toBeGreaterThan(200_000); // the charting library is in the file
    const link = /<a href="(file:[^"]+)">docs\/simulator.md §Metrics<\/a>/.exec(html)?.[1] as string;
    expect(readFileSync(new URL(link), "utf8")).toMatch(/## Metrics \(exact definitions\)/);
    const data = /<script type="application\/json" id="chart-data">([^<]*)<\/script>/.exec(html)?.[1];
    // One scenario: its charts are bars per router.
    expect((JSON.parse(data as string) as Array<{ kind: string }>).some((c) => c.kind === "bar")).toBe(true);
    expect(data).not.toContain("<");
    // The draw script puts a tick at every decade of a log axis.
    expect(html).toMatch(/function decades\(values\)/);
  }, 60_000);
});

describe("command line conventions", () => {
  test("--version prints the package version", async () => {
    const r = await cli("--version");
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(JSON.parse(readFileSync(path.resolve(__dirname, "../../package.json"), "utf8")).version);
  });

  test.each([
    [["nosuch"]],
    [["sim"]],
    [["sim", "--scenario", "medium-city", "--seeds", "x"]],
    [["sim", "--scenario", "atlantis"]],
    [["demo", "--nodes", "2"]],
    [["node"]],
    [["node", "--board", "tbeam", "--seed", "x"]],
    [["mesh", "--nodes", "99"]],
    [["connect", "info"]],
    [["connect", "launch", "--port", "/dev/null"]],
    [["connect", "send", "--air", "a", "--node", "1"]],
  ])("usage error %j exits with 2", async (argv) => {
    expect((await cli(...argv)).code).toBe(2);
  });
});
