// The SX127x driver against the register-level emulator: bring-up, register values from the
// datasheet formulas, power, validation and the bounded-failure paths.
import { describe, expect, test } from "vitest";
import { PRESETS } from "../../src/core/presets";
import { presetConfig } from "../../drivers/radio";
import Sx127x from "../../drivers/sx127x/sx127x";
import { Reg } from "../../drivers/sx127x/registers";
import { Sx127xEmulator } from "../../src/host/sx127x-emulator";
import { bareBoard, commands, payload, sendAndWait, sx127xStation, world } from "./radio-helpers";

const OP_MODE = 0x01;

/** Datasheet: FRF = f · 2^19 / 32 MHz, rounded to the nearest step. */
function frfExpected(frequencyHz: number): number {
  return Math.round((frequencyHz * 524_288) / 32e6);
}

function frfOf(chip: Sx127xEmulator): number {
  return (chip.register(0x06) << 16) | (chip.register(0x07) << 8) | chip.register(0x08);
}

describe("SX127x bring-up", () => {
  test("resets, checks RegVersion, and enters LoRa as SLEEP → SLEEP|LoRa → STDBY|LoRa with no violation", () => {
    const w = world();
    const s = sx127xStation(w, "a");
    const chip = s.node.chip;
    const modes = commands(chip, OP_MODE).map((h) => h.data[0]);
    expect(modes.slice(0, 3)).toEqual([0x00, 0x80, 0x81]);
    expect(chip.history.find((h) => h.kind === "read")?.code).toBe(Reg.VERSION);
    expect(chip.loRa).toBe(true);
    expect(chip.mode).toBe("STDBY");
    expect(chip.violations).toEqual([]);
    expect(s.radio.state).toBe("standby");
    // Reset pulse then 5 ms before the first SPI access: the emulator would have flagged less.
    expect(w.clock.now()).toBeGreaterThanOrEqual(6);
  });

  test.each([
    [868_000_000, 0xd90000],
    [869_525_000, 0xd9619a],
    [906_875_000, 0xe2b800],
  ])("frequency %d Hz → RegFrf word %d", (frequencyHz, word) => {
    const w = world();
    const s = sx127xStation(w, "a", { frequencyHz });
    expect(frfExpected(frequencyHz)).toBe(word);
    expect(frfOf(s.node.chip)).toBe(word);
    expect(Math.abs(s.node.chip.frequencyHz - frequencyHz)).toBeLessThan(61.04 / 2); // within half a step
  });

  test.each([
    // preset, RegModemConfig1 (BW<<4 | CR<<1 | IH), RegModemConfig2 (SF<<4 | CRC<<2), RegModemConfig3 (LDRO<<3 | AGC<<2)
    ["LONG_FAST", 0x82, 0xb4, 0x04],
    ["MEDIUM_FAST", 0x82, 0x94, 0x04],
    ["SHORT_FAST", 0x82, 0x74, 0x04],
    ["LONG_MODERATE", 0x78, 0xb4, 0x0c], // 125 kHz, SF11: 16.384 ms symbols need LDRO
  ] as const)("%s → ModemConfig1/2/3 = %d %d %d", (name, mc1, mc2, mc3) => {
    const preset = PRESETS[name];
    // The same values from the datasheet field layout, computed independently.
    const bwCode = { 125000: 7, 250000: 8, 500000: 9 }[preset.bandwidthHz as 125000 | 250000 | 500000];
    expect(mc1).toBe((bwCode << 4) | ((preset.codingRate - 4) << 1));
    expect(mc2).toBe((preset.sf << 4) | (1 << 2));
    expect(mc3 & 0x08).toBe(2 ** preset.sf / preset.bandwidthHz >= 0.016 ? 0x08 : 0);
    const w = world();
    const chip = sx127xStation(w, "a", presetConfig(preset)).node.chip;
    expect([chip.register(0x1d), chip.register(0x1e), chip.register(0x26)]).toEqual([mc1, mc2, mc3]);
    expect([chip.register(0x20), chip.register(0x21)]).toEqual([0, 16]);
    expect(chip.register(0x31) & 0x07).toBe(0x03);
    expect(chip.register(0x37)).toBe(0x0a);
  });

  test.each([
    // dBm, RegPaConfig, RegPaDac, RegOcp (OcpOn | trim), output at the antenna
    [2, 0xf0, 0x84, 0x20 | 11, 2],
    [14, 0xfc, 0x84, 0x20 | 11, 14],
    [17, 0xff, 0x84, 0x20 | 11, 17],
    [20, 0xff, 0x87, 0x20 | 17, 20], // +20 dBm: high-power DAC, OCP 140 mA = (140 + 30) / 10
  ])("+%d dBm → PaConfig %d, PaDac %d, Ocp %d", (dBm, paConfig, paDac, ocp, out) => {
    const w = world();
    const chip = sx127xStation(w, "a", { txPowerDbm: dBm }).node.chip;
    expect([chip.register(0x09), chip.register(0x4d), chip.register(0x0b)]).toEqual([paConfig, paDac, ocp]);
    expect(chip.outputPowerDbm).toBe(out);
  });

  test("sync word, IQ inversion and the 500 kHz errata registers follow the configuration", () => {
    const w = world();
    const s = sx127xStation(w, "a", { syncWord: 0x2b, invertIq: true, bandwidthHz: 500_000 });
    const chip = s.node.chip;
    expect(chip.register(0x39)).toBe(0x2b);
    expect(chip.register(0x33) & 0x41).toBe(0x40); // RX inverted, TX inverted (bit 0 clear)
    expect(chip.register(0x3b)).toBe(0x19);
    expect([chip.register(0x36), chip.register(0x3a)]).toEqual([0x02, 0x64]);
    s.radio.configure({ invertIq: false, bandwidthHz: 250_000 });
    expect(chip.register(0x33) & 0x41).toBe(0x01);
    expect(chip.register(0x3b)).toBe(0x1d);
    expect(chip.register(0x36)).toBe(0x03);
    s.radio.startReceive();
    expect(chip.violations).toEqual([]);
  });

  test("SF6 needs an implicit header; with one, DetectOptimize 0x05 and threshold 0x0C are set", () => {
    const w = world();
    expect(() => sx127xStation(w, "x", { spreadingFactor: 6 })).toThrow(/SF6 needs an implicit header/);
    const s = sx127xStation(w, "a", { spreadingFactor: 6, explicitHeader: false, implicitLength: 12, bandwidthHz: 125_000 });
    const chip = s.node.chip;
    expect(chip.register(0x1d) & 0x01).toBe(1);
    expect(chip.register(0x31) & 0x07).toBe(0x05);
    expect(chip.register(0x37)).toBe(0x0c);
    expect(chip.register(0x22)).toBe(12);
    s.radio.startReceive();
    expect(chip.violations).toEqual([]);
    // Time on air at SF6 follows the SX127x formula (DS §4.1.1.7), not the SX126x SF5/6 variant:
    // implicit header, CRC, CR 4/5 (LONG_FAST's), 16-symbol preamble, 12 B at 125 kHz:
    // ceil((96 − 24 + 28 + 16 − 20)/24) = 4 blocks → 8 + 20 = 28 symbols; preamble 20.25 → 48.25 × 0.512 ms.
    expect(s.radio.timeOnAirMs(12)).toBeCloseTo(48.25 * 0.512, 9);
  });
});

