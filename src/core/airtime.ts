// LoRa time on air: the one implementation of the Semtech formula in the project.
//
// Source: Semtech AN1200.13 "LoRa Modem Designer's Guide" and SX1276 datasheet §4.1.1.7
// (SF6–SF12), SX1261/2 datasheet §6.1.4 for the SX126x SF5/SF6 variant. Every user (core duty
// ledger, radio drivers, simulator, app) imports airtimeMs() from here.

/** Modulation and packet parameters that decide time on air. */
export interface LoRaModulation {
  /** Spreading factor 5..12 (SF5 exists on SX126x only). */
  readonly sf: number;
  /** Bandwidth in Hz (e.g. 125000, 250000, 500000). */
  readonly bandwidthHz: number;
  /** Coding rate denominator: 5 = 4/5 … 8 = 4/8. */
  readonly codingRate: number;
  /** Programmed preamble length in symbols (the modem adds 4.25, or 6.25 for SX126x SF5/6). */
  readonly preambleSymbols: number;
  /** Explicit header (true) or implicit (false). */
  readonly explicitHeader: boolean;
  /** Payload CRC on. */
  readonly crc: boolean;
  /** Low-data-rate optimisation; "auto" turns it on when the symbol time is ≥ 16 ms. */
  readonly lowDataRateOptimize?: boolean | "auto";
  /**
   * Which datasheet formula applies below SF7: SX126x (default; SF5/SF6 with preamble + 6.25 and
   * no "+8" term) or SX127x (SF6 uses the standard formula; SF5 does not exist on SX127x).
   */
  readonly family?: "sx126x" | "sx127x";
}

/** Symbol time at which LDRO becomes mandatory (SX1276 DS §4.1.1.6; RadioLib uses ≥ 16 ms). */
export const LDRO_SYMBOL_MS = 16;

/** Largest LoRa payload the modem FIFOs accept. */
export const MAX_LORA_PAYLOAD = 255;

/** Symbol duration in milliseconds: 2^SF / BW. */
export function symbolTimeMs(sf: number, bandwidthHz: number): number {
  return (2 ** sf / bandwidthHz) * 1000;
}

/** Whether low-data-rate optimisation is (or must be) on for these parameters. */
export function ldroEnabled(m: LoRaModulation): boolean {
  const setting = m.lowDataRateOptimize ?? "auto";
  if (setting === "auto") return symbolTimeMs(m.sf, m.bandwidthHz) >= LDRO_SYMBOL_MS;
  return setting;
}

/** Checks the parameters; returns a message describing the first problem, or undefined. */
export function modulationError(m: LoRaModulation): string | undefined {
  if (!Number.isInteger(m.sf) || m.sf < 5 || m.sf > 12) return `spreading factor ${m.sf} is not 5..12`;
  if (m.sf === 5 && m.family === "sx127x") return "spreading factor 5 exists on SX126x only";
  if (!(m.bandwidthHz > 0)) return `bandwidth ${m.bandwidthHz} Hz is not positive`;
  if (!Number.isInteger(m.codingRate) || m.codingRate < 5 || m.codingRate > 8)
    return `coding rate 4/${m.codingRate} is not 4/5..4/8`;
  if (!Number.isInteger(m.preambleSymbols) || m.preambleSymbols < 6 || m.preambleSymbols > 65535)
    return `preamble of ${m.preambleSymbols} symbols is not 6..65535`;
  return undefined;
}

/** Number of payload symbols (including the 8 fixed symbols) for a payload of `bytes`. */
export function payloadSymbols(m: LoRaModulation, bytes: number): number {
  const sf = m.sf;
  const crc = m.crc ? 1 : 0;
  const ih = m.explicitHeader ? 0 : 1;
  const cr = m.codingRate - 4; // 1..4
  if (sf < 7 && m.family !== "sx127x") {
    // SX126x SF5/SF6: no "+8" term in the numerator and no LDRO divisor.
    const num = 8 * bytes + 16 * crc - 4 * sf + 20 * (1 - ih);
    return 8 + Math.max(Math.ceil(num / (4 * sf)), 0) * (cr + 4);
  }
  const de = ldroEnabled(m) ? 1 : 0;
  const num = 8 * bytes - 4 * sf + 28 + 16 * crc - 20 * ih;
  return 8 + Math.max(Math.ceil(num / (4 * (sf - 2 * de))), 0) * (cr + 4);
}

/** Preamble duration in ms (programmed symbols + 4.25, or + 6.25 at SF5/6). */
export function preambleMs(m: LoRaModulation): number {
  const extra = m.sf < 7 && m.family !== "sx127x" ? 6.25 : 4.25;
  return (m.preambleSymbols + extra) * symbolTimeMs(m.sf, m.bandwidthHz);
}

/** Time on air in milliseconds for a frame of `bytes` payload bytes (the whole LoRa payload). */
export function airtimeMs(m: LoRaModulation, bytes: number): number {
  if (!Number.isInteger(bytes) || bytes < 0 || bytes > MAX_LORA_PAYLOAD) {
    throw new RangeError(`payload of ${bytes} bytes is not 0..${MAX_LORA_PAYLOAD}`);
  }
  const problem = modulationError(m);
  if (problem !== undefined) throw new RangeError(problem);
  return preambleMs(m) + payloadSymbols(m, bytes) * symbolTimeMs(m.sf, m.bandwidthHz);
}
