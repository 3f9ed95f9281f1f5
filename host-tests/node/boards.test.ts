// Board profiles, the device (provider) they build, radio detection and power-up order.
import { describe, expect, test } from "vitest";
import { BOARD_NAMES, BOARD_PROFILES, boardByName } from "../../boards";
import type { BoardName, BoardProfile, RadioChip } from "../../boards/common/board-profile";
import { txPowerRange } from "../../boards/common/board-profile";
import { buildDevice, type IoClasses, type RadioDrivers } from "../../boards/common/device";
import { detectRadio, NoRadioError } from "../../boards/common/radio-detect";
import type { SpiOpenOptions } from "../../drivers/io";
import { Op } from "../../drivers/sx126x/commands";
import Sx126x from "../../drivers/sx126x/sx126x";
import Sx127x from "../../drivers/sx127x/sx127x";
import type { VirtualClock } from "../../src/host/clock";
import { HostBoard } from "../../src/host/io";
import { emulatedNode } from "../../src/host/node";
import { FakeAxp192 } from "../fakes/axp192";
import { FakeBoard, MODE } from "../fakes/io";
import { commands, world } from "./radio-helpers";

/** Every GPIO a profile uses, with what for. */
function pinUses(p: BoardProfile): Array<[string, number]> {
  const uses: Array<[string, number]> = [
    ["spi.clock", p.radioSpi.clock],
    ["spi.in", p.radioSpi.in],
    ["spi.out", p.radioSpi.out],
    ["i2c.data", p.i2c.data],
    ["i2c.clock", p.i2c.clock],
    ["console.rx", p.console.receive],
    ["led", p.led.pin],
    ["button", p.button.pin],
  ];
  if (p.console.transmit !== undefined) uses.push(["console.tx", p.console.transmit]);
  if (p.gps !== undefined) {
    uses.push(["gps.rx", p.gps.receive]);
    if (p.gps.transmit !== undefined) uses.push(["gps.tx", p.gps.transmit]);
  }
  if (p.pmu !== undefined) uses.push(["pmu.irq", p.pmu.irq]);
  if (p.battery.kind === "adc") {
    uses.push(["battery", p.battery.pin]);
    if (p.battery.control !== undefined) uses.push(["battery.ctrl", p.battery.control.pin]);
  }
  for (const s of p.powerUp) if (s.kind !== "pmu-rail") uses.push([s.name, s.pin]);
  // Radio candidates share one footprint: the same pin may serve two chips, but one chip
  // must not use a pin that anything else on the board uses.
  const radio = new Map<number, string>();
  for (const r of p.radios) {
    for (const [k, v] of Object.entries(r)) if (typeof v === "number" && k !== "tcxoVolts") radio.set(v, `${r.chip}.${k}`);
  }
  for (const [pin, what] of radio) uses.push([what, pin]);
  return uses;
}

/** Output-capable check: classic ESP32 GPIO 34–39 are input-only (moddable.md §4.2). */
const INPUT_ONLY = new Set([34, 35, 36, 37, 38, 39]);

/** ADC1 pins in Moddable's ESP32 Analog (modules/io/analog/esp32/_analog.c gADCMap). */
const ADC1 = { esp32: new Set([36, 37, 38, 39, 32, 33, 34, 35]), esp32s3: new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) };

