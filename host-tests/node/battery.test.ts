// Battery: Li-ion curve, ADC scaling, Heltec dividers and the V3 revision-dependent ADC_CTRL.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { BOARD_PROFILES } from "../../boards";
import { AdcBatteryGauge, analogToPinMillivolts, batteryLevel, LIION_OCV_MV, liIonLevel } from "../../src/app/battery";
import { FakeBoard, MODE } from "../fakes/io";

describe("Li-ion level", () => {
  test("every table point maps to its 10 % step", () => {
    LIION_OCV_MV.forEach((mv, i) => expect(liIonLevel(mv)).toBeCloseTo(1 - i / 10, 12));
  });

  test("interpolates between points and clamps outside the table", () => {
    expect(liIonLevel((3800 + 3720) / 2)).toBeCloseTo(0.55, 12);
    expect(liIonLevel(4300)).toBe(1);
    expect(liIonLevel(2900)).toBe(0);
    expect(liIonLevel(Number.NaN)).toBeUndefined();
  });

  test("monotonic in voltage and always within 0..1", () => {
    fc.assert(
      fc.property(fc.double({ min: 2000, max: 5000, noNaN: true }), fc.double({ min: 0, max: 500, noNaN: true }), (a, d) => {
        const lo = liIonLevel(a) as number;
        const hi = liIonLevel(a + d) as number;
        return lo >= 0 && hi <= 1 && hi >= lo;
      }),
    );
  });

  test("a gauge that throws or reads nothing gives no level rather than an error", () => {
    expect(batteryLevel(undefined)).toBeUndefined();
    expect(batteryLevel({ millivolts: () => undefined, close: () => {} })).toBeUndefined();
    expect(
      batteryLevel({
        millivolts: () => {
          throw new Error("i2c timeout");
        },
        close: () => {},
      }),
    ).toBeUndefined();
    expect(batteryLevel({ millivolts: () => 3990, close: () => {} })).toBeCloseTo(0.8, 12);
  });
});

describe("ADC divider", () => {
  test("Moddable ESP32 Analog scale: full scale 2^res − 1 is 3300 mV", () => {
    expect(analogToPinMillivolts(1023, 10)).toBeCloseTo(3300, 9);
    expect(analogToPinMillivolts(4095, 12)).toBeCloseTo(3300, 9);
    expect(analogToPinMillivolts(0, 12)).toBe(0);
  });

  test("Heltec V2: 1.2 V at GPIO37 through ×3.2 is a 3840 mV cell", () => {
    const sense = BOARD_PROFILES["heltec-v2"].battery;
    if (sense.kind !== "adc") throw new Error("heltec-v2 battery is an ADC divider");
    const board = new FakeBoard(12);
    board.analogReadings.set(sense.pin, [Math.round((1200 * 4095) / 3300)]);
    const gauge = new AdcBatteryGauge({ ...sense, Analog: board.Analog, Digital: board.Digital, delay: board.delay });
    expect(gauge.millivolts()).toBeCloseTo(3840, -1);
    expect(gauge.controlOnLevel).toBeUndefined();
  });

  test("averages the samples", () => {
    const board = new FakeBoard(10);
    board.analogReadings.set(1, [100, 300, 200, 400, 200]);
    const gauge = new AdcBatteryGauge({ pin: 1, ratio: 10, Analog: board.Analog, Digital: board.Digital, delay: board.delay, samples: 4 });
    expect(gauge.millivolts()).toBe(Math.round(((250 * 3300) / 1023) * 10));
  });

  test("below 2.5 V there is no cell (e.g. USB power, no battery fitted)", () => {
    const board = new FakeBoard(12);
    board.analogReadings.set(37, [50]);
    const gauge = new AdcBatteryGauge({ pin: 37, ratio: 3.2, Analog: board.Analog, Digital: board.Digital, delay: board.delay });
    expect(gauge.millivolts()).toBeUndefined();
  });

  test.each([
    ["V3.1 (idle high, active LOW)", 1, 0],
    ["V3.2 (idle low, active HIGH)", 0, 1],
  ] as const)("Heltec %s: ADC_CTRL driven opposite to its idle level, only while sampling", (_name, idle, on) => {
    const sense = BOARD_PROFILES["heltec-v3"].battery;
    if (sense.kind !== "adc" || sense.control === undefined) throw new Error("heltec-v3 battery has ADC_CTRL");
    const ctrl = sense.control.pin;
    const board = new FakeBoard(13);
    board.inputLevels.set(ctrl, idle);
    board.analogReadings.set(sense.pin, [Math.round((800 * 8191) / 3300)]);
    const gauge = new AdcBatteryGauge({ ...sense, Analog: board.Analog, Digital: board.Digital, delay: board.delay });
    expect(gauge.controlOnLevel).toBe(on);
    // The idle level is read with the pin as an input, then it becomes an output parked "off".
    expect(board.events.slice(0, 4)).toEqual([
      { op: "open", pin: ctrl, mode: MODE.Input },
      { op: "read", pin: ctrl, value: idle },
      { op: "close", pin: ctrl },
      { op: "open", pin: ctrl, mode: MODE.Output },
    ]);
    const mv = gauge.millivolts() as number;
    expect(mv).toBeCloseTo(800 * 4.9 * 1.045, -1);
    expect(board.writes(ctrl)).toEqual([idle, on, idle]);
    const onAt = board.firstWrite(ctrl, on);
    const readAt = board.events.findIndex((e) => e.op === "read" && e.pin === sense.pin);
    const delayAt = board.events.findIndex((e) => e.op === "delay");
    expect(onAt).toBeLessThan(delayAt);
    expect(delayAt).toBeLessThan(readAt);
  });

  test("the divider is switched off again even when a reading throws", () => {
    const board = new FakeBoard(12);
    const Broken = class {
      readonly resolution = 12;
      read(): number {
        throw new Error("adc busy");
      }
      close(): void {}
    };
    const gauge = new AdcBatteryGauge({ pin: 1, ratio: 5, control: { pin: 37, polarity: 1 }, Analog: Broken, Digital: board.Digital, delay: board.delay });
    expect(() => gauge.millivolts()).toThrow("adc busy");
    expect(board.writes(37)).toEqual([0, 1, 0]);
  });
});
