// Builds a board's `device` object (the ECMA-419 host provider, moddable.md §4–5) from its profile,
// the platform's IO classes and the radio driver classes. Each board's host/provider.ts is a
// few lines calling buildDevice(); the host run can call it with emulated IO to get the same
// device the firmware sees.
//
// Runs at preload on the device: it only builds objects and classes, it never touches hardware.
import type { SMBusConstructor } from "../../drivers/axp192/axp192";
import type { SpiClass } from "../../drivers/io";
import type { Radio, RadioOptions } from "../../drivers/radio";
import type { Sx126xOptions } from "../../drivers/sx126x/sx126x";
import type { Sx127xOptions } from "../../drivers/sx127x/sx127x";
import type { AnalogConstructor, Delay, DigitalConstructor, DigitalLike, SerialConstructor } from "../../src/app/io-types";
import type { BoardProfile, DisplayProfile, GpsUart, I2cBus, RadioChip } from "./board-profile";
import { frozenProfile, radioChips } from "./board-profile";
import { BoardPower } from "./power";
import { detectRadio, type DetectedRadio } from "./radio-detect";
import { sx126xBoardOptions, sx127xBoardOptions } from "./radio-options";

/** The platform's IO classes (Moddable `embedded:io/*` on the device). */
export interface IoClasses {
  readonly Digital: DigitalConstructor;
  /** Passed through to the radio drivers, which construct the bus themselves. */
  readonly SPI: SpiClass;
  readonly Serial: SerialConstructor;
  readonly SMBus?: SMBusConstructor;
  readonly Analog?: AnalogConstructor;
  /** Blocking wait for hardware settle times (Moddable `Timer.delay`). */
  readonly delay: Delay;
}

/** The radio driver classes by chip; a board needs one for every chip its profile lists. */
export interface RadioDrivers {
  readonly sx1276?: new (options: Sx127xOptions) => Radio;
  readonly sx1262?: new (options: Sx126xOptions) => Radio;
}

/** An LED that hides the board's polarity. */
export interface Indicator {
  set(on: boolean): void;
  close(): void;
}

/** The user button; `onChange(pressed)` runs on every edge (the board's polarity hidden). */
export interface ButtonOptions {
  readonly onChange: (pressed: boolean) => void;
}

export interface Button {
  readonly pressed: boolean;
  close(): void;
}

export interface LoraPeripheral {
  /** Chips this board may carry, in probe order. */
  readonly chips: readonly RadioChip[];
  /**
   * Probes the chips in order with the board's pins plus `options` (clock, config, callbacks) and
   * returns the first that answers. Power the board up first (the T-Beam radio has no supply
   * until AXP192 LDO2 is on).
   */
  open(options: RadioOptions): DetectedRadio<Radio>;
  /** Moddable convention: `new device.peripheral.lora.Default(options)` is the detected radio. */
  readonly Default: new (options: RadioOptions) => Radio;
}

export interface System5Device {
  readonly io: IoClasses;
  readonly I2C: { readonly default: { readonly data: number; readonly clock: number; readonly hz: number; readonly port?: number } };
  readonly SPI: { readonly default: { readonly io: IoClasses["SPI"]; readonly clock: number; readonly in: number; readonly out: number; readonly port: number } };
  /** The USB console UART. */
  readonly Serial: { readonly default: { readonly io: SerialConstructor; readonly port: number; readonly receive: number; readonly transmit?: number; readonly baud: number } };
  readonly pin: Readonly<Record<string, number>>;
  readonly peripheral: {
    readonly lora: LoraPeripheral;
    readonly power: { readonly Default: new () => BoardPower };
    /** GPS UART descriptor to spread into `new gps.io({...gps, onReadable})`; absent without GPS. */
    readonly gps?: GpsUart & { readonly io: SerialConstructor };
    readonly led: { readonly Default: new () => Indicator };
    readonly button: { readonly Default: new (options: ButtonOptions) => Button };
    /** The OLED and the bus it is on; absent on boards without a display connector. */
    readonly display?: DisplayProfile & { readonly i2c: I2cBus };
  };
}

