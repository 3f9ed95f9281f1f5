// The check, on a small map: `sim --routers meshcore,managed7,system5 --json` gives a row
// for each with the limit fields, the same for every router of a seed, and the same seed gives
// byte-identical JSON.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, test, vi } from "vitest";
import { cli } from "./cli-capture";

const dir = mkdtempSync(path.join(tmpdir(), "system5-limit-"));
const town = path.join(dir, "town.json");
writeFileSync(
  town,
  JSON.stringify({
    name: "town",
    nodes: 25,
    areaM: 4000,
    terrain: "urban",
    rangeM: 1500,
    radio: { preset: "MEDIUM_FAST" },
    traffic: { messagePeriodS: 120 },
    timing: { warmupS: 60, durationS: 300, drainS: 60 },
  }),
);


afterEach(() => vi.restoreAllMocks());

describe("the limit in the CLI's results", () => {
  test("rows for meshcore, managed7 and system5 with the limit fields; same seed, byte-identical JSON", async () => {
    const a = path.join(dir, "a.json");
    const b = path.join(dir, "b.json");
    const args = ["sim", "--scenario", town, "--seeds", "1", "--routers", "meshcore,managed7,system5", "--threads", "1", "--seed", "3"];
    const r = await cli(...args, "--json", a);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/air ×limit/);
    expect((await cli(...args, "--json", b)).code).toBe(0);
    expect(readFileSync(a, "utf8")).toBe(readFileSync(b, "utf8"));
    const rows = (JSON.parse(readFileSync(a, "utf8")) as { results: Array<Record<string, number | null | string>> }).results;
    expect(rows.map((x) => x.router)).toEqual(["meshcore", "managed7", "system5"]);
    for (const x of rows) {
      for (const k of ["limitAirtimePerMessageS", "limitBroadcastTx", "airtimeVsLimit", "broadcastTxVsLimit"]) expect(typeof x[k], `${String(x.router)} ${k}`).toBe("number");
      // The limit belongs to the scenario and seed, not to the router.
      expect(x.limitAirtimePerMessageS).toBe(rows[0].limitAirtimePerMessageS);
      expect(x.limitBroadcastTx).toBe(rows[0].limitBroadcastTx);
      expect(x.airtimeVsLimit as number).toBeGreaterThan(0);
    }
  });
});
