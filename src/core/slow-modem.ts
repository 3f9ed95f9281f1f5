// Defaults for a slow modem (docs/protocol.md §8.5 `slowModemPlane`): where one short frame takes
// seconds on the air (LONG_SLOW, SF12 at 125 kHz), OGMs are paced to their settled interval and
// messages without a route go back the way a flood or DATA came (rule `floodWayBack`, §14), and a
// node whose neighbours are heard but not yet usable sends through them (`heardNeighbourSend`, §8.5).
import { airtimeMs, type LoRaModulation } from "./airtime";
import type { MeshConfig } from "./config";

/** A modem is slow when a frame of this many bytes takes at least SLOW_MODEM_FRAME_MS. */
export const SLOW_MODEM_FRAME_BYTES = 50;
/** 3 s: LONG_SLOW (3.5 s for 50 bytes) is slow; LONG_MODERATE (2.0 s) and faster are not. */
export const SLOW_MODEM_FRAME_MS = 3_000;

/**
 * What a slow modem changes, unless the caller set it: triggered OGMs wait the whole minimum
 * interval, OGMs take at most 5 % of the duty budget (so the minimum interval is the settled
 * one), and `floodWayBack` and `heardNeighbourSend` are on.
 */
export const SLOW_MODEM_DEFAULTS: Readonly<Partial<MeshConfig>> = Object.freeze({
  triggeredMinGapFactor: 1,
  ogmDutyShare: 0.05,
  floodWayBack: true,
  heardNeighbourSend: true,
  unnamedFloodRelay: true,
});

export function slowModem(m: LoRaModulation): boolean {
  return airtimeMs(m, SLOW_MODEM_FRAME_BYTES) >= SLOW_MODEM_FRAME_MS;
}

/** The caller's config over the modem's defaults (SLOW_MODEM_DEFAULTS on a slow modem). */
export function modemDefaults(m: LoRaModulation, config: Partial<MeshConfig> = {}): Partial<MeshConfig> {
  return slowModem(m) ? { ...SLOW_MODEM_DEFAULTS, ...config } : config;
}
