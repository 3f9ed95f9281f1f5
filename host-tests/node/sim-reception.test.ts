// Reception profiles (docs/simulator.md §Reception profiles): small topologies where "strict"
// (the default) and "meshtasticator" give known, different outcomes, one rule at a time.
import { describe, expect, test } from "vitest";
import { parseScenario } from "../../src/sim/scenario/schema";
import { AIR, INDOOR_DB, LORASIM, SENS, distanceFor, frame, scripted } from "./sim-scripted";

const MT = { physics: { reception: "meshtasticator" } };

describe("the profile key", () => {
  test("strict by default; an unknown profile is an error", () => {
    const base = { name: "p", nodes: [{ x: 0, y: 0 }, { x: 100, y: 0 }], pathLoss: LORASIM };
    expect(parseScenario(base, "t").physics.reception).toBe("strict");
    expect(parseScenario({ ...base, ...MT }, "t").physics.reception).toBe("meshtasticator");
    expect(() => parseScenario({ ...base, physics: { reception: "loose" } }, "t")).toThrow(/physics.reception/);
  });
});

describe("capture: first-come lock vs pairwise", () => {
  // Receiver R at 0; A and B indoors on either side (their walls keep them from hearing each
  // other); A starts first, B 300 ms later, past A's lock window.
  const run = (rssiA: number, rssiB: number, extra: Record<string, unknown> = {}) => {
    const { stations, result } = scripted(
      [0, { x: distanceFor(rssiA, INDOOR_DB), indoor: true }, { x: -distanceFor(rssiB, INDOOR_DB), indoor: true }],
      [[], [{ at: 1000, bytes: frame(40) }], [{ at: 1300, bytes: frame(41) }]],
      { timing: { warmupS: 0, durationS: 60, drainS: 0 }, ...extra },
    );
    return { heard: stations[0].heard.map((h) => h.bytes.length), collisions: result.metrics.collisions };
  };
  test("a later frame 7 dB stronger: strict loses both, meshtasticator decodes the later one", () => {
    expect(run(-120, -113).heard).toEqual([]);
    expect(run(-120, -113, MT).heard).toEqual([41]);
  });
  test("a first frame 7 dB stronger survives in both", () => {
    expect(run(-113, -120).heard).toEqual([40]);
    expect(run(-113, -120, MT).heard).toEqual([40]);
  });
  test("5 dB apart: both lost in both, counted as two collisions", () => {
    expect(run(-115, -120)).toEqual({ heard: [], collisions: 2 });
    expect(run(-115, -120, MT)).toEqual({ heard: [], collisions: 2 });
  });
});

describe("interference below sensitivity", () => {
  // A frame 2 dB above sensitivity; a sub-sensitivity interferer (S − 3 dB) on air across it.
  const run = (extra: Record<string, unknown> = {}) =>
    scripted([0, distanceFor(SENS + 2), -distanceFor(SENS - 3)], [[], [{ at: 1000 + AIR / 2, bytes: frame(40) }], [{ at: 1000, bytes: frame(40) }]], extra).stations[0].heard.length;
  test("strict counts it (within 6 dB of the wanted frame: lost); meshtasticator ignores it", () => {
    expect(run()).toBe(0);
    expect(run(MT)).toBe(1);
  });
});

describe("channel sensing", () => {
  // Node 1 hears node 0 at S − 2 dB: never decodable, but above the CAD threshold (S − 3 dB).
  // It offers a frame in the middle of node 0's payload.
  const run = (extra: Record<string, unknown> = {}) => {
    const { stations } = scripted([0, distanceFor(SENS - 2)], [[{ at: 1000, bytes: frame(40) }], [{ at: 1000 + AIR / 2, bytes: frame(30) }]], extra);
    return { busy: stations[1].busy.length, sent: stations[1].sent.length };
  };
  test("strict: CAD sees preambles only, so the payload goes unnoticed and node 1 transmits", () => {
    expect(run()).toEqual({ busy: 0, sent: 1 });
  });
  test("meshtasticator: a frame senses busy for its whole duration", () => {
    expect(run(MT)).toEqual({ busy: 1, sent: 0 });
  });
  test("both sense a preamble old enough for CAD", () => {
    const early = (extra: Record<string, unknown> = {}) =>
      scripted([0, distanceFor(SENS - 2)], [[{ at: 1000, bytes: frame(40) }], [{ at: 1000 + 50, bytes: frame(30) }]], extra).stations[1].busy.length;
    expect(early()).toBe(1);
    expect(early(MT)).toBe(1);
  });
});
