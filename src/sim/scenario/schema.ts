// Scenario files: the parsed, defaulted and validated form the simulator runs. The schema, with
// units and defaults, is documented in docs/simulator.md; parseScenario() is its one reader.
import { PRESET_NAMES, presetByName, sensitivityDbm } from "../../core/presets";
import type { ModemPreset, PresetName } from "../../core/presets";
import { REGION_NAMES, regionByName, subBandFor } from "../../core/regions";
import type { RegionPlan, RegionName } from "../../core/regions";
import { pl0ForRange } from "../physics/pathloss";
import type { HeightClass, PathLossModel } from "../physics/pathloss";
import { ROLE_NAMES } from "../routers/context";
import type { RoleName } from "../routers/context";
import { MAX_APP_PAYLOAD } from "../routers/header";
import { INSIDER_KINDS, type InsiderKind } from "../routers/insiders";
import { parseInternet, type Internet } from "./internet";
import { Reader, ScenarioError, checkNumber } from "./reader";
import { TERRAINS, TERRAIN_CLASSES, TERRAIN_D0_M } from "./terrain";
import type { TerrainName } from "./terrain";

export { ScenarioError } from "./reader";

export const RECEPTION_PROFILES = ["strict", "meshtasticator"] as const;
export type ReceptionProfile = (typeof RECEPTION_PROFILES)[number];

export type PlacementKind = "random" | "linear" | "clustered" | "tiers" | "explicit";
export type TierLayout = "ring" | "clusters" | "random";

export interface ExplicitNode {
  readonly x: number;
  readonly y: number;
  readonly heightM?: number;
  readonly antennaGainDbi?: number;
  readonly role?: RoleName;
  readonly tier?: string;
  readonly indoor?: boolean;
}

export interface Tier {
  readonly name: string;
  readonly count: number;
  readonly heightM: readonly [number, number];
  /** Antenna gain of the tier's nodes, dBi (default: radio.antennaGainDbi). */
  readonly antennaGainDbi: number | undefined;
  readonly role: RoleName;
  readonly layout: TierLayout;
  /** ring: radius as a share of the area side; clusters: spread σ as a share of the side. */
  readonly spread: number;
  /** clusters: how many centres. */
  readonly clusters: number;
  readonly indoorShare: number;
  readonly battery: readonly [number, number];
}

export interface Radio {
  readonly preset: ModemPreset;
  readonly region: RegionPlan;
  readonly frequencyHz: number;
  readonly txPowerDbm: number;
  readonly antennaGainDbi: number;
  readonly noiseFigureDb: number;
  readonly antennaHeightM: number;
  readonly dutyCycle: number;
}

export interface Traffic {
  readonly messagePeriodS: number;
  readonly payloadBytes: number;
  readonly broadcastShare: number;
  /** Relative weights of priorities P0..P7 (normalised). */
  readonly priorities: readonly number[];
  readonly unicastWantAck: boolean;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly nodeCount: number;
  readonly widthM: number;
  readonly heightM: number;
  readonly placement: PlacementKind;
  readonly minSpacingM: number;
  /** Median range used by placement to keep the nominal graph connected, m. */
  readonly rangeM: number;
  readonly explicitNodes: readonly ExplicitNode[] | undefined;
  readonly tiers: readonly Tier[] | undefined;
  readonly origin: { readonly lat: number; readonly lon: number };
  readonly geohashPrecision: number;
  readonly radio: Radio;
  readonly pathLoss: PathLossModel;
  readonly indoor: { readonly share: number; readonly lossDb: number };
  readonly asymmetry: { readonly share: number; readonly maxDb: number };
  readonly degradation: { readonly share: number; readonly atS: number; readonly lossDb: readonly [number, number] };
  readonly failures: { readonly share: number; readonly atS: number };
  /** Nodes that hold the key and misbehave as relays (src/sim/routers/insiders.ts); measured traffic is honest to honest. */
  readonly insiders: { readonly share: number; readonly kinds: readonly InsiderKind[]; readonly nodes: readonly number[] | undefined };
  /** The reception rules (docs/simulator.md §Reception profiles). */
  readonly physics: { readonly reception: ReceptionProfile };
  /** Nodes without a GPS fix (no position for the router): a share chosen per seed, or listed node indices. */
  readonly gps: { readonly noFixShare: number; readonly noFix: readonly number[] | undefined };
  readonly mobility: {
    readonly share: number;
    readonly model: "random-waypoint" | "convoy";
    readonly speedMps: readonly [number, number];
    readonly pauseS: readonly [number, number];
    readonly stepS: number;
  };
  readonly traffic: Traffic;
  readonly timing: { readonly warmupS: number; readonly durationS: number; readonly drainS: number };
  readonly hopLimit: number;
  readonly routerShare: number;
  /** MeshCore repeaters the scenario marks besides ROUTER-role nodes (scenario/repeaters.ts). */
  readonly repeaters: { readonly nodes: readonly number[]; readonly tiers: readonly string[] };
  readonly routerParams: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Gateways and their internet links (scenario/internet.ts); undefined: no internet. */
  readonly internet: Internet | undefined;
}

