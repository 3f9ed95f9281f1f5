// SX1261/2/8 command set, register addresses and parameter codes: every opcode and value the
// driver and the emulator use. Sources: Semtech SX1261/2 datasheet (DS) §13 (commands), §15
// (known limitations / errata), as summarised in shared/reference/radios.md §3 (cited below as
// "radios.md").

/** Opcodes (DS §13; radios.md §3.2). */
export const Op = Object.freeze({
  RESET_STATS: 0x00,
  CLEAR_IRQ_STATUS: 0x02,
  CLEAR_DEVICE_ERRORS: 0x07,
  SET_DIO_IRQ_PARAMS: 0x08,
  WRITE_REGISTER: 0x0d,
  WRITE_BUFFER: 0x0e,
  GET_STATS: 0x10,
  GET_PACKET_TYPE: 0x11,
  GET_IRQ_STATUS: 0x12,
  GET_RX_BUFFER_STATUS: 0x13,
  GET_PACKET_STATUS: 0x14,
  GET_RSSI_INST: 0x15,
  GET_DEVICE_ERRORS: 0x17,
  READ_REGISTER: 0x1d,
  READ_BUFFER: 0x1e,
  SET_STANDBY: 0x80,
  SET_RX: 0x82,
  SET_TX: 0x83,
  SET_SLEEP: 0x84,
  SET_RF_FREQUENCY: 0x86,
  SET_CAD_PARAMS: 0x88,
  CALIBRATE: 0x89,
  SET_PACKET_TYPE: 0x8a,
  SET_MODULATION_PARAMS: 0x8b,
  SET_PACKET_PARAMS: 0x8c,
  SET_TX_PARAMS: 0x8e,
  SET_BUFFER_BASE_ADDRESS: 0x8f,
  SET_RX_TX_FALLBACK_MODE: 0x93,
  SET_RX_DUTY_CYCLE: 0x94,
  SET_PA_CONFIG: 0x95,
  SET_REGULATOR_MODE: 0x96,
  SET_DIO3_AS_TCXO_CTRL: 0x97,
  CALIBRATE_IMAGE: 0x98,
  SET_DIO2_AS_RF_SWITCH_CTRL: 0x9d,
  STOP_TIMER_ON_PREAMBLE: 0x9f,
  SET_LORA_SYMB_NUM_TIMEOUT: 0xa0,
  GET_STATUS: 0xc0,
  SET_FS: 0xc1,
  SET_CAD: 0xc5,
  SET_TX_CONTINUOUS_WAVE: 0xd1,
  SET_TX_INFINITE_PREAMBLE: 0xd2,
});

/** Register addresses (DS §9 and §15; radios.md §3.1, §3.3, §3.5, §3.7). */
export const Reg = Object.freeze({
  /** 16-byte ASCII chip identity; SX1262 silicon reads "SX1261…", SX1268 "SX1268" (radios.md §3.1). */
  CHIP_ID: 0x0320,
  CHIP_ID_LENGTH: 16,
  /** Errata 15.4: bit 2 = 0 with inverted IQ, 1 otherwise. */
  IQ_POLARITY: 0x0736,
  SYNC_WORD_MSB: 0x0740,
  SYNC_WORD_LSB: 0x0741,
  /** Errata 15.1: bit 2 = 0 at 500 kHz, 1 otherwise, before every TX. */
  TX_MODULATION: 0x0889,
  /** Random number generator, 4 bytes (0x0819..0x081C), fed by the receiver's noise while in RX. */
  RANDOM_NUMBER: 0x0819,
  RANDOM_NUMBER_LENGTH: 4,
  /** RX gain: 0x94 power saving, 0x96 boosted (radios.md §3.3). */
  RX_GAIN: 0x08ac,
  /** Errata 15.2: |= 0x1E once after init (SX1262 PA clamping). */
  TX_CLAMP_CONFIG: 0x08d8,
  /** Over-current limit in 2.5 mA steps (radios.md §3.3). */
  OCP: 0x08e7,
  /** Errata 15.3 (implicit header RX timeout): write 0x00 to RTC control, set bit 1 of the event mask. */
  RTC_CONTROL: 0x0902,
  EVENT_MASK: 0x0944,
});

/** IRQ bits (DS §13.3.1; radios.md §3.2). */
export const Irq = Object.freeze({
  TX_DONE: 1 << 0,
  RX_DONE: 1 << 1,
  PREAMBLE_DETECTED: 1 << 2,
  SYNC_WORD_VALID: 1 << 3,
  HEADER_VALID: 1 << 4,
  HEADER_ERR: 1 << 5,
  CRC_ERR: 1 << 6,
  CAD_DONE: 1 << 7,
  CAD_DETECTED: 1 << 8,
  TIMEOUT: 1 << 9,
  ALL: 0x43ff,
  NONE: 0,
});

