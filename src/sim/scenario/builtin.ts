// Built-in scenarios: the seed's 26 as data files (src/sim/scenarios/*.json, bundled) and a scale
// sweep 20 → 2000 nodes at a constant density. Lookup by name, or by the seed's number.
import s01 from "../scenarios/01-small-local.json";
import s02 from "../scenarios/02-medium-city.json";
import s03 from "../scenarios/03-large-regional.json";
import s04 from "../scenarios/04-stress-30-links.json";
import s05 from "../scenarios/05-stress-50-links.json";
import s06 from "../scenarios/06-node-failure-20.json";
import s07 from "../scenarios/07-combined-stress.json";
import s08 from "../scenarios/08-dense-urban.json";
import s09 from "../scenarios/09-large-scale.json";
import s10 from "../scenarios/10-metro-scale.json";
import s11 from "../scenarios/11-rural-long-range.json";
import s12 from "../scenarios/12-hiking-trail.json";
import s13 from "../scenarios/13-festival.json";
import s14 from "../scenarios/14-disaster-relief.json";
import s15 from "../scenarios/15-indoor-outdoor.json";
import s16 from "../scenarios/16-duty-cycle-stress.json";
import s17 from "../scenarios/17-mountain-valley.json";
import s18 from "../scenarios/18-maritime.json";
import s19 from "../scenarios/19-building-emergency.json";
import s20 from "../scenarios/20-highway-convoy.json";
import s21 from "../scenarios/21-community-mesh.json";
import s22 from "../scenarios/22-partition-recovery.json";
import s23 from "../scenarios/23-bay-area.json";
import s24 from "../scenarios/24-bay-area-stress.json";
import s25 from "../scenarios/25-bay-area-silencing.json";
import s26 from "../scenarios/26-bay-area-silencing-stress.json";
import s27 from "../scenarios/27-two-cities.json";
import s28 from "../scenarios/28-two-cities-outage.json";
import { LOAD_UNICASTS_PER_HOUR, loadScenarioJson } from "./load";
import { parseScenario } from "./schema";
import type { Scenario } from "./schema";

const SEED_FILES: readonly unknown[] = [
  s01, s02, s03, s04, s05, s06, s07, s08, s09, s10, s11, s12, s13,
  s14, s15, s16, s17, s18, s19, s20, s21, s22, s23, s24, s25, s26,
];
/** Issue 16's two cities joined over the internet, without and with a 20-minute cut (numbered 27, 28). */
const INTERNET_FILES: readonly unknown[] = [s27, s28];

/**
 * Share of nodes without a GPS fix in the scale sweep (and the Bay Area files): indoor and
 * cheap nodes often have none, and System 5 must route them without a cluster of their own.
 */
const NO_FIX_SHARE = 0.1;

/** Node counts of the scale sweep. */
export const SCALE_SWEEP = [20, 50, 100, 200, 500, 1000, 2000] as const;
// Sweep density (nodes/km²) and range: the seed's metro scenarios (1500 nodes on 50 km × 50 km).
const SWEEP_DENSITY_PER_KM2 = 0.6;
const SWEEP_RANGE_M = 3000;
// Offered load of every built-in scenario: the seed's message count × 2 per hour, network-wide.
const SWEEP_MESSAGES_PER_HOUR = 400;

function sweepScenario(n: number): unknown {
  const side = Math.round(Math.sqrt(n / SWEEP_DENSITY_PER_KM2) * 1000);
  return {
    name: `scale-${n}`,
    description: `Scale sweep: ${n} nodes at ${SWEEP_DENSITY_PER_KM2} nodes/km², urban, ${SWEEP_RANGE_M} m range`,
    nodes: n,
    areaM: side,
    placement: "random",
    radio: { preset: n <= 60 ? "LONG_FAST" : n <= 300 ? "MEDIUM_FAST" : "SHORT_FAST", region: "EU868" },
    terrain: "urban",
    rangeM: SWEEP_RANGE_M,
    geohashPrecision: 5,
    traffic: { messagePeriodS: Math.round((n * 3600) / SWEEP_MESSAGES_PER_HOUR) },
  };
}

/**
 * The insider runs: Medium City (dense, ~39 neighbours) with 0/5/15 % insiders, and the
 * scale-100 network (sparser, ~19 neighbours, more hops) with 0/15 %. 0 is the honest twin.
 */
export const INSIDER_RUNS: ReadonlyArray<readonly ["medium" | "sparse", number]> = [
  ["medium", 0],
  ["medium", 5],
  ["medium", 15],
  ["sparse", 0],
  ["sparse", 15],
];
const INSIDER_DURATION_S = 3600;

