// Shared fixtures for the driver/emulator tests: a world (clock + air), emulated nodes, and IO
// wrappers that inject the mistakes a broken driver would make (dropped or altered SPI
// transactions, a BUSY pin read as low, a dead interrupt pin) while the real driver runs.

import { BOARD_PROFILES } from "../../boards";
import type { Sx126xWiring, Sx127xWiring } from "../../boards/common/board-profile";
import { sx126xBoardOptions, sx127xBoardOptions, type Sx126xBoardOptions, type Sx127xBoardOptions } from "../../boards/common/radio-options";
import type { RadioConfig, RadioPacket } from "../../drivers/radio";
import { Air, type AirOptions } from "../../src/host/air";
import { VirtualClock } from "../../src/host/clock";
import type { HistoryEntry } from "../../src/host/chip";
import { HostBoard, type HostDigitalClass, type HostDigitalOptions, type HostSpiClass, type Level } from "../../src/host/io";
import { type EmulatedNode, emulatedNode, sx126xNode, sx127xNode } from "../../src/host/node";
import type { Sx126xEmulator } from "../../src/host/sx126x-emulator";
import type { Sx127xEmulator } from "../../src/host/sx127x-emulator";

export const EU_FREQUENCY = 869_525_000;

export interface World {
  readonly clock: VirtualClock;
  readonly air: Air;
}

export function world(options: AirOptions = {}, seed = 1): World {
  const clock = new VirtualClock({ seed });
  return { clock, air: new Air(clock, options) };
}

/** A board wired like `name` (its profile) but with no chip on it (yet): for missing-chip and raw tests. */
export function bareBoard(w: World, name: "heltec-v2"): { board: HostBoard; descriptors: Sx127xBoardOptions };
export function bareBoard(w: World, name: "heltec-v3"): { board: HostBoard; descriptors: Sx126xBoardOptions };
export function bareBoard(w: World, name: "heltec-v2" | "heltec-v3"): { board: HostBoard; descriptors: Sx127xBoardOptions | Sx126xBoardOptions } {
  const board = new HostBoard(w.clock, { name });
  const profile = BOARD_PROFILES[name];
  const wiring = profile.radios[0];
  const descriptors =
    wiring.chip === "sx1276"
      ? sx127xBoardOptions(wiring as Sx127xWiring, profile.radioSpi, board.io)
      : sx126xBoardOptions(wiring as Sx126xWiring, profile.radioSpi, board.io);
  return { board, descriptors };
}

/** A node plus a receive log, opened with the real driver. */
export interface Station<Chip extends Sx127xEmulator | Sx126xEmulator> {
  readonly node: EmulatedNode<Chip>;
  readonly radio: ReturnType<EmulatedNode["openRadio"]>;
  readonly packets: RadioPacket[];
  readonly errors: Error[];
}

type Extra = Parameters<EmulatedNode["openRadio"]>[0];

function open<Chip extends Sx127xEmulator | Sx126xEmulator>(
  w: World,
  node: EmulatedNode<Chip>,
  config: Partial<RadioConfig>,
  extra: Partial<Extra>,
): Station<Chip> {
  const packets: RadioPacket[] = [];
  const errors: Error[] = [];
  const radio = node.openRadio({
    clock: w.clock,
    config: { frequencyHz: EU_FREQUENCY, ...config },
    onPacket: (p) => packets.push(p),
    onError: (e) => errors.push(e),
    ...extra,
  });
  return { node, radio, packets, errors };
}

export function sx127xStation(w: World, name: string, config: Partial<RadioConfig> = {}, extra: Partial<Extra> = {}): Station<Sx127xEmulator> {
  return open(w, sx127xNode({ air: w.air, name }), config, extra);
}

export function sx126xStation(w: World, name: string, config: Partial<RadioConfig> = {}, extra: Partial<Extra> = {}): Station<Sx126xEmulator> {
  return open(w, sx126xNode({ air: w.air, name }), config, extra);
}

export function anyStation(w: World, board: "heltec-v2" | "heltec-v3", name: string, config: Partial<RadioConfig> = {}): Station<Sx127xEmulator | Sx126xEmulator> {
  return open(w, emulatedNode({ air: w.air, board, name }), config, {});
}

/** Sends and runs the clock until onDone; returns its error (undefined on success). */
export function sendAndWait(w: World, station: Station<Sx127xEmulator | Sx126xEmulator>, bytes: Uint8Array, limitMs = 20_000): Error | undefined {
  let result: Error | undefined | "pending" = "pending";
  station.radio.send(bytes, (error) => (result = error));
  const finished = w.clock.runUntil(() => result !== "pending", limitMs);
  if (!finished) throw new Error(`send did not complete within ${limitMs} ms`);
  return result === "pending" ? undefined : result;
}

/** Runs a CAD and returns its result. */
export function cadAndWait(w: World, station: Station<Sx127xEmulator | Sx126xEmulator>): { busy: boolean; error?: Error } {
  let result: { busy: boolean; error?: Error } | undefined;
  station.radio.cad((busy, error) => (result = { busy, error }));
  if (!w.clock.runUntil(() => result !== undefined, 5_000)) throw new Error("CAD did not complete");
  return result!;
}

/** Commands (SX126x) or register writes (SX127x) the chip understood, in order. */
export function commands(chip: { history: readonly HistoryEntry[] }, code?: number): HistoryEntry[] {
  return chip.history.filter((h) => (h.kind === "command" || h.kind === "write") && (code === undefined || h.code === code));
}

export function payload(length: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 7) & 0xff);
}

// ---- fault injection -------------------------------------------------------------------------

/**
 * An SPI class that shows every transfer to `filter` first: "pass" forwards it, "drop" swallows it
 * (NSS still toggles, the chip sees an empty transaction), a Uint8Array replaces the bytes sent.
 */
export function filteredSpi(Base: HostSpiClass, filter: (bytes: Uint8Array) => "pass" | "drop" | Uint8Array): HostSpiClass {
  return class FilteredSpi extends Base {
    override transfer(buffer: ArrayBufferView | ArrayBuffer): void {
      const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      const verdict = filter(bytes.slice());
      if (verdict === "drop") {
        bytes.fill(0);
        return;
      }
      if (verdict !== "pass") bytes.set(verdict.subarray(0, bytes.length));
      super.transfer(bytes);
    }
  };
}

/** A Digital class whose instance on `pin` reads through `read` and/or never calls onReadable. */
export function alteredDigital(Base: HostDigitalClass, pin: number, change: { read?: (real: Level) => Level; deaf?: boolean }): HostDigitalClass {
  return class AlteredDigital extends Base {
    readonly #altered: boolean;
    constructor(options: HostDigitalOptions) {
      const altered = options.pin === pin;
      super(altered && change.deaf ? { ...options, onReadable: undefined, edge: undefined } : options);
      this.#altered = altered;
    }
    override read(): Level {
      const real = super.read();
      return this.#altered && change.read !== undefined ? change.read(real) : real;
    }
  };
}
