// xsl's link step, stood in for on the XS engine of the host tests: every module the manifests
// preload (with the SDK's `system`, which imports the board's provider), compiled module by module
// without tree-shaking, run in the manifests' order with only the globals a Moddable ESP32 build
// has (scripts/firmware-image.mjs). A module body that touches TextEncoder, console, setTimeout…
// or calls native code at load fails here as xsl fails (e.g. @noble/curves/ed25519 building FROST
// with `new TextEncoder()`), and an import the device could not resolve fails the image build.
import { expect, test } from "vitest";
// @ts-expect-error: plain ESM helper without type declarations
import { runDevicePreload } from "../../scripts/firmware-image.mjs";
// @ts-expect-error: plain ESM helper without type declarations
import { BOARDS } from "../../scripts/firmware-build.mjs";

type Run = { ok: boolean; status: number | null; stdout: string; stderr: string; preload: string[] };

for (const board of BOARDS as readonly string[]) {
  test(`${board}: every preloaded module links with only the device's globals`, async () => {
    const run = (await (runDevicePreload as (b: string) => Promise<Run>)(board)) as Run;
    // The core, the app, the drivers and the crypto at least: an empty preload would prove nothing.
    expect(run.preload.length).toBeGreaterThan(60);
    expect(run.stdout.trim(), run.stderr).toBe(`PRELOAD OK ${run.preload.length}`);
    expect(run.status).toBe(0);
  }, 300_000);
}
