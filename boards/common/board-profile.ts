// The shape of a board profile: every hardware fact the firmware needs about one board, as data.
// Each board folder has one profile (boards/<name>/profile.ts) with every value's source named;
// the board's Moddable provider (boards/<name>/host/provider.ts), the power-up code and the app
// all read the profile, so each fact is written down exactly once.
//
// Pins are ESP32 GPIO numbers. Nothing here touches hardware: profiles are preloaded on the device.

export type BoardName = "heltec-v2" | "tbeam" | "heltec-v3";

/** LoRa transceivers System 5 drives. SX1268 modules answer as SX126x and share the wiring. */
export type RadioChip = "sx1276" | "sx1262";

/** SPI bus shared by the radio (ECMA-419 SPI options, moddable.md §4.1). */
export interface SpiBus {
  readonly clock: number;
  readonly in: number;
  readonly out: number;
  /** ESP32 SPI host: 1 = SPI2/HSPI, 2 = SPI3/VSPI; 0 is the flash bus and must not be used. */
  readonly port: 1 | 2;
  readonly hz: number;
  readonly mode: 0 | 1 | 2 | 3;
}

/** An SX127x wired with a DIO0 interrupt (RxDone/TxDone/CadDone) and optionally DIO1 (CadDetected). */
export interface Sx127xWiring {
  readonly chip: "sx1276";
  readonly select: number;
  readonly reset: number;
  readonly dio0: number;
  readonly dio1?: number;
  readonly dio2?: number;
}

/** An SX126x: DIO1 carries every IRQ, BUSY must be polled before each command. */
export interface Sx126xWiring {
  readonly chip: "sx1262";
  readonly select: number;
  readonly reset: number;
  readonly dio1: number;
  readonly busy: number;
  /** TCXO supply driven from DIO3, volts; undefined = crystal (no DIO3 control). */
  readonly tcxoVolts?: number;
  /** DIO2 drives the module's RF switch (SetDIO2AsRfSwitchCtrl). */
  readonly dio2RfSwitch: boolean;
}

export type RadioWiring = Sx127xWiring | Sx126xWiring;

export interface I2cBus {
  readonly data: number;
  readonly clock: number;
  readonly hz: number;
  readonly port?: number;
}

export interface UartPins {
  /** UART number: 0 is the USB console UART, GPS goes on 1 or 2 (moddable.md §4.3). */
  readonly port: number;
  /** ESP32 RX pin (the other device's TX). */
  readonly receive: number;
  /** ESP32 TX pin; undefined when the board does not wire it. */
  readonly transmit?: number;
  readonly baud: number;
}

export interface GpsUart extends UartPins {
  /** "always": soldered on; "optional": a header for a module the user may or may not have fitted. */
  readonly fitted: "always" | "optional";
}

/** One step of the power-up sequence, run in the order listed. */
export type PowerStep =
  | {
      /** A load switch on a GPIO (Heltec "Vext"). */
      readonly kind: "gpio-rail";
      readonly name: string;
      readonly pin: number;
      /** Level that switches the rail on. */
      readonly onLevel: 0 | 1;
      /** What the rail feeds, for the status display. */
      readonly feeds: readonly string[];
      readonly settleMs: number;
    }
  | {
      /** A reset line pulsed to its active level and released (OLED reset). */
      readonly kind: "reset-pulse";
      readonly name: string;
      readonly pin: number;
      readonly activeLevel: 0 | 1;
      readonly pulseMs: number;
      readonly settleMs: number;
    }
  | {
      /** A PMU output switched on over I²C at a voltage. */
      readonly kind: "pmu-rail";
      readonly name: string;
      readonly rail: Axp192Ldo;
      readonly millivolts: number;
      readonly feeds: readonly string[];
      readonly settleMs: number;
    };

/** AXP192 outputs the firmware switches (register bits live in drivers/axp192). */
export type Axp192Ldo = "LDO2" | "LDO3";
export type Axp192Dcdc = "DCDC1" | "DCDC3";