/** GetDeviceErrors bits (radios.md §3.2). */
export const DeviceError = Object.freeze({
  RC64K_CALIB: 1 << 0,
  RC13M_CALIB: 1 << 1,
  PLL_CALIB: 1 << 2,
  ADC_CALIB: 1 << 3,
  IMG_CALIB: 1 << 4,
  XOSC_START: 1 << 5,
  PLL_LOCK: 1 << 6,
  PA_RAMP: 1 << 8,
  /** Everything Calibrate(0x7F) can report. */
  CALIBRATION: 0x7f,
});

/** Status byte (radios.md §3.1): chip mode in bits 6:4, command status in bits 3:1. */
export const Status = Object.freeze({
  MODE_SHIFT: 4,
  MODE_MASK: 0x07,
  MODE_STBY_RC: 0x2,
  MODE_STBY_XOSC: 0x3,
  MODE_FS: 0x4,
  MODE_RX: 0x5,
  MODE_TX: 0x6,
  COMMAND_SHIFT: 1,
  COMMAND_MASK: 0x07,
  COMMAND_DATA_AVAILABLE: 0x2,
  COMMAND_TIMEOUT: 0x3,
  COMMAND_INVALID: 0x4,
  COMMAND_FAILED: 0x5,
  COMMAND_TX_DONE: 0x6,
});

/** Parameter codes (radios.md §3.2). */
export const StandbyMode = Object.freeze({ RC: 0x00, XOSC: 0x01 });
export const SleepMode = Object.freeze({ COLD_START: 0x00, WARM_START: 0x04 });
export const PacketType = Object.freeze({ GFSK: 0x00, LORA: 0x01 });
export const RegulatorMode = Object.freeze({ LDO: 0x00, DC_DC: 0x01 });
export const FallbackMode = Object.freeze({ STDBY_RC: 0x20, STDBY_XOSC: 0x30, FS: 0x40 });
export const CALIBRATE_ALL = 0x7f;
export const RF_SWITCH_ON = 0x01;
export const HeaderType = Object.freeze({ EXPLICIT: 0x00, IMPLICIT: 0x01 });
/** SetTxParams ramp time code 0x04 = 200 µs (radios.md §3.2). */
export const RAMP_200_US = 0x04;
/** SetRx timeout 0xFFFFFF = continuous receive, 0 = single without timeout. */
export const RX_CONTINUOUS = 0xffffff;
export const RX_SINGLE = 0x000000;
/** Timeouts and delays count in 15.625 µs steps (64 per ms). */
export const TIMER_STEPS_PER_MS = 64;
export const TIMER_MAX = 0xfffffe;

/** SetModulationParams bandwidth codes keyed by bandwidth in Hz (radios.md §3.2). */
export const BANDWIDTH_CODE: Readonly<Record<number, number>> = Object.freeze({
  7800: 0x00,
  10400: 0x08,
  15600: 0x01,
  20800: 0x09,
  31250: 0x02,
  41700: 0x0a,
  62500: 0x03,
  125000: 0x04,
  250000: 0x05,
  500000: 0x06,
});

/** SetDIO3AsTcxoCtrl voltage codes keyed by tenths of a volt (radios.md §3.3). */
export const TCXO_VOLTAGE_CODE: Readonly<Record<number, number>> = Object.freeze({
  16: 0x00,
  17: 0x01,
  18: 0x02,
  22: 0x03,
  24: 0x04,
  27: 0x05,
  30: 0x06,
  33: 0x07,
});
/** TCXO start-up delay given with SetDIO3AsTcxoCtrl: 5 ms = 0x000140 steps (radios.md §3.3). */
export const TCXO_DELAY_MS = 5;

/** SetCadParams symbol-count codes keyed by symbols (radios.md §3.8). */
export const CAD_SYMBOLS_CODE: Readonly<Record<number, number>> = Object.freeze({ 1: 0x00, 2: 0x01, 4: 0x02, 8: 0x03, 16: 0x04 });
/** CAD defaults: 4 symbols, detPeak SF + 13, detMin 10, exit to standby, no timeout (radios.md §3.8). */
export const Cad = Object.freeze({ SYMBOLS: 4, DET_PEAK_OFFSET: 13, DET_MIN: 10, EXIT_CAD_ONLY: 0x00 });

