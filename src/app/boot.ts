// Boot: everything the node does before the mesh runs, with every platform service injected so
// the same code runs on the device (src/app/main.ts) and on the host.
//
//   1. settings from the Preference store (defaults + warnings on anything bad — never a loop)
//   2. node id: on the device the key id of the stored node key (src/app/key-identity.ts; a node
//      without a key yet gets it when the radio starts); in host runs with scripted ids, set by
//      the user, else from the MAC, else a stored random id
//   3. board power-up in profile order (Vext / OLED reset, or the T-Beam's AXP192 rails)
//   4. battery gauge, GPS parser (boards with a GPS UART), serial console
//
// The radio and the core MeshNode are bound afterwards (src/app/start.ts) through attachMesh():
// until then, or when no radio answers, the console answers mesh commands with a clear
// "not running" error.
import { CHIP_TX_POWER_DBM, radioChips, txPowerRange, type BoardProfile, type RadioChip } from "../../boards/common/board-profile";
import { formatNodeId, type SendResult } from "../core/station";
import { batteryLevel, liIonLevel, type BatteryGauge } from "./battery";
import { Console, type ConsoleHost, type ContactsHost, type ConsoleStatus, type NeighbourRow, type NodeRow, type ResetTarget, type RouteRow, type Telemetry, type TraceStart } from "./console";
import { NmeaParser, type GpsState } from "./gps/nmea";
import { nodeIdFromMac } from "./node-id";
import { identityOfKey, recordFormerId, usableNodeKey } from "./key-identity";
import { readNodeSecret } from "./security";
import { resolveNodeId, SettingsStore, type NodeIdentity, type PreferenceLike, type Settings } from "./settings";

/** The identity of a node whose id will come from a key not drawn yet. */
const PENDING_IDENTITY: NodeIdentity = Object.freeze({ id: 0, source: "pending" });

export interface BootPlatform {
  readonly profile: BoardProfile;
  readonly preferences: PreferenceLike;
  /** The board's power controller (boards/common/power.ts BoardPower, or a host stand-in). */
  readonly power: { up(): string[]; battery(): BatteryGauge | undefined };
  /** MAC address bytes, undefined when the platform cannot read one. */
  readonly mac: () => Uint8Array | undefined;
  /** Uniform random unsigned 32-bit integers (only used when there is no MAC). */
  readonly random32: () => number;
  /** Monotonic milliseconds. */
  readonly now: () => number;
  /** Console output (USB UART on the device). */
  readonly write: (text: string) => void;
  readonly reboot: () => void;
  /** Erases the security records named (counter, node key) or everything; src/app/resets.ts. */
  readonly erase?: (target: ResetTarget | "all") => string;
  /**
   * Node ids from node keys (the device; docs/security.md §7.3). Without it (host runs with
   * scripted ids) the id is set by the user, else from the MAC, else a stored random id.
   */
  readonly idsFromKeys?: boolean;
}

/** What the running mesh (src/app/mesh-binding.ts) supplies to the console and the GPS. */
export interface MeshBinding {
  readonly chip: RadioChip;
  neighbours(): readonly NeighbourRow[];
  routes(): readonly RouteRow[];
  send(destination: number, payload: Uint8Array): SendResult & { readonly note?: string };
  broadcast(payload: Uint8Array): SendResult;
  /** Mesh fields of the status display (frequency, cluster, counts …). */
  status(): Partial<ConsoleStatus>;
  /** Every accepted GGA/RMC sentence's state (boards with a GPS UART). */
  gps?(state: GpsState): void;
  nodes?(): readonly NodeRow[];
  /** Channel and duty figures (the battery is added by the app). */
  telemetry?(): Omit<Telemetry, "battery" | "batteryMillivolts">;
  traceroute?(destination: number): TraceStart;
  forgetPeer?(id: number): boolean;
  /** The user's contacts in the security layer and in flash. */
  readonly contacts?: ContactsHost;
  /** The internet bridge's status rows; undefined when this node is not a gateway. */
  bridge?(): ReadonlyArray<readonly [string, string]> | undefined;
}