export const DEFAULTS = Object.freeze({
  origin: { lat: 47.37, lon: 8.54 },
  preset: "LONG_FAST" as PresetName,
  region: "EU868" as RegionName,
  antennaGainDbi: 0,
  noiseFigureDb: 6,
  antennaHeightM: 1.5,
  minSpacingM: 10,
  indoorLossDb: 17,
  asymmetryMaxDb: 10,
  degradationLossDb: [5, 15] as [number, number],
  mobilitySpeedMps: [0.5, 2] as [number, number],
  mobilityPauseS: [0, 60] as [number, number],
  mobilityStepS: 5,
  messagePeriodS: 1800,
  payloadBytes: 40,
  broadcastShare: 0.7,
  // Meshtastic-like mix: telemetry/position/status broadcasts dominate, texts are P3.
  priorities: [0.01, 0.02, 0.07, 0.3, 0.35, 0.25, 0, 0],
  warmupS: 600,
  durationS: 1800,
  drainS: 120,
  hopLimit: 3,
});

const NAME_RE = /^[a-z0-9][a-z0-9-]*$/;

/** Parses and validates a scenario object (from a built-in or user JSON file). */
export function parseScenario(json: unknown, source: string): Scenario {
  try {
    return parse(new Reader(json, ""));
  } catch (e) {
    if (e instanceof ScenarioError) throw new ScenarioError(`${source}: ${e.message}`);
    throw e;
  }
}