describe("SX127x configuration errors are RangeErrors naming the problem", () => {
  const w = world();
  const s = sx127xStation(w, "a");
  test.each([
    [{ txPowerDbm: 22 }, /TX power 22 dBm is not PA_BOOST 2..17 dBm or 20 dBm/],
    [{ txPowerDbm: 18 }, /TX power 18 dBm/],
    [{ txPowerDbm: 1 }, /TX power 1 dBm/],
    [{ frequencyHz: 2_400_000_000 }, /frequency 2400 MHz is outside/],
    [{ spreadingFactor: 5 }, /spreading factor 5 is not 6..12/],
    [{ bandwidthHz: 200_000 }, /bandwidth 200000 Hz/],
    [{ codingRate: 9 }, /coding rate 4\/9/],
    [{ syncWord: 0x123 }, /sync word/],
    [{ preambleSymbols: 3 }, /preamble of 3 symbols/],
  ])("%j", (partial, message) => {
    expect(() => s.radio.configure(partial)).toThrow(RangeError);
    expect(() => s.radio.configure(partial)).toThrow(message);
    expect(s.radio.config.txPowerDbm).toBe(14); // unchanged
  });

  test("unknown keys, bad payloads and a missing frequency are refused", () => {
    expect(() => s.radio.configure({ sf: 7 } as never)).toThrow(/unknown radio setting "sf"/);
    expect(() => s.radio.send(new Uint8Array(0), () => {})).toThrow(/payload of 0 bytes/);
    expect(() => s.radio.send(new Uint8Array(256), () => {})).toThrow(/payload of 256 bytes/);
    expect(() => new Sx127x({ ...s.node.descriptors, clock: w.clock, config: {} as never })).toThrow(/frequencyHz is required/);
  });

  test("SX1278 is limited to its 137–525 MHz band", () => {
    const w2 = world();
    const { descriptors } = bareBoard(w2, "heltec-v2");
    expect(() => new Sx127x({ ...descriptors, variant: "SX1278", clock: w2.clock, config: { frequencyHz: 868_000_000 } })).toThrow(/SX1278: frequency 868 MHz is outside the chip's band \(137–525 MHz\)/);
  });
});

describe("SX127x failures are bounded and leave the driver usable or closable", () => {
  test("no chip: a clear error naming the pins within ~110 ms, and every pin released", () => {
    const w = world();
    const { board, descriptors } = bareBoard(w, "heltec-v2");
    const start = w.clock.now();
    expect(() => new Sx127x({ ...descriptors, clock: w.clock, config: { frequencyHz: 869_525_000 } })).toThrow(/SX127x not found: RegVersion reads 0x00 \(expected 0x12\) after 10 tries on SPI port 1 \(SCK 5, MISO 19, MOSI 27\), NSS 18, RESET 14, DIO0 26/);
    expect(w.clock.now() - start).toBeLessThanOrEqual(110);
    expect(board.pinsInUse()).toEqual([]);
  });

  test("a TX-done that never comes fails the send after its guard, then the radio works again", () => {
    const w = world();
    const s = sx127xStation(w, "a");
    s.node.chip.faults.noTxDone = true;
    const airtime = s.radio.timeOnAirMs(10);
    const start = w.clock.now();
    const error = sendAndWait(w, s, payload(10));
    expect(error?.message).toMatch(/SX1276: TX-done not signalled within \d+ ms \(DIO0 on pin 26\)/);
    expect(w.clock.now() - start).toBeLessThan(airtime * 1.25 + 200);
    expect(s.radio.state).toBe("standby");
    expect(s.radio.statistics.txErrors).toBe(1);
    s.node.chip.faults.noTxDone = false;
    expect(sendAndWait(w, s, payload(10))).toBeUndefined();
    expect(s.radio.statistics.txPackets).toBe(1);
  });

  test("busy-state rules: one operation at a time; standby aborts; close is idempotent and releases pins", () => {
    const w = world();
    const s = sx127xStation(w, "a");
    let result: Error | undefined | "pending" = "pending";
    s.radio.send(payload(20), (e) => (result = e));
    expect(() => s.radio.send(payload(5), () => {})).toThrow(/send\(\) while transmit is in progress/);
    expect(() => s.radio.configure({ spreadingFactor: 7 })).toThrow(/configure\(\) while transmit/);
    expect(() => s.radio.cad(() => {})).toThrow(/cad\(\) while transmit/);
    s.radio.standby();
    expect((result as unknown as Error).message).toMatch(/transmit aborted by standby\(\)/);
    expect(s.node.chip.mode).toBe("STDBY");
    s.radio.sleep();
    expect(s.node.chip.mode).toBe("SLEEP");
    s.radio.close();
    s.radio.close();
    expect(s.node.board.pinsInUse()).toEqual([]);
    expect(() => s.radio.startReceive()).toThrow(/radio is closed/);
    // The same pins can be opened again by a new driver.
    const again = new Sx127x({ ...s.node.descriptors, clock: w.clock, config: { frequencyHz: 868_000_000 } });
    expect(frfOf(s.node.chip)).toBe(0xd90000);
    again.close();
  });

  test("configure() from sleep wakes into standby and keeps the chip consistent", () => {
    const w = world();
    const s = sx127xStation(w, "a");
    s.radio.sleep();
    s.radio.configure({ frequencyHz: 906_875_000 });
    expect(s.radio.state).toBe("standby");
    expect(s.node.chip.mode).toBe("STDBY");
    expect(frfOf(s.node.chip)).toBe(0xe2b800);
    expect(s.node.chip.violations).toEqual([]);
  });
});
