// A host "board": GPIO wires and SPI buses in virtual time, with ECMA-419-shaped IO classes
// (moddable.md §4.1, §4.2) bound to it, so the radio drivers run unchanged against emulated chips.
//
//   const board = new HostBoard(clock, {name: "node-1"});
//   const chip = new Sx126xEmulator({board, air, ...});        // attaches to wires and a bus
//   new Sx126x({spi: {io: board.io.SPI, clock: 9, in: 11, out: 10, port: 1},
//               select: {io: board.io.Digital, pin: 8}, ...});
//
// Faithful where drivers can go wrong: pins are reserved ("in use") until closed, GPIO 34–39 are
// input-only, onReadable runs as a task after the edge (coalesced), SPI needs `port` and a legal
// `hz`, a `select` given to SPI stays asserted until flush(true) (the select trap), and a bus with
// no chip selected reads the idle level.

import type { SpiOpenOptions } from "../../drivers/io";
import type { VirtualClock } from "./clock";

export type Level = 0 | 1;

/** A chip on an SPI bus: gets each byte clocked while its NSS wire is low, returns MISO. */
export interface SpiDevice {
  exchange(mosi: number): number;
}

/** One GPIO net: driven by at most one output (else contention), otherwise pulled or floating. */
export class Wire {
  readonly pin: number;
  readonly #board: HostBoard;
  readonly #drivers = new Map<object, Level>();
  readonly #listeners = new Set<(level: Level) => void>();
  #pull: Level | undefined;
  #level: Level;

  constructor(board: HostBoard, pin: number) {
    this.#board = board;
    this.pin = pin;
    this.#level = board.floatingLevel;
  }

  get level(): Level {
    return this.#level;
  }

  /** Drives the wire from `owner` (undefined stops driving). */
  drive(owner: object, level: Level | undefined): void {
    if (level === undefined) this.#drivers.delete(owner);
    else this.#drivers.set(owner, level);
    this.#update();
  }

  /** Pull resistor seen when nothing drives the wire. */
  pull(level: Level | undefined): void {
    this.#pull = level;
    this.#update();
  }