function parse(r: Reader): Scenario {
  const name = r.str("name", undefined);
  if (!NAME_RE.test(name)) throw new ScenarioError(`name: "${name}" must be lower-case letters, digits and dashes`);
  const description = r.str("description", "");

  const radio = parseRadio(r.child("radio"));
  const budgetDb = radio.txPowerDbm + 2 * radio.antennaGainDbi - sensitivityDbm(radio.preset, radio.noiseFigureDb);

  // Nodes: a count with a placement rule, or explicit positions.
  const nodesRaw = r.raw("nodes");
  let explicitNodes: ExplicitNode[] | undefined;
  let nodeCount: number;
  const tiersRaw = r.array("tiers");
  let tiers: Tier[] | undefined;
  if (Array.isArray(nodesRaw)) {
    explicitNodes = nodesRaw.map((n, i) => parseExplicitNode(new Reader(n, `nodes[${i}]`)));
    nodeCount = explicitNodes.length;
  } else if (nodesRaw === undefined && tiersRaw) {
    nodeCount = 0;
  } else {
    nodeCount = Math.round(requireCount(nodesRaw));
  }
  if (tiersRaw) {
    tiers = tiersRaw.map((t, i) => parseTier(new Reader(t, `tiers[${i}]`)));
    const sum = tiers.reduce((a, t) => a + t.count, 0);
    if (nodesRaw !== undefined && !explicitNodes && sum !== nodeCount)
      throw new ScenarioError(`nodes: ${nodeCount} differs from the tiers' total ${sum}`);
    if (!explicitNodes) nodeCount = sum;
  }
  if (nodeCount < 2) throw new ScenarioError("nodes: a mesh needs at least 2 nodes");
  if (nodeCount > 20000) throw new ScenarioError(`nodes: ${nodeCount} is above the simulator's limit of 20000`);

  const areaRaw = r.raw("areaM");
  let widthM: number;
  let heightM: number;
  if (Array.isArray(areaRaw)) {
    if (areaRaw.length !== 2) throw new ScenarioError("areaM: expected a side length or [width, height]");
    widthM = positive(areaRaw[0], "areaM[0]");
    heightM = positive(areaRaw[1], "areaM[1]");
  } else if (areaRaw === undefined && explicitNodes) {
    widthM = Math.max(1, ...explicitNodes.map((n) => n.x));
    heightM = Math.max(1, ...explicitNodes.map((n) => n.y));
  } else {
    widthM = heightM = positive(areaRaw, "areaM");
  }

  const placement: PlacementKind = explicitNodes
    ? "explicit"
    : r.oneOf("placement", ["random", "linear", "clustered", "tiers"] as const, tiers ? "tiers" : "random");
  if (explicitNodes && r.has("placement") && r.raw("placement") !== "explicit")
    throw new ScenarioError("placement: explicit node positions are given; drop the placement rule");
  if (placement === "tiers" && !tiers) throw new ScenarioError("placement: \"tiers\" needs a tiers list");

  // Path loss: explicit model, or a terrain class calibrated to the stated range.
  const terrainGiven = r.has("terrain");
  const plReader = r.child("pathLoss");
  if (terrainGiven && plReader) throw new ScenarioError("terrain and pathLoss are alternatives: give one");
  let pathLoss: PathLossModel;
  let rangeM: number;
  if (plReader) {
    pathLoss = parsePathLoss(plReader, budgetDb);
    rangeM = r.num("rangeM", Math.min(widthM, heightM) / 4, { min: 1, unit: "m" });
  } else if (tiers) {
    throw new ScenarioError("tiers need a pathLoss of model \"height-classes\"");
  } else {
    const terrain = r.oneOf("terrain", TERRAINS, "urban");
    rangeM = r.num("rangeM", undefined, { min: 1, unit: "m" });
    pathLoss = terrainModel(terrain, rangeM, budgetDb);
  }
  if (tiers && pathLoss.model !== "height-classes") throw new ScenarioError("tiers need a pathLoss of model \"height-classes\"");

  const origin = parseOrigin(r.child("origin"));
  // System 5 cluster ids hold geohash prefixes of 1..6 characters (docs/protocol.md §2).
  const geohashPrecision = r.num("geohashPrecision", 5, { min: 1, max: 6, integer: true });
  const minSpacingM = r.num("minSpacingM", DEFAULTS.minSpacingM, { min: 0, unit: "m" });

  const ind = r.child("indoor");
  const indoor = { share: ind?.num("share", 0, { min: 0, max: 1 }) ?? 0, lossDb: ind?.num("lossDb", DEFAULTS.indoorLossDb, { min: 0, unit: "dB" }) ?? DEFAULTS.indoorLossDb };
  ind?.done();
  const asy = r.child("asymmetry");
  const asymmetry = { share: asy?.num("share", 0, { min: 0, max: 1 }) ?? 0, maxDb: asy?.num("maxDb", DEFAULTS.asymmetryMaxDb, { min: 0, unit: "dB" }) ?? DEFAULTS.asymmetryMaxDb };
  asy?.done();

  const timingR = r.child("timing");
  const timing = {
    warmupS: timingR?.num("warmupS", DEFAULTS.warmupS, { min: 0, unit: "s" }) ?? DEFAULTS.warmupS,
    durationS: timingR?.num("durationS", DEFAULTS.durationS, { min: 1, unit: "s" }) ?? DEFAULTS.durationS,
    drainS: timingR?.num("drainS", DEFAULTS.drainS, { min: 0, unit: "s" }) ?? DEFAULTS.drainS,
  };
  timingR?.done();
  const defaultEventS = timing.warmupS + timing.durationS / 4;

  const deg = r.child("degradation");
  const degradation = {
    share: deg?.num("share", 0, { min: 0, max: 1 }) ?? 0,
    atS: deg?.num("atS", defaultEventS, { min: 0, unit: "s" }) ?? defaultEventS,
    lossDb: deg?.pair("lossDb", DEFAULTS.degradationLossDb, { min: 0, unit: "dB" }) ?? DEFAULTS.degradationLossDb,
  };
  deg?.done();
  const fail = r.child("failures");
  const failures = { share: fail?.num("share", 0, { min: 0, max: 0.95 }) ?? 0, atS: fail?.num("atS", defaultEventS, { min: 0, unit: "s" }) ?? defaultEventS };
  fail?.done();
  const insiders = parseInsiders(r.child("insiders"), nodeCount);
  const gps = parseGps(r.child("gps"), nodeCount);
  const ph = r.child("physics");
  const physics = { reception: ph?.oneOf("reception", RECEPTION_PROFILES, "strict") ?? "strict" };
  ph?.done();

  const mob = r.child("mobility");
  const mobility = {
    share: mob?.num("share", 0, { min: 0, max: 1 }) ?? 0,
    model: mob?.oneOf("model", ["random-waypoint", "convoy"] as const, "random-waypoint") ?? "random-waypoint",
    speedMps: mob?.pair("speedMps", DEFAULTS.mobilitySpeedMps, { min: 0, unit: "m/s" }) ?? DEFAULTS.mobilitySpeedMps,
    pauseS: mob?.pair("pauseS", DEFAULTS.mobilityPauseS, { min: 0, unit: "s" }) ?? DEFAULTS.mobilityPauseS,
    stepS: mob?.num("stepS", DEFAULTS.mobilityStepS, { min: 0.1, unit: "s" }) ?? DEFAULTS.mobilityStepS,
  };
  mob?.done();

  const traffic = parseTraffic(r.child("traffic"));
  const hopLimit = r.num("hopLimit", DEFAULTS.hopLimit, { min: 1, max: 7, integer: true });
  const rolesR = r.child("roles");
  const routerShare = rolesR?.num("routerShare", 0, { min: 0, max: 1 }) ?? 0;
  const repeaters = parseRepeaters(rolesR, nodeCount, tiers, explicitNodes);
  rolesR?.done();
  const tierNames = new Set([...(tiers ?? []).map((t) => t.name), ...(explicitNodes ?? []).flatMap((n) => (n.tier === undefined ? [] : [n.tier]))]);
  const internet = parseInternet(r.child("internet"), nodeCount, tierNames, timing.warmupS + timing.durationS + timing.drainS);
  const routerParams: Record<string, Record<string, unknown>> = {};
  const rp = r.raw("routerParams");
  if (rp !== undefined) {
    if (typeof rp !== "object" || rp === null || Array.isArray(rp)) throw new ScenarioError("routerParams: expected an object of objects");
    for (const [k, v] of Object.entries(rp)) {
      if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ScenarioError(`routerParams.${k}: expected an object`);
      routerParams[k] = v as Record<string, unknown>;
    }
    if (routerParams.meshcore) checkMeshcoreParams(new Reader(routerParams.meshcore, "routerParams.meshcore"));
  }
  r.done();

  return {
    name,
    description,
    nodeCount,
    widthM,
    heightM,
    placement,
    minSpacingM,
    rangeM,
    explicitNodes,
    tiers,
    origin,
    geohashPrecision,
    radio,
    pathLoss,
    indoor,
    asymmetry,
    degradation,
    failures,
    insiders,
    gps,
    physics,
    mobility,
    traffic,
    timing,
    hopLimit,
    routerShare,
    repeaters,
    routerParams,
    internet,
  };
}

