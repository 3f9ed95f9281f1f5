// SX1262/SX1268 LoRa driver in the ECMA-419 style (Heltec V3, T-Beam with SX1262).
//
//   new Sx126x({
//     spi: {io: device.io.SPI, ...device.SPI.default},   // hz 8 MHz and mode 0 unless given
//     select: {io: device.io.Digital, pin: 8},           // NSS, held low for a whole command
//     reset: {io: device.io.Digital, pin: 12},
//     busy: {io: device.io.Digital, pin: 13},            // waited on before and after every command
//     interrupt: {io: device.io.Digital, pin: 14},       // DIO1
//     tcxoVoltage: 1.8, dio2RfSwitch: true,              // the board's wiring (boards/<board>/profile.ts)
//     clock, config: {frequencyHz: 869_525_000}, onPacket,
//   });
//
// Every command waits for BUSY low before NSS goes low and again afterwards, bounded by
// busyTimeoutMs (default 1 s), so a stuck BUSY pin raises an Error naming the pin instead of
// hanging. Opcodes, registers and codes live in ./commands.ts.

import type { RadioConfig, RadioLimits, RadioOptions } from "../radio";
import { ldroEnabled } from "../../src/core/airtime";
import { MAX_PAYLOAD, modulationOf, partLimits } from "../radio";
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
  Cad,
  CAD_SYMBOLS_CODE,
  CALIBRATE_ALL,
  DeviceError,
  FallbackMode,
  frequencyWord,
  HeaderType,
  HP_MAX_DBM,
  HP_MIN_DBM,
  imageCalibration,
  Irq,
  OCP_STEP_MA,
  OCP_SX1262_MA,
  Op,
  PA_DEVICE_SX1262,
  PA_LUT,
  PacketType,
  paSettings,
  RAMP_200_US,
  Reg,
  RegulatorMode,
  RF_SWITCH_ON,
  RX_CONTINUOUS,
  SleepMode,
  StandbyMode,
  syncWordRegisters,
  TCXO_DELAY_MS,
  TCXO_VOLTAGE_CODE,
  TIMER_MAX,
  TIMER_STEPS_PER_MS,
  Timing,
} from "./commands";

export interface Sx126xOptions extends RadioOptions {
  readonly spi: SpiDescriptor;
  readonly select: PinDescriptor;
  readonly reset: PinDescriptor;
  readonly busy: PinDescriptor;
  /** DIO1. */
  readonly interrupt: PinDescriptor;
  /** Part, for the legal band: SX1262 150–960 MHz (default), SX1268 410–810 MHz. */
  readonly variant?: "SX1262" | "SX1268";
  /** Volts the board's TCXO needs on DIO3 (1.6 … 3.3); omit on crystal boards. */
  readonly tcxoVoltage?: number;
  /** DIO2 drives the board's RF switch (default true: every supported SX1262 board wires it). */
  readonly dio2RfSwitch?: boolean;
  /** Regulator: "dc-dc" (default, as RadioLib and Meshtastic) or "ldo". */
  readonly regulator?: "dc-dc" | "ldo";
  /** Bound on each BUSY wait, ms (default 1000). */
  readonly busyTimeoutMs?: number;
}

function powerError(dBm: number): string | undefined {
  if (Number.isInteger(dBm) && dBm >= HP_MIN_DBM && dBm <= HP_MAX_DBM) return undefined;
  return `TX power ${dBm} dBm is not ${HP_MIN_DBM}..+${HP_MAX_DBM} dBm (high-power PA)`;
}

const FAMILY = Object.freeze({ family: "sx126x" as const, minSpreadingFactor: 5, implicitOnlySpreadingFactors: Object.freeze([]), powerError });

/** Bands (DS §1: SX1262 150–960 MHz, SX1268 410–810 MHz) and high-power PA range (radios.md §3.4). */
export const SX126X_LIMITS: Readonly<Record<"SX1262" | "SX1268", RadioLimits>> = Object.freeze({
  SX1262: partLimits("SX1262", 150, 960, FAMILY),
  SX1268: partLimits("SX1268", 410, 810, FAMILY),
});

