// AXP192 driver against a register-level fake that refuses writes to the wrong registers.
import { describe, expect, test } from "vitest";
import AXP192, { Register } from "../../drivers/axp192/axp192";
import { FakeAxp192 } from "../fakes/axp192";

function open(chip = new FakeAxp192()) {
  const pmu = new AXP192({ peripheral: { io: chip.SMBus, data: 21, clock: 22 } });
  return { chip, pmu };
}

describe("AXP192 driver", () => {
  test("opens the bus at 0x34 and 400 kHz unless told otherwise", () => {
    const { chip } = open();
    expect(chip.openBuses).toEqual([{ hz: 400_000, address: 0x34, data: 21, clock: 22 }]);
  });

  test("refuses a chip that is not an AXP192 and releases the bus", () => {
    const chip = new FakeAxp192(0x4a); // an AXP2101 (T-Beam v1.2)
    expect(() => open(chip)).toThrow(/unexpected PMU: IC type 0x4a/);
    expect(chip.closed).toBe(1);
  });

  test("LDO voltages: 3300 mV sets the code 15 in the right nibble and leaves the other", () => {
    const { chip, pmu } = open();
    pmu.setMillivolts("LDO2", 3300);
    expect(chip.registers[Register.LDO23_VOLTAGE]).toBe(0xfc);
    pmu.setMillivolts("LDO3", 1800);
    expect(chip.registers[Register.LDO23_VOLTAGE]).toBe(0xf0);
    expect(pmu.millivolts("LDO2")).toBe(3300);
    expect(pmu.millivolts("LDO3")).toBe(1800);
  });

  test.each([1700, 3400, 2550, 3300.5, Number.NaN])("LDO voltage %s mV is a RangeError and writes nothing", (mv) => {
    const { chip, pmu } = open();
    expect(() => pmu.setMillivolts("LDO2", mv)).toThrow(RangeError);
    expect(chip.writes).toEqual([]);
  });

  test("switching LDO2 and LDO3 on keeps DCDC1, DCDC3, EXTEN and every other bit", () => {
    const { chip, pmu } = open();
    pmu.switchOn("LDO2");
    pmu.switchOn("LDO3");
    expect(chip.registers[Register.OUTPUT_CONTROL]).toBe(0x43 | 0x04 | 0x08);
    expect(pmu.isOn("LDO2") && pmu.isOn("LDO3") && pmu.isOn("DCDC1") && pmu.isOn("DCDC3")).toBe(true);
  });

  test("switching an output that is already on writes nothing (no needless bus traffic)", () => {
    const { chip, pmu } = open();
    pmu.switchOn("DCDC1");
    expect(chip.writes).toEqual([]);
  });

  test("switching DCDC3 off is caught by the fake (it would brown out the ESP32)", () => {
    const { pmu } = open();
    expect(() => pmu.switchOff("DCDC3")).toThrow(/switches off DCDC1\/DCDC3/);
  });

  test("battery voltage: 12-bit reading × 1.1 mV, after enabling the ADC channel", () => {
    const { chip, pmu } = open();
    chip.registers[Register.ADC_ENABLE_1] = 0x03;
    pmu.enableBatteryAdc();
    expect(chip.registers[Register.ADC_ENABLE_1]).toBe(0x83);
    chip.setBatteryRaw(3500); // 0xDAC
    expect(pmu.batteryMillivolts()).toBeCloseTo(3850, 6);
    chip.setBatteryRaw(0xfff);
    expect(pmu.batteryMillivolts()).toBeCloseTo(4504.5, 6);
  });

  test("no battery connected: undefined instead of a meaningless voltage", () => {
    const { chip, pmu } = open();
    chip.registers[Register.POWER_MODE] = 0x00;
    chip.setBatteryRaw(1200);
    expect(pmu.batteryMillivolts()).toBeUndefined();
  });

  test("after close every call fails and close is idempotent", () => {
    const { chip, pmu } = open();
    pmu.close();
    pmu.close();
    expect(chip.closed).toBe(1);
    expect(() => pmu.switchOn("LDO2")).toThrow(/closed/);
  });
});
