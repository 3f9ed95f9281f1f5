// From the node's settings to the running core: the MeshNode's options (cluster precision,
// modem, duty cycle of the region's sub-band), the radio's configuration, and the console's
// view of the node (MeshBinding: status, neighbours, routes, send, GPS and battery updates).
import type { RadioChip } from "../../boards/common/board-profile";
import { presetConfig, type RadioConfig } from "../../drivers/radio";
import { formatCluster } from "../core/cluster";
import { DEVICE_LIMITS } from "../core/config";
import type { MeshNode, MeshNodeOptions } from "../core/mesh-node";
import { presetByName } from "../core/presets";
import { regionByName, subBandFor } from "../core/regions";
import type { Rng } from "../core/rng";
import { BROADCAST, type SendResult } from "../core/station";
import type { MeshBinding } from "./boot";
import type { ConsoleStatus } from "./console";
import type { GpsState } from "./gps/nmea";
import type { Settings } from "./settings";

/** Everything the radio and the MeshNode need from the settings. */
export interface MeshPlan {
  /** Radio configuration without txPowerDbm (set once the chip, and so its range, is known). */
  readonly radio: Partial<RadioConfig> & { readonly frequencyHz: number };
  readonly node: Omit<MeshNodeOptions, "id" | "rng" | "now" | "battery" | "position">;
  /** Sub-band the channel lies in, for the status display. */
  readonly subBand: string;
}

/**
 * The channel and core parameters for `settings`. Settings are validated on load (a preset that
 * does not fit the region falls back), so the sub-band always exists here; the check stays as
 * the reason this cannot silently run outside the plan.
 */
export function meshPlan(settings: Settings): MeshPlan {
  const region = regionByName(settings.region);
  const preset = presetByName(settings.preset);
  const frequencyHz = region.defaultFrequencyHz;
  const band = subBandFor(region, frequencyHz, preset.bandwidthHz);
  if (band === undefined) throw new RangeError(`preset ${preset.name} does not fit the ${region.name} channel at ${frequencyHz / 1e6} MHz`);
  return {
    radio: { frequencyHz, ...presetConfig(preset) },
    node: { modem: preset, dutyCycle: band.dutyCycle, config: { ...DEVICE_LIMITS, geohashPrecision: settings.clusterPrecision } },
    subBand: band.name,
  };
}

export interface NodeOptionsInput {
  readonly id: number;
  readonly rng: Rng;
  readonly now: number;
  readonly battery: number | undefined;
}

export function meshNodeOptions(plan: MeshPlan, input: NodeOptionsInput): MeshNodeOptions {
  return { ...plan.node, ...input };
}

export interface BindingOptions {
  readonly node: MeshNode;
  readonly chip: RadioChip;
  readonly plan: MeshPlan;
  readonly now: () => number;
  /** Runs the radio loop after the application queued a frame. */
  readonly poke: () => void;
  /** Extra status lines (the runner's counters). */
  readonly extra?: () => ReadonlyArray<readonly [string, string]>;
}

/** Console send: unicasts ask for an end-to-end acknowledgement so the sender sees "acked". */
export function meshBinding(options: BindingOptions): MeshBinding {
  const { node, plan, now } = options;
  let position: { readonly lat: number; readonly lon: number } | undefined;
  const send = (dst: number, payload: Uint8Array): SendResult => {
    const result = node.send(now(), dst, payload, dst === BROADCAST ? {} : { wantAck: true });
    if (result.ok) options.poke();
    return result;
  };
  return {
    chip: options.chip,
    neighbours: () => {
      const t = now();
      return node.neighbours(t).map((n) => ({ id: n.id, rssi: n.rssi, snr: n.snr, quality: n.q, cluster: formatCluster(n.cluster) }));
    },
    routes: () =>
      node.routeTable(now()).flatMap((d) =>
        d.routes.map((r) => ({
          destination: d.kind === "node" ? (d.destination as number) : formatCluster(d.destination as number),
          nextHop: r.via,
          metric: r.metric,
          health: r.health,
        })),
      ),
    send,
    broadcast: (payload) => send(BROADCAST, payload),
    status: (): Partial<ConsoleStatus> => {
      const t = now();
      const duty = node.dutyUtilisation(t);
      return {
        frequencyHz: plan.radio.frequencyHz,
        cluster: node.homeless ? "none (no GPS fix, no neighbour consensus yet)" : formatCluster(node.cluster),
        neighbours: node.neighbours(t).length,
        routes: node.routeTable(t).length,
        extra: [
          ["duty", `${(duty * 100).toFixed(1)} % of the ${plan.subBand} budget (${(plan.node.dutyCycle ?? 1) * 100} %)`],
          ["ogm every", `${Math.round(node.ogmIntervalMs / 1000)} s`],
          ["frames", `${node.stats.txFrames} sent, ${node.stats.rxFrames} received`],
          ...(options.extra?.() ?? []),
        ],
      };
    },
    gps: (state: GpsState) => {
      // Only changes reach the core: a lost fix once, each new position, not every sentence.
      const fix = state.hasFix && state.latitude !== undefined && state.longitude !== undefined ? { lat: state.latitude, lon: state.longitude } : undefined;
      if (fix?.lat === position?.lat && fix?.lon === position?.lon) return;
      position = fix;
      node.setPosition(now(), fix);
      options.poke();
    },
  };
}