function parseRadio(r: Reader | undefined): Radio {
  const presetName = r?.str("preset", DEFAULTS.preset) ?? DEFAULTS.preset;
  if (!PRESET_NAMES.includes(presetName.toUpperCase() as PresetName))
    throw new ScenarioError(`radio.preset: "${presetName}" is not one of ${PRESET_NAMES.join(", ")}`);
  const preset = presetByName(presetName);
  const regionName = r?.str("region", DEFAULTS.region) ?? DEFAULTS.region;
  if (!REGION_NAMES.includes(regionName.toUpperCase() as RegionName))
    throw new ScenarioError(`radio.region: "${regionName}" is not one of ${REGION_NAMES.join(", ")}`);
  const region = regionByName(regionName);
  const frequencyHz = r?.num("frequencyHz", region.defaultFrequencyHz, { min: 1e8, max: 3e9, unit: "Hz" }) ?? region.defaultFrequencyHz;
  const band = subBandFor(region, frequencyHz, preset.bandwidthHz);
  if (!band) throw new ScenarioError(`radio.frequencyHz: ${frequencyHz} Hz with ${preset.bandwidthHz / 1000} kHz does not fit a ${region.name} sub-band`);
  const txPowerDbm = r?.num("txPowerDbm", band.maxPowerDbm, { min: -10, max: band.maxPowerDbm, unit: "dBm" }) ?? band.maxPowerDbm;
  const radio: Radio = {
    preset,
    region,
    frequencyHz,
    txPowerDbm,
    antennaGainDbi: r?.num("antennaGainDbi", DEFAULTS.antennaGainDbi, { min: -10, max: 15, unit: "dBi" }) ?? DEFAULTS.antennaGainDbi,
    noiseFigureDb: r?.num("noiseFigureDb", DEFAULTS.noiseFigureDb, { min: 0, max: 20, unit: "dB" }) ?? DEFAULTS.noiseFigureDb,
    antennaHeightM: r?.num("antennaHeightM", DEFAULTS.antennaHeightM, { min: 0.1, max: 5000, unit: "m" }) ?? DEFAULTS.antennaHeightM,
    dutyCycle: band.dutyCycle,
  };
  r?.done();
  return radio;
}

