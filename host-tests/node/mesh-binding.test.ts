// From settings to the channel and the core's parameters.
import { DEVICE_LIMITS, resolveConfig } from "../../src/core/config";
import { describe, expect, test } from "vitest";
import { meshPlan } from "../../src/app/mesh-binding";
import { DEFAULT_SETTINGS, type Settings } from "../../src/app/settings";
import { PRESETS } from "../../src/core/presets";
import { SEAL_OVERHEAD_BYTES } from "../../src/core/security/frame-seal";

const settings = (s: Partial<Settings>): Settings => ({ ...DEFAULT_SETTINGS, ...s });

describe("meshPlan", () => {
  test("EU868: the 869.525 MHz channel in sub-band P, 10 % duty cycle (ERC/REC 70-03), the preset's modem", () => {
    const plan = meshPlan(settings({ region: "EU868", preset: "SHORT_FAST", clusterPrecision: 5 }));
    expect(plan.radio).toMatchObject({ frequencyHz: 869_525_000, bandwidthHz: 250_000, spreadingFactor: 7, codingRate: 5, preambleSymbols: 16, crc: true, explicitHeader: true });
    expect(plan.radio).not.toHaveProperty("txPowerDbm");
    expect(plan.node.dutyCycle).toBe(0.1);
    expect(plan.node.modem).toBe(PRESETS.SHORT_FAST);
    // Every frame is sealed: the core leaves the seal's 12 bytes in every frame and airtime.
    expect(plan.node.config).toEqual({ ...DEVICE_LIMITS, geohashPrecision: 5, frameOverheadBytes: SEAL_OVERHEAD_BYTES });
    expect(SEAL_OVERHEAD_BYTES).toBe(12);
    expect(resolveConfig(plan.node.config).maxNeighbours).toBeLessThan(resolveConfig().maxNeighbours); // device tables are smaller
    expect(plan.subBand).toMatch(/^P /);
  });

  test("US915: no duty-cycle limit; LONG_FAST by default", () => {
    const plan = meshPlan(settings({ region: "US915" }));
    expect(plan.radio.frequencyHz).toBe(906_875_000);
    expect(plan.radio.spreadingFactor).toBe(11);
    expect(plan.node.dutyCycle).toBe(1);
  });

  test("a preset wider than the region's channel is refused (settings never let it through)", () => {
    expect(() => meshPlan(settings({ region: "EU868", preset: "SHORT_TURBO" }))).toThrow(/SHORT_TURBO does not fit the EU868 channel/);
  });
});