  /** Calls `listener(level)` synchronously at every level change; returns the unsubscribe function. */
  onChange(listener: (level: Level) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #update(): void {
    const levels = new Set(this.#drivers.values());
    if (levels.size > 1) this.#board.fault(`pin ${this.pin}: two outputs drive different levels`);
    const level: Level = levels.size > 0 ? (levels.has(0) ? 0 : 1) : (this.#pull ?? this.#board.floatingLevel);
    if (level === this.#level) return;
    this.#level = level;
    for (const listener of [...this.#listeners]) listener(level);
  }
}

export interface HostBoardOptions {
  readonly name?: string;
  /** Level of a wire nothing drives or pulls (default 0). */
  readonly floatingLevel?: Level;
  /** MISO when no chip is selected (default 0x00). */
  readonly misoIdle?: number;
  /** Pins that cannot be outputs (default ESP32 GPIO 34–39). */
  readonly inputOnlyPins?: readonly number[];
}

interface BusMember {
  readonly device: SpiDevice;
  readonly select: Wire;
}

export interface HostDigitalOptions {
  pin: number;
  /** One of the class's mode constants (checked at run time, as on the device). */
  mode: unknown;
  edge?: number;
  onReadable?: (this: HostDigital, triggered: number) => void;
  format?: "number";
}

/** The driver-facing SPI options plus what the device also accepts. */
export interface HostSpiOptions extends SpiOpenOptions {
  select?: number;
  active?: Level;
  format?: "buffer";
}

export interface HostDigital {
  read(): Level;
  write(value: Level): void;
  close(): void;
  readonly format: "number";
}

export interface HostDigitalClass {
  new (options: HostDigitalOptions): HostDigital;
  readonly Input: 0;
  readonly InputPullUp: 1;
  readonly InputPullDown: 2;
  readonly InputPullUpDown: 3;
  readonly Output: 8;
  readonly OutputOpenDrain: 9;
  readonly Rising: 1;
  readonly Falling: 2;
}

export interface HostSpi {
  transfer(buffer: ArrayBufferView | ArrayBuffer): void;
  write(buffer: ArrayBufferView | ArrayBuffer): void;
  read(bufferOrCount: ArrayBufferView | ArrayBuffer | number): ArrayBuffer | void;
  flush(deselect?: boolean): void;
  close(): void;
  readonly format: "buffer";
}

export interface HostSpiClass {
  new (options: HostSpiOptions): HostSpi;
}

const ESP32_INPUT_ONLY = Object.freeze([34, 35, 36, 37, 38, 39]);

export class HostBoard {
  readonly clock: VirtualClock;
  readonly name: string;
  readonly floatingLevel: Level;
  readonly misoIdle: number;
  readonly inputOnlyPins: readonly number[];
  /** Electrical faults seen (contention, two chips answering on one bus). */
  readonly faults: string[] = [];
  /** The ECMA-419 IO classes bound to this board. */
  readonly io: { readonly SPI: HostSpiClass; readonly Digital: HostDigitalClass };
  readonly #wires = new Map<number, Wire>();
  readonly #buses = new Map<number, BusMember[]>();
  readonly #claims = new Map<number, string>();

  constructor(clock: VirtualClock, options: HostBoardOptions = {}) {
    this.clock = clock;
    this.name = options.name ?? "board";
    this.floatingLevel = options.floatingLevel ?? 0;
    this.misoIdle = options.misoIdle ?? 0x00;
    this.inputOnlyPins = options.inputOnlyPins ?? ESP32_INPUT_ONLY;
    this.io = Object.freeze({ SPI: spiClass(this), Digital: digitalClass(this) });
  }

  wire(pin: number): Wire {
    let wire = this.#wires.get(pin);
    if (wire === undefined) {
      wire = new Wire(this, pin);
      this.#wires.set(pin, wire);
    }
    return wire;
  }

  /** Puts `device` on SPI bus `port`, selected while `selectPin` is low. */
  attachSpi(port: number, device: SpiDevice, selectPin: number): void {
    const members = this.#buses.get(port) ?? [];
    members.push({ device, select: this.wire(selectPin) });
    this.#buses.set(port, members);
  }

  /** Clocks one byte on bus `port`: every selected chip sees it; MISO is theirs, or the idle level. */
  exchange(port: number, mosi: number): number {
    const selected = (this.#buses.get(port) ?? []).filter((m) => m.select.level === 0);
    if (selected.length === 0) return this.misoIdle;
    if (selected.length > 1) this.fault(`SPI port ${port}: ${selected.length} chips selected at once`);
    let miso = 0;
    for (const member of selected) miso |= member.device.exchange(mosi & 0xff) & 0xff;
    return miso;
  }

  /** Pins currently claimed by open IO instances, ascending. */
  pinsInUse(): number[] {
    return [...this.#claims.keys()].sort((a, b) => a - b);
  }

  fault(message: string): void {
    this.faults.push(`${this.name}: ${message}`);
  }

  claim(pins: readonly number[], what: string): void {
    for (const pin of pins) {
      const holder = this.#claims.get(pin);
      if (holder !== undefined) throw new Error(`pin ${pin} in use (by ${holder})`);
    }
    for (const pin of pins) this.#claims.set(pin, what);
  }

  release(pins: readonly number[]): void {
    for (const pin of pins) this.#claims.delete(pin);
  }
}

function checkPin(pin: unknown, what: string): number {
  if (typeof pin !== "number" || !Number.isInteger(pin) || pin < 0 || pin > 48) throw new RangeError(`${what}: invalid pin ${String(pin)}`);
  return pin;
}

function toBytes(buffer: ArrayBufferView | ArrayBuffer): Uint8Array {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  throw new TypeError("SPI: buffer must be an ArrayBuffer or a view of one");
}

function digitalClass(board: HostBoard): HostDigitalClass {
  const MODES: readonly unknown[] = [0, 1, 2, 3, 8, 9];
  class Digital implements HostDigital {
    static readonly Input = 0 as const;
    static readonly InputPullUp = 1 as const;
    static readonly InputPullDown = 2 as const;
    static readonly InputPullUpDown = 3 as const;
    static readonly Output = 8 as const;
    static readonly OutputOpenDrain = 9 as const;
    static readonly Rising = 1 as const;
    static readonly Falling = 2 as const;
    readonly #wire: Wire;
    readonly #output: boolean;
    #open = true;
    #unsubscribe: (() => void) | undefined;
    #pendingEdge: object | undefined;
    #triggered = 0;

    constructor(options: HostDigitalOptions) {
      const pin = checkPin(options?.pin, "Digital");
      if (!MODES.includes(options.mode)) throw new RangeError(`Digital: invalid mode ${String(options.mode)} for pin ${pin}`);
      const mode = options.mode as number;
      const output = mode >= 8;
      if (output && board.inputOnlyPins.includes(pin)) throw new RangeError(`Digital: pin ${pin} is input only`);
      if (options.onReadable !== undefined && !(options.edge === 1 || options.edge === 2 || options.edge === 3)) {
        throw new RangeError(`Digital: onReadable on pin ${pin} needs edge Rising and/or Falling`);
      }
      board.claim([pin], `Digital ${pin}`);
      this.#wire = board.wire(pin);
      this.#output = output;
      if (!output) this.#wire.pull(mode === 1 ? 1 : mode === 2 ? 0 : undefined);
      const onReadable = options.onReadable;
      const edge = options.edge ?? 0;
      if (onReadable !== undefined) {
        // The ISR only posts a message; the callback runs later as a task, edges coalesced (moddable.md §4.2).
        this.#unsubscribe = this.#wire.onChange((level) => {
          if (!((level === 1 && edge & 1) || (level === 0 && edge & 2))) return;
          this.#triggered |= 1 << (pin % 32);
          if (this.#pendingEdge !== undefined) return;
          this.#pendingEdge = board.clock.set(() => {
            this.#pendingEdge = undefined;
            const triggered = this.#triggered;
            this.#triggered = 0;
            if (this.#open) onReadable.call(this, triggered);
          }, 0);
        });
      }
    }

    get format(): "number" {
      return "number";
    }

    read(): Level {
      this.#check();
      return this.#wire.level;
    }

    write(value: Level): void {
      this.#check();
      if (!this.#output) throw new Error(`Digital: pin ${this.#wire.pin} is an input`);
      if (value !== 0 && value !== 1) throw new RangeError(`Digital: write(${String(value)}) on pin ${this.#wire.pin}`);
      this.#wire.drive(this, value);
    }

    close(): void {
      if (!this.#open) return;
      this.#open = false;
      this.#unsubscribe?.();
      if (this.#pendingEdge !== undefined) board.clock.clear(this.#pendingEdge);
      if (this.#output) this.#wire.drive(this, undefined);
      else this.#wire.pull(undefined);
      board.release([this.#wire.pin]);
    }

    #check(): void {
      if (!this.#open) throw new Error(`Digital: pin ${this.#wire.pin} is closed`);
    }
  }
  return Digital;
}

function spiClass(board: HostBoard): HostSpiClass {
  class SPI implements HostSpi {
    readonly #port: number;
    readonly #pins: number[];
    readonly #select: Wire | undefined;
    readonly #active: Level;
    #open = true;

    constructor(options: HostSpiOptions) {
      checkPin(options?.clock, "SPI clock");
      if (options.in === undefined && options.out === undefined) throw new Error("SPI: in or out required");
      if (!(options.hz >= 1 && options.hz <= 40_000_000)) throw new RangeError(`SPI: hz ${options.hz} is not 1..40000000`);
      if (options.mode !== undefined && ![0, 1, 2, 3].includes(options.mode)) throw new RangeError(`SPI: mode ${options.mode} is not 0..3`);
      if (options.port === undefined) throw new RangeError("SPI: port is required on ESP32 (1 or 2)");
      this.#port = options.port;
      // The bus pins are shared by every instance on the port (one ESP-IDF bus); only select is owned.
      this.#pins = options.select === undefined ? [] : [checkPin(options.select, "SPI select")];
      board.claim(this.#pins, `SPI select on port ${options.port}`);
      this.#select = options.select === undefined ? undefined : board.wire(options.select);
      this.#active = options.active ?? 0;
    }

    get format(): "buffer" {
      return "buffer";
    }

    transfer(buffer: ArrayBufferView | ArrayBuffer): void {
      this.#clock(toBytes(buffer), true);
    }

    write(buffer: ArrayBufferView | ArrayBuffer): void {
      this.#clock(toBytes(buffer).slice(), false);
    }

    read(bufferOrCount: ArrayBufferView | ArrayBuffer | number): ArrayBuffer | void {
      if (typeof bufferOrCount === "number") {
        const bytes = new Uint8Array(bufferOrCount);
        this.#clock(bytes, true);
        return bytes.buffer;
      }
      const bytes = toBytes(bufferOrCount);
      bytes.fill(0);
      this.#clock(bytes, true);
    }

    /** flush(true) releases a `select` pin the SPI instance drives (moddable.md §4.1). */
    flush(deselect?: boolean): void {
      this.#checkOpen();
      if (deselect) this.#select?.drive(this, this.#active === 0 ? 1 : 0);
    }

    close(): void {
      if (!this.#open) return;
      this.#open = false;
      this.#select?.drive(this, undefined);
      board.release(this.#pins);
    }

    #clock(bytes: Uint8Array, keepMiso: boolean): void {
      this.#checkOpen();
      if (bytes.length > 65_535) throw new RangeError("SPI: at most 65535 bytes per call");
      this.#select?.drive(this, this.#active);
      for (let i = 0; i < bytes.length; i++) {
        const miso = board.exchange(this.#port, bytes[i]);
        if (keepMiso) bytes[i] = miso;
      }
    }

    #checkOpen(): void {
      if (!this.#open) throw new Error("SPI: closed");
    }
  }
  return SPI;
}
