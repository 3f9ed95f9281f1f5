// Averaging runs over seeds: mean and sample standard deviation of every metric, and the one
// JSON/CSV record per (scenario, router) that the CLI contract promises.
import { poolBreakdowns, withShares } from "./engine/breakdown";
import type { BreakdownRow } from "./engine/breakdown";
import type { RunMetrics } from "./engine/metrics";
import { poolInternet } from "./internet/figures";
import type { InternetFigures, PooledInternet } from "./internet/figures";

export interface RunRecord {
  readonly scenario: string;
  readonly router: string;
  readonly seed: number;
  /** The router's settings line (RouterExtras.describe), e.g. System 5's tables and security. */
  readonly settings?: string;
  /** The scenario's reception profile (physics.reception). */
  readonly reception?: string;
  readonly nodes: number;
  readonly meanDegree: number;
  readonly metrics: RunMetrics;
  readonly perNodeAirtimeS: readonly number[];
  readonly wallMs: number;
  /** `sim --breakdown`: window airtime by frame kind and role. */
  readonly breakdown?: readonly BreakdownRow[];
  /** Scenarios with an internet: inter-site delivery and latency around the outage (internet/figures.ts). */
  readonly internet?: InternetFigures;
}

export type MetricName = keyof RunMetrics;

/**
 * Metrics in the order the JSON, CSV and HTML show them. The CSV's columns are a contract that
 * is extended, never reordered: a new metric goes at the end.
 */
export const METRIC_ORDER: readonly MetricName[] = [
  "unicastDelivery",
  "unicastDeliveryLive",
  "broadcastCoverage",
  "dataTx",
  "controlTx",
  "totalTx",
  "dataAirtimeS",
  "controlAirtimeS",
  "totalAirtimeS",
  "deliveredMessages",
  "airtimePerDeliveredS",
  "deadDstAirtimeS",
  "limitAirtimePerMessageS",
  "airtimeVsLimit",
  "limitBroadcastTx",
  "broadcastTxPerMessage",
  "broadcastTxVsLimit",
  "meanNodeAirtimeS",
  "maxNodeAirtimeS",
  "maxNodeDutyShare",
  "channelUtilisation",
  "controlShare",
  "latencyP50S",
  "latencyP95S",
  "dutyCycleViolations",
  "dutyCycleRefusals",
  "sendRefusals",
  "fallbackFloods",
  "routeSwitches",
  "unicastSent",
  "unicastDelivered",
  "unicastSentDead",
  "broadcastSent",
  "meshcoreRepeaters",
  "collisions",
  "halfDuplexMisses",
  "lbtBusy",
  "events",
  "controlShareLate",
  "unicastAcked",
  "falseFailures",
  "ogmLocationShareLate",
];

export interface Summary {
  readonly scenario: string;
  readonly router: string;
  readonly nodes: number;
  readonly seeds: number;
  readonly seedList: readonly number[];
  readonly settings?: string;
  readonly reception?: string;
  readonly meanDegree: number;
  readonly mean: Readonly<Record<MetricName, number | null>>;
  readonly sd: Readonly<Record<MetricName, number | null>>;
  /** Per-node airtime of every seed, sorted, for the load-distribution chart. */
  readonly nodeAirtimeS: readonly number[];
  /** `sim --breakdown`: window airtime by frame kind and role, means over the seeds, most first. */
  readonly breakdown?: readonly BreakdownRow[];
  /** Scenarios with an internet: the inter-site figures over the seeds. */
  readonly internet?: PooledInternet;
}

export function summarise(records: readonly RunRecord[]): Summary[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    const k = `${r.scenario}\u0000${r.router}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const out: Summary[] = [];
  for (const g of groups.values()) {
    const mean = {} as Record<MetricName, number | null>;
    const sd = {} as Record<MetricName, number | null>;
    for (const name of METRIC_ORDER) {
      const xs = g.map((r) => r.metrics[name]).filter((v): v is number => v !== null);
      if (xs.length === 0) {
        mean[name] = null;
        sd[name] = null;
        continue;
      }
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      mean[name] = m;
      sd[name] = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0;
    }
    out.push({
      scenario: g[0].scenario,
      router: g[0].router,
      nodes: g[0].nodes,
      seeds: g.length,
      seedList: g.map((r) => r.seed),
      ...(g[0].settings !== undefined ? { settings: g[0].settings } : {}),
      ...(g[0].reception !== undefined ? { reception: g[0].reception } : {}),
      meanDegree: g.reduce((a, r) => a + r.meanDegree, 0) / g.length,
      mean,
      sd,
      nodeAirtimeS: g.flatMap((r) => r.perNodeAirtimeS).sort((a, b) => a - b),
      ...(g.every((r) => r.breakdown !== undefined) ? { breakdown: poolBreakdowns(g.map((r) => r.breakdown ?? [])) } : {}),
      ...internetOf(g),
    });
  }
  return out;
}

function internetOf(g: readonly RunRecord[]): { internet?: PooledInternet } {
  const pooled = poolInternet(g.flatMap((r) => (r.internet ? [r.internet] : [])));
  return pooled ? { internet: pooled } : {};
}

/** Rounds for stable, readable files: 6 significant digits. */
export function tidy(v: number | null): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  if (v === 0 || Number.isInteger(v)) return v;
  return Number(v.toPrecision(6));
}

/** The JSON record of the CLI contract (ratios 0..1, times in seconds), plus extras and spreads. */
export function jsonRecord(s: Summary): Record<string, unknown> {
  const rec: Record<string, unknown> = {
    scenario: s.scenario,
    router: s.router,
    nodes: s.nodes,
    seeds: s.seeds,
  };
  if (s.settings !== undefined) rec.settings = s.settings;
  if (s.reception !== undefined) rec.reception = s.reception;
  for (const name of METRIC_ORDER) rec[name] = tidy(s.mean[name]);
  rec.meanDegree = tidy(s.meanDegree);
  rec.seedList = s.seedList;
  rec.spread = Object.fromEntries(METRIC_ORDER.map((n) => [n, tidy(s.sd[n])]));
  if (s.breakdown) rec.breakdown = withShares(s.breakdown).map((r) => ({ kind: r.kind, role: r.role, tx: tidy(r.tx), airtimeS: tidy(r.airtimeS), share: tidy(r.share) }));
  if (s.internet) rec.internet = JSON.parse(JSON.stringify(s.internet, (_k, v: unknown) => (typeof v === "number" ? tidy(v) : v)));
  return rec;
}

/** What the rows ran with, one line each: every router's settings and the reception profiles. */
export function settingsLines(rows: readonly Summary[]): string[] {
  const lines = new Set<string>();
  for (const r of rows) if (r.settings !== undefined) lines.add(`${r.router}: ${r.settings}`);
  const profiles = [...new Set(rows.map((r) => r.reception).filter((p) => p !== undefined))];
  if (profiles.length > 0) lines.add(`reception profile: ${profiles.join(", ")} (docs/simulator.md §Reception profiles)`);
  return [...lines];
}
