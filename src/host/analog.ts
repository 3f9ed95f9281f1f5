// An ECMA-419-shaped Analog class for a host board (moddable.md §4): each pin reads a voltage the
// host sets, scaled to the ESP32's 12-bit, 0…3.3 V range the app assumes (src/app/battery.ts).
// Enough for the battery divider; nothing here models ADC noise or attenuation.
import { ANALOG_FULL_SCALE_MV } from "../app/battery";
import type { AnalogLike } from "../app/io-types";
import type { HostBoard } from "./io";

export const HOST_ANALOG_RESOLUTION = 12;

export type HostAnalogClass = new (options: { readonly pin: number }) => AnalogLike;

/** `millivoltsAt(pin)` is the voltage on the pin when it is read; undefined = nothing connected (0 V). */
export function hostAnalogClass(board: HostBoard, millivoltsAt: (pin: number) => number | undefined): HostAnalogClass {
  const full = 2 ** HOST_ANALOG_RESOLUTION - 1;
  return class Analog implements AnalogLike {
    readonly resolution = HOST_ANALOG_RESOLUTION;
    readonly #pin: number;
    #open = true;

    constructor(options: { readonly pin: number }) {
      board.claim([options.pin], `Analog ${options.pin}`);
      this.#pin = options.pin;
    }

    read(): number {
      if (!this.#open) throw new Error(`Analog: pin ${this.#pin} is closed`);
      const mv = Math.min(ANALOG_FULL_SCALE_MV, Math.max(0, millivoltsAt(this.#pin) ?? 0));
      return Math.round((mv / ANALOG_FULL_SCALE_MV) * full);
    }

    close(): void {
      if (!this.#open) return;
      this.#open = false;
      board.release([this.#pin]);
    }
  };
}
