// The capacity curves of the report (docs/simulator.md §Capacity): for each router, unicast
// delivery and airtime per delivered message against the offered unicast load of the `load-<N>`
// scenarios, and the saturation point read off the delivery curve. Data only: the report draws it.
import type { Summary } from "../aggregate";
import { offeredUnicastsPerHour } from "../scenario/load";

/** Unicast delivery below this share marks a router as saturated. */
export const SATURATION_DELIVERY = 0.9;

export interface LoadCurve {
  readonly router: string;
  /** [offered unicasts per hour, unicast delivery 0..1], by load. */
  readonly delivery: ReadonlyArray<readonly [number, number]>;
  /** [offered unicasts per hour, airtime per delivered message s], by load. */
  readonly airtime: ReadonlyArray<readonly [number, number]>;
  /**
   * The lowest offered load from which delivery stays below SATURATION_DELIVERY at every higher
   * load run (a single dip, a few messages at a light load, is noise); undefined if none.
   */
  readonly saturatesAt: number | undefined;
}

/** The load curves of the rows that are load points; empty when there are none. */
export function loadCurves(rows: readonly Summary[]): LoadCurve[] {
  const points = rows.filter((r) => offeredUnicastsPerHour(r.scenario) !== undefined);
  const routers = [...new Set(points.map((r) => r.router))];
  return routers.map((router) => {
    const mine = points.filter((r) => r.router === router).sort((a, b) => (offeredUnicastsPerHour(a.scenario) ?? 0) - (offeredUnicastsPerHour(b.scenario) ?? 0));
    const at = (r: Summary) => offeredUnicastsPerHour(r.scenario) as number;
    const delivery = mine.filter((r) => r.mean.unicastDelivery !== null).map((r) => [at(r), r.mean.unicastDelivery as number] as const);
    const airtime = mine.filter((r) => r.mean.airtimePerDeliveredS !== null).map((r) => [at(r), r.mean.airtimePerDeliveredS as number] as const);
    let saturatesAt: number | undefined;
    for (let i = delivery.length - 1; i >= 0 && delivery[i][1] < SATURATION_DELIVERY; i--) saturatesAt = delivery[i][0];
    return { router, delivery, airtime, saturatesAt };
  });
}
