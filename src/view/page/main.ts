// The mesh view page: controls, compare panels, node inspector, messages, charts. The simulator
// runs in a Web Worker (bundled into this script as source and started from a Blob, so the page
// also works opened from disk); this thread only draws and asks for simulated time.
import { FRAME_CLASSES } from "../classify";
import type { FromWorker, ToWorker } from "../protocol";
import type { NodeReport, PanelTick, Tick, Topology, Trace } from "../session";
import { explicitScenario } from "../session";
import { drawCharts } from "./charts";
import type { Sample } from "./charts";
import { MapView } from "./map";
import type { Flight } from "./map";
import { COLLISION_COLOUR, FRAME_COLOURS, PANEL_COLOURS } from "./palette";

declare const __VIEW_WORKER_SOURCE__: string;

interface PageConfig {
  scenario?: string;
  json?: unknown;
  seed?: number;
  routers?: string[];
}

const SPEEDS = [1, 10, 100, 1000];
/** Frames drawn per panel at most (the newest): enough to see the load, cheap enough to animate. */
const MAX_FLIGHTS = 400;
/** Collisions drawn per panel at most (the newest). */
const MAX_COLLISIONS = 60;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

interface PanelView {
  readonly router: string;
  readonly map: MapView;
  readonly root: HTMLElement;
  readonly counters: HTMLElement;
  flights: Flight[];
  collisions: { node: number; at: number }[];
  last: PanelTick | undefined;
}

const state = {
  worker: undefined as Worker | undefined,
  routers: [] as { name: string; description: string }[],
  scenarios: [] as { name: string; nodes: number; description: string }[],
  source: undefined as unknown,
  pending: undefined as unknown,
  scenarioName: "",
  topo: undefined as Topology | undefined,
  alive: [] as number[],
  panels: [] as PanelView[],
  t: 0,
  endMs: 1,
  speedIndex: 2,
  running: true,
  busy: false,
  lastWall: 0,
  selected: -1,
  panelOfSelection: 0,
  from: -1,
  to: -1,
  samples: [] as Sample[],
  nextSampleMs: 0,
  lastChartWall: 0,
  lastInspectWall: 0,
  /** Wall time of the last tick and the simulated time asked for: frames are drawn in between. */
  tickWall: 0,
  target: 0,
  /** Bumped by anything that changes the picture besides time (ticks, drags); frames with nothing new are not redrawn. */
  version: 0,
  drawn: "",
  frames: 0,
  fpsWindowStart: 0,
  fps: 0,
  simRate: 0,
  rateWindow: { wall: 0, sim: 0 },
  drag: undefined as { node: number; moved: boolean } | undefined,
};

function send(m: ToWorker): void {
  state.worker?.postMessage(m);
}

function showError(text: string): void {
  const e = $("error");
  e.textContent = text;
  e.hidden = text === "";
}

function config(): PageConfig {
  const el = document.getElementById("system5-config");
  if (!el?.textContent) return {};
  try {
    return JSON.parse(el.textContent) as PageConfig;
  } catch {
    return {};
  }
}

function defaultRouters(): string[] {
  const names = state.routers.map((r) => r.name);
  const want = ["system5", "managed3", "meshcore", "flood"].filter((r) => names.includes(r));
  return want.length >= 2 ? want : names.slice(0, 4);
}

function chosenRouters(): string[] {
  const out: string[] = [];
  for (let k = 0; k < 4; k++) {
    const v = ($(`router-${k}`) as HTMLSelectElement).value;
    if (v) out.push(v);
  }
  return out;
}

function fillRouterSelects(chosen: readonly string[]): void {
  for (let k = 0; k < 4; k++) {
    const sel = $(`router-${k}`) as HTMLSelectElement;
    sel.replaceChildren();
    if (k >= 2) sel.append(new Option("—", ""));
    for (const r of state.routers) {
      const o = new Option(r.name, r.name);
      o.title = r.description;
      sel.append(o);
    }
    sel.value = chosen[k] ?? "";
  }
}

/** (Re)starts the run: the same scenario, seed and traffic for every chosen router. */
function setup(json: unknown): void {
  const routers = chosenRouters();
  if (routers.length < 1) {
    showError("choose at least one router");
    return;
  }
  showError("");
  state.pending = json;
  state.busy = true;
  send({ type: "setup", json, routers, seed: Number(($("seed") as HTMLInputElement).value) || 1 });
}