describe("board profiles", () => {
  test("three boards, looked up by name", () => {
    expect(BOARD_NAMES).toEqual(["heltec-v2", "tbeam", "heltec-v3"]);
    expect(boardByName("tbeam").title).toMatch(/T-Beam/);
    expect(() => boardByName("tbeam-s3")).toThrow(/unknown board "tbeam-s3"; known: heltec-v2, tbeam, heltec-v3/);
  });

  for (const p of Object.values(BOARD_PROFILES)) {
    describe(p.name, () => {
      test("no GPIO serves two functions", () => {
        const seen = new Map<number, string>();
        for (const [what, pin] of pinUses(p)) {
          const other = seen.get(pin);
          expect(other, `GPIO${pin} is ${other} and ${what}`).toBeUndefined();
          seen.set(pin, what);
        }
      });

      if (p.mcu === "esp32") {
        test("outputs are never on input-only GPIO 34–39", () => {
          const outputs: number[] = [p.radioSpi.clock, p.radioSpi.out, p.led.pin];
          for (const r of p.radios) outputs.push(r.select, r.reset);
          for (const s of p.powerUp) if (s.kind !== "pmu-rail") outputs.push(s.pin);
          if (p.gps?.transmit !== undefined) outputs.push(p.gps.transmit);
          if (p.console.transmit !== undefined) outputs.push(p.console.transmit);
          if (p.battery.kind === "adc" && p.battery.control !== undefined) outputs.push(p.battery.control.pin);
          expect(outputs.filter((pin) => INPUT_ONLY.has(pin))).toEqual([]);
        });
      }

      test("UARTs: console on 0, GPS on 1 or 2; SPI never on the flash host", () => {
        expect(p.console.port).toBe(0);
        if (p.gps !== undefined) expect([1, 2]).toContain(p.gps.port);
        expect([1, 2]).toContain(p.radioSpi.port);
      });

      test("battery sense is readable: ADC1 pin, or a PMU the board has", () => {
        if (p.battery.kind === "adc") expect(ADC1[p.mcu].has(p.battery.pin)).toBe(true);
        if (p.battery.kind === "pmu") expect(p.pmu).toBeDefined();
      });

      test("SX126x wiring carries the TCXO/RF-switch facts; SX127x has its DIO1 for CAD", () => {
        for (const r of p.radios) {
          if (r.chip === "sx1262") {
            expect(r.tcxoVolts).toBe(1.8);
            expect(r.dio2RfSwitch).toBe(true);
          } else {
            expect(r.dio1).toBeDefined();
          }
        }
      });
    });
  }

  test("T-Beam probes the SX1276 first, then the SX1262, on one footprint", () => {
    const [first, second] = BOARD_PROFILES.tbeam.radios;
    expect([first.chip, second.chip]).toEqual(["sx1276", "sx1262"]);
    expect([first.select, first.reset]).toEqual([second.select, second.reset]);
  });

  test("T-Beam power-up switches the radio rail (LDO2) before the GPS rail (LDO3)", () => {
    const rails = BOARD_PROFILES.tbeam.powerUp.flatMap((s) => (s.kind === "pmu-rail" ? [s.rail] : []));
    expect(rails).toEqual(["LDO2", "LDO3"]);
  });

  test("tx power range before detection covers every chip the board may carry", () => {
    expect(txPowerRange(["sx1276"])).toEqual({ minDbm: 2, maxDbm: 20 });
    expect(txPowerRange(["sx1276", "sx1262"])).toEqual({ minDbm: -9, maxDbm: 22 });
    expect(() => txPowerRange([])).toThrow(RangeError);
  });
});

