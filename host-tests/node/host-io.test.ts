// The host IO board: ECMA-419 shaped Digital and SPI, with the device's rules.
import { describe, expect, test } from "vitest";
import { VirtualClock } from "../../src/host/clock";
import { HostBoard, type SpiDevice } from "../../src/host/io";

function board(): HostBoard {
  return new HostBoard(new VirtualClock(), { name: "test" });
}

describe("host Digital", () => {
  test("an output drives its wire; an input reads it, floating low unless pulled", () => {
    const b = board();
    const { Digital } = b.io;
    const input = new Digital({ pin: 4, mode: Digital.Input });
    expect(input.read()).toBe(0);
    const out = new Digital({ pin: 4 + 1, mode: Digital.Output });
    out.write(1);
    expect(b.wire(5).level).toBe(1);
    const pulled = new Digital({ pin: 6, mode: Digital.InputPullUp });
    expect(pulled.read()).toBe(1);
    expect(() => input.write(1)).toThrow(/is an input/);
  });

  test("pins are reserved until closed, and GPIO 34-39 cannot be outputs", () => {
    const b = board();
    const { Digital } = b.io;
    const first = new Digital({ pin: 18, mode: Digital.Output });
    expect(() => new Digital({ pin: 18, mode: Digital.Input })).toThrow(/pin 18 in use/);
    expect(b.pinsInUse()).toEqual([18]);
    first.close();
    first.close(); // idempotent
    expect(b.pinsInUse()).toEqual([]);
    expect(() => first.read()).toThrow(/closed/);
    expect(() => new Digital({ pin: 35, mode: Digital.Output })).toThrow(/input only/);
    expect(() => new Digital({ pin: 3, mode: 99 })).toThrow(RangeError);
  });

  test("onReadable runs as a task after the edge, with edges coalesced", () => {
    const b = board();
    const { Digital } = b.io;
    const calls: number[] = [];
    new Digital({ pin: 26, mode: Digital.Input, edge: Digital.Rising, onReadable: () => calls.push(b.clock.now()) });
    const wire = b.wire(26);
    const chip = {};
    wire.drive(chip, 1);
    wire.drive(chip, 0);
    wire.drive(chip, 1); // second rising edge before the task ran
    expect(calls).toEqual([]); // not synchronous: an ISR only posts a message
    b.clock.advance(1);
    expect(calls).toEqual([0]);
    expect(() => new Digital({ pin: 27, mode: Digital.Input, onReadable: () => {} })).toThrow(/needs edge/);
  });
});

describe("host SPI", () => {
  function echo(): SpiDevice & { seen: number[] } {
    const seen: number[] = [];
    return { seen, exchange: (mosi) => (seen.push(mosi), (mosi + 1) & 0xff) };
  }

  test("exchanges full duplex with the chip whose NSS is low; idle level otherwise", () => {
    const b = board();
    const device = echo();
    b.attachSpi(1, device, 18);
    const nss = new b.io.Digital({ pin: 18, mode: b.io.Digital.Output });
    nss.write(1);
    const spi = new b.io.SPI({ clock: 5, in: 19, out: 27, port: 1, hz: 8_000_000 });
    const buffer = Uint8Array.of(1, 2, 3);
    spi.transfer(buffer);
    expect(Array.from(buffer)).toEqual([0, 0, 0]);
    nss.write(0);
    buffer.set([1, 2, 3]);
    spi.transfer(buffer.subarray(1));
    expect(Array.from(buffer)).toEqual([1, 3, 4]);
    expect(device.seen).toEqual([2, 3]);
  });

  test("checks port and clock rate like the ESP32 implementation", () => {
    const b = board();
    expect(() => new b.io.SPI({ clock: 5, in: 19, out: 27, hz: 8_000_000 })).toThrow(/port is required/);
    expect(() => new b.io.SPI({ clock: 5, in: 19, out: 27, port: 1, hz: 50_000_000 })).toThrow(RangeError);
    expect(() => new b.io.SPI({ clock: 5, port: 1, hz: 1_000 })).toThrow(/in or out/);
  });

  test("a select pin given to SPI stays asserted across calls until flush(true) (the select trap)", () => {
    const b = board();
    const spi = new b.io.SPI({ clock: 5, in: 19, out: 27, port: 1, hz: 1_000_000, select: 18, active: 0 });
    expect(b.pinsInUse()).toEqual([18]);
    spi.write(Uint8Array.of(0x42));
    expect(b.wire(18).level).toBe(0);
    spi.write(Uint8Array.of(0x43));
    expect(b.wire(18).level).toBe(0);
    spi.flush(true);
    expect(b.wire(18).level).toBe(1);
    spi.close();
    expect(b.pinsInUse()).toEqual([]);
    expect(() => spi.write(Uint8Array.of(1))).toThrow(/closed/);
  });

  test("two chips selected at once is recorded as an electrical fault", () => {
    const b = board();
    b.attachSpi(1, echo(), 18);
    b.attachSpi(1, echo(), 8);
    const spi = new b.io.SPI({ clock: 5, in: 19, out: 27, port: 1, hz: 1_000_000 });
    spi.write(Uint8Array.of(1)); // both NSS wires float low
    expect(b.faults.some((f) => f.includes("2 chips selected"))).toBe(true);
  });
});
