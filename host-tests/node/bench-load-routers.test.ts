// BENCH_LOAD_ROUTERS (docs/simulator.md, bench part `load`): a blank list runs every router
// rather than silently none, and a name that is no router is a clear error.
import { describe, expect, test } from "vitest";
import { loadRouters } from "../../src/sim/bench-load";

const ALL = ["system5", "flooding", "meshcore"];

describe("BENCH_LOAD_ROUTERS", () => {
  test("unset, empty, blank or only commas: every router", () => {
    for (const env of [undefined, "", " ", ",", " , ,"]) expect(loadRouters(env, ALL)).toEqual(ALL);
  });
  test("a list picks those routers, spaces and empty items ignored", () => {
    expect(loadRouters(" meshcore, ,system5,", ALL)).toEqual(["meshcore", "system5"]);
  });
  test("an unknown name is an error that lists the known ones", () => {
    expect(() => loadRouters("system5,sytem6", ALL)).toThrow(/unknown router sytem6; known: system5, flooding, meshcore/);
  });
});
