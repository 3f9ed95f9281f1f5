// From the node's settings to the running core: the MeshNode's options (cluster precision,
// modem, duty cycle of the region's sub-band), the radio's configuration, and the console's
// view of the node (MeshBinding: status, neighbours, routes, send, GPS and battery updates).
// Every frame on the air is sealed by the SecureStation wrapped around the MeshNode
// (docs/security.md §8): the node is built with room for the seal, messages go through the
// wrapper (unicasts end-to-end private), and the tables come from the MeshNode itself.
import type { RadioChip } from "../../boards/common/board-profile";
import { presetConfig, type RadioConfig } from "../../drivers/radio";
import { formatCluster } from "../core/cluster";
import { DEVICE_LIMITS } from "../core/config";
import type { MeshNode, MeshNodeOptions } from "../core/mesh-node";
import { presetByName } from "../core/presets";
import { regionByName, subBandFor } from "../core/regions";
import { SEAL_OVERHEAD_BYTES } from "../core/security/frame-seal";
import type { SecureStation } from "../core/security/secure-station";
import type { Rng } from "../core/rng";
import { BROADCAST, formatNodeId, type SendResult } from "../core/station";
import type { MeshBinding } from "./boot";
import type { ChannelMeter } from "./channel-meter";
import type { ConsoleStatus, NodeRow } from "./console";
import type { PreferenceContactStore } from "./contact-store";
import { contactsHost } from "./contacts-host";
import type { HeardNodes } from "./heard-nodes";
import { probePayload, type Probes } from "./traceroute";
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
    // frameOverheadBytes: every frame is sealed (12 bytes more on the air): the core shrinks its
    // payload limits and OGM budget by it and counts it in every airtime (duty cycle).
    // gateway: a node with a broker set joins clusters over the internet bridge (src/app/bridge-driver.ts).
    node: {
      modem: preset,
      dutyCycle: band.dutyCycle,
      config: { ...DEVICE_LIMITS, geohashPrecision: settings.clusterPrecision, frameOverheadBytes: SEAL_OVERHEAD_BYTES, ...(settings.broker === undefined ? {} : { gateway: true, bridgeCost: settings.bridgeCost }) },
    },
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
  /** The security layer around `node`: every message goes through it. */
  readonly secure: SecureStation;
  readonly chip: RadioChip;
  readonly plan: MeshPlan;
  readonly now: () => number;
  /** Runs the radio loop after the application queued a frame. */
  readonly poke: () => void;
  /** Extra status lines (the runner's counters). */
  readonly extra?: () => ReadonlyArray<readonly [string, string]>;
  /** Nodes heard through the mesh, pending traceroute probes and the channel meter (start.ts feeds them). */
  readonly heard?: HeardNodes;
  readonly probes?: Probes;
  readonly meter?: ChannelMeter;
  /** The internet bridge's status rows (gateways only). */
  readonly bridge?: () => ReadonlyArray<readonly [string, string]>;
  /** Where contacts are kept across reboots (absent: RAM only). */
  readonly contactStore?: PreferenceContactStore;
}

/**
 * Console send: a unicast is an end-to-end private message (the SecureStation fetches the
 * destination's key first when it has none) and asks for an acknowledgement so the sender sees
 * "acked"; a broadcast is sealed per hop only (every key holder reads it).
 */
