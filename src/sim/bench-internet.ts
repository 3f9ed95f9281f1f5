// Bench part `internet` (docs/simulator.md §Internet): the two-cities scenarios (27, 28) for
// every router, inter-city delivery and p95 latency before, during and after the 20-minute
// internet cut, and what the bridge costs on the air: each router's LoRa airtime with its
// gateways bridging, against the same run with no internet at all (the twin changes nothing
// else: the internet draws from a generator of its own). Bridging everything (the Meshtastic
// gateway) floods every packet into the other city; the difference between that extra airtime and
// System 5's is the airtime System 5's bridge saves. BENCH_INTERNET_SEEDS seeds (default 5).
import { summarise } from "./aggregate";
import type { Summary } from "./aggregate";
import { internetTable } from "./report/internet";
import { progressBar } from "./report/progress";
import { routerEntry } from "./routers/registry";
import { runBatch } from "./run";
import type { Task } from "./run";
import { internetScenarios } from "./scenario/builtin";
import type { Scenario } from "./scenario/schema";

/** The routers compared: System 5, Meshtastic's default and widest managed flooding, MeshCore (no bridge). */
export const INTERNET_ROUTERS = ["system5", "managed3", "managed7", "meshcore"] as const;

const offline = (s: Scenario): Scenario => ({ ...s, name: `${s.name}-no-internet`, internet: undefined });
/**
 * System 5 with plain unicasts (sealed with the network key, `dm: false`) besides the default
 * private DMs: a DM to a node not talked to yet costs a KEY request and answer, and KEY frames
 * never cross the bridge (docs/protocol.md, rule B2), so the DMs' key exchange rides the LoRa chain.
 */
const plain = (s: Scenario): Scenario => ({ ...s, name: `${s.name}-plain`, routerParams: { ...s.routerParams, system5: { ...(s.routerParams.system5 ?? {}), dm: false } } });

export async function internetPart(out: NodeJS.WritableStream): Promise<Summary[]> {
  const seeds = Number(process.env.BENCH_INTERNET_SEEDS ?? 5);
  const routers = INTERNET_ROUTERS.filter((r) => routerEntry(r));
  const [joined] = internetScenarios();
  const scenarios = [...internetScenarios(), offline(joined)];
  const tasks: Task[] = [];
  for (const scenario of scenarios) for (const router of routers) for (let k = 0; k < seeds; k++) tasks.push({ scenario, router, seed: 1 + k });
  if (routerEntry("system5")) for (const scenario of scenarios.map(plain)) for (let k = 0; k < seeds; k++) tasks.push({ scenario, router: "system5", seed: 1 + k });
  const bar = progressBar(`internet, ${tasks.length} runs`);
  const t0 = performance.now();
  const rows = summarise(await runBatch(tasks, { onProgress: (f) => bar.update(f) }));
  bar.stop();
  out.write(`\nTwo cities over the internet (${seeds} seeds, ${((performance.now() - t0) / 1000).toFixed(0)} s):\n${internetTable(rows)}\n`);
  out.write(airtimeLines(rows, joined.name).join("\n"));
  out.write("\n");
  return rows;
}

/** LoRa airtime with the bridge against the twin without internet, per router, and System 5's saving. */
export function airtimeLines(rows: readonly Summary[], joined: string): string[] {
  const air = (scenario: string, router: string): number | null => rows.find((r) => r.scenario === scenario && r.router === router)?.mean.totalAirtimeS ?? null;
  const lines = [`LoRa airtime in the measurement window, ${joined} with its gateways bridging vs the same network with no internet (mean per run; system5-plain: plain unicasts):`];
  const extra = new Map<string, number>();
  const variants: (readonly [string, string, string])[] = [...new Set(rows.filter((r) => r.scenario === joined).map((r) => r.router))].map((r) => [r, joined, `${joined}-no-internet`]);
  variants.push(["system5-plain", `${joined}-plain`, `${joined}-no-internet-plain`]);
  for (const [label, withNet, without] of variants) {
    const router = label.replace(/-plain$/, "");
    const a = air(withNet, router);
    const b = air(without, router);
    if (a === null || b === null) continue;
    extra.set(label, a - b);
    const d = a - b;
    lines.push(`  ${label.padEnd(13)} ${a.toFixed(0).padStart(6)} s with the bridge, ${b.toFixed(0).padStart(6)} s without: the bridge ${d >= 0 ? "adds" : "saves"} ${Math.abs(d).toFixed(0)} s (${((100 * Math.abs(d)) / b).toFixed(1)} %)`);
  }
  for (const s5 of ["system5", "system5-plain"]) {
    for (const base of ["managed3", "managed7"]) {
      const e = extra.get(base);
      const mine = extra.get(s5);
      if (mine !== undefined && e !== undefined) lines.push(`  ${s5}'s bridge costs ${(e - mine).toFixed(0)} s less LoRa airtime per run than bridging everything (${base})`);
    }
  }
  return lines;
}
