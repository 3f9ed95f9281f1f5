// Which LoRa chip is on the board. The T-Beam v1.1 ships with either an SX1276 or an SX1262 on
// one pinout; like Meshtastic we try the SX1276 first (its driver checks RegVersion 0x42), then
// the SX1262, and keep the first that answers (radios.md §1.1). Boards with one chip go through
// the same path with a one-entry list.
//
// Detection runs against an abstract "try construct": each attempt builds the chip's driver,
// which must throw (after releasing its pins) when the chip does not answer. Tests pass fakes.
import type { RadioChip } from "./board-profile";

export interface RadioAttempt {
  readonly chip: RadioChip;
  readonly error: string;
}

export interface DetectedRadio<R> {
  readonly chip: RadioChip;
  readonly radio: R;
  /** Chips tried before the one that answered, with why each failed. */
  readonly attempts: readonly RadioAttempt[];
}

export class NoRadioError extends Error {
  readonly attempts: readonly RadioAttempt[];
  constructor(attempts: readonly RadioAttempt[]) {
    const detail = attempts.length === 0 ? "no radio listed for this board" : attempts.map((a) => `${a.chip}: ${a.error}`).join("; ");
    super(`no LoRa radio answered (${detail})`);
    this.name = "NoRadioError";
    this.attempts = attempts;
  }
}

/** Tries each chip in order; returns the first radio whose construction succeeds. */
export function detectRadio<R>(chips: readonly RadioChip[], tryConstruct: (chip: RadioChip) => R): DetectedRadio<R> {
  const attempts: RadioAttempt[] = [];
  for (const chip of chips) {
    try {
      const radio = tryConstruct(chip);
      return { chip, radio, attempts };
    } catch (e) {
      attempts.push({ chip, error: e instanceof Error ? e.message : String(e) });
    }
  }
  throw new NoRadioError(attempts);
}
