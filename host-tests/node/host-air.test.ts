// The virtual air on its own, with scripted radios: matching, sensitivity, collisions, capture,
// airtime and link budgets.
import { describe, expect, test } from "vitest";
import { airtimeMs } from "../../src/core/airtime";
import { noiseFloorDbm, SNR_LIMIT_DB } from "../../src/core/presets";
import { Air, type AirModem, type AirOptions, type AirRadio, type AirReception, modemsMatch } from "../../src/host/air";
import { VirtualClock } from "../../src/host/clock";

const MODEM: AirModem = Object.freeze({
  frequencyHz: 869_525_000,
  bandwidthHz: 250_000,
  spreadingFactor: 9,
  codingRate: 5,
  preambleSymbols: 16,
  explicitHeader: true,
  crc: true,
  lowDataRateOptimize: false,
  invertIq: false,
  syncWord: 0x1424,
});

class Listener implements AirRadio {
  readonly got: AirReception[] = [];
  constructor(
    readonly name: string,
    public modem: AirModem | undefined,
  ) {}
  listening(): AirModem | undefined {
    return this.modem;
  }
  receive(reception: AirReception): void {
    this.got.push(reception);
  }
}

function setup(options: AirOptions = {}): { clock: VirtualClock; air: Air; a: Listener; b: Listener; c: Listener } {
  const clock = new VirtualClock();
  const air = new Air(clock, options);
  const a = new Listener("a", undefined);
  const b = new Listener("b", MODEM);
  const c = new Listener("c", undefined);
  for (const r of [a, b, c]) air.join(r);
  return { clock, air, a, b, c };
}

