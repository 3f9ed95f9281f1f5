// The radio interface both LoRa drivers (SX127x, SX126x) implement and the application codes
// against, plus the small pure helpers they share: defaults, validation and the modem summary
// that the core's airtime module understands. Types and pure functions only: no IO here.
//
//   const radio = new Sx126x({...pins, clock, config: {frequencyHz: 869_525_000}, onPacket});
//   radio.startReceive();                       // receive is now the resting state
//   radio.cad((busy) => busy || radio.send(bytes, (error) => ...));   // listen before talk
//
// After send() or cad() completes the radio returns to receive if startReceive() was called
// (and not cancelled by standby()/sleep()), otherwise it stays in standby.

import { airtimeMs, type LoRaModulation, modulationError } from "../src/core/airtime";
import { PRESETS } from "../src/core/presets";

/** Modem and packet configuration. Every field is validated against the chip's limits. */
export interface RadioConfig {
  /** Carrier frequency, Hz. */
  readonly frequencyHz: number;
  /** LoRa bandwidth, Hz: one of LORA_BANDWIDTHS_HZ. */
  readonly bandwidthHz: number;
  /** Spreading factor: 6..12 on SX127x (SF6 needs an implicit header), 5..12 on SX126x. */
  readonly spreadingFactor: number;
  /** Coding rate denominator: 5 = 4/5 … 8 = 4/8. */
  readonly codingRate: number;
  /** Conducted output power, dBm, within the chip's legal range (see each driver). */
  readonly txPowerDbm: number;
  /** 8-bit LoRa sync word: 0x12 private, 0x34 LoRaWAN (the SX126x driver maps it to its registers). */
  readonly syncWord: number;
  /** Programmed preamble length in symbols, 6..65535. */
  readonly preambleSymbols: number;
  /** Explicit header (length, coding rate and CRC flag travel in the frame). */
  readonly explicitHeader: boolean;
  /** Payload CRC on (transmitted, and required on reception). */
  readonly crc: boolean;
  /** Inverted IQ on both transmit and receive (LoRaWAN-style downlink separation). */
  readonly invertIq: boolean;
  /** Payload length of every frame in implicit-header mode, 1..255 (ignored with an explicit header). */
  readonly implicitLength: number;
}

/** A received frame. */
export interface RadioPacket {
  readonly bytes: Uint8Array;
  /** Signal RSSI of the packet, dBm (SX127x datasheet formula with SNR correction; SX126x SignalRssiPkt). */
  readonly rssi: number;
  /** Packet SNR, dB. */
  readonly snr: number;
  /** Clock time (ms) at which the driver took the packet from the chip, i.e. just after RxDone. */
  readonly at: number;
}

/** Counters since the driver was constructed. */
export interface RadioStatistics {
  readonly txPackets: number;
  /** Transmissions that ended in an error (TX-done never signalled, chip timeout, aborted). */
  readonly txErrors: number;
  readonly rxPackets: number;
  /** Frames received with a payload CRC error (dropped). */
  readonly crcErrors: number;
  /** Frames dropped for a header problem: header error, or no CRC although crc is configured. */
  readonly headerErrors: number;
  readonly cadRuns: number;
  /** CAD runs that detected activity. */
  readonly cadBusy: number;
}

export type RadioState = "standby" | "sleep" | "receive" | "transmit" | "cad";

/** Opaque handle returned by RadioClock.set. */
export type RadioTimer = object;

/**
 * Time services injected into a driver (it never imports Moddable's `timer`/`time` itself):
 * the board provider passes moddableClock(Timer, Time); host runs pass the VirtualClock.
 */
export interface RadioClock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Blocking wait (reset pulses, BUSY polling); fractional milliseconds allowed. */
  delay(ms: number): void;
  /** One-shot timer on the event loop (TX-done and CAD guards). */
  set(callback: () => void, ms: number): RadioTimer;
  clear(timer: RadioTimer): void;
}

export type SendCallback = (error?: Error) => void;
export type CadCallback = (busy: boolean, error?: Error) => void;

