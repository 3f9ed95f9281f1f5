// The CSV's columns are a contract (docs/simulator.md): new metrics are appended, existing ones
// keep their place, so a script that reads a column by position keeps reading the same figure.
import { describe, expect, test } from "vitest";
import { resultsCsv } from "../../src/sim/report/files";

/** The mean columns as published before controlShareLate was added, in their order. */
const PUBLISHED = [
  "scenario", "router", "nodes", "seeds", "meanDegree",
  "unicastDelivery", "unicastDeliveryLive", "broadcastCoverage", "dataTx", "controlTx", "totalTx",
  "dataAirtimeS", "controlAirtimeS", "totalAirtimeS", "deliveredMessages", "airtimePerDeliveredS",
  "deadDstAirtimeS", "limitAirtimePerMessageS", "airtimeVsLimit", "limitBroadcastTx",
  "broadcastTxPerMessage", "broadcastTxVsLimit", "meanNodeAirtimeS", "maxNodeAirtimeS",
  "maxNodeDutyShare", "channelUtilisation", "controlShare", "latencyP50S", "latencyP95S",
  "dutyCycleViolations", "dutyCycleRefusals", "sendRefusals", "fallbackFloods", "routeSwitches",
  "unicastSent", "unicastDelivered", "unicastSentDead", "broadcastSent", "meshcoreRepeaters",
  "collisions", "halfDuplexMisses", "lbtBusy", "events",
];

describe("results.csv columns", () => {
  test("the published mean columns keep their positions; later metrics follow them", () => {
    const head = resultsCsv([]).split("\n")[0].split(",");
    expect(head.slice(0, PUBLISHED.length)).toEqual(PUBLISHED);
    expect(head[PUBLISHED.length]).toBe("controlShareLate");
  });
});
