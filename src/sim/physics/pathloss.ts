// Path-loss models (dB). Each returns the median loss for one link; shadowing and per-direction
// offsets are added by the link builder. Formulas and constants: shared/reference/simulators.md §1.
//
// Public surface:
//   PathLossModel (tagged union, as written in scenario files), pathLossDb(model, dM, fHz, hA, hB),
//   freeSpaceDb, logDistanceDb, okumuraHataDb, threeGppMacroDb, LORASIM_LOG_DISTANCE.

export type PathLossModel =
  | { readonly model: "log-distance"; readonly d0M: number; readonly pl0Db: number; readonly exponent: number; readonly sigmaDb: number }
  | { readonly model: "free-space"; readonly sigmaDb: number }
  | {
      readonly model: "okumura-hata";
      readonly environment: "small-city" | "metropolitan" | "suburban" | "rural";
      readonly sigmaDb: number;
    }
  | { readonly model: "3gpp-macro"; readonly environment: "suburban" | "urban"; readonly sigmaDb: number }
  | { readonly model: "height-classes"; readonly d0M: number; readonly classes: readonly HeightClass[] };

/**
 * One log-distance parameter set chosen by antenna height. A link takes the class of its taller
 * endpoint: the clearance of a hilltop or mountain site, not the valley end, decides how much
 * clutter the path crosses (that is how the Bay Area tiers are expressed: by height, one preset).
 */
export interface HeightClass {
  readonly name: string;
  /** The class applies when the taller antenna is at least this high, m. */
  readonly minHeightM: number;
  readonly pl0Db: number;
  readonly exponent: number;
  readonly sigmaDb: number;
}

/** LoRaSim (Bor et al. 2016) log-distance constants, measured near 868 MHz; FLoRa's σ = 3.57 dB. */
export const LORASIM_LOG_DISTANCE = Object.freeze({
  model: "log-distance" as const,
  d0M: 40,
  pl0Db: 127.41,
  exponent: 2.08,
  sigmaDb: 3.57,
});

// Distances below this are clamped: every model diverges at d → 0 and nodes are ≥ 1 m apart.
const MIN_DISTANCE_M = 1;

/** Friis free-space loss: 20·log10(d) + 20·log10(f) − 147.55. */
export function freeSpaceDb(dM: number, fHz: number): number {
  const d = Math.max(dM, MIN_DISTANCE_M);
  return 20 * Math.log10(d) + 20 * Math.log10(fHz) - 147.55;
}

/** PL(d) = PL(d0) + 10·γ·log10(d/d0). */
export function logDistanceDb(dM: number, d0M: number, pl0Db: number, exponent: number): number {
  return pl0Db + 10 * exponent * Math.log10(Math.max(dM, MIN_DISTANCE_M) / d0M);
}

// Okumura-Hata mobile-antenna correction a(hm) for small/medium cities (also used by the
// suburban, rural and 3GPP variants).
function hataMobileCorrection(fMHz: number, hm: number): number {
  const lf = Math.log10(fMHz);
  return (1.1 * lf - 0.7) * hm - (1.56 * lf - 0.8);
}

/**
 * Okumura-Hata. hb = the higher antenna (the "base station"), hm = the lower one; the link is
 * reciprocal, so the model is applied with the taller endpoint as base. Valid 150–1500 MHz,
 * hb 30–200 m, hm 1–10 m, 1–20 km; heights are clamped into those ranges (outside them the
 * fitted curves bend the wrong way), distances are not.
 */
export function okumuraHataDb(
  dM: number,
  fHz: number,
  hAm: number,
  hBm: number,
  environment: "small-city" | "metropolitan" | "suburban" | "rural",
): number {
  const fMHz = fHz / 1e6;
  const lf = Math.log10(fMHz);
  const hb = clamp(Math.max(hAm, hBm), 1, 200);
  const hm = clamp(Math.min(hAm, hBm), 1, 10);
  const dKm = Math.max(dM, MIN_DISTANCE_M) / 1000;
  let a: number;
  if (environment === "metropolitan") {
    a = fMHz >= 400 ? 3.2 * Math.log10(11.75 * hm) ** 2 - 4.97 : 8.29 * Math.log10(1.54 * hm) ** 2 - 1.1;
  } else {
    a = hataMobileCorrection(fMHz, hm);
  }
  let c = 0;
  if (environment === "suburban") c = -2 * Math.log10(fMHz / 28) ** 2 - 5.4;
  else if (environment === "rural") c = -4.78 * lf ** 2 + 18.33 * lf - 40.98;
  const A = 69.55 + 26.16 * lf - 13.82 * Math.log10(hb) - a;
  const B = 44.9 - 6.55 * Math.log10(hb);
  return A + B * Math.log10(dKm) + c;
}

/** 3GPP TR 25.996 macro (modified COST-231-Hata), as Meshtasticator's models 5 (suburban) and 6 (urban, +3 dB). */
export function threeGppMacroDb(dM: number, fHz: number, hAm: number, hBm: number, environment: "suburban" | "urban"): number {
  const fMHz = fHz / 1e6;
  const hb = Math.max(Math.max(hAm, hBm), 1);
  const hm = Math.max(Math.min(hAm, hBm), 1);
  const dKm = Math.max(dM, MIN_DISTANCE_M) / 1000;
  const c = environment === "urban" ? 3 : 0;
  return (
    (44.9 - 6.55 * Math.log10(hb)) * Math.log10(dKm) +
    45.5 +
    (35.46 - 1.1 * hm) * Math.log10(fMHz) -
    13.82 * Math.log10(hm) +
    0.7 * hm +
    c
  );
}

/** Median path loss of a link of `dM` metres between antennas at heights hA, hB (m). */
export function pathLossDb(model: PathLossModel, dM: number, fHz: number, hAm: number, hBm: number): number {
  switch (model.model) {
    case "log-distance":
      return logDistanceDb(dM, model.d0M, model.pl0Db, model.exponent);
    case "free-space":
      return freeSpaceDb(dM, fHz);
    case "okumura-hata":
      return okumuraHataDb(dM, fHz, hAm, hBm, model.environment);
    case "3gpp-macro":
      return threeGppMacroDb(dM, fHz, hAm, hBm, model.environment);
    case "height-classes": {
      const c = heightClassFor(model.classes, Math.max(hAm, hBm));
      return logDistanceDb(dM, model.d0M, c.pl0Db, c.exponent);
    }
  }
}

/** Shadowing standard deviation of a link, dB. */
export function shadowingSigmaDb(model: PathLossModel, hAm: number, hBm: number): number {
  return model.model === "height-classes" ? heightClassFor(model.classes, Math.max(hAm, hBm)).sigmaDb : model.sigmaDb;
}

/** The class for a link whose taller antenna is at `heightM` (classes sorted by minHeightM). */
export function heightClassFor(classes: readonly HeightClass[], heightM: number): HeightClass {
  let best = classes[0];
  for (const c of classes) if (heightM >= c.minHeightM && c.minHeightM >= best.minHeightM) best = c;
  return best;
}

/**
 * Reference loss PL(d0) that puts the median edge of a log-distance link at `rangeM` for a link
 * budget of `budgetDb` (= Ptx + gains − sensitivity): how a scenario's stated range becomes physics.
 */
export function pl0ForRange(budgetDb: number, rangeM: number, d0M: number, exponent: number): number {
  return budgetDb - 10 * exponent * Math.log10(rangeM / d0M);
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
