// Physics with known answers: path loss and SNR against the formulas, the sensitivity edge,
// the capture rule (docs/simulator.md §Capture), half-duplex and duty-cycle refusal.
import { describe, expect, test } from "vitest";
import { airtimeMs } from "../../src/core/airtime";
import { PRESETS } from "../../src/core/presets";
import type { SeededRng } from "../../src/core/rng";
import { SeededRng as Rng } from "../../src/core/rng";
import { REGIONS } from "../../src/core/regions";
import { CAPTURE_THRESHOLD_DB, Simulation } from "../../src/sim/engine/simulation";
import { freeSpaceDb, logDistanceDb, okumuraHataDb, pathLossDb, threeGppMacroDb } from "../../src/sim/physics/pathloss";
import type { RouterContext } from "../../src/sim/routers/context";
import { MeshtasticStation } from "../../src/sim/routers/meshtastic";
import { parseScenario } from "../../src/sim/scenario/schema";
import { AIR, INDOOR_DB, LF, NOISE, SENS, distanceFor, frame, scripted } from "./sim-scripted";

const F_EU = 869.525e6;

describe("path loss against the formulas", () => {
  test("LoRaSim log-distance table (simulators.md §1.1)", () => {
    expect(logDistanceDb(40, 40, 127.41, 2.08)).toBeCloseTo(127.41, 2);
    expect(logDistanceDb(1000, 40, 127.41, 2.08)).toBeCloseTo(156.49, 2);
    expect(logDistanceDb(5000, 40, 127.41, 2.08)).toBeCloseTo(171.03, 2);
  });
  test("free space at 40 m, 869.5 MHz is 63.3 dB", () => {
    expect(freeSpaceDb(40, 869.5e6)).toBeCloseTo(63.3, 1);
  });
  test("Okumura-Hata and 3GPP macro at 1 km, 1 m antennas (simulators.md §1.2 table)", () => {
    expect(okumuraHataDb(1000, F_EU, 1, 1, "small-city")).toBeCloseTo(147.7, 1);
    expect(okumuraHataDb(1000, F_EU, 1, 1, "suburban")).toBeCloseTo(137.8, 1);
    expect(okumuraHataDb(1000, F_EU, 1, 1, "rural")).toBeCloseTo(119.3, 1);
    expect(threeGppMacroDb(1000, F_EU, 1, 1, "suburban")).toBeCloseTo(147.2, 1);
    expect(threeGppMacroDb(1000, F_EU, 1, 1, "urban")).toBeCloseTo(150.2, 1);
  });
  test("height lowers 3GPP loss at 1 km: 1/2/5/10 m → 147.2/140.5/127.4/110.6 dB", () => {
    const v = [1, 2, 5, 10].map((h) => threeGppMacroDb(1000, F_EU, h, h, "suburban"));
    [147.2, 140.5, 127.4, 110.6].forEach((want, i) => expect(v[i]).toBeCloseTo(want, 1));
  });
  test("height classes pick the taller antenna's class", () => {
    const m = {
      model: "height-classes" as const,
      d0M: 40,
      classes: [
        { name: "low", minHeightM: 0, pl0Db: 100, exponent: 3.2, sigmaDb: 0 },
        { name: "high", minHeightM: 600, pl0Db: 90, exponent: 2, sigmaDb: 0 },
      ],
    };
    expect(pathLossDb(m, 4000, F_EU, 2, 2)).toBeCloseTo(100 + 32 * 2, 6);
    expect(pathLossDb(m, 4000, F_EU, 2, 800)).toBeCloseTo(90 + 20 * 2, 6);
  });
  test("sensitivity and noise floor for LONG_FAST at NF 6 dB", () => {
    expect(NOISE).toBeCloseTo(-114.0, 1);
    expect(SENS).toBeCloseTo(-131.5, 1);
  });
});


describe("two-node link at the sensitivity edge", () => {
  test("0.2 dB above sensitivity is decoded, with RSSI and SNR from the formula", () => {
    const d = distanceFor(SENS + 0.2);
    const { stations } = scripted([0, d], [[{ at: 1000, bytes: frame(40) }], []]);
    expect(stations[1].heard).toHaveLength(1);
    const m = stations[1].heard[0].meta;
    expect(m.rssi).toBeCloseTo(SENS + 0.2, 6);
    expect(m.snr).toBeCloseTo(SENS + 0.2 - NOISE, 6);
    expect(m.at).toBeCloseTo(1000 + AIR, 6);
  });
  test("0.2 dB below sensitivity is not", () => {
    const d = distanceFor(SENS - 0.2);
    const { stations } = scripted([0, d], [[{ at: 1000, bytes: frame(40) }], []]);
    expect(stations[1].heard).toHaveLength(0);
  });
});

