// Bench part `profiles`: the seed's scenarios under both reception profiles (docs/simulator.md
// §Reception profiles), every router, with System 5's rank among the routers under each.
// BENCH_PROFILE_SEEDS seeds (default: the table's), BENCH_PROFILE_SCENARIOS a comma list of
// names to run fewer (default: the 26).
import { summarise } from "./aggregate";
import type { Summary } from "./aggregate";
import { formatTable } from "./report/table";
import { progressBar } from "./report/progress";
import { runBatch } from "./run";
import type { Task } from "./run";
import { seedScenarios } from "./scenario/builtin";
import { RECEPTION_PROFILES } from "./scenario/schema";
import type { ReceptionProfile, Scenario } from "./scenario/schema";

/** 1-based rank of `router` in a scenario: by unicast delivery (higher first), or by airtime per delivered message (lower first). */
export function rankOf(rows: readonly Summary[], scenario: string, router: string, by: "delivery" | "airtime"): { rank: number; of: number } | undefined {
  const mine = rows.filter((r) => r.scenario === scenario);
  const key = (r: Summary): number => (by === "delivery" ? -(r.mean.unicastDelivery ?? -1) : (r.mean.airtimePerDeliveredS ?? Infinity));
  const sorted = [...mine].sort((a, b) => key(a) - key(b));
  const i = sorted.findIndex((r) => r.router === router);
  return i < 0 ? undefined : { rank: sorted.filter((r) => key(r) < key(sorted[i])).length + 1, of: sorted.length };
}

export async function profilesPart(out: NodeJS.WritableStream, routers: readonly string[], defaultSeeds: number): Promise<void> {
  const seeds = Number(process.env.BENCH_PROFILE_SEEDS ?? defaultSeeds);
  const only = process.env.BENCH_PROFILE_SCENARIOS?.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  const base = seedScenarios().filter((s) => only === undefined || only.includes(s.name));
  const as = (s: Scenario, reception: ReceptionProfile): Scenario => ({ ...s, physics: { ...s.physics, reception } });
  const tasks: Task[] = [];
  for (const reception of RECEPTION_PROFILES)
    for (const s of base) for (const router of routers) for (let k = 0; k < seeds; k++) tasks.push({ scenario: as(s, reception), router, seed: 1 + k });
  const bar = progressBar(`reception profiles, ${tasks.length} runs`);
  const t0 = performance.now();
  const records = await runBatch(tasks, { onProgress: (f) => bar.update(f) });
  bar.stop();
  const by = new Map(RECEPTION_PROFILES.map((p) => [p, summarise(records.filter((r) => r.reception === p))] as const));
  out.write(`\nReception profiles: ${base.length} scenarios × ${routers.length} routers × ${seeds} seeds, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  for (const [p, rows] of by) out.write(`\nphysics.reception = "${p}":\n${formatTable(rows)}\n`);
  if (!routers.includes("system5")) return;
  out.write(`\nSystem 5's rank among ${routers.length} routers (delivery: higher first; airtime per delivered message: lower first):\n`);
  const firsts = new Map<ReceptionProfile, { delivery: number; airtime: number; sum: number }>(RECEPTION_PROFILES.map((p) => [p, { delivery: 0, airtime: 0, sum: 0 }]));
  for (const s of base) {
    const cells = RECEPTION_PROFILES.map((p) => {
      const rows = by.get(p) ?? [];
      const d = rankOf(rows, s.name, "system5", "delivery");
      const a = rankOf(rows, s.name, "system5", "airtime");
      const f = firsts.get(p);
      if (f && d && a) {
        f.delivery += d.rank === 1 ? 1 : 0;
        f.airtime += a.rank === 1 ? 1 : 0;
        f.sum += d.rank;
      }
      const del = rows.find((r) => r.scenario === s.name && r.router === "system5")?.mean.unicastDelivery;
      return `${p} delivery ${del === null || del === undefined ? "–" : `${(del * 100).toFixed(1)} %`} rank ${d?.rank ?? "–"}, airtime/msg rank ${a?.rank ?? "–"}`;
    });
    out.write(`  ${s.name.padEnd(28)} ${cells.join("; ")}\n`);
  }
  for (const [p, f] of firsts)
    out.write(`  ${p}: System 5 first in delivery on ${f.delivery}/${base.length} scenarios, cheapest per delivered message on ${f.airtime}/${base.length}; mean delivery rank ${(f.sum / Math.max(1, base.length)).toFixed(2)}\n`);
}