export interface App {
  readonly settings: SettingsStore;
  /** The node's id; "pending" until the node key is drawn where ids come from keys. */
  readonly identity: NodeIdentity;
  /** The id from the node key once the mesh loaded or drew it (src/app/start.ts). */
  setIdentity(identity: NodeIdentity): void;
  readonly console: Console;
  /** What the console and the device API ask the node (src/app/api.ts uses the same). */
  readonly host: ConsoleHost;
  /** Present on boards with a GPS UART; feed it the UART's bytes. */
  readonly gps: NmeaParser | undefined;
  readonly battery: BatteryGauge | undefined;
  /** Boot log lines (also written to the console). */
  readonly log: readonly string[];
  /** Settings problems found at boot (also in the log). */
  readonly warnings: readonly string[];
  /** Hardware problems found at boot (also in the log); the node keeps running regardless. */
  readonly faults: readonly string[];
  /** Binds the running mesh; narrows the tx power range to the detected chip. Returns warnings. */
  attachMesh(mesh: MeshBinding): string[];
  /** Battery 0..1, undefined without a battery reading. */
  batteryLevel(): number | undefined;
}

class NotRunning extends Error {
  constructor() {
    super("the mesh is not running yet");
  }
}

export function boot(platform: BootPlatform): App {
  const started = platform.now();
  const log: string[] = [];
  const say = (line: string) => {
    log.push(line);
    platform.write(line + "\r\n");
  };
  const { profile } = platform;
  say(`System 5 on ${profile.title}`);

  const idsFromKeys = platform.idsFromKeys === true;
  const settings = new SettingsStore(platform.preferences, txPowerRange(radioChips(profile)), undefined, { idsFromKeys });
  const loaded = settings.load();
  for (const w of loaded.warnings) say(`warning: ${w}`);

  let mac: Uint8Array | undefined;
  try {
    mac = platform.mac();
  } catch {
    mac = undefined;
  }
  const macId = mac === undefined ? undefined : nodeIdFromMac(mac);
  let identity: NodeIdentity;
  /** A node key record was found (usable or not): this node ran before. */
  let hadKey = false;
  if (idsFromKeys) {
    // The stored key only: a new one is drawn once the radio's noise is in the pool (start.ts).
    const stored = readNodeSecret(platform.preferences);
    hadKey = stored.secret !== undefined || stored.problem !== undefined;
    identity = stored.secret !== undefined && usableNodeKey(stored.secret) ? identityOfKey(stored.secret) : PENDING_IDENTITY;
    if (identity.source === "key") {
      const note = recordFormerId(platform.preferences, identity, { settingId: settings.storedNodeId(), macId, ranBefore: true });
      if (note !== undefined) say(note);
      say(`node ${formatNodeId(identity.id)} (key id of the node key)`);
    } else say("node id: from the node key, which is drawn when the radio starts");
  } else {
    identity = resolveNodeId(loaded.settings, macId, platform.preferences, platform.random32);
    say(`node ${formatNodeId(identity.id)} (${identity.source})`);
  }
  const formerSettingId = idsFromKeys ? settings.storedNodeId() : undefined;

  // A power-up failure (e.g. a T-Beam v1.2, whose AXP2101 this firmware does not drive) must
  // not stop the boot: the console still comes up and says what went wrong.
  const faults: string[] = [];
  try {
    for (const line of platform.power.up()) say(`power: ${line}`);
  } catch (e) {
    faults.push(`power-up failed: ${e instanceof Error ? e.message : String(e)}`);
    say(`error: ${faults[faults.length - 1]}; the radio may be unpowered`);
  }
  let battery: BatteryGauge | undefined;
  try {
    battery = platform.power.battery();
  } catch (e) {
    say(`warning: no battery reading (${e instanceof Error ? e.message : String(e)})`);
  }

  let mesh: MeshBinding | undefined;
  const gps = profile.gps === undefined ? undefined : new NmeaParser({ onUpdate: (state) => mesh?.gps?.(state) });
  const needMesh = (): MeshBinding => {
    if (mesh === undefined) throw new NotRunning();
    return mesh;
  };

  const host: ConsoleHost = {
    status: () => statusOf(settings.current, identity, profile, platform.now() - started, battery, gps?.state, mesh),
    neighbours: () => (mesh === undefined ? [] : mesh.neighbours()),
    routes: () => (mesh === undefined ? [] : mesh.routes()),
    send: (dst, payload) => needMesh().send(dst, payload),
    broadcast: (payload) => needMesh().broadcast(payload),
    settings,
    reboot: platform.reboot,
    randomBytes: (n) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i += 4) {
        const r = platform.random32() >>> 0;
        for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (r >>> (8 * k)) & 0xff;
      }
      return out;
    },
    nodes: () => mesh?.nodes?.() ?? [],
    telemetry: () => {
      const level = batteryLevel(battery);
      let millivolts: number | undefined;
      try {
        millivolts = battery?.millivolts();
      } catch {
        millivolts = undefined;
      }
      const channel = mesh?.telemetry?.();
      return {
        battery: level ?? null,
        batteryMillivolts: millivolts ?? null,
        channelUtilisation: channel?.channelUtilisation ?? null,
        airtimeLastHourMs: channel?.airtimeLastHourMs ?? null,
        dutyBudgetMs: channel?.dutyBudgetMs ?? null,
        dutyBudgetLeftMs: channel?.dutyBudgetLeftMs ?? null,
      };
    },
    traceroute: (dst) => {
      const m = needMesh();
      if (m.traceroute === undefined) throw new NotRunning();
      return m.traceroute(dst);
    },
    forgetPeer: (id) => needMesh().forgetPeer?.(id) ?? false,
    get contacts() {
      return mesh?.contacts;
    },
    bridge: () => mesh?.bridge?.(),
    ...(platform.erase === undefined
      ? {}
      : {
          reset: (target: ResetTarget) => (platform.erase as NonNullable<BootPlatform["erase"]>)(target),
          factoryReset: () => {
            (platform.erase as NonNullable<BootPlatform["erase"]>)("all");
            platform.reboot();
          },
        }),
  };
  const serialConsole = new Console({ host, write: platform.write });

  return {
    settings,
    get identity() {
      return identity;
    },
    setIdentity(next) {
      if (next.id === identity.id && next.source === identity.source) return;
      const pending = identity.source === "pending";
      identity = next;
      if (!pending) return say(`node ${formatNodeId(next.id)} (key id of the node key, which changed since boot)`);
      // The key was drawn just now (first boot, or the stored one was damaged or erased).
      const note = recordFormerId(platform.preferences, next, { settingId: formerSettingId, macId, ranBefore: hadKey });
      if (note !== undefined) say(note);
      say(`node ${formatNodeId(next.id)} (key id of the new node key)`);
    },
    console: serialConsole,
    host,
    gps,
    battery,
    log,
    warnings: loaded.warnings,
    faults,
    attachMesh(binding) {
      mesh = binding;
      const warnings = settings.setPowerRange(CHIP_TX_POWER_DBM[binding.chip]);
      for (const w of warnings) say(`warning: ${w}`);
      return warnings;
    },
    batteryLevel: () => batteryLevel(battery),
  };
}

function statusOf(
  s: Settings,
  identity: NodeIdentity,
  profile: BoardProfile,
  uptimeMs: number,
  battery: BatteryGauge | undefined,
  gps: GpsState | undefined,
  mesh: MeshBinding | undefined,
): ConsoleStatus {
  let millivolts: number | undefined;
  try {
    millivolts = battery?.millivolts();
  } catch {
    millivolts = undefined;
  }
  const base: ConsoleStatus = {
    nodeId: identity.id,
    nodeIdSource: identity.source,
    board: profile.title,
    region: s.region,
    preset: s.preset,
    txPowerDbm: s.txPowerDbm,
    role: s.role,
    networkName: s.networkName,
    uptimeMs,
    batteryMillivolts: millivolts,
    batteryLevel: millivolts === undefined ? undefined : liIonLevel(millivolts),
    gps: gps === undefined ? undefined : { hasFix: gps.hasFix, latitude: gps.latitude, longitude: gps.longitude, satellites: gps.satellites },
    radio: mesh === undefined ? "not started" : mesh.chip,
  };
  return mesh === undefined ? base : { ...base, ...mesh.status() };
}
