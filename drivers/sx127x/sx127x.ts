// SX1276/SX1278 LoRa driver in the ECMA-419 style (Heltec V2, T-Beam with SX1276).
//
//   new Sx127x({
//     spi: {io: device.io.SPI, ...device.SPI.default},   // hz 8 MHz and mode 0 unless given
//     select: {io: device.io.Digital, pin: 18},          // NSS, driven by the driver (moddable.md §4.1)
//     reset: {io: device.io.Digital, pin: 14},
//     interrupt: {io: device.io.Digital, pin: 26},       // DIO0: RxDone / TxDone / CadDone
//     clock, config: {frequencyHz: 869_525_000}, onPacket,
//   });
//
// Output is PA_BOOST only (every supported board wires the antenna there): 2..17 dBm, or 20 dBm
// through the high-power DAC. CAD reads CadDetected from RegIrqFlags at CadDone, so DIO1 is not
// needed. Register facts live in ./registers.ts.

import type { RadioConfig, RadioLimits, RadioOptions } from "../radio";
import { ldroEnabled } from "../../src/core/airtime";
import { modulationOf, partLimits } from "../radio";
import { LoRaRadio } from "../lora-radio";
import {
  closeAll,
  type DigitalLike,
  describePins,
  openInput,
  openOutput,
  openSpi,
  type PinDescriptor,
  type SpiDescriptor,
  type SpiLike,
} from "../io";
import {
  BANDWIDTH_CODE,
  CHIP_VERSION,
  Detect,
  DioMapping,
  frequencyWord,
  HighBwOptimize,
  HOP_CHANNEL_CRC_ON_PAYLOAD,
  InvertIq,
  Irq,
  LF_PORT_MAX_HZ,
  Lna,
  ModemConfig,
  ModemStat,
  ocpRegister,
  OpMode,
  Pa,
  Reg,
  RSSI_OFFSET_HF,
  RSSI_OFFSET_LF,
  SPI_ADDRESS_MASK,
  SPI_WRITE,
  TCXO_INPUT_ON,
  Timing,
} from "./registers";

export interface Sx127xOptions extends RadioOptions {
  readonly spi: SpiDescriptor;
  readonly select: PinDescriptor;
  readonly reset: PinDescriptor;
  /** DIO0. */
  readonly interrupt: PinDescriptor;
  /** Part, for the legal band: SX1276 137–1020 MHz (default), SX1278 137–525 MHz. */
  readonly variant?: "SX1276" | "SX1278";
  /** The board clocks the chip from a TCXO (RegTcxo TcxoInputOn). */
  readonly tcxo?: boolean;
}

function powerError(dBm: number): string | undefined {
  if (Number.isInteger(dBm) && ((dBm >= Pa.BOOST_MIN_DBM && dBm <= Pa.BOOST_MAX_DBM) || dBm === Pa.HIGH_POWER_DBM)) return undefined;
  return `TX power ${dBm} dBm is not PA_BOOST 2..17 dBm or 20 dBm (high-power DAC)`;
}

const FAMILY = Object.freeze({ family: "sx127x" as const, minSpreadingFactor: 6, implicitOnlySpreadingFactors: Object.freeze([6]), powerError });

/** Bands (DS §1: SX1276 137–1020 MHz, SX1278 137–525 MHz) and PA_BOOST power (radios.md §2.4). */
export const SX127X_LIMITS: Readonly<Record<"SX1276" | "SX1278", RadioLimits>> = Object.freeze({
  SX1276: partLimits("SX1276", 137, 1020, FAMILY),
  SX1278: partLimits("SX1278", 137, 525, FAMILY),
});

/** The RegPaConfig, RegPaDac and RegOcp values for an output power (radios.md §2.4). */
export function paRegisters(dBm: number): { paConfig: number; paDac: number; ocp: number } {
  if (dBm === Pa.HIGH_POWER_DBM) {
    return { paConfig: Pa.PA_BOOST | Pa.MAX_POWER | Pa.OUTPUT_POWER_MASK, paDac: Pa.DAC_HIGH_POWER, ocp: ocpRegister(Pa.OCP_HIGH_POWER_MA) };
  }
  return { paConfig: Pa.PA_BOOST | Pa.MAX_POWER | (dBm - Pa.BOOST_MIN_DBM), paDac: Pa.DAC_DEFAULT, ocp: ocpRegister(Pa.OCP_DEFAULT_MA) };
}

