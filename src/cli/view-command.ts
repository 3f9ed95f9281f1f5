// `system5 view`: the mesh view in a browser. Serves the bundled page (dist/view) on loopback
// only, or writes it as static files that open from disk. The simulator runs in the page.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidArgumentError } from "commander";
import type { Command } from "commander";
import { registeredRouters } from "../sim/routers/registry";
import "../sim/routers/plugins";
import { findBuiltin } from "../sim/scenario/builtin";
import { isScenarioPath, readScenarioFile } from "../sim/scenario/file";
import { ScenarioError } from "../sim/scenario/reader";

export interface ViewArgs {
  readonly scenario?: string;
  readonly port: number;
  readonly out?: string;
  readonly seed: number;
  readonly routers?: string;
}

const FILES = ["index.html", "view.js", "view.css"] as const;
const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };
/** Port tried when --port is not given; a busy one falls back to any free port. */
export const DEFAULT_VIEW_PORT = 5185;

/** The bundled page: dist/view next to the CLI bundle. */
export function viewAssetsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const dir of [path.join(here, "view"), path.join(here, "../../dist/view")]) if (existsSync(path.join(dir, "index.html"))) return dir;
  throw new Error("the view's page is not built: run `node scripts/build.mjs` (npx system5 does it by itself)");
}

/** The page's start-up settings, checked here so a bad --scenario fails on the command line. */
export function viewConfig(args: Pick<ViewArgs, "scenario" | "seed" | "routers">): Record<string, unknown> {
  const cfg: Record<string, unknown> = { seed: args.seed };
  if (args.routers !== undefined) {
    const known = registeredRouters().map((r) => r.name);
    const list = args.routers.split(",").map((s) => s.trim()).filter(Boolean);
    for (const r of list) if (!known.includes(r)) throw new Error(`--routers: unknown router "${r}"; known: ${known.join(", ")}`);
    if (list.length < 1 || list.length > 4) throw new Error("--routers: give one to four routers");
    cfg.routers = list;
  }
  if (args.scenario !== undefined) {
    if (isScenarioPath(args.scenario)) cfg.json = readScenarioFile(args.scenario).json;
    else {
      const s = findBuiltin(args.scenario);
      if (!s) throw new ScenarioError(`unknown scenario "${args.scenario}"; \`system5 scenarios\` lists the built-in ones`);
      cfg.scenario = s.name;
    }
  }
  return cfg;
}

/** index.html with the settings inlined (JSON inside a script element: "<" escaped). */
export function pageHtml(dir: string, cfg: Record<string, unknown>): string {
  const json = JSON.stringify(cfg).replace(/</g, "\\u003c");
  return readFileSync(path.join(dir, "index.html"), "utf8").replace("/*CONFIG*/", () => json);
}

export function writeView(outDir: string, cfg: Record<string, unknown>): void {
  const dir = viewAssetsDir();
  mkdirSync(outDir, { recursive: true });
  for (const f of FILES) writeFileSync(path.join(outDir, f), f === "index.html" ? pageHtml(dir, cfg) : readFileSync(path.join(dir, f)));
}

/** Serves the page on 127.0.0.1; resolves with its address once listening. */
export async function serveView(port: number, cfg: Record<string, unknown>, fallback: boolean): Promise<{ url: string; close(): Promise<void> }> {
  const dir = viewAssetsDir();
  const html = pageHtml(dir, cfg);
  const server = createServer((req, res) => {
    const name = new URL(req.url ?? "/", "http://localhost").pathname.replace(/^\/+/, "") || "index.html";
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
      return;
    }
    if (!(FILES as readonly string[]).includes(name)) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    const body = name === "index.html" ? html : readFileSync(path.join(dir, name));
    res.writeHead(200, { "content-type": TYPES[path.extname(name)], "cache-control": "no-store" }).end(body);
  });
  const listen = (p: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(p, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  try {
    await listen(port);
  } catch (e) {
    if (!fallback || (e as NodeJS.ErrnoException).code !== "EADDRINUSE") throw new Error(`cannot listen on 127.0.0.1:${port}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    await listen(0);
  }
  const addr = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function portArg(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n > 65535) throw new InvalidArgumentError("must be a port number from 0 to 65535 (0 = any free port)");
  return n;
}

function seedArg(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n > 4294967295) throw new InvalidArgumentError("must be a whole number from 0 to 4294967295");
  return n;
}

export function registerViewCommand(program: Command): void {
  program
    .command("view")
    .description("the mesh view: map, compare panels, messages and charts in a browser; the simulator runs in the page")
    .option("--scenario <name|file>", "built-in scenario name or number, or a scenario JSON file (default medium-city)")
    .option("--seed <s>", "seed", seedArg, 1)
    .option("--routers <a,b>", "two to four routers to compare (default system5, managed3, meshcore if present, flood)")
    .option("--port <n>", `port on 127.0.0.1 (default ${DEFAULT_VIEW_PORT}, or any free one if taken)`, portArg)
    .option("--out <dir>", "write the page as static files that open from disk, instead of serving it")
    .action(async (opts: { scenario?: string; seed: number; routers?: string; port?: number; out?: string }) => {
      const cfg = viewConfig(opts);
      if (opts.out) {
        writeView(opts.out, cfg);
        process.stdout.write(`system5 view: wrote ${path.join(opts.out, "index.html")} (open it in a browser; no server needed)\n`);
        return;
      }
      const server = await serveView(opts.port ?? DEFAULT_VIEW_PORT, cfg, opts.port === undefined);
      process.stdout.write(`system5 view: ${server.url}  (loopback only; Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void server.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
