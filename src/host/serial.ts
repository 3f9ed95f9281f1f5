// UARTs on a host board, with an ECMA-419-shaped Serial class (moddable.md §4.3) bound to them:
// the far end of each UART (a terminal, a GPS module) is a HostUart that sends bytes to the
// firmware and hears what it writes. As on the ESP32: `port` picks the UART and `baud` is
// required, one open instance per port ("port in use"), `read()` returns every waiting byte as
// an ArrayBuffer (format "buffer"), and onReadable runs later as a task, several arrivals
// coalesced into one callback.
import type { SerialLike, SerialOptions } from "../app/io-types";
import type { VirtualClock } from "./clock";
import type { HostBoard } from "./io";

export class HostUart {
  readonly port: number;
  readonly #clock: VirtualClock;
  readonly #onOutput: ((bytes: Uint8Array) => void) | undefined;
  #toDevice: number[] = [];
  #device: HostSerial | undefined;
  #pendingReadable: object | undefined;
  /** False while the far end has no power: what it sends is lost (T-Beam GPS before LDO3). */
  powered: () => boolean = () => true;

  constructor(clock: VirtualClock, port: number, options: { readonly onOutput?: (bytes: Uint8Array) => void } = {}) {
    this.#clock = clock;
    this.port = port;
    this.#onOutput = options.onOutput;
  }

  /** Whether the firmware has this UART open. */
  get open(): boolean {
    return this.#device !== undefined;
  }

  /** The far end transmits: the bytes wait in the UART until the firmware reads them. */
  send(data: Uint8Array | string): void {
    if (!this.powered()) return;
    const bytes = typeof data === "string" ? Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff) : data;
    // Nobody listening: the bytes are lost, as on a UART with no driver installed.
    if (this.#device === undefined) return;
    for (const b of bytes) this.#toDevice.push(b);
    this.#notify();
  }

  /** @internal The Serial instance opening this UART. */
  attach(device: HostSerial): void {
    if (this.#device !== undefined) throw new Error(`Serial: port ${this.port} in use`);
    this.#device = device;
    this.#toDevice = [];
  }

  /** @internal */
  detach(device: HostSerial): void {
    if (this.#device !== device) return;
    this.#device = undefined;
    this.#toDevice = [];
    if (this.#pendingReadable !== undefined) this.#clock.clear(this.#pendingReadable);
    this.#pendingReadable = undefined;
  }

  /** @internal */
  take(): number[] {
    const bytes = this.#toDevice;
    this.#toDevice = [];
    return bytes;
  }

  /** @internal The firmware wrote. */
  output(bytes: Uint8Array): void {
    this.#onOutput?.(bytes);
  }

  #notify(): void {
    if (this.#pendingReadable !== undefined) return;
    this.#pendingReadable = this.#clock.set(() => {
      this.#pendingReadable = undefined;
      const device = this.#device;
      if (device !== undefined && this.#toDevice.length > 0) device.readable(this.#toDevice.length);
    }, 0);
  }
}

export interface HostSerial extends SerialLike {
  /** @internal */
  readable(count: number): void;
}

export type HostSerialClass = new (options: SerialOptions) => HostSerial;

/** A Serial class for `board` whose ports are the given UARTs. */
export function hostSerialClass(board: HostBoard, uarts: readonly HostUart[]): HostSerialClass {
  const byPort = new Map(uarts.map((u) => [u.port, u]));
  return class Serial implements HostSerial {
    readonly #uart: HostUart;
    readonly #pins: number[];
    readonly #onReadable: SerialOptions["onReadable"];
    #open = true;

    constructor(options: SerialOptions) {
      if (!(options?.baud >= 1 && options.baud <= 20_000_000)) throw new RangeError(`Serial: baud ${options?.baud} is not 1..20000000`);
      const uart = byPort.get(options.port);
      if (uart === undefined) throw new RangeError(`Serial: no UART ${options.port} wired on ${board.name}`);
      if (options.format !== undefined && options.format !== "buffer") throw new RangeError(`Serial: format "${options.format}" is not supported here`);
      this.#pins = [options.receive, options.transmit].filter((p): p is number => p !== undefined);
      board.claim(this.#pins, `Serial port ${options.port}`);
      try {
        uart.attach(this);
      } catch (e) {
        board.release(this.#pins);
        throw e;
      }
      this.#uart = uart;
      this.#onReadable = options.onReadable;
    }

    read(): ArrayBuffer | undefined {
      this.#check();
      const bytes = this.#uart.take();
      return bytes.length === 0 ? undefined : Uint8Array.from(bytes).buffer;
    }

    write(data: ArrayBuffer | Uint8Array): void {
      this.#check();
      this.#uart.output(data instanceof Uint8Array ? data.slice() : new Uint8Array(data.slice(0)));
    }

    close(): void {
      if (!this.#open) return;
      this.#open = false;
      this.#uart.detach(this);
      board.release(this.#pins);
    }

    readable(count: number): void {
      if (this.#open) this.#onReadable?.call(this, count);
    }

    #check(): void {
      if (!this.#open) throw new Error(`Serial: port ${this.#uart.port} is closed`);
    }
  };
}
