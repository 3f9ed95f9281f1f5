/// <reference lib="dom" />
// `npm run bench` part `view`: the mesh view in headless Chromium on a 500-node scenario —
// animation frames per second and simulated seconds per wall second, for System 5 alone and for
// the default compare panels. Figures, not a timed test (no target is asserted).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { writeView } from "../../cli/view-command";
import { CHROMIUM_PATH, chromiumAvailable, launchChromium } from "./browser";

const SCENARIO = "large-regional";
const WARM_S = 4;
const MEASURE_S = Number(process.env.BENCH_VIEW_SECONDS ?? 12);

export async function viewBench(out: NodeJS.WritableStream): Promise<void> {
  out.write(`View (headless Chromium, ${SCENARIO}: 500 nodes, 1280×800, speed 1000×, ${MEASURE_S} s measured)\n`);
  if (!chromiumAvailable()) {
    out.write(`  skipped: no chromium at ${CHROMIUM_PATH} (apt-get install chromium)\n\n`);
    return;
  }
  const browser = await launchChromium();
  const dir = mkdtempSync(path.join(tmpdir(), "system5-view-bench-"));
  try {
    for (const routers of [["system5"], undefined]) {
      const site = path.join(dir, routers ? routers.join("-") : "compare");
      writeView(site, { scenario: SCENARIO, seed: 1, ...(routers ? { routers } : {}) });
      const page = await browser.context.newPage();
      await page.goto(pathToFileURL(path.join(site, "index.html")).href);
      await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>(".panel")].length > 0 && [...document.querySelectorAll<HTMLElement>(".panel")].every((p) => Number(p.dataset.tx) > 0), undefined, { timeout: 300_000 });
      const names = await page.locator(".panel").evaluateAll((ps) => ps.map((p) => (p as HTMLElement).dataset.router ?? ""));
      await page.selectOption("#speed", "1000");
      await page.waitForTimeout(WARM_S * 1000);
      const read = () => page.evaluate(() => ({ t: Number(document.querySelector<HTMLElement>("#status")?.dataset.t), wall: performance.now(), frames: (window as unknown as { __frames?: number }).__frames ?? 0, drawMs: (window as unknown as { __drawMs?: number }).__drawMs ?? 0, draws: (window as unknown as { __draws?: number }).__draws ?? 0 }));
      const a = await read();
      await page.waitForTimeout(MEASURE_S * 1000);
      const b = await read();
      const wallS = (b.wall - a.wall) / 1000;
      const fps = (b.frames - a.frames) / wallS;
      const rate = (b.t - a.t) / 1000 / wallS;
      const drawMs = b.draws > a.draws ? (b.drawMs - a.drawMs) / (b.draws - a.draws) : 0;
      out.write(`  ${names.join(" + ").padEnd(32)} ${fps.toFixed(1).padStart(6)} frames/s  ${rate.toFixed(1).padStart(7)} simulated s per wall s  ${drawMs.toFixed(1).padStart(6)} ms per drawn frame\n`);
      await page.close();
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
  out.write("\n");
}
