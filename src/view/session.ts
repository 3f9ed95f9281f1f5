// One view session: the same scenario, seed and traffic run once per compared router, stepped
// together through simulated time, with what each puts on the air recorded for the page. Pure
// TypeScript over the simulator's engine: runs in the browser's Web Worker and in Node tests.
import { geohashBounds, encodeGeohash } from "../core/geohash";
import { decodeFrame } from "../core/codec";
import { FrameType } from "../core/frames";
import { sensitivityDbm } from "../core/presets";
import type { StationEvent, TxFrame } from "../core/station";
import { Simulation } from "../sim/engine/simulation";
import type { RunResult, SimObserver } from "../sim/engine/simulation";
import { makePayload, payloadMessageId } from "../sim/engine/metrics";
import type { RoleName } from "../sim/routers/context";
import { ogmLocationTest, routerEntry } from "../sim/routers/registry";
import { localProjection } from "../sim/scenario/geo";
import { parseScenario } from "../sim/scenario/schema";
import type { Scenario } from "../sim/scenario/schema";
import { FRAME_CLASSES, classifierFor } from "./classify";
import type { Classifier } from "./classify";

/** Where the nodes are and who hears whom: the same for every router of a session. */
export interface Topology {
  readonly name: string;
  readonly n: number;
  readonly widthM: number;
  readonly heightM: number;
  readonly x: number[];
  readonly y: number[];
  readonly antennaHeightM: number[];
  readonly gainDbi: number[];
  readonly indoor: boolean[];
  readonly role: RoleName[];
  /** Node ids as the routers know them (hex in the page). */
  readonly ids: number[];
  /** Geohash cell of each node at the scenario's cluster precision, and the cells' rectangles in metres. */
  readonly cellOf: number[];
  readonly cells: { readonly hash: string; readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number }[];
  /** Nodes that hear a node of another cell. */
  readonly border: boolean[];
  /** Links at or above sensitivity: [a, b, margin dB] with a < b (the stronger direction's margin). */
  readonly links: [number, number, number][];
  /** Distance to the farthest node each node reaches, m (the radius of its frames on the map). */
  readonly reachM: number[];
  readonly geohashPrecision: number;
  readonly origin: { readonly lat: number; readonly lon: number };
}

export interface Counters {
  tx: number;
  airtimeS: number;
  /** Transmissions by frame class (FRAME_CLASSES order). */
  byClass: number[];
  unicastSent: number;
  unicastDelivered: number;
  broadcastSent: number;
  /** Σ over broadcasts of (nodes reached / other nodes alive then). */
  broadcastReach: number;
  collisions: number;
}

export interface Trace {
  readonly id: number;
  readonly src: number;
  readonly dst: number;
  /** Nodes that put the message on the air, in order (retries and floods included). */
  readonly path: number[];
  delivered: boolean;
  hops: number | null;
  deliveredAtS: number | null;
  acked: boolean;
  ackedAtS: number | null;
  refused: boolean;
}

export interface PanelTick {
  readonly router: string;
  readonly counters: Counters;
  /** Frames started since the last tick: node, class, start ms, end ms (flat). */
  readonly frames: number[];
  /** Frames lost at a receiver since the last tick: node, ms (flat). */
  readonly collisions: number[];
  readonly trace: Trace | undefined;
  /** Final measurements (as `system5 sim` computes them) once the run has reached its end. */
  readonly final: RunResult["metrics"] | undefined;
}

export interface Tick {
  readonly t: number;
  readonly endMs: number;
  readonly alive: number[];
  readonly panels: PanelTick[];
}

export interface NodeReport {
  readonly router: string;
  readonly node: number;
  readonly id: string;
  readonly role: string;
  readonly alive: boolean;
  readonly tx: number;
  readonly airtimeS: number;
  readonly cell: string;
  readonly border: boolean;
  readonly neighbours?: { node: number; id: string; q: number; rssi: number; usable: boolean; trust: number }[];
  readonly routes?: { dst: string; via: { node: number; id: string; metric: number; health: number }[] }[];
  readonly dutyUse?: number;
  readonly muted?: boolean;
  readonly note?: string;
}

/** Frames kept for the page per tick at most (the counters count them all). */
const MAX_FRAMES_PER_TICK = 4000;

// The System 5 core's inspection methods, reached through the simulator's wrappers.
interface Inspectable {
  neighbours(now: number): { id: number; q: number; rssi: number; usable: boolean }[];
  routeTable(now: number): { kind: string; destination: number; routes: readonly { via: number; metric: number; health: number }[] }[];
  trustOf(id: number, now: number): { trust: number };
  dutyUtilisation(now: number): number;
  readonly muted: boolean;
}

