// Battery level: cell voltage (from an ADC divider or the PMU) → 0..1 for the core's battery metric.
//
// Li-ion open-circuit-voltage curve: meshtastic/firmware src/power.h, default (Li-ion/LiPo)
// OCV_ARRAY = 4190, 4050, 3990, 3890, 3800, 3720, 3630, 3530, 3420, 3300, 3100 mV for
// 100, 90, …, 0 %. The level is interpolated linearly between those points and clamped.
//
// ESP32 ADC scale: Moddable's ECMA-419 Analog returns the calibrated pin voltage scaled so that
// 3300 mV reads 2^resolution − 1 (Moddable modules/io/analog/esp32/_analog.c, 11 dB attenuation).
import type { AnalogConstructor, AnalogLike, Delay, DigitalConstructor, DigitalLike } from "./io-types";

/** OCV in mV at 100 %, 90 %, … 0 % (descending). */
export const LIION_OCV_MV: readonly number[] = Object.freeze([4190, 4050, 3990, 3890, 3800, 3720, 3630, 3530, 3420, 3300, 3100]);

/** Pin voltage at which Moddable's ESP32 Analog reads full scale. */
export const ANALOG_FULL_SCALE_MV = 3300;

/**
 * Below this a reading is not a Li-ion cell (cells are protected from discharge well above it):
 * the battery is reported absent rather than "0 %" — e.g. a Heltec on USB with no cell fitted. [S5]
 */
export const NO_CELL_BELOW_MV = 2500;

/** State of charge 0..1 for a Li-ion cell voltage; undefined for a non-finite reading. */
export function liIonLevel(millivolts: number): number | undefined {
  if (!Number.isFinite(millivolts)) return undefined;
  const table = LIION_OCV_MV;
  if (millivolts >= table[0]) return 1;
  const last = table.length - 1;
  if (millivolts <= table[last]) return 0;
  for (let i = 1; i <= last; i++) {
    const lo = table[i];
    if (millivolts >= lo) {
      const hi = table[i - 1];
      const upper = 1 - (i - 1) / last;
      return upper - ((hi - millivolts) / (hi - lo)) * (1 / last);
    }
  }
  return 0;
}

/** Pin voltage in mV from an ECMA-419 Analog reading at `resolution` bits. */
export function analogToPinMillivolts(reading: number, resolution: number): number {
  return (reading * ANALOG_FULL_SCALE_MV) / (2 ** resolution - 1);
}

/** Something that knows the cell voltage. */
export interface BatteryGauge {
  /** Cell voltage in mV, or undefined when no cell is connected or it cannot be read. */
  millivolts(): number | undefined;
  close(): void;
}

/** Level 0..1 from a gauge, undefined when there is no battery to report. Never throws. */
export function batteryLevel(gauge: BatteryGauge | undefined): number | undefined {
  if (gauge === undefined) return undefined;
  try {
    const mv = gauge.millivolts();
    return mv === undefined ? undefined : liIonLevel(mv);
  } catch {
    return undefined;
  }
}

export interface AdcGaugeOptions {
  readonly pin: number;
  /** Battery volts per pin volt. */
  readonly ratio: number;
  readonly control?: { readonly pin: number; readonly polarity: "opposite-of-idle" | 0 | 1 };
  readonly Analog: AnalogConstructor;
  readonly Digital: DigitalConstructor;
  readonly delay: Delay;
  /** Readings averaged per measurement (ESP32 ADC readings are noisy). */
  readonly samples?: number;
  /** Wait after switching the divider on before sampling, ms. [S5] */
  readonly settleMs?: number;
}

/** A cell behind a resistor divider on an ADC pin, optionally switched by a control GPIO. */
export class AdcBatteryGauge implements BatteryGauge {
  #analog: AnalogLike | undefined;
  #control: DigitalLike | undefined;
  #onLevel: 0 | 1 = 1;
  readonly #ratio: number;
  readonly #samples: number;
  readonly #settleMs: number;
  readonly #delay: Delay;

  constructor(options: AdcGaugeOptions) {
    if (!(options.ratio > 0)) throw new RangeError(`battery divider ratio must be positive, got ${options.ratio}`);
    this.#ratio = options.ratio;
    this.#samples = Math.max(1, Math.floor(options.samples ?? 4));
    this.#settleMs = options.settleMs ?? 10;
    this.#delay = options.delay;
    const control = options.control;
    if (control !== undefined) {
      let onLevel: 0 | 1;
      if (control.polarity === "opposite-of-idle") {
        // The revision's pull resistor sets the idle (divider off) level; "on" is the other one.
        const probe = new options.Digital({ pin: control.pin, mode: options.Digital.Input });
        const idle = probe.read() ? 1 : 0;
        probe.close();
        onLevel = idle === 1 ? 0 : 1;
      } else {
        onLevel = control.polarity;
      }
      this.#onLevel = onLevel;
      this.#control = new options.Digital({ pin: control.pin, mode: options.Digital.Output });
      this.#control.write(this.#offLevel());
    }
    this.#analog = new options.Analog({ pin: options.pin });
  }

  /** The level that switches the divider on (decided at construction). */
  get controlOnLevel(): 0 | 1 | undefined {
    return this.#control === undefined ? undefined : this.#onLevel;
  }

  millivolts(): number | undefined {
    const analog = this.#analog;
    if (analog === undefined) return undefined;
    // The divider draws current while switched on, so it is on only while sampling.
    this.#control?.write(this.#onLevel);
    try {
      if (this.#control !== undefined) this.#delay(this.#settleMs);
      let sum = 0;
      for (let i = 0; i < this.#samples; i++) sum += analog.read();
      const pinMv = analogToPinMillivolts(sum / this.#samples, analog.resolution);
      const cellMv = Math.round(pinMv * this.#ratio);
      return cellMv < NO_CELL_BELOW_MV ? undefined : cellMv;
    } finally {
      this.#control?.write(this.#offLevel());
    }
  }

  close(): void {
    this.#analog?.close();
    this.#control?.close();
    this.#analog = undefined;
    this.#control = undefined;
  }

  #offLevel(): 0 | 1 {
    return this.#onLevel === 1 ? 0 : 1;
  }
}
Object.freeze(AdcBatteryGauge.prototype);
