// AXP192 power-management IC over I²C (SMBus register access), ECMA-419 driver style.
// System 5 needs it on the T-Beam v1.1, where the radio (LDO2) and the GPS (LDO3) stay unpowered
// until the firmware switches them on, and where the battery voltage comes from the PMU's ADC.
//
// Register facts and their sources:
//   [ZEP] zephyrproject-rtos/zephyr drivers/regulator/regulator_axp192.c (register defines and
//         regulator table): 0x12 output control — bit0 DCDC1, bit1 DCDC3, bit2 LDO2, bit3 LDO3;
//         0x28 LDO voltages — LDO2 in bits 7:4, LDO3 in bits 3:0, 1800 mV + 100 mV per step.
//   [XPL] lewisxhe/XPowersLib AXP192Constants and XPowersAXP192: 0x03 IC type (0x03 = AXP192);
//         0x01 bit5 battery connected; 0x82 ADC enable 1, bit7 = battery voltage;
//         0x78 (bits 11:4) / 0x79 (bits 3:0) battery voltage, 1.1 mV per LSB.
//   I²C address 0x34: shared/reference/radios.md §1.1, moddable.md §6.2.
// Every other bit of the registers written here is preserved (read-modify-write).

/** The register subset of an ECMA-419 SMBus instance this driver uses (structural: host fakes fit). */
export interface SMBusLike {
  readUint8(register: number): number;
  writeUint8(register: number, value: number): void;
  close(): void;
}

export interface SMBusBusOptions {
  readonly data: number;
  readonly clock: number;
  readonly hz: number;
  readonly address: number;
  readonly port?: number;
}

export type SMBusConstructor = new (options: SMBusBusOptions) => SMBusLike;

export interface Axp192Options {
  /** Bus descriptor, Moddable style: `{...device.I2C.default, io: device.io.SMBus}`. */
  readonly peripheral: {
    readonly io: SMBusConstructor;
    readonly data: number;
    readonly clock: number;
    readonly hz?: number;
    readonly address?: number;
    readonly port?: number;
  };
}

export type Axp192Output = "DCDC1" | "DCDC3" | "LDO2" | "LDO3";
export type Axp192Ldo = "LDO2" | "LDO3";

export const AXP192_ADDRESS = 0x34;
/** Value of the IC type register on an AXP192 [XPL]. */
export const AXP192_IC_TYPE = 0x03;

export const Register = Object.freeze({
  POWER_MODE: 0x01,
  IC_TYPE: 0x03,
  OUTPUT_CONTROL: 0x12,
  LDO23_VOLTAGE: 0x28,
  BATTERY_VOLTAGE_HIGH: 0x78,
  BATTERY_VOLTAGE_LOW: 0x79,
  ADC_ENABLE_1: 0x82,
});

/** Enable bits in OUTPUT_CONTROL [ZEP]. */
export const OutputBit: Readonly<Record<Axp192Output, number>> = Object.freeze({
  DCDC1: 0x01,
  DCDC3: 0x02,
  LDO2: 0x04,
  LDO3: 0x08,
});

const BATTERY_CONNECTED_BIT = 0x20; // POWER_MODE bit5 [XPL]
const ADC_BATTERY_VOLTAGE_BIT = 0x80; // ADC_ENABLE_1 bit7 [XPL]
const LDO_MIN_MV = 1800;
const LDO_MAX_MV = 3300;
const LDO_STEP_MV = 100;
const BATTERY_MV_PER_LSB = 1.1;

export default class AXP192 {
  #bus: SMBusLike | undefined;

  constructor(options: Axp192Options) {
    const { io, ...bus } = options.peripheral;
    const smbus = new io({ hz: 400_000, address: AXP192_ADDRESS, ...bus });
    let type: number;
    try {
      type = smbus.readUint8(Register.IC_TYPE);
    } catch (e) {
      smbus.close();
      throw e;
    }
    if (type !== AXP192_IC_TYPE) {
      smbus.close();
      // A T-Beam v1.2 answers here with an AXP2101, which needs a different driver.
      throw new Error(`unexpected PMU: IC type 0x${hex(type)}, an AXP192 reports 0x${hex(AXP192_IC_TYPE)}`);
    }
    this.#bus = smbus;
  }

  isOn(output: Axp192Output): boolean {
    return (this.#open().readUint8(Register.OUTPUT_CONTROL) & OutputBit[output]) !== 0;
  }

  switchOn(output: Axp192Output): void {
    this.#update(Register.OUTPUT_CONTROL, OutputBit[output], OutputBit[output]);
  }

  switchOff(output: Axp192Output): void {
    this.#update(Register.OUTPUT_CONTROL, OutputBit[output], 0);
  }

  /** Sets LDO2 or LDO3 to 1800…3300 mV in 100 mV steps; anything else is a RangeError. */
  setMillivolts(ldo: Axp192Ldo, millivolts: number): void {
    if (!Number.isInteger(millivolts) || millivolts < LDO_MIN_MV || millivolts > LDO_MAX_MV || millivolts % LDO_STEP_MV !== 0) {
      throw new RangeError(`${ldo}: ${millivolts} mV is not one of ${LDO_MIN_MV}…${LDO_MAX_MV} mV in ${LDO_STEP_MV} mV steps`);
    }
    const code = (millivolts - LDO_MIN_MV) / LDO_STEP_MV;
    if (ldo === "LDO2") this.#update(Register.LDO23_VOLTAGE, 0xf0, code << 4);
    else this.#update(Register.LDO23_VOLTAGE, 0x0f, code);
  }

  millivolts(ldo: Axp192Ldo): number {
    const value = this.#open().readUint8(Register.LDO23_VOLTAGE);
    const code = ldo === "LDO2" ? value >> 4 : value & 0x0f;
    return LDO_MIN_MV + code * LDO_STEP_MV;
  }

  /** Starts the PMU's battery-voltage ADC channel (needed before batteryMillivolts reads anything). */
  enableBatteryAdc(): void {
    this.#update(Register.ADC_ENABLE_1, ADC_BATTERY_VOLTAGE_BIT, ADC_BATTERY_VOLTAGE_BIT);
  }

  get batteryConnected(): boolean {
    return (this.#open().readUint8(Register.POWER_MODE) & BATTERY_CONNECTED_BIT) !== 0;
  }

  /** Battery voltage in mV, or undefined when no cell is connected. */
  batteryMillivolts(): number | undefined {
    if (!this.batteryConnected) return undefined;
    const bus = this.#open();
    const raw = (bus.readUint8(Register.BATTERY_VOLTAGE_HIGH) << 4) | (bus.readUint8(Register.BATTERY_VOLTAGE_LOW) & 0x0f);
    return Math.round(raw * BATTERY_MV_PER_LSB * 10) / 10;
  }

  close(): void {
    this.#bus?.close();
    this.#bus = undefined;
  }

  #open(): SMBusLike {
    if (this.#bus === undefined) throw new Error("AXP192 closed");
    return this.#bus;
  }

  #update(register: number, mask: number, bits: number): void {
    const bus = this.#open();
    const old = bus.readUint8(register);
    const value = (old & ~mask & 0xff) | (bits & mask);
    if (value !== old) bus.writeUint8(register, value);
  }
}
Object.freeze(AXP192.prototype);

function hex(n: number): string {
  return (n & 0xff).toString(16).padStart(2, "0");
}
