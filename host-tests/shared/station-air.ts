// A lossless in-memory channel for any Station (src/demo/ideal-mesh.ts drives MeshNodes only):
// each transmission reaches every linked node after its airtime. The security cases use it to
// run MeshNodes wrapped in SecureStation, and to watch both the bytes on the air and the bytes
// each inner node is handed. Pure ES2022, so it runs on XS too.
import { airtimeMs, type LoRaModulation } from "../../src/core/airtime";
import type { NodeId, Station, StationEvent } from "../../src/core/station";

export interface AirRecord {
  readonly at: number;
  readonly tx: NodeId;
  readonly bytes: Uint8Array;
}

/** Something else that runs on the air's clock (the bridge cases' in-memory broker). */
export interface Sidecar {
  nextWakeup(): number;
  step(now: number): void;
}

export class StationAir {
  readonly stations = new Map<NodeId, Station>();
  readonly sidecars: Sidecar[] = [];
  readonly events = new Map<NodeId, StationEvent[]>();
  readonly air: AirRecord[] = [];
  now = 0;
  readonly #links = new Map<NodeId, Set<NodeId>>();
  #pending: Array<{ from: NodeId; end: number; bytes: Uint8Array }> = [];
  readonly #busy = new Set<NodeId>();

  constructor(readonly modem: LoRaModulation) {}

  add(s: Station): void {
    this.stations.set(s.id, s);
    this.events.set(s.id, []);
    if (!this.#links.has(s.id)) this.#links.set(s.id, new Set());
  }

  link(a: NodeId, b: NodeId): void {
    for (const [x, y] of [[a, b], [b, a]]) {
      if (!this.#links.has(x)) this.#links.set(x, new Set());
      this.#links.get(x)?.add(y);
    }
  }

  /** Puts raw bytes on the air from `from` (an attacker's transmitter, or a replay). */
  inject(from: NodeId, bytes: Uint8Array, to: NodeId): void {
    this.stations.get(to)?.receive(bytes, { rssi: -90, snr: 8, at: this.now });
    this.#drain(to);
    void from;
  }

  eventsOf<T extends StationEvent["type"]>(id: NodeId, type: T): Array<Extract<StationEvent, { type: T }>> {
    return (this.events.get(id) ?? []).filter((e): e is Extract<StationEvent, { type: T }> => e.type === type);
  }

  #drain(id: NodeId): void {
    const ev = this.stations.get(id)?.drainEvents() ?? [];
    if (ev.length > 0) this.events.get(id)?.push(...ev);
  }

  run(until: number): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      let t = Infinity;
      for (const p of this.#pending) t = Math.min(t, p.end);
      for (const s of this.stations.values()) t = Math.min(t, s.nextWakeup());
      for (const c of this.sidecars) t = Math.min(t, c.nextWakeup());
      if (t > until) {
        this.now = until;
        return;
      }
      this.now = Math.max(t, this.now);
      const ending = this.#pending.filter((p) => p.end <= this.now);
      this.#pending = this.#pending.filter((p) => p.end > this.now);
      for (const p of ending) {
        this.#busy.delete(p.from);
        for (const to of this.#links.get(p.from) ?? []) this.stations.get(to)?.receive(p.bytes, { rssi: -90, snr: 8, at: p.end });
        this.stations.get(p.from)?.transmitDone(p.end, "sent");
      }
      for (const [id, s] of this.stations) {
        if (s.nextWakeup() <= this.now) s.tick(this.now);
        if (!this.#busy.has(id)) {
          const f = s.pollTransmit(this.now);
          if (f !== undefined) {
            this.#pending.push({ from: id, end: this.now + airtimeMs(this.modem, f.bytes.length), bytes: f.bytes });
            this.#busy.add(id);
            this.air.push({ at: this.now, tx: id, bytes: f.bytes });
          }
        }
        this.#drain(id);
      }
      if (this.sidecars.length > 0) {
        for (const c of this.sidecars) c.step(this.now);
        for (const id of this.stations.keys()) this.#drain(id);
      }
    }
    throw new Error(`station air stuck at ${this.now}`);
  }
}
