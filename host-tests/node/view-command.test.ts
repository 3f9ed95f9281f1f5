// `system5 view`'s command side: the page's settings are checked on the command line, the server
// listens on loopback only and serves just the bundled page, and --out writes it for file://.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveView, viewConfig, writeView } from "../../src/cli/view-command";

const ROOT = path.resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(path.join(tmpdir(), "system5-view-cmd-"));

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, "scripts/build.mjs")], { cwd: ROOT });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("system5 view (command)", () => {
  it("checks --scenario and --routers before serving anything", () => {
    expect(() => viewConfig({ scenario: "no-such-place", seed: 1 })).toThrow(/unknown scenario "no-such-place"/);
    expect(() => viewConfig({ scenario: path.join(dir, "missing.json"), seed: 1 })).toThrow(/cannot read scenario file/);
    const bad = path.join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ name: "bad", nodes: 10, areaM: 1000, rangeM: 500, traffic: { broadcastShare: 2 } }));
    expect(() => viewConfig({ scenario: bad, seed: 1 })).toThrow(/traffic.broadcastShare: 2 is above the maximum 1/);
    expect(() => viewConfig({ seed: 1, routers: "system5,warp" })).toThrow(/unknown router "warp"/);
    expect(viewConfig({ scenario: "2", seed: 4, routers: "flood,system5" })).toEqual({ seed: 4, scenario: "medium-city", routers: ["flood", "system5"] });
  });

  it("serves the page on 127.0.0.1 with its settings inlined, and nothing else", async () => {
    const server = await serveView(0, { scenario: "small-local", seed: 9 }, false);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const html = await (await fetch(server.url)).text();
      expect(html).toContain('{"scenario":"small-local","seed":9}');
      const js = await fetch(`${server.url}view.js`);
      expect(js.headers.get("content-type")).toMatch(/javascript/);
      expect((await js.text()).length).toBeGreaterThan(100_000);
      expect((await fetch(`${server.url}../package.json`)).status).toBe(404);
      expect((await fetch(`${server.url}src/cli/main.ts`)).status).toBe(404);
      // No CDN: the page references only its own files.
      expect(html.match(/(?:src|href)="([^"]+)"/g)).toEqual(['href="data:,"', 'href="view.css"', 'src="view.js"']);
    } finally {
      await server.close();
    }
  });

  it("--out writes the page with a scenario file's JSON inlined (a '<' cannot end the script)", () => {
    const file = path.join(dir, "mine.json");
    writeFileSync(file, JSON.stringify({ name: "mine", description: "</script><b>", nodes: [{ x: 0, y: 0 }, { x: 500, y: 0 }], rangeM: 800 }));
    const out = path.join(dir, "site");
    writeView(out, viewConfig({ scenario: file, seed: 1 }));
    const html = readFileSync(path.join(out, "index.html"), "utf8");
    expect(html).not.toContain("</script><b>");
    const cfg = JSON.parse(html.split('type="application/json">')[1].split("</script>")[0]);
    expect(cfg.json.description).toBe("</script><b>");
    expect(readFileSync(path.join(out, "view.js"), "utf8")).toContain("Worker");
  });
});