export interface Radio {
  /** The configuration in force (frozen). */
  readonly config: RadioConfig;
  readonly state: RadioState;
  readonly statistics: RadioStatistics;
  /** Applies the given fields (others unchanged); throws RangeError on invalid values, Error while busy. */
  configure(partial: Partial<RadioConfig>): void;
  /** Transmits 1..255 bytes; `onDone` runs once, with an Error if TX-done never came. Throws while busy. */
  send(bytes: Uint8Array, onDone: SendCallback): void;
  /** Continuous receive; packets go to the `onPacket` option. Becomes the resting state. */
  startReceive(): void;
  /** Channel activity detection (listen before talk); `onDone(busy)` runs once. Throws while busy. */
  cad(onDone: CadCallback): void;
  /**
   * Whether a frame is arriving right now (resting in receive, the modem locked on a header,
   * RxDone not yet signalled). Starting CAD or a transmission now would lose it, so the mesh
   * loop treats this as a busy channel. False in any other state.
   */
  isReceiving(): boolean;
  /** Standby; cancels receive as resting state and aborts a pending send/CAD (their callbacks get an Error). */
  standby(): void;
  /** Lowest-power sleep with configuration retained; like standby() otherwise. */
  sleep(): void;
  /**
   * `n` bytes of the receiver's noise, for an entropy pool (never used raw: not uniform). SX127x:
   * the LSB of RegRssiWideband, 8 reads a byte; SX126x: the random-number registers. Only while
   * resting in receive (throws otherwise). Optional: a radio without it gives no entropy.
   */
  randomBytes?(n: number): Uint8Array;
  /** Time on air in ms of a `length`-byte frame with the current configuration (core airtime module). */
  timeOnAirMs(length: number): number;
  /** Sleeps the chip and releases every pin and bus the driver opened. Idempotent. */
  close(): void;
}

/** Callbacks and time service common to both drivers' options. */
export interface RadioOptions {
  readonly clock: RadioClock;
  /** Initial configuration; frequencyHz is required (no region-neutral default exists). */
  readonly config: Partial<RadioConfig> & { readonly frequencyHz: number };
  readonly onPacket?: (packet: RadioPacket) => void;
  /** Errors outside any send/cad callback (e.g. a BUSY timeout while servicing an interrupt). */
  readonly onError?: (error: Error) => void;
}

/** LoRa bandwidths both chip families support, Hz (SX1276 DS §4.1.1.4; SX1261/2 DS §13.4.5). */
export const LORA_BANDWIDTHS_HZ: readonly number[] = Object.freeze([
  7800, 10400, 15600, 20800, 31250, 41700, 62500, 125000, 250000, 500000,
]);

/** Largest LoRa payload, bytes (both chips' 256-byte FIFO/buffer, 8-bit length field). */
export const MAX_PAYLOAD = 255;

const LONG_FAST = PRESETS.LONG_FAST;

/** Defaults for everything but the frequency: the LONG_FAST modem, private sync word, 14 dBm. */
export const DEFAULT_RADIO_CONFIG: Omit<RadioConfig, "frequencyHz"> = Object.freeze({
  bandwidthHz: LONG_FAST.bandwidthHz,
  spreadingFactor: LONG_FAST.sf,
  codingRate: LONG_FAST.codingRate,
  txPowerDbm: 14,
  syncWord: 0x12,
  preambleSymbols: LONG_FAST.preambleSymbols,
  explicitHeader: LONG_FAST.explicitHeader,
  crc: LONG_FAST.crc,
  invertIq: false,
  implicitLength: MAX_PAYLOAD,
});

/** The RadioConfig fields of a core modem preset (e.g. PRESETS.MEDIUM_FAST), for configure(). */
export function presetConfig(preset: LoRaModulation): Partial<RadioConfig> {
  return {
    bandwidthHz: preset.bandwidthHz,
    spreadingFactor: preset.sf,
    codingRate: preset.codingRate,
    preambleSymbols: preset.preambleSymbols,
    explicitHeader: preset.explicitHeader,
    crc: preset.crc,
  };
}

/** The modem summary the core airtime module takes; LDRO follows the ≥ 16 ms symbol rule ("auto"). */
export function modulationOf(config: RadioConfig, family?: RadioLimits["family"]): LoRaModulation {
  return {
    ...(family === undefined ? {} : { family }),
    sf: config.spreadingFactor,
    bandwidthHz: config.bandwidthHz,
    codingRate: config.codingRate,
    preambleSymbols: config.preambleSymbols,
    explicitHeader: config.explicitHeader,
    crc: config.crc,
    lowDataRateOptimize: "auto",
  };
}

/** Time on air of a `length`-byte frame with `config` on a chip of `family`, ms. */
export function timeOnAirMs(config: RadioConfig, length: number, family?: RadioLimits["family"]): number {
  return airtimeMs(modulationOf(config, family), length);
}

