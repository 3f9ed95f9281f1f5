// World events: mobility moves nodes and tells the station, failures silence nodes, degradation
// weakens links; and every station gets a geographic position from the local projection.
import { describe, expect, test } from "vitest";
import type { RxMeta, StationEvent, TxFrame } from "../../src/core/station";
import { Simulation } from "../../src/sim/engine/simulation";
import type { GeoPosition, MobileStation, RouterContext } from "../../src/sim/routers/context";
import { routerEntry } from "../../src/sim/routers/registry";
import { parseScenario } from "../../src/sim/scenario/schema";

class Listener implements MobileStation {
  readonly moves: GeoPosition[] = [];
  heard = 0;
  constructor(readonly ctx: RouterContext) {}
  get id() {
    return this.ctx.id;
  }
  send() {
    return { ok: false as const, code: "no-route" as const, reason: "listener" };
  }
  receive(_b: Uint8Array, _m: RxMeta): void {
    this.heard++;
  }
  tick(): void {}
  nextWakeup(): number {
    return Infinity;
  }
  pollTransmit(): TxFrame | undefined {
    return undefined;
  }
  transmitDone(): void {}
  drainEvents(): StationEvent[] {
    return [];
  }
  setPosition(_now: number, p: GeoPosition): void {
    this.moves.push(p);
  }
}

const base = { name: "world", nodes: 30, areaM: 3000, terrain: "urban", rangeM: 1500, traffic: { messagePeriodS: 60 }, timing: { warmupS: 0, durationS: 600, drainS: 0 } };

describe("world events", () => {
  test("stations get positions around the origin, and moving ones are told where they went", () => {
    const s = parseScenario({ ...base, origin: { lat: 10, lon: 20 }, mobility: { share: 0.5, speedMps: [1, 2], pauseS: [0, 0] } }, "t");
    const made: Listener[] = [];
    const sim = new Simulation({ scenario: s, routerName: "listener", factory: (c) => (made.push(new Listener(c)), made[made.length - 1]), seed: 1 });
    sim.run();
    for (const l of made) {
      expect(Math.abs((l.ctx.position?.lat ?? 0) - 10)).toBeLessThan(0.02);
      expect(Math.abs((l.ctx.position?.lon ?? 0) - 20)).toBeLessThan(0.02);
    }
    const movers = made.filter((l) => l.moves.length > 0);
    expect(movers.length).toBeGreaterThan(5);
    expect(movers.length).toBeLessThan(made.length);
    // 600 s at 5 s steps: one report per step.
    expect(movers[0].moves.length).toBeGreaterThan(100);
  });
  test("failed nodes neither send nor receive, and unicasts to them leave the measurement", () => {
    const entry = routerEntry("managed7")!;
    const run = (share: number) =>
      new Simulation({ scenario: parseScenario({ ...base, failures: { share, atS: 100 } }, "t"), routerName: "managed7", factory: entry.factory, seed: 2 }).run().metrics;
    const healthy = run(0);
    const broken = run(0.5);
    expect(broken.totalTx).toBeLessThan(healthy.totalTx * 0.8);
    expect(broken.unicastSent).toBeLessThan(healthy.unicastSent);
  });
  test("degradation weakens links from its start: fewer neighbours hear each frame", () => {
    const entry = routerEntry("flood")!;
    const run = (share: number) =>
      new Simulation({
        scenario: parseScenario({ ...base, degradation: { share, atS: 0, lossDb: [20, 20] } }, "t"),
        routerName: "flood",
        factory: entry.factory,
        seed: 3,
      }).run().meanDegree;
    expect(run(0.5)).toBeLessThan(run(0) * 0.8);
  });
  test("asymmetry makes some links one-way", () => {
    const s = parseScenario({ ...base, asymmetry: { share: 1, maxDb: 20 } }, "t");
    const sim = new Simulation({ scenario: s, routerName: "flood", factory: routerEntry("flood")!.factory, seed: 4 });
    const rssi = (a: number, b: number) => {
      const l = sim.links[a];
      for (let k = 0; k < l.count; k++) if (l.to[k] === b) return l.rssi[k];
      return -Infinity;
    };
    sim.run();
    let differ = 0;
    for (let a = 0; a < 10; a++) for (let b = a + 1; b < 10; b++) if (Math.abs(rssi(a, b) - rssi(b, a)) > 1 && Number.isFinite(rssi(a, b))) differ++;
    expect(differ).toBeGreaterThan(3);
  });
});

describe("antennas", () => {
  test("a node's own antenna gain adds to both directions of its links", () => {
    const make = (gain: number | undefined) =>
      parseScenario(
        {
          name: "gain",
          nodes: [{ x: 0, y: 0, ...(gain === undefined ? {} : { antennaGainDbi: gain }) }, { x: 1000, y: 0 }],
          pathLoss: { model: "log-distance", d0M: 40, pl0Db: 127.41, exponent: 2.08, sigmaDb: 0 },
          traffic: { messagePeriodS: 1e9 },
        },
        "t",
      );
    const links = (gain: number | undefined) => {
      const sim = new Simulation({ scenario: make(gain), routerName: "flood", factory: routerEntry("flood")!.factory, seed: 1 });
      sim.run();
      return [sim.links[0].rssi[0], sim.links[1].rssi[0]];
    };
    const [a0, b0] = links(undefined);
    const [a6, b6] = links(6);
    expect(a0).toBeCloseTo(27 - 156.49, 2);
    expect(a6 - a0).toBeCloseTo(6, 9);
    expect(b6 - b0).toBeCloseTo(6, 9);
  });
});
