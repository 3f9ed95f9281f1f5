// Builds a board's `device` object (the ECMA-419 host provider, moddable.md §4–5) from its profile,
// the platform's IO classes and the radio driver classes. Each board's host/provider.ts is a
// few lines calling buildDevice(); the host run can call it with emulated IO to get the same
// device the firmware sees.
//
// Runs at preload on the device: it only builds objects and classes, it never touches hardware.
import type { SMBusConstructor } from "../../drivers/axp192/axp192";
import type { AnalogConstructor, Delay, DigitalConstructor, DigitalLike, SerialConstructor } from "../../src/app/io-types";
import type { BoardProfile, DisplayProfile, GpsUart, I2cBus, RadioChip, RadioWiring, SpiBus, Sx126xWiring, Sx127xWiring } from "./board-profile";
import { radioChips } from "./board-profile";
import { BoardPower } from "./power";
import { detectRadio, type DetectedRadio } from "./radio-detect";

/** The platform's IO classes (Moddable `embedded:io/*` on the device). */
export interface IoClasses {
  readonly Digital: DigitalConstructor;
  /** Passed through to the radio drivers, which construct the bus themselves. */
  readonly SPI: abstract new (options: never) => unknown;
  readonly Serial: SerialConstructor;
  readonly SMBus?: SMBusConstructor;
  readonly Analog?: AnalogConstructor;
  /** Blocking wait for hardware settle times (Moddable `Timer.delay`). */
  readonly delay: Delay;
}

/** What a radio driver instance must offer the board code: nothing beyond being closable. */
export interface RadioLike {
  close(): void;
}

// The drivers' own option types are stricter than the board builder's generic descriptors; the
// option names are reconciled in radioBoardOptions (see the note below).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RadioConstructor = new (options: any) => RadioLike;

/** Radio driver classes by chip; a board needs one for every chip its profile lists. */
export type RadioDrivers = Partial<Record<RadioChip, RadioConstructor>>;

// ─── ASSUMED RADIO DRIVER OPTIONS ─────────────────────────────────────────────────────────────
// The SX127x/SX126x drivers (drivers/sx127x/sx127x.ts, drivers/sx126x/sx126x.ts) are written on
// another branch. Until they merge, the board code assumes the Moddable driver convention
// (moddable.md §6.1 and §9): IO descriptors `{io, pin, mode}` / `{io, clock, in, out, port, hz,
// mode}` that the driver instantiates itself, caller options spread after the board's:
//   both:    spi, select (NSS as a Digital output; no SPI `select`), reset, interrupt
//   SX127x:  interrupt = DIO0; dio1 = DIO1 input (CAD detected), when wired
//   SX126x:  interrupt = DIO1; busy = BUSY input; tcxoVoltage (volts, omitted = crystal);
//            dio2AsRfSwitch (boolean)
// and that a constructor throws — after closing whatever IO it opened — when its chip does not
// answer (SX127x RegVersion, SX126x status/BUSY), which is what radio detection relies on.
// Reconcile the key names here (and only here) with the drivers when merging.
// ───────────────────────────────────────────────────────────────────────────────────────────────

function spiDescriptor(spi: SpiBus, io: IoClasses): Record<string, unknown> {
  return { io: io.SPI, clock: spi.clock, in: spi.in, out: spi.out, port: spi.port, hz: spi.hz, mode: spi.mode };
}

function pinDescriptor(io: IoClasses, pin: number, mode: number): Record<string, unknown> {
  return { io: io.Digital, pin, mode };
}

/** What both chips get: the bus, NSS and reset as outputs, the IRQ line as an input. */
function commonOptions(spi: SpiBus, io: IoClasses, select: number, reset: number, interrupt: number): Record<string, unknown> {
  return {
    spi: spiDescriptor(spi, io),
    select: pinDescriptor(io, select, io.Digital.Output),
    reset: pinDescriptor(io, reset, io.Digital.Output),
    interrupt: pinDescriptor(io, interrupt, io.Digital.Input),
  };
}

export function sx127xBoardOptions(w: Sx127xWiring, spi: SpiBus, io: IoClasses): Record<string, unknown> {
  const options = commonOptions(spi, io, w.select, w.reset, w.dio0);
  if (w.dio1 !== undefined) options.dio1 = pinDescriptor(io, w.dio1, io.Digital.Input);
  return options;
}

export function sx126xBoardOptions(w: Sx126xWiring, spi: SpiBus, io: IoClasses): Record<string, unknown> {
  const options = commonOptions(spi, io, w.select, w.reset, w.dio1);
  options.busy = pinDescriptor(io, w.busy, io.Digital.Input);
  options.dio2AsRfSwitch = w.dio2RfSwitch;
  if (w.tcxoVolts !== undefined) options.tcxoVoltage = w.tcxoVolts;
  return options;
}

export function radioBoardOptions(w: RadioWiring, spi: SpiBus, io: IoClasses): Record<string, unknown> {
  return w.chip === "sx1276" ? sx127xBoardOptions(w, spi, io) : sx126xBoardOptions(w, spi, io);
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
  /** Probes the chips in order and returns the first that answers. Power the board up first. */
  open(options?: Record<string, unknown>): DetectedRadio<RadioLike>;
  /** Moddable convention: `new device.peripheral.lora.Default(options)` is the detected radio. */
  readonly Default: new (options?: Record<string, unknown>) => RadioLike;
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

export function buildDevice(profile: BoardProfile, io: IoClasses, drivers: RadioDrivers): System5Device {
  const chips = radioChips(profile);
  // Fail at build time (preload), not in the field, when a board lacks the driver for a chip it may carry.
  for (const chip of chips) {
    if (drivers[chip] === undefined) throw new Error(`${profile.name}: no driver for ${chip}`);
  }
  const open = (options: Record<string, unknown> = {}): DetectedRadio<RadioLike> =>
    detectRadio(chips, (chip) => {
      const wiring = profile.radios.find((r) => r.chip === chip) as RadioWiring;
      const Driver = drivers[chip] as RadioConstructor;
      return new Driver({ ...radioBoardOptions(wiring, profile.radioSpi, io), ...options });
    });

  class LoraDefault {
    constructor(options?: Record<string, unknown>) {
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
