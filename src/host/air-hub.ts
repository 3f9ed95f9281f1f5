// A named virtual air shared by several emulated nodes: one VirtualClock and one Air, advanced
// with the wall clock (times `speed`), with every node's serial console reachable by other
// processes through a Unix socket (`<data>/air/<name>.sock`). `system5 mesh` hosts a whole mesh
// in one; `system5 node --air NAME` creates the air if nobody runs it yet, or joins the one that
// runs (its node then lives in the process that hosts the air; the joining process is its
// terminal); `system5 connect --air NAME --node ID` talks to one node's serial port.
//
// Who hears whom: the nodes' --lat/--lon, projected to metres, and the simulator's median
// log-distance path loss (LoRaSim's constants, src/sim/physics/pathloss.ts) set the loss of each
// pair; the Air's chip-level rules (SNR limits per SF, collisions, capture, half duplex) do the
// rest. A node without a position is 100 dB from every other (the Air's default): in reach of all.
//
// Socket protocol (one connection per terminal): the client's first line is JSON, either
// {"join": {board, chip?, id, lat?, lon?, preset?, region?}} (adds a node) or {"attach": "<id>"}
// (an existing node); the hub answers one JSON line, {"ok": true, "id": "…"} or
// {"error": "…"}, and from then on the connection carries the node's serial bytes both ways.
import { existsSync, mkdirSync, unlinkSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { parseNodeId } from "../app/node-id";
import { noiseFloorDbm, presetByName, SNR_LIMIT_DB } from "../core/presets";
import { formatNodeId } from "../core/station";
import { LORASIM_LOG_DISTANCE, pathLossDb } from "../sim/physics/pathloss";
import { Air } from "./air";
import { VirtualClock } from "./clock";
import type { HostNode } from "./host-node";
import { hostMqttLink } from "./mqtt-link";
import { buildHostNode, checkSpec, type NodeSpec } from "./node-spec";
import { FilePreference, nodeStorePath } from "./preference-file";

/** The path-loss model of a shared air (median; no shadowing, so a placement behaves the same every run). */
export const AIR_MODEL = LORASIM_LOG_DISTANCE;
/** Antenna height assumed for every node, m (a handheld or a window sill). */
const ANTENNA_HEIGHT_M = 1.5;
/** The Air's noise figure (src/host/air.ts default). */
const NOISE_FIGURE_DB = 6;
const METRES_PER_DEGREE_LAT = 111_320;
/** Real milliseconds between clock steps. */
const STEP_MS = 10;
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export interface HubNode {
  readonly id: number;
  readonly host: HostNode;
  readonly position: { readonly lat: number; readonly lon: number } | undefined;
  /** Where its flash lives (undefined: in memory only). */
  readonly storeFile: string | undefined;
  /** Warnings about its store (a damaged file moved aside). */
  readonly notes: readonly string[];
}

export interface AirHubOptions {
  readonly seed?: number;
  /** Data folder: node stores under nodes/, sockets under air/. Undefined: nothing persists. */
  readonly dataDir?: string;
  /** Virtual time per real time (default 1). */
  readonly speed?: number;
}

/** Ground distance between two positions, m (equirectangular: exact enough within a few km). */
export function groundDistanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const midLat = ((a.lat + b.lat) / 2) * (Math.PI / 180);
  const dy = (a.lat - b.lat) * METRES_PER_DEGREE_LAT;
  const dx = (a.lon - b.lon) * METRES_PER_DEGREE_LAT * Math.cos(midLat);
  return Math.hypot(dx, dy);
}

/** Median distance at which a `preset` frame sent at `txPowerDbm` is still decoded on a shared air, m. */
export function hearingRangeM(presetName: string, txPowerDbm: number): number {
  const preset = presetByName(presetName);
  const floor = noiseFloorDbm(preset.bandwidthHz, NOISE_FIGURE_DB) + SNR_LIMIT_DB[preset.sf];
  const maxLoss = txPowerDbm - floor;
  const m = AIR_MODEL;
  return m.d0M * 10 ** ((maxLoss - m.pl0Db) / (10 * m.exponent));
}