function parsePathLoss(r: Reader, budgetDb: number): PathLossModel {
  const model = r.oneOf("model", ["log-distance", "free-space", "okumura-hata", "3gpp-macro", "height-classes"] as const, undefined);
  let out: PathLossModel;
  switch (model) {
    case "log-distance": {
      const d0M = r.num("d0M", 40, { min: 0.1, unit: "m" });
      const exponent = r.num("exponent", 2.08, { min: 1, max: 8 });
      const pl0Db = r.has("rangeM")
        ? pl0ForRange(budgetDb, r.num("rangeM", undefined, { min: 1, unit: "m" }), d0M, exponent)
        : r.num("pl0Db", 127.41, { min: 0, max: 250, unit: "dB" });
      out = { model, d0M, pl0Db, exponent, sigmaDb: r.num("sigmaDb", 3.57, { min: 0, max: 20, unit: "dB" }) };
      break;
    }
    case "free-space":
      out = { model, sigmaDb: r.num("sigmaDb", 0, { min: 0, max: 20, unit: "dB" }) };
      break;
    case "okumura-hata":
      out = {
        model,
        environment: r.oneOf("environment", ["small-city", "metropolitan", "suburban", "rural"] as const, "small-city"),
        sigmaDb: r.num("sigmaDb", 6, { min: 0, max: 20, unit: "dB" }),
      };
      break;
    case "3gpp-macro":
      out = { model, environment: r.oneOf("environment", ["suburban", "urban"] as const, "suburban"), sigmaDb: r.num("sigmaDb", 6, { min: 0, max: 20, unit: "dB" }) };
      break;
    case "height-classes": {
      const d0M = r.num("d0M", TERRAIN_D0_M, { min: 0.1, unit: "m" });
      const list = r.array("classes");
      if (!list || list.length === 0) throw new ScenarioError(`${r.at("classes")}: required, at least one class`);
      const classes: HeightClass[] = list.map((c, i) => {
        const cr = new Reader(c, r.at(`classes[${i}]`));
        const terrain = cr.has("terrain") ? TERRAIN_CLASSES[cr.oneOf("terrain", TERRAINS, undefined)] : undefined;
        const exponent = cr.num("exponent", terrain?.exponent, { min: 1, max: 8 });
        const pl0Db = cr.has("rangeM")
          ? pl0ForRange(budgetDb, cr.num("rangeM", undefined, { min: 1, unit: "m" }), d0M, exponent)
          : cr.num("pl0Db", undefined, { min: 0, max: 250, unit: "dB" });
        const hc: HeightClass = {
          name: cr.str("name", `class${i}`),
          minHeightM: cr.num("minHeightM", i === 0 ? 0 : undefined, { min: 0, unit: "m" }),
          pl0Db,
          exponent,
          sigmaDb: cr.num("sigmaDb", terrain?.sigmaDb ?? 4, { min: 0, max: 20, unit: "dB" }),
        };
        cr.done();
        return hc;
      });
      classes.sort((a, b) => a.minHeightM - b.minHeightM);
      if (classes[0].minHeightM !== 0) throw new ScenarioError(`${r.at("classes")}: the lowest class must start at minHeightM 0`);
      out = { model, d0M, classes };
      break;
    }
  }
  r.done();
  return out;
}

/** A terrain class calibrated so the median link ends at rangeM. */
export function terrainModel(terrain: TerrainName, rangeM: number, budgetDb: number): PathLossModel {
  const t = TERRAIN_CLASSES[terrain];
  return {
    model: "log-distance",
    d0M: TERRAIN_D0_M,
    pl0Db: pl0ForRange(budgetDb, rangeM, TERRAIN_D0_M, t.exponent),
    exponent: t.exponent,
    sigmaDb: t.sigmaDb,
  };
}

