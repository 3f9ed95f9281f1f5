// Fake ECMA-419 IO classes that record what the code under test does to each pin, in order.
// ES2022 only: also used by the XS test bundle.
import type { AnalogLike, DigitalConstructor, DigitalLike, DigitalOptions } from "../../src/app/io-types";

export type PinEvent =
  | { readonly op: "open"; readonly pin: number; readonly mode: number }
  | { readonly op: "write"; readonly pin: number; readonly value: number }
  | { readonly op: "read"; readonly pin: number; readonly value: number }
  | { readonly op: "close"; readonly pin: number }
  | { readonly op: "delay"; readonly ms: number };

export const MODE = Object.freeze({ Input: 0, InputPullUp: 1, Output: 8 });

/** A board's pins: a shared event log, input levels, and which pins are currently open. */
export class FakeBoard {
  readonly events: PinEvent[] = [];
  readonly inputLevels = new Map<number, 0 | 1>();
  readonly open = new Set<number>();
  readonly analogReadings = new Map<number, number[]>();
  readonly #handlers = new Map<number, () => void>();

  /** A Digital class bound to this board. */
  readonly Digital: DigitalConstructor;
  readonly Analog: new (options: { pin: number }) => AnalogLike;
  readonly delay = (ms: number): void => {
    this.events.push({ op: "delay", ms });
  };

  constructor(analogResolution = 12) {
    const board = this;
    class Digital implements DigitalLike {
      static readonly Input = MODE.Input;
      static readonly InputPullUp = MODE.InputPullUp;
      static readonly Output = MODE.Output;
      static readonly Rising = 1;
      static readonly Falling = 2;
      readonly #pin: number;
      #closed = false;
      constructor(options: DigitalOptions) {
        if (board.open.has(options.pin)) throw new Error(`pin ${options.pin} in use`);
        this.#pin = options.pin;
        board.open.add(options.pin);
        board.events.push({ op: "open", pin: options.pin, mode: options.mode });
        const handler = options.onReadable;
        if (handler !== undefined) board.#handlers.set(options.pin, () => handler.call(this, 1 << options.pin));
      }
      read(): number {
        const value = board.inputLevels.get(this.#pin) ?? 0;
        board.events.push({ op: "read", pin: this.#pin, value });
        return value;
      }
      write(value: 0 | 1): void {
        if (this.#closed) throw new Error("closed");
        board.events.push({ op: "write", pin: this.#pin, value });
      }
      close(): void {
        if (this.#closed) return;
        this.#closed = true;
        board.open.delete(this.#pin);
        board.#handlers.delete(this.#pin);
        board.events.push({ op: "close", pin: this.#pin });
      }
    }
    class Analog implements AnalogLike {
      readonly resolution = analogResolution;
      readonly #pin: number;
      constructor(options: { pin: number }) {
        if (board.open.has(options.pin)) throw new Error(`pin ${options.pin} in use`);
        this.#pin = options.pin;
        board.open.add(options.pin);
      }
      read(): number {
        const queue = board.analogReadings.get(this.#pin) ?? [];
        const value = queue.length > 1 ? (queue.shift() as number) : (queue[0] ?? 0);
        board.events.push({ op: "read", pin: this.#pin, value });
        return value;
      }
      close(): void {
        board.open.delete(this.#pin);
      }
    }
    this.Digital = Digital;
    this.Analog = Analog;
  }

  /** Sets an input level and delivers the edge interrupt, as the ESP32 IO would. */
  trigger(pin: number, level: 0 | 1): void {
    this.inputLevels.set(pin, level);
    this.#handlers.get(pin)?.();
  }

  /** Writes to one pin, in order. */
  writes(pin: number): number[] {
    return this.events.flatMap((e) => (e.op === "write" && e.pin === pin ? [e.value] : []));
  }

  /** Index in the event log of the first write of `value` to `pin`, -1 if none. */
  firstWrite(pin: number, value: number): number {
    return this.events.findIndex((e) => e.op === "write" && e.pin === pin && e.value === value);
  }
}