/** What a chip family accepts; each driver declares one. */
export interface RadioLimits {
  /** Part name used in error messages, e.g. "SX1276". */
  readonly chip: string;
  /** Chip family: selects the datasheet's time-on-air formula below SF7 (src/core/airtime.ts). */
  readonly family: "sx127x" | "sx126x";
  /** Allowed carrier ranges, Hz, inclusive. */
  readonly frequencyRangesHz: readonly (readonly [number, number])[];
  readonly minSpreadingFactor: number;
  /** Spreading factors that only work with an implicit header (SX127x SF6). */
  readonly implicitOnlySpreadingFactors: readonly number[];
  /** Describes why `dBm` is not a legal output power, or undefined when it is. */
  powerError(dBm: number): string | undefined;
}

/** Limits of one part: its band in MHz plus what its chip family shares. */
export function partLimits(chip: string, lowMhz: number, highMhz: number, family: Omit<RadioLimits, "chip" | "frequencyRangesHz">): RadioLimits {
  return Object.freeze({ ...family, chip, frequencyRangesHz: Object.freeze([Object.freeze([lowMhz * 1e6, highMhz * 1e6] as const)]) });
}

/** Merges the defined fields of `partial` over `base` (undefined means "unchanged", as in Moddable drivers). */
export function mergeConfig(base: RadioConfig, partial: Partial<RadioConfig>): RadioConfig {
  const next: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(partial)) {
    if (!(key in base)) throw new RangeError(`unknown radio setting "${key}"`);
    if (value !== undefined) next[key] = value;
  }
  return Object.freeze(next as unknown as RadioConfig);
}

function mhz(hz: number): string {
  return `${hz / 1e6} MHz`;
}

/** Throws a RangeError naming the first invalid field of `c` for the chip described by `limits`. */
export function validateConfig(c: RadioConfig, limits: RadioLimits): void {
  const chip = limits.chip;
  const fail = (message: string): never => {
    throw new RangeError(`${chip}: ${message}`);
  };
  if (typeof c.frequencyHz !== "number" || !Number.isFinite(c.frequencyHz)) fail(`frequencyHz ${c.frequencyHz} is not a number`);
  if (!limits.frequencyRangesHz.some(([lo, hi]) => c.frequencyHz >= lo && c.frequencyHz <= hi)) {
    const ranges = limits.frequencyRangesHz.map(([lo, hi]) => `${lo / 1e6}–${mhz(hi)}`).join(", ");
    fail(`frequency ${mhz(c.frequencyHz)} is outside the chip's band (${ranges})`);
  }
  if (!LORA_BANDWIDTHS_HZ.includes(c.bandwidthHz)) {
    fail(`bandwidth ${c.bandwidthHz} Hz is not one of ${LORA_BANDWIDTHS_HZ.join(", ")} Hz`);
  }
  if (!Number.isInteger(c.spreadingFactor) || c.spreadingFactor < limits.minSpreadingFactor || c.spreadingFactor > 12) {
    fail(`spreading factor ${c.spreadingFactor} is not ${limits.minSpreadingFactor}..12`);
  }
  if (c.explicitHeader && limits.implicitOnlySpreadingFactors.includes(c.spreadingFactor)) {
    fail(`SF${c.spreadingFactor} needs an implicit header (explicitHeader: false)`);
  }
  const modem = modulationError(modulationOf(c));
  if (modem !== undefined) fail(modem);
  const power = typeof c.txPowerDbm === "number" ? limits.powerError(c.txPowerDbm) : `txPowerDbm ${c.txPowerDbm} is not a number`;
  if (power !== undefined) fail(power);
  if (!Number.isInteger(c.syncWord) || c.syncWord < 0 || c.syncWord > 0xff) fail(`sync word ${c.syncWord} is not an 8-bit value`);
  for (const key of ["explicitHeader", "crc", "invertIq"] as const) {
    if (typeof c[key] !== "boolean") fail(`${key} must be true or false, not ${String(c[key])}`);
  }
  if (!Number.isInteger(c.implicitLength) || c.implicitLength < 1 || c.implicitLength > MAX_PAYLOAD) {
    fail(`implicitLength ${c.implicitLength} is not 1..${MAX_PAYLOAD}`);
  }
}

/** Checks a payload for send(); returns the problem or undefined. */
export function payloadError(config: RadioConfig, bytes: Uint8Array): string | undefined {
  if (!(bytes instanceof Uint8Array)) return "send() takes a Uint8Array";
  if (bytes.length < 1 || bytes.length > MAX_PAYLOAD) return `payload of ${bytes.length} bytes is not 1..${MAX_PAYLOAD}`;
  if (!config.explicitHeader && bytes.length !== config.implicitLength) {
    return `implicit header mode sends exactly implicitLength (${config.implicitLength}) bytes, not ${bytes.length}`;
  }
  return undefined;
}