function onReady(topo: Topology, routers: readonly string[], tick: Tick): void {
  state.topo = topo;
  state.source = state.pending;
  state.scenarioName = topo.name;
  state.samples = [];
  state.nextSampleMs = 0;
  state.selected = -1;
  state.from = state.from < topo.n ? state.from : -1;
  state.to = state.to < topo.n ? state.to : -1;
  const host = $("panels");
  host.className = `panels n${routers.length}`;
  host.replaceChildren();
  state.panels = routers.map((router, k) => {
    const root = document.createElement("figure");
    root.className = "panel";
    root.dataset.router = router;
    const cap = document.createElement("figcaption");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = PANEL_COLOURS[k];
    const title = document.createElement("strong");
    title.textContent = router;
    const counters = document.createElement("span");
    counters.className = "counters";
    cap.append(swatch, title, counters);
    const canvas = document.createElement("canvas");
    canvas.tabIndex = 0;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `${router} map: ${topo.n} nodes. Keys: [ ] select node, Enter inspect, K kill or revive, A and B pick message ends, S send, Delete remove, Shift+arrows move`);
    root.append(cap, canvas);
    host.append(root);
    const view: PanelView = { router, map: new MapView(canvas), root, counters, flights: [], collisions: [], last: undefined };
    wireCanvas(view, k);
    return view;
  });
  $("scenario-info").textContent = `${topo.name}: ${topo.n} nodes, ${(topo.widthM / 1000).toFixed(1)} × ${(topo.heightM / 1000).toFixed(1)} km, geohash p${topo.geohashPrecision} (${topo.cells.length} cells, ${topo.border.filter(Boolean).length} border nodes)`;
  state.busy = false;
  onTick(tick);
  renderInspector(undefined);
  setRunning(true);
}

function onTick(tick: Tick): void {
  state.version++;
  state.tickWall = performance.now();
  state.t = tick.t;
  state.endMs = tick.endMs;
  state.alive = tick.alive;
  const persist = persistMs();
  tick.panels.forEach((p, k) => {
    const v = state.panels[k];
    if (!v) return;
    v.last = p;
    for (let i = 0; i < p.frames.length; i += 4) v.flights.push({ node: p.frames[i], cls: p.frames[i + 1], start: p.frames[i + 2], end: p.frames[i + 3] });
    for (let i = 0; i < p.collisions.length; i += 2) v.collisions.push({ node: p.collisions[i], at: p.collisions[i + 1] });
    v.flights = v.flights.filter((f) => f.end + persist > tick.t).slice(-MAX_FLIGHTS);
    v.collisions = v.collisions.filter((c) => c.at + persist > tick.t).slice(-MAX_COLLISIONS);
    renderCounters(v, p);
  });
  if (tick.t >= state.nextSampleMs || tick.t >= tick.endMs) {
    for (const p of tick.panels) {
      const c = p.counters;
      state.samples.push({ t: tick.t / 1000, router: p.router, delivery: c.unicastSent > 0 ? c.unicastDelivered / c.unicastSent : null, airtimeS: c.airtimeS });
    }
    state.nextSampleMs = tick.t + tick.endMs / 300;
  }
  renderClock();
  renderTrace(tick.panels.map((p) => p.trace));
  if (tick.t >= tick.endMs && state.running) setRunning(false);
}

