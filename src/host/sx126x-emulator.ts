// Command-level SX1262 emulator: the SX126x command set behind an SPI device, BUSY and DIO1 pins,
// the 256-byte data buffer, registers, and a seat on the Air. Strict where drivers go wrong (each
// case is recorded in `violations`; the command is ignored or fails as it would on silicon):
//   - NSS asserted while BUSY is high: the whole command is lost;
//   - SPI traffic while the chip is still waking from sleep or booting after reset;
//   - unknown opcodes and short parameter lists;
//   - SetPacketType outside standby, LoRa parameters while the packet type is GFSK, Calibrate,
//     CalibrateImage and TCXO control outside STDBY_RC;
//   - a TCXO board without SetDIO3AsTcxoCtrl before Calibrate (XOSC_START: no TX/RX at all),
//     a wrong TCXO voltage, TX/RX on a carrier outside the calibrated image band, a board RF
//     switch on DIO2 left uncontrolled (TX 30 dB down, receiver deaf);
//   - the errata registers (15.1 before TX, 15.2 PA clamp, 15.4 IQ polarity) not applied,
//     missing mandatory LDRO, PA settings outside the datasheet table.
// IRQ bits stay set until ClearIrqStatus, so DIO1 stays high and a missed clear hides the next
// edge. Opcodes and codes come from drivers/sx126x/commands.ts.

import type { AirFrame, AirModem, AirReception } from "./air";
import type { ClockEvent } from "./clock";
import { EmulatedChip, NoiseSource, type ChipOptions } from "./chip";
import { modemSymbolMs } from "./air";
import { LDRO_SYMBOL_MS, symbolTimeMs } from "../core/airtime";
import {
  BANDWIDTH_CODE,
  CALIBRATE_ALL,
  DEFAULT_IMAGE_BAND,
  DeviceError,
  FallbackMode,
  frequencyFromWord,
  HeaderType,
  HP_MAX_DBM,
  HP_MIN_DBM,
  IMAGE_STEP_HZ,
  Irq,
  Op,
  OCP_STEP_MA,
  OCP_SX1262_MA,
  PA_DEVICE_SX1262,
  PA_LUT,
  PA_TABLE,
  PA_TABLE_TX_PARAMS_DBM,
  PacketType,
  Reg,
  RX_CONTINUOUS,
  Status,
  TCXO_VOLTAGE_CODE,
  TIMER_STEPS_PER_MS,
} from "../../drivers/sx126x/commands";

export interface Sx126xEmulatorOptions extends ChipOptions {
  readonly pins: { readonly select: number; readonly reset: number; readonly busy: number; readonly dio1: number };
  /** Volts the board's TCXO needs on DIO3; undefined for a crystal board. */
  readonly tcxoVoltage?: number;
  /** The board's RF switch is driven by DIO2 (default true). */
  readonly rfSwitchOnDio2?: boolean;
  /** Chip identity string at register 0x0320 (default "SX1261", what SX1262 silicon reports). */
  readonly chipId?: string;
}

type Mode = "sleep" | "stdby_rc" | "stdby_xosc" | "fs" | "tx" | "rx" | "cad";

/** BUSY-high durations, ms (model assumptions of the same order as the datasheet's typical timings). */
const Busy = Object.freeze({
  COMMAND_MS: 0.02,
  MODE_SWITCH_MS: 0.1,
  CALIBRATE_MS: 3.5,
  CALIBRATE_IMAGE_MS: 2,
  WAKE_MS: 0.4,
  BOOT_MS: 3.5,
});