/**
 * A base network with a share of insiders (black hole, grey hole, liar in turn;
 * docs/simulator.md §Insiders), measured for an hour so there are enough unicasts to compare.
 * The network, traffic and generators are the honest twin's exactly: only the chosen nodes'
 * relaying differs, and only honest-to-honest traffic is measured.
 */
function insiderScenario(base: "medium" | "sparse", percent: number): unknown {
  const net = (base === "medium" ? s02 : sweepScenario(100)) as Record<string, unknown>;
  const prefix = base === "medium" ? "insiders" : "insiders-sparse";
  const label = base === "medium" ? "Medium City" : "The scale-100 network";
  return {
    ...net,
    name: `${prefix}-${percent}`,
    timing: { durationS: INSIDER_DURATION_S },
    description: percent === 0 ? `${label}, honest twin of the ${prefix} runs` : `${label} with ${percent} % insiders: black holes, grey holes, liars`,
    ...(percent === 0 ? {} : { insiders: { share: percent / 100, kinds: ["blackhole", "greyhole", "liar"] } }),
  };
}

let cache: Scenario[] | undefined;

/** Every built-in scenario: the seed's 26 in their order, the scale sweep, the insider runs. */
export function builtinScenarios(): Scenario[] {
  cache ??= [
    ...SEED_FILES.map((j, i) => parseScenario(j, `built-in scenario ${i + 1}`)),
    ...SCALE_SWEEP.map((n) => parseScenario({ ...(sweepScenario(n) as object), gps: { noFixShare: NO_FIX_SHARE } }, `scale sweep ${n}`)),
    ...INSIDER_RUNS.map(([b, p]) => parseScenario(insiderScenario(b, p), `insider scenario ${b} ${p} %`)),
    ...LOAD_UNICASTS_PER_HOUR.map((u) => parseScenario(loadScenarioJson(u), `load point ${u}/h`)),
    ...INTERNET_FILES.map((j, i) => parseScenario(j, `built-in scenario ${SEED_FILES.length + i + 1}`)),
  ];
  return cache;
}

/** The insider scenarios (not part of `--scenario all` nor the bench table). */
export function insiderScenarios(): Scenario[] {
  return builtinScenarios().slice(SEED_FILES.length + SCALE_SWEEP.length, SEED_FILES.length + SCALE_SWEEP.length + INSIDER_RUNS.length);
}

const LOAD_START = SEED_FILES.length + SCALE_SWEEP.length + INSIDER_RUNS.length;
const INTERNET_START = LOAD_START + LOAD_UNICASTS_PER_HOUR.length;

/** The capacity runs, 50 → 2000 unicasts per hour on Medium City (load.ts). */
export function loadScenarios(): Scenario[] {
  return builtinScenarios().slice(LOAD_START, INTERNET_START);
}

/** The two-cities scenarios (27, 28): gateways over the internet and a LoRa relay chain. */
export function internetScenarios(): Scenario[] {
  return builtinScenarios().slice(INTERNET_START);
}

/** The seed's 26 scenarios only (what `--scenario all` and the bench run). */
export function seedScenarios(): Scenario[] {
  return builtinScenarios().slice(0, SEED_FILES.length);
}

/** A built-in scenario as its JSON source (what `--scenario` reads, before defaults): the view exports it. */
export function builtinSource(name: string): unknown {
  const all = builtinScenarios();
  const s = findBuiltin(name);
  if (!s) return undefined;
  const i = all.indexOf(s);
  if (i < SEED_FILES.length) return SEED_FILES[i];
  if (i < SEED_FILES.length + SCALE_SWEEP.length) return sweepScenario(SCALE_SWEEP[i - SEED_FILES.length]);
  if (i < SEED_FILES.length + SCALE_SWEEP.length + INSIDER_RUNS.length) {
    const [b, p] = INSIDER_RUNS[i - SEED_FILES.length - SCALE_SWEEP.length];
    return insiderScenario(b, p);
  }
  if (i < INTERNET_START) return loadScenarioJson(LOAD_UNICASTS_PER_HOUR[i - LOAD_START]);
  return INTERNET_FILES[i - INTERNET_START];
}

/** The number a built-in scenario is looked up by (1..26 the seed's, 27.. the internet ones), or undefined. */
export function builtinNumber(index: number): number | undefined {
  if (index < SEED_FILES.length) return index + 1;
  return index >= INTERNET_START ? SEED_FILES.length + 1 + index - INTERNET_START : undefined;
}

export function findBuiltin(name: string): Scenario | undefined {
  const all = builtinScenarios();
  if (/^\d+$/.test(name)) {
    const i = Number(name);
    if (i >= 1 && i <= SEED_FILES.length) return all[i - 1];
    const k = i - SEED_FILES.length - 1;
    return k >= 0 && k < INTERNET_FILES.length ? all[INTERNET_START + k] : undefined;
  }
  return all.find((s) => s.name === name.toLowerCase());
}