/** IRQ masks per operation: which events the chip records, and which of them raise DIO1 (radios.md §3.8). */
const RX_IRQ = Irq.RX_DONE | Irq.TIMEOUT | Irq.CRC_ERR | Irq.HEADER_ERR | Irq.HEADER_VALID | Irq.PREAMBLE_DETECTED;
const RX_DIO1 = Irq.RX_DONE | Irq.TIMEOUT | Irq.CRC_ERR | Irq.HEADER_ERR;
const TX_IRQ = Irq.TX_DONE | Irq.TIMEOUT;
const CAD_IRQ = Irq.CAD_DONE | Irq.CAD_DETECTED;

const OP_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(Op).map(([name, code]) => [code, name]));

/** SetModulationParams arguments for a configuration (radios.md §3.2; LDRO by the core's ≥ 16 ms rule). */
export function modulationParams(c: RadioConfig): number[] {
  return [c.spreadingFactor, BANDWIDTH_CODE[c.bandwidthHz], c.codingRate - 4, ldroEnabled(modulationOf(c)) ? 1 : 0];
}

/** SetPacketParams arguments for a configuration and payload length (radios.md §3.2). */
export function packetParams(c: RadioConfig, length: number): number[] {
  return [
    (c.preambleSymbols >> 8) & 0xff,
    c.preambleSymbols & 0xff,
    c.explicitHeader ? HeaderType.EXPLICIT : HeaderType.IMPLICIT,
    length,
    c.crc ? 1 : 0,
    c.invertIq ? 1 : 0,
  ];
}

export default class Sx126x extends LoRaRadio {
  readonly #pins: string;
  readonly #busyPin: number;
  readonly #interruptPin: number;
  readonly #busyTimeoutMs: number;
  readonly #tcxoVoltage: number | undefined;
  #spi: SpiLike | undefined;
  #select: DigitalLike | undefined;
  #reset: DigitalLike | undefined;
  #busy: DigitalLike | undefined;
  #dio1: DigitalLike | undefined;
  #asleep = false;
  /** When frameInProgress() first saw the current HeaderValid (reset once a frame completes). */
  #headerSince: number | undefined;
  /** CalibrateImage arguments last applied ("f1,f2"), so the image is recalibrated only on a band change. */
  #image = "";
  /** Opcode, parameters and read-back for the largest command (WriteBuffer of 255 bytes). */
  readonly #buffer = new Uint8Array(2 + MAX_PAYLOAD + 1);