describe("radio detection", () => {
  test("first chip that constructs wins; later chips are never tried", () => {
    const tried: string[] = [];
    const r = detectRadio(["sx1276", "sx1262"], (chip) => {
      tried.push(chip);
      return { chip };
    });
    expect(r.chip).toBe("sx1276");
    expect(tried).toEqual(["sx1276"]);
    expect(r.attempts).toEqual([]);
  });

  test("a chip that throws is recorded and the next one is tried", () => {
    const r = detectRadio(["sx1276", "sx1262"], (chip) => {
      if (chip === "sx1276") throw new Error("RegVersion 0x00, expected 0x12");
      return { chip };
    });
    expect(r.chip).toBe("sx1262");
    expect(r.attempts).toEqual([{ chip: "sx1276", error: "RegVersion 0x00, expected 0x12" }]);
  });

  test("none answering is one error naming every attempt", () => {
    let error: unknown;
    try {
      detectRadio(["sx1276", "sx1262"], (chip) => {
        throw new Error(`${chip} silent`);
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NoRadioError);
    expect((error as NoRadioError).message).toBe("no LoRa radio answered (sx1276: sx1276 silent; sx1262: sx1262 silent)");
    expect((error as NoRadioError).attempts.map((a) => a.chip)).toEqual(["sx1276", "sx1262"]);
  });
});

/** Driver stubs for the tests that build a device but never open its radio: no chip answers. */
function fakeDrivers(): RadioDrivers {
  const make = (chip: string) =>
    class {
      constructor() {
        throw new Error(`${chip} did not answer`);
      }
    };
  return { sx1276: make("sx1276"), sx1262: make("sx1262") } as unknown as RadioDrivers;
}

function fakeIo(board: FakeBoard, extra: Partial<IoClasses> = {}): IoClasses {
  class SPI {
    constructor(_options: SpiOpenOptions) {}
    transfer(): void {}
    close(): void {}
  }
  class Serial {
    constructor(_options: unknown) {}
    read() {
      return undefined;
    }
    write() {}
    close() {}
  }
  return { Digital: board.Digital, SPI, Serial, Analog: board.Analog, delay: board.delay, ...extra };
}

const REAL_DRIVERS: RadioDrivers = { sx1276: Sx127x, sx1262: Sx126x };
const OPEN = (clock: VirtualClock) => ({ clock, config: { frequencyHz: 869_525_000 } });

/** A board's device on emulated IO with `chip` fitted (or none), the real drivers linked. */
function emulatedDevice(name: BoardName, chip: RadioChip | undefined) {
  const w = world();
  const node = chip === undefined ? undefined : emulatedNode({ air: w.air, board: name, chip, name });
  const hostBoard = node?.board ?? new HostBoard(w.clock, { name });
  const io: IoClasses = { ...fakeIo(new FakeBoard()), Digital: hostBoard.io.Digital, SPI: hostBoard.io.SPI, delay: (ms) => w.clock.delay(ms) };
  return { w, node, hostBoard, device: buildDevice(BOARD_PROFILES[name], io, REAL_DRIVERS) };
}

describe("device (host provider) with the real drivers on emulated chips", () => {
  test("Heltec V2: the SX1276 opens on the profile's pins (NSS 18, RESET 14, DIO0 26) and hears the air", () => {
    const { w, hostBoard, device } = emulatedDevice("heltec-v2", "sx1276");
    const found = device.peripheral.lora.open(OPEN(w.clock));
    expect(found.chip).toBe("sx1276");
    expect(found.attempts).toEqual([]);
    expect(found.radio.config.frequencyHz).toBe(869_525_000);
    expect(hostBoard.pinsInUse()).toEqual([14, 18, 26]);
  });

  test("Heltec V3: the SX1262 gets TCXO 1.8 V on DIO3 and the DIO2 RF switch, BUSY 13, DIO1 14", () => {
    const { w, node, hostBoard, device } = emulatedDevice("heltec-v3", "sx1262");
    device.peripheral.lora.open(OPEN(w.clock));
    const chip = node!.chip;
    // SetDIO3AsTcxoCtrl with voltage code 0x02 = 1.8 V; SetDIO2AsRfSwitchCtrl(1) (radios.md §3.2–3.3).
    expect(commands(chip, Op.SET_DIO3_AS_TCXO_CTRL).map((c) => c.data[0])).toEqual([0x02]);
    expect(commands(chip, Op.SET_DIO2_AS_RF_SWITCH_CTRL).map((c) => c.data[0])).toEqual([1]);
    expect(hostBoard.pinsInUse()).toEqual([8, 12, 13, 14]);
    expect(chip.violations).toEqual([]);
  });

  test("T-Beam with an SX1262 module: the SX1276 probe fails and releases its pins, the SX1262 is used", () => {
    const { w, node, hostBoard, device } = emulatedDevice("tbeam", "sx1262");
    const found = device.peripheral.lora.open(OPEN(w.clock));
    expect(found.chip).toBe("sx1262");
    expect(found.attempts.map((a) => a.chip)).toEqual(["sx1276"]);
    expect(found.attempts[0].error).toMatch(/SX127x not found: RegVersion reads 0x[0-9a-f]{2} \(expected 0x12\).*NSS 18, RESET 23, DIO0 26/);
    // Only the SX1262's own lines stay claimed: NSS 18, RESET 23, BUSY 32, DIO1 33.
    expect(hostBoard.pinsInUse()).toEqual([18, 23, 32, 33]);
    // The radio works after the failed probe: it transmits a frame the chip puts on the air.
    let done: Error | undefined | "pending" = "pending";
    found.radio.send(Uint8Array.of(1, 2, 3), (e) => (done = e));
    w.clock.runUntil(() => done !== "pending", 5_000);
    expect(done).toBeUndefined();
    expect(w.air.statistics.frames).toBe(1);
    expect(node!.chip.name).toBe("tbeam");
  });

  test("T-Beam with an SX1276: it answers first and the SX1262 driver is never tried", () => {
    const { w, hostBoard, device } = emulatedDevice("tbeam", "sx1276");
    const found = device.peripheral.lora.open(OPEN(w.clock));
    expect(found.chip).toBe("sx1276");
    expect(found.attempts).toEqual([]);
    expect(hostBoard.pinsInUse()).toEqual([18, 23, 26]);
  });

  test("T-Beam with no radio answering: one error naming both probes, and no pin left claimed", () => {
    const { w, hostBoard, device } = emulatedDevice("tbeam", undefined);
    let error: unknown;
    try {
      device.peripheral.lora.open(OPEN(w.clock));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NoRadioError);
    expect((error as NoRadioError).attempts.map((a) => a.chip)).toEqual(["sx1276", "sx1262"]);
    expect((error as Error).message).toMatch(/^no LoRa radio answered \(sx1276: SX127x not found.*; sx1262: SX126x not found/);
    expect(hostBoard.pinsInUse()).toEqual([]);
  });

  test("`new lora.Default(options)` evaluates to the detected driver instance", () => {
    const { w, device } = emulatedDevice("tbeam", "sx1262");
    const radio = new device.peripheral.lora.Default(OPEN(w.clock));
    expect(radio).toBeInstanceOf(Sx126x);
  });

  test("a board without the driver for a chip it may carry fails when the device is built", () => {
    expect(() => buildDevice(BOARD_PROFILES.tbeam, fakeIo(new FakeBoard()), { sx1276: fakeDrivers().sx1276 })).toThrow(
      "tbeam: no driver for sx1262",
    );
  });

  test("bus defaults and pins come from the profile", () => {
    const drivers = fakeDrivers();
    const d = buildDevice(BOARD_PROFILES.tbeam, fakeIo(new FakeBoard()), drivers);
    expect(d.I2C.default).toEqual({ data: 21, clock: 22, hz: 400_000 });
    expect(d.Serial.default).toMatchObject({ port: 0, receive: 3, transmit: 1, baud: 115_200 });
    expect(d.peripheral.gps).toMatchObject({ port: 1, receive: 34, transmit: 12, baud: 9600 });
    expect(d.pin).toMatchObject({ led: 4, button: 38, pmu_irq: 35, sx1276_dio0: 26, sx1262_busy: 32 });
    const v3 = buildDevice(BOARD_PROFILES["heltec-v3"], fakeIo(new FakeBoard()), drivers);
    expect(v3.peripheral.gps).toBeUndefined();
    expect(v3.pin).toMatchObject({ lora_select: 8, lora_busy: 13, led: 35 });
  });

  test.each([
    ["tbeam", 4, [1, 0, 1]],
    ["heltec-v2", 25, [0, 1, 0]],
  ] as const)("%s LED polarity: off, on, off → %s", (name, pin, levels) => {
    const board = new FakeBoard();
    const led = new (buildDevice(BOARD_PROFILES[name], fakeIo(board), fakeDrivers()).peripheral.led.Default)();
    led.set(true);
    led.set(false);
    expect(board.writes(pin)).toEqual(levels);
  });
});

test.each([
  ["tbeam", 38],
  ["heltec-v3", 0],
] as const)("%s button: pull-up input on both edges, pressed when the line is low", (name, pin) => {
  const board = new FakeBoard();
  const changes: boolean[] = [];
  const device = buildDevice(BOARD_PROFILES[name], fakeIo(board), fakeDrivers());
  const button = new device.peripheral.button.Default({ onChange: (p) => changes.push(p) });
  expect(board.events[0]).toEqual({ op: "open", pin, mode: MODE.InputPullUp });
  board.trigger(pin, 0);
  board.trigger(pin, 1);
  expect(changes).toEqual([true, false]);
  board.inputLevels.set(pin, 0);
  expect(button.pressed).toBe(true);
  button.close();
  board.trigger(pin, 1);
  expect(changes).toEqual([true, false]);
  expect(button.pressed).toBe(false);
  expect(device.peripheral.display).toMatchObject({ address: 0x3c, i2c: BOARD_PROFILES[name].i2c });
});

describe("power-up", () => {
  test("Heltec V2: Vext (GPIO21) driven LOW and settled before the OLED reset pulse on 16", () => {
    const board = new FakeBoard();
    const power = new (buildDevice(BOARD_PROFILES["heltec-v2"], fakeIo(board), fakeDrivers()).peripheral.power.Default)();
    const log = power.up();
    expect(log).toHaveLength(2);
    expect(board.writes(21)).toEqual([0]);
    expect(board.writes(16)).toEqual([0, 1]);
    const vextOn = board.firstWrite(21, 0);
    const settle = board.events.findIndex((e, i) => i > vextOn && e.op === "delay");
    expect(settle).toBeGreaterThan(vextOn);
    expect(board.firstWrite(16, 0)).toBeGreaterThan(settle);
    // The rail switch stays driven (a released pin would let Vext float).
    expect(board.open.has(21)).toBe(true);
    power.close();
    expect(board.open.has(21)).toBe(false);
  });

  test("Heltec V3: Vext is GPIO36 and the OLED reset GPIO21", () => {
    const board = new FakeBoard();
    new (buildDevice(BOARD_PROFILES["heltec-v3"], fakeIo(board), fakeDrivers()).peripheral.power.Default)().up();
    expect(board.writes(36)).toEqual([0]);
    expect(board.writes(21)).toEqual([0, 1]);
  });

  test("T-Beam: LDO2 and LDO3 at 3.3 V, LDO2 first, DCDC1/DCDC3 untouched, battery ADC on", () => {
    const chip = new FakeAxp192();
    const board = new FakeBoard();
    const io = fakeIo(board, { SMBus: chip.SMBus });
    const power = new (buildDevice(BOARD_PROFILES.tbeam, io, fakeDrivers()).peripheral.power.Default)();
    power.up();
    expect(chip.openBuses).toEqual([{ hz: 400_000, address: 0x34, data: 21, clock: 22 }]);
    expect(chip.registers[0x28]).toBe(0xff);
    expect(chip.registers[0x12] & 0x0f).toBe(0x0f);
    expect(chip.registers[0x12] & 0x40).toBe(0x40); // EXTEN left as it was
    expect(chip.registers[0x82] & 0x80).toBe(0x80);
    const enables = chip.writes.filter(([reg]) => reg === 0x12).map(([, v]) => v & 0x0c);
    expect(enables).toEqual([0x04, 0x0c]);
    // The voltage is set before the rail is switched on.
    const firstVoltage = chip.writes.findIndex(([reg]) => reg === 0x28);
    const firstEnable = chip.writes.findIndex(([reg]) => reg === 0x12);
    expect(firstVoltage).toBeLessThan(firstEnable);
  });

  test("T-Beam battery comes from the same PMU instance (one I²C device at 0x34)", () => {
    const chip = new FakeAxp192();
    const power = new (buildDevice(BOARD_PROFILES.tbeam, fakeIo(new FakeBoard(), { SMBus: chip.SMBus }), fakeDrivers()).peripheral.power.Default)();
    power.up();
    chip.setBatteryRaw(3600);
    expect(power.battery()?.millivolts()).toBeCloseTo(3960, 6);
    expect(chip.openBuses).toHaveLength(1);
  });

  test("a T-Beam v1.2 (AXP2101) fails power-up with a clear message", () => {
    const chip = new FakeAxp192(0x4a);
    const power = new (buildDevice(BOARD_PROFILES.tbeam, fakeIo(new FakeBoard(), { SMBus: chip.SMBus }), fakeDrivers()).peripheral.power.Default)();
    expect(() => power.up()).toThrow(/unexpected PMU/);
  });
});
