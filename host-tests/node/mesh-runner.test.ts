// The radio ↔ station loop on a real driver and an emulated chip, with a scripted station that
// records what the runner tells it: CAD before every transmission, transmitDone with the TX-done
// time, "busy" when CAD hears a frame or the radio fails, received frames handed over with
// their radio metadata, and the one timer keeping to nextWakeup.
import { describe, expect, test } from "vitest";
import { OpMode, Reg } from "../../drivers/sx127x/registers";
import { MeshRunner } from "../../src/app/mesh-runner";
import type { RxMeta, SendResult, Station, StationEvent, TxFrame } from "../../src/core/station";
import { commands, payload, sx126xStation, sx127xStation, world, type World } from "./radio-helpers";

/** A station that wants to send `frames` from `firstDue` on and logs every call the runner makes. */
class ScriptedStation implements Station {
  readonly id = 1;
  readonly calls: string[] = [];
  readonly done: Array<{ at: number; outcome: "sent" | "busy" }> = [];
  readonly received: Array<{ bytes: number[]; meta: RxMeta }> = [];
  readonly ticks: number[] = [];
  #queue: Uint8Array[];
  #due: number;
  #inFlight: Uint8Array | undefined;
  wakeAt = Infinity;

  constructor(frames: Uint8Array[], firstDue: number) {
    this.#queue = [...frames];
    this.#due = firstDue;
  }