  constructor(options: Sx126xOptions) {
    super(options, SX126X_LIMITS[options.variant ?? "SX1262"]);
    this.#pins = describePins(options.spi, {
      NSS: options.select,
      RESET: options.reset,
      BUSY: options.busy,
      DIO1: options.interrupt,
    });
    this.#busyPin = options.busy.pin;
    this.#interruptPin = options.interrupt.pin;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? Timing.BUSY_TIMEOUT_MS;
    this.#tcxoVoltage = options.tcxoVoltage;
    const tcxoCode = options.tcxoVoltage === undefined ? undefined : TCXO_VOLTAGE_CODE[Math.round(options.tcxoVoltage * 10)];
    if (options.tcxoVoltage !== undefined && tcxoCode === undefined) {
      throw new RangeError(`SX126x: tcxoVoltage ${options.tcxoVoltage} V is not one of 1.6, 1.7, 1.8, 2.2, 2.4, 2.7, 3.0, 3.3`);
    }
    try {
      this.#spi = openSpi(options.spi);
      this.#select = openOutput(options.select, 1);
      this.#reset = openOutput(options.reset, 1);
      this.#busy = openInput(options.busy);
      this.#resetChip();
      this.#identify();
      this.#initialise(tcxoCode, options.dio2RfSwitch ?? true, options.regulator ?? "dc-dc");
      this.applyConfig(this.config);
      this.#dio1 = openInput(options.interrupt, () => this.onInterrupt());
    } catch (error) {
      this.releaseIo();
      throw error;
    }
  }

  /** Reads `length` bytes of registers from `address` (diagnostics and tests). */
  /** Receiver noise from the random-number registers (0x0819..0x081C), while resting in receive. */
  randomBytes(n: number): Uint8Array {
    if (this.state !== "receive") throw new Error(`SX126x: random bytes need the radio in receive (it is in ${this.state})`);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += Reg.RANDOM_NUMBER_LENGTH) out.set(this.readRegisters(Reg.RANDOM_NUMBER, Reg.RANDOM_NUMBER_LENGTH).subarray(0, n - i), i);
    return out;
  }

  readRegisters(address: number, length: number): Uint8Array {
    return this.#command(Op.READ_REGISTER, [address >> 8, address & 0xff], 1 + length).slice(1);
  }

  // ---- LoRaRadio hooks -----------------------------------------------------------------------

  protected override get interruptName(): string {
    return `DIO1 on pin ${this.#interruptPin}`;
  }

  protected override applyConfig(c: RadioConfig): void {
    const image = imageCalibration(c.frequencyHz);
    const key = `${image.freq1},${image.freq2}`;
    if (key !== this.#image) {
      // Calibrate(0x7F) at init calibrated 902–928 MHz; any other band needs its own image (radios.md §3.7).
      this.#command(Op.CALIBRATE_IMAGE, [image.freq1, image.freq2]);
      this.#image = key;
    }
    this.#command(Op.SET_RF_FREQUENCY, uint32(frequencyWord(c.frequencyHz)));
    const pa = paSettings(c.txPowerDbm);
    this.#command(Op.SET_PA_CONFIG, [pa.paDutyCycle, pa.hpMax, PA_DEVICE_SX1262, PA_LUT]);
    // SetPaConfig resets the current limit, so it is written afterwards (radios.md §3.4).
    this.#writeRegister(Reg.OCP, [Math.round(OCP_SX1262_MA / OCP_STEP_MA)]);
    this.#command(Op.SET_TX_PARAMS, [pa.txParamsDbm & 0xff, RAMP_200_US]);
    this.#command(Op.SET_MODULATION_PARAMS, modulationParams(c));
    this.#setPacketParams(c.explicitHeader ? MAX_PAYLOAD : c.implicitLength);
    this.#writeRegister(Reg.SYNC_WORD_MSB, syncWordRegisters(c.syncWord));
  }

  protected override beginTransmit(bytes: Uint8Array, timeoutMs: number): void {
    this.#command(Op.SET_STANDBY, [StandbyMode.RC]);
    this.#setPacketParams(bytes.length);
    this.#command(Op.SET_DIO_IRQ_PARAMS, [...uint16(TX_IRQ), ...uint16(TX_IRQ), 0, 0, 0, 0]);
    this.#command(Op.SET_BUFFER_BASE_ADDRESS, [0, 0]);
    this.#writeBuffer(0, bytes);
    this.#command(Op.CLEAR_IRQ_STATUS, uint16(Irq.ALL));
    // Errata 15.1: modulation quality at 500 kHz, applied before every transmission.
    this.#updateRegister(Reg.TX_MODULATION, 0x04, this.config.bandwidthHz === 500_000 ? 0 : 0x04);
    this.#command(Op.SET_TX, uint24(Math.min(TIMER_MAX, Math.ceil(timeoutMs * TIMER_STEPS_PER_MS))));
  }

  protected override beginReceive(): void {
    const c = this.config;
    this.#command(Op.SET_STANDBY, [StandbyMode.RC]);
    this.#command(Op.SET_DIO_IRQ_PARAMS, [...uint16(RX_IRQ), ...uint16(RX_DIO1), 0, 0, 0, 0]);
    this.#command(Op.SET_BUFFER_BASE_ADDRESS, [0, 0]);
    this.#setPacketParams(c.explicitHeader ? MAX_PAYLOAD : c.implicitLength);
    this.#command(Op.CLEAR_IRQ_STATUS, uint16(Irq.ALL));
    this.#command(Op.SET_RX, uint24(RX_CONTINUOUS));
  }

  /**
   * HeaderValid is set and its RxDone (or CRC/header error) has not come. The flag is latched
   * until cleared, so one left over from a frame whose end was lost would hold the channel busy
   * for good: after the airtime of a longest frame it is cleared and ignored.
   */
  protected override frameInProgress(): boolean {
    const status = this.#command(Op.GET_IRQ_STATUS, [], 3);
    const irq = (status[1] << 8) | status[2];
    if ((irq & Irq.HEADER_VALID) === 0 || (irq & RX_DIO1) !== 0) {
      this.#headerSince = undefined;
      return false;
    }
    const now = this.clock.now();
    this.#headerSince ??= now;
    if (now - this.#headerSince <= this.timeOnAirMs(MAX_PAYLOAD)) return true;
    this.#command(Op.CLEAR_IRQ_STATUS, uint16(Irq.HEADER_VALID));
    this.#headerSince = undefined;
    return false;
  }

  protected override beginCad(): void {
    this.#command(Op.SET_STANDBY, [StandbyMode.RC]);
    this.#command(Op.SET_DIO_IRQ_PARAMS, [...uint16(CAD_IRQ), ...uint16(Irq.CAD_DONE), 0, 0, 0, 0]);
    const symbols = CAD_SYMBOLS_CODE[Cad.SYMBOLS];
    this.#command(Op.SET_CAD_PARAMS, [symbols, this.config.spreadingFactor + Cad.DET_PEAK_OFFSET, Cad.DET_MIN, Cad.EXIT_CAD_ONLY, 0, 0, 0]);
    this.#command(Op.CLEAR_IRQ_STATUS, uint16(Irq.ALL));
    this.#command(Op.SET_CAD);
  }

  protected override enterStandby(): void {
    const leavingReceive = this.phase === "receive";
    this.#command(Op.SET_STANDBY, [StandbyMode.RC]);
    if (leavingReceive && !this.config.explicitHeader) {
      // Errata 15.3: after an implicit-header receive stop the RTC and clear its pending timeout event.
      this.#writeRegister(Reg.RTC_CONTROL, [0x00]);
      this.#updateRegister(Reg.EVENT_MASK, 0x02, 0x02);
    }
  }

  protected override enterSleep(): void {
    if (this.#asleep) return;
    this.enterStandby(); // sleep is entered from standby, after the implicit-header errata if receiving
    this.#command(Op.SET_SLEEP, [SleepMode.WARM_START]);
  }

  protected override serviceInterrupt(): void {
    const status = this.#command(Op.GET_IRQ_STATUS, [], 3);
    const irq = (status[1] << 8) | status[2];
    if (irq === 0) return;
    this.#command(Op.CLEAR_IRQ_STATUS, uint16(irq));
    const phase = this.phase;
    if (phase === "transmit") {
      if (irq & Irq.TX_DONE) this.transmitDone();
      else if (irq & Irq.TIMEOUT) this.transmitDone(new Error(`${this.chipName}: transmission timed out (chip TX timer, ${this.interruptName})`));
    } else if (phase === "cad") {
      if (irq & Irq.CAD_DONE) this.cadDone((irq & Irq.CAD_DETECTED) !== 0);
    } else if (phase === "receive") {
      this.#headerSince = undefined;
      if (irq & Irq.CRC_ERR) this.countCrcError();
      else if (irq & Irq.HEADER_ERR) this.countHeaderError();
      else if (irq & Irq.RX_DONE) this.#takePacket();
    }
  }

  protected override releaseIo(): void {
    closeAll(this.#dio1, this.#busy, this.#select, this.#reset, this.#spi);
    this.#dio1 = this.#busy = this.#select = this.#reset = this.#spi = undefined;
  }

  // ---- chip bring-up -------------------------------------------------------------------------

  #resetChip(): void {
    this.#reset!.write(0);
    this.clock.delay(Timing.RESET_PULSE_MS);
    this.#reset!.write(1);
    this.#waitBusy("after reset");
  }

  #identify(): void {
    const id = this.readRegisters(Reg.CHIP_ID, Reg.CHIP_ID_LENGTH);
    const end = id.indexOf(0);
    const text = String.fromCharCode(...(end < 0 ? id : id.subarray(0, end)));
    if (!text.startsWith("SX126")) {
      const bytes = Array.from(id.subarray(0, 8), hex).join(" ");
      throw new Error(`SX126x not found: chip id register 0x0320 reads ${bytes} … (expected "SX126…") on ${this.#pins}`);
    }
  }

  /** radios.md §3.3: TCXO before calibration, LoRa packet type, IRQs off, Calibrate(all), RF switch, errata 15.2. */
  #initialise(tcxoCode: number | undefined, rfSwitch: boolean, regulator: "dc-dc" | "ldo"): void {
    this.#command(Op.SET_STANDBY, [StandbyMode.RC]);
    if (tcxoCode !== undefined) {
      this.#command(Op.SET_DIO3_AS_TCXO_CTRL, [tcxoCode, ...uint24(TCXO_DELAY_MS * TIMER_STEPS_PER_MS)]);
      // Booting without the TCXO powered leaves XOSC_START_ERR set; clear it before calibrating.
      this.#command(Op.CLEAR_DEVICE_ERRORS, [0, 0]);
    }
    this.#command(Op.SET_REGULATOR_MODE, [regulator === "ldo" ? RegulatorMode.LDO : RegulatorMode.DC_DC]);
    this.#command(Op.SET_BUFFER_BASE_ADDRESS, [0, 0]);
    this.#command(Op.SET_PACKET_TYPE, [PacketType.LORA]);
    const type = this.#command(Op.GET_PACKET_TYPE, [], 2)[1];
    if (type !== PacketType.LORA) {
      throw new Error(`SX126x did not switch to LoRa: GetPacketType reads 0x${hex(type)} on ${this.#pins}`);
    }
    this.#command(Op.SET_RX_TX_FALLBACK_MODE, [FallbackMode.STDBY_RC]);
    this.#command(Op.CLEAR_IRQ_STATUS, uint16(Irq.ALL));
    this.#command(Op.SET_DIO_IRQ_PARAMS, [0, 0, 0, 0, 0, 0, 0, 0]);
    this.#command(Op.CALIBRATE, [CALIBRATE_ALL]);
    const errors = this.#deviceErrors();
    if (errors & DeviceError.CALIBRATION) {
      const hint = errors & DeviceError.XOSC_START ? `; the oscillator did not start: check tcxoVoltage (${this.#tcxoVoltage ?? "none"})` : "";
      throw new Error(`SX126x calibration failed: device errors 0x${hex(errors >> 8)}${hex(errors & 0xff)}${hint} on ${this.#pins}`);
    }
    if (rfSwitch) this.#command(Op.SET_DIO2_AS_RF_SWITCH_CTRL, [RF_SWITCH_ON]);
    this.#updateRegister(Reg.TX_CLAMP_CONFIG, 0x1e, 0x1e); // errata 15.2, once after init
    this.#image = "";
  }

  #deviceErrors(): number {
    const reply = this.#command(Op.GET_DEVICE_ERRORS, [], 3);
    return (reply[1] << 8) | reply[2];
  }

  // ---- interrupts ----------------------------------------------------------------------------

  #takePacket(): void {
    const status = this.#command(Op.GET_RX_BUFFER_STATUS, [], 3);
    const length = status[1];
    const start = status[2];
    const bytes = this.#command(Op.READ_BUFFER, [start], 1 + length).slice(1);
    const packet = this.#command(Op.GET_PACKET_STATUS, [], 4);
    // Packet status: RssiPkt, SnrPkt, SignalRssiPkt; RSSI = −x/2 dBm, SNR = int8/4 dB (radios.md §3.6).
    // The signal RSSI (after despreading) is reported: it stays meaningful below the noise floor.
    const snr = toInt8(packet[2]) / 4;
    const rssi = -packet[3] / 2;
    this.packetReceived(bytes, rssi, snr);
  }

  // ---- command transport ---------------------------------------------------------------------

  #setPacketParams(length: number): void {
    const c = this.config;
    this.#command(Op.SET_PACKET_PARAMS, packetParams(c, length));
    // Errata 15.4: IQ polarity register must follow SetPacketParams' InvertIQ.
    this.#updateRegister(Reg.IQ_POLARITY, 0x04, c.invertIq ? 0 : 0x04);
  }

  #writeRegister(address: number, values: ArrayLike<number>): void {
    this.#command(Op.WRITE_REGISTER, [address >> 8, address & 0xff, ...Array.from(values)]);
  }

  #updateRegister(address: number, mask: number, value: number): void {
    const current = this.readRegisters(address, 1)[0];
    this.#writeRegister(address, [(current & ~mask) | (value & mask)]);
  }

  #writeBuffer(offset: number, bytes: Uint8Array): void {
    const buffer = this.#buffer;
    buffer[0] = Op.WRITE_BUFFER;
    buffer[1] = offset;
    buffer.set(bytes, 2);
    this.#exchange(Op.WRITE_BUFFER, 2 + bytes.length);
  }

  /**
   * Sends `op` with `params`, clocking `read` more bytes (status/data) out, and returns those
   * `read` bytes: a view into the shared buffer, valid until the next command.
   */
  #command(op: number, params: ArrayLike<number> = [], read = 0): Uint8Array {
    const buffer = this.#buffer;
    buffer[0] = op;
    buffer.set(params as ArrayLike<number>, 1);
    const start = 1 + params.length;
    buffer.fill(0, start, start + read);
    this.#exchange(op, start + read);
    return buffer.subarray(start, start + read);
  }

  #exchange(op: number, length: number): void {
    const spi = this.#spi;
    const select = this.#select;
    if (spi === undefined || select === undefined) throw new Error(`SX126x: radio is closed`);
    const name = OP_NAMES.get(op) ?? `0x${hex(op)}`;
    if (this.#asleep) this.#wake();
    this.#waitBusy(`before ${name}`);
    select.write(0);
    try {
      spi.transfer(this.#buffer.subarray(0, length));
    } finally {
      select.write(1);
    }
    // In sleep BUSY stays high until the next NSS edge wakes the chip: do not wait for it.
    if (op === Op.SET_SLEEP) this.#asleep = true;
    else this.#waitBusy(`after ${name}`);
  }

  /** Any NSS falling edge wakes the chip from sleep; it is ready in STDBY_RC once BUSY drops (radios.md §3.1). */
  #wake(): void {
    this.#select!.write(0);
    this.#select!.write(1);
    this.#asleep = false;
    this.#waitBusy("waking from sleep");
  }

  #waitBusy(context: string): void {
    const busy = this.#busy;
    if (busy === undefined) throw new Error(`SX126x: radio is closed`);
    const start = this.clock.now();
    while (busy.read()) {
      if (this.clock.now() - start >= this.#busyTimeoutMs) {
        throw new Error(`SX126x BUSY stuck high for ${this.#busyTimeoutMs} ms on pin ${this.#busyPin} (${context}); ${this.#pins}`);
      }
      this.clock.delay(Timing.BUSY_POLL_MS);
    }
  }
}

Object.freeze(Sx126x.prototype);

function uint16(value: number): [number, number] {
  return [(value >> 8) & 0xff, value & 0xff];
}

function uint24(value: number): [number, number, number] {
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

function uint32(value: number): [number, number, number, number] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

function hex(value: number): string {
  return value.toString(16).padStart(2, "0");
}

function toInt8(value: number): number {
  return value > 127 ? value - 256 : value;
}