/** RegModemConfig1/2/3 for a configuration (DS §6.4; LDRO by the core's ≥ 16 ms rule). */
export function modemConfigRegisters(c: RadioConfig): { config1: number; config2: number; config3: number } {
  return {
    config1:
      (BANDWIDTH_CODE[c.bandwidthHz] << ModemConfig.BW_SHIFT) |
      ((c.codingRate - 4) << ModemConfig.CR_SHIFT) |
      (c.explicitHeader ? 0 : ModemConfig.IMPLICIT_HEADER),
    config2: (c.spreadingFactor << ModemConfig.SF_SHIFT) | (c.crc ? ModemConfig.RX_PAYLOAD_CRC_ON : 0),
    config3: (ldroEnabled(modulationOf(c)) ? ModemConfig.LOW_DATA_RATE_OPTIMIZE : 0) | ModemConfig.AGC_AUTO_ON,
  };
}

/** Packet RSSI, dBm, from RegPktRssiValue and the packet SNR (DS §5.5.5; radios.md §2.5). */
export function packetRssi(raw: number, snr: number, frequencyHz: number): number {
  const offset = frequencyHz > LF_PORT_MAX_HZ ? RSSI_OFFSET_HF : RSSI_OFFSET_LF;
  return offset + raw + (snr < 0 ? snr : 0);
}

export default class Sx127x extends LoRaRadio {
  readonly #pins: string;
  readonly #interruptPin: number;
  #spi: SpiLike | undefined;
  #select: DigitalLike | undefined;
  #reset: DigitalLike | undefined;
  #dio0: DigitalLike | undefined;
  /** One SPI buffer for every transaction: address byte + up to 256 data bytes. */
  readonly #buffer = new Uint8Array(257);

  constructor(options: Sx127xOptions) {
    super(options, SX127X_LIMITS[options.variant ?? "SX1276"]);
    this.#pins = describePins(options.spi, { NSS: options.select, RESET: options.reset, DIO0: options.interrupt });
    this.#interruptPin = options.interrupt.pin;
    try {
      this.#spi = openSpi(options.spi);
      this.#select = openOutput(options.select, 1);
      this.#reset = openOutput(options.reset, 1);
      this.#resetChip();
      this.#identify();
      this.#enterLoRa();
      this.#initialise(options.tcxo === true);
      this.applyConfig(this.config);
      this.#dio0 = openInput(options.interrupt, () => this.onInterrupt());
    } catch (error) {
      this.releaseIo();
      throw error;
    }
  }

  /** Reads one register (diagnostics and tests). */
  readRegister(address: number): number {
    return this.#read(address);
  }

  /** Receiver noise: the LSB of RegRssiWideband, 8 reads per byte, while resting in receive. */
  randomBytes(n: number): Uint8Array {
    if (this.state !== "receive") throw new Error(`SX127x: random bytes need the radio in receive (it is in ${this.state})`);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let b = 0;
      for (let bit = 0; bit < 8; bit++) b |= (this.#read(Reg.RSSI_WIDEBAND) & 1) << bit;
      out[i] = b;
    }
    return out;
  }

  // ---- LoRaRadio hooks -----------------------------------------------------------------------

  protected override get interruptName(): string {
    return `DIO0 on pin ${this.#interruptPin}`;
  }

  protected override applyConfig(c: RadioConfig): void {
    const frf = frequencyWord(c.frequencyHz);
    this.#writeBurst(Reg.FRF_MSB, [(frf >> 16) & 0xff, (frf >> 8) & 0xff, frf & 0xff]);
    const pa = paRegisters(c.txPowerDbm);
    this.#write(Reg.PA_CONFIG, pa.paConfig);
    this.#write(Reg.PA_DAC, pa.paDac);
    this.#write(Reg.OCP, pa.ocp);
    const modem = modemConfigRegisters(c);
    this.#write(Reg.MODEM_CONFIG_1, modem.config1);
    this.#write(Reg.MODEM_CONFIG_2, modem.config2);
    this.#write(Reg.MODEM_CONFIG_3, modem.config3);
    const sf6 = c.spreadingFactor === 6;
    this.#update(Reg.DETECT_OPTIMIZE, Detect.OPTIMIZE_MASK, sf6 ? Detect.OPTIMIZE_SF6 : Detect.OPTIMIZE_SF7_12);
    this.#write(Reg.DETECTION_THRESHOLD, sf6 ? Detect.THRESHOLD_SF6 : Detect.THRESHOLD_SF7_12);
    this.#write(Reg.SYNC_WORD, c.syncWord);
    this.#write(Reg.PREAMBLE_MSB, (c.preambleSymbols >> 8) & 0xff);
    this.#write(Reg.PREAMBLE_LSB, c.preambleSymbols & 0xff);
    if (!c.explicitHeader) this.#write(Reg.PAYLOAD_LENGTH, c.implicitLength);
    this.#update(Reg.INVERT_IQ, InvertIq.RX | InvertIq.TX_NORMAL, c.invertIq ? InvertIq.RX : InvertIq.TX_NORMAL);
    this.#write(Reg.INVERT_IQ_2, c.invertIq ? InvertIq.IQ2_INVERTED : InvertIq.IQ2_NORMAL);
    if (c.bandwidthHz === 500_000) {
      this.#write(Reg.HIGH_BW_OPTIMIZE_1, HighBwOptimize.BW500_1);
      this.#write(Reg.HIGH_BW_OPTIMIZE_2, c.frequencyHz > LF_PORT_MAX_HZ ? HighBwOptimize.BW500_2_HF : HighBwOptimize.BW500_2_LF);
    } else {
      this.#write(Reg.HIGH_BW_OPTIMIZE_1, HighBwOptimize.OTHER_1);
    }
  }