describe("Air", () => {
  test("matches only the same SF, BW, sync word, header mode and IQ, within a quarter bandwidth", () => {
    expect(modemsMatch(MODEM, MODEM)).toBe(true);
    expect(modemsMatch(MODEM, { ...MODEM, frequencyHz: MODEM.frequencyHz + 60_000 })).toBe(true);
    expect(modemsMatch(MODEM, { ...MODEM, frequencyHz: MODEM.frequencyHz + 70_000 })).toBe(false);
    expect(modemsMatch(MODEM, { ...MODEM, spreadingFactor: 10 })).toBe(false);
    expect(modemsMatch(MODEM, { ...MODEM, bandwidthHz: 125_000 })).toBe(false);
    expect(modemsMatch(MODEM, { ...MODEM, syncWord: 0x3444 })).toBe(false);
    expect(modemsMatch(MODEM, { ...MODEM, invertIq: true })).toBe(false);
    expect(modemsMatch(MODEM, { ...MODEM, explicitHeader: false })).toBe(false);
    expect(modemsMatch(MODEM, { ...MODEM, codingRate: 8 })).toBe(true); // explicit header carries CR
  });

  test("delivers at the end of the frame's core airtime with the link table's RSSI and SNR", () => {
    const { clock, air, a, b } = setup();
    air.setLink("a", "b", { rssiDbm: -101.5, snrDb: 3.25 });
    const bytes = Uint8Array.of(1, 2, 3, 4, 5);
    const frame = air.transmit(a, bytes, MODEM, 14);
    expect(frame.end - frame.start).toBe(airtimeMs({ ...MODEM, sf: 9 }, 5));
    clock.advance(frame.end - clock.now() - 0.001);
    expect(b.got).toHaveLength(0);
    clock.advance(0.001);
    expect(b.got).toHaveLength(1);
    expect(Array.from(b.got[0].bytes)).toEqual([1, 2, 3, 4, 5]);
    expect(b.got[0]).toMatchObject({ rssi: -101.5, snr: 3.25, crcError: false, crcOn: true });
    expect(air.statistics.delivered).toBe(1);
  });

  test("path loss: SNR from the noise floor; too weak for the SF means nothing arrives", () => {
    const { clock, air, a, b } = setup();
    const noise = noiseFloorDbm(MODEM.bandwidthHz, 6);
    const limit = SNR_LIMIT_DB[MODEM.spreadingFactor];
    // 14 dBm − loss gives an SNR just below the SF9 limit.
    air.setLink("a", "b", { pathLossDb: 14 - (noise + limit - 0.5) });
    air.transmit(a, Uint8Array.of(1), MODEM, 14);
    clock.advance(1000);
    expect(b.got).toHaveLength(0);
    expect(air.statistics.tooWeak).toBe(1);
    air.setLink("a", "b", { pathLossDb: 14 - (noise + limit + 0.5) });
    air.transmit(a, Uint8Array.of(1), MODEM, 14);
    clock.advance(1000);
    expect(b.got).toHaveLength(1);
    expect(b.got[0].snr).toBeCloseTo(limit + 0.5, 9);
    expect(b.got[0].rssi).toBeCloseTo(noise + limit + 0.5, 9);
  });

  test("positions give a log-distance loss that grows with distance", () => {
    const clock = new VirtualClock();
    const air = new Air(clock);
    const r = [new Listener("n0", MODEM), new Listener("n1", MODEM), new Listener("n2", MODEM)];
    air.join(r[0], { x: 0, y: 0 });
    air.join(r[1], { x: 100, y: 0 });
    air.join(r[2], { x: 1000, y: 0 });
    const near = air.linkBudget("n0", "n1", 14, MODEM).rssi;
    const far = air.linkBudget("n0", "n2", 14, MODEM).rssi;
    expect(near - far).toBeCloseTo(27, 6); // 10 · 2.7 · log10(10)
    expect(air.linkBudget("n0", "unknown", 14, MODEM).rssi).toBe(14 - 100);
  });

  test.each([
    ["equal strength: they collide and the locked frame arrives damaged (CRC error)", -90, true],
    ["the first 6 dB stronger: it survives (capture)", -84, false],
  ])("two overlapping frames, %s", (_, firstRssi, damaged) => {
    const { clock, air, a, b, c } = setup();
    air.setLink("a", "b", { rssiDbm: firstRssi, snrDb: 10 });
    air.setLink("c", "b", { rssiDbm: -90, snrDb: 10 });
    air.transmit(a, Uint8Array.of(1, 2, 3), MODEM, 14);
    clock.advance(5);
    air.transmit(c, Uint8Array.of(4, 5, 6), MODEM, 14);
    clock.advance(2000);
    expect(b.got).toHaveLength(1); // locked on the first; the second found the receiver busy
    expect(b.got[0].crcError).toBe(damaged);
    expect(Array.from(b.got[0].bytes).join() === "1,2,3").toBe(!damaged);
    expect(air.statistics.collisions).toBe(damaged ? 1 : 0);
  });

  test("other channels and other SFs do not collide; a receiver that leaves receive loses the frame", () => {
    const { clock, air, a, b, c } = setup();
    air.setLink("a", "b", { rssiDbm: -90, snrDb: 10 });
    air.setLink("c", "b", { rssiDbm: -80, snrDb: 20 });
    air.transmit(a, Uint8Array.of(1), MODEM, 14);
    air.transmit(c, Uint8Array.of(2), { ...MODEM, frequencyHz: MODEM.frequencyHz + 300_000 }, 14);
    clock.advance(2000);
    air.transmit(a, Uint8Array.of(1), MODEM, 14);
    air.transmit(c, Uint8Array.of(2), { ...MODEM, spreadingFactor: 7 }, 14);
    clock.advance(2000);
    expect(b.got.map((g) => g.crcError)).toEqual([false, false]);
    b.got.length = 0;
    air.transmit(a, Uint8Array.of(3), MODEM, 14);
    clock.advance(10);
    b.modem = undefined;
    air.retuned(b);
    b.modem = MODEM;
    clock.advance(2000);
    expect(b.got).toHaveLength(0);
    expect(air.statistics.lost).toBe(1);
  });

  test("an aborted frame is received by nobody; corruptNext damages the next frame", () => {
    const { clock, air, a, b } = setup();
    air.setLink("a", "b", { rssiDbm: -90, snrDb: 10 });
    const frame = air.transmit(a, Uint8Array.of(1), MODEM, 14);
    clock.advance(10);
    air.abort(frame);
    clock.advance(2000);
    expect(b.got).toHaveLength(0);
    air.corruptNext("b");
    air.transmit(a, Uint8Array.of(7), MODEM, 14);
    air.transmit(a, Uint8Array.of(7), MODEM, 14);
    clock.advance(2000);
    expect(b.got.map((g) => g.crcError)).toEqual([true]);
  });

  test("channel activity sees a frame on the same SF/BW only", () => {
    const { clock, air, a, b } = setup();
    air.setLink("a", "b", { rssiDbm: -90, snrDb: 10 });
    const frame = air.transmit(a, Uint8Array.of(1, 2), MODEM, 14);
    expect(air.channelActivity(b, MODEM, 0, 1)).toBe(true);
    expect(air.channelActivity(b, { ...MODEM, spreadingFactor: 10 }, 0, 1)).toBe(false);
    expect(air.channelActivity(b, MODEM, frame.end + 1, frame.end + 2)).toBe(false);
    clock.advance(1);
    expect(air.receiving(b)).toBe(true);
  });

  test("seeded fading is reproducible", () => {
    const run = (seed: number): number[] => {
      const clock = new VirtualClock({ seed });
      const air = new Air(clock, { fadingSigmaDb: 4 });
      const a = new Listener("a", undefined);
      const b = new Listener("b", MODEM);
      air.join(a);
      air.join(b);
      for (let i = 0; i < 5; i++) {
        air.transmit(a, Uint8Array.of(i), MODEM, 20);
        clock.advance(1000);
      }
      return b.got.map((g) => g.rssi);
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });
});
