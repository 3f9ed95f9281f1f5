// Structural types for the ECMA-419 IO classes the app and board code construct (moddable.md §4).
// The app takes these constructors by injection: on the device they are the Moddable classes
// from the board provider, on the host the host platform's emulated IO or a test fake.
// Only the members System 5 uses are listed, so a fake needs nothing more.
import type { DigitalClass } from "../../drivers/io";

// The Digital shapes are the radio drivers' (drivers/io.ts): one description of the IO class
// for the whole firmware, widened here by the constants the board code also uses.
export type { DigitalLike, DigitalOpenOptions as DigitalOptions } from "../../drivers/io";

/** `embedded:io/digital`: mode constants are statics of the class (Input 0, InputPullUp 1, Output 8). */
export interface DigitalConstructor extends DigitalClass {
  readonly InputPullUp: number;
  readonly Falling: number;
}

export interface AnalogLike {
  read(): number;
  /** Bits per reading. */
  readonly resolution: number;
  close(): void;
}

export type AnalogConstructor = new (options: { readonly pin: number }) => AnalogLike;

export interface SerialLike {
  /** All bytes waiting (ESP32 `format: "buffer"`), undefined when none. */
  read(): ArrayBuffer | number | undefined;
  write(data: ArrayBuffer | Uint8Array): void;
  close(): void;
}

export interface SerialOptions {
  readonly port: number;
  readonly receive?: number;
  readonly transmit?: number;
  readonly baud: number;
  readonly format?: "buffer";
  readonly onReadable?: (this: SerialLike, count: number) => void;
}

export type SerialConstructor = new (options: SerialOptions) => SerialLike;

/** Blocking short wait (Moddable `Timer.delay`); only for hardware settle times of a few ms. */
export type Delay = (ms: number) => void;
