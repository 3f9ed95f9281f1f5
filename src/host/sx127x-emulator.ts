// Register-level SX1276 emulator: the LoRa register map behind an SPI device, DIO0/DIO1 pins,
// a 256-byte FIFO and a seat on the Air. Strict where drivers go wrong (each case is recorded in
// `violations` and the access is ignored or the operation refused, as on silicon):
//   - LongRangeMode changed outside SLEEP is ignored (so the chip stays in FSK);
//   - LoRa-page registers (0x0D–0x3F) written in FSK mode are lost;
//   - the frequency only changes when RegFrfLsb is written (MSB/MID alone do nothing);
//   - FIFO access in SLEEP, SPI access within 5 ms of reset, writes to read-only registers;
//   - TX/RX/CAD with an invalid or inconsistent modem (SF6 without implicit header or without its
//     detection settings, missing mandatory LDRO, 500 kHz errata values, IQ register pair);
//   - +20 dBm without raising the over-current limit; the RFO output (boards wire PA_BOOST only).
// IRQ flags stay set until written 1 (so DIO0 stays high and a missed clear hides the next edge).
// Facts come from drivers/sx127x/registers.ts; reset values from the datasheet register table.

import type { AirFrame, AirModem, AirReception } from "./air";
import type { ClockEvent } from "./clock";
import { EmulatedChip, NoiseSource, type ChipOptions } from "./chip";
import { modemSymbolMs } from "./air";
import { LDRO_SYMBOL_MS, symbolTimeMs } from "../core/airtime";
import {
  BANDWIDTH_CODE,
  CHIP_VERSION,
  Detect,
  DioMapping,
  frequencyFromWord,
  HighBwOptimize,
  HOP_CHANNEL_CRC_ON_PAYLOAD,
  InvertIq,
  Irq,
  LF_PORT_MAX_HZ,
  LORA_PAGE_FIRST,
  LORA_PAGE_LAST,
  ModemConfig,
  ocpMilliamps,
  OpMode,
  Pa,
  Reg,
  RSSI_OFFSET_HF,
  RSSI_OFFSET_LF,
  SPI_ADDRESS_MASK,
  SPI_WRITE,
  Timing,
} from "../../drivers/sx127x/registers";
import { syncWordRegisters } from "../../drivers/sx126x/commands";

export interface Sx127xEmulatorOptions extends ChipOptions {
  readonly pins: { readonly select: number; readonly reset: number; readonly dio0: number; readonly dio1?: number };
  /** RegVersion the chip reports (default 0x12). */
  readonly version?: number;
}

/** Reset values (datasheet LoRa/common register table) of the registers the model uses. */
const RESET_VALUES: ReadonlyArray<readonly [number, number]> = [
  [Reg.OP_MODE, 0x09], // FSK, LowFrequencyModeOn, STDBY
  [Reg.FRF_MSB, 0x6c],
  [Reg.FRF_MID, 0x80],
  [Reg.FRF_LSB, 0x00], // 434 MHz
  [Reg.PA_CONFIG, 0x4f],
  [Reg.OCP, 0x2b],
  [Reg.LNA, 0x20],
  [Reg.FIFO_TX_BASE_ADDR, 0x80],
  [Reg.MODEM_CONFIG_1, 0x72],
  [Reg.MODEM_CONFIG_2, 0x70],
  [Reg.SYMB_TIMEOUT_LSB, 0x64],
  [Reg.PREAMBLE_LSB, 0x08],
  [Reg.PAYLOAD_LENGTH, 0x01],
  [Reg.MAX_PAYLOAD_LENGTH, 0xff],
  [Reg.MODEM_CONFIG_3, 0x04],
  [Reg.DETECT_OPTIMIZE, 0xc3],
  [Reg.INVERT_IQ, 0x27],
  [Reg.HIGH_BW_OPTIMIZE_1, 0x03],
  [Reg.DETECTION_THRESHOLD, 0x0a],
  [Reg.SYNC_WORD, 0x12],
  [Reg.INVERT_IQ_2, 0x1d],
  [Reg.VERSION, CHIP_VERSION],
  [Reg.TCXO, 0x09],
  [Reg.PA_DAC, 0x84],
];

const READ_ONLY = new Set<number>([
  Reg.FIFO_RX_CURRENT_ADDR,
  Reg.RX_NB_BYTES,
  0x14,
  0x15,
  0x16,
  0x17,
  Reg.MODEM_STAT,
  Reg.PKT_SNR_VALUE,
  Reg.PKT_RSSI_VALUE,
  Reg.RSSI_VALUE,
  Reg.HOP_CHANNEL,
  Reg.VERSION,
]);

