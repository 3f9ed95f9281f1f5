/// <reference lib="dom" />
// `system5 view` end to end in a real browser: Debian's chromium, headless, driven by
// playwright-core. Skipped (with a message) only where no chromium is installed; CI installs it
// (.ci/run). Screenshots go to test-output/view/ (git-ignored, kept as CI artefacts).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveView, writeView } from "../../src/cli/view-command";
import { CHROMIUM_PATH, chromiumAvailable, launchChromium } from "../../src/view/host/browser";

const ROOT = path.resolve(import.meta.dirname, "../..");
const OUT = path.join(ROOT, "test-output/view");
const ROUTERS = ["system5", "managed3", "flood"];
const hasChromium = chromiumAvailable();
if (!hasChromium) console.warn(`view browser tests SKIPPED: no chromium at ${CHROMIUM_PATH} (apt-get install chromium; .ci/run installs it)`);

type Final = Record<string, number | null>;

describe.skipIf(!hasChromium)("system5 view in headless Chromium", () => {
  let browser: { context: BrowserContext; close(): Promise<void> };
  let server: { url: string; close(): Promise<void> };
  const errors: string[] = [];

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(ROOT, "scripts/build.mjs")], { cwd: ROOT, stdio: "inherit" });
    mkdirSync(OUT, { recursive: true });
    server = await serveView(0, { scenario: "small-local", seed: 1, routers: ROUTERS }, false);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(url: string): Promise<Page> {
    const page = await browser.context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForSelector(".panel[data-tx]");
    return page;
  }

  const tx = (page: Page, router: string) => page.locator(`.panel[data-router="${router}"]`).getAttribute("data-tx").then(Number);

  it("loads with no console errors, one panel per router, and its counters advance", async () => {
    const page = await open(server.url);
    expect(await page.locator(".panel").evaluateAll((ps) => ps.map((p) => (p as HTMLElement).dataset.router))).toEqual(ROUTERS);
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>(".panel")?.dataset.tx) > 0);
    const first = await tx(page, "flood");
    await page.waitForTimeout(1500);
    expect(await tx(page, "flood")).toBeGreaterThan(first);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows a message between two chosen nodes delivered, with its hop count", async () => {
    const page = await open(server.url);
    await page.fill("#from", "0");
    await page.fill("#to", "13");
    await page.click("#send");
    const li = page.locator('#trace li[data-router="system5"][data-state="delivered"]');
    await li.waitFor({ timeout: 60_000 });
    expect(Number(await li.getAttribute("data-hops"))).toBeGreaterThanOrEqual(1);
    expect(await li.textContent()).toMatch(/delivered 0→13 in \d+ hops?/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a killed node stops transmitting (keyboard only)", async () => {
    const page = await open(server.url);
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>("#status")?.dataset.t) > 60_000);
    // Focus the first map and walk the selection to node 5 with the keyboard, then kill it.
    await page.focus(".panel canvas");
    for (let k = 0; k < 6; k++) await page.keyboard.press("]");
    await page.waitForFunction(() => document.querySelector<HTMLElement>("#inspector")?.dataset.node === "5");
    await page.keyboard.press("k");
    await page.waitForFunction(() => /killed/.test(document.querySelector("#inspector")?.textContent ?? ""));
    await page.waitForTimeout(1200);
    const before = await page.locator("#inspector").getAttribute("data-tx");
    const t0 = Number(await page.locator("#status").getAttribute("data-t"));
    await page.waitForFunction((t) => Number(document.querySelector<HTMLElement>("#status")?.dataset.t) > t + 200_000, t0, { timeout: 60_000 });
    await page.waitForTimeout(1200);
    expect(await page.locator("#inspector").getAttribute("data-tx")).toBe(before);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("gives the CLI's figures for the same seed, and an exported scenario re-imported gives the same", async () => {
    const page = await open(server.url);
    await page.selectOption("#speed", "1000");
    const finals = async (): Promise<Final[]> => {
      await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>(".panel")].every((p) => p.dataset.final), undefined, { timeout: 90_000 });
      return page.locator(".panel").evaluateAll((ps) => ps.map((p) => JSON.parse((p as HTMLElement).dataset.final as string)));
    };
    const first = await finals();
    await page.screenshot({ path: path.join(OUT, "small-local.png") });

    const json = path.join(OUT, "cli-small-local.json");
    execFileSync(process.execPath, [path.join(ROOT, "bin/system5.mjs"), "sim", "--scenario", "small-local", "--seeds", "1", "--seed", "1", "--routers", ROUTERS.join(","), "--threads", "1", "--json", json], { cwd: ROOT });
    const cli = (JSON.parse(readFileSync(json, "utf8")) as { results: (Final & { router: string })[] }).results;
    const sig = (v: number | null) => (v === null ? null : Number(v.toPrecision(6)));
    ROUTERS.forEach((router, k) => {
      const c = cli.find((r) => r.router === router)!;
      for (const key of ["unicastDelivery", "broadcastCoverage", "totalTx", "dataTx", "totalAirtimeS", "collisions", "latencyP50S"]) expect(sig(first[k][key]), `${router} ${key}`).toBe(c[key]);
    });

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export")]);
    const exported = path.join(OUT, "exported-small-local.json");
    await download.saveAs(exported);
    expect(JSON.parse(readFileSync(exported, "utf8")).name).toBe("small-local");
    await page.setInputFiles("#file", exported);
    await page.waitForSelector(".panel:not([data-final])");
    expect(await finals()).toEqual(first);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("opens from disk (system5 view --out) and saves compare screenshots of medium-city and the Bay Area", async () => {
    for (const scenario of ["medium-city", "bay-area"]) {
      const dir = path.join(OUT, `site-${scenario}`);
      writeView(dir, { scenario, seed: 1 });
      const page = await open(pathToFileURL(path.join(dir, "index.html")).href);
      await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>(".panel")].every((p) => Number(p.dataset.tx) > 0), undefined, { timeout: 60_000 });
      await page.waitForTimeout(3000);
      await page.screenshot({ path: path.join(OUT, `compare-${scenario}.png`) });
      await page.close();
    }
    expect(errors).toEqual([]);
  });
});