function inspectable(station: unknown): Inspectable | undefined {
  let st = station as { inner?: unknown; neighbours?: unknown } | undefined;
  for (let k = 0; k < 6 && st; k++) {
    if (typeof st.neighbours === "function") return st as unknown as Inspectable;
    st = st.inner as typeof st;
  }
  return undefined;
}

class Panel implements SimObserver {
  readonly router: string;
  readonly sim: Simulation;
  readonly roles: RoleName[] = [];
  readonly classify: Classifier;
  readonly perNodeTx: Int32Array;
  readonly perNodeAirMs: Float64Array;
  readonly counters: Counters = {
    tx: 0,
    airtimeS: 0,
    byClass: FRAME_CLASSES.map(() => 0),
    unicastSent: 0,
    unicastDelivered: 0,
    broadcastSent: 0,
    broadcastReach: 0,
    collisions: 0,
  };
  frames: number[] = [];
  collisions: number[] = [];
  trace: Trace | undefined;
  #traceBytes: Uint8Array | undefined;
  #tracing = false;
  /** A frame's bytes as a network member reads them (opened with the network key when sealed). */
  readonly #readable: (bytes: Uint8Array) => Uint8Array;
  // Messages: destination (−1 broadcast), eligible receivers, whether delivered (unicast) / who got it.
  readonly #msgDst = new Map<number, number>();
  readonly #msgEligible = new Map<number, number>();
  readonly #msgReached = new Map<number, Set<number>>();

  constructor(scenario: Scenario, router: string, seed: number) {
    const entry = routerEntry(router);
    if (!entry) throw new Error(`router "${router}" is not registered`);
    this.router = router;
    this.classify = classifierFor(router);
    const params = scenario.routerParams[router] ?? {};
    const { destinationOf, readable } = entry;
    // Sealed frames (System 5's default) read as any network member reads them, like the CLI's run.
    this.#readable = readable === undefined ? (bytes) => bytes : (bytes) => readable(bytes, params) ?? bytes;
    this.sim = new Simulation({
      scenario,
      routerName: router,
      seed,
      observer: this,
      keyedIds: entry.keyedIds,
      destinationOf: destinationOf && ((bytes) => destinationOf(bytes, params)),
      readable: readable && ((bytes) => readable(bytes, params)),
      ogmLocation: ogmLocationTest(entry, params),
      factory: (ctx) => {
        this.roles.push(ctx.role);
        return entry.factory(ctx);
      },
    });
    this.perNodeTx = new Int32Array(this.sim.n);
    this.perNodeAirMs = new Float64Array(this.sim.n);
    this.sim.start();
  }