function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)} %`;
}

function renderCounters(v: PanelView, p: PanelTick): void {
  const c = p.counters;
  const uni = c.unicastSent > 0 ? c.unicastDelivered / c.unicastSent : null;
  const bc = c.broadcastSent > 0 ? c.broadcastReach / c.broadcastSent : null;
  const byClass = FRAME_CLASSES.map((name, i) => (c.byClass[i] ? `${name} ${c.byClass[i]}` : "")).filter(Boolean).join(" · ");
  v.counters.textContent = `TX ${c.tx} · airtime ${c.airtimeS.toFixed(1)} s · unicast ${pct(uni)} (${c.unicastDelivered}/${c.unicastSent}) · broadcast ${pct(bc)} · collisions ${c.collisions}`;
  v.counters.title = byClass;
  const d = v.root.dataset;
  d.tx = String(c.tx);
  d.airtime = c.airtimeS.toFixed(3);
  d.unicastSent = String(c.unicastSent);
  d.unicastDelivered = String(c.unicastDelivered);
  d.collisions = String(c.collisions);
  if (p.final) d.final = JSON.stringify(p.final);
  else delete d.final;
}

function renderClock(): void {
  const speed = SPEEDS[state.speedIndex];
  $("clock").textContent = `t = ${(state.t / 1000).toFixed(1)} s of ${(state.endMs / 1000).toFixed(0)} s · ${state.running ? `${speed}×` : "paused"}`;
  const st = $("status");
  st.dataset.t = String(state.t);
  st.dataset.done = String(state.t >= state.endMs);
  st.dataset.fps = state.fps.toFixed(1);
  st.dataset.simRate = state.simRate.toFixed(2);
  st.textContent = `${state.fps.toFixed(0)} frames/s · ${state.simRate.toFixed(1)} simulated s per s`;
}

function renderTrace(traces: readonly (Trace | undefined)[]): void {
  const host = $("trace");
  if (!traces.some(Boolean)) {
    host.textContent = "No message sent yet.";
    return;
  }
  host.replaceChildren(
    ...traces.map((t, k) => {
      const li = document.createElement("li");
      const router = state.panels[k]?.router ?? "";
      li.dataset.router = router;
      if (!t) {
        li.textContent = `${router}: not sent (source down or refused)`;
        li.dataset.state = "refused";
        return li;
      }
      li.dataset.state = t.delivered ? "delivered" : "pending";
      if (t.hops !== null) li.dataset.hops = String(t.hops);
      const path = t.path.length > 12 ? `${t.path.slice(0, 12).join("→")}… (${t.path.length} TX)` : t.path.join("→");
      li.textContent = t.delivered
        ? `${router}: delivered ${t.src}→${t.dst} ${t.hops ? `in ${t.hops} hop${t.hops === 1 ? "" : "s"}` : "(the router reports no hop count)"} at ${t.deliveredAtS?.toFixed(2)} s${t.acked ? `, ACK back at ${t.ackedAtS?.toFixed(2)} s` : ""} · on the air from ${path}`
        : `${router}: on its way ${t.src}→${t.dst} · on the air from ${path || "(queued)"}`;
      return li;
    }),
  );
}

function renderInspector(r: NodeReport | undefined): void {
  const host = $("inspector");
  if (!r) {
    host.textContent = "Click a node (or focus a map and press [ or ]) to see its neighbours, routes, trust and duty budget.";
    return;
  }
  host.dataset.node = String(r.node);
  host.dataset.tx = String(r.tx);
  const lines: string[] = [];
  lines.push(`<h3>Node ${r.node} <small>${r.id} · ${r.router}</small></h3>`);
  lines.push(`<p>${r.role}${r.border ? " · border" : ""} · cell ${r.cell} · ${r.alive ? "alive" : "<strong>killed</strong>"} · TX ${r.tx} · airtime ${r.airtimeS.toFixed(2)} s${r.dutyUse !== undefined ? ` · duty budget used ${(r.dutyUse * 100).toFixed(1)} %` : ""}${r.muted ? " · muted relay" : ""}</p>`);
  if (r.note) lines.push(`<p>${r.note}</p>`);
  if (r.neighbours) {
    lines.push(`<h4>Neighbours (${r.neighbours.length})</h4><table><thead><tr><th>node</th><th>q</th><th>RSSI</th><th>trust</th></tr></thead><tbody>`);
    for (const n of r.neighbours.slice(0, 30)) lines.push(`<tr${n.usable ? "" : ' class="dim"'}><td>${n.node}</td><td>${n.q.toFixed(2)}</td><td>${n.rssi.toFixed(0)}</td><td>${n.trust.toFixed(2)}</td></tr>`);
    lines.push("</tbody></table>");
  }
  if (r.routes) {
    lines.push(`<h4>Routes (${r.routes.length})</h4><table><thead><tr><th>to</th><th>via (metric, health)</th></tr></thead><tbody>`);
    for (const rt of r.routes.slice(0, 30)) lines.push(`<tr><td>${rt.dst}</td><td>${rt.via.map((v) => `${v.node} (${v.metric}, ${v.health.toFixed(2)})`).join(", ")}</td></tr>`);
    lines.push("</tbody></table>");
  }
  host.innerHTML = lines.join("");
  ($("kill") as HTMLButtonElement).textContent = r.alive ? `Kill node ${r.node}` : `Revive node ${r.node}`;
}

function select(node: number, panel = state.panelOfSelection): void {
  state.selected = node;
  state.panelOfSelection = panel;
  ($("node") as HTMLInputElement).value = node >= 0 ? String(node) : "";
  if (node >= 0) send({ type: "inspect", panel, node });
  else renderInspector(undefined);
}

function persistMs(): number {
  return Math.max(600, 350 * SPEEDS[state.speedIndex]);
}

function setRunning(on: boolean): void {
  state.running = on && state.t < state.endMs;
  $("play").textContent = state.running ? "Pause" : "Play";
  $("play").setAttribute("aria-pressed", String(!state.running));
  renderClock();
}

function advanceTo(ms: number): void {
  if (state.busy || !state.topo) return;
  state.busy = true;
  state.target = Math.min(ms, state.endMs);
  send({ type: "advance", toMs: state.target });
}

// ---- edits -------------------------------------------------------------------------------------

function editedNodes(topo: Topology) {
  return topo.x.map((x, i) => ({ x, y: topo.y[i], heightM: topo.antennaHeightM[i], antennaGainDbi: topo.gainDbi[i], role: topo.role[i], indoor: topo.indoor[i] }));
}

function applyEdit(change: (nodes: ReturnType<typeof editedNodes>) => void): void {
  const topo = state.topo;
  if (!topo) return;
  const nodes = editedNodes(topo);
  change(nodes);
  if (nodes.length < 2) {
    showError("a mesh needs at least 2 nodes");
    return;
  }
  const json = explicitScenario(state.source, nodes, topo.widthM, topo.heightM);
  ($("edited") as HTMLElement).hidden = false;
  setup(json);
}

function clampToArea(x: number, y: number): [number, number] {
  const t = state.topo as Topology;
  return [Math.min(t.widthM, Math.max(0, x)), Math.min(t.heightM, Math.max(0, y))];
}

function wireCanvas(v: PanelView, panel: number): void {
  const c = v.map.canvas;
  const local = (e: MouseEvent): [number, number] => {
    const r = c.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  c.addEventListener("mousedown", (e) => {
    if (!state.topo) return;
    const [sx, sy] = local(e);
    const hit = v.map.hit(state.topo, sx, sy);
    if (hit >= 0) {
      select(hit, panel);
      state.drag = { node: hit, moved: false };
    } else if (e.shiftKey) {
      const [x, y] = clampToArea(...v.map.toMetres(sx, sy));
      applyEdit((nodes) => nodes.push({ x, y, heightM: 1.5, antennaGainDbi: 0, role: "CLIENT", indoor: false }));
    }
  });
  c.addEventListener("mousemove", (e) => {
    const d = state.drag;
    if (!d || !state.topo) return;
    const [x, y] = clampToArea(...v.map.toMetres(...local(e)));
    state.topo.x[d.node] = x;
    state.topo.y[d.node] = y;
    d.moved = true;
    state.version++;
  });
  const end = () => {
    const d = state.drag;
    state.drag = undefined;
    if (d?.moved) applyEdit(() => undefined);
  };
  c.addEventListener("mouseup", end);
  c.addEventListener("mouseleave", end);
  c.addEventListener("focus", () => (state.panelOfSelection = panel));
}

// ---- keyboard ------------------------------------------------------------------------------------

function onKey(e: KeyboardEvent): void {
  const target = e.target as HTMLElement;
  if (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA") return;
  const topo = state.topo;
  if (!topo) return;
  const sel = state.selected;
  switch (e.key) {
    case " ":
      if (target.tagName === "BUTTON") return;
      setRunning(!state.running);
      break;
    case ".":
      stepOnce();
      break;
    case "+":
    case "=":
      setSpeed(Math.min(SPEEDS.length - 1, state.speedIndex + 1));
      break;
    case "-":
      setSpeed(Math.max(0, state.speedIndex - 1));
      break;
    case "]":
      select((sel + 1) % topo.n);
      break;
    case "[":
      select((sel - 1 + topo.n) % topo.n);
      break;
    case "k":
    case "K":
      if (sel >= 0) toggleKill(sel);
      break;
    case "a":
    case "A":
      if (sel >= 0) setEnds(sel, state.to);
      break;
    case "b":
    case "B":
      if (sel >= 0) setEnds(state.from, sel);
      break;
    case "s":
    case "S":
      sendMessage();
      break;
    case "Delete":
      if (sel >= 0) deleteNode(sel);
      break;
    case "ArrowLeft":
    case "ArrowRight":
    case "ArrowUp":
    case "ArrowDown": {
      if (!e.shiftKey || sel < 0) return;
      const step = Math.max(topo.widthM, topo.heightM) / 50;
      const dx = e.key === "ArrowLeft" ? -step : e.key === "ArrowRight" ? step : 0;
      const dy = e.key === "ArrowDown" ? -step : e.key === "ArrowUp" ? step : 0;
      applyEdit((nodes) => {
        [nodes[sel].x, nodes[sel].y] = clampToArea(nodes[sel].x + dx, nodes[sel].y + dy);
      });
      break;
    }
    default:
      return;
  }
  e.preventDefault();
}

function setSpeed(i: number): void {
  state.speedIndex = i;
  ($("speed") as HTMLSelectElement).value = String(SPEEDS[i]);
  renderClock();
}

function stepOnce(): void {
  setRunning(false);
  advanceTo(state.t + 1000);
}

function toggleKill(node: number): void {
  send({ type: state.alive[node] ? "kill" : "revive", node });
  send({ type: "inspect", panel: state.panelOfSelection, node });
}

function deleteNode(node: number): void {
  applyEdit((nodes) => nodes.splice(node, 1));
}

function setEnds(from: number, to: number): void {
  state.from = from;
  state.to = to;
  ($("from") as HTMLInputElement).value = from >= 0 ? String(from) : "";
  ($("to") as HTMLInputElement).value = to >= 0 ? String(to) : "";
}

function sendMessage(): void {
  const n = state.topo?.n ?? 0;
  const from = Number(($("from") as HTMLInputElement).value);
  const to = Number(($("to") as HTMLInputElement).value);
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < 0 || from >= n || to >= n || from === to) {
    showError(`pick two different nodes between 0 and ${n - 1} (A and B)`);
    return;
  }
  showError("");
  setEnds(from, to);
  send({ type: "send", src: from, dst: to });
}

// ---- scenario files ------------------------------------------------------------------------------

function exportScenario(): void {
  const text = `${JSON.stringify(state.source, null, 2)}\n`;
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  a.download = `${state.scenarioName || "scenario"}.json`;
  document.body.append(a);
  a.click();
  a.remove();
}

async function importScenario(file: File): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(await file.text());
  } catch (e) {
    showError(`${file.name}: not valid JSON (${(e as Error).message})`);
    return;
  }
  ($("edited") as HTMLElement).hidden = true;
  setup(json);
}

// ---- loop ----------------------------------------------------------------------------------------

function frame(now: number): void {
  // Ask for the simulated time that has passed at this speed since the last request (at most half
  // a second's worth: a slow mesh runs slower than asked rather than in big jumps).
  const dt = state.lastWall ? Math.min(0.5, (now - state.lastWall) / 1000) : 0;
  if (state.running && !state.busy && state.topo) {
    state.lastWall = now;
    advanceTo(state.t + SPEEDS[state.speedIndex] * dt * 1000 + 1);
  } else if (!state.running) state.lastWall = now;
  const topo = state.topo;
  if (topo) {
    const persist = persistMs();
    // Between the worker's answers the clock runs on at the chosen speed, up to the time asked for.
    const shown = state.running ? Math.max(state.t, Math.min(state.target, state.t + SPEEDS[state.speedIndex] * (now - state.tickWall))) : state.t;
    const key = `${shown}|${state.version}|${state.selected}|${state.panelOfSelection}|${state.from}|${state.to}|${window.innerWidth}x${window.innerHeight}`;
    const drawStart = performance.now();
    if (key !== state.drawn) state.panels.forEach((v, k) =>
      v.map.draw({
        topo,
        alive: state.alive,
        t: shown,
        persistMs: persist,
        flights: v.flights,
        collisions: v.collisions,
        selected: k === state.panelOfSelection ? state.selected : -1,
        from: state.from,
        to: state.to,
        trace: v.last?.trace,
        directed: v.router.startsWith("system5"),
      }),
    );
    if (key !== state.drawn) {
      const w = window as unknown as { __drawMs?: number; __draws?: number };
      w.__drawMs = (w.__drawMs ?? 0) + performance.now() - drawStart;
      w.__draws = (w.__draws ?? 0) + 1;
    }
    state.drawn = key;
  }
  state.frames++;
  (window as unknown as { __frames: number }).__frames = ((window as unknown as { __frames?: number }).__frames ?? 0) + 1;
  if (now - state.fpsWindowStart >= 1000) {
    const wall = (now - state.fpsWindowStart) / 1000;
    state.fps = state.frames / wall;
    state.simRate = (state.t - state.rateWindow.sim) / 1000 / wall;
    state.frames = 0;
    state.fpsWindowStart = now;
    state.rateWindow = { wall: now, sim: state.t };
    renderClock();
  }
  if (now - state.lastInspectWall > 1000 && state.selected >= 0) {
    state.lastInspectWall = now;
    send({ type: "inspect", panel: state.panelOfSelection, node: state.selected });
  }
  if (now - state.lastChartWall > 1000 && state.samples.length > 0) {
    state.lastChartWall = now;
    drawCharts($("charts"), state.samples, state.panels.map((p) => p.router));
  }
  requestAnimationFrame(frame);
}

function onMessage(m: FromWorker): void {
  switch (m.type) {
    case "hello": {
      state.routers = m.routers;
      state.scenarios = m.scenarios;
      const cfg = config();
      const sel = $("scenario") as HTMLSelectElement;
      if (cfg.json !== undefined) sel.append(new Option("(from file)", ""));
      for (const s of m.scenarios) sel.append(new Option(`${s.name} (${s.nodes})`, s.name));
      const names = m.routers.map((r) => r.name);
      fillRouterSelects((cfg.routers ?? defaultRouters()).filter((r) => names.includes(r)));
      ($("seed") as HTMLInputElement).value = String(cfg.seed ?? 1);
      if (cfg.json !== undefined) setup(cfg.json);
      else {
        sel.value = cfg.scenario ?? "medium-city";
        send({ type: "builtin", name: sel.value });
      }
      break;
    }
    case "builtin":
      ($("edited") as HTMLElement).hidden = true;
      setup(m.json);
      break;
    case "ready":
      onReady(m.topology, m.routers, m.tick);
      break;
    case "tick":
      state.busy = false;
      onTick(m.tick);
      break;
    case "inspect":
      if (m.report.node === state.selected) renderInspector(m.report);
      break;
    case "error":
      state.busy = false;
      showError(m.message);
      break;
  }
}

function legend(): void {
  const host = $("legend");
  const items = FRAME_CLASSES.map((c) => `<li><span class="swatch ring ${c.toLowerCase()}" style="border-color:${FRAME_COLOURS[c]}"></span>${c === "BCAST" ? "broadcast relay" : c === "OTHER" ? "other control" : c}</li>`);
  items.push(`<li><span class="swatch x" style="color:${COLLISION_COLOUR}">✕</span>collision (lost at receiver)</li>`);
  items.push(`<li><span class="swatch sq"></span>ROUTER · ● CLIENT · ◯ border node · ✕ grey killed</li>`);
  host.innerHTML = items.join("");
}

function start(): void {
  legend();
  const w = new Worker(URL.createObjectURL(new Blob([__VIEW_WORKER_SOURCE__], { type: "text/javascript" })));
  w.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  w.onerror = (e) => showError(`simulator: ${e.message}`);
  state.worker = w;
  const speed = $("speed") as HTMLSelectElement;
  for (const s of SPEEDS) speed.append(new Option(`${s}×`, String(s)));
  speed.value = String(SPEEDS[state.speedIndex]);
  speed.addEventListener("change", () => setSpeed(SPEEDS.indexOf(Number(speed.value))));
  $("play").addEventListener("click", () => setRunning(!state.running));
  $("step").addEventListener("click", stepOnce);
  $("restart").addEventListener("click", () => setup(state.source));
  $("scenario").addEventListener("change", () => {
    const v = ($("scenario") as HTMLSelectElement).value;
    if (v) send({ type: "builtin", name: v });
  });
  $("export").addEventListener("click", exportScenario);
  $("import").addEventListener("click", () => $("file").click());
  $("file").addEventListener("change", () => {
    const f = ($("file") as HTMLInputElement).files?.[0];
    if (f) void importScenario(f);
  });
  $("send").addEventListener("click", sendMessage);
  $("kill").addEventListener("click", () => state.selected >= 0 && toggleKill(state.selected));
  $("delete").addEventListener("click", () => state.selected >= 0 && deleteNode(state.selected));
  $("node").addEventListener("change", () => {
    const n = Number(($("node") as HTMLInputElement).value);
    if (state.topo && Number.isInteger(n) && n >= 0 && n < state.topo.n) select(n);
  });
  $("set-a").addEventListener("click", () => state.selected >= 0 && setEnds(state.selected, state.to));
  $("set-b").addEventListener("click", () => state.selected >= 0 && setEnds(state.from, state.selected));
  document.addEventListener("keydown", onKey);
  requestAnimationFrame(frame);
}

start();
