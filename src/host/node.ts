// One emulated node: a HostBoard wired like a real board (drivers/board-radios.ts), its chip
// emulator on the shared Air, and a way to open the real driver on it. This is what the app's
// host run builds five of:
//
//   const clock = new VirtualClock({seed: 7});
//   const air = new Air(clock);
//   const a = emulatedNode({air, board: "heltec-v3", name: "a", position: {x: 0, y: 0}});
//   const radio = a.openRadio({clock, config: {frequencyHz: 869_525_000}, onPacket});

import type { Radio, RadioOptions } from "../../drivers/radio";
import type { Air, AirPosition } from "./air";
import { BOARD_RADIOS, type BoardRadioName, radioDescriptors, type RadioDescriptors, type RadioWiring } from "../../drivers/board-radios";
import Sx126x, { type Sx126xOptions } from "../../drivers/sx126x/sx126x";
import Sx127x, { type Sx127xOptions } from "../../drivers/sx127x/sx127x";
import { HostBoard } from "./io";
import { Sx126xEmulator } from "./sx126x-emulator";
import { Sx127xEmulator } from "./sx127x-emulator";

export interface EmulatedNodeOptions {
  readonly air: Air;
  readonly board: BoardRadioName;
  /** Unique on the air. */
  readonly name: string;
  readonly position?: AirPosition;
}

/** Driver options beyond the board wiring (clock, config, callbacks, and any override). */
export type RadioOpenOptions = RadioOptions & Partial<Omit<Sx126xOptions, keyof RadioOptions>> & Partial<Omit<Sx127xOptions, keyof RadioOptions>>;

export interface EmulatedNode<Chip extends Sx127xEmulator | Sx126xEmulator = Sx127xEmulator | Sx126xEmulator> {
  readonly name: string;
  readonly board: HostBoard;
  readonly chip: Chip;
  readonly wiring: RadioWiring;
  /** The driver's IO descriptors on this board (the host IO classes). */
  readonly descriptors: RadioDescriptors;
  /** Opens the board's driver (SX127x or SX126x) with the wiring plus `options`. */
  openRadio(options: RadioOpenOptions): Radio;
}

export function emulatedNode(options: EmulatedNodeOptions): EmulatedNode {
  const wiring = BOARD_RADIOS[options.board];
  const board = new HostBoard(options.air.clock, { name: options.name });
  const common = { board, air: options.air, name: options.name, spiPort: wiring.spi.port, position: options.position };
  const chip =
    wiring.family === "sx127x"
      ? new Sx127xEmulator({ ...common, pins: { select: wiring.select, reset: wiring.reset, dio0: wiring.interrupt } })
      : new Sx126xEmulator({
          ...common,
          pins: { select: wiring.select, reset: wiring.reset, busy: wiring.busy!, dio1: wiring.interrupt },
          tcxoVoltage: wiring.tcxoVoltage,
          rfSwitchOnDio2: wiring.dio2RfSwitch,
        });
  const descriptors = radioDescriptors(wiring, board.io);
  return {
    name: options.name,
    board,
    chip,
    wiring,
    descriptors,
    openRadio(open: RadioOpenOptions): Radio {
      if (wiring.family === "sx127x") return new Sx127x({ ...descriptors, ...open });
      return new Sx126x({ ...descriptors, busy: descriptors.busy!, ...open });
    },
  };
}

/** An emulated SX1276 node (Heltec V2 wiring unless `board` says otherwise). */
export function sx127xNode(options: Omit<EmulatedNodeOptions, "board"> & { readonly board?: "heltec-v2" | "tbeam-sx1276" }): EmulatedNode<Sx127xEmulator> {
  return emulatedNode({ ...options, board: options.board ?? "heltec-v2" }) as EmulatedNode<Sx127xEmulator>;
}

/** An emulated SX1262 node (Heltec V3 wiring unless `board` says otherwise). */
export function sx126xNode(options: Omit<EmulatedNodeOptions, "board"> & { readonly board?: "heltec-v3" | "tbeam-sx1262" }): EmulatedNode<Sx126xEmulator> {
  return emulatedNode({ ...options, board: options.board ?? "heltec-v3" }) as EmulatedNode<Sx126xEmulator>;
}
