// Virtual time for host runs: deterministic, seedable, nothing real ever waits.
//
// Two kinds of events, as on the device:
//   - hardware events (emulated chips, the air): run whenever virtual time passes them, including
//     during a blocking delay() — a chip raises BUSY low or TX-done while the driver spins;
//   - tasks (Timer callbacks, Digital onReadable): JavaScript on the single XS thread, so they
//     never run inside delay() or inside another task; they run, late if need be, once the
//     current JavaScript returns to advance().
// Equal times run in scheduling order. Tests and the app's host run drive time with advance(),
// runUntil() or runAll(); drivers use the RadioClock half (now, delay, set, clear).

import type { RadioClock, RadioTimer } from "../../drivers/radio";
import { SeededRng } from "../core/rng";

export interface VirtualClockOptions {
  /** Start time, ms (default 0). */
  readonly startMs?: number;
  /** Seed for `rng`, which host components fork for any randomness (default 1). */
  readonly seed?: number | string;
}

interface Event {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** A cancellable scheduled event. */
export interface ClockEvent extends RadioTimer {
  readonly at: number;
}

/** Times are kept on a 1 ns grid so repeated fractional delays (BUSY polling) do not drift. */
function quantize(ms: number): number {
  return Math.round(ms * 1e6) / 1e6;
}

/** Events at one instant beyond which the clock assumes a livelock and stops with an error. */
const MAX_EVENTS_PER_INSTANT = 1_000_000;

class EventQueue {
  readonly #heap: Event[] = [];

  /** Scheduled events not cancelled. */
  get live(): number {
    return this.#heap.reduce((n, e) => (e.cancelled ? n : n + 1), 0);
  }

  push(event: Event): void {
    const heap = this.#heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  /** Earliest live event, dropping cancelled ones on the way. */
  peek(): Event | undefined {
    while (this.#heap.length > 0 && this.#heap[0].cancelled) this.pop();
    return this.#heap[0];
  }

  pop(): Event | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l], heap[m])) m = l;
        if (r < heap.length && before(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export class VirtualClock implements RadioClock {
  readonly rng: SeededRng;
  readonly #hardware = new EventQueue();
  readonly #tasks = new EventQueue();
  #now: number;
  #seq = 0;
  /** > 0 while a hardware event runs (it must not wait). */
  #inHardware = 0;
  /** True while a task or advance() loop is running JavaScript (tasks must not nest). */
  #inAdvance = false;

  constructor(options: VirtualClockOptions = {}) {
    this.#now = options.startMs ?? 0;
    this.rng = new SeededRng(options.seed ?? 1);
  }

  now(): number {
    return this.#now;
  }

  /** Blocking wait: hardware events up to now + ms run, tasks wait for advance(). */
  delay(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`delay(${ms}): not a finite, non-negative time`);
    if (this.#inHardware > 0) throw new Error("delay() called from a hardware event");
    const target = quantize(this.#now + ms);
    this.#runHardwareUntil(target);
    this.#now = target;
  }

  /** Schedules a task (Timer.set semantics: a one-shot callback on the JavaScript thread). */
  set(callback: () => void, ms: number): ClockEvent {
    return this.#schedule(this.#tasks, quantize(this.#now + Math.max(0, ms)), callback);
  }

  clear(timer: RadioTimer): void {
    (timer as Event).cancelled = true;
  }

  /** Schedules a hardware event `ms` from now (emulated chips and the air). */
  after(ms: number, fn: () => void): ClockEvent {
    return this.#schedule(this.#hardware, quantize(this.#now + Math.max(0, ms)), fn);
  }

  /** Runs every event up to now + ms in time order, then sets the time to now + ms. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance(${ms}): not a non-negative time`);
    this.#runUntil(quantize(this.#now + ms), () => false);
  }

  /** Advances event by event until `done()` holds (true) or `limitMs` passes (false). */
  runUntil(done: () => boolean, limitMs: number): boolean {
    if (done()) return true;
    return this.#runUntil(quantize(this.#now + limitMs), done);
  }

  /** Runs until no event is left or `limitMs` passes; returns whether the queue emptied. */
  runAll(limitMs = 3_600_000): boolean {
    return this.runUntil(() => this.#hardware.peek() === undefined && this.#tasks.peek() === undefined, limitMs);
  }

  /** Live scheduled events (hardware and tasks). */
  get pending(): number {
    return this.#hardware.live + this.#tasks.live;
  }

  #schedule(queue: EventQueue, at: number, fn: () => void): ClockEvent {
    const event: Event = { at, seq: this.#seq++, fn, cancelled: false };
    queue.push(event);
    return event;
  }

  #runHardwareUntil(target: number): void {
    let lastAt = NaN;
    let count = 0;
    for (;;) {
      const next = this.#hardware.peek();
      if (next === undefined || next.at > target) return;
      count = next.at === lastAt ? count + 1 : 0;
      lastAt = next.at;
      if (count > MAX_EVENTS_PER_INSTANT) throw new Error(`virtual clock: over ${MAX_EVENTS_PER_INSTANT} hardware events at ${next.at} ms`);
      this.#runHardware();
    }
  }

  /** Pops and runs the earliest hardware event. */
  #runHardware(): void {
    const event = this.#hardware.pop()!;
    if (event.at > this.#now) this.#now = event.at;
    this.#inHardware++;
    try {
      event.fn();
    } finally {
      this.#inHardware--;
    }
  }

  #runUntil(target: number, done: () => boolean): boolean {
    if (this.#inAdvance) throw new Error("advance()/runUntil() called from inside a clock event");
    this.#inAdvance = true;
    let lastAt = NaN;
    let count = 0;
    try {
      for (;;) {
        const hw = this.#hardware.peek();
        const task = this.#tasks.peek();
        // A task overdue because a blocking delay ran past it runs now, before later events.
        const taskAt = task === undefined ? Infinity : Math.max(task.at, this.#now);
        const hwAt = hw === undefined ? Infinity : hw.at;
        const at = Math.min(taskAt, hwAt);
        if (at > target) break;
        count = at === lastAt ? count + 1 : 0;
        lastAt = at;
        if (count > MAX_EVENTS_PER_INSTANT) throw new Error(`virtual clock: over ${MAX_EVENTS_PER_INSTANT} events at ${at} ms`);
        if (at > this.#now) this.#now = at;
        if (hw !== undefined && (hwAt < taskAt || (hwAt === taskAt && (task === undefined || hw.seq < task.seq)))) {
          this.#runHardware();
        } else if (task !== undefined) {
          this.#tasks.pop();
          task.fn();
        }
        if (done()) return true;
      }
      this.#now = Math.max(this.#now, target);
      return done();
    } finally {
      this.#inAdvance = false;
    }
  }
}
