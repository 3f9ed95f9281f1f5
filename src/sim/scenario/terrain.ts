// Terrain classes: log-distance exponent and shadowing spread per environment. Exponents are the
// textbook ranges (Rappaport, "Wireless Communications", Table 4.2: free space 2, urban 2.7–3.5,
// shadowed urban 3–5, obstructed in-building 4–6); rural is between free space and suburban.
// σ for rural is FLoRa's 3.57 dB (LoRaSim paper); the others grow with clutter.
// The reference loss is not in the table: a scenario states its range, and PL(d0) is calibrated
// so the median link budget ends exactly there (physics/pathloss.ts pl0ForRange).

export const TERRAINS = ["free_space", "rural", "suburban", "urban", "dense_urban", "indoor"] as const;
export type TerrainName = (typeof TERRAINS)[number];

export interface TerrainClass {
  readonly exponent: number;
  readonly sigmaDb: number;
}

export const TERRAIN_CLASSES: Readonly<Record<TerrainName, TerrainClass>> = Object.freeze({
  free_space: { exponent: 2.0, sigmaDb: 2 },
  rural: { exponent: 2.4, sigmaDb: 3.57 },
  suburban: { exponent: 2.8, sigmaDb: 4 },
  urban: { exponent: 3.2, sigmaDb: 5 },
  dense_urban: { exponent: 3.5, sigmaDb: 6 },
  indoor: { exponent: 3.8, sigmaDb: 7 },
});

/** Reference distance of every calibrated log-distance model, m (LoRaSim's d0). */
export const TERRAIN_D0_M = 40;