/** The socket of the air `name` under `dataDir`. */
export function airSocketPath(dataDir: string, name: string): string {
  if (!NAME_PATTERN.test(name)) throw new Error(`--air: "${name}" is not an air name (1..32 letters, digits, - or _)`);
  return path.join(dataDir, "air", `${name}.sock`);
}

export class AirHub {
  readonly clock: VirtualClock;
  readonly air: Air;
  readonly nodes = new Map<number, HubNode>();
  readonly #dataDir: string | undefined;
  readonly #listeners = new Map<number, Set<(bytes: Uint8Array) => void>>();
  #speed: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #server: net.Server | undefined;
  #socketPath: string | undefined;
  readonly #sockets = new Set<net.Socket>();

  constructor(options: AirHubOptions = {}) {
    this.clock = new VirtualClock({ seed: options.seed ?? 1 });
    this.air = new Air(this.clock);
    this.#dataDir = options.dataDir;
    this.#speed = options.speed ?? 1;
  }

  /** Adds a node; throws an Error that says what to fix. */
  addNode(raw: NodeSpec): HubNode {
    const spec = checkSpec(raw, true);
    if (this.nodes.has(spec.id)) throw new Error(`node ${formatNodeId(spec.id)} is already on this air`);
    const storeFile = this.#dataDir === undefined ? undefined : nodeStorePath(this.#dataDir, spec.id);
    const preferences = storeFile === undefined ? undefined : new FilePreference(storeFile);
    const notes = preferences?.problem === undefined ? [] : [preferences.problem];
    const listeners = new Set<(bytes: Uint8Array) => void>();
    this.#listeners.set(spec.id, listeners);
    let host: HostNode;
    try {
      host = buildHostNode(spec, {
        air: this.air,
        preferences,
        onOutput: () => undefined,
        onOutputBytes: (bytes) => listeners.forEach((l) => l(bytes)),
        // A gateway (broker set) reaches its broker through this machine's network.
        bridgeLink: hostMqttLink(this.clock),
      });
    } catch (e) {
      this.#listeners.delete(spec.id);
      throw e;
    }
    const entry: HubNode = { id: spec.id, host, position: spec.position, storeFile, notes };
    for (const other of this.nodes.values()) this.#link(entry, other);
    this.nodes.set(spec.id, entry);
    return entry;
  }

  /** Every chunk of bytes node `id` sends on its serial port goes to `sink` until the returned function is called. */
  subscribe(id: number, sink: (bytes: Uint8Array) => void): () => void {
    const set = this.#listeners.get(id);
    if (set === undefined) throw new Error(`no node ${formatNodeId(id)} on this air`);
    set.add(sink);
    return () => set.delete(sink);
  }

  /** Bytes typed at node `id`'s serial port. */
  input(id: number, bytes: Uint8Array): void {
    this.nodes.get(id)?.host.consoleUart.send(bytes);
  }

  /** Advances virtual time with the wall clock. */
  start(): void {
    if (this.#timer !== undefined) return;
    let last = Date.now();
    this.#timer = setInterval(() => {
      const now = Date.now();
      this.clock.advance((now - last) * this.#speed);
      last = now;
    }, STEP_MS);
  }

  /** Listens on the air's socket (a stale socket left by a crashed hub is replaced). */
  async listen(socketPath: string): Promise<void> {
    mkdirSync(path.dirname(socketPath), { recursive: true });
    if (existsSync(socketPath)) {
      if (await socketAlive(socketPath)) throw new Error(`the air at ${socketPath} is already running`);
      unlinkSync(socketPath);
    }
    const server = net.createServer((socket) => this.#serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => resolve());
    });
    this.#server = server;
    this.#socketPath = socketPath;
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const s of this.#sockets) s.destroy();
    this.#server?.close();
    if (this.#socketPath !== undefined) {
      try {
        unlinkSync(this.#socketPath);
      } catch {
        // already gone
      }
    }
    for (const n of this.nodes.values()) n.host.stop();
  }