  txStart(node: number, sent: TxFrame, startMs: number, endMs: number): void {
    const c = this.counters;
    const frame = { ...sent, bytes: this.#readable(sent.bytes) };
    const cls = this.classify(frame);
    c.tx++;
    c.airtimeS += (endMs - startMs) / 1000;
    c.byClass[cls]++;
    this.perNodeTx[node]++;
    this.perNodeAirMs[node] += endMs - startMs;
    if (this.frames.length < 4 * MAX_FRAMES_PER_TICK) this.frames.push(node, cls, startMs, endMs);
    const t = this.trace;
    if (t && this.#traceBytes && !t.delivered && (contains(frame.bytes, this.#traceBytes) || this.#carriesTracedDm(frame.bytes, t))) t.path.push(node);
  }

  /**
   * A private DM's payload is sealed end to end, so no relay (and no observer holding only the
   * network key) sees the message id: its hops are the System 5 DATA frames from the traced
   * source to the traced destination, read from the routed header (the key request and answer
   * of a first contact travel the same way).
   */
  #carriesTracedDm(bytes: Uint8Array, t: Trace): boolean {
    if (t.dst < 0 || !this.router.startsWith("system5")) return false;
    const d = decodeFrame(bytes);
    return d.ok && d.frame.type === FrameType.DATA && d.frame.src === this.sim.ids[t.src] && d.frame.dst === this.sim.ids[t.dst];
  }

  collision(receiver: number, atMs: number): void {
    this.counters.collisions++;
    if (this.collisions.length < 2 * MAX_FRAMES_PER_TICK) this.collisions.push(receiver, atMs);
  }

  originate(id: number, src: number, dst: number): void {
    const c = this.counters;
    this.#msgDst.set(id, dst);
    if (dst >= 0) c.unicastSent++;
    else {
      c.broadcastSent++;
      let live = 0;
      for (let k = 0; k < this.sim.n; k++) live += this.sim.alive[k];
      this.#msgEligible.set(id, live - 1);
      this.#msgReached.set(id, new Set());
    }
    if (this.#tracing) {
      this.#tracing = false;
      this.trace = { id, src, dst, path: [], delivered: false, hops: null, deliveredAtS: null, acked: false, ackedAtS: null, refused: false };
      this.#traceBytes = makePayload(id, 8);
    }
  }

  event(node: number, e: StationEvent, atMs: number): void {
    const t = this.trace;
    if (e.type === "delivered") {
      const id = payloadMessageId(e.payload);
      const dst = this.#msgDst.get(id);
      if (dst === undefined) return;
      if (dst === node) {
        this.#msgDst.set(id, -2); // delivered: count once
        this.counters.unicastDelivered++;
      } else if (dst === -1) {
        const got = this.#msgReached.get(id);
        if (got && node !== -1 && !got.has(node)) {
          got.add(node);
          const eligible = this.#msgEligible.get(id) ?? 1;
          this.counters.broadcastReach += eligible > 0 ? 1 / eligible : 0;
        }
      }
      if (t && t.id === id && node === t.dst && !t.delivered) {
        t.delivered = true;
        t.hops = e.hops;
        t.deliveredAtS = atMs / 1000;
      }
    } else if (e.type === "acked" && t && node === t.src && e.dst === this.sim.ids[t.dst] && t.delivered && !t.acked) {
      t.acked = true;
      t.ackedAtS = atMs / 1000;
    }
  }

  send(src: number, dst: number): Trace | undefined {
    this.#tracing = true;
    this.sim.send(src, dst);
    if (this.#tracing) {
      // The source was dead or refused before originating.
      this.#tracing = false;
      return undefined;
    }
    return this.trace;
  }

  tick(): PanelTick {
    const out: PanelTick = {
      router: this.router,
      counters: { ...this.counters, byClass: [...this.counters.byClass] },
      frames: this.frames,
      collisions: this.collisions,
      trace: this.trace ? { ...this.trace, path: [...this.trace.path] } : undefined,
      final: this.sim.now >= this.sim.endMs ? this.sim.results().metrics : undefined,
    };
    this.frames = [];
    this.collisions = [];
    return out;
  }
}

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return true;
  }
  return false;
}

export class ViewSession {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly panels: Panel[];
  readonly topology: Topology;

  /** `json` is a scenario in the CLI's schema; throws ScenarioError on a bad one. */
  constructor(json: unknown, routers: readonly string[], seed: number) {
    if (routers.length < 1 || routers.length > 4) throw new Error("compare one to four routers");
    this.scenario = parseScenario(json, "scenario");
    this.seed = seed >>> 0;
    this.panels = routers.map((r) => new Panel(this.scenario, r, this.seed));
    this.topology = topologyOf(this.scenario, this.panels[0]);
  }

  get now(): number {
    return this.panels[0].sim.now;
  }

  get endMs(): number {
    return this.panels[0].sim.endMs;
  }

  /** Runs every panel to `toMs` and reports what happened since the last tick. */
  advance(toMs: number): Tick {
    this.advanceOnly(toMs);
    return this.tick();
  }

  /** Runs every panel to `toMs`; what happened is kept for the next tick(). */
  advanceOnly(toMs: number): void {
    for (const p of this.panels) p.sim.advance(toMs);
  }

  tick(): Tick {
    return { t: this.now, endMs: this.endMs, alive: Array.from(this.panels[0].sim.alive), panels: this.panels.map((p) => p.tick()) };
  }

  kill(node: number): void {
    for (const p of this.panels) p.sim.kill(node);
  }

  revive(node: number): void {
    for (const p of this.panels) p.sim.revive(node);
  }

  /** Sends one traced message from src to dst in every panel, now. */
  send(src: number, dst: number): void {
    if (src === dst) throw new Error("pick two different nodes");
    for (const p of this.panels) p.send(src, dst);
  }

