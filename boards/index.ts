// All board profiles by name, for host tools and tests (the device build links only its own
// board's profile, as the module "system5/board-profile").
import type { BoardName, BoardProfile } from "./common/board-profile";
import heltecV2 from "./heltec-v2/profile";
import heltecV3 from "./heltec-v3/profile";
import tbeam from "./tbeam/profile";

export const BOARD_PROFILES: Readonly<Record<BoardName, BoardProfile>> = Object.freeze({
  "heltec-v2": heltecV2,
  tbeam,
  "heltec-v3": heltecV3,
});

export const BOARD_NAMES: readonly BoardName[] = Object.freeze(Object.keys(BOARD_PROFILES) as BoardName[]);

export function boardByName(name: string): BoardProfile {
  if (!Object.prototype.hasOwnProperty.call(BOARD_PROFILES, name)) {
    throw new RangeError(`unknown board "${name}"; known: ${BOARD_NAMES.join(", ")}`);
  }
  return BOARD_PROFILES[name as BoardName];
}
