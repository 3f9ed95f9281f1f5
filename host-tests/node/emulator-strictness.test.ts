// The emulators must make a broken driver fail. Each test runs the real driver with one mistake
// injected through its IO (a dropped or altered SPI transaction, a BUSY pin read as low), or drives
// the chip with raw SPI, and shows the mistake is caught: a violation is recorded AND the radio
// visibly misbehaves (nothing arrives, an error is thrown). A control run without the mistake works.
import { describe, expect, test } from "vitest";
import Sx126x from "../../drivers/sx126x/sx126x";
import Sx127x from "../../drivers/sx127x/sx127x";
import { Op } from "../../drivers/sx126x/commands";
import type { Sx126xBoardOptions } from "../../boards/common/radio-options";
import { HostBoard, type HostDigital, type HostSpi } from "../../src/host/io";
import { sx126xNode, sx127xNode } from "../../src/host/node";
import { Sx127xEmulator } from "../../src/host/sx127x-emulator";
import { Sx126xEmulator } from "../../src/host/sx126x-emulator";
import { alteredDigital, EU_FREQUENCY, filteredSpi, payload, sendAndWait, sx126xStation, sx127xStation, world, type World } from "./radio-helpers";

/** Opens the node's driver with a filtered SPI and/or altered Digital class. */
function openWith<N extends ReturnType<typeof sx127xNode> | ReturnType<typeof sx126xNode>>(
  w: World,
  node: N,
  io: { spi?: Parameters<typeof filteredSpi>[1]; busyRead?: () => boolean; extra?: object },
) {
  const packets: Uint8Array[] = [];
  // Both chips' descriptors share spi/select/reset/interrupt; only the SX126x has busy.
  const d = node.descriptors as Pick<Sx126xBoardOptions, "spi" | "select" | "reset" | "interrupt"> & Partial<Pick<Sx126xBoardOptions, "busy">>;
  const SPI = io.spi === undefined ? node.board.io.SPI : filteredSpi(node.board.io.SPI, io.spi);
  const Digital =
    io.busyRead === undefined || d.busy === undefined
      ? node.board.io.Digital
      : alteredDigital(node.board.io.Digital, d.busy.pin, { read: (real) => (io.busyRead!() ? 0 : real) });
  const pin = (p: { pin: number } | undefined) => (p === undefined ? undefined : { io: Digital, pin: p.pin });
  const options = {
    ...d,
    spi: { ...d.spi, io: SPI },
    select: pin(d.select)!,
    reset: pin(d.reset)!,
    interrupt: pin(d.interrupt)!,
    clock: w.clock,
    config: { frequencyHz: EU_FREQUENCY },
    onPacket: (p: { bytes: Uint8Array }) => packets.push(p.bytes),
    ...io.extra,
  };
  const radio = node.wiring.chip === "sx1276" ? new Sx127x(options) : new Sx126x({ ...options, busy: pin(d.busy)! });
  return { radio, packets };
}

/** Receives three packets from the other family with `isDropped` transactions dropped after init; returns how many arrived. */
function packetsWithClears(family: "sx127x" | "sx126x", isDropped: (bytes: Uint8Array) => boolean): number {
  const w = world();
  const tx = family === "sx127x" ? sx126xStation(w, "tx") : sx127xStation(w, "tx");
  const node = family === "sx127x" ? sx127xNode({ air: w.air, name: "rx" }) : sx126xNode({ air: w.air, name: "rx" });
  let armed = false;
  const rx = openWith(w, node, { spi: (b) => (armed && isDropped(b) ? "drop" : "pass") });
  armed = true;
  rx.radio.startReceive();
  for (let i = 0; i < 3; i++) expect(sendAndWait(w, tx, payload(10, i))).toBeUndefined();
  w.clock.advance(1);
  return rx.packets.length;
}

/** Raw NSS-framed SPI to a chip on `board` (no driver in between). */
function rawSpi(board: HostBoard, select: number): { spi: HostSpi; nss: HostDigital; xfer(bytes: number[]): number[] } {
  const spi = new board.io.SPI({ clock: 5, in: 19, out: 27, port: 1, hz: 1_000_000 });
  const nss = new board.io.Digital({ pin: select, mode: board.io.Digital.Output });
  nss.write(1);
  return {
    spi,
    nss,
    xfer(bytes: number[]): number[] {
      const buffer = Uint8Array.from(bytes);
      nss.write(0);
      spi.transfer(buffer);
      nss.write(1);
      return Array.from(buffer);
    },
  };
}

