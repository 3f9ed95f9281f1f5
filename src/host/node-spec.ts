// What a user says about one emulated node (board, chip, id, GPS fix, preset, region), checked
// with messages that say what to fix, and the HostNode built from it. `system5 node` and the
// shared air (src/host/air-hub.ts) both build their nodes here.
import { BOARD_NAMES, boardByName } from "../../boards";
import { radioChips, txPowerRange, type RadioChip } from "../../boards/common/board-profile";
import type { MqttLinkFactory } from "../app/bridge-link";
import { parseNodeId } from "../app/node-id";
import { SettingsStore } from "../app/settings";
import { formatNodeId } from "../core/station";
import type { Air } from "./air";
import { HostNode } from "./host-node";
import { HostPreference } from "./preference";

export interface NodeSpec {
  readonly board: string;
  readonly chip?: string;
  readonly id: string;
  readonly lat?: number;
  readonly lon?: number;
  readonly preset?: string;
  readonly region?: string;
  /** Broker URL stored as the `broker` setting (the node becomes a gateway); "none" clears it. */
  readonly mqtt?: string;
  /** The node's id comes from its node key, binding required, as on a board (`id` is then only its MAC). */
  readonly keyIds?: boolean;
}

export interface CheckedSpec {
  readonly board: (typeof BOARD_NAMES)[number];
  readonly chip: RadioChip | undefined;
  readonly id: number;
  readonly position: { readonly lat: number; readonly lon: number } | undefined;
  readonly preset?: string;
  readonly region?: string;
  readonly mqtt?: string;
  readonly keyIds?: boolean;
}

/**
 * Checks a spec; throws an Error whose message says what to fix. `airOnly`: --lat/--lon may
 * place a board without a GPS on a shared air (it then has a position but no fix).
 */
export function checkSpec(o: NodeSpec, airOnly = false): CheckedSpec {
  if (typeof o !== "object" || o === null) throw new Error("a node needs at least --board");
  const profile = boardByName(String(o.board));
  const chips = radioChips(profile);
  if (o.chip !== undefined && !(chips as string[]).includes(o.chip)) {
    throw new Error(`--chip ${o.chip}: ${profile.title} carries ${chips.join(" or ")}`);
  }
  const id = parseNodeId(String(o.id));
  if (!id.ok) throw new Error(`--id: ${id.error}`);
  if ((o.lat === undefined) !== (o.lon === undefined)) throw new Error("--lat and --lon go together");
  if (o.lat !== undefined && profile.gps === undefined && !airOnly) throw new Error(`--lat/--lon: ${profile.title} has no GPS`);
  for (const [name, v, limit] of [["--lat", o.lat, 90], ["--lon", o.lon, 180]] as const) {
    if (v !== undefined && !(typeof v === "number" && Number.isFinite(v) && Math.abs(v) <= limit)) throw new Error(`${name} must be a number within ±${limit}`);
  }
  return {
    board: profile.name,
    chip: o.chip as RadioChip | undefined,
    id: id.id,
    position: o.lat !== undefined && o.lon !== undefined ? { lat: o.lat, lon: o.lon } : undefined,
    ...(o.preset === undefined ? {} : { preset: String(o.preset) }),
    ...(o.region === undefined ? {} : { region: String(o.region) }),
    ...(o.mqtt === undefined ? {} : { mqtt: String(o.mqtt) }),
    ...(o.keyIds === true ? { keyIds: true } : {}),
  };
}

/**
 * Stores --preset/--region in `preferences` as a user's `set` would (same checks), then builds
 * the node on `air`, named by its id (so its random draws, node key included, depend on the id).
 */
export function buildHostNode(
  spec: CheckedSpec,
  options: {
    readonly air: Air;
    readonly preferences?: HostPreference;
    readonly onOutput: (text: string) => void;
    readonly onOutputBytes?: (bytes: Uint8Array) => void;
    readonly airPosition?: { x: number; y: number };
    readonly bridgeLink?: MqttLinkFactory;
  },
): HostNode {
  const profile = boardByName(spec.board);
  const preferences = options.preferences ?? new HostPreference();
  const store = new SettingsStore(preferences, txPowerRange(radioChips(profile)));
  for (const [key, value, option] of [["region", spec.region, "--region"], ["preset", spec.preset, "--preset"], ["broker", spec.mqtt, "--mqtt"]] as const) {
    if (value === undefined) continue;
    const r = store.set(key, value);
    if (!r.ok) throw new Error(`${option}: ${r.error}`);
  }
  const node = new HostNode({
    air: options.air,
    board: spec.board,
    chip: spec.chip,
    name: formatNodeId(spec.id),
    id: spec.id,
    preferences,
    onOutput: options.onOutput,
    ...(options.onOutputBytes === undefined ? {} : { onOutputBytes: options.onOutputBytes }),
    ...(options.airPosition === undefined ? {} : { position: options.airPosition }),
    ...(options.bridgeLink === undefined ? {} : { bridgeLink: options.bridgeLink }),
    ...(spec.keyIds === true ? { idsFromKeys: true } : {}),
  });
  if (spec.position !== undefined && profile.gps !== undefined) node.gpsModule(spec.position);
  return node;
}