/** Registers that change what the modem transmits or listens for. */
const MODEM_REGISTERS = new Set<number>([
  Reg.FRF_LSB,
  Reg.MODEM_CONFIG_1,
  Reg.MODEM_CONFIG_2,
  Reg.MODEM_CONFIG_3,
  Reg.PREAMBLE_MSB,
  Reg.PREAMBLE_LSB,
  Reg.SYNC_WORD,
  Reg.INVERT_IQ,
  Reg.INVERT_IQ_2,
  Reg.PAYLOAD_LENGTH,
]);

const REGISTER_NAMES = new Map<number, string>(Object.entries(Reg).map(([name, address]) => [address, `Reg${name}`]));
const BANDWIDTH_HZ = new Map<number, number>(Object.entries(BANDWIDTH_CODE).map(([hz, code]) => [code, Number(hz)]));
const MODE_NAMES = ["SLEEP", "STDBY", "FSTX", "TX", "FSRX", "RXCONTINUOUS", "RXSINGLE", "CAD"];

/** CAD length in symbols (model assumption: the SX1276 CAD takes about two symbols). */
const CAD_SYMBOLS = 2;
/** The chip's carrier range (SX1276 137–1020 MHz). */
const BAND_HZ = [137_000_000, 1_020_000_000] as const;

function registerName(address: number): string {
  return `${REGISTER_NAMES.get(address) ?? "register"} (0x${address.toString(16).padStart(2, "0")})`;
}

export class Sx127xEmulator extends EmulatedChip {
  /** Fault injection: the transmitter never reports TxDone. */
  readonly faults = { noTxDone: false };
  readonly #pins: Sx127xEmulatorOptions["pins"];
  readonly #version: number;
  readonly #regs = new Uint8Array(0x80);
  readonly #fifo = new Uint8Array(256);
  #frfWord = 0;
  #irq = 0;
  #txn: { address: number; write: boolean; first: boolean } | undefined;
  #inReset = false;
  #ready = true;
  #rxWrite = 0;
  #frame: AirFrame | undefined;
  #timer: ClockEvent | undefined;
  readonly #noise: NoiseSource;

  constructor(options: Sx127xEmulatorOptions) {
    super(options, options.pins);
    this.#noise = new NoiseSource(options.noiseSeed ?? 0x127);
    this.#pins = options.pins;
    this.#version = options.version ?? CHIP_VERSION;
    this.#powerOn();
  }

  // ---- inspection for tests --------------------------------------------------------------------

  register(address: number): number {
    return address === Reg.IRQ_FLAGS ? this.#irq : this.#regs[address];
  }