describe("SX1276 emulator catches driver mistakes", () => {
  test("setting LongRangeMode outside SLEEP (wrong bring-up order) is ignored: the driver's check fails", () => {
    const w = world();
    const node = sx127xNode({ air: w.air, name: "a" });
    let first = true;
    // Drop the initial "RegOpMode = SLEEP" write, so LoRa mode is requested from STDBY.
    const spi = (b: Uint8Array) => (b[0] === 0x81 && b[1] === 0x00 && first ? ((first = false), "drop" as const) : "pass" as const);
    expect(() => openWith(w, node, { spi })).toThrow(/SX127x did not enter LoRa mode: RegOpMode reads 0x00/);
    expect(node.chip.violationsMatching("LongRangeMode changed in STDBY")).toHaveLength(1);
    expect(node.chip.loRa).toBe(false);
    // Control: the unmodified driver brings the same chip up cleanly.
    const w2 = world();
    expect(sx127xStation(w2, "a").node.chip.violations).toEqual([]);
  });

  test("LoRa registers written in FSK mode are lost", () => {
    const w = world();
    const board = new HostBoard(w.clock);
    const chip = new Sx127xEmulator({ board, air: w.air, name: "raw", spiPort: 1, pins: { select: 18, reset: 14, dio0: 26 } });
    const raw = rawSpi(board, 18);
    raw.xfer([0x9e, 0x94]); // RegModemConfig2 in FSK mode
    expect(chip.register(0x1e)).toBe(0x70);
    expect(chip.violationsMatching("RegMODEM_CONFIG_2 (0x1e) written in FSK/OOK mode")).toHaveLength(1);
    raw.xfer([0x81, 0x00]);
    raw.xfer([0x81, 0x80]);
    raw.xfer([0x9e, 0x94]);
    expect(chip.register(0x1e)).toBe(0x94);
  });

  test("the frequency only moves when RegFrfLsb is written", () => {
    const w = world();
    const board = new HostBoard(w.clock);
    const chip = new Sx127xEmulator({ board, air: w.air, name: "raw", spiPort: 1, pins: { select: 18, reset: 14, dio0: 26 } });
    const raw = rawSpi(board, 18);
    expect(chip.frequencyHz).toBe(434_000_000);
    raw.xfer([0x86, 0xd9, 0x61]); // MSB, MID only
    expect(chip.frequencyHz).toBe(434_000_000);
    raw.xfer([0x88, 0x9a]);
    expect(chip.frequencyHz).toBeCloseTo(869_525_000, -2);
  });

  test("a wrong frequency word (30 MHz crystal assumed) puts the frame where nobody listens", () => {
    const w = world();
    const rx = sx126xStation(w, "rx");
    rx.radio.startReceive();
    const node = sx127xNode({ air: w.air, name: "tx" });
    const wrong = Math.round((EU_FREQUENCY * 2 ** 19) / 30e6);
    const spi = (b: Uint8Array) =>
      b[0] === 0x86 && b.length === 4 ? Uint8Array.of(0x86, wrong >> 16, (wrong >> 8) & 0xff, wrong & 0xff) : ("pass" as const);
    const broken = openWith(w, node, { spi });
    expect(node.chip.frequencyHz / 1e6).toBeCloseTo(927.49, 1);
    let done: Error | undefined | "pending" = "pending";
    broken.radio.send(payload(12), (e) => (done = e));
    w.clock.runUntil(() => done !== "pending", 5_000);
    w.clock.advance(1);
    expect(rx.packets).toHaveLength(0);
    // Control: the correct word is heard.
    broken.radio.close();
    const good = openWith(w, node, {});
    good.radio.send(payload(12), () => {});
    w.clock.advance(1_000);
    expect(rx.packets).toHaveLength(1);
  });

  test("a missed IRQ clear leaves DIO0 high: the next packet raises no edge and is lost", () => {
    expect(packetsWithClears("sx127x", () => false)).toBe(3);
    expect(packetsWithClears("sx127x", (b) => b[0] === 0x92)).toBe(1); // writes to RegIrqFlags dropped
  });

  test("missing the mandatory LDRO at SF11/125 kHz: violation, and the receiver gets a CRC error", () => {
    const w = world();
    const modem = { bandwidthHz: 125_000, spreadingFactor: 11 };
    const rx = sx126xStation(w, "rx", modem);
    rx.radio.startReceive();
    const node = sx127xNode({ air: w.air, name: "tx" });
    const spi = (b: Uint8Array) => (b[0] === 0xa6 ? Uint8Array.of(0xa6, b[1] & ~0x08) : ("pass" as const));
    const tx = openWith(w, node, { spi, extra: { config: { frequencyHz: EU_FREQUENCY, ...modem } } });
    tx.radio.send(payload(10), () => {});
    w.clock.advance(3_000);
    expect(node.chip.violationsMatching("LowDataRateOptimize off with a 16.384 ms symbol")).toHaveLength(1);
    expect(rx.packets).toHaveLength(0);
    expect(rx.radio.statistics.crcErrors).toBe(1);
  });

  test("+20 dBm without raising the over-current limit: violation and the PA current-limits at 17 dBm", () => {
    const w = world();
    const node = sx127xNode({ air: w.air, name: "tx" });
    const spi = (b: Uint8Array) => (b[0] === 0x8b ? ("drop" as const) : ("pass" as const));
    const tx = openWith(w, node, { spi, extra: { config: { frequencyHz: EU_FREQUENCY, txPowerDbm: 20 } } });
    tx.radio.send(payload(4), () => {});
    expect(node.chip.violationsMatching("+20 dBm with the over-current limit at 100 mA")).toHaveLength(1);
    expect(node.chip.outputPowerDbm).toBe(17);
  });

  test("SPI within 5 ms of reset and FIFO access in SLEEP are violations and read nothing", () => {
    const w = world();
    const board = new HostBoard(w.clock);
    const chip = new Sx127xEmulator({ board, air: w.air, name: "raw", spiPort: 1, pins: { select: 18, reset: 14, dio0: 26 } });
    const raw = rawSpi(board, 18);
    const reset = new board.io.Digital({ pin: 14, mode: board.io.Digital.Output });
    reset.write(0);
    w.clock.delay(1);
    reset.write(1);
    expect(raw.xfer([0x42, 0])[1]).toBe(0);
    expect(chip.violationsMatching("less than 5 ms after reset")).toHaveLength(1);
    w.clock.delay(5);
    expect(raw.xfer([0x42, 0])[1]).toBe(0x12);
    raw.xfer([0x81, 0x00]); // SLEEP
    raw.xfer([0x80, 0x55]);
    expect(chip.violationsMatching("FIFO written in SLEEP")).toHaveLength(1);
  });
});