export interface PmuProfile {
  readonly chip: "axp192";
  readonly address: number;
  readonly irq: number;
  /** Outputs that power the MCU itself or always-needed loads: never switched off. */
  readonly keepOn: readonly Axp192Dcdc[];
}

export type BatterySense =
  | {
      /** Cell voltage through a resistor divider into an ADC1 pin. */
      readonly kind: "adc";
      readonly pin: number;
      /** Battery volts per pin volt (divider ratio times any calibration factor). */
      readonly ratio: number;
      /**
       * Divider enable switch, when the board has one. "opposite-of-idle": the board revision
       * decides the active level, so read the pin's idle level first and drive the opposite.
       */
      readonly control?: { readonly pin: number; readonly polarity: "opposite-of-idle" | 0 | 1 };
    }
  | { readonly kind: "pmu" }
  | { readonly kind: "none" };

export interface IndicatorPin {
  readonly pin: number;
  readonly activeLow: boolean;
}

export interface ButtonPin extends IndicatorPin {
  readonly pullUp: boolean;
}

export interface DisplayProfile {
  readonly controller: "ssd1306";
  readonly address: number;
  readonly width: number;
  readonly height: number;
  /** "always" when the board has it soldered on, "optional" for a user-fitted module. */
  readonly fitted: "always" | "optional";
}

export interface BoardProfile {
  readonly name: BoardName;
  readonly title: string;
  readonly mcu: "esp32" | "esp32s3";
  readonly radioSpi: SpiBus;
  /** Every radio the board may carry, in probe order (the first that answers is used). */
  readonly radios: readonly RadioWiring[];
  /** The board's own I²C bus (OLED, PMU). */
  readonly i2c: I2cBus;
  /** The USB serial console UART. */
  readonly console: UartPins;
  readonly gps?: GpsUart;
  /** Power-up steps in order; the radio is probed only after all of them ran. */
  readonly powerUp: readonly PowerStep[];
  readonly pmu?: PmuProfile;
  readonly battery: BatterySense;
  readonly led: IndicatorPin;
  readonly button: ButtonPin;
  readonly display?: DisplayProfile;
}

/** Chips a board may carry, in probe order. */
/**
 * The profile frozen all the way down, as each board exports it: xsl preloads it into flash, where
 * an unfrozen object would be copied to RAM (and warned about), and no code may rewire a board at
 * run time. Plain data only (objects, arrays, numbers, strings).
 */
export function frozenProfile(profile: BoardProfile): BoardProfile {
  const freeze = (value: unknown): void => {
    if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
    for (const v of Object.values(value)) freeze(v);
    Object.freeze(value);
  };
  freeze(profile);
  return profile;
}

export function radioChips(profile: BoardProfile): RadioChip[] {
  return profile.radios.map((r) => r.chip);
}

/**
 * Transmit power each chip can be programmed to, dBm: SX127x on PA_BOOST 2…17 dBm, +20 dBm with
 * PaDac 0x87 (radios.md §2.4); SX1262 −9…+22 dBm (radios.md §3.4). The radio drivers own the
 * register details; when they export their limits, import those here instead.
 */
export const CHIP_TX_POWER_DBM: Readonly<Record<RadioChip, { readonly minDbm: number; readonly maxDbm: number }>> = Object.freeze({
  sx1276: Object.freeze({ minDbm: 2, maxDbm: 20 }),
  sx1262: Object.freeze({ minDbm: -9, maxDbm: 22 }),
});

/** Power range covering every chip listed (before detection tells which one is fitted). */
export function txPowerRange(chips: readonly RadioChip[]): { readonly minDbm: number; readonly maxDbm: number } {
  if (chips.length === 0) throw new RangeError("no radio chips");
  return {
    minDbm: Math.min(...chips.map((c) => CHIP_TX_POWER_DBM[c].minDbm)),
    maxDbm: Math.max(...chips.map((c) => CHIP_TX_POWER_DBM[c].maxDbm)),
  };
}