  protected override beginTransmit(bytes: Uint8Array): void {
    this.#setMode(OpMode.STDBY);
    this.#write(Reg.DIO_MAPPING_1, DioMapping.DIO0_TX_DONE);
    this.#write(Reg.IRQ_FLAGS, Irq.ALL);
    this.#write(Reg.FIFO_ADDR_PTR, 0);
    this.#write(Reg.PAYLOAD_LENGTH, bytes.length);
    this.#writeBurst(Reg.FIFO, bytes);
    this.#setMode(OpMode.TX);
  }

  protected override beginReceive(): void {
    this.#setMode(OpMode.STDBY);
    this.#write(Reg.DIO_MAPPING_1, DioMapping.DIO0_RX_DONE);
    this.#write(Reg.IRQ_FLAGS, Irq.ALL);
    this.#write(Reg.FIFO_ADDR_PTR, 0);
    if (!this.config.explicitHeader) this.#write(Reg.PAYLOAD_LENGTH, this.config.implicitLength);
    this.#setMode(OpMode.RX_CONTINUOUS);
  }

  protected override frameInProgress(): boolean {
    return (this.#read(Reg.MODEM_STAT) & ModemStat.RECEIVING) !== 0;
  }

  protected override beginCad(): void {
    this.#setMode(OpMode.STDBY);
    this.#write(Reg.DIO_MAPPING_1, DioMapping.DIO0_CAD_DONE | DioMapping.DIO1_CAD_DETECTED);
    this.#write(Reg.IRQ_FLAGS, Irq.ALL);
    this.#setMode(OpMode.CAD);
  }

  protected override enterStandby(): void {
    this.#setMode(OpMode.STDBY);
  }

  protected override enterSleep(): void {
    this.#setMode(OpMode.SLEEP);
  }

  protected override serviceInterrupt(): void {
    const flags = this.#read(Reg.IRQ_FLAGS);
    if (flags === 0) return;
    this.#write(Reg.IRQ_FLAGS, flags); // write-1-to-clear exactly what we are handling
    const phase = this.phase;
    if (phase === "transmit" && flags & Irq.TX_DONE) this.transmitDone();
    else if (phase === "cad" && flags & Irq.CAD_DONE) this.cadDone((flags & Irq.CAD_DETECTED) !== 0);
    else if (phase === "receive" && flags & Irq.RX_DONE) this.#takePacket(flags);
  }

  protected override releaseIo(): void {
    closeAll(this.#dio0, this.#select, this.#reset, this.#spi);
    this.#dio0 = this.#select = this.#reset = this.#spi = undefined;
  }

  // ---- chip bring-up -------------------------------------------------------------------------

  /** NRESET low 1 ms, released, 5 ms before the first access (radios.md §2.3). */
  #resetChip(): void {
    this.#reset!.write(0);
    this.clock.delay(Timing.RESET_PULSE_MS);
    this.#reset!.write(1);
    this.clock.delay(Timing.RESET_READY_MS);
  }

  #identify(): void {
    let version = 0;
    for (let attempt = 0; attempt < Timing.VERSION_TRIES; attempt++) {
      version = this.#read(Reg.VERSION);
      if (version === CHIP_VERSION) return;
      this.clock.delay(Timing.VERSION_RETRY_MS);
    }
    throw new Error(
      `SX127x not found: RegVersion reads 0x${hex(version)} (expected 0x${hex(CHIP_VERSION)}) after ${Timing.VERSION_TRIES} tries on ${this.#pins}`,
    );
  }

