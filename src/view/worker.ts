// The view's Web Worker: the simulator and the System 5 core run here, in the page, off the
// drawing thread. The page asks for simulated time; the worker answers with what happened.
import { registeredRouters } from "../sim/routers/registry";
import "../sim/routers/plugins";
import { builtinScenarios, builtinSource } from "../sim/scenario/builtin";
import type { FromWorker, ToWorker } from "./protocol";
import { ViewSession } from "./session";

const post = (m: FromWorker) => (self as unknown as { postMessage(m: FromWorker): void }).postMessage(m);
let session: ViewSession | undefined;
/** Simulated time per slice, ms, and the wall time after which the worker answers anyway. */
const SLICE_MS = 500;
const SLICE_BUDGET_MS = 100;

function handle(m: ToWorker): void {
  switch (m.type) {
    case "setup":
      session = new ViewSession(m.json, m.routers, m.seed);
      post({ type: "ready", topology: session.topology, routers: m.routers, seed: session.seed, tick: session.tick() });
      return;
    case "builtin": {
      const json = builtinSource(m.name);
      if (json === undefined) throw new Error(`unknown scenario "${m.name}"`);
      post({ type: "builtin", name: m.name, json });
      return;
    }
    default:
      break;
  }
  if (!session) throw new Error("no scenario loaded");
  switch (m.type) {
    case "advance": {
      // In slices, so a slow mesh still answers about ten times a second (the page keeps
      // drawing and its controls respond); every panel is at the same time between slices.
      const s = session;
      const started = performance.now();
      let t = s.now;
      while (t < m.toMs && performance.now() - started < SLICE_BUDGET_MS) s.advanceOnly((t = Math.min(m.toMs, t + SLICE_MS)));
      post({ type: "tick", tick: s.tick() });
      break;
    }
    case "kill":
      session.kill(m.node);
      post({ type: "tick", tick: session.tick() });
      break;
    case "revive":
      session.revive(m.node);
      post({ type: "tick", tick: session.tick() });
      break;
    case "send":
      session.send(m.src, m.dst);
      post({ type: "tick", tick: session.tick() });
      break;
    case "inspect":
      post({ type: "inspect", report: session.inspect(m.panel, m.node) });
      break;
  }
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  try {
    handle(ev.data);
  } catch (e) {
    post({ type: "error", message: e instanceof Error ? e.message : String(e) });
  }
};

post({
  type: "hello",
  routers: registeredRouters().map((r) => ({ name: r.name, description: r.description })),
  scenarios: builtinScenarios().map((s) => ({ name: s.name, nodes: s.nodeCount, description: s.description })),
});
