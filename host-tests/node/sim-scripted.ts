// Scripted stations for physics tests: each sends given frames at given times and records what
// it hears, on nodes placed on a line with LoRaSim's path loss and no shadowing.
import { airtimeMs } from "../../src/core/airtime";
import { PRESETS, noiseFloorDbm, sensitivityDbm } from "../../src/core/presets";
import type { RxMeta, Station, StationEvent, TxFrame } from "../../src/core/station";
import { Simulation } from "../../src/sim/engine/simulation";
import type { RouterContext, RouterFactory } from "../../src/sim/routers/context";
import { parseScenario } from "../../src/sim/scenario/schema";

export const LF = PRESETS.LONG_FAST;
export const SENS = sensitivityDbm(LF, 6); // −131.5 dBm
export const NOISE = noiseFloorDbm(LF.bandwidthHz, 6); // −114 dBm
export const LORASIM = { model: "log-distance" as const, d0M: 40, pl0Db: 127.41, exponent: 2.08, sigmaDb: 0 };

export interface Heard {
  bytes: Uint8Array;
  meta: RxMeta;
}

export class Scripted implements Station {
  readonly heard: Heard[] = [];
  readonly sent: number[] = [];
  readonly busy: number[] = [];
  #plan: Array<{ at: number; bytes: Uint8Array }>;
  constructor(
    readonly id: number,
    plan: Array<{ at: number; bytes: Uint8Array }>,
  ) {
    this.#plan = [...plan].sort((a, b) => a.at - b.at);
  }
  send() {
    return { ok: false as const, code: "no-route" as const, reason: "scripted" };
  }
  receive(bytes: Uint8Array, meta: RxMeta): void {
    this.heard.push({ bytes, meta });
  }
  tick(): void {}
  nextWakeup(): number {
    return this.#plan.length > 0 ? this.#plan[0].at : Infinity;
  }
  pollTransmit(now: number): TxFrame | undefined {
    if (this.#plan.length === 0 || this.#plan[0].at > now) return undefined;
    return { bytes: this.#plan[0].bytes, priority: 3, kind: "data" };
  }
  transmitDone(now: number, outcome: "sent" | "busy"): void {
    if (outcome === "busy") {
      this.busy.push(now);
      this.#plan.shift();
      return;
    }
    this.sent.push(now);
    this.#plan.shift();
  }
  drainEvents(): StationEvent[] {
    return [];
  }
}

/** Nodes at the given x positions (m; "i" suffix = indoor), LoRaSim path loss, no shadowing. */
export function scripted(xs: Array<number | { x: number; indoor: boolean }>, plans: Array<Array<{ at: number; bytes: Uint8Array }>>, extra: Record<string, unknown> = {}) {
  const nodes = xs.map((p) => (typeof p === "number" ? { x: p, y: 0 } : { x: p.x, y: 0, indoor: p.indoor }));
  const s = parseScenario(
    {
      name: "scripted",
      nodes,
      areaM: [Math.max(1, ...nodes.map((n) => n.x)), 1],
      radio: { preset: "LONG_FAST", region: "EU868", txPowerDbm: 27 },
      pathLoss: LORASIM,
      traffic: { messagePeriodS: 1e9 },
      timing: { warmupS: 0, durationS: 60, drainS: 0 },
      ...extra,
    },
    "test",
  );
  const stations: Scripted[] = [];
  const factory: RouterFactory = (ctx: RouterContext) => {
    const st = new Scripted(ctx.id, plans[stations.length] ?? []);
    stations.push(st);
    return st;
  };
  const sim = new Simulation({ scenario: s, routerName: "scripted", factory, seed: 7 });
  const result = sim.run();
  return { stations, result, sim };
}

/** Distance at which LoRaSim path loss gives RSSI = 27 dBm − PL − extra loss = target. */
export function distanceFor(rssiDbm: number, extraLossDb = 0): number {
  return 40 * 10 ** ((27 - extraLossDb - rssiDbm - 127.41) / 20.8);
}
export const INDOOR_DB = 17;

export const frame = (n: number) => new Uint8Array(n).fill(0xa5);
export const AIR = airtimeMs(LF, 40);