export function buildDevice(boardProfile: BoardProfile, ioClasses: IoClasses, radioDrivers: RadioDrivers): System5Device {
  // The classes below outlive the preload (they are the `device` global, in flash): what they
  // capture must be const bindings, which parameters are not (xsl would keep them in RAM).
  // The profile is frozen here, at link time, all the way down (the board's own module exports it
  // as plain data: a value import there would leave the "system5/" module naming).
  const profile = frozenProfile(boardProfile);
  const io = ioClasses;
  const drivers: RadioDrivers = Object.freeze({ ...radioDrivers });
  const chips = radioChips(profile);
  // Fail at build time (preload), not in the field, when a board lacks the driver for a chip it may carry.
  for (const chip of chips) {
    if (drivers[chip] === undefined) throw new Error(`${profile.name}: no driver for ${chip}`);
  }
  // A driver that finds no chip throws after releasing its pins (its constructor closes them), so the
  // next chip's driver can open the same NSS/RESET lines.
  const open = (options: RadioOptions): DetectedRadio<Radio> =>
    detectRadio(chips, (chip) => {
      const spi = profile.radioSpi;
      for (const wiring of profile.radios) {
        if (wiring.chip !== chip) continue;
        if (wiring.chip === "sx1276") return new (drivers.sx1276 as NonNullable<RadioDrivers["sx1276"]>)({ ...sx127xBoardOptions(wiring, spi, io), ...options });
        return new (drivers.sx1262 as NonNullable<RadioDrivers["sx1262"]>)({ ...sx126xBoardOptions(wiring, spi, io), ...options });
      }
      throw new Error(`${profile.name}: no ${chip} wiring`);
    });

  class LoraDefault {
    constructor(options: RadioOptions) {
      // Returning the driver instance makes `new Default()` evaluate to it (Moddable convention).
      return open(options).radio;
    }
  }

  class Power extends BoardPower {
    constructor() {
      super(profile, io);
    }
  }

  const led = profile.led;
  class Led implements Indicator {
    #pin: DigitalLike | undefined;
    constructor() {
      this.#pin = new io.Digital({ pin: led.pin, mode: io.Digital.Output });
      this.set(false);
    }
    set(on: boolean): void {
      this.#pin?.write(on !== led.activeLow ? 1 : 0);
    }
    close(): void {
      this.#pin?.close();
      this.#pin = undefined;
    }
  }

  const button = profile.button;
  class UserButton implements Button {
    #pin: DigitalLike | undefined;
    constructor(options: ButtonOptions) {
      const { Digital } = io;
      this.#pin = new Digital({
        pin: button.pin,
        mode: button.pullUp ? Digital.InputPullUp : Digital.Input,
        edge: Digital.Rising | Digital.Falling,
        onReadable: () => options.onChange(this.pressed),
      });
    }
    get pressed(): boolean {
      return this.#pin !== undefined && (this.#pin.read() === 1) !== button.activeLow;
    }
    close(): void {
      this.#pin?.close();
      this.#pin = undefined;
    }
  }

  const pin: Record<string, number> = { led: profile.led.pin, button: profile.button.pin };
  profile.radios.forEach((r) => {
    const prefix = profile.radios.length > 1 ? `${r.chip}_` : "lora_";
    for (const [key, value] of Object.entries(r)) if (typeof value === "number" && key !== "tcxoVolts") pin[prefix + key] = value;
  });
  if (profile.pmu !== undefined) pin.pmu_irq = profile.pmu.irq;

  const { i2c, radioSpi, console: uart } = profile;
  return {
    io,
    I2C: { default: { data: i2c.data, clock: i2c.clock, hz: i2c.hz, ...(i2c.port === undefined ? {} : { port: i2c.port }) } },
    SPI: { default: { io: io.SPI, clock: radioSpi.clock, in: radioSpi.in, out: radioSpi.out, port: radioSpi.port } },
    Serial: {
      default: { io: io.Serial, port: uart.port, receive: uart.receive, baud: uart.baud, ...(uart.transmit === undefined ? {} : { transmit: uart.transmit }) },
    },
    pin,
    peripheral: {
      lora: { chips, open, Default: LoraDefault as unknown as LoraPeripheral["Default"] },
      power: { Default: Power },
      ...(profile.gps === undefined ? {} : { gps: { ...profile.gps, io: io.Serial } }),
      led: { Default: Led },
      button: { Default: UserButton },
      ...(profile.display === undefined ? {} : { display: { ...profile.display, i2c } }),
    },
  };
}
