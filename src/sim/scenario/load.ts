// The capacity runs (bench part `load`, docs/simulator.md §Capacity): Medium City with the
// seed's broadcasts unchanged and an offered unicast load from 50 to 2000 messages per hour,
// network-wide. The traffic stays one Poisson process per node; its period and broadcast share
// are set so unicasts and broadcasts come at the wanted rates.
import medium from "../scenarios/02-medium-city.json";
import { DEFAULTS } from "./schema";

/** Offered unicasts per hour, network-wide, of the load points. */
export const LOAD_UNICASTS_PER_HOUR = [50, 100, 200, 400, 800, 1200, 2000] as const;
const NAME_RE = /^load-(\d+)$/;

/** Broadcasts per hour of the seed's Medium City: nodes × 3600 / period × broadcast share. */
export function seedBroadcastsPerHour(): number {
  return ((medium.nodes * 3600) / medium.traffic.messagePeriodS) * DEFAULTS.broadcastShare;
}

/** The scenario JSON of one load point: `load-<unicasts per hour>`. */
export function loadScenarioJson(unicastsPerHour: number): unknown {
  const b = seedBroadcastsPerHour();
  const total = unicastsPerHour + b;
  return {
    ...medium,
    name: `load-${unicastsPerHour}`,
    description: `Medium City with ${unicastsPerHour} unicasts/h offered and the seed's ${Math.round(b)} broadcasts/h`,
    traffic: { ...medium.traffic, messagePeriodS: (medium.nodes * 3600) / total, broadcastShare: b / total },
  };
}

/** The offered unicast load of a load-point scenario name, or undefined for other scenarios. */
export function offeredUnicastsPerHour(scenarioName: string): number | undefined {
  const m = NAME_RE.exec(scenarioName);
  return m === null ? undefined : Number(m[1]);
}
