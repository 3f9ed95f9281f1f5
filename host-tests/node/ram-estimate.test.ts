// The bench's RAM estimate (`npm run bench ram`, scripts/ram-estimate.mjs) measures what it says:
// on XS, the booted app, then the core's tables really filled to DEVICE_LIMITS. The budget itself
// is a bench figure, not a test; this keeps the figure from silently measuring empty tables.
import { expect, test } from "vitest";
import { DEVICE_LIMITS, resolveConfig } from "../../src/core/config";
// @ts-expect-error: plain ESM helper without type declarations
import { ramEstimate } from "../../scripts/ram-estimate.mjs";

interface Use {
  slots: number;
  chunkBytes: number;
}

test("the RAM estimate boots the app on XS and fills the core's tables to DEVICE_LIMITS", async () => {
  const e = (await (ramEstimate as (b: string) => Promise<unknown>)("heltec-v3")) as { heapSlots: number; booted: Use; full: Use; fill: Record<string, number> };
  const limits = resolveConfig(DEVICE_LIMITS);
  expect(e.fill.neighbours).toBe(limits.maxNeighbours);
  expect(e.fill.destinations).toBe(limits.maxDestinations);
  // Three neighbours offer each destination; the table keeps the routes that pass its own feasibility rules.
  expect(e.fill.routes).toBeGreaterThanOrEqual(2 * limits.maxDestinations);
  // Every cluster place but the neighbours' own cell, which they reach directly.
  expect(e.fill.clusters).toBeGreaterThanOrEqual(limits.maxClusters - 1);
  expect(e.fill.queued).toBe(limits.txQueueSize);
  expect(e.heapSlots).toBe(4928);
  expect(e.booted.slots).toBeGreaterThan(500);
  expect(e.full.slots).toBeGreaterThan(e.booted.slots);
  expect(e.full.chunkBytes).toBeGreaterThan(e.booted.chunkBytes);
}, 300_000);
