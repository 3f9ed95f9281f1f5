// Inter-site figures of a run with an internet (docs/simulator.md §Internet): unicasts whose
// source and destination lie in different sites (tiers named in `internet.sites`), by when they
// were sent: before, during and after the internet outage that every link shares (or the whole
// window when there is none). Delivery and latency as §Metrics defines them; broadcasts'
// reach into the other sites besides (a router that floods everything over the bridge reaches
// them, one that keeps floods local does not).
import { quantile } from "../engine/metrics";
import type { MessageLog } from "../engine/metrics";
import type { Internet, Outage } from "../scenario/internet";
import type { BridgeFigures } from "./driver";

export interface WindowFigures {
  readonly name: "before" | "during" | "after" | "all";
  /** The window's bounds in simulated seconds (by the time a message was sent). */
  readonly fromS: number;
  readonly toS: number;
  readonly sent: number;
  readonly delivered: number;
  readonly delivery: number | null;
  readonly latencyP50S: number | null;
  readonly latencyP95S: number | null;
}

export interface InternetFigures {
  readonly sites: readonly string[];
  readonly windows: readonly WindowFigures[];
  /** Mean share of the other sites' live nodes a measured broadcast reached; null when none. */
  readonly crossSiteBroadcastReach: number | null;
  readonly bridge: BridgeFigures;
}

/** The outage every link shares and that falls in the measurement window, if any. */
export function sharedOutage(net: Internet, winStartS: number, winEndS: number): Outage | undefined {
  const [first, ...rest] = net.links;
  for (const o of first?.outages ?? []) {
    if (o.endS <= winStartS || o.startS >= winEndS) continue;
    if (rest.every((l) => l.outages.some((p) => p.startS <= o.startS && p.endS >= o.endS))) return o;
  }
  return undefined;
}

export function internetFigures(
  net: Internet,
  log: MessageLog,
  tiers: readonly string[],
  win: { readonly startS: number; readonly endS: number },
  bridge: BridgeFigures,
): InternetFigures {
  const site = tiers.map((t) => net.sites.indexOf(t));
  const cut = sharedOutage(net, win.startS, win.endS);
  const bounds: [WindowFigures["name"], number, number][] = cut
    ? [
        ["before", win.startS, Math.max(win.startS, cut.startS)],
        ["during", Math.max(win.startS, cut.startS), Math.min(win.endS, cut.endS)],
        ["after", Math.min(win.endS, cut.endS), win.endS],
      ]
    : [["all", win.startS, win.endS]];
  const windows = bounds.map(([name, fromS, toS]): WindowFigures => {
    let sent = 0;
    const lat: number[] = [];
    for (let k = 0; k < log.src.length; k++) {
      const d = log.dst[k];
      const t = log.sentAt[k] / 1000;
      if (d < 0 || !log.measured[k] || log.excluded[k] || t < fromS || t >= toS) continue;
      const a = site[log.src[k]];
      const b = site[d];
      if (a < 0 || b < 0 || a === b) continue;
      sent++;
      if (!Number.isNaN(log.deliveredAt[k])) lat.push((log.deliveredAt[k] - log.sentAt[k]) / 1000);
    }
    lat.sort((x, y) => x - y);
    return {
      name,
      fromS,
      toS,
      sent,
      delivered: lat.length,
      delivery: sent > 0 ? lat.length / sent : null,
      latencyP50S: quantile(lat, 0.5),
      latencyP95S: quantile(lat, 0.95),
    };
  });
  let bc = 0;
  let reach = 0;
  for (let k = 0; k < log.src.length; k++) {
    if (log.dst[k] >= 0 || !log.measured[k] || log.excluded[k]) continue;
    const a = site[log.src[k]];
    if (a < 0) continue;
    let others = 0;
    let reached = 0;
    const seen = log.reached[k];
    for (let i = 0; i < site.length; i++) {
      if (site[i] < 0 || site[i] === a) continue;
      others++;
      if (seen?.[i]) reached++;
    }
    if (others === 0) continue;
    bc++;
    reach += reached / others;
  }
  return { sites: net.sites, windows, crossSiteBroadcastReach: bc > 0 ? reach / bc : null, bridge };
}

/** The same figures over several seeds: counts summed, delivery pooled, latency quantiles and the rest averaged. */
export interface PooledInternet {
  readonly sites: readonly string[];
  readonly windows: readonly WindowFigures[];
  readonly crossSiteBroadcastReach: number | null;
  /** Per seed, mean. */
  readonly bridge: Readonly<Record<keyof BridgeFigures, number>>;
}

const meanOf = (xs: readonly (number | null)[]): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : null;
};

export function poolInternet(runs: readonly InternetFigures[]): PooledInternet | undefined {
  const first = runs[0];
  if (first === undefined) return undefined;
  const windows = first.windows.map((w, i): WindowFigures => {
    const all = runs.map((r) => r.windows[i]);
    const sent = all.reduce((a, x) => a + x.sent, 0);
    const delivered = all.reduce((a, x) => a + x.delivered, 0);
    return {
      name: w.name,
      fromS: w.fromS,
      toS: w.toS,
      sent,
      delivered,
      delivery: sent > 0 ? delivered / sent : null,
      latencyP50S: meanOf(all.map((x) => x.latencyP50S)),
      latencyP95S: meanOf(all.map((x) => x.latencyP95S)),
    };
  });
  const keys = Object.keys(first.bridge) as (keyof BridgeFigures)[];
  const bridge = Object.fromEntries(keys.map((k) => [k, runs.reduce((a, r) => a + r.bridge[k], 0) / runs.length])) as Record<keyof BridgeFigures, number>;
  return { sites: first.sites, windows, crossSiteBroadcastReach: meanOf(runs.map((r) => r.crossSiteBroadcastReach)), bridge };
}