export function meshBinding(options: BindingOptions): MeshBinding {
  const { node, secure, plan, now } = options;
  let position: { readonly lat: number; readonly lon: number } | undefined;
  const send = (dst: number, payload: Uint8Array): SendResult & { readonly note?: string } => {
    const t = now();
    if (dst === BROADCAST) {
      const result = secure.send(t, dst, payload, {});
      if (result.ok) options.poke();
      return result;
    }
    const result = secure.send(t, dst, payload, { wantAck: true, private: true });
    if (!result.ok) return result;
    options.poke();
    // Asked after the send: a key from the contacts or the cache is taken by the send itself.
    return { ...result, note: secure.knowsKeyOf(dst) ? "private" : `private; asking ${formatNodeId(dst)} for its key first` };
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
    nodes: () => nodeRows(options),
    telemetry: () => {
      const t = now();
      const dutyCycle = plan.node.dutyCycle ?? 1;
      const budget = dutyCycle < 1 ? dutyCycle * 3_600_000 : undefined;
      const own = budget === undefined ? undefined : node.dutyUtilisation(t) * budget;
      const heard = options.meter?.utilisation(t);
      const span = Math.min(3_600_000, Math.max(1, t));
      return {
        channelUtilisation: heard === undefined ? null : Math.min(1, heard + (own ?? 0) / span),
        airtimeLastHourMs: own === undefined ? null : Math.round(own),
        dutyBudgetMs: budget ?? null,
        dutyBudgetLeftMs: budget === undefined || own === undefined ? null : Math.max(0, Math.round(budget - own)),
      };
    },
    traceroute: (dst) => {
      const t = now();
      const result = secure.send(t, dst, probePayload(), { wantAck: true, private: true });
      if (!result.ok) return result;
      options.probes?.sent(result.seq, dst, t);
      options.poke();
      return { ok: true, seq: result.seq, nextHops: node.nextHopsTo(dst, t) };
    },
    forgetPeer: (id) => secure.forgetPeer(id),
    contacts: contactsHost(secure, options.contactStore, now),
    bridge: () => options.bridge?.(),
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
          ...securityStatus(secure),
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

/** Neighbours first (heard directly), then nodes heard through the mesh or reachable by a route. */
function nodeRows(options: BindingOptions): NodeRow[] {
  const { node, now } = options;
  const t = now();
  const rows = new Map<number, NodeRow>();
  for (const n of node.neighbours(t)) {
    rows.set(n.id, { id: n.id, neighbour: true, rssi: n.rssi, snr: n.snr, hops: 1, ageMs: Math.max(0, t - n.lastHeardAt), cluster: formatCluster(n.cluster) });
  }
  for (const id of options.heard?.ids() ?? []) {
    const h = options.heard?.get(id);
    if (h === undefined || rows.has(id)) continue;
    rows.set(id, { id, neighbour: false, hops: h.hops, ageMs: Math.max(0, t - h.at) });
  }
  for (const d of node.routeTable(t)) {
    if (d.kind !== "node" || rows.has(d.destination as number)) continue;
    rows.set(d.destination as number, { id: d.destination as number, neighbour: false });
  }
  return [...rows.values()];
}

/** The security figures of `status`: node key, sealed/opened frames, refusals by reason, DMs. */
export function securityStatus(secure: SecureStation): Array<readonly [string, string]> {
  const s = secure.stats;
  const reasons: Array<[string, number]> = [
    ["bad tag", s.badTag],
    ["replayed", s.replayed],
    ["too old", s.tooOld],
    ["truncated", s.truncated],
    ["oversized", s.oversized],
    ["bad header", s.badHeader],
    ["own", s.ownFrame],
  ];
  const rejected = reasons.filter(([, n]) => n > 0);
  const rows: Array<readonly [string, string]> = [
    ["node key", secure.fingerprintOf(secure.id) ?? "none"],
    [
      "sealed",
      `${s.sealed} sealed, ${s.opened} opened, rejected ${rejected.length === 0 ? "none" : rejected.map(([k, n]) => `${k} ${n}`).join(", ")}${s.sealFailed > 0 ? `, ${s.sealFailed} not sealed` : ""}`,
    ],
    ["private", `${s.dmSent} sent, ${s.dmReceived} received, ${s.dmRejected} rejected, ${s.dmFailed} failed; ${s.keysLearned} peer keys${s.keyConflicts > 0 ? `, ${s.keyConflicts} key conflicts` : ""}`],
  ];
  return rows;
}
