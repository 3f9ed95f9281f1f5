// An in-memory mesh on an ideal channel: every frame reaches every node linked to its sender
// after its airtime, with no loss and no collisions. It drives real MeshNode instances through
// the Station contract exactly as the firmware and the simulator do, with a seeded RNG. The demo
// and the protocol tests (on Node and on XS) run on it; honest radio physics is the simulator's
// job (src/sim). Pure ES2022, no host APIs.
import { PRESETS } from "../core/presets";
import { SeededRng } from "../core/rng";
import { MeshNode, type MeshNodeOptions } from "../core/mesh-node";
import type { MeshConfig } from "../core/config";
import type { GeoPoint } from "../core/geohash";
import { airtimeMs, type LoRaModulation } from "../core/airtime";
import type { NodeId, StationEvent } from "../core/station";

export interface TxRecord {
  readonly at: number;
  readonly end: number;
  readonly tx: NodeId;
  readonly type: number;
  readonly bytes: Uint8Array;
  readonly kind: "data" | "control";
}

export interface HarnessOptions {
  readonly seed?: number | string;
  readonly modem?: LoRaModulation;
  readonly config?: Partial<MeshConfig>;
  readonly dutyCycle?: number;
}

interface Pending {
  readonly from: NodeId;
  readonly end: number;
  readonly bytes: Uint8Array;
}

export class IdealMesh {
  readonly nodes = new Map<NodeId, MeshNode>();
  readonly events = new Map<NodeId, StationEvent[]>();
  readonly txLog: TxRecord[] = [];
  readonly dead = new Set<NodeId>();
  now = 0;
  readonly #links = new Map<NodeId, Map<NodeId, { rssi: number; snr: number }>>();
  readonly #rng: SeededRng;
  readonly #modem: LoRaModulation;
  readonly #config: Partial<MeshConfig>;
  readonly #dutyCycle: number;
  #pending: Pending[] = [];
  readonly #transmitting = new Set<NodeId>();
  readonly #wake = new Map<NodeId, number>();

  constructor(options: HarnessOptions = {}) {
    this.#rng = new SeededRng(options.seed ?? 1);
    this.#modem = options.modem ?? PRESETS.SHORT_FAST;
    this.#config = options.config ?? {};
    this.#dutyCycle = options.dutyCycle ?? 1;
  }

  get modem(): LoRaModulation {
    return this.#modem;
  }

  addNode(id: NodeId, position: GeoPoint | undefined, extra: Partial<MeshNodeOptions> = {}): MeshNode {
    const node = new MeshNode({
      id,
      rng: this.#rng.fork(id),
      now: this.now,
      modem: this.#modem,
      dutyCycle: this.#dutyCycle,
      config: this.#config,
      position,
      ...extra,
    });
    this.nodes.set(id, node);
    this.events.set(id, []);
    this.#links.set(id, this.#links.get(id) ?? new Map());
    return node;
  }

