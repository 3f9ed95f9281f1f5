// A register-level AXP192 on an SMBus (the T-Beam's PMU in the host run and the tests), strict
// about what firmware may do to it. Writes to any
// register outside the ones System 5 is allowed to touch fail, as does a write that switches
// off DCDC1 or DCDC3 (on a T-Beam that browns out the ESP32) or sets reserved LDO voltage codes
// for the rails. Register facts: see drivers/axp192/axp192.ts (Zephyr regulator_axp192.c,
// XPowersLib AXP192 constants). ES2022 only: also used by the XS test bundle.
import type { SMBusBusOptions, SMBusLike } from "../../drivers/axp192/axp192";

export const WRITABLE = new Set([0x12, 0x28, 0x82]);

export class Axp192Emulator {
  readonly registers = new Uint8Array(256);
  readonly writes: Array<[number, number]> = [];
  readonly openBuses: SMBusBusOptions[] = [];
  closed = 0;
  /** Called after every accepted write (the host run powers the radio and GPS from it). */
  onWrite: ((register: number, value: number) => void) | undefined;

  constructor(icType = 0x03) {
    this.registers[0x03] = icType;
    // Power-on state of a T-Beam: DCDC1 and DCDC3 on, EXTEN (bit6) on, LDOs off.
    this.registers[0x12] = 0x43;
    // LDO2/LDO3 voltage codes at some non-3.3 V value, ADC enable reset value.
    this.registers[0x28] = 0xcc;
    this.registers[0x82] = 0x83;
    // Battery present.
    this.registers[0x01] = 0x20;
  }

  /** An SMBus class whose instances talk to this chip. */
  get SMBus(): new (options: SMBusBusOptions) => SMBusLike {
    const chip = this;
    return class implements SMBusLike {
      constructor(options: SMBusBusOptions) {
        if (options.address !== 0x34) throw new Error(`no device at 0x${options.address.toString(16)}`);
        chip.openBuses.push(options);
      }
      readUint8(register: number): number {
        return chip.registers[register];
      }
      writeUint8(register: number, value: number): void {
        chip.write(register, value);
      }
      close(): void {
        chip.closed++;
      }
    };
  }

  write(register: number, value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new RangeError(`value ${value} is not a byte`);
    if (!WRITABLE.has(register)) throw new Error(`write to register 0x${register.toString(16)} is not allowed`);
    if (register === 0x12 && (value & 0x03) !== 0x03) throw new Error(`0x12 = 0x${value.toString(16)} switches off DCDC1/DCDC3`);
    this.writes.push([register, value]);
    this.registers[register] = value;
    this.onWrite?.(register, value);
  }

  /** Whether an LDO output is switched on (register 0x12: bit2 LDO2, bit3 LDO3). */
  isOn(rail: "LDO2" | "LDO3"): boolean {
    return (this.registers[0x12] & (rail === "LDO2" ? 0x04 : 0x08)) !== 0;
  }

  /** Sets the battery ADC registers to a raw 12-bit reading. */
  setBatteryRaw(raw: number): void {
    this.registers[0x78] = (raw >> 4) & 0xff;
    this.registers[0x79] = raw & 0x0f;
  }
}
