// The virtual clock: time order, blocking delays that run hardware but not JavaScript, seeding.
import { describe, expect, test } from "vitest";
import { VirtualClock } from "../../src/host/clock";

describe("VirtualClock", () => {
  test("runs events in time order, equal times in scheduling order", () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    clock.set(() => seen.push("task@5"), 5);
    clock.after(5, () => seen.push("hw@5"));
    clock.after(1, () => seen.push("hw@1"));
    clock.set(() => seen.push("task@1"), 1);
    clock.advance(10);
    expect(seen).toEqual(["hw@1", "task@1", "task@5", "hw@5"]);
    expect(clock.now()).toBe(10);
  });

  test("delay() runs hardware events it passes but leaves tasks for later, like Timer.delay on XS", () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    clock.set(() => seen.push(`task at ${clock.now()}`), 2);
    clock.after(3, () => seen.push(`hw at ${clock.now()}`));
    clock.set(() => {
      clock.delay(10); // blocking inside a task
      seen.push(`after delay at ${clock.now()}`);
    }, 1);
    clock.advance(20);
    expect(seen).toEqual(["hw at 3", "after delay at 11", "task at 11"]);
  });

  test("clear() cancels; a cancelled event never runs", () => {
    const clock = new VirtualClock();
    let ran = 0;
    const t = clock.set(() => ran++, 5);
    const h = clock.after(5, () => ran++);
    expect(clock.pending).toBe(2);
    clock.clear(t);
    clock.clear(h);
    clock.advance(10);
    expect(ran).toBe(0);
    expect(clock.pending).toBe(0);
  });

  test("runUntil stops when the condition holds, or reports false at the limit", () => {
    const clock = new VirtualClock();
    let flag = false;
    clock.set(() => (flag = true), 42);
    expect(clock.runUntil(() => flag, 100)).toBe(true);
    expect(clock.now()).toBe(42);
    expect(clock.runUntil(() => false, 50)).toBe(false);
    expect(clock.now()).toBe(92);
  });

  test("refuses re-entrant advance and waiting inside hardware events", () => {
    const clock = new VirtualClock();
    clock.set(() => clock.advance(1), 1);
    expect(() => clock.advance(5)).toThrow(/inside a clock event/);
    const other = new VirtualClock();
    other.after(1, () => other.delay(1));
    expect(() => other.advance(5)).toThrow(/hardware event/);
    expect(() => other.delay(-1)).toThrow(RangeError);
  });

  test("stops a livelock with an error instead of hanging", () => {
    const clock = new VirtualClock();
    const again = (): void => void clock.after(0, again);
    again();
    expect(() => clock.advance(1)).toThrow(/events at 0 ms/);
  });

  test("the seeded rng reproduces exactly and differs between seeds", () => {
    const draw = (seed: number): number[] => {
      const rng = new VirtualClock({ seed }).rng;
      return [rng.next(), rng.next(), rng.next()];
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });
});
