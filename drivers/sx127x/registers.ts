// SX1276/77/78/79 LoRa-mode register map and field values: every address and bit the driver and
// the emulator use. Sources: Semtech SX1276/77/78/79 datasheet (DS) §4.1 (LoRa modem) and §6.4
// (LoRa register table), Semtech SX1276 errata note §2.1, as summarised in
// shared/reference/radios.md §2 (section numbers below refer to that file as "radios.md").

/** Register addresses (DS §6.4; radios.md §2.2). */
export const Reg = Object.freeze({
  FIFO: 0x00,
  OP_MODE: 0x01,
  FRF_MSB: 0x06,
  FRF_MID: 0x07,
  /** Writing the LSB latches the 24-bit frequency word (radios.md §2.2). */
  FRF_LSB: 0x08,
  PA_CONFIG: 0x09,
  OCP: 0x0b,
  LNA: 0x0c,
  FIFO_ADDR_PTR: 0x0d,
  FIFO_TX_BASE_ADDR: 0x0e,
  FIFO_RX_BASE_ADDR: 0x0f,
  FIFO_RX_CURRENT_ADDR: 0x10,
  IRQ_FLAGS_MASK: 0x11,
  IRQ_FLAGS: 0x12,
  RX_NB_BYTES: 0x13,
  MODEM_STAT: 0x18,
  PKT_SNR_VALUE: 0x19,
  PKT_RSSI_VALUE: 0x1a,
  RSSI_VALUE: 0x1b,
  HOP_CHANNEL: 0x1c,
  /** Wideband RSSI, updated continuously in receive: its LSB is thermal noise (DS §4.1.6, "random number generation"). */
  RSSI_WIDEBAND: 0x2c,
  MODEM_CONFIG_1: 0x1d,
  MODEM_CONFIG_2: 0x1e,
  SYMB_TIMEOUT_LSB: 0x1f,
  PREAMBLE_MSB: 0x20,
  PREAMBLE_LSB: 0x21,
  PAYLOAD_LENGTH: 0x22,
  MAX_PAYLOAD_LENGTH: 0x23,
  HOP_PERIOD: 0x24,
  MODEM_CONFIG_3: 0x26,
  DETECT_OPTIMIZE: 0x31,
  INVERT_IQ: 0x33,
  /** Errata §2.1 "sensitivity optimisation with a 500 kHz bandwidth" registers. */
  HIGH_BW_OPTIMIZE_1: 0x36,
  DETECTION_THRESHOLD: 0x37,
  SYNC_WORD: 0x39,
  HIGH_BW_OPTIMIZE_2: 0x3a,
  INVERT_IQ_2: 0x3b,
  DIO_MAPPING_1: 0x40,
  VERSION: 0x42,
  TCXO: 0x4b,
  PA_DAC: 0x4d,
});

/** First byte of an SPI access: address | 0x80 writes, address & 0x7F reads (radios.md §2.1). */
export const SPI_WRITE = 0x80;
export const SPI_ADDRESS_MASK = 0x7f;

/** LoRa registers live at 0x0D..0x3F and are only reachable with LongRangeMode set (DS §6.4). */
export const LORA_PAGE_FIRST = 0x0d;
export const LORA_PAGE_LAST = 0x3f;

/** RegOpMode fields (radios.md §2.2). LongRangeMode may only change in SLEEP. */
export const OpMode = Object.freeze({
  LONG_RANGE_MODE: 0x80,
  LOW_FREQUENCY_MODE_ON: 0x08,
  MODE_MASK: 0x07,
  SLEEP: 0x00,
  STDBY: 0x01,
  FSTX: 0x02,
  TX: 0x03,
  FSRX: 0x04,
  RX_CONTINUOUS: 0x05,
  RX_SINGLE: 0x06,
  CAD: 0x07,
});

