// Entropy on the device (issue 14, docs/security.md §13.7): both radio drivers read receiver noise
// from the chip's random-number source (SX127x RegRssiWideband LSBs, SX126x 0x0819..0x081C) while
// in receive, the emulators model it, and the app's pool mixes it with Math.random and the clock.
import { describe, expect, test } from "vitest";
import { bootEntropy, EntropyPool } from "../../src/app/entropy";
import { Reg as Reg126 } from "../../drivers/sx126x/commands";
import { Reg as Reg127 } from "../../drivers/sx127x/registers";
import { sx126xStation, sx127xStation, world } from "./radio-helpers";

function distinctBytes(b: Uint8Array): number {
  return new Set(b).size;
}

describe("receiver noise from the radio", () => {
  test("SX127x: the LSBs of RegRssiWideband, read while in receive", () => {
    const w = world();
    const s = sx127xStation(w, "a");
    expect(() => s.radio.randomBytes?.(8)).toThrow(/receive/);
    s.radio.startReceive();
    const a = s.radio.randomBytes?.(32) as Uint8Array;
    const b = s.radio.randomBytes?.(32) as Uint8Array;
    expect(a).toHaveLength(32);
    expect(distinctBytes(a)).toBeGreaterThan(16);
    expect(Array.from(a)).not.toEqual(Array.from(b));
    expect(Reg127.RSSI_WIDEBAND).toBe(0x2c);
  });
  test("SX126x: the random-number registers 0x0819..0x081C, read while in receive", () => {
    const w = world();
    const s = sx126xStation(w, "b");
    expect(() => s.radio.randomBytes?.(8)).toThrow(/receive/);
    s.radio.startReceive();
    const a = s.radio.randomBytes?.(30) as Uint8Array;
    const b = s.radio.randomBytes?.(30) as Uint8Array;
    expect(a).toHaveLength(30);
    expect(distinctBytes(a)).toBeGreaterThan(16);
    expect(Array.from(a)).not.toEqual(Array.from(b));
    expect(Reg126.RANDOM_NUMBER).toBe(0x0819);
  });
});

describe("entropy pool", () => {
  test("a pool seeded from a constant Math.random still differs once radio noise is mixed in; output never repeats", () => {
    const constant = (): number => 0x12345678;
    const p1 = bootEntropy(constant, 1000);
    const p2 = bootEntropy(constant, 1000);
    expect(p1.u32()).toBe(p2.u32()); // same inputs, same pool: Math.random alone is not enough
    p1.mix("radio", Uint8Array.of(1, 2, 3));
    p2.mix("radio", Uint8Array.of(1, 2, 4));
    expect(p1.u32()).not.toBe(p2.u32());
    const pool = new EntropyPool();
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(pool.u32());
    expect(seen.size).toBe(1000);
    expect(pool.bytes(70)).toHaveLength(70);
  });
});
