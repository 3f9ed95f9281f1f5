// What both chip emulators share: wiring to a HostBoard (SPI bus, NSS, NRESET, output pins), a
// seat on the Air, and the record tests read — `violations` (protocol mistakes a real chip would
// punish, each also making the chip ignore or mis-handle the offending access) and a bounded
// `history` of the SPI traffic it understood.

import type { Air, AirModem, AirPosition, AirRadio, AirReception } from "./air";
import type { VirtualClock } from "./clock";
import type { HostBoard, Level, SpiDevice, Wire } from "./io";

export interface ChipPins {
  readonly select: number;
  readonly reset: number;
}

export interface ChipOptions {
  readonly board: HostBoard;
  readonly air: Air;
  /** Unique name on the air (used by the link table). */
  readonly name: string;
  /** SPI bus (ESP32 host) the chip sits on. */
  readonly spiPort: number;
  readonly position?: AirPosition;
  /** Keep at most this many history entries (default 10 000). */
  readonly historyLimit?: number;
  /** Seed of the receiver noise the chip's random-number source reads (deterministic runs). */
  readonly noiseSeed?: number;
}

/**
 * The receiver's thermal noise as the chips' random-number sources see it: an xorshift32 stream
 * (seeded, so runs reproduce), one byte per read.
 */
export class NoiseSource {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.#s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#s = x >>> 0;
    return this.#s >>> 24;
  }
}

export interface HistoryEntry {
  readonly at: number;
  /** "write"/"read" for SX127x registers, "command" for SX126x opcodes. */
  readonly kind: "write" | "read" | "command";
  /** Register address or opcode. */
  readonly code: number;
  /** Written value(s) or command parameters. */
  readonly data: readonly number[];
}

export abstract class EmulatedChip implements SpiDevice, AirRadio {
  readonly name: string;
  readonly board: HostBoard;
  readonly air: Air;
  readonly clock: VirtualClock;
  /** Protocol violations, oldest first. */
  readonly violations: string[] = [];
  readonly history: HistoryEntry[] = [];
  readonly #historyLimit: number;
  readonly #outputs = new Map<number, Wire>();

  protected constructor(options: ChipOptions, pins: ChipPins) {
    this.name = options.name;
    this.board = options.board;
    this.air = options.air;
    this.clock = options.board.clock;
    this.#historyLimit = options.historyLimit ?? 10_000;
    const select = this.board.wire(pins.select);
    select.onChange((level) => (level === 0 ? this.selected() : this.deselected()));
    const reset = this.board.wire(pins.reset);
    reset.onChange((level) => (level === 0 ? this.resetAsserted() : this.resetReleased()));
    this.board.attachSpi(options.spiPort, this, pins.select);
    this.air.join(this, options.position);
  }

  /** Violations whose text contains `text` (test helper). */
  violationsMatching(text: string): string[] {
    return this.violations.filter((v) => v.includes(text));
  }

  abstract exchange(mosi: number): number;
  abstract listening(): AirModem | undefined;
  abstract receive(reception: AirReception): void;

  /** NSS went low / high. */
  protected abstract selected(): void;
  protected abstract deselected(): void;
  protected abstract resetAsserted(): void;
  protected abstract resetReleased(): void;

  protected violation(message: string): void {
    this.violations.push(`${this.name} @${this.clock.now().toFixed(3)} ms: ${message}`);
  }

  protected record(kind: HistoryEntry["kind"], code: number, data: readonly number[]): void {
    this.history.push({ at: this.clock.now(), kind, code, data });
    if (this.history.length > this.#historyLimit) this.history.splice(0, this.history.length - this.#historyLimit);
  }

  /** Drives one of the chip's output pins (DIO, BUSY); undefined leaves it unconnected. */
  protected drive(pin: number | undefined, level: Level): void {
    if (pin === undefined) return;
    let wire = this.#outputs.get(pin);
    if (wire === undefined) {
      wire = this.board.wire(pin);
      this.#outputs.set(pin, wire);
    }
    wire.drive(this, level);
  }
}