/** Minimum parameter bytes per opcode (DS §13; radios.md §3.2). Read commands list their address bytes. */
const PARAMS: ReadonlyMap<number, number> = new Map([
  [Op.RESET_STATS, 0],
  [Op.CLEAR_IRQ_STATUS, 2],
  [Op.CLEAR_DEVICE_ERRORS, 2],
  [Op.SET_DIO_IRQ_PARAMS, 8],
  [Op.WRITE_REGISTER, 3],
  [Op.WRITE_BUFFER, 2],
  [Op.GET_STATS, 0],
  [Op.GET_PACKET_TYPE, 0],
  [Op.GET_IRQ_STATUS, 0],
  [Op.GET_RX_BUFFER_STATUS, 0],
  [Op.GET_PACKET_STATUS, 0],
  [Op.GET_RSSI_INST, 0],
  [Op.GET_DEVICE_ERRORS, 0],
  [Op.READ_REGISTER, 2],
  [Op.READ_BUFFER, 1],
  [Op.SET_STANDBY, 1],
  [Op.SET_RX, 3],
  [Op.SET_TX, 3],
  [Op.SET_SLEEP, 1],
  [Op.SET_RF_FREQUENCY, 4],
  [Op.SET_CAD_PARAMS, 7],
  [Op.CALIBRATE, 1],
  [Op.SET_PACKET_TYPE, 1],
  [Op.SET_MODULATION_PARAMS, 4],
  [Op.SET_PACKET_PARAMS, 6],
  [Op.SET_TX_PARAMS, 2],
  [Op.SET_BUFFER_BASE_ADDRESS, 2],
  [Op.SET_RX_TX_FALLBACK_MODE, 1],
  [Op.SET_RX_DUTY_CYCLE, 6],
  [Op.SET_PA_CONFIG, 4],
  [Op.SET_REGULATOR_MODE, 1],
  [Op.SET_DIO3_AS_TCXO_CTRL, 4],
  [Op.CALIBRATE_IMAGE, 2],
  [Op.SET_DIO2_AS_RF_SWITCH_CTRL, 1],
  [Op.STOP_TIMER_ON_PREAMBLE, 1],
  [Op.SET_LORA_SYMB_NUM_TIMEOUT, 1],
  [Op.GET_STATUS, 0],
  [Op.SET_FS, 0],
  [Op.SET_CAD, 0],
  [Op.SET_TX_CONTINUOUS_WAVE, 0],
  [Op.SET_TX_INFINITE_PREAMBLE, 0],
]);
const OP_NAMES = new Map<number, string>(Object.entries(Op).map(([name, code]) => [code, name]));
const GET_COMMANDS = new Set<number>([
  Op.GET_STATUS,
  Op.GET_STATS,
  Op.GET_PACKET_TYPE,
  Op.GET_IRQ_STATUS,
  Op.GET_RX_BUFFER_STATUS,
  Op.GET_PACKET_STATUS,
  Op.GET_RSSI_INST,
  Op.GET_DEVICE_ERRORS,
]);
const LORA_ONLY = new Set<number>([Op.SET_MODULATION_PARAMS, Op.SET_PACKET_PARAMS, Op.SET_CAD_PARAMS, Op.SET_LORA_SYMB_NUM_TIMEOUT, Op.SET_CAD]);
const BANDWIDTH_HZ = new Map<number, number>(Object.entries(BANDWIDTH_CODE).map(([hz, code]) => [code, Number(hz)]));
const TCXO_VOLTS = new Map<number, number>(Object.entries(TCXO_VOLTAGE_CODE).map(([tenths, code]) => [code, Number(tenths) / 10]));
const MODE_CODE: Record<Mode, number> = {
  sleep: 0,
  stdby_rc: Status.MODE_STBY_RC,
  stdby_xosc: Status.MODE_STBY_XOSC,
  fs: Status.MODE_FS,
  tx: Status.MODE_TX,
  rx: Status.MODE_RX,
  cad: Status.MODE_RX,
};
/** SX1262 carrier range. */
const BAND_HZ = [150_000_000, 960_000_000] as const;
/** What an uncontrolled RF switch costs on TX, dB (model assumption: the PA sees the wrong port). */
const RF_SWITCH_LOSS_DB = 30;

interface Transaction {
  readonly bytes: number[];
  ignored: boolean;
  /** A violation was already recorded for this transaction. */
  reported: boolean;
  /** Snapshot of a Get command's response, taken when its status byte is clocked. */
  response: number[];
}

interface Modulation {
  sf: number;
  bandwidthHz: number;
  codingRate: number;
  ldro: boolean;
}
interface Packet {
  preamble: number;
  implicit: boolean;
  length: number;
  crc: boolean;
  invertIq: boolean;
}

function name(op: number): string {
  return OP_NAMES.get(op) ?? `opcode 0x${op.toString(16).padStart(2, "0")}`;
}

export class Sx126xEmulator extends EmulatedChip {
  /** Fault injection: the transmitter never reports TxDone (the chip's TX timeout still works). */
  readonly faults = { noTxDone: false };
  readonly #pins: Sx126xEmulatorOptions["pins"];
  readonly #boardTcxo: number | undefined;
  readonly #rfSwitchOnDio2: boolean;
  readonly #chipId: string;
  readonly #regs = new Uint8Array(0x1000);
  readonly #buffer = new Uint8Array(256);
  #mode: Mode = "stdby_rc";
  #txn: Transaction | undefined;
  #inReset = false;
  #booting = false;
  #waking = false;
  #warmSleep = true;
  #busy = false;
  #busyEvent: ClockEvent | undefined;
  #stuckBusy = false;
  #commandStatus = 0;
  // configuration state
  #packetType: number = PacketType.GFSK;
  #modulation: Modulation | undefined;
  #packet: Packet | undefined;
  #rfWord = 0;
  #pa = { paDutyCycle: 0x04, hpMax: 0x07, deviceSel: PA_DEVICE_SX1262, paLut: PA_LUT };
  #txPowerDbm = 14;
  #irqMask = 0;
  #dio1Mask = 0;
  #irq = 0;
  #txBase = 0;
  #rxBase = 0;
  #rxStart = 0;
  #rxLength = 0;
  #packetStatus = [0, 0, 0];
  #deviceErrors = 0;
  #tcxoCode: number | undefined;
  #tcxoDelayMs = 0;
  #dio2RfSwitch = false;
  #fallback: number = FallbackMode.STDBY_RC;
  #calibrated = false;
  #image = { lowHz: 0, highHz: 0 };
  // activity
  #frame: AirFrame | undefined;
  #timers: ClockEvent[] = [];
  #continuous = false;
  /** SetCadParams symbol code: CAD lasts 2^code symbols (default 1 → 2 symbols). */
  #cadSymbolCode = 1;

  readonly #noise: NoiseSource;

  constructor(options: Sx126xEmulatorOptions) {
    super(options, options.pins);
    this.#noise = new NoiseSource(options.noiseSeed ?? 0x126);
    this.#pins = options.pins;
    this.#boardTcxo = options.tcxoVoltage;
    this.#rfSwitchOnDio2 = options.rfSwitchOnDio2 ?? true;
    this.#chipId = options.chipId ?? "SX1261";
    this.#powerOn();
    this.#updatePins();
  }