  #link(a: HubNode, b: HubNode): void {
    if (a.position === undefined || b.position === undefined) return;
    const d = groundDistanceM(a.position, b.position);
    const loss = pathLossDb(AIR_MODEL, d, 869_525_000, ANTENNA_HEIGHT_M, ANTENNA_HEIGHT_M);
    this.air.setLink(formatNodeId(a.id), formatNodeId(b.id), { pathLossDb: loss });
  }

  #serve(socket: net.Socket): void {
    this.#sockets.add(socket);
    let head = Buffer.alloc(0);
    let attached: number | undefined;
    let unsubscribe: (() => void) | undefined;
    const close = (): void => {
      unsubscribe?.();
      this.#sockets.delete(socket);
    };
    socket.on("close", close);
    socket.on("error", close);
    socket.on("data", (chunk: Buffer) => {
      if (attached !== undefined) return this.input(attached, new Uint8Array(chunk));
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(0x0a);
      if (nl < 0) {
        if (head.length > 4096) socket.end(`${JSON.stringify({ error: "first line too long" })}\n`);
        return;
      }
      const rest = head.subarray(nl + 1);
      try {
        const request = JSON.parse(head.subarray(0, nl).toString("utf8")) as { join?: NodeSpec; attach?: string };
        let id: number;
        let fresh = false;
        const rejoin = request.join === undefined ? undefined : parseNodeId(String(request.join.id));
        if (rejoin?.ok === true && this.nodes.has(rejoin.id)) {
          // A node stays on the air when its terminal quits (a board whose USB cable was pulled):
          // starting it again re-attaches to it.
          id = rejoin.id;
        } else if (request.join !== undefined) {
          id = this.addNode(request.join).id;
          fresh = true;
        } else if (typeof request.attach === "string") {
          const parsed = parseNodeId(request.attach);
          if (!parsed.ok) throw new Error(`--node: ${parsed.error}`);
          if (!this.nodes.has(parsed.id)) throw new Error(`no node ${formatNodeId(parsed.id)} on this air; it has ${[...this.nodes.keys()].map(formatNodeId).join(", ") || "none"}`);
          id = parsed.id;
        } else throw new Error('expected {"join": {...}} or {"attach": "<id>"}');
        attached = id;
        socket.write(`${JSON.stringify({ ok: true, id: formatNodeId(id) })}\n`);
        // A node that just booted: its terminal sees the boot lines too.
        if (fresh) socket.write(this.nodes.get(id)?.host.output ?? "");
        unsubscribe = this.subscribe(id, (bytes) => socket.write(bytes));
        if (rest.length > 0) this.input(id, new Uint8Array(rest));
      } catch (e) {
        socket.end(`${JSON.stringify({ error: e instanceof Error ? e.message : String(e) })}\n`);
      }
    });
  }
}

/** Whether something answers on the Unix socket `file`. */
export function socketAlive(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(file);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/**
 * Connects to the air's socket and sends the first line; resolves with the socket (now carrying
 * the node's serial bytes) and the node's id, or rejects with the hub's error.
 */
export function connectAir(socketPath: string, request: { join: NodeSpec } | { attach: string }): Promise<{ socket: net.Socket; id: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(0x0a);
      if (nl < 0) return;
      socket.off("data", onData);
      let answer: { ok?: boolean; id?: string; error?: string };
      try {
        answer = JSON.parse(head.subarray(0, nl).toString("utf8"));
      } catch {
        answer = { error: "the air answered something unexpected" };
      }
      if (answer.ok === true && typeof answer.id === "string") resolve({ socket, id: answer.id, rest: head.subarray(nl + 1) });
      else {
        socket.destroy();
        reject(new Error(answer.error ?? "the air refused"));
      }
    };
    socket.on("data", onData);
    socket.once("error", (e: NodeJS.ErrnoException) => reject(Object.assign(new Error(e.code === "ENOENT" || e.code === "ECONNREFUSED" ? `no air is running at ${socketPath}` : e.message), { code: e.code })));
    socket.once("connect", () => socket.write(`${JSON.stringify(request)}\n`));
  });
}