describe("SX1262 emulator catches driver mistakes", () => {
  test("not waiting for BUSY after reset: the chip id is read while the chip boots, and the driver finds no chip", () => {
    const w = world();
    const node = sx126xNode({ air: w.air, name: "b" });
    expect(() => openWith(w, node, { busyRead: () => true })).toThrow(/SX126x not found/);
    expect(node.chip.violationsMatching("SPI bytes while the chip is booting after reset")).toHaveLength(1);
  });

  test("not waiting for BUSY between commands: commands are lost and the send fails", () => {
    const w = world();
    const rx = sx127xStation(w, "rx");
    rx.radio.startReceive();
    const node = sx126xNode({ air: w.air, name: "b" });
    let ignoreBusy = false;
    const broken = openWith(w, node, { busyRead: () => ignoreBusy });
    expect(node.chip.violations).toEqual([]);
    ignoreBusy = true;
    let result: Error | undefined | "pending" = "pending";
    broken.radio.send(payload(12), (e) => (result = e));
    ignoreBusy = false;
    w.clock.runUntil(() => result !== "pending", 5_000);
    expect(node.chip.violationsMatching("NSS asserted while BUSY is high").length).toBeGreaterThan(3);
    expect((result as unknown as Error)?.message).toMatch(/TX-done not signalled/);
    expect(rx.packets).toHaveLength(0);
  });

  test("a missed ClearIrqStatus leaves DIO1 high: the next packet raises no edge and is lost", () => {
    expect(packetsWithClears("sx126x", () => false)).toBe(3);
    expect(packetsWithClears("sx126x", (b) => b[0] === Op.CLEAR_IRQ_STATUS)).toBe(1);
  });

  test("a dropped SetPacketType(LoRa): modem parameters are refused and the driver's read-back fails", () => {
    const w = world();
    const node = sx126xNode({ air: w.air, name: "b" });
    const spi = (b: Uint8Array) => (b[0] === Op.SET_PACKET_TYPE ? ("drop" as const) : ("pass" as const));
    expect(() => openWith(w, node, { spi })).toThrow(/SX126x did not switch to LoRa: GetPacketType reads 0x00/);
    // Raw: LoRa modulation parameters while the packet type is still GFSK.
    const board = new HostBoard(w.clock);
    const chip = new Sx126xEmulator({ board, air: w.air, name: "raw", spiPort: 1, pins: { select: 8, reset: 12, busy: 13, dio1: 14 } });
    const raw = rawSpi(board, 8);
    raw.xfer([Op.SET_MODULATION_PARAMS, 7, 0x05, 1, 0]);
    expect(chip.violationsMatching("SET_MODULATION_PARAMS while the packet type is GFSK")).toHaveLength(1);
    expect(chip.modulation).toBeUndefined();
  });

  test("unknown opcodes and short parameter lists are refused", () => {
    const w = world();
    const board = new HostBoard(w.clock);
    const chip = new Sx126xEmulator({ board, air: w.air, name: "raw", spiPort: 1, pins: { select: 8, reset: 12, busy: 13, dio1: 14 } });
    const raw = rawSpi(board, 8);
    raw.xfer([0x55, 1, 2]);
    w.clock.delay(1);
    raw.xfer([Op.SET_RF_FREQUENCY, 0x36, 0x40]);
    expect(chip.violationsMatching("unknown opcode 0x55")).toHaveLength(1);
    expect(chip.violationsMatching("SET_RF_FREQUENCY needs 4 parameter bytes, got 2")).toHaveLength(1);
    expect(chip.frequencyWord).toBe(0);
  });

  test("DIO2 RF-switch control left off on a board that wires it: TX 30 dB down and the receiver deaf", () => {
    const w = world();
    const peer = sx127xStation(w, "peer");
    const b = sx126xStation(w, "b", {}, { dio2RfSwitch: false });
    w.air.setLink("peer", "b", { pathLossDb: 120 });
    peer.radio.startReceive();
    b.radio.startReceive();
    expect(sendAndWait(w, b, payload(10))).toBeUndefined();
    expect(sendAndWait(w, peer, payload(10))).toBeUndefined();
    w.clock.advance(1);
    expect(b.node.chip.violationsMatching("DIO2 RF-switch control off").length).toBeGreaterThan(0);
    expect(peer.packets).toHaveLength(0);
    expect(b.packets).toHaveLength(0);
  });

  test("a wrong TCXO voltage is a violation", () => {
    const w = world();
    const b = sx126xStation(w, "b", {}, { tcxoVoltage: 3.3 });
    expect(b.node.chip.violationsMatching("SetDIO3AsTcxoCtrl 3.3 V but the board's TCXO needs 1.8 V")).toHaveLength(1);
  });

  test.each([
    ["CalibrateImage", (b: Uint8Array) => b[0] === Op.CALIBRATE_IMAGE, "CalibrateImage missing"],
    ["errata 15.1 (0x0889)", (b: Uint8Array) => b[0] === Op.WRITE_REGISTER && b[1] === 0x08 && b[2] === 0x89, "errata 15.1"],
    ["errata 15.2 (0x08D8)", (b: Uint8Array) => b[0] === Op.WRITE_REGISTER && b[1] === 0x08 && b[2] === 0xd8, "errata 15.2"],
  ] as const)("skipping %s is flagged on the next transmission", (_, drop, message) => {
    const w = world();
    const node = sx126xNode({ air: w.air, name: "b" });
    const tx = openWith(w, node, { spi: (b) => (drop(b) ? "drop" : "pass") });
    expect(node.chip.violations).toEqual([]);
    tx.radio.send(payload(10), () => {});
    expect(node.chip.violationsMatching(message)).toHaveLength(1);
  });

  test("skipping errata 15.4 with inverted IQ is flagged when receiving", () => {
    const w = world();
    const node = sx126xNode({ air: w.air, name: "b" });
    const spi = (b: Uint8Array) => (b[0] === Op.WRITE_REGISTER && b[1] === 0x07 && b[2] === 0x36 ? ("drop" as const) : ("pass" as const));
    const rx = openWith(w, node, { spi, extra: { config: { frequencyHz: EU_FREQUENCY, invertIq: true } } });
    rx.radio.startReceive();
    expect(node.chip.violationsMatching("errata 15.4")).toHaveLength(1);
  });
});
