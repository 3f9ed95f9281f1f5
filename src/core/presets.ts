// Modem presets by name. SF/BW/CR are Meshtastic's (meshtastic/firmware src/mesh/MeshRadio.h,
// see shared/reference/radios.md §4.2) so operators can reason in names they know; System 5 is
// not on-air compatible with Meshtastic, but uses the same 16-symbol preamble, explicit header
// and CRC for the same reasons (reliable preamble lock and CAD).
import type { LoRaModulation } from "./airtime";
import { symbolTimeMs } from "./airtime";

export interface ModemPreset extends LoRaModulation {
  readonly name: PresetName;
  /** Demodulation SNR limit in dB for this SF (SX1276 datasheet; radios.md §4.3). */
  readonly snrLimitDb: number;
}

export type PresetName =
  | "SHORT_TURBO"
  | "SHORT_FAST"
  | "SHORT_SLOW"
  | "MEDIUM_FAST"
  | "MEDIUM_SLOW"
  | "MEDIUM_TURBO"
  | "LONG_TURBO"
  | "LONG_FAST"
  | "LONG_MODERATE"
  | "LONG_SLOW";

/** Preamble used by every preset (Meshtastic uses 16). */
export const PRESET_PREAMBLE_SYMBOLS = 16;

/** Demodulation SNR limit per spreading factor, dB (SX1276 DS; SF5 extrapolated). */
export const SNR_LIMIT_DB: Readonly<Record<number, number>> = Object.freeze({
  5: -2.5,
  6: -5,
  7: -7.5,
  8: -10,
  9: -12.5,
  10: -15,
  11: -17.5,
  12: -20,
});

function preset(name: PresetName, sf: number, bandwidthKHz: number, codingRate: number): ModemPreset {
  return Object.freeze({
    name,
    sf,
    bandwidthHz: bandwidthKHz * 1000,
    codingRate,
    preambleSymbols: PRESET_PREAMBLE_SYMBOLS,
    explicitHeader: true,
    crc: true,
    lowDataRateOptimize: "auto" as const,
    snrLimitDb: SNR_LIMIT_DB[sf],
  });
}

export const PRESETS: Readonly<Record<PresetName, ModemPreset>> = Object.freeze({
  SHORT_TURBO: preset("SHORT_TURBO", 7, 500, 5),
  SHORT_FAST: preset("SHORT_FAST", 7, 250, 5),
  SHORT_SLOW: preset("SHORT_SLOW", 8, 250, 5),
  MEDIUM_FAST: preset("MEDIUM_FAST", 9, 250, 5),
  MEDIUM_SLOW: preset("MEDIUM_SLOW", 10, 250, 5),
  MEDIUM_TURBO: preset("MEDIUM_TURBO", 9, 500, 5),
  LONG_TURBO: preset("LONG_TURBO", 11, 500, 8),
  LONG_FAST: preset("LONG_FAST", 11, 250, 5),
  LONG_MODERATE: preset("LONG_MODERATE", 11, 125, 8),
  LONG_SLOW: preset("LONG_SLOW", 12, 125, 8),
});

export const PRESET_NAMES: readonly PresetName[] = Object.freeze(Object.keys(PRESETS) as PresetName[]);

export function isPresetName(name: string): name is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, name);
}

/** Looks a preset up by name (case-insensitive); throws a RangeError listing the valid names. */
export function presetByName(name: string): ModemPreset {
  const key = name.toUpperCase();
  if (!isPresetName(key)) throw new RangeError(`unknown modem preset "${name}"; known: ${PRESET_NAMES.join(", ")}`);
  return PRESETS[key];
}

/** Thermal noise floor in dBm for a bandwidth and receiver noise figure: −174 + 10·log10(BW) + NF. */
export function noiseFloorDbm(bandwidthHz: number, noiseFigureDb: number): number {
  return -174 + 10 * Math.log10(bandwidthHz) + noiseFigureDb;
}

/** Receiver sensitivity in dBm: noise floor + the SF's demodulation SNR limit. */
export function sensitivityDbm(m: LoRaModulation, noiseFigureDb: number): number {
  return noiseFloorDbm(m.bandwidthHz, noiseFigureDb) + SNR_LIMIT_DB[m.sf];
}

/**
 * Channel-access slot in ms: CAD (2.5 symbols) + 0.2 ms propagation (30 km) + 0.4 ms TX/RX turnaround
 * + 7 ms MAC processing, as in Meshtastic ≥ 2.6 (radios.md §5.4). Used by every contention window.
 */
export function slotTimeMs(m: LoRaModulation): number {
  return 2.5 * symbolTimeMs(m.sf, m.bandwidthHz) + 7.6;
}

/**
 * The longest relay contention of a flood or broadcast copy (§15, `Flooding.contention`):
 * 2^`floodContentionCw` slots of `slotMs`. One fact for every wait that must outlast it.
 */
export function widestContentionMs(floodContentionCw: number, slotMs: number): number {
  return 2 ** floodContentionCw * slotMs;
}
