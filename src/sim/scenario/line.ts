// Known-answer topologies for tests and demonstrations: nodes on a line with LoRaSim's
// log-distance constants and no shadowing, so with the default 1000 m spacing on LONG_FAST at
// 27 dBm each node decodes only its neighbours (range 1250 m) while two-hop neighbours still
// reach it as sub-sensitivity interference.
import { parseScenario } from "./schema";
import type { Scenario } from "./schema";

export function lineScenario(nodes: number, spacingM = 1000, overrides: Record<string, unknown> = {}): Scenario {
  return parseScenario(
    {
      name: `line-${nodes}`,
      nodes: Array.from({ length: nodes }, (_, i) => ({ x: i * spacingM, y: 0 })),
      areaM: [Math.max(1, (nodes - 1) * spacingM), 1],
      radio: { preset: "LONG_FAST", region: "EU868", txPowerDbm: 27 },
      pathLoss: { model: "log-distance", d0M: 40, pl0Db: 127.41, exponent: 2.08, sigmaDb: 0 },
      traffic: { messagePeriodS: 1e9 },
      timing: { warmupS: 0, durationS: 120, drainS: 0 },
      ...overrides,
    },
    "line scenario",
  );
}