/**
 * `insiders`: a share of the nodes (≤ 0.5: a mesh run by liars is not a mesh), or explicit node
 * indices, and their kinds, assigned in turn.
 */
function parseInsiders(r: Reader | undefined, nodeCount: number): Scenario["insiders"] {
  if (r === undefined) return { share: 0, kinds: DEFAULT_INSIDER_KINDS, nodes: undefined };
  const list = r.array("nodes");
  if (list !== undefined && r.has("share")) throw new ScenarioError(`${r.at("nodes")}: give a share or a list of nodes, not both`);
  let nodes: number[] | undefined;
  if (list !== undefined) {
    nodes = list.map((v, i) => checkNumber(v, r.at(`nodes[${i}]`), { min: 0, max: nodeCount - 1, integer: true }));
    if (new Set(nodes).size !== nodes.length) throw new ScenarioError(`${r.at("nodes")}: a node is listed twice`);
    if (nodes.length > nodeCount / 2) throw new ScenarioError(`${r.at("nodes")}: at most half the nodes can be insiders`);
  }
  const share = nodes !== undefined ? nodes.length / nodeCount : r.num("share", undefined, { min: 0, max: 0.5 });
  const raw = r.array("kinds");
  let kinds: InsiderKind[] = [...DEFAULT_INSIDER_KINDS];
  if (raw !== undefined) {
    if (raw.length === 0) throw new ScenarioError(`${r.at("kinds")}: list at least one of ${INSIDER_KINDS.join(", ")}`);
    kinds = raw.map((k, i) => {
      if (typeof k !== "string" || !(INSIDER_KINDS as readonly string[]).includes(k))
        throw new ScenarioError(`${r.at(`kinds[${i}]`)}: ${JSON.stringify(k)} is not one of ${INSIDER_KINDS.join(", ")}`);
      return k as InsiderKind;
    });
  }
  r.done();
  return { share, kinds, nodes };
}

/**
 * `roles.repeaters` (node indices) and `roles.repeaterTiers` (tier names): MeshCore repeaters
 * besides the ROUTER-role nodes. A tier must exist (in `tiers` or on an explicit node).
 */
function parseRepeaters(r: Reader | undefined, nodeCount: number, tiers: readonly Tier[] | undefined, explicit: readonly ExplicitNode[] | undefined): Scenario["repeaters"] {
  const list = r?.array("repeaters");
  const nodes = (list ?? []).map((v, i) => checkNumber(v, r?.at(`repeaters[${i}]`) ?? "", { min: 0, max: nodeCount - 1, integer: true }));
  if (new Set(nodes).size !== nodes.length) throw new ScenarioError(`${r?.at("repeaters")}: a node is listed twice`);
  const known = new Set([...(tiers ?? []).map((t) => t.name), ...(explicit ?? []).flatMap((n) => (n.tier === undefined ? [] : [n.tier]))]);
  const names = (r?.array("repeaterTiers") ?? []).map((v, i) => {
    if (typeof v !== "string") throw new ScenarioError(`${r?.at(`repeaterTiers[${i}]`)}: expected a tier name`);
    if (!known.has(v))
      throw new ScenarioError(`${r?.at(`repeaterTiers[${i}]`)}: no tier is named "${v}"${known.size > 0 ? ` (tiers: ${[...known].join(", ")})` : " (the scenario has no tiers)"}`);
    return v;
  });
  return { nodes, tiers: names };
}

/** `routerParams.meshcore`: `floodMax` (MeshCore's \`flood.max\`, 0..64 hops, default 64). */
function checkMeshcoreParams(r: Reader): void {
  if (r.has("floodMax")) r.num("floodMax", undefined, { min: 0, max: 64, integer: true, unit: "hops" });
  r.done();
}

const DEFAULT_INSIDER_KINDS: readonly InsiderKind[] = ["blackhole", "greyhole", "liar"];

/** `gps`: `{noFixShare}` (0..1 of the nodes, chosen per seed) or `{noFix: [node indices]}`. */
function parseGps(r: Reader | undefined, nodeCount: number): Scenario["gps"] {
  if (r === undefined) return { noFixShare: 0, noFix: undefined };
  const list = r.array("noFix");
  if (list !== undefined && r.has("noFixShare")) throw new ScenarioError(`${r.at("noFix")}: give noFixShare or a list of nodes, not both`);
  let noFix: number[] | undefined;
  if (list !== undefined) {
    noFix = list.map((v, i) => checkNumber(v, r.at(`noFix[${i}]`), { min: 0, max: nodeCount - 1, integer: true }));
    if (new Set(noFix).size !== noFix.length) throw new ScenarioError(`${r.at("noFix")}: a node is listed twice`);
  }
  const noFixShare = noFix !== undefined ? noFix.length / nodeCount : r.num("noFixShare", 0, { min: 0, max: 1 });
  r.done();
  return { noFixShare, noFix };
}