  node(id: NodeId): MeshNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** Links a and b (both directions unless oneWay). */
  link(a: NodeId, b: NodeId, meta: { rssi?: number; snr?: number; oneWay?: boolean } = {}): void {
    const m = { rssi: meta.rssi ?? -90, snr: meta.snr ?? 8 };
    if (!this.#links.has(a)) this.#links.set(a, new Map());
    if (!this.#links.has(b)) this.#links.set(b, new Map());
    this.#links.get(a)?.set(b, m);
    if (meta.oneWay !== true) this.#links.get(b)?.set(a, m);
  }

  unlink(a: NodeId, b: NodeId): void {
    this.#links.get(a)?.delete(b);
    this.#links.get(b)?.delete(a);
  }

  kill(id: NodeId): void {
    this.dead.add(id);
  }

  /** Frames matching this are lost on the air (reach nobody); for tests of loss handling. */
  dropIf: ((bytes: Uint8Array, from: NodeId) => boolean) | undefined;

  /**
   * What a node's frames look like on the air: the bytes (rewritten, for tests of nodes that
   * lie), or undefined for a frame the node never really sends (one it swallows).
   */
  rewrite: ((bytes: Uint8Array, from: NodeId) => Uint8Array | undefined) | undefined;

  /** Runs the event loop until `until` (ms). */
  run(until: number): void {
    // A node's wake-up time can only change when something calls into it, so it is cached and
    // recomputed only for the nodes touched at each step (and for all on entry: callers may have
    // called into nodes between runs).
    for (const [id, n] of this.nodes) this.#wake.set(id, n.nextWakeup());
    let guard = 0;
    let lastT = -1;
    for (;;) {
      let t = Infinity;
      for (const p of this.#pending) if (p.end < t) t = p.end;
      for (const [id, w] of this.#wake) if (w < t && !this.dead.has(id)) t = w;
      if (t > until) {
        this.now = until;
        return;
      }
      if (t < this.now) t = this.now;
      if (t === lastT) {
        if (++guard > 10_000) throw new Error(`ideal mesh stuck at t=${t}`);
      } else {
        guard = 0;
        lastT = t;
      }
      this.now = t;
      const touched = new Set<NodeId>();
      // Transmissions ending now reach every live linked node, then the sender is told.
      if (this.#pending.some((p) => p.end <= t)) {
        const ending = this.#pending.filter((p) => p.end <= t);
        this.#pending = this.#pending.filter((p) => p.end > t);
        for (const p of ending) {
          this.#transmitting.delete(p.from);
          if (this.dead.has(p.from)) continue;
          if (this.dropIf?.(p.bytes, p.from) === true) {
            this.nodes.get(p.from)?.transmitDone(p.end, "sent");
            touched.add(p.from);
            continue;
          }
          const bytes = this.rewrite === undefined ? p.bytes : this.rewrite(p.bytes, p.from);
          for (const [to, meta] of bytes === undefined ? [] : (this.#links.get(p.from) ?? [])) {
            if (this.dead.has(to) || bytes === undefined) continue;
            this.nodes.get(to)?.receive(bytes, { rssi: meta.rssi, snr: meta.snr, at: p.end });
            touched.add(to);
          }
          this.nodes.get(p.from)?.transmitDone(p.end, "sent");
          touched.add(p.from);
        }
      }
      for (const [id, w] of this.#wake) if (w <= t) touched.add(id);
      for (const id of touched) {
        const n = this.nodes.get(id);
        if (n === undefined || this.dead.has(id)) continue;
        if (n.nextWakeup() <= t) n.tick(t);
        if (!this.#transmitting.has(id)) {
          const f = n.pollTransmit(t);
          if (f !== undefined) {
            const end = t + airtimeMs(this.#modem, f.bytes.length);
            this.#pending.push({ from: id, end, bytes: f.bytes });
            this.#transmitting.add(id);
            this.txLog.push({ at: t, end, tx: id, type: f.bytes[0] & 15, bytes: f.bytes, kind: f.kind });
          }
        }
        const ev = n.drainEvents();
        if (ev.length > 0) this.events.get(id)?.push(...ev);
        this.#wake.set(id, n.nextWakeup());
      }
    }
  }

  /** Runs until `pred` holds (checked every `stepMs`) or `limit`; returns the time it held, or -1. */
  runUntil(pred: () => boolean, limit: number, stepMs = 1_000): number {
    while (this.now < limit) {
      this.run(Math.min(limit, this.now + stepMs));
      if (pred()) return this.now;
    }
    return -1;
  }

  /**
   * True when every live node's tables hold a way to every other live node: a node route within
   * its cluster, a cluster route to any other (§5.4). Homeless nodes route nothing themselves
   * and are only checked as destinations.
   */
  fullyRouted(): boolean {
    for (const [a, n] of this.nodes) {
      if (this.dead.has(a) || n.homeless) continue;
      for (const [b, m] of this.nodes) {
        if (a !== b && !this.dead.has(b) && !n.canReach(b, m.cluster, this.now)) return false;
      }
    }
    return true;
  }

  eventsOf<T extends StationEvent["type"]>(id: NodeId, type: T): Array<Extract<StationEvent, { type: T }>> {
    return (this.events.get(id) ?? []).filter((e): e is Extract<StationEvent, { type: T }> => e.type === type);
  }

  /** Transmissions of a frame type in [from, to). */
  countTx(type: number, from = 0, to = Infinity): number {
    return this.txLog.filter((r) => r.type === type && r.at >= from && r.at < to).length;
  }
}

/** Positions on a small local grid (about 100 m apart near 48.1 N 11.5 E): one geohash-4 cluster. */
export function gridPosition(x: number, y: number): GeoPoint {
  return { lat: 48.1 + y * 0.0009, lon: 11.5 + x * 0.0013 };
}
