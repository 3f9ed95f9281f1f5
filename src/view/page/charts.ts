// Delivery and airtime over simulated time, one line per compared router (@observablehq/plot,
// the same library as the HTML report).
import * as Plot from "@observablehq/plot";
import { PANEL_COLOURS } from "./palette";

export interface Sample {
  readonly t: number;
  readonly router: string;
  readonly delivery: number | null;
  readonly airtimeS: number;
}

export function drawCharts(host: HTMLElement, samples: readonly Sample[], routers: readonly string[]): void {
  const width = Math.max(260, Math.floor(host.clientWidth / 2) - 12);
  const common = {
    width,
    height: 150,
    marginLeft: 50,
    style: { fontSize: "11px", background: "white" },
    color: { domain: [...routers], range: PANEL_COLOURS.slice(0, routers.length), legend: true },
    x: { label: "simulated time (s)" },
  };
  const delivery = Plot.plot({
    ...common,
    y: { label: "unicast delivered (%)", domain: [0, 100], grid: true },
    marks: [
      Plot.line(
        samples.filter((s) => s.delivery !== null),
        { x: "t", y: (s: Sample) => (s.delivery as number) * 100, stroke: "router", strokeWidth: 2 },
      ),
    ],
  });
  const airtime = Plot.plot({
    ...common,
    y: { label: "airtime, all nodes (s)", grid: true },
    marks: [Plot.line(samples, { x: "t", y: "airtimeS", stroke: "router", strokeWidth: 2 })],
  });
  delivery.setAttribute("aria-label", "Unicast delivery over time, by router");
  airtime.setAttribute("aria-label", "Airtime over time, by router");
  host.replaceChildren(delivery, airtime);
}
