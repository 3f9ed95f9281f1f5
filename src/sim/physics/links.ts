// Link budgets for every ordered pair of nodes within reach: RSSI = Ptx + Gtx + Grx − PL(d)
// − indoor losses − shadowing − asymmetry − degradation. Shadowing is log-normal, one draw per
// unordered pair and run (a building does not move between packets); asymmetry is a per-pair
// offset split ± between the two directions; degradation adds loss to a share of pairs from a
// set time. All draws are hashes of (run seed, pair), so rebuilding after a move or a
// degradation gives the same values for the same pair. A spatial grid limits the pairs tried.
import { pathLossDb, shadowingSigmaDb } from "./pathloss";
import type { PathLossModel } from "./pathloss";

export interface LinkEnvironment {
  readonly model: PathLossModel;
  readonly frequencyHz: number;
  readonly txPowerDbm: number;
  /** Links weaker than this are not stored: they can neither be decoded nor break a frame. */
  readonly floorDbm: number;
  readonly indoorLossDb: number;
  readonly asymmetryShare: number;
  readonly asymmetryMaxDb: number;
  readonly degradationShare: number;
  readonly degradationLossDb: readonly [number, number];
  readonly seed: number;
}

export interface NodeGeometry {
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly heightM: ArrayLike<number>;
  readonly indoor: ArrayLike<number>;
  /** Antenna gain of each node, dBi (counted at both ends of a link). */
  readonly gainDbi: ArrayLike<number>;
}

/** Outgoing links of one node: receivers and their RSSI, dBm. */
export interface LinkList {
  readonly to: Int32Array;
  readonly rssi: Float64Array;
  readonly count: number;
}

const SHADOW_SALT = 0x5bd1e995;
const ASYM_SALT = 0x27d4eb2f;
const DEGRADE_SALT = 0x165667b1;
// Shadowing tail kept when bounding the reach: links beyond 4σ of luck are not searched for.
const SIGMA_TAIL = 4;

function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform [0, 1) from (seed, unordered pair, salt): the same for (a, b) and (b, a). */
export function pairUnit(seed: number, a: number, b: number, salt: number): number {
  const lo = a < b ? a : b;
  const hi = a < b ? b : a;
  return mix32(mix32((seed ^ salt) >>> 0) ^ mix32(Math.imul(lo, 0x9e3779b1) ^ hi)) / 4294967296;
}

