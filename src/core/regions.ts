// Region plans: which frequencies a node may use, at what power, under which duty cycle.
// Sources: ERC/REC 70-03 Annex 1 and ETSI EN 300 220-2 V3.2.1 for EU 863–870 MHz;
// FCC 47 CFR §15.247 for US 902–928 MHz (shared/reference/radios.md §4.4–4.6).

export type RegionName = "EU868" | "US915";

export interface SubBand {
  readonly name: string;
  readonly lowHz: number;
  readonly highHz: number;
  /** Share of any rolling hour the node may transmit, 0..1; 1 = no duty-cycle limit. */
  readonly dutyCycle: number;
  /** Highest conducted TX power the plan allows, dBm (assuming a 0 dBi antenna). */
  readonly maxPowerDbm: number;
}

export interface RegionPlan {
  readonly name: RegionName;
  readonly subBands: readonly SubBand[];
  /** Default centre frequency for a new node (Meshtastic LONG_FAST slot in this region). */
  readonly defaultFrequencyHz: number;
}

/** The duty-cycle window every EU plan is measured over: one rolling hour. */
export const DUTY_WINDOW_MS = 3_600_000;

const MHZ = 1_000_000;

export const REGIONS: Readonly<Record<RegionName, RegionPlan>> = Object.freeze({
  EU868: Object.freeze({
    name: "EU868" as const,
    // 25 mW ERP ≈ 14 dBm, 500 mW ERP ≈ 27 dBm (conducted into 0 dBi; ERP vs EIRP margin ignored).
    subBands: Object.freeze([
      Object.freeze({ name: "K 863.0-865.0", lowHz: 863.0 * MHZ, highHz: 865.0 * MHZ, dutyCycle: 0.001, maxPowerDbm: 14 }),
      Object.freeze({ name: "L 865.0-868.0", lowHz: 865.0 * MHZ, highHz: 868.0 * MHZ, dutyCycle: 0.01, maxPowerDbm: 14 }),
      Object.freeze({ name: "M 868.0-868.6", lowHz: 868.0 * MHZ, highHz: 868.6 * MHZ, dutyCycle: 0.01, maxPowerDbm: 14 }),
      Object.freeze({ name: "N 868.7-869.2", lowHz: 868.7 * MHZ, highHz: 869.2 * MHZ, dutyCycle: 0.001, maxPowerDbm: 14 }),
      Object.freeze({ name: "P 869.4-869.65", lowHz: 869.4 * MHZ, highHz: 869.65 * MHZ, dutyCycle: 0.1, maxPowerDbm: 27 }),
      Object.freeze({ name: "Q 869.7-870.0", lowHz: 869.7 * MHZ, highHz: 870.0 * MHZ, dutyCycle: 0.01, maxPowerDbm: 14 }),
    ]),
    defaultFrequencyHz: 869.525 * MHZ,
  }),
  US915: Object.freeze({
    name: "US915" as const,
    subBands: Object.freeze([
      Object.freeze({ name: "ISM 902-928", lowHz: 902 * MHZ, highHz: 928 * MHZ, dutyCycle: 1, maxPowerDbm: 30 }),
    ]),
    defaultFrequencyHz: 906.875 * MHZ,
  }),
});

export const REGION_NAMES: readonly RegionName[] = Object.freeze(Object.keys(REGIONS) as RegionName[]);

export function regionByName(name: string): RegionPlan {
  const key = name.toUpperCase();
  if (!Object.prototype.hasOwnProperty.call(REGIONS, key)) {
    throw new RangeError(`unknown region "${name}"; known: ${REGION_NAMES.join(", ")}`);
  }
  return REGIONS[key as RegionName];
}

/**
 * The sub-band a channel of `bandwidthHz` centred on `frequencyHz` lies in, or undefined when it
 * straddles a sub-band edge or lies outside the plan (such a configuration is refused).
 */
export function subBandFor(plan: RegionPlan, frequencyHz: number, bandwidthHz: number): SubBand | undefined {
  const lo = frequencyHz - bandwidthHz / 2;
  const hi = frequencyHz + bandwidthHz / 2;
  for (const band of plan.subBands) {
    if (lo >= band.lowHz && hi <= band.highHz) return band;
  }
  return undefined;
}