  get mode(): string {
    return MODE_NAMES[this.#regs[Reg.OP_MODE] & OpMode.MODE_MASK];
  }

  get loRa(): boolean {
    return (this.#regs[Reg.OP_MODE] & OpMode.LONG_RANGE_MODE) !== 0;
  }

  /** Carrier of the latched frequency word, Hz. */
  get frequencyHz(): number {
    return frequencyFromWord(this.#frfWord);
  }

  /** Output power at the antenna for the current PA registers, dBm. */
  get outputPowerDbm(): number {
    return this.#outputPower(false);
  }

  /** Modem as the chip would transmit with it now, or undefined if the registers are invalid. */
  get modem(): AirModem | undefined {
    return this.#modem("tx", false);
  }

  // ---- SPI -------------------------------------------------------------------------------------

  protected override selected(): void {
    this.#txn = undefined;
    if (this.#inReset) return;
    if (!this.#ready) {
      this.violation(`SPI access less than ${Timing.RESET_READY_MS} ms after reset`);
      return;
    }
    this.#txn = { address: 0, write: false, first: true };
  }

  protected override deselected(): void {
    this.#txn = undefined;
  }

  override exchange(mosi: number): number {
    const txn = this.#txn;
    if (txn === undefined) return 0;
    if (txn.first) {
      txn.first = false;
      txn.address = mosi & SPI_ADDRESS_MASK;
      txn.write = (mosi & SPI_WRITE) !== 0;
      return 0;
    }
    const address = txn.address;
    // Bursts auto-increment, except on the FIFO window (radios.md §2.1).
    if (address !== Reg.FIFO) txn.address = (address + 1) & SPI_ADDRESS_MASK;
    if (txn.write) {
      this.record("write", address, [mosi]);
      this.#write(address, mosi);
      return 0;
    }
    const value = this.#read(address);
    this.record("read", address, [value]);
    return value;
  }

  // ---- reset -----------------------------------------------------------------------------------

  protected override resetAsserted(): void {
    this.#inReset = true;
    this.#stop();
    this.#irq = 0;
    this.#updateDios();
  }

  protected override resetReleased(): void {
    this.#inReset = false;
    this.#powerOn();
    this.#ready = false;
    this.clock.after(Timing.RESET_READY_MS, () => {
      this.#ready = true;
    });
  }

  #powerOn(): void {
    this.#regs.fill(0);
    for (const [address, value] of RESET_VALUES) this.#regs[address] = value;
    this.#regs[Reg.VERSION] = this.#version;
    this.#fifo.fill(0);
    this.#irq = 0;
    this.#latchFrequency();
    this.#updateDios();
  }

  // ---- registers -------------------------------------------------------------------------------

  #write(address: number, value: number): void {
    const regs = this.#regs;
    if (address === Reg.FIFO) {
      if (this.#sleeping()) return this.violation("FIFO written in SLEEP (the FIFO is only accessible in STDBY and active modes)");
      this.#fifo[regs[Reg.FIFO_ADDR_PTR]] = value;
      regs[Reg.FIFO_ADDR_PTR] = (regs[Reg.FIFO_ADDR_PTR] + 1) & 0xff;
      return;
    }
    if (address === Reg.OP_MODE) return this.#setOpMode(value);
    if (address >= LORA_PAGE_FIRST && address <= LORA_PAGE_LAST && !this.loRa) {
      return this.violation(`${registerName(address)} written in FSK/OOK mode: LoRa registers need LongRangeMode, set in SLEEP`);
    }
    if (READ_ONLY.has(address)) return this.violation(`write to read-only ${registerName(address)}`);
    if (address === Reg.IRQ_FLAGS) {
      this.#irq &= ~value;
      return this.#updateDios();
    }
    regs[address] = value;
    if (address === Reg.FRF_LSB) this.#latchFrequency();
    if (address === Reg.DIO_MAPPING_1) this.#updateDios();
    if (MODEM_REGISTERS.has(address) && this.#receivingMode()) this.air.retuned(this);
  }

  #read(address: number): number {
    const regs = this.#regs;
    if (address === Reg.FIFO) {
      if (this.#sleeping()) {
        this.violation("FIFO read in SLEEP");
        return 0;
      }
      const value = this.#fifo[regs[Reg.FIFO_ADDR_PTR]];
      regs[Reg.FIFO_ADDR_PTR] = (regs[Reg.FIFO_ADDR_PTR] + 1) & 0xff;
      return value;
    }
    if (address === Reg.IRQ_FLAGS) return this.#irq;
    if (address === Reg.MODEM_STAT) return this.air.receiving(this) ? 0x0b : 0x10; // signal detected/synced/header, or clear
    // Wideband RSSI: a noise floor whose LSB is random while receiving, frozen otherwise.
    if (address === Reg.RSSI_WIDEBAND) return this.#receivingMode() ? 0x40 | this.#noise.next() : 0x40;
    if (address >= LORA_PAGE_FIRST && address <= LORA_PAGE_LAST && !this.loRa) return 0; // FSK page: not modelled
    return regs[address];
  }

  #latchFrequency(): void {
    const r = this.#regs;
    this.#frfWord = (r[Reg.FRF_MSB] << 16) | (r[Reg.FRF_MID] << 8) | r[Reg.FRF_LSB];
  }

  // ---- modes -----------------------------------------------------------------------------------

  #sleeping(): boolean {
    return (this.#regs[Reg.OP_MODE] & OpMode.MODE_MASK) === OpMode.SLEEP;
  }

  #receivingMode(): boolean {
    const mode = this.#regs[Reg.OP_MODE] & OpMode.MODE_MASK;
    return mode === OpMode.RX_CONTINUOUS || mode === OpMode.RX_SINGLE;
  }

  #setOpMode(value: number): void {
    const old = this.#regs[Reg.OP_MODE];
    let next = value;
    if ((next & OpMode.LONG_RANGE_MODE) !== (old & OpMode.LONG_RANGE_MODE) && (old & OpMode.MODE_MASK) !== OpMode.SLEEP) {
      this.violation(`LongRangeMode changed in ${MODE_NAMES[old & OpMode.MODE_MASK]}: it can only change in SLEEP (ignored)`);
      next = (next & ~OpMode.LONG_RANGE_MODE) | (old & OpMode.LONG_RANGE_MODE);
    }
    this.#regs[Reg.OP_MODE] = next;
    const mode = next & OpMode.MODE_MASK;
    const active = mode === OpMode.TX || mode === OpMode.RX_CONTINUOUS || mode === OpMode.RX_SINGLE || mode === OpMode.CAD;
    if (mode === (old & OpMode.MODE_MASK) && !active) return;
    this.#stop();
    if (!active) return;
    if (!this.loRa) {
      this.violation(`${MODE_NAMES[mode]} requested in FSK/OOK mode (only LoRa is emulated)`);
      return this.#standby();
    }
    if (mode === OpMode.TX) this.#startTx();
    else if (mode === OpMode.CAD) this.#startCad();
    else this.#startRx(mode === OpMode.RX_SINGLE);
  }

