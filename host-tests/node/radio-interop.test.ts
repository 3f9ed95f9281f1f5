// Both drivers, unchanged, on emulated chips sharing one air: what arrives, what does not, and why.
import { describe, expect, test } from "vitest";
import { airtimeMs } from "../../src/core/airtime";
import { PRESETS } from "../../src/core/presets";
import { modulationOf, presetConfig, type RadioConfig } from "../../drivers/radio";
import { Irq, Op } from "../../drivers/sx126x/commands";
import { anyStation, cadAndWait, payload, sendAndWait, type Station, sx126xStation, sx127xStation, world } from "./radio-helpers";
import type { Sx126xEmulator } from "../../src/host/sx126x-emulator";
import type { Sx127xEmulator } from "../../src/host/sx127x-emulator";

type AnyStation = Station<Sx127xEmulator | Sx126xEmulator>;

function pair(config = {}) {
  const w = world();
  const a = sx127xStation(w, "sx1276", config);
  const b = sx126xStation(w, "sx1262", config);
  return { w, a, b };
}

describe("SX1276 ↔ SX1262 through the air", () => {
  test.each([
    ["SX1276 → SX1262", "a", "b", -97.5, 6.25],
    ["SX1262 → SX1276", "b", "a", -97, 6.25],
    ["SX1276 → SX1262, below the noise floor", "a", "b", -125.5, -9.5],
    ["SX1262 → SX1276, below the noise floor", "b", "a", -125.5, -9.5], // raw + SNR lands on the half dB
  ] as const)("%s: bytes, RSSI and SNR arrive", (_, from, to, rssi, snr) => {
    const { w, ...stations } = pair(presetConfig(PRESETS.MEDIUM_FAST));
    const tx: AnyStation = stations[from];
    const rx: AnyStation = stations[to];
    w.air.setLink(tx.node.name, rx.node.name, { rssiDbm: rssi, snrDb: snr });
    rx.radio.startReceive();
    const bytes = payload(40, 3);
    const sentAt = w.clock.now();
    expect(sendAndWait(w, tx, bytes)).toBeUndefined();
    w.clock.advance(1);
    expect(rx.packets).toHaveLength(1);
    const packet = rx.packets[0];
    expect(Array.from(packet.bytes)).toEqual(Array.from(bytes));
    expect(packet.rssi).toBe(rssi); // values chosen on both chips' grids (1 dB / 0.5 dB, SNR 0.25 dB)
    expect(packet.snr).toBe(snr);
    // RxDone comes at the end of the frame: its start plus the core's time on air.
    const onAir = airtimeMs(modulationOf(tx.radio.config), 40);
    expect(packet.at - sentAt).toBeGreaterThanOrEqual(onAir);
    expect(packet.at - sentAt).toBeLessThan(onAir + 1);
    expect(tx.radio.timeOnAirMs(40)).toBe(onAir);
    expect(rx.radio.statistics.rxPackets).toBe(1);
    expect(tx.radio.statistics.txPackets).toBe(1);
    expect([...tx.node.chip.violations, ...rx.node.chip.violations]).toEqual([]);
  });

  test.each(["LONG_FAST", "SHORT_FAST", "LONG_MODERATE"] as const)("%s frames cross both ways, and receive resumes after each send", (preset) => {
    const { w, a, b } = pair(presetConfig(PRESETS[preset]));
    w.air.setLink("sx1276", "sx1262", { pathLossDb: 120 });
    a.radio.startReceive();
    b.radio.startReceive();
    for (let i = 0; i < 3; i++) {
      expect(sendAndWait(w, a, payload(20, i))).toBeUndefined();
      expect(sendAndWait(w, b, payload(30, i))).toBeUndefined();
    }
    w.clock.advance(1);
    expect(b.packets.map((p) => p.bytes.length)).toEqual([20, 20, 20]);
    expect(a.packets.map((p) => p.bytes.length)).toEqual([30, 30, 30]);
    expect(a.radio.state).toBe("receive");
    // 14 dBm − 120 dB path loss
    expect(a.packets[0].rssi).toBe(-106);
    expect(b.packets[0].rssi).toBe(-106);
  });

  test.each<[Partial<RadioConfig>, string]>([
    [{ spreadingFactor: 10 }, "spreading factor"],
    [{ syncWord: 0x34 }, "sync word"],
    [{ bandwidthHz: 125_000 }, "bandwidth"],
    [{ frequencyHz: 868_100_000 }, "frequency"],
    [{ invertIq: true }, "IQ polarity"],
  ])("mismatched %j: nothing arrives (%s)", (mismatch) => {
    const w = world();
    const a = sx127xStation(w, "sx1276", presetConfig(PRESETS.SHORT_FAST));
    const b = sx126xStation(w, "sx1262", { ...presetConfig(PRESETS.SHORT_FAST), ...mismatch });
    w.air.setLink("sx1276", "sx1262", { rssiDbm: -80 });
    b.radio.startReceive();
    a.radio.startReceive();
    expect(sendAndWait(w, a, payload(16))).toBeUndefined();
    expect(sendAndWait(w, b, payload(16))).toBeUndefined();
    w.clock.advance(100);
    expect(b.packets).toHaveLength(0);
    expect(a.packets).toHaveLength(0);
    expect(b.radio.statistics.crcErrors + a.radio.statistics.crcErrors).toBe(0);
  });

  test.each(["a", "b"] as const)("continuous receive at %s: back-to-back packets keep their own bytes, across the FIFO wrap", (at) => {
    const { w, a, b } = pair(presetConfig(PRESETS.SHORT_FAST));
    const rx: AnyStation = at === "a" ? a : b;
    const tx: AnyStation = at === "a" ? b : a;
    rx.radio.startReceive();
    const sent = [payload(100, 1), payload(100, 2), payload(100, 3)]; // 300 bytes > the 256-byte FIFO
    for (const bytes of sent) expect(sendAndWait(w, tx, bytes)).toBeUndefined();
    w.clock.advance(1);
    expect(rx.packets.map((p) => Array.from(p.bytes))).toEqual(sent.map((s) => Array.from(s)));
  });

  test("the same 8-bit sync word interoperates across families (0x2B ↔ registers 0x24 0xB4)", () => {
    const { w, a, b } = pair({ syncWord: 0x2b, invertIq: true });
    b.radio.startReceive();
    expect(sendAndWait(w, a, payload(9))).toBeUndefined();
    w.clock.advance(1);
    expect(b.packets).toHaveLength(1);
  });

  test.each(["a", "b"] as const)("CRC error at %s: counted and dropped, and the next frame still arrives", (at) => {
    const { w, a, b } = pair(presetConfig(PRESETS.SHORT_FAST));
    const rx: AnyStation = at === "a" ? a : b;
    const tx: AnyStation = at === "a" ? b : a;
    rx.radio.startReceive();
    w.air.corruptNext(rx.node.name);
    expect(sendAndWait(w, tx, payload(24))).toBeUndefined();
    expect(sendAndWait(w, tx, payload(24, 2))).toBeUndefined();
    w.clock.advance(1);
    expect(rx.radio.statistics.crcErrors).toBe(1);
    expect(rx.packets).toHaveLength(1);
    expect(Array.from(rx.packets[0].bytes)).toEqual(Array.from(payload(24, 2)));
  });

  test("an implicit-header link works between families and fails on a length mismatch", () => {
    const implicit = { ...presetConfig(PRESETS.SHORT_FAST), explicitHeader: false, implicitLength: 10 };
    const { w, a, b } = pair(implicit);
    b.radio.startReceive();
    expect(sendAndWait(w, a, payload(10))).toBeUndefined();
    w.clock.advance(1);
    expect(b.packets.map((p) => p.bytes.length)).toEqual([10]);
    expect(() => a.radio.send(payload(11), () => {})).toThrow(/implicit header mode sends exactly implicitLength \(10\) bytes/);
    b.radio.configure({ implicitLength: 12 });
    expect(sendAndWait(w, a, payload(10))).toBeUndefined();
    w.clock.advance(1);
    expect(b.packets).toHaveLength(1);
    expect(b.radio.statistics.crcErrors).toBe(1);
  });

  test.each([
    ["2 dB apart: they collide, no packet, one CRC error", -97, 0, 1],
    ["10 dB apart: the receiver captures the stronger", -105, 1, 0],
  ])("two overlapping senders (SX1276 and SX1262, hidden from each other), %s", (_, secondRssi, packets, crcErrors) => {
    const w = world();
    const config = presetConfig(PRESETS.MEDIUM_FAST);
    const s1 = sx127xStation(w, "s1", config);
    const s2 = sx126xStation(w, "s2", config);
    const rx = sx126xStation(w, "rx", config);
    w.air.setLink("s1", "rx", { rssiDbm: -95 });
    w.air.setLink("s2", "rx", { rssiDbm: secondRssi });
    w.air.setLink("s1", "s2", { rssiDbm: -200 });
    rx.radio.startReceive();
    const done: (Error | undefined)[] = [];
    s1.radio.send(payload(30), (e) => done.push(e));
    w.clock.advance(20);
    s2.radio.send(payload(30, 2), (e) => done.push(e));
    w.clock.runUntil(() => done.length === 2, 5_000);
    w.clock.advance(1);
    expect(done).toEqual([undefined, undefined]);
    expect(rx.packets.map((p) => Array.from(p.bytes))).toEqual(packets ? [Array.from(payload(30))] : []);
    expect(rx.radio.statistics.crcErrors).toBe(crcErrors);
    expect(w.air.statistics.collisions).toBe(crcErrors);
  });

  test.each(["heltec-v2", "heltec-v3"] as const)("CAD on %s: busy while a matching frame is on the air, clear otherwise", (board) => {
    const w = world();
    const listener = anyStation(w, board, "listener", presetConfig(PRESETS.LONG_FAST));
    const talker = sx126xStation(w, "talker", presetConfig(PRESETS.LONG_FAST));
    const other = sx127xStation(w, "other", presetConfig(PRESETS.SHORT_FAST));
    w.air.setLink("talker", "listener", { rssiDbm: -110 });
    w.air.setLink("other", "listener", { rssiDbm: -60 });
    listener.radio.startReceive();
    expect(cadAndWait(w, listener)).toEqual({ busy: false, error: undefined });
    talker.radio.send(payload(50), () => {});
    w.clock.advance(30);
    expect(cadAndWait(w, listener)).toEqual({ busy: true, error: undefined });
    w.clock.advance(2_000);
    other.radio.send(payload(50), () => {}); // loud, but another SF and BW
    w.clock.advance(5);
    expect(cadAndWait(w, listener).busy).toBe(false);
    expect(listener.radio.statistics).toMatchObject({ cadRuns: 3, cadBusy: 1 });
    expect(listener.radio.state).toBe("receive"); // CAD returned to the resting receive
    expect(listener.node.chip.violations).toEqual([]);
  });

  test.each(["heltec-v2", "heltec-v3"] as const)("isReceiving on %s: true while a frame arrives, false before, after, and when not listening", (board) => {
    const w = world();
    const listener = anyStation(w, board, "listener", presetConfig(PRESETS.SHORT_FAST));
    const talker = sx126xStation(w, "talker", presetConfig(PRESETS.SHORT_FAST));
    expect(listener.radio.isReceiving()).toBe(false); // standby: not listening at all
    listener.radio.startReceive();
    expect(listener.radio.isReceiving()).toBe(false);
    talker.radio.send(payload(60), () => {});
    w.clock.advance(20);
    expect(listener.radio.isReceiving()).toBe(true);
    w.clock.advance(200);
    expect(listener.packets).toHaveLength(1);
    expect(listener.radio.isReceiving()).toBe(false);
    // Asking does not disturb the reception: the frame arrived intact while it was asked mid-way.
    expect(Array.from(listener.packets[0].bytes)).toEqual(Array.from(payload(60)));
    expect(listener.node.chip.violations).toEqual([]);
  });

  test("SX126x: a HeaderValid whose frame never completes stops counting as receiving after a longest frame's airtime", () => {
    const w = world();
    const s = sx126xStation(w, "b", presetConfig(PRESETS.SHORT_FAST));
    s.radio.startReceive();
    // The chip latched HeaderValid and the frame's RxDone never came (injected on the SPI reads).
    const spi = s.node.board.io.SPI.prototype as { transfer(b: Uint8Array): void };
    const real = spi.transfer;
    spi.transfer = function (this: unknown, b: Uint8Array) {
      const op = b[0];
      real.call(this, b);
      if (op === Op.GET_IRQ_STATUS && !cleared) b[3] |= Irq.HEADER_VALID;
      if (op === Op.CLEAR_IRQ_STATUS && ((b[1] << 8) | b[2]) & Irq.HEADER_VALID) cleared = true;
    };
    let cleared = false;
    try {
      expect(s.radio.isReceiving()).toBe(true);
      w.clock.advance(s.radio.timeOnAirMs(255) - 1);
      expect(s.radio.isReceiving()).toBe(true);
      w.clock.advance(2);
      expect(s.radio.isReceiving()).toBe(false);
      expect(cleared).toBe(true);
    } finally {
      spi.transfer = real;
    }
  });

  test("TX power shows up at the receiver through the path loss (+2/+14/+20 on SX1276, +22 on SX1262)", () => {
    const w = world();
    const a = sx127xStation(w, "sx1276");
    const b = sx126xStation(w, "sx1262");
    w.air.setLink("sx1276", "sx1262", { pathLossDb: 110 });
    const heard = (): number => b.packets.at(-1)!.rssi;
    b.radio.startReceive();
    for (const dBm of [2, 14, 20]) {
      a.radio.configure({ txPowerDbm: dBm });
      expect(sendAndWait(w, a, payload(8))).toBeUndefined();
      w.clock.advance(1);
      expect(heard()).toBe(dBm - 110);
    }
    b.radio.configure({ txPowerDbm: 22 });
    a.radio.startReceive();
    expect(sendAndWait(w, b, payload(8))).toBeUndefined();
    w.clock.advance(1);
    expect(a.packets.at(-1)!.rssi).toBe(22 - 110);
  });

  test("five emulated nodes on one air: a broadcast from each reaches the other four", () => {
    const w = world();
    const boards = ["heltec-v2", "heltec-v3", "heltec-v2", "heltec-v3", "heltec-v3"] as const;
    const nodes = boards.map((board, i) => anyStation(w, board, `n${i}`, presetConfig(PRESETS.SHORT_FAST)));
    for (const n of nodes) n.radio.startReceive();
    for (const n of nodes) expect(sendAndWait(w, n, payload(16))).toBeUndefined();
    w.clock.advance(1);
    expect(nodes.map((n) => n.packets.length)).toEqual([4, 4, 4, 4, 4]);
    expect(nodes.flatMap((n) => n.node.chip.violations)).toEqual([]);
  });
});
