// The RadioClock for the device, over Moddable's Timer and Time modules. They are passed in
// (moddableClock(Timer, Time)) rather than imported, so this file, like the drivers, loads on the
// host too and can be tested there with fakes; the board binding passes the real modules.

import type { RadioClock, RadioTimer } from "./radio";

/** The part of Moddable's `timer` module used (typings/timer.d.ts; moddable.md §7). */
export interface TimerModule<T extends object> {
  set(callback: () => void, interval?: number): T;
  clear(timer: T | undefined | null): void;
  delay(milliseconds: number): void;
}

/** The part of Moddable's `time` module used: a millisecond tick and, where available, microseconds. */
export interface TimeModule {
  readonly ticks: number;
  readonly microseconds?: number;
}

export function moddableClock<T extends object>(Timer: TimerModule<T>, Time: TimeModule): RadioClock {
  return Object.freeze({
    now: () => Time.ticks,
    delay(ms: number): void {
      if (ms >= 1) return Timer.delay(Math.ceil(ms));
      // Sub-millisecond waits (BUSY polling) spin on the microsecond clock when the port has one;
      // Timer.delay only takes whole milliseconds.
      const start = Time.microseconds;
      if (start === undefined) return Timer.delay(1);
      const end = start + ms * 1000;
      while ((Time.microseconds ?? end) < end);
    },
    set: (callback: () => void, ms: number): RadioTimer => Timer.set(callback, ms),
    clear: (timer: RadioTimer): void => Timer.clear(timer as T),
  });
}