  inspect(panel: number, node: number): NodeReport {
    const p = this.panels[panel];
    const sim = p.sim;
    const topo = this.topology;
    const now = sim.now;
    const hex = (id: number) => id.toString(16).padStart(8, "0");
    const indexOf = new Map(sim.ids.map((id, i) => [id, i]));
    const base = {
      router: p.router,
      node,
      id: hex(sim.ids[node]),
      role: p.roles[node] ?? "CLIENT",
      alive: sim.alive[node] === 1,
      tx: p.perNodeTx[node],
      airtimeS: p.perNodeAirMs[node] / 1000,
      cell: topo.cells[topo.cellOf[node]]?.hash ?? "",
      border: topo.border[node],
    };
    const core = inspectable(sim.stations[node]);
    if (!core) return { ...base, note: `${p.router} keeps no neighbour or route table` };
    return {
      ...base,
      neighbours: core.neighbours(now).map((nb) => ({
        node: indexOf.get(nb.id) ?? -1,
        id: hex(nb.id),
        q: nb.q,
        rssi: nb.rssi,
        usable: nb.usable,
        trust: core.trustOf(nb.id, now).trust,
      })),
      routes: core.routeTable(now).map((r) => ({
        dst: r.kind === "node" ? `node ${indexOf.get(r.destination) ?? "?"}` : `cluster ${r.destination.toString(16)}`,
        via: r.routes.map((v) => ({ node: indexOf.get(v.via) ?? -1, id: hex(v.via), metric: v.metric, health: v.health })),
      })),
      dutyUse: core.dutyUtilisation(now),
      muted: core.muted,
    };
  }
}

function topologyOf(s: Scenario, p: Panel): Topology {
  const sim = p.sim;
  const n = sim.n;
  const proj = localProjection(s.origin, s.widthM, s.heightM);
  const cellIndex = new Map<string, number>();
  const cells: Topology["cells"] = [];
  const cellOf: number[] = [];
  for (let i = 0; i < n; i++) {
    const g = proj.toGeo(sim.x[i], sim.y[i]);
    const hash = encodeGeohash(g.lat, g.lon, s.geohashPrecision);
    let k = cellIndex.get(hash);
    if (k === undefined) {
      const b = geohashBounds(hash);
      k = cells.length;
      cellIndex.set(hash, k);
      const lo = proj.toLocal(b.minLat, b.minLon);
      const hi = proj.toLocal(b.maxLat, b.maxLon);
      cells.push({ hash, x0: lo.x, x1: hi.x, y0: lo.y, y1: hi.y });
    }
    cellOf.push(k);
  }
  const sens = sensitivityDbm(s.radio.preset, s.radio.noiseFigureDb);
  const best = new Map<number, number>();
  const border = new Array<boolean>(n).fill(false);
  const reachM = new Array<number>(n).fill(0);
  for (let a = 0; a < n; a++) {
    const l = sim.links[a];
    for (let k = 0; k < l.count; k++) {
      const b = l.to[k];
      const margin = l.rssi[k] - sens;
      if (margin < 0) continue;
      if (cellOf[a] !== cellOf[b]) border[a] = true;
      reachM[a] = Math.max(reachM[a], Math.hypot(sim.x[a] - sim.x[b], sim.y[a] - sim.y[b]));
      const key = Math.min(a, b) * n + Math.max(a, b);
      best.set(key, Math.max(best.get(key) ?? -Infinity, margin));
    }
  }
  const links: [number, number, number][] = [];
  for (const [key, m] of best) links.push([Math.floor(key / n), key % n, m]);
  return {
    name: s.name,
    n,
    widthM: s.widthM,
    heightM: s.heightM,
    x: Array.from(sim.x),
    y: Array.from(sim.y),
    antennaHeightM: Array.from(sim.heightM),
    gainDbi: Array.from(sim.gainDbi),
    indoor: Array.from(sim.indoor, (v) => v === 1),
    role: [...p.roles],
    ids: [...sim.ids],
    cellOf,
    cells,
    border,
    links,
    reachM,
    geohashPrecision: s.geohashPrecision,
    origin: s.origin,
  };
}

/**
 * The scenario with every node at an explicit position (after the page moved, added or deleted
 * nodes): the CLI's schema, so `system5 sim --scenario` runs the same network.
 */
export function explicitScenario(source: unknown, nodes: readonly { x: number; y: number; heightM: number; antennaGainDbi: number; role: string; indoor: boolean }[], widthM: number, heightM: number): unknown {
  const src = { ...(source as Record<string, unknown>) };
  for (const k of ["nodes", "placement", "tiers", "minSpacingM", "roles", "areaM"]) delete src[k];
  return {
    ...src,
    areaM: [Math.max(1, Math.round(widthM)), Math.max(1, Math.round(heightM))],
    nodes: nodes.map((n) => ({
      x: Math.round(n.x * 10) / 10,
      y: Math.round(n.y * 10) / 10,
      heightM: n.heightM,
      antennaGainDbi: n.antennaGainDbi,
      role: n.role,
      indoor: n.indoor,
    })),
  };
}