describe("collisions with capture", () => {
  // Receiver R at 0; A and B indoors on either side at chosen RSSIs (their walls keep them from
  // hearing each other, so neither defers to the other). A starts first; B starts 300 ms later,
  // well past A's preamble lock window (10 symbols = 82 ms on LONG_FAST).
  const run = (rssiA: number, rssiB: number, bStartsAfterMs = 300) => {
    const { stations } = scripted(
      [0, { x: distanceFor(rssiA, INDOOR_DB), indoor: true }, { x: -distanceFor(rssiB, INDOOR_DB), indoor: true }],
      [[], [{ at: 1000, bytes: frame(40) }], [{ at: 1000 + bStartsAfterMs, bytes: frame(41) }]],
    );
    return stations[0].heard.map((h) => h.bytes.length);
  };
  test("the rule's threshold is 6 dB", () => expect(CAPTURE_THRESHOLD_DB).toBe(6));
  test("a later frame 7 dB stronger does not survive: the receiver had locked the first, which it also loses", () => {
    expect(run(-120, -113)).toEqual([]);
  });
  test("a first frame 7 dB stronger survives a later weaker one", () => {
    expect(run(-113, -120)).toEqual([40]);
  });
  test("a first frame only 5 dB stronger is lost", () => {
    expect(run(-115, -120)).toEqual([]);
  });
  test("without overlap both frames arrive", () => {
    expect(run(-120, -113, AIR + 50)).toEqual([40, 41]);
  });
  test("an interferer that ends inside the lock window does no harm", () => {
    // Sub-sensitivity B (never locked) starts first and ends 2 symbols after strong A starts.
    const sym = 8.192;
    const { stations } = scripted(
      [0, distanceFor(SENS + 2), -distanceFor(SENS - 3)],
      [[], [{ at: 1000 + AIR - 2 * sym, bytes: frame(40) }], [{ at: 1000, bytes: frame(40) }]],
    );
    expect(stations[0].heard).toHaveLength(1);
  });
  test("the same interferer lasting past the lock window breaks a frame less than 6 dB above it", () => {
    const { stations } = scripted(
      [0, distanceFor(SENS + 2), -distanceFor(SENS - 3)],
      [[], [{ at: 1000 + AIR / 2, bytes: frame(40) }], [{ at: 1000, bytes: frame(40) }]],
    );
    expect(stations[0].heard).toHaveLength(0);
  });
});

describe("half-duplex", () => {
  test("a node transmitting when a frame starts does not receive it", () => {
    // Both send at the same instant: neither can hear the other.
    const { stations } = scripted([0, 500], [[{ at: 1000, bytes: frame(40) }], [{ at: 1000, bytes: frame(40) }]]);
    expect(stations[0].heard).toHaveLength(0);
    expect(stations[1].heard).toHaveLength(0);
  });
  test("a node may transmit right after a reception ends, and is heard", () => {
    // Node 1 hears node 0's frame, then answers at the instant reception ends.
    const { stations } = scripted([0, 500], [[{ at: 1000, bytes: frame(40) }], [{ at: 1000 + AIR, bytes: frame(30) }]]);
    expect(stations[1].heard).toHaveLength(1);
    // transmitDone reports the end of the transmission.
    expect(stations[1].sent).toEqual([1000 + AIR + airtimeMs(LF, 30)]);
    expect(stations[0].heard.map((h) => h.bytes.length)).toEqual([30]);
  });
  test("listen-before-talk: a node in the middle of a reception finds the channel busy", () => {
    const { stations } = scripted([0, 500], [[{ at: 1000, bytes: frame(40) }], [{ at: 1000 + AIR / 2, bytes: frame(30) }]]);
    expect(stations[1].busy).toEqual([1000 + AIR / 2]);
    expect(stations[1].sent).toEqual([]);
  });
});

describe("duty cycle", () => {
  const ctx = (rng: SeededRng): RouterContext => ({
    id: 0x1234,
    rng,
    now: 0,
    preset: PRESETS.LONG_SLOW,
    region: REGIONS.EU868,
    frequencyHz: F_EU,
    position: undefined,
    role: "CLIENT",
    battery: 1,
    params: {},
  });
  test("a router refuses sends once the rolling hour is used up, and the ledger is never broken", () => {
    const st = new MeshtasticStation(ctx(new Rng(1)), { mode: "managed", hopLimit: 3 });
    let now = 0;
    let airtime = 0;
    let refused: string | undefined;
    for (let k = 0; k < 200 && refused === undefined; k++) {
      const r = st.send(now, 0xffffffff, new Uint8Array(200), { priority: 4 });
      if (!r.ok) {
        refused = r.code;
        break;
      }
      for (;;) {
        const f = st.pollTransmit(now);
        if (f) {
          const air = airtimeMs(PRESETS.LONG_SLOW, f.bytes.length);
          now += air;
          airtime += air;
          st.transmitDone(now, "sent");
          break;
        }
        now = Math.max(now + 1, st.nextWakeup());
      }
    }
    expect(refused).toBe("duty-cycle");
    expect(now).toBeLessThan(3_600_000);
    // 10 % of the hour less the 10 % SOS reserve: 324 s usable by P4.
    expect(airtime).toBeLessThanOrEqual(324_000);
    expect(airtime).toBeGreaterThan(300_000);
  });
  test("under overload the simulator counts refusals and no violations", () => {
    const s = parseScenario(
      {
        name: "overload",
        nodes: 3,
        areaM: 500,
        terrain: "urban",
        rangeM: 2000,
        radio: { preset: "LONG_SLOW" },
        traffic: { messagePeriodS: 8, broadcastShare: 1 },
        timing: { warmupS: 0, durationS: 3600, drainS: 0 },
      },
      "test",
    );
    const sim = new Simulation({ scenario: s, routerName: "managed3", factory: (c) => new MeshtasticStation(c, { mode: "managed", hopLimit: 3 }), seed: 3 });
    const m = sim.run().metrics;
    expect(m.dutyCycleRefusals).toBeGreaterThan(0);
    expect(m.dutyCycleViolations).toBe(0);
    expect(m.maxNodeDutyShare).toBeLessThanOrEqual(0.1);
    expect(m.maxNodeDutyShare).toBeGreaterThan(0.08);
  });
});