  /** Leaves the current activity: aborts a transmission, drops a receive lock, cancels timers. */
  #stop(): void {
    if (this.#timer !== undefined) this.clock.clear(this.#timer);
    this.#timer = undefined;
    if (this.#frame !== undefined) this.air.abort(this.#frame);
    this.#frame = undefined;
    this.air.retuned(this);
  }

  /** The chip falls back to STDBY by itself (after TxDone, CadDone, RXSINGLE). */
  #standby(): void {
    this.#regs[Reg.OP_MODE] = (this.#regs[Reg.OP_MODE] & ~OpMode.MODE_MASK) | OpMode.STDBY;
  }

  #startTx(): void {
    const modem = this.#modem("tx", true);
    const length = this.#regs[Reg.PAYLOAD_LENGTH];
    if (modem === undefined) return this.#standby();
    if (length === 0) {
      this.violation("TX with RegPayloadLength 0");
      return this.#standby();
    }
    const bytes = new Uint8Array(length);
    const base = this.#regs[Reg.FIFO_TX_BASE_ADDR];
    for (let i = 0; i < length; i++) bytes[i] = this.#fifo[(base + i) & 0xff];
    const frame = this.air.transmit(this, bytes, modem, this.#outputPower(true));
    this.#frame = frame;
    if (this.faults.noTxDone) return;
    this.#timer = this.clock.after(frame.end - this.clock.now(), () => {
      this.#frame = undefined;
      this.#timer = undefined;
      this.#standby();
      this.#raise(Irq.TX_DONE);
    });
  }

  #startRx(single: boolean): void {
    if (this.#modem("rx", true) === undefined) return this.#standby();
    this.#rxWrite = this.#regs[Reg.FIFO_RX_BASE_ADDR];
    if (!single) return;
    const symbols = ((this.#regs[Reg.MODEM_CONFIG_2] & 0x03) << 8) | this.#regs[Reg.SYMB_TIMEOUT_LSB];
    const modem = this.#modem("rx", false)!;
    this.#timer = this.clock.after(symbols * modemSymbolMs(modem), () => {
      this.#timer = undefined;
      if (this.air.receiving(this)) return; // a frame is being demodulated: RxDone will end the mode
      this.#stop();
      this.#standby();
      this.#raise(Irq.RX_TIMEOUT);
    });
  }

  #startCad(): void {
    const modem = this.#modem("rx", true);
    if (modem === undefined) return this.#standby();
    const start = this.clock.now();
    this.#timer = this.clock.after(CAD_SYMBOLS * modemSymbolMs(modem), () => {
      this.#timer = undefined;
      const detected = this.air.channelActivity(this, modem, start, this.clock.now());
      this.#standby();
      this.#raise(Irq.CAD_DONE | (detected ? Irq.CAD_DETECTED : 0));
    });
  }

  // ---- the air -----------------------------------------------------------------------------------

  override listening(): AirModem | undefined {
    if (this.#inReset || !this.loRa || !this.#receivingMode()) return undefined;
    return this.#modem("rx", false);
  }

  override receive(reception: AirReception): void {
    const regs = this.#regs;
    const bytes = reception.bytes;
    const start = this.#rxWrite;
    for (let i = 0; i < bytes.length; i++) this.#fifo[(start + i) & 0xff] = bytes[i];
    this.#rxWrite = (start + bytes.length) & 0xff;
    regs[Reg.FIFO_RX_CURRENT_ADDR] = start;
    regs[Reg.RX_NB_BYTES] = bytes.length;
    regs[Reg.HOP_CHANNEL] = reception.crcOn ? HOP_CHANNEL_CRC_ON_PAYLOAD : 0;
    // Encode so that the datasheet formulas give back the link's values (DS §5.5.5).
    const snr = Math.max(-128, Math.min(127, Math.round(reception.snr * 4)));
    regs[Reg.PKT_SNR_VALUE] = snr & 0xff;
    const offset = this.frequencyHz > LF_PORT_MAX_HZ ? RSSI_OFFSET_HF : RSSI_OFFSET_LF;
    regs[Reg.PKT_RSSI_VALUE] = Math.max(0, Math.min(255, Math.round(reception.rssi - offset - Math.min(0, snr / 4))));
    if ((regs[Reg.OP_MODE] & OpMode.MODE_MASK) === OpMode.RX_SINGLE) {
      this.#stop();
      this.#standby();
    }
    this.#raise(Irq.RX_DONE | Irq.VALID_HEADER | (reception.crcError ? Irq.PAYLOAD_CRC_ERROR : 0));
  }

  /** The modem from the registers; with `check`, invalid settings are violations and give undefined. */
  #modem(direction: "tx" | "rx", check: boolean): AirModem | undefined {
    const r = this.#regs;
    const problems: string[] = [];
    const bandwidthHz = BANDWIDTH_HZ.get(r[Reg.MODEM_CONFIG_1] >> ModemConfig.BW_SHIFT);
    const codingRate = ((r[Reg.MODEM_CONFIG_1] >> ModemConfig.CR_SHIFT) & 0x07) + 4;
    const explicitHeader = (r[Reg.MODEM_CONFIG_1] & ModemConfig.IMPLICIT_HEADER) === 0;
    const spreadingFactor = r[Reg.MODEM_CONFIG_2] >> ModemConfig.SF_SHIFT;
    const ldro = (r[Reg.MODEM_CONFIG_3] & ModemConfig.LOW_DATA_RATE_OPTIMIZE) !== 0;
    const frequencyHz = this.frequencyHz;
    const rxInverted = (r[Reg.INVERT_IQ] & InvertIq.RX) !== 0;
    if (bandwidthHz === undefined) problems.push(`reserved bandwidth code ${r[Reg.MODEM_CONFIG_1] >> 4}`);
    if (codingRate < 5 || codingRate > 8) problems.push(`reserved coding rate code ${codingRate - 4}`);
    if (spreadingFactor < 6 || spreadingFactor > 12) problems.push(`spreading factor ${spreadingFactor} is not 6..12`);
    if (spreadingFactor === 6 && explicitHeader) problems.push("SF6 needs implicit header mode (DS §4.1.1.2)");
    if (frequencyHz < BAND_HZ[0] || frequencyHz > BAND_HZ[1]) problems.push(`carrier ${frequencyHz / 1e6} MHz outside 137–1020 MHz`);
    if (check && bandwidthHz !== undefined && problems.length === 0) {
      if (symbolTimeMs(spreadingFactor, bandwidthHz) >= LDRO_SYMBOL_MS && !ldro) {
        this.violation(`LowDataRateOptimize off with a ${symbolTimeMs(spreadingFactor, bandwidthHz)} ms symbol (mandatory from 16 ms)`);
      }
      if (direction === "rx") this.#checkReceiver(spreadingFactor, bandwidthHz, frequencyHz, rxInverted);
    }
    if (problems.length > 0) {
      if (check) this.violation(`${direction.toUpperCase()} refused: ${problems.join("; ")}`);
      return undefined;
    }
    return {
      frequencyHz,
      bandwidthHz: bandwidthHz!,
      spreadingFactor,
      codingRate,
      preambleSymbols: (r[Reg.PREAMBLE_MSB] << 8) | r[Reg.PREAMBLE_LSB],
      explicitHeader,
      crc: (r[Reg.MODEM_CONFIG_2] & ModemConfig.RX_PAYLOAD_CRC_ON) !== 0,
      lowDataRateOptimize: ldro,
      invertIq: direction === "rx" ? rxInverted : (r[Reg.INVERT_IQ] & InvertIq.TX_NORMAL) === 0,
      syncWord: (([msb, lsb]) => (msb << 8) | lsb)(syncWordRegisters(r[Reg.SYNC_WORD])),
      implicitLength: explicitHeader ? undefined : r[Reg.PAYLOAD_LENGTH],
    };
  }

  /** Settings the demodulator needs beyond the modem itself (radios.md §2.2, §2.6; errata §2.1). */
  #checkReceiver(sf: number, bandwidthHz: number, frequencyHz: number, inverted: boolean): void {
    const r = this.#regs;
    const optimize = r[Reg.DETECT_OPTIMIZE] & Detect.OPTIMIZE_MASK;
    const threshold = r[Reg.DETECTION_THRESHOLD];
    const [wantOptimize, wantThreshold] = sf === 6 ? [Detect.OPTIMIZE_SF6, Detect.THRESHOLD_SF6] : [Detect.OPTIMIZE_SF7_12, Detect.THRESHOLD_SF7_12];
    if (optimize !== wantOptimize || threshold !== wantThreshold) {
      this.violation(`SF${sf} needs DetectOptimize ${wantOptimize} / DetectionThreshold 0x${wantThreshold.toString(16)}, found ${optimize} / 0x${threshold.toString(16)}`);
    }
    const hf = frequencyHz > LF_PORT_MAX_HZ;
    const [want1, want2] = bandwidthHz === 500_000 ? [HighBwOptimize.BW500_1, hf ? HighBwOptimize.BW500_2_HF : HighBwOptimize.BW500_2_LF] : [HighBwOptimize.OTHER_1, undefined];
    if (r[Reg.HIGH_BW_OPTIMIZE_1] !== want1 || (want2 !== undefined && r[Reg.HIGH_BW_OPTIMIZE_2] !== want2)) {
      this.violation(`errata 2.1: ${bandwidthHz / 1000} kHz needs 0x36 = 0x${want1.toString(16)}${want2 === undefined ? "" : ` and 0x3A = 0x${want2.toString(16)}`}`);
    }
    const iq2 = r[Reg.INVERT_IQ_2];
    if (iq2 !== (inverted ? InvertIq.IQ2_INVERTED : InvertIq.IQ2_NORMAL)) {
      this.violation(`RegInvertIQ2 0x${iq2.toString(16)} does not match RegInvertIQ RX ${inverted ? "inverted" : "normal"}`);
    }
  }

  /** PA_BOOST: 2 + OutputPower dBm, +3 dB with the high-power DAC (radios.md §2.4). */
  #outputPower(check: boolean): number {
    const paConfig = this.#regs[Reg.PA_CONFIG];
    const outputPower = paConfig & Pa.OUTPUT_POWER_MASK;
    if ((paConfig & Pa.PA_BOOST) === 0) {
      if (check) this.violation("RFO output selected: the boards wire the antenna to PA_BOOST only");
      const pMax = 10.8 + 0.6 * ((paConfig >> 4) & 0x07);
      return pMax - (15 - outputPower) - 30; // leaks through the unconnected pin (model assumption)
    }
    let dBm = Pa.BOOST_MIN_DBM + outputPower;
    if ((this.#regs[Reg.PA_DAC] & 0x07) === (Pa.DAC_HIGH_POWER & 0x07)) {
      dBm += 3;
      const ocp = this.#regs[Reg.OCP];
      if ((ocp & Pa.OCP_ON) !== 0 && ocpMilliamps(ocp) < 130) {
        if (check) this.violation(`+20 dBm with the over-current limit at ${ocpMilliamps(ocp)} mA (needs ≥ 130 mA): output current-limited`);
        dBm = Math.min(dBm, Pa.BOOST_MAX_DBM);
      }
    }
    return dBm;
  }

  // ---- interrupts ------------------------------------------------------------------------------

  #raise(bits: number): void {
    this.#irq |= bits & ~this.#regs[Reg.IRQ_FLAGS_MASK];
    this.#updateDios();
  }

  #updateDios(): void {
    const mapping = this.#regs[Reg.DIO_MAPPING_1];
    const dio0 = mapping & DioMapping.DIO0_MASK;
    const irq = this.#inReset ? 0 : this.#irq;
    const level0 =
      (dio0 === DioMapping.DIO0_RX_DONE && irq & Irq.RX_DONE) ||
      (dio0 === DioMapping.DIO0_TX_DONE && irq & Irq.TX_DONE) ||
      (dio0 === DioMapping.DIO0_CAD_DONE && irq & Irq.CAD_DONE);
    this.drive(this.#pins.dio0, level0 ? 1 : 0);
    const dio1 = mapping & DioMapping.DIO1_MASK;
    const level1 = (dio1 === DioMapping.DIO1_RX_TIMEOUT && irq & Irq.RX_TIMEOUT) || (dio1 === DioMapping.DIO1_CAD_DETECTED && irq & Irq.CAD_DETECTED);
    this.drive(this.#pins.dio1, level1 ? 1 : 0);
  }
}
