// Settings properties (fast-check): whatever a store holds, boot gets valid settings and no
// exception. Example cases are in host-tests/shared/settings.cases.ts (Node and XS).
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { SETTINGS_DOMAIN, SettingsStore, validateSettings, type PreferenceValue } from "../../src/app/settings";
import { FakePreference } from "../fakes/preference";

const KEYS = ["node", "region", "preset", "txpower", "precision", "name", "role", "key", "schema", "autoid", "junk"];

const storedValue: fc.Arbitrary<PreferenceValue> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom("EU868", "US915", "LONG_TURBO", "SHORT_FAST", "router", "0a1b2c3d", "auto", "default"),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double(),
  fc.boolean(),
  fc.uint8Array({ maxLength: 8 }).map((b) => b.buffer as ArrayBuffer),
);

const power = fc.constantFrom({ minDbm: 2, maxDbm: 20 }, { minDbm: -9, maxDbm: 22 });

describe("settings load properties", () => {
  test("any stored contents load to valid settings without throwing", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...KEYS), storedValue), power, (entries, range) => {
        const store = new FakePreference();
        for (const [k, v] of Object.entries(entries)) store.corrupt(SETTINGS_DOMAIN, k, v);
        const { settings } = new SettingsStore(store, range).load();
        expect(validateSettings(settings, range)).toEqual([]);
        // Loading again after the repair gives the same settings (a reboot does not drift).
        expect(new SettingsStore(store, range).load().settings).toEqual(settings);
      }),
      { numRuns: 1000 },
    );
  });

  test("any console input to set() either saves a valid setting or changes nothing", () => {
    fc.assert(
      fc.property(fc.constantFrom(...KEYS), fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String)), (key, value) => {
        const store = new FakePreference();
        const s = new SettingsStore(store, { minDbm: 2, maxDbm: 20 });
        s.load();
        const before = s.current;
        const r = s.set(key, value);
        if (r.ok) expect(validateSettings(s.current, s.powerRange)).toEqual([]);
        else {
          expect(s.current).toBe(before);
          expect(store.writes).toBe(0);
          expect(r.error.length).toBeGreaterThan(10);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("duplicate id: a new automatic id (issue 14)", () => {
  test("redrawAutoId stores an id other than the current one, and the next boot takes it", async () => {
    const { redrawAutoId, resolveNodeId, DEFAULT_SETTINGS } = await import("../../src/app/settings");
    const prefs = new FakePreference();
    const first = resolveNodeId(DEFAULT_SETTINGS, undefined, prefs, () => 0x1234);
    expect(first).toEqual({ id: 0x1234, source: "random" });
    const draws = [0x1234, 0x1234, 0x5678];
    const r = redrawAutoId(prefs, () => draws.shift() ?? 0, first.id);
    expect(r).toEqual({ ok: true, id: 0x5678 });
    expect(resolveNodeId(DEFAULT_SETTINGS, undefined, prefs, () => 0x9999)).toEqual({ id: 0x5678, source: "random" });
  });
});
