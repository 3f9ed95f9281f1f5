// Scenario `internet`: which nodes are gateways and what their internet links do (latency,
// jitter, loss, outage windows), the keepalive that decides when a cut is noticed, and the sites
// (tier names) the inter-site report compares. Schema and units: docs/simulator.md §Internet.
import { BRIDGE_MAX_CLUSTERS, isClusterPrefix } from "../../core/bridge/topics";
import { Reader, ScenarioError, checkNumber } from "./reader";

/** A window in which a link (or every link) carries nothing, s of simulated time. */
export interface Outage {
  readonly startS: number;
  readonly endS: number;
}

/** One gateway's link to the broker. */
export interface InternetLink {
  /** The gateway's node index. */
  readonly node: number;
  /** One-way delay gateway ↔ broker, ms. */
  readonly latencyMs: number;
  /** Extra one-way delay drawn uniformly in [0, jitterMs] per message (order kept: TCP), ms. */
  readonly jitterMs: number;
  /** Share of frames lost on each traversal of this link (0..1). */
  readonly loss: number;
  /** This link's outages and the scenario-wide ones, sorted and merged. */
  readonly outages: readonly Outage[];
  /** Cluster prefixes (geohash) a System 5 gateway serves; empty: its own cluster (the core's default). */
  readonly clusters: readonly string[];
}

export interface Internet {
  readonly links: readonly InternetLink[];
  /** MQTT keepalive: a client notices a dead link after keepaliveS, the broker after 1.5 × keepaliveS. */
  readonly keepaliveS: number;
  /** Tier names whose nodes form the sites (cities) the report compares; empty: no site report. */
  readonly sites: readonly string[];
}

export const INTERNET_DEFAULTS = Object.freeze({ latencyMs: 40, jitterMs: 0, loss: 0, keepaliveS: 10 });

/**
 * Parses `internet`. `gateways` lists node indices, or objects `{node, latencyMs, jitterMs, loss,
 * outages}` that override the section's defaults for that link; `outages` at the section's level
 * cut every link (the backbone or the broker), a gateway's own outages cut its link only.
 */
export function parseInternet(r: Reader | undefined, nodeCount: number, tierNames: ReadonlySet<string>, endS: number): Internet | undefined {
  if (r === undefined) return undefined;
  const base = {
    latencyMs: r.num("latencyMs", INTERNET_DEFAULTS.latencyMs, { min: 0, max: 60_000, unit: "ms" }),
    jitterMs: r.num("jitterMs", INTERNET_DEFAULTS.jitterMs, { min: 0, max: 60_000, unit: "ms" }),
    loss: r.num("loss", INTERNET_DEFAULTS.loss, { min: 0, max: 1 }),
  };
  const keepaliveS = r.num("keepaliveS", INTERNET_DEFAULTS.keepaliveS, { min: 1, max: 3600, unit: "s" });
  const shared = parseOutages(r, "outages", endS);
  const list = r.array("gateways");
  if (list === undefined || list.length === 0) throw new ScenarioError(`${r.at("gateways")}: required, at least one gateway node index`);
  const links = list.map((g, i): InternetLink => {
    const at = r.at(`gateways[${i}]`);
    if (typeof g === "number") return { node: checkNumber(g, at, { min: 0, max: nodeCount - 1, integer: true }), ...base, outages: shared, clusters: [] };
    const gr = new Reader(g, at);
    const link: InternetLink = {
      node: gr.num("node", undefined, { min: 0, max: nodeCount - 1, integer: true }),
      latencyMs: gr.num("latencyMs", base.latencyMs, { min: 0, max: 60_000, unit: "ms" }),
      jitterMs: gr.num("jitterMs", base.jitterMs, { min: 0, max: 60_000, unit: "ms" }),
      loss: gr.num("loss", base.loss, { min: 0, max: 1 }),
      outages: mergeOutages([...shared, ...parseOutages(gr, "outages", endS)]),
      clusters: parseClusters(gr),
    };
    gr.done();
    return link;
  });
  const nodes = links.map((l) => l.node);
  const twice = nodes.find((n, i) => nodes.indexOf(n) !== i);
  if (twice !== undefined) throw new ScenarioError(`${r.at("gateways")}: node ${twice} is listed twice`);
  const sites = (r.array("sites") ?? []).map((v, i) => {
    if (typeof v !== "string") throw new ScenarioError(`${r.at(`sites[${i}]`)}: expected a tier name`);
    if (!tierNames.has(v))
      throw new ScenarioError(`${r.at(`sites[${i}]`)}: no tier is named "${v}"${tierNames.size > 0 ? ` (tiers: ${[...tierNames].join(", ")})` : " (the scenario has no tiers)"}`);
    return v;
  });
  if (new Set(sites).size !== sites.length) throw new ScenarioError(`${r.at("sites")}: a site is listed twice`);
  if (sites.length === 1) throw new ScenarioError(`${r.at("sites")}: name at least two sites to compare, or none`);
  r.done();
  return { links, keepaliveS, sites };
}

function parseClusters(r: Reader): string[] {
  const list = r.array("clusters") ?? [];
  if (list.length > BRIDGE_MAX_CLUSTERS) throw new ScenarioError(`${r.at("clusters")}: a gateway serves at most ${BRIDGE_MAX_CLUSTERS} cluster prefixes`);
  return list.map((c, i) => {
    if (typeof c !== "string" || !isClusterPrefix(c)) throw new ScenarioError(`${r.at(`clusters[${i}]`)}: ${JSON.stringify(c)} is not a geohash prefix of 1..6 characters`);
    return c;
  });
}

function parseOutages(r: Reader, key: string, endS: number): Outage[] {
  const list = r.array(key) ?? [];
  return mergeOutages(
    list.map((o, i) => {
      const or = new Reader(o, r.at(`${key}[${i}]`));
      const startS = or.num("startS", undefined, { min: 0, unit: "s" });
      const endAt = or.num("endS", undefined, { min: 0, unit: "s" });
      if (endAt <= startS) throw new ScenarioError(`${or.at("endS")}: ${endAt} s is not after startS ${startS} s`);
      if (startS >= endS) throw new ScenarioError(`${or.at("startS")}: ${startS} s is after the run's end (${endS} s: warm-up + duration + drain)`);
      or.done();
      return { startS, endS: endAt };
    }),
  );
}

/** Sorted, with overlapping or touching windows joined. */
export function mergeOutages(list: readonly Outage[]): Outage[] {
  const sorted = [...list].sort((a, b) => a.startS - b.startS);
  const out: Outage[] = [];
  for (const o of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && o.startS <= last.endS) out[out.length - 1] = { startS: last.startS, endS: Math.max(last.endS, o.endS) };
    else out.push(o);
  }
  return out;
}