  // ---- inspection and faults for tests ---------------------------------------------------------

  get mode(): Mode {
    return this.#mode;
  }

  get packetType(): number {
    return this.#packetType;
  }

  register(address: number): number {
    return this.#regs[address];
  }

  /** RF frequency word last set (SetRfFrequency). */
  get frequencyWord(): number {
    return this.#rfWord;
  }

  get frequencyHz(): number {
    return frequencyFromWord(this.#rfWord);
  }

  get deviceErrors(): number {
    return this.#deviceErrors;
  }

  get irqStatus(): number {
    return this.#irq;
  }

  /**
   * PreambleDetected and HeaderValid while the air has this receiver locked on a frame: the chip
   * latches them mid-frame, before RxDone (DS IRQ table, radios.md §3.2). Model simplification, as
   * for the SX127x's RegModemStat: both show from the frame's start, and only while it lasts
   * (RxDone then raises them with the packet).
   */
  #receivingBits(): number {
    return this.#mode === "rx" && this.air.receiving(this) ? (Irq.PREAMBLE_DETECTED | Irq.HEADER_VALID) & this.#irqMask : 0;
  }

  /** Output power at the antenna for the current PA settings, dBm. */
  get outputPowerDbm(): number {
    return this.#outputPower();
  }

  /** Calibrated image band, Hz. */
  get imageBand(): { readonly lowHz: number; readonly highHz: number } {
    return { ...this.#image };
  }

  get modulation(): Readonly<Modulation> | undefined {
    return this.#modulation === undefined ? undefined : { ...this.#modulation };
  }

  get packet(): Readonly<Packet> | undefined {
    return this.#packet === undefined ? undefined : { ...this.#packet };
  }

  get pa(): { readonly paDutyCycle: number; readonly hpMax: number; readonly deviceSel: number; readonly paLut: number; readonly txPowerDbm: number } {
    return { ...this.#pa, txPowerDbm: this.#txPowerDbm };
  }

  get tcxo(): { readonly volts: number | undefined; readonly delayMs: number } {
    return { volts: this.#tcxoCode === undefined ? undefined : TCXO_VOLTS.get(this.#tcxoCode), delayMs: this.#tcxoDelayMs };
  }

  get rfSwitchEnabled(): boolean {
    return this.#dio2RfSwitch;
  }

  /** Fault injection: holds BUSY high (true) or releases it to the chip (false). */
  stickBusy(on: boolean): void {
    this.#stuckBusy = on;
    this.#updatePins();
  }

  // ---- SPI -------------------------------------------------------------------------------------

  protected override selected(): void {
    const txn: Transaction = { bytes: [], ignored: true, reported: false, response: [] };
    this.#txn = txn;
    if (this.#inReset) return;
    if (this.#mode === "sleep" && !this.#waking) return this.#startWake();
    if (this.#waking || this.#booting) return;
    if (this.#busy || this.#stuckBusy) {
      this.violation("NSS asserted while BUSY is high: command lost (wait for BUSY low before every command)");
      txn.reported = true;
      return;
    }
    txn.ignored = false;
  }

  protected override deselected(): void {
    const txn = this.#txn;
    this.#txn = undefined;
    if (txn === undefined || txn.ignored || txn.bytes.length === 0) return;
    this.#execute(txn.bytes);
  }

  override exchange(mosi: number): number {
    const txn = this.#txn;
    if (txn === undefined) return 0;
    if (txn.ignored) {
      if (!txn.reported && !this.#inReset) {
        txn.reported = true;
        this.violation(`SPI bytes while the chip is ${this.#booting ? "booting after reset" : "waking from sleep"} (BUSY high): command lost`);
      }
      return 0;
    }
    const position = txn.bytes.length;
    txn.bytes.push(mosi);
    return this.#miso(txn, position);
  }

  #status(): number {
    return (MODE_CODE[this.#mode] << Status.MODE_SHIFT) | (this.#commandStatus << Status.COMMAND_SHIFT);
  }

  /** MISO for byte `position` of the command so far: status, or register/buffer/response data. */
  #miso(txn: Transaction, position: number): number {
    const op = txn.bytes[0];
    if (position === 0) return this.#status();
    if (op === Op.READ_REGISTER) {
      if (position < 4) return this.#status();
      const address = ((txn.bytes[1] << 8) | txn.bytes[2]) + position - 4;
      // The random-number registers follow the receiver's noise in RX, and hold their value otherwise.
      if (address >= Reg.RANDOM_NUMBER && address < Reg.RANDOM_NUMBER + Reg.RANDOM_NUMBER_LENGTH && this.#mode === "rx") this.#regs[address] = this.#noise.next();
      return address < this.#regs.length ? this.#regs[address] : 0;
    }
    if (op === Op.READ_BUFFER) {
      if (position < 3) return this.#status();
      return this.#buffer[(txn.bytes[1] + position - 3) & 0xff];
    }
    if (GET_COMMANDS.has(op)) {
      if (position === 1) {
        txn.response = this.#response(op);
        return this.#status();
      }
      return txn.response[position - 2] ?? 0;
    }
    return this.#status();
  }

  #response(op: number): number[] {
    switch (op) {
      case Op.GET_PACKET_TYPE:
        return [this.#packetType];
      case Op.GET_IRQ_STATUS: {
        const irq = this.#irq | this.#receivingBits();
        return [irq >> 8, irq & 0xff];
      }
      case Op.GET_RX_BUFFER_STATUS:
        return [this.#rxLength, this.#rxStart];
      case Op.GET_PACKET_STATUS:
        return [...this.#packetStatus];
      case Op.GET_DEVICE_ERRORS:
        return [this.#deviceErrors >> 8, this.#deviceErrors & 0xff];
      case Op.GET_RSSI_INST:
        return [Math.min(255, Math.round(-2 * this.#noiseDbm()))];
      case Op.GET_STATS:
        return [0, 0, 0, 0, 0, 0];
      default:
        return [];
    }
  }

  // ---- commands ------------------------------------------------------------------------------------

  #execute(bytes: number[]): void {
    const op = bytes[0];
    const params = bytes.slice(1);
    const minimum = PARAMS.get(op);
    if (minimum === undefined) {
      this.violation(`unknown ${name(op)}`);
      this.#commandStatus = Status.COMMAND_INVALID;
      return this.#busyFor(Busy.COMMAND_MS);
    }
    if (params.length < minimum) {
      this.violation(`${name(op)} needs ${minimum} parameter bytes, got ${params.length}: ignored`);
      this.#commandStatus = Status.COMMAND_INVALID;
      return this.#busyFor(Busy.COMMAND_MS);
    }
    this.record("command", op, params);
    if (LORA_ONLY.has(op) && this.#packetType !== PacketType.LORA) {
      this.violation(`${name(op)} while the packet type is GFSK: SetPacketType(LoRa) must come first (ignored)`);
      this.#commandStatus = Status.COMMAND_INVALID;
      return this.#busyFor(Busy.COMMAND_MS);
    }
    this.#commandStatus = 0;
    if (op === Op.SET_SLEEP) return this.#sleep(params[0]);
    this.#busyFor(this.#run(op, params));
  }

  /** Runs one command; returns how long BUSY stays high, ms. */
  #run(op: number, p: number[]): number {
    switch (op) {
      case Op.SET_STANDBY:
        return this.#standby(p[0] === 1 ? "stdby_xosc" : "stdby_rc");
      case Op.SET_FS:
        this.#stop();
        return this.#switchTo("fs");
      case Op.SET_TX:
        return this.#startTx(uint24(p, 0));
      case Op.SET_RX:
        return this.#startRx(uint24(p, 0));
      case Op.SET_CAD:
        return this.#startCad();
      case Op.SET_REGULATOR_MODE:
        return Busy.COMMAND_MS;
      case Op.CALIBRATE:
        return this.#calibrate(p[0]);
      case Op.CALIBRATE_IMAGE:
        return this.#calibrateImage(p[0], p[1]);
      case Op.SET_PA_CONFIG:
        return this.#setPaConfig(p);
      case Op.SET_RX_TX_FALLBACK_MODE:
        if (!(Object.values(FallbackMode) as number[]).includes(p[0])) this.violation(`SetRxTxFallbackMode 0x${p[0].toString(16)} is not a mode`);
        else this.#fallback = p[0];
        return Busy.COMMAND_MS;
      case Op.WRITE_REGISTER: {
        const address = (p[0] << 8) | p[1];
        for (let i = 2; i < p.length; i++) if (address + i - 2 < this.#regs.length) this.#regs[address + i - 2] = p[i];
        if (this.#mode === "rx") this.air.retuned(this);
        return Busy.COMMAND_MS;
      }
      case Op.WRITE_BUFFER:
        for (let i = 1; i < p.length; i++) this.#buffer[(p[0] + i - 1) & 0xff] = p[i];
        return Busy.COMMAND_MS;
      case Op.SET_DIO_IRQ_PARAMS:
        this.#irqMask = (p[0] << 8) | p[1];
        this.#dio1Mask = (p[2] << 8) | p[3];
        this.#updatePins();
        return Busy.COMMAND_MS;
      case Op.CLEAR_IRQ_STATUS:
        this.#irq &= ~((p[0] << 8) | p[1]);
        this.#updatePins();
        return Busy.COMMAND_MS;
      case Op.CLEAR_DEVICE_ERRORS:
        this.#deviceErrors = 0;
        return Busy.COMMAND_MS;
      case Op.SET_DIO2_AS_RF_SWITCH_CTRL:
        this.#dio2RfSwitch = (p[0] & 0x01) !== 0;
        return Busy.COMMAND_MS;
      case Op.SET_DIO3_AS_TCXO_CTRL:
        return this.#setTcxo(p[0], uint24(p, 1));
      case Op.SET_RF_FREQUENCY:
        this.#rfWord = ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
        if (this.#mode === "rx") this.air.retuned(this);
        return Busy.COMMAND_MS;
      case Op.SET_PACKET_TYPE:
        return this.#setPacketType(p[0]);
      case Op.SET_TX_PARAMS:
        this.#txPowerDbm = p[0] > 127 ? p[0] - 256 : p[0];
        if (this.#txPowerDbm < HP_MIN_DBM || this.#txPowerDbm > HP_MAX_DBM) {
          this.violation(`SetTxParams ${this.#txPowerDbm} dBm outside the high-power PA range ${HP_MIN_DBM}..${HP_MAX_DBM}`);
        }
        return Busy.COMMAND_MS;
      case Op.SET_MODULATION_PARAMS:
        this.#setModulation(p);
        return Busy.COMMAND_MS;
      case Op.SET_PACKET_PARAMS:
        this.#packet = { preamble: (p[0] << 8) | p[1], implicit: p[2] === HeaderType.IMPLICIT, length: p[3], crc: p[4] === 1, invertIq: p[5] === 1 };
        if (this.#mode === "rx") this.air.retuned(this);
        return Busy.COMMAND_MS;
      case Op.SET_CAD_PARAMS:
        if (p[0] > 4) this.violation(`SetCadParams symbol code ${p[0]} is not 0..4`);
        else this.#cadSymbolCode = p[0];
        return Busy.COMMAND_MS;
      case Op.SET_BUFFER_BASE_ADDRESS:
        this.#txBase = p[0];
        this.#rxBase = p[1];
        return Busy.COMMAND_MS;
      case Op.SET_RX_DUTY_CYCLE:
      case Op.SET_TX_CONTINUOUS_WAVE:
      case Op.SET_TX_INFINITE_PREAMBLE:
        this.violation(`${name(op)} is not emulated`);
        return Busy.COMMAND_MS;
      default:
        return Busy.COMMAND_MS; // reads, NOP/ResetStats, SetLoRaSymbNumTimeout, StopTimerOnPreamble
    }
  }

  #requireRcStandby(what: string): boolean {
    if (this.#mode === "stdby_rc") return true;
    this.violation(`${what} in ${this.#mode.toUpperCase()}: only accepted in STDBY_RC (ignored)`);
    this.#commandStatus = Status.COMMAND_FAILED;
    return false;
  }

  #setPacketType(type: number): number {
    if (this.#mode !== "stdby_rc" && this.#mode !== "stdby_xosc") {
      this.violation(`SetPacketType in ${this.#mode.toUpperCase()}: only accepted in standby (ignored)`);
      return Busy.COMMAND_MS;
    }
    if (type !== PacketType.GFSK && type !== PacketType.LORA) {
      this.violation(`SetPacketType 0x${type.toString(16)} is not emulated`);
      return Busy.COMMAND_MS;
    }
    if (type !== this.#packetType) {
      this.#modulation = undefined;
      this.#packet = undefined;
    }
    this.#packetType = type;
    return Busy.COMMAND_MS;
  }

  #setModulation(p: number[]): void {
    const bandwidthHz = BANDWIDTH_HZ.get(p[1]);
    const problems: string[] = [];
    if (p[0] < 5 || p[0] > 12) problems.push(`SF ${p[0]} is not 5..12`);
    if (bandwidthHz === undefined) problems.push(`bandwidth code 0x${p[1].toString(16)} is reserved`);
    if (p[2] < 1 || p[2] > 4) problems.push(`coding rate code ${p[2]} is not 1..4`);
    if (p[3] > 1) problems.push(`LDRO ${p[3]} is not 0/1`);
    if (problems.length > 0) {
      this.violation(`SetModulationParams rejected: ${problems.join("; ")}`);
      this.#modulation = undefined;
      return;
    }
    this.#modulation = { sf: p[0], bandwidthHz: bandwidthHz!, codingRate: p[2] + 4, ldro: p[3] === 1 };
    if (this.#mode === "rx") this.air.retuned(this);
  }

  #setPaConfig(p: number[]): number {
    const [paDutyCycle, hpMax, deviceSel, paLut] = p;
    if (deviceSel !== PA_DEVICE_SX1262) this.violation(`SetPaConfig deviceSel ${deviceSel} selects the SX1261 low-power PA on an SX1262`);
    if (paLut !== PA_LUT) this.violation(`SetPaConfig paLut must be 1, got ${paLut}`);
    if (paDutyCycle > 4 || hpMax > 7) this.violation(`SetPaConfig (${paDutyCycle}, ${hpMax}) exceeds paDutyCycle ≤ 4 / hpMax ≤ 7 (may damage the PA)`);
    else if (!PA_TABLE.some((r) => r.paDutyCycle === paDutyCycle && r.hpMax === hpMax)) {
      this.violation(`SetPaConfig (${paDutyCycle}, ${hpMax}) is not a datasheet-optimal setting; output power unknown`);
    }
    this.#pa = { paDutyCycle, hpMax, deviceSel, paLut };
    // SetPaConfig resets the over-current limit to the SX1262 default (radios.md §3.4).
    this.#regs[Reg.OCP] = Math.round(OCP_SX1262_MA / OCP_STEP_MA);
    return Busy.COMMAND_MS;
  }

  #setTcxo(code: number, delaySteps: number): number {
    if (!this.#requireRcStandby("SetDIO3AsTcxoCtrl")) return Busy.COMMAND_MS;
    const volts = TCXO_VOLTS.get(code & 0x07)!;
    this.#tcxoCode = code & 0x07;
    this.#tcxoDelayMs = delaySteps / TIMER_STEPS_PER_MS;
    if (this.#boardTcxo === undefined) this.violation(`SetDIO3AsTcxoCtrl ${volts} V on a board with a crystal: the chip now waits for a clock that never comes`);
    else if (Math.abs(volts - this.#boardTcxo) > 0.05) this.violation(`SetDIO3AsTcxoCtrl ${volts} V but the board's TCXO needs ${this.#boardTcxo} V`);
    return Busy.COMMAND_MS;
  }

  /** Whether the reference clock runs: a crystal board without TCXO control, or its TCXO at ≥ its voltage. */
  #oscillatorOk(): boolean {
    if (this.#boardTcxo === undefined) return this.#tcxoCode === undefined;
    if (this.#tcxoCode === undefined) return false;
    return TCXO_VOLTS.get(this.#tcxoCode)! >= this.#boardTcxo - 0.05;
  }

  #calibrate(blocks: number): number {
    if (!this.#requireRcStandby("Calibrate")) return Busy.COMMAND_MS;
    if (!this.#oscillatorOk()) {
      this.#deviceErrors |= DeviceError.XOSC_START | DeviceError.PLL_CALIB;
      this.#calibrated = false;
      return Busy.CALIBRATE_MS;
    }
    if ((blocks & CALIBRATE_ALL) === CALIBRATE_ALL) this.#calibrated = true;
    if (blocks & 0x40) this.#image = { lowHz: DEFAULT_IMAGE_BAND.freq1 * IMAGE_STEP_HZ, highHz: DEFAULT_IMAGE_BAND.freq2 * IMAGE_STEP_HZ };
    return Busy.CALIBRATE_MS + this.#tcxoDelayMs;
  }

  #calibrateImage(freq1: number, freq2: number): number {
    if (!this.#requireRcStandby("CalibrateImage")) return Busy.COMMAND_MS;
    if (!this.#oscillatorOk()) {
      this.#deviceErrors |= DeviceError.IMG_CALIB;
      return Busy.CALIBRATE_IMAGE_MS;
    }
    if (freq2 < freq1) this.violation(`CalibrateImage(0x${freq1.toString(16)}, 0x${freq2.toString(16)}): freq2 below freq1`);
    this.#image = { lowHz: freq1 * IMAGE_STEP_HZ, highHz: freq2 * IMAGE_STEP_HZ };
    return Busy.CALIBRATE_IMAGE_MS;
  }

  // ---- modes ---------------------------------------------------------------------------------------

  #switchTo(mode: Mode): number {
    const fromRc = this.#mode === "stdby_rc";
    this.#mode = mode;
    return Busy.MODE_SWITCH_MS + (fromRc && this.#tcxoCode !== undefined ? this.#tcxoDelayMs : 0);
  }

  #standby(mode: "stdby_rc" | "stdby_xosc"): number {
    this.#stop();
    if (mode === "stdby_xosc" && !this.#oscillatorOk()) {
      this.#deviceErrors |= DeviceError.XOSC_START;
      this.#commandStatus = Status.COMMAND_FAILED;
      this.#mode = "stdby_rc";
      return Busy.MODE_SWITCH_MS;
    }
    if (mode === "stdby_rc") {
      this.#mode = "stdby_rc";
      return Busy.COMMAND_MS;
    }
    return this.#switchTo(mode);
  }

  /** Where the chip goes after TX, RX single, timeout or CAD (SetRxTxFallbackMode). */
  #fallBack(): void {
    this.#stop();
    this.#mode = this.#fallback === FallbackMode.FS ? "fs" : this.#fallback === FallbackMode.STDBY_XOSC ? "stdby_xosc" : "stdby_rc";
  }

  /** Ends the current activity: cancels timers, aborts a transmission, drops a receive lock. */
  #stop(): void {
    for (const timer of this.#timers) this.clock.clear(timer);
    this.#timers = [];
    if (this.#frame !== undefined) this.air.abort(this.#frame);
    this.#frame = undefined;
    this.air.retuned(this);
  }

  #sleep(config: number): void {
    this.#stop();
    this.#mode = "sleep";
    this.#warmSleep = (config & 0x04) !== 0;
    this.#busy = false;
    this.#updatePins();
  }

  #startWake(): void {
    this.#waking = true;
    this.#updatePins();
    this.clock.after(Busy.WAKE_MS, () => {
      this.#waking = false;
      if (!this.#warmSleep) this.#powerOn();
      this.#mode = "stdby_rc";
      this.#updatePins();
    });
  }

  #after(ms: number, fn: () => void): void {
    this.#timers.push(this.clock.after(ms, fn));
  }

  /** Checks everything an RF operation needs; returns the modem, or undefined when the chip cannot run it. */
  #rfModem(what: "TX" | "RX" | "CAD"): AirModem | undefined {
    const fail = (message: string): undefined => {
      this.violation(`${what} failed: ${message}`);
      this.#commandStatus = Status.COMMAND_FAILED;
      return undefined;
    };
    if (this.#packetType !== PacketType.LORA) return fail("packet type is GFSK (SetPacketType(LoRa) missing)");
    if (this.#modulation === undefined) return fail("no valid SetModulationParams");
    if (this.#packet === undefined && what !== "CAD") return fail("no SetPacketParams");
    if (!this.#oscillatorOk()) {
      this.#deviceErrors |= DeviceError.XOSC_START | DeviceError.PLL_LOCK;
      return fail(`no reference clock (${this.#boardTcxo === undefined ? "TCXO control on a crystal board" : `TCXO needs SetDIO3AsTcxoCtrl(${this.#boardTcxo} V) before Calibrate`})`);
    }
    if (!this.#calibrated) return fail("not calibrated since the oscillator came up (Calibrate(0x7F) missing)");
    const frequencyHz = this.frequencyHz;
    if (frequencyHz < BAND_HZ[0] || frequencyHz > BAND_HZ[1]) return fail(`carrier ${frequencyHz / 1e6} MHz outside 150–960 MHz`);
    if (frequencyHz < this.#image.lowHz || frequencyHz > this.#image.highHz) {
      this.violation(`${what} at ${frequencyHz / 1e6} MHz with the image calibrated for ${this.#image.lowHz / 1e6}–${this.#image.highHz / 1e6} MHz (CalibrateImage missing)`);
    }
    const m = this.#modulation;
    const symbolMs = symbolTimeMs(m.sf, m.bandwidthHz);
    if (symbolMs >= LDRO_SYMBOL_MS && !m.ldro) this.violation(`LDRO off with a ${symbolMs} ms symbol (mandatory from 16 ms)`);
    if (this.#rfSwitchOnDio2 && !this.#dio2RfSwitch) this.violation(`${what} with DIO2 RF-switch control off on a board whose RF switch DIO2 drives`);
    const iqBit = (this.#regs[Reg.IQ_POLARITY] & 0x04) !== 0;
    if (this.#packet !== undefined && iqBit === this.#packet.invertIq) {
      this.violation(`errata 15.4: register 0x0736 bit 2 is ${iqBit ? 1 : 0} with IQ ${this.#packet.invertIq ? "inverted" : "normal"}`);
    }
    return this.#modem()!;
  }

  #modem(): AirModem | undefined {
    const m = this.#modulation;
    const p = this.#packet;
    if (this.#packetType !== PacketType.LORA || m === undefined || p === undefined) return undefined;
    return {
      frequencyHz: this.frequencyHz,
      bandwidthHz: m.bandwidthHz,
      spreadingFactor: m.sf,
      codingRate: m.codingRate,
      preambleSymbols: p.preamble,
      explicitHeader: !p.implicit,
      crc: p.crc,
      lowDataRateOptimize: m.ldro,
      invertIq: p.invertIq,
      syncWord: (this.#regs[Reg.SYNC_WORD_MSB] << 8) | this.#regs[Reg.SYNC_WORD_LSB],
      implicitLength: p.implicit ? p.length : undefined,
    };
  }

  #startTx(timeoutSteps: number): number {
    this.#stop();
    const modem = this.#rfModem("TX");
    if (modem === undefined) return Busy.COMMAND_MS;
    if (((this.#regs[Reg.TX_MODULATION] & 0x04) === 0) !== (modem.bandwidthHz === 500_000)) {
      this.violation(`errata 15.1: register 0x0889 bit 2 must be ${modem.bandwidthHz === 500_000 ? 0 : 1} at ${modem.bandwidthHz / 1000} kHz`);
    }
    if ((this.#regs[Reg.TX_CLAMP_CONFIG] & 0x1e) !== 0x1e) this.violation("errata 15.2: register 0x08D8 bits 4:1 not set (PA clamping)");
    const length = this.#packet!.length;
    if (length === 0) this.violation("SetTx with payload length 0");
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) bytes[i] = this.#buffer[(this.#txBase + i) & 0xff];
    const busyMs = this.#switchTo("tx");
    const frame = this.air.transmit(this, bytes, modem, this.#outputPower());
    this.#frame = frame;
    if (!this.faults.noTxDone) {
      this.#after(frame.end - this.clock.now(), () => {
        this.#frame = undefined;
        this.#fallBack();
        this.#commandStatus = Status.COMMAND_TX_DONE;
        this.#raise(Irq.TX_DONE);
      });
    }
    if (timeoutSteps > 0) {
      this.#after(timeoutSteps / TIMER_STEPS_PER_MS, () => {
        this.#fallBack();
        this.#commandStatus = Status.COMMAND_TIMEOUT;
        this.#raise(Irq.TIMEOUT);
      });
    }
    return busyMs;
  }

  #startRx(timeoutSteps: number): number {
    this.#stop();
    if (this.#rfModem("RX") === undefined) return Busy.COMMAND_MS;
    const busyMs = this.#switchTo("rx");
    this.#continuous = timeoutSteps === RX_CONTINUOUS;
    if (!this.#continuous && timeoutSteps > 0) {
      this.#after(timeoutSteps / TIMER_STEPS_PER_MS, () => {
        if (this.air.receiving(this)) return; // demodulating: RxDone ends the mode
        this.#fallBack();
        this.#commandStatus = Status.COMMAND_TIMEOUT;
        this.#raise(Irq.TIMEOUT);
      });
    }
    return busyMs;
  }

  #startCad(): number {
    this.#stop();
    const modem = this.#rfModem("CAD");
    if (modem === undefined) return Busy.COMMAND_MS;
    const start = this.clock.now();
    const busyMs = this.#switchTo("cad");
    this.#after((1 << this.#cadSymbolCode) * modemSymbolMs(modem), () => {
      const detected = this.air.channelActivity(this, modem, start, this.clock.now());
      this.#fallBack();
      this.#mode = "stdby_rc"; // exit mode CAD_ONLY
      this.#raise(Irq.CAD_DONE | (detected ? Irq.CAD_DETECTED : 0));
    });
    return busyMs;
  }

  // ---- the air -----------------------------------------------------------------------------------

  override listening(): AirModem | undefined {
    if (this.#inReset || this.#mode !== "rx") return undefined;
    if (this.#rfSwitchOnDio2 && !this.#dio2RfSwitch) return undefined; // antenna not switched to the LNA
    return this.#modem();
  }

  override receive(reception: AirReception): void {
    const bytes = reception.bytes;
    for (let i = 0; i < bytes.length; i++) this.#buffer[(this.#rxBase + i) & 0xff] = bytes[i];
    this.#rxStart = this.#rxBase;
    this.#rxLength = bytes.length;
    // Packet status as the datasheet formulas read it back: RSSI = −x/2, SNR = int8/4 (radios.md §3.6).
    const noise = reception.rssi - reception.snr;
    const total = 10 * Math.log10(10 ** (reception.rssi / 10) + 10 ** (noise / 10));
    this.#packetStatus = [
      clampByte(Math.round(-2 * total)),
      Math.max(-128, Math.min(127, Math.round(reception.snr * 4))) & 0xff,
      clampByte(Math.round(-2 * reception.rssi)),
    ];
    this.#commandStatus = Status.COMMAND_DATA_AVAILABLE;
    if (!this.#continuous) this.#fallBack();
    const header = this.#packet?.implicit ? 0 : Irq.HEADER_VALID;
    this.#raise(Irq.PREAMBLE_DETECTED | header | Irq.RX_DONE | (reception.crcError ? Irq.CRC_ERR : 0));
  }

  #noiseDbm(): number {
    const bw = this.#modulation?.bandwidthHz ?? 125_000;
    return -174 + 10 * Math.log10(bw) + 6;
  }

  /** HP PA output: the table row's maximum, less what SetTxParams is below 22 dBm (radios.md §3.4). */
  #outputPower(): number {
    const row = PA_TABLE.find((r) => r.paDutyCycle === this.#pa.paDutyCycle && r.hpMax === this.#pa.hpMax);
    let dBm = (row?.maxDbm ?? PA_TABLE_TX_PARAMS_DBM) - (PA_TABLE_TX_PARAMS_DBM - this.#txPowerDbm);
    if (this.#rfSwitchOnDio2 && !this.#dio2RfSwitch) dBm -= RF_SWITCH_LOSS_DB;
    return dBm;
  }

  // ---- pins, interrupts, reset -----------------------------------------------------------------

  #raise(bits: number): void {
    this.#irq |= bits & this.#irqMask;
    this.#updatePins();
  }

  #busyFor(ms: number): void {
    if (this.#busyEvent !== undefined) this.clock.clear(this.#busyEvent);
    this.#busy = true;
    this.#updatePins();
    this.#busyEvent = this.clock.after(ms, () => {
      this.#busyEvent = undefined;
      this.#busy = false;
      this.#updatePins();
    });
  }

  #updatePins(): void {
    const busy = this.#stuckBusy || this.#inReset || this.#booting || this.#waking || this.#mode === "sleep" || this.#busy;
    this.drive(this.#pins.busy, busy ? 1 : 0);
    this.drive(this.#pins.dio1, !this.#inReset && (this.#irq & this.#dio1Mask) !== 0 ? 1 : 0);
  }

  protected override resetAsserted(): void {
    this.#inReset = true;
    this.#stop();
    this.#irq = 0;
    this.#updatePins();
  }

  protected override resetReleased(): void {
    this.#inReset = false;
    this.#powerOn();
    this.#booting = true;
    this.#updatePins();
    this.clock.after(Busy.BOOT_MS, () => {
      this.#booting = false;
      this.#updatePins();
    });
  }

  /** Power-on state: STDBY_RC, GFSK, default registers; a TCXO board boots with XOSC_START set and uncalibrated. */
  #powerOn(): void {
    this.#regs.fill(0);
    for (let i = 0; i < this.#chipId.length && i < Reg.CHIP_ID_LENGTH; i++) this.#regs[Reg.CHIP_ID + i] = this.#chipId.charCodeAt(i);
    this.#regs[Reg.SYNC_WORD_MSB] = 0x14; // private 0x12 (radios.md §3.5)
    this.#regs[Reg.SYNC_WORD_LSB] = 0x24;
    this.#regs[Reg.IQ_POLARITY] = 0x0d; // bit 2 set: normal IQ
    this.#regs[Reg.RX_GAIN] = 0x94;
    this.#regs[Reg.OCP] = 0x18;
    this.#buffer.fill(0);
    this.#mode = "stdby_rc";
    this.#packetType = PacketType.GFSK;
    this.#modulation = undefined;
    this.#packet = undefined;
    this.#rfWord = 0;
    this.#pa = { paDutyCycle: 0x04, hpMax: 0x07, deviceSel: PA_DEVICE_SX1262, paLut: PA_LUT };
    this.#txPowerDbm = 14;
    this.#irqMask = this.#dio1Mask = this.#irq = 0;
    this.#txBase = this.#rxBase = this.#rxStart = this.#rxLength = 0;
    this.#tcxoCode = undefined;
    this.#tcxoDelayMs = 0;
    this.#dio2RfSwitch = false;
    this.#fallback = FallbackMode.STDBY_RC;
    this.#calibrated = this.#boardTcxo === undefined;
    this.#deviceErrors = this.#boardTcxo === undefined ? 0 : DeviceError.XOSC_START;
    this.#image = { lowHz: DEFAULT_IMAGE_BAND.freq1 * IMAGE_STEP_HZ, highHz: DEFAULT_IMAGE_BAND.freq2 * IMAGE_STEP_HZ };
    this.#commandStatus = 0;
    this.#cadSymbolCode = 1;
  }
}

function uint24(bytes: number[], at: number): number {
  return (bytes[at] << 16) | (bytes[at + 1] << 8) | bytes[at + 2];
}

function clampByte(value: number): number {
  return Math.max(0, Math.min(255, value));
}
