// Opens a board's radio on the device: its wiring (board-radios.ts) on Moddable's `device.io`
// classes, with the Timer/Time-backed clock. Board providers and the firmware call this; it is
// compiled against the Moddable typings only (tsconfig.moddable.json), never on the host.
//
//   const radio = openBoardRadio("heltec-v3", {config: {frequencyHz: 869_525_000}, onPacket});

import Time from "time";
import Timer from "timer";
import type { Radio, RadioOptions } from "./radio";
import { BOARD_RADIOS, type BoardRadioName, radioDescriptors } from "./board-radios";
import { moddableClock } from "./moddable-clock";
import Sx126x from "./sx126x/sx126x";
import Sx127x from "./sx127x/sx127x";

export type BoardRadioOptions = Omit<RadioOptions, "clock">;

export function openBoardRadio(board: BoardRadioName, options: BoardRadioOptions): Radio {
  const wiring = BOARD_RADIOS[board];
  const descriptors = radioDescriptors(wiring, device.io);
  const clock = moddableClock(Timer, Time);
  if (wiring.family === "sx127x") return new Sx127x({ ...descriptors, ...options, clock });
  return new Sx126x({ ...descriptors, busy: descriptors.busy!, ...options, clock });
}