/** CalibrateImage ranges (radios.md §3.7), parameters in 4 MHz steps. */
export interface ImageBand {
  readonly lowHz: number;
  readonly highHz: number;
  readonly freq1: number;
  readonly freq2: number;
}
const MHZ = 1_000_000;
export const IMAGE_BANDS: readonly ImageBand[] = Object.freeze([
  Object.freeze({ lowHz: 430 * MHZ, highHz: 440 * MHZ, freq1: 0x6b, freq2: 0x6f }),
  Object.freeze({ lowHz: 470 * MHZ, highHz: 510 * MHZ, freq1: 0x75, freq2: 0x81 }),
  Object.freeze({ lowHz: 779 * MHZ, highHz: 787 * MHZ, freq1: 0xc1, freq2: 0xc5 }),
  Object.freeze({ lowHz: 863 * MHZ, highHz: 870 * MHZ, freq1: 0xd7, freq2: 0xdb }),
  Object.freeze({ lowHz: 902 * MHZ, highHz: 928 * MHZ, freq1: 0xe1, freq2: 0xe9 }),
]);
/** CalibrateImage argument unit. */
export const IMAGE_STEP_HZ = 4 * MHZ;
/** Power-on and Calibrate(0x7F) calibrate the image for 902–928 MHz (radios.md §3.7). */
export const DEFAULT_IMAGE_BAND = IMAGE_BANDS[4];

/**
 * CalibrateImage arguments for a carrier: the datasheet row containing it, else a window of
 * ±1 step (4 MHz) around it, since the arguments are plain 4 MHz multiples.
 */
export function imageCalibration(frequencyHz: number): { freq1: number; freq2: number } {
  const band = IMAGE_BANDS.find((b) => frequencyHz >= b.lowHz && frequencyHz <= b.highHz);
  if (band !== undefined) return { freq1: band.freq1, freq2: band.freq2 };
  return { freq1: Math.floor(frequencyHz / IMAGE_STEP_HZ) - 1, freq2: Math.ceil(frequencyHz / IMAGE_STEP_HZ) + 1 };
}

/**
 * SX1262 high-power PA settings optimal for each maximum (DS SetPaConfig optimal-settings table; radios.md §3.4), used
 * with SetTxParams 22 dBm: a lower request reduces SetTxParams dB for dB below the row's maximum.
 */
export interface PaRow {
  readonly maxDbm: number;
  readonly paDutyCycle: number;
  readonly hpMax: number;
}
export const PA_TABLE: readonly PaRow[] = Object.freeze([
  Object.freeze({ maxDbm: 14, paDutyCycle: 0x02, hpMax: 0x02 }),
  Object.freeze({ maxDbm: 17, paDutyCycle: 0x02, hpMax: 0x03 }),
  Object.freeze({ maxDbm: 20, paDutyCycle: 0x03, hpMax: 0x05 }),
  Object.freeze({ maxDbm: 22, paDutyCycle: 0x04, hpMax: 0x07 }),
]);
/** SetPaConfig deviceSel 0 = SX1262 high-power PA, paLut always 1 (radios.md §3.2). */
export const PA_DEVICE_SX1262 = 0x00;
export const PA_LUT = 0x01;
/** SetTxParams power the PA table rows are specified at, and the HP PA's legal range (radios.md §3.4). */
export const PA_TABLE_TX_PARAMS_DBM = 22;
export const HP_MIN_DBM = -9;
export const HP_MAX_DBM = 22;
/** Over-current limit for the SX1262 HP PA: 140 mA, register value mA / 2.5 (radios.md §3.3). */
export const OCP_SX1262_MA = 140;
export const OCP_STEP_MA = 2.5;

/** SetPaConfig and SetTxParams arguments for a requested output power. */
export function paSettings(dBm: number): { paDutyCycle: number; hpMax: number; txParamsDbm: number } {
  const row = PA_TABLE.find((r) => r.maxDbm >= dBm) ?? PA_TABLE[PA_TABLE.length - 1];
  return { paDutyCycle: row.paDutyCycle, hpMax: row.hpMax, txParamsDbm: PA_TABLE_TX_PARAMS_DBM - (row.maxDbm - dBm) };
}

/** Crystal and frequency resolution: RfFreq = f · 2^25 / 32 MHz (radios.md §3.2). */
export const FXTAL_HZ = 32_000_000;
export const RF_FREQ_SHIFT = 25;

export function frequencyWord(frequencyHz: number): number {
  return Math.round((frequencyHz * 2 ** RF_FREQ_SHIFT) / FXTAL_HZ);
}

export function frequencyFromWord(word: number): number {
  return (word * FXTAL_HZ) / 2 ** RF_FREQ_SHIFT;
}

/** Sync-word registers for an 8-bit LoRa sync word: 0x12 → 0x14 0x24, 0x34 → 0x34 0x44 (radios.md §3.5). */
export function syncWordRegisters(syncWord: number): [number, number] {
  return [(syncWord & 0xf0) | 0x04, ((syncWord & 0x0f) << 4) | 0x04];
}

/** Timings: BUSY wait 1 s (radios.md §3.1), reset pulse 1 ms, poll step while BUSY is high. */
export const Timing = Object.freeze({
  BUSY_TIMEOUT_MS: 1000,
  BUSY_POLL_MS: 0.05,
  RESET_PULSE_MS: 1,
});