/** RegIrqFlags / RegIrqFlagsMask bits; writing 1 clears a flag (DS §6.4; radios.md §2.2). */
export const Irq = Object.freeze({
  RX_TIMEOUT: 0x80,
  RX_DONE: 0x40,
  PAYLOAD_CRC_ERROR: 0x20,
  VALID_HEADER: 0x10,
  TX_DONE: 0x08,
  CAD_DONE: 0x04,
  FHSS_CHANGE_CHANNEL: 0x02,
  CAD_DETECTED: 0x01,
  ALL: 0xff,
});

/**
 * RegModemStat bits (radios.md §2.2). A frame is being received while any of signal detected,
 * signal synchronised or header info valid is set — the "actively receiving" test Meshtastic
 * uses before transmitting (radios.md §2.3 step 9).
 */
export const ModemStat = Object.freeze({
  SIGNAL_DETECTED: 0x01,
  SIGNAL_SYNCHRONIZED: 0x02,
  RX_ONGOING: 0x04,
  HEADER_INFO_VALID: 0x08,
  MODEM_CLEAR: 0x10,
  RECEIVING: 0x01 | 0x02 | 0x08,
});

/** RegDioMapping1: DIO0 in bits 7:6, DIO1 in bits 5:4 (radios.md §2.2). */
export const DioMapping = Object.freeze({
  DIO0_MASK: 0xc0,
  DIO0_RX_DONE: 0x00,
  DIO0_TX_DONE: 0x40,
  DIO0_CAD_DONE: 0x80,
  DIO1_MASK: 0x30,
  DIO1_RX_TIMEOUT: 0x00,
  DIO1_CAD_DETECTED: 0x20,
});

/** RegModemConfig1 bandwidth codes, bits 7:4, keyed by bandwidth in Hz (DS §6.4 RegModemConfig1). */
export const BANDWIDTH_CODE: Readonly<Record<number, number>> = Object.freeze({
  7800: 0,
  10400: 1,
  15600: 2,
  20800: 3,
  31250: 4,
  41700: 5,
  62500: 6,
  125000: 7,
  250000: 8,
  500000: 9,
});

/** RegModemConfig1/2/3 fields (radios.md §2.2). Coding rate code = denominator − 4 in bits 3:1. */
export const ModemConfig = Object.freeze({
  BW_SHIFT: 4,
  CR_SHIFT: 1,
  IMPLICIT_HEADER: 0x01,
  SF_SHIFT: 4,
  RX_PAYLOAD_CRC_ON: 0x04,
  LOW_DATA_RATE_OPTIMIZE: 0x08,
  AGC_AUTO_ON: 0x04,
});

/** RegDetectOptimize bits 2:0 and RegDetectionThreshold per SF (radios.md §2.2, §2.6). */
export const Detect = Object.freeze({
  OPTIMIZE_MASK: 0x07,
  OPTIMIZE_SF7_12: 0x03,
  OPTIMIZE_SF6: 0x05,
  THRESHOLD_SF7_12: 0x0a,
  THRESHOLD_SF6: 0x0c,
});

/**
 * RegInvertIQ (0x33): bit 6 inverts RX, bit 0 set means TX *not* inverted; RegInvertIQ2 (0x3B)
 * 0x1D normal, 0x19 inverted (radios.md §2.2; bit meanings as in Semtech's LoRaMac-node
 * sx1276Regs-LoRa.h RFLR_INVERTIQ_* definitions).
 */
export const InvertIq = Object.freeze({
  RX: 0x40,
  TX_NORMAL: 0x01,
  IQ2_NORMAL: 0x1d,
  IQ2_INVERTED: 0x19,
});

/** Errata §2.1: 500 kHz needs 0x36 = 0x02 and 0x3A = 0x64 (862–1020 MHz) or 0x7F (410–525 MHz); other BWs 0x36 = 0x03. */
export const HighBwOptimize = Object.freeze({
  BW500_1: 0x02,
  BW500_2_HF: 0x64,
  BW500_2_LF: 0x7f,
  OTHER_1: 0x03,
});

