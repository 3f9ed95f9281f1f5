// One emulated radio board: a HostBoard wired like a real board (its profile in
// boards/<board>/profile.ts), the fitted chip's emulator on the shared Air, and a way to open the
// real driver on it. The host run of the app (src/host/host-node.ts) builds on this, and the
// driver tests use it directly:
//
//   const clock = new VirtualClock({seed: 7});
//   const air = new Air(clock);
//   const a = emulatedNode({air, board: "tbeam", chip: "sx1262", name: "a", position: {x: 0, y: 0}});
//   const radio = a.openRadio({clock, config: {frequencyHz: 869_525_000}, onPacket});

import { BOARD_PROFILES } from "../../boards";
import type { BoardName, BoardProfile, RadioChip, Sx126xWiring, Sx127xWiring } from "../../boards/common/board-profile";
import { radioBoardOptions, type Sx126xBoardOptions, type Sx127xBoardOptions } from "../../boards/common/radio-options";
import type { Radio, RadioOptions } from "../../drivers/radio";
import Sx126x, { type Sx126xOptions } from "../../drivers/sx126x/sx126x";
import Sx127x, { type Sx127xOptions } from "../../drivers/sx127x/sx127x";
import type { Air, AirPosition } from "./air";
import { HostBoard, type HostBoardOptions } from "./io";
import { Sx126xEmulator } from "./sx126x-emulator";
import { Sx127xEmulator } from "./sx127x-emulator";

export interface EmulatedNodeOptions {
  readonly air: Air;
  readonly board: BoardName;
  /** The radio fitted (T-Beam: either); default the board's first listed chip. */
  readonly chip?: RadioChip;
  /** Unique on the air. */
  readonly name: string;
  readonly position?: AirPosition;
  /** Use this board instead of a new one (the host run adds its own IO to it). */
  readonly hostBoard?: HostBoard;
}

/** Driver options beyond the board wiring (clock, config, callbacks, and any override). */
export type RadioOpenOptions = RadioOptions & Partial<Omit<Sx126xOptions, keyof RadioOptions>> & Partial<Omit<Sx127xOptions, keyof RadioOptions>>;

export interface EmulatedNode<Chip extends Sx127xEmulator | Sx126xEmulator = Sx127xEmulator | Sx126xEmulator> {
  readonly name: string;
  readonly profile: BoardProfile;
  readonly board: HostBoard;
  readonly chip: Chip;
  readonly wiring: Sx127xWiring | Sx126xWiring;
  /** The driver's IO descriptors on this board (the host IO classes), from the profile. */
  readonly descriptors: Chip extends Sx127xEmulator ? Sx127xBoardOptions : Sx126xBoardOptions;
  /** Opens the fitted chip's driver (SX127x or SX126x) with the wiring plus `options`. */
  openRadio(options: RadioOpenOptions): Radio;
}

/** The profile's wiring for `chip` (default: the first chip the board may carry). */
export function boardWiring(profile: BoardProfile, chip?: RadioChip): Sx127xWiring | Sx126xWiring {
  const wiring = chip === undefined ? profile.radios[0] : profile.radios.find((r) => r.chip === chip);
  if (wiring === undefined) throw new RangeError(`${profile.name} carries no ${chip}; it may carry ${profile.radios.map((r) => r.chip).join(", ")}`);
  return wiring;
}

/** A host board with the profile's MCU rules: GPIO 34–39 are input-only on the ESP32, not on the ESP32-S3. */
export function hostBoardOptions(profile: BoardProfile, name: string): HostBoardOptions {
  return { name, ...(profile.mcu === "esp32s3" ? { inputOnlyPins: [] } : {}) };
}

export function emulatedNode(options: EmulatedNodeOptions): EmulatedNode {
  const profile = BOARD_PROFILES[options.board];
  const wiring = boardWiring(profile, options.chip);
  const board = options.hostBoard ?? new HostBoard(options.air.clock, hostBoardOptions(profile, options.name));
  const common = { board, air: options.air, name: options.name, spiPort: profile.radioSpi.port, position: options.position };
  const chip =
    wiring.chip === "sx1276"
      ? new Sx127xEmulator({ ...common, pins: { select: wiring.select, reset: wiring.reset, dio0: wiring.dio0, dio1: wiring.dio1 } })
      : new Sx126xEmulator({
          ...common,
          pins: { select: wiring.select, reset: wiring.reset, busy: wiring.busy, dio1: wiring.dio1 },
          tcxoVoltage: wiring.tcxoVolts,
          rfSwitchOnDio2: wiring.dio2RfSwitch,
        });
  const descriptors = radioBoardOptions(wiring, profile.radioSpi, board.io);
  return {
    name: options.name,
    profile,
    board,
    chip,
    wiring,
    descriptors: descriptors as Sx127xBoardOptions & Sx126xBoardOptions,
    openRadio(open: RadioOpenOptions): Radio {
      if (wiring.chip === "sx1276") return new Sx127x({ ...(descriptors as Sx127xBoardOptions), ...open });
      return new Sx126x({ ...(descriptors as Sx126xBoardOptions), ...open });
    },
  };
}

/** An emulated SX1276 node (Heltec V2 unless `board` says otherwise). */
export function sx127xNode(options: Omit<EmulatedNodeOptions, "board" | "chip"> & { readonly board?: "heltec-v2" | "tbeam" }): EmulatedNode<Sx127xEmulator> {
  return emulatedNode({ ...options, board: options.board ?? "heltec-v2", chip: "sx1276" }) as EmulatedNode<Sx127xEmulator>;
}

/** An emulated SX1262 node (Heltec V3 unless `board` says otherwise). */
export function sx126xNode(options: Omit<EmulatedNodeOptions, "board" | "chip"> & { readonly board?: "heltec-v3" | "tbeam" }): EmulatedNode<Sx126xEmulator> {
  return emulatedNode({ ...options, board: options.board ?? "heltec-v3", chip: "sx1262" }) as EmulatedNode<Sx126xEmulator>;
}