  send(): SendResult {
    return { ok: false, code: "no-route", reason: "scripted" };
  }
  receive(bytes: Uint8Array, meta: RxMeta): void {
    this.received.push({ bytes: Array.from(bytes), meta });
  }
  tick(now: number): void {
    this.ticks.push(now);
    if (now >= this.wakeAt) this.wakeAt = Infinity;
  }
  nextWakeup(): number {
    return Math.min(this.wakeAt, this.#inFlight === undefined && this.#queue.length > 0 ? this.#due : Infinity);
  }
  pollTransmit(now: number): TxFrame | undefined {
    if (this.#inFlight !== undefined || this.#queue.length === 0 || now < this.#due) return undefined;
    this.#inFlight = this.#queue.shift();
    this.calls.push("poll");
    return { bytes: this.#inFlight as Uint8Array, priority: 3, kind: "data" };
  }
  /** Makes the next frame due at `now` (a frame the application just queued). */
  dueNow(now: number): void {
    this.#due = now;
  }
  transmitDone(now: number, outcome: "sent" | "busy"): void {
    this.calls.push(outcome);
    this.done.push({ at: now, outcome });
    if (outcome === "busy" && this.#inFlight !== undefined) {
      this.#queue.unshift(this.#inFlight);
      this.#due = now + 40;
    }
    this.#inFlight = undefined;
  }
  drainEvents(): StationEvent[] {
    return [];
  }
}

function runnerOn(w: World, station: ScriptedStation, extra: { errors?: Error[] } = {}) {
  let runner: MeshRunner | undefined;
  const s = sx127xStation(w, "me", {}, { onPacket: (p) => runner?.packet(p) });
  runner = new MeshRunner({ station, radio: s.radio, clock: w.clock, onEvents: () => {}, onRadioError: (e) => extra.errors?.push(e) });
  runner.start();
  return { s, runner };
}

/** The SX127x operating modes the driver set, in order (low three bits of RegOpMode writes). */
function modes(chip: Parameters<typeof commands>[0]): number[] {
  return commands(chip, Reg.OP_MODE).map((c) => c.data[0] & OpMode.MODE_MASK);
}

describe("MeshRunner", () => {
  test("a station that throws (on a received frame, or in tick) is caught and counted, and the timer stays armed", () => {
    const w = world();
    const station = new ScriptedStation([], Infinity);
    const errors: Error[] = [];
    let runner: MeshRunner | undefined;
    const s = sx127xStation(w, "me", {}, { onPacket: (p) => runner?.packet(p) });
    const other = sx126xStation(w, "other");
    station.receive = () => {
      throw new RangeError("hops 256 is not a byte");
    };
    let throwInTick = true;
    station.tick = (now) => {
      station.ticks.push(now);
      if (throwInTick) {
        throwInTick = false;
        throw new RangeError("tick failed once");
      }
      station.wakeAt = now + 1000;
    };
    runner = new MeshRunner({ station, radio: s.radio, clock: w.clock, onEvents: () => {}, onStationError: (e) => errors.push(e) });
    station.wakeAt = w.clock.now() + 100;
    runner.start();
    other.radio.send(payload(20, 5), () => {});
    w.clock.advance(5_000);
    expect(runner.stats.stationErrors).toBe(2);
    expect(errors.map((e) => e.message)).toEqual(expect.arrayContaining(["hops 256 is not a byte", "tick failed once"]));
    // After the throw in tick the loop carried on: the timer was re-armed and tick ran again.
    expect(station.ticks.length).toBeGreaterThanOrEqual(3);
  });

  test("listens (CAD) before each transmission and reports the TX-done time to the station", () => {
    const w = world();
    const station = new ScriptedStation([payload(20, 1), payload(40, 2)], 10);
    const { s, runner } = runnerOn(w, station);
    w.clock.runUntil(() => station.done.length === 2, 10_000);
    expect(station.calls).toEqual(["poll", "sent", "poll", "sent"]);
    // Every TX (mode 3) came right after a CAD (mode 7).
    const m = modes(s.node.chip);
    const txAt = m.flatMap((mode, i) => (mode === OpMode.TX ? [i] : []));
    expect(txAt).toHaveLength(2);
    for (const i of txAt) expect(m.slice(0, i).lastIndexOf(OpMode.CAD)).toBeGreaterThan(m.slice(0, i).lastIndexOf(OpMode.TX));
    // transmitDone carries the end of the frame on the air (plus interrupt latency), not its start.
    const frames = w.air.log.filter((e) => e.kind === "transmit");
    expect(frames).toHaveLength(2);
    frames.forEach((f, i) => {
      const end = f.at + s.radio.timeOnAirMs(i === 0 ? 20 : 40);
      expect(station.done[i].at).toBeGreaterThanOrEqual(end);
      expect(station.done[i].at).toBeLessThan(end + 5);
    });
    expect(runner.stats).toMatchObject({ sent: 2, channelBusy: 0, radioErrors: 0 });
    // Back to resting in receive.
    expect(s.radio.state).toBe("receive");
  });

  test("a frame on the air makes CAD busy: the station is told \"busy\", backs off, and sends once the channel is free", () => {
    const w = world();
    const other = sx126xStation(w, "other");
    // 200 bytes at LONG_FAST: a 16-symbol preamble of 131 ms, then well over a second of payload.
    other.radio.send(payload(200, 3), () => {});
    const station = new ScriptedStation([payload(20, 4)], w.clock.now() + 30);
    const { runner } = runnerOn(w, station);
    w.clock.runUntil(() => station.done.some((d) => d.outcome === "sent"), 10_000);
    expect(station.calls[0]).toBe("poll");
    expect(station.calls[1]).toBe("busy");
    expect(station.calls.at(-1)).toBe("sent");
    expect(runner.stats.channelBusy).toBeGreaterThanOrEqual(1);
    expect(runner.stats.sent).toBe(1);
  });

  test("a frame arriving when ours is due: no CAD (it would cut the reception off), \"busy\", and the frame is received whole", () => {
    const w = world();
    const other = sx126xStation(w, "other");
    const station = new ScriptedStation([payload(20, 8)], Infinity);
    const { s, runner } = runnerOn(w, station);
    other.radio.send(payload(100, 9), () => {});
    // Ours becomes due in the middle of the other's frame.
    w.clock.advance(400);
    const modesBefore = modes(s.node.chip).length;
    station.dueNow(w.clock.now());
    runner.poke();
    expect(station.calls).toEqual(["poll", "busy"]);
    expect(modes(s.node.chip).slice(modesBefore)).not.toContain(OpMode.CAD);
    w.clock.runUntil(() => station.done.some((d) => d.outcome === "sent"), 10_000);
    expect(station.received.map((r) => r.bytes)).toEqual([Array.from(payload(100, 9))]);
    // The scripted station retries every 40 ms: each retry during the frame is put off again.
    expect(runner.stats.receiving).toBeGreaterThanOrEqual(1);
    expect(runner.stats.sent).toBe(1);
  });

  test("a transmission the radio fails (no TX-done) goes back to the station as busy and is reported", () => {
    const w = world();
    const errors: Error[] = [];
    const station = new ScriptedStation([payload(10, 5)], 10);
    const { s, runner } = runnerOn(w, station, { errors });
    s.node.chip.faults.noTxDone = true;
    w.clock.runUntil(() => station.done.length === 1, 10_000);
    expect(station.calls).toEqual(["poll", "busy"]);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/TX-done not signalled/)]);
    expect(runner.stats.radioErrors).toBe(1);
    // The radio recovers: the retry goes out.
    s.node.chip.faults.noTxDone = false;
    w.clock.runUntil(() => station.done.length === 2, 10_000);
    expect(station.calls).toEqual(["poll", "busy", "poll", "sent"]);
  });

  test("received frames reach the station with RSSI, SNR and time; ticks come at nextWakeup", () => {
    const w = world();
    const station = new ScriptedStation([], Infinity);
    station.wakeAt = 2_500;
    runnerOn(w, station);
    const other = sx126xStation(w, "other");
    other.radio.send(payload(12, 6), () => {});
    w.clock.advance(3_000);
    expect(station.received).toHaveLength(1);
    expect(station.received[0].bytes).toEqual(Array.from(payload(12, 6)));
    expect(station.received[0].meta.rssi).toBeLessThan(0);
    expect(station.received[0].meta.at).toBeGreaterThan(0);
    // One tick, at the wakeup (the timer counts whole milliseconds from a fractional now, so up
    // to 1 ms late, never early); the packet's loop run found nothing due.
    expect(station.ticks).toHaveLength(1);
    expect(station.ticks[0]).toBeGreaterThanOrEqual(2_500);
    expect(station.ticks[0]).toBeLessThan(2_501);
  });

  test("stop() ends the loop: no more ticks, polls or deliveries", () => {
    const w = world();
    const station = new ScriptedStation([payload(10, 7)], 5_000);
    const { runner } = runnerOn(w, station);
    runner.stop();
    w.clock.advance(10_000);
    expect(station.calls).toEqual([]);
    expect(station.ticks).toEqual([]);
  });
});