/** Standard normal from two pair hashes (Box–Muller). */
export function pairNormal(seed: number, a: number, b: number, salt: number): number {
  const u = Math.max(pairUnit(seed, a, b, salt), 1e-12);
  const v = pairUnit(seed, a, b, salt ^ 0x68e31da4);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Loss both directions of a pair share, dB (besides the median path loss): shadowing, indoor, degradation. */
function sharedLossDb(env: LinkEnvironment, g: NodeGeometry, a: number, b: number, degraded: boolean): number {
  const sigma = shadowingSigmaDb(env.model, g.heightM[a], g.heightM[b]);
  let loss = sigma > 0 ? sigma * pairNormal(env.seed, a, b, SHADOW_SALT) : 0;
  loss += (g.indoor[a] + g.indoor[b]) * env.indoorLossDb;
  if (degraded && env.degradationShare > 0 && pairUnit(env.seed, a, b, DEGRADE_SALT) < env.degradationShare) {
    const [lo, hi] = env.degradationLossDb;
    loss += lo + (hi - lo) * pairUnit(env.seed, a, b, DEGRADE_SALT ^ 0x7654321);
  }
  return loss;
}

/** Asymmetric offset of a pair, dB: added from the lower index to the higher, subtracted back. */
function asymmetryDb(env: LinkEnvironment, a: number, b: number): number {
  if (env.asymmetryShare <= 0 || pairUnit(env.seed, a, b, ASYM_SALT) >= env.asymmetryShare) return 0;
  return env.asymmetryMaxDb * pairUnit(env.seed, a, b, ASYM_SALT ^ 0x1234567) * 0.5;
}

/** Distance beyond which no link can reach the floor, even with the best shadowing draw. */
export function maxReachM(env: LinkEnvironment, maxHeightM: number, maxGainDbi: number): number {
  const sigma = maxSigma(env.model);
  const budget = env.txPowerDbm + 2 * maxGainDbi - env.floorDbm + SIGMA_TAIL * sigma + env.asymmetryMaxDb / 2;
  let lo = 1;
  let hi = 5_000_000;
  if (pathLossDb(env.model, hi, env.frequencyHz, maxHeightM, maxHeightM) <= budget) return hi;
  for (let k = 0; k < 60; k++) {
    const mid = Math.sqrt(lo * hi);
    if (pathLossDb(env.model, mid, env.frequencyHz, maxHeightM, maxHeightM) <= budget) lo = mid;
    else hi = mid;
  }
  return hi;
}

function maxSigma(model: PathLossModel): number {
  return model.model === "height-classes" ? Math.max(...model.classes.map((c) => c.sigmaDb)) : model.sigmaDb;
}

/**
 * The per-pair random terms, drawn once: worth it when links are rebuilt every few seconds
 * (mobility). NaN marks a pair not drawn yet.
 */
export class PairTerms {
  readonly #n: number;
  readonly #shared: Float32Array;
  readonly #asym: Float32Array;

  constructor(n: number) {
    this.#n = n;
    this.#shared = new Float32Array(n * n).fill(NaN);
    this.#asym = new Float32Array(n * n);
  }

  /** Whether a cache for n nodes is small enough to keep (≤ 12 MB). */
  static fits(n: number): boolean {
    return n <= 1000;
  }

  terms(env: LinkEnvironment, g: NodeGeometry, i: number, j: number, degraded: boolean): [number, number] {
    const k = i * this.#n + j;
    if (Number.isNaN(this.#shared[k])) {
      this.#shared[k] = sharedLossDb(env, g, i, j, degraded);
      this.#asym[k] = asymmetryDb(env, i, j);
    }
    return [this.#shared[k], this.#asym[k]];
  }
}

/**
 * Builds every node's outgoing link list. `alive[i] = 0` nodes get no links. A PairTerms cache
 * must be dropped when `degraded` changes (its terms include the degradation).
 */
export function buildLinks(
  env: LinkEnvironment,
  g: NodeGeometry,
  n: number,
  alive: ArrayLike<number>,
  degraded: boolean,
  cache?: PairTerms,
): LinkList[] {
  let maxH = 0;
  let maxG = -Infinity;
  for (let i = 0; i < n; i++) {
    maxH = Math.max(maxH, g.heightM[i]);
    maxG = Math.max(maxG, g.gainDbi[i]);
  }
  const reach = maxReachM(env, maxH, maxG);
  const cell = Math.max(reach, 1);
  const grid = new Map<number, number[]>();
  const cellKey = (cx: number, cy: number) => cx * 1_000_003 + cy;
  for (let i = 0; i < n; i++) {
    if (!alive[i]) continue;
    const k = cellKey(Math.floor(g.x[i] / cell), Math.floor(g.y[i] / cell));
    const l = grid.get(k);
    if (l) l.push(i);
    else grid.set(k, [i]);
  }
  const tos: number[][] = Array.from({ length: n }, () => []);
  const rss: number[][] = Array.from({ length: n }, () => []);
  // Nodes in index order, candidates sorted: every list comes out ordered by receiver index (the
  // order frames are handed out must not depend on the grid layout).
  for (let i = 0; i < n; i++) {
    if (!alive[i]) continue;
    const cx = Math.floor(g.x[i] / cell);
    const cy = Math.floor(g.y[i] / cell);
    const cand: number[] = [];
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        const list = grid.get(cellKey(cx + dx, cy + dy));
        if (list) for (const j of list) if (j > i) cand.push(j);
      }
    }
    const sorted = Int32Array.from(cand).sort();
    for (let k = 0; k < sorted.length; k++) {
      const j = sorted[k];
      const d = Math.hypot(g.x[i] - g.x[j], g.y[i] - g.y[j]);
      if (d > reach) continue;
      let shared: number;
      let asym: number;
      if (cache) [shared, asym] = cache.terms(env, g, i, j, degraded);
      else {
        shared = sharedLossDb(env, g, i, j, degraded);
        asym = asymmetryDb(env, i, j);
      }
      const common = env.txPowerDbm + g.gainDbi[i] + g.gainDbi[j] - pathLossDb(env.model, d, env.frequencyHz, g.heightM[i], g.heightM[j]) - shared;
      if (common - asym >= env.floorDbm) {
        tos[i].push(j);
        rss[i].push(common - asym);
      }
      if (common + asym >= env.floorDbm) {
        tos[j].push(i);
        rss[j].push(common + asym);
      }
    }
  }
  return tos.map((t, i) => ({ to: Int32Array.from(t), rssi: Float64Array.from(rss[i]), count: t.length }));
}
