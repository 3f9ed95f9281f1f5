// `ogmLocationShareLate` (docs/simulator.md §Metrics): issue 13's control share (a router's
// beacons and location traffic, not its ACKs or key frames) of the airtime sent in the second half
// of the measurement window, by the same accounting as `controlShareLate`. On a tiny run of
// scripted stations the figure is the one computed by hand from the frames' airtimes.
import { describe, expect, test } from "vitest";
import { airtimeMs } from "../../src/core/airtime";
import { PRESETS } from "../../src/core/presets";
import type { RxMeta, StationEvent, TxFrame } from "../../src/core/station";
import { Simulation } from "../../src/sim/engine/simulation";
import type { MobileStation, RouterContext } from "../../src/sim/routers/context";
import "../../src/sim/routers/plugins";
import { runTask } from "../../src/sim/run";
import { lineScenario } from "../../src/sim/scenario/line";

/** What each station sends, by the time (s) it goes: a first byte naming the kind, then padding. */
const BEACON = 0x42; // counted: a beacon (an OGM's place)
const LOOKUP = 0x4c; // counted: location traffic
const ACK = 0x41; // control, not counted
const DATA = 0x44; // data
const SIZES = { [BEACON]: 40, [LOOKUP]: 22, [ACK]: 18, [DATA]: 60 } as const;
type Kind = keyof typeof SIZES;

class Scripted implements MobileStation {
  #i = 0;
  constructor(
    readonly ctx: RouterContext,
    readonly plan: ReadonlyArray<readonly [number, Kind]>,
  ) {}
  get id() {
    return this.ctx.id;
  }
  send() {
    return { ok: false as const, code: "no-route" as const, reason: "scripted" };
  }
  receive(_b: Uint8Array, _m: RxMeta): void {}
  tick(): void {}
  nextWakeup(): number {
    return this.#i < this.plan.length ? this.plan[this.#i][0] * 1000 : Infinity;
  }
  pollTransmit(now: number): TxFrame | undefined {
    const p = this.plan[this.#i];
    if (p === undefined || p[0] * 1000 > now) return undefined;
    const bytes = new Uint8Array(SIZES[p[1]]);
    bytes[0] = p[1];
    return { bytes, priority: 3, kind: p[1] === DATA ? "data" : "control" } as TxFrame;
  }
  transmitDone(_now: number, outcome: "sent" | "busy"): void {
    if (outcome === "sent") this.#i++;
  }
  drainEvents(): StationEvent[] {
    return [];
  }
}

describe("ogmLocationShareLate", () => {
  test("two scripted stations, window 600 s: the second half's beacon and lookup airtime over all of its airtime, by hand", () => {
    // Window 0–600 s, second half from 300 s. Node 0: a beacon at 100 s (first half, not in the
    // figure), a beacon at 320, an ACK at 340, DATA at 360. Node 1: a lookup at 400, DATA at 420,
    // a beacon at 440. No two frames overlap, so nothing is deferred.
    const plans: ReadonlyArray<ReadonlyArray<readonly [number, Kind]>> = [
      [[100, BEACON], [320, BEACON], [340, ACK], [360, DATA]],
      [[400, LOOKUP], [420, DATA], [440, BEACON]],
    ];
    let made = 0;
    const scenario = lineScenario(2, 1000, { timing: { warmupS: 0, durationS: 600, drainS: 0 } });
    const r = new Simulation({
      scenario,
      routerName: "scripted",
      factory: (ctx) => new Scripted(ctx, plans[made++]),
      seed: 1,
      ogmLocation: (b) => b !== undefined && (b[0] === BEACON || b[0] === LOOKUP),
    }).run();
    const air = (k: Kind) => airtimeMs(PRESETS.LONG_FAST, SIZES[k]);
    const late = 2 * air(BEACON) + air(LOOKUP) + air(ACK) + 2 * air(DATA);
    expect(r.metrics.totalTx).toBe(7);
    expect(r.metrics.ogmLocationShareLate).toBeCloseTo((2 * air(BEACON) + air(LOOKUP)) / late, 12);
    // The same accounting as controlShareLate, which counts the ACK too.
    expect(r.metrics.controlShareLate).toBeCloseTo((2 * air(BEACON) + air(LOOKUP) + air(ACK)) / late, 12);
    // Without a classifier the figure is null, the rest unchanged.
    made = 0;
    const plain = new Simulation({ scenario, routerName: "scripted", factory: (ctx) => new Scripted(ctx, plans[made++]), seed: 1 }).run();
    expect(plain.metrics.ogmLocationShareLate).toBeNull();
    expect({ ...plain.metrics, ogmLocationShareLate: 0 }).toEqual({ ...r.metrics, ogmLocationShareLate: 0 });
  });

  test("System 5 names OGM, LOCATE_Q and LOCATE_A: the figure is the late OGMs' share on a quiet line, below the late control share; baselines have none", () => {
    const scenario = lineScenario(3, 1000, { timing: { warmupS: 0, durationS: 600, drainS: 0 } });
    const s5 = runTask({ scenario, router: "system5", seed: 1 }).metrics;
    expect(s5.ogmLocationShareLate).not.toBeNull();
    expect(s5.ogmLocationShareLate ?? 0).toBeGreaterThan(0);
    expect(s5.ogmLocationShareLate ?? 2).toBeLessThanOrEqual(s5.controlShareLate ?? 0);
    expect(runTask({ scenario, router: "managed7", seed: 1 }).metrics.ogmLocationShareLate).toBeNull();
  });
});