function parseTier(r: Reader): Tier {
  const tier: Tier = {
    name: r.str("name", undefined),
    count: r.num("count", undefined, { min: 1, integer: true }),
    heightM: r.pair("heightM", [DEFAULTS.antennaHeightM, DEFAULTS.antennaHeightM], { min: 0.1, unit: "m" }),
    antennaGainDbi: r.has("antennaGainDbi") ? r.num("antennaGainDbi", undefined, { min: -10, max: 15, unit: "dBi" }) : undefined,
    role: r.oneOf("role", ROLE_NAMES, "CLIENT"),
    layout: r.oneOf("layout", ["ring", "clusters", "random"] as const, "random"),
    spread: r.num("spread", 0.08, { min: 0, max: 1 }),
    clusters: r.num("clusters", 1, { min: 1, integer: true }),
    indoorShare: r.num("indoorShare", 0, { min: 0, max: 1 }),
    battery: r.pair("battery", [0.5, 1], { min: 0, max: 1 }),
  };
  r.done();
  return tier;
}

function parseExplicitNode(r: Reader): ExplicitNode {
  const n: ExplicitNode = {
    x: r.num("x", undefined, { unit: "m" }),
    y: r.num("y", undefined, { unit: "m" }),
    heightM: r.has("heightM") ? r.num("heightM", undefined, { min: 0.1, unit: "m" }) : undefined,
    antennaGainDbi: r.has("antennaGainDbi") ? r.num("antennaGainDbi", undefined, { min: -10, max: 15, unit: "dBi" }) : undefined,
    role: r.has("role") ? r.oneOf("role", ROLE_NAMES, undefined) : undefined,
    tier: r.has("tier") ? r.str("tier", undefined) : undefined,
    indoor: r.has("indoor") ? r.bool("indoor", false) : undefined,
  };
  r.done();
  return n;
}

function parseOrigin(r: Reader | undefined): { lat: number; lon: number } {
  if (!r) return DEFAULTS.origin;
  const o = { lat: r.num("lat", undefined, { min: -85, max: 85, unit: "degrees" }), lon: r.num("lon", undefined, { min: -180, max: 180, unit: "degrees" }) };
  r.done();
  return o;
}

function parseTraffic(r: Reader | undefined): Traffic {
  const prioritiesRaw = r?.array("priorities");
  let priorities = DEFAULTS.priorities;
  if (prioritiesRaw) {
    if (prioritiesRaw.length !== 8) throw new ScenarioError("traffic.priorities: expected 8 weights for P0..P7");
    priorities = prioritiesRaw.map((w, i) => {
      if (typeof w !== "number" || !(w >= 0)) throw new ScenarioError(`traffic.priorities[${i}]: expected a weight ≥ 0`);
      return w;
    });
    if (priorities.every((w) => w === 0)) throw new ScenarioError("traffic.priorities: at least one weight must be positive");
  }
  const t: Traffic = {
    messagePeriodS: r?.num("messagePeriodS", DEFAULTS.messagePeriodS, { min: 1, unit: "s" }) ?? DEFAULTS.messagePeriodS,
    payloadBytes: r?.num("payloadBytes", DEFAULTS.payloadBytes, { min: 8, max: MAX_APP_PAYLOAD, integer: true, unit: "bytes" }) ?? DEFAULTS.payloadBytes,
    broadcastShare: r?.num("broadcastShare", DEFAULTS.broadcastShare, { min: 0, max: 1 }) ?? DEFAULTS.broadcastShare,
    priorities,
    unicastWantAck: r?.bool("unicastWantAck", true) ?? true,
  };
  r?.done();
  return t;
}

function requireCount(v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 2) throw new ScenarioError(`nodes: expected a node count ≥ 2 or a list of {x, y}, got ${JSON.stringify(v)}`);
  return v;
}

function positive(v: unknown, path: string): number {
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) throw new ScenarioError(`${path}: expected a positive number of metres, got ${JSON.stringify(v)}`);
  return v;
}