  /** LongRangeMode can only change in SLEEP: SLEEP → SLEEP|LoRa → STDBY|LoRa, checked (radios.md §2.3). */
  #enterLoRa(): void {
    this.#write(Reg.OP_MODE, OpMode.SLEEP);
    this.#write(Reg.OP_MODE, OpMode.LONG_RANGE_MODE | OpMode.SLEEP);
    const mode = this.#read(Reg.OP_MODE);
    if ((mode & OpMode.LONG_RANGE_MODE) === 0) {
      throw new Error(`SX127x did not enter LoRa mode: RegOpMode reads 0x${hex(mode)} on ${this.#pins}`);
    }
    this.#setMode(OpMode.STDBY);
  }

  #initialise(tcxo: boolean): void {
    this.#write(Reg.HOP_PERIOD, 0); // no frequency hopping
    this.#write(Reg.FIFO_TX_BASE_ADDR, 0); // whole FIFO for either direction, one at a time
    this.#write(Reg.FIFO_RX_BASE_ADDR, 0);
    this.#write(Reg.LNA, Lna.GAIN_G1 | Lna.BOOST_HF_ON);
    if (tcxo) this.#update(Reg.TCXO, TCXO_INPUT_ON, TCXO_INPUT_ON);
    this.#write(Reg.IRQ_FLAGS_MASK, 0);
    this.#write(Reg.IRQ_FLAGS, Irq.ALL);
  }

  // ---- interrupts ----------------------------------------------------------------------------

  #takePacket(flags: number): void {
    if (flags & Irq.PAYLOAD_CRC_ERROR) {
      this.countCrcError();
      return;
    }
    const c = this.config;
    if (c.crc && c.explicitHeader && (this.#read(Reg.HOP_CHANNEL) & HOP_CHANNEL_CRC_ON_PAYLOAD) === 0) {
      this.countHeaderError(); // the sender sent no CRC although we require one (radios.md §2.3 step 6)
      return;
    }
    const length = this.#read(Reg.RX_NB_BYTES);
    this.#write(Reg.FIFO_ADDR_PTR, this.#read(Reg.FIFO_RX_CURRENT_ADDR));
    const bytes = this.#readBurst(Reg.FIFO, length);
    const snr = toInt8(this.#read(Reg.PKT_SNR_VALUE)) / 4;
    const rssi = packetRssi(this.#read(Reg.PKT_RSSI_VALUE), snr, c.frequencyHz);
    this.packetReceived(bytes, rssi, snr);
  }

  // ---- register access -----------------------------------------------------------------------

  #setMode(mode: number): void {
    this.#write(Reg.OP_MODE, OpMode.LONG_RANGE_MODE | mode);
  }

  /** One NSS-framed transfer of the first `length` buffer bytes. */
  #transact(length: number): void {
    const select = this.#select;
    const spi = this.#spi;
    if (select === undefined || spi === undefined) throw new Error(`SX127x: radio is closed`);
    select.write(0);
    try {
      spi.transfer(this.#buffer.subarray(0, length));
    } finally {
      select.write(1);
    }
  }

  #read(address: number): number {
    this.#buffer[0] = address & SPI_ADDRESS_MASK;
    this.#buffer[1] = 0;
    this.#transact(2);
    return this.#buffer[1];
  }

  #write(address: number, value: number): void {
    this.#buffer[0] = address | SPI_WRITE;
    this.#buffer[1] = value;
    this.#transact(2);
  }

  #update(address: number, mask: number, value: number): void {
    this.#write(address, (this.#read(address) & ~mask) | (value & mask));
  }

  #writeBurst(address: number, bytes: ArrayLike<number>): void {
    this.#buffer[0] = address | SPI_WRITE;
    this.#buffer.set(bytes, 1);
    this.#transact(bytes.length + 1);
  }

  #readBurst(address: number, length: number): Uint8Array {
    this.#buffer[0] = address & SPI_ADDRESS_MASK;
    this.#buffer.fill(0, 1, length + 1);
    this.#transact(length + 1);
    return this.#buffer.slice(1, length + 1);
  }
}

Object.freeze(Sx127x.prototype);

function hex(value: number): string {
  return value.toString(16).padStart(2, "0");
}

function toInt8(value: number): number {
  return value > 127 ? value - 256 : value;
}