/** RegPaConfig / RegPaDac / RegOcp (radios.md §2.2, §2.4; DS RegPaConfig description). */
export const Pa = Object.freeze({
  PA_BOOST: 0x80,
  MAX_POWER: 0x70,
  OUTPUT_POWER_MASK: 0x0f,
  /** PA_BOOST: Pout = 2 + OutputPower dBm (DS RegPaConfig: Pout = 17 − (15 − OutputPower)). */
  BOOST_MIN_DBM: 2,
  BOOST_MAX_DBM: 17,
  /** +20 dBm: RegPaConfig 0xFF with RegPaDac 0x87 (high-power DAC), OCP raised to 140 mA. */
  HIGH_POWER_DBM: 20,
  DAC_DEFAULT: 0x84,
  DAC_HIGH_POWER: 0x87,
  OCP_ON: 0x20,
  OCP_TRIM_MASK: 0x1f,
  /** Over-current limit, mA: 100 mA default (Meshtastic), 140 mA for +20 dBm (radios.md §2.4). */
  OCP_DEFAULT_MA: 100,
  OCP_HIGH_POWER_MA: 140,
});

/** RegLna: G1 (maximum gain) in bits 7:5 and LnaBoostHf 150 % in bits 1:0 (radios.md §2.2). */
export const Lna = Object.freeze({ GAIN_G1: 0x20, BOOST_HF_ON: 0x03 });

/** RegHopChannel bit 6: the received header said "CRC on" (DS §6.4). */
export const HOP_CHANNEL_CRC_ON_PAYLOAD = 0x40;

/** RegTcxo bit 4: clock from an external TCXO (radios.md §2.2). */
export const TCXO_INPUT_ON = 0x10;

/** RegVersion of SX1276/77/78/79 silicon (radios.md §2.2). */
export const CHIP_VERSION = 0x12;

/** Packet RSSI offset, dB: HF port (862–1020 MHz) −157, LF port −164 (DS §5.5.5; radios.md §2.5). */
export const RSSI_OFFSET_HF = -157;
export const RSSI_OFFSET_LF = -164;
/** Highest carrier served by the LF port (DS frequency-band table: LF bands 137–175 and 410–525 MHz, HF 862–1020 MHz). */
export const LF_PORT_MAX_HZ = 525_000_000;

/** Crystal frequency and FRF resolution: FRF = f · 2^19 / 32 MHz (radios.md §2.2). */
export const FXOSC_HZ = 32_000_000;
export const FRF_SHIFT = 19;

/** Timings (radios.md §2.3): reset low 1 ms then 5 ms before SPI; RegVersion read up to 10 × 10 ms. */
export const Timing = Object.freeze({
  RESET_PULSE_MS: 1,
  RESET_READY_MS: 5,
  VERSION_TRIES: 10,
  VERSION_RETRY_MS: 10,
});

/** The FRF register word for a carrier: round(f · 2^19 / 32 MHz). */
export function frequencyWord(frequencyHz: number): number {
  return Math.round((frequencyHz * 2 ** FRF_SHIFT) / FXOSC_HZ);
}

/** The carrier, Hz, a FRF register word stands for. */
export function frequencyFromWord(word: number): number {
  return (word * FXOSC_HZ) / 2 ** FRF_SHIFT;
}

/** RegOcp value for a current limit in mA: trim = (I − 45)/5 up to 120 mA, (I + 30)/10 up to 240 mA (radios.md §2.2). */
export function ocpRegister(milliamps: number): number {
  const trim = milliamps <= 120 ? Math.round((milliamps - 45) / 5) : Math.round((milliamps + 30) / 10);
  return Pa.OCP_ON | (Math.max(0, Math.min(27, trim)) & Pa.OCP_TRIM_MASK);
}

/** The current limit, mA, a RegOcp trim stands for (inverse of ocpRegister). */
export function ocpMilliamps(register: number): number {
  const trim = register & Pa.OCP_TRIM_MASK;
  return trim <= 15 ? 45 + 5 * trim : trim <= 27 ? -30 + 10 * trim : 240;
}
